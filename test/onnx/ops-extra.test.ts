/**
 * The operators of src/onnx/ops/ (elementwise, logical, reduce, shape, norm, pool, misc) on
 * random inputs against onnxruntime-web: broadcasting, odd shapes and the opsets that change an
 * operator's signature (attribute vs input forms); the 8- and 16-bit integer types over their
 * whole range (wrapping); Mod, Hardmax and LpPool. Floats within 1e-5 relative, integers and
 * bools exactly. Also the load-time and run-time errors of bad attributes and inputs.
 */
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { model, type Attr } from './encode.js';
import { ONNX_TYPE, singleNodeGraph, type In, type InType, type SingleNode } from './single-node.js';
import { expectClose, expectError } from './helpers.js';
import { runOrt } from './ort.js';

interface Case extends SingleNode {
  outputs?: number;
  /** Element type of the outputs when not the rule of outType (Cast). */
  outType?: InType;
}

const BOOL_RESULT = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not']);

/** Element type of output i: bool for comparisons, int64 for sizes and indices, else input 0's (Where: input 1's). */
function outType(c: Case, i: number): InType {
  if (c.outType) return c.outType;
  if (BOOL_RESULT.has(c.op)) return 'bool';
  if (c.op === 'Size' || c.op === 'ArgMin' || c.op === 'ArgMax' || (i === 1 && (c.op === 'TopK' || c.op === 'MaxPool'))) return 'int64';
  return c.inputs[c.op === 'Where' ? 1 : 0].type ?? 'float32';
}

/** Deterministic uniform numbers (a 32-bit LCG), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function build(c: Case, seed: number): { bytes: Uint8Array; feeds: Record<string, Tensor> } {
  const outs = Array.from({ length: c.outputs ?? 1 }, (_, i) => ({ name: `out${i}`, type: outType(c, i) }));
  return singleNodeGraph(c, rng(seed), (type) => (type === 'bool' ? [0, 2] : [-3, 3]), outs);
}

async function expectLikeOrt(c: Case, seed = 1): Promise<void> {
  const { bytes, feeds } = build(c, seed);
  const got = loadOnnx(bytes).run(feeds);
  const r = await runOrt(bytes, feeds as never);
  expect(r.error, `onnxruntime rejected ${c.name}`).toBeUndefined();
  for (const [n, w] of Object.entries(r.outputs!)) {
    const want = w as unknown as { data: ArrayLike<number | bigint>; shape: number[] };
    const g = got[n];
    if (want.data instanceof Float32Array) expectClose(g, want as never, 1e-5, `${c.name} ${n}`);
    else {
      expect(g.shape, `${c.name} ${n} shape`).toEqual(want.shape);
      expect(Array.from(g.data as ArrayLike<number | bigint>, Number), `${c.name} ${n}`).toEqual(Array.from(want.data, Number));
    }
  }
}

const f = (...shape: number[]): In => ({ shape });
const i64 = (data: number[], shape = [data.length]): In => ({ type: 'int64', shape, data });

const CASES: Case[] = [];
const add = (c: Case) => CASES.push(c);

// --- broadcasting elementwise and comparisons, odd shapes ---
for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Min', 'Max', 'Sum', 'Mean']) {
  add({ name: `${op} [2,1,3,1] x [4,1,1] x [1,5]`, op, opset: 13, inputs: [f(2, 1, 3, 1), f(4, 1, 1), f(1, 5)].slice(0, ['Min', 'Max', 'Sum', 'Mean'].includes(op) ? 3 : 2) });
}
// two float32 inputs of one shape, or one of a single element: Min / Max's own loops (minMax2)
for (const op of ['Min', 'Max']) {
  add({ name: `${op} float same shape`, op, opset: 13, inputs: [f(2, 3, 4), f(2, 3, 4)] });
  add({ name: `${op} float [2,3,4,5] x [1,1,1,1] (tf.maximum's clamp)`, op, opset: 13, inputs: [f(2, 3, 4, 5), { shape: [1, 1, 1, 1], data: [0.5] }] });
  add({ name: `${op} float [1] x [3,4]`, op, opset: 8, inputs: [{ shape: [1], data: [-0.25] }, f(3, 4)] });
  add({ name: `${op} float opset 7 same shape`, op, opset: 7, inputs: [f(5), f(5)] });
}
add({ name: 'Max int64 broadcast', op: 'Max', opset: 13, inputs: [{ type: 'int64', shape: [3, 1] }, { type: 'int64', shape: [4] }] });
add({ name: 'Min int32 three inputs', op: 'Min', opset: 12, inputs: [{ type: 'int32', shape: [2, 3] }, { type: 'int32', shape: [3] }, { type: 'int32', shape: [1, 1] }] });
add({ name: 'Pow float ** float, broadcast', op: 'Pow', opset: 15, inputs: [{ shape: [3, 4], lo: 0.1, hi: 3 }, f(4)] });
add({ name: 'Pow float ** int64 exponent', op: 'Pow', opset: 13, inputs: [f(2, 3), { type: 'int64', shape: [1], data: [2] }] });
add({ name: 'Pow int32 ** int32', op: 'Pow', opset: 13, inputs: [{ type: 'int32', shape: [5], lo: -4, hi: 5 }, { type: 'int32', shape: [5], lo: 0, hi: 4 }] });
add({ name: 'Pow opset 7 same type', op: 'Pow', opset: 7, inputs: [{ shape: [2, 2], lo: 0.5, hi: 2 }, f(2)] });
for (const op of ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']) {
  add({ name: `${op} int64 [3,1] vs [1,4]`, op, opset: 16, inputs: [{ type: 'int64', shape: [3, 1], lo: -2, hi: 2 }, { type: 'int64', shape: [1, 4], lo: -2, hi: 2 }] });
  add({ name: `${op} float scalar vs [2,3]`, op, opset: 13, inputs: [{ shape: [], data: [0.25] }, f(2, 3)] });
}
add({ name: 'Equal int32 opset 7', op: 'Equal', opset: 7, inputs: [{ type: 'int32', shape: [6], lo: 0, hi: 3 }, { type: 'int32', shape: [1], lo: 0, hi: 3 }] });
add({ name: 'Equal bool', op: 'Equal', opset: 11, inputs: [{ type: 'bool', shape: [2, 3] }, { type: 'bool', shape: [3] }] });
for (const op of ['And', 'Or', 'Xor']) add({ name: `${op} [2,1,4] x [3,1]`, op, opset: 7, inputs: [{ type: 'bool', shape: [2, 1, 4] }, { type: 'bool', shape: [3, 1] }] });
add({ name: 'Not', op: 'Not', opset: 7, inputs: [{ type: 'bool', shape: [3, 2] }] });
add({ name: 'Where 3-way broadcast float', op: 'Where', opset: 16, inputs: [{ type: 'bool', shape: [2, 1, 3] }, f(4, 1), f(1, 3)] });
add({ name: 'Where int64', op: 'Where', opset: 9, inputs: [{ type: 'bool', shape: [5] }, { type: 'int64', shape: [5] }, { type: 'int64', shape: [] , data: [7] }] });
add({ name: 'PRelu slope [3,1]', op: 'PRelu', opset: 9, inputs: [f(2, 3, 4), f(3, 1)] });

// --- unary math and activations ---
const UNARY: [string, Attr[]?, number?, [number, number]?][] = [
  ['Relu'], ['Tanh'], ['Sigmoid', [], 13, [-20, 20]], ['Sqrt', [], 13, [0, 5]], ['Log', [], 13, [0.01, 5]], ['Exp'], ['Neg'], ['Abs'], ['Reciprocal', [], 13, [0.5, 3]], ['Floor'], ['Ceil'],
  ['Round', [], 11], ['Erf', [], 13, [-5, 5]], ['Sign', [], 13], ['Softplus', [], 7, [-30, 30]], ['Softsign'], ['Sin'], ['Cos'],
  ['LeakyRelu', [{ name: 'alpha', f: 0.3 }]], ['LeakyRelu', [], 16], ['Elu', [{ name: 'alpha', f: 0.7 }]], ['Celu', [{ name: 'alpha', f: 1.5 }], 12],
  ['Selu', []], ['Selu', [{ name: 'alpha', f: 1.2 }, { name: 'gamma', f: 0.9 }]], ['HardSigmoid', [{ name: 'alpha', f: 0.3 }, { name: 'beta', f: 0.4 }]],
  ['HardSigmoid', []], ['HardSwish', [], 14, [-5, 5]], ['ThresholdedRelu', [{ name: 'alpha', f: 0.5 }], 10],
  ['Tan', [], 7, [-1.2, 1.2]], ['Asin', [], 7, [-0.99, 0.99]], ['Acos', [], 7, [-0.99, 0.99]], ['Atan', [], 7, [-4, 4]],
  ['Sinh', [], 9, [-3, 3]], ['Cosh', [], 9, [-3, 3]], ['Asinh', [], 9, [-4, 4]], ['Acosh', [], 9, [1, 5]], ['Atanh', [], 9, [-0.99, 0.99]],
  ['Mish', [], 18, [-6, 6]], ['Gelu', [], 20, [-5, 5]], ['Gelu', [{ name: 'approximate', s: 'tanh' }], 20, [-5, 5]],
  ['Shrink', [{ name: 'lambd', f: 0.7 }, { name: 'bias', f: 0.2 }], 9],
];
for (const [op, attrs, opset, range] of UNARY) {
  add({ name: `${op} ${JSON.stringify(attrs ?? [])} opset ${opset ?? 13}`, op, opset: opset ?? 13, attrs, inputs: [{ shape: [3, 7], lo: range?.[0], hi: range?.[1] }] });
}
add({ name: 'Relu int32 opset 14', op: 'Relu', opset: 14, inputs: [{ type: 'int32', shape: [6] }] });
add({ name: 'Shrink int32', op: 'Shrink', opset: 9, attrs: [{ name: 'lambd', f: 1.5 }, { name: 'bias', f: 1 }], inputs: [{ type: 'int32', shape: [8], lo: -5, hi: 5 }] });
add({ name: 'IsNaN', op: 'IsNaN', opset: 13, outType: 'bool', inputs: [{ shape: [6], data: [1, NaN, -Infinity, 0, Infinity, NaN] }] });
for (const [neg, pos] of [[1, 1], [0, 1], [1, 0]]) {
  add({ name: `IsInf negative ${neg} positive ${pos}`, op: 'IsInf', opset: 10, outType: 'bool', attrs: [{ name: 'detect_negative', i: neg }, { name: 'detect_positive', i: pos }], inputs: [{ shape: [6], data: [1, NaN, -Infinity, 0, Infinity, -2] }] });
}
for (const mode of ['DCR', 'CRD']) add({ name: `DepthToSpace ${mode}`, op: 'DepthToSpace', opset: 13, attrs: [{ name: 'blocksize', i: 2 }, { name: 'mode', s: mode }], inputs: [f(2, 12, 3, 5)] });
add({ name: 'DepthToSpace opset 7 blocksize 3', op: 'DepthToSpace', opset: 7, attrs: [{ name: 'blocksize', i: 3 }], inputs: [f(1, 18, 2, 2)] });
add({ name: 'SpaceToDepth blocksize 2', op: 'SpaceToDepth', opset: 13, attrs: [{ name: 'blocksize', i: 2 }], inputs: [f(2, 3, 4, 6)] });
add({ name: 'SpaceToDepth blocksize 3', op: 'SpaceToDepth', opset: 13, attrs: [{ name: 'blocksize', i: 3 }], inputs: [f(1, 2, 3, 6)] });
// (onnxruntime takes odd sizes only; an even one follows the spec's floor / ceil window)
for (const size of [1, 3, 5]) add({ name: `LRN size ${size}`, op: 'LRN', opset: 13, attrs: [{ name: 'size', i: size }, { name: 'alpha', f: 0.01 }, { name: 'beta', f: 0.6 }, { name: 'bias', f: 1.5 }], inputs: [f(2, 5, 3, 2)] });
for (const [opset, affine] of [[18, 2], [21, 6]]) {
  add({ name: `GroupNormalization opset ${opset}`, op: 'GroupNormalization', opset, attrs: [{ name: 'num_groups', i: 2 }, { name: 'epsilon', f: 1e-3 }], inputs: [f(2, 6, 5, 3), f(affine), f(affine)] });
}
add({ name: 'GroupNormalization one group per channel, 1-D', op: 'GroupNormalization', opset: 18, attrs: [{ name: 'num_groups', i: 4 }], inputs: [f(3, 4, 7), f(4), f(4)] });
add({ name: 'MeanVarianceNormalization default axes', op: 'MeanVarianceNormalization', opset: 13, inputs: [f(2, 3, 4, 5)] });
add({ name: 'MeanVarianceNormalization axes [1, -1]', op: 'MeanVarianceNormalization', opset: 13, attrs: [{ name: 'axes', ints: [1, -1] }], inputs: [f(2, 3, 4)] });
for (const [axis, p] of [[-1, 2], [0, 1], [1, 2]]) add({ name: `LpNormalization axis ${axis} p ${p}`, op: 'LpNormalization', opset: 13, attrs: [{ name: 'axis', i: axis }, { name: 'p', i: p }], inputs: [f(3, 4, 5)] });
add({ name: 'Neg int64', op: 'Neg', opset: 13, inputs: [{ type: 'int64', shape: [6] }] });
add({ name: 'Abs int32', op: 'Abs', opset: 13, inputs: [{ type: 'int32', shape: [6] }] });
add({ name: 'Sign int32', op: 'Sign', opset: 13, inputs: [{ type: 'int32', shape: [6] }] });
add({ name: 'Clip opset 6-10 attributes', op: 'Clip', opset: 7, attrs: [{ name: 'min', f: -0.5 }, { name: 'max', f: 1.25 }], inputs: [f(4, 5)] });
add({ name: 'Clip opset 11 inputs', op: 'Clip', opset: 11, inputs: [f(4, 5), { shape: [], data: [-1] }, { shape: [], data: [0.5] }] });
add({ name: 'Clip opset 13 max only', op: 'Clip', opset: 13, inputs: [f(4, 5), { shape: [], omit: true }, { shape: [], data: [0.5] }] });
add({ name: 'Clip int64 min only', op: 'Clip', opset: 13, inputs: [{ type: 'int64', shape: [7] }, { type: 'int64', shape: [], data: [0] }] });

// --- Pad: every mode, attribute and input forms, axes, negative pads ---
for (const mode of ['constant', 'reflect', 'edge']) {
  add({ name: `Pad ${mode} 2-D runtime pads`, op: 'Pad', opset: 13, attrs: [{ name: 'mode', s: mode }], inputs: [f(3, 4), i64([1, 2, 2, 1])] });
  add({ name: `Pad ${mode} 4-D`, op: 'Pad', opset: 11, attrs: [{ name: 'mode', s: mode }], inputs: [f(1, 2, 3, 4), i64([0, 0, 2, 1, 0, 0, 1, 3])] });
  add({ name: `Pad ${mode} opset 7 attributes`, op: 'Pad', opset: 7, attrs: [{ name: 'mode', s: mode }, { name: 'pads', ints: [0, 1, 2, 0, 2, 1] }, ...(mode === 'constant' ? [{ name: 'value', f: 1.5 }] : [])], inputs: [f(2, 3, 4)] });
  add({ name: `Pad ${mode} opset 18 axes`, op: 'Pad', opset: 18, attrs: [{ name: 'mode', s: mode }], inputs: [f(2, 3, 4), i64([2, 1, 1, 2]), { shape: [], omit: true }, i64([-1, 1])] });
}
add({ name: 'Pad wrap opset 19', op: 'Pad', opset: 19, attrs: [{ name: 'mode', s: 'wrap' }], inputs: [f(3, 4), i64([1, 2, 2, 3])] });
add({ name: 'Pad constant value and crop', op: 'Pad', opset: 13, inputs: [f(4, 5), i64([1, -1, -2, 2]), { shape: [], data: [-7] }] });
add({ name: 'Pad int64 constant', op: 'Pad', opset: 13, inputs: [{ type: 'int64', shape: [2, 3] }, i64([1, 1, 1, 1]), { type: 'int64', shape: [], data: [9] }] });

// --- reductions: attribute axes (before 13 / 18) and input axes, keepdims, noop ---
const REDUCE = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp'];
for (const op of REDUCE) {
  const positive = op === 'ReduceLogSum' ? { lo: 0.1, hi: 2 } : {};
  add({ name: `${op} opset 11 axes attr keepdims 0`, op, opset: 11, attrs: [{ name: 'axes', ints: [0, -1] }, { name: 'keepdims', i: 0 }], inputs: [{ shape: [2, 3, 4], ...positive }] });
  add({ name: `${op} opset 18 axes input`, op, opset: 18, inputs: [{ shape: [2, 3, 4], ...positive }, i64([1])] });
  add({ name: `${op} opset 18 all axes`, op, opset: 18, attrs: [{ name: 'keepdims', i: 0 }], inputs: [{ shape: [3, 5], ...positive }] });
}
add({ name: 'ReduceSum int64 opset 13 axes input', op: 'ReduceSum', opset: 13, inputs: [{ type: 'int64', shape: [3, 4] }, i64([0])] });
add({ name: 'ReduceMax int32 opset 13', op: 'ReduceMax', opset: 13, attrs: [{ name: 'axes', ints: [1] }], inputs: [{ type: 'int32', shape: [3, 4] }] });
add({ name: 'ReduceMean opset 18 noop_with_empty_axes', op: 'ReduceMean', opset: 18, attrs: [{ name: 'noop_with_empty_axes', i: 1 }], inputs: [f(2, 3)] });
add({ name: 'ArgMin select_last_index', op: 'ArgMin', opset: 13, attrs: [{ name: 'axis', i: 1 }, { name: 'select_last_index', i: 1 }], inputs: [{ type: 'int32', shape: [3, 6], lo: 0, hi: 3 }] });

// --- shape family ---
add({ name: 'Size', op: 'Size', opset: 13, inputs: [f(2, 0, 3)] });
add({ name: 'Tile 3-D', op: 'Tile', opset: 13, inputs: [f(2, 1, 3), i64([2, 3, 1])] });
add({ name: 'Tile int64', op: 'Tile', opset: 7, inputs: [{ type: 'int64', shape: [2, 2] }, i64([1, 3])] });
add({ name: 'Split opset 11 attribute', op: 'Split', opset: 11, attrs: [{ name: 'axis', i: 1 }, { name: 'split', ints: [1, 3, 2] }], inputs: [f(2, 6)], outputs: 3 });
add({ name: 'Split opset 13 input', op: 'Split', opset: 13, attrs: [{ name: 'axis', i: -1 }], inputs: [f(3, 5), i64([2, 0, 3])], outputs: 3 });
add({ name: 'Split opset 13 equal', op: 'Split', opset: 13, inputs: [f(4, 2)], outputs: 2 });
add({ name: 'Split opset 18 num_outputs uneven', op: 'Split', opset: 18, attrs: [{ name: 'num_outputs', i: 3 }, { name: 'axis', i: 1 }], inputs: [f(2, 7)], outputs: 3 });
add({ name: 'Range float', op: 'Range', opset: 11, inputs: [{ shape: [], data: [-1.5] }, { shape: [], data: [4] }, { shape: [], data: [0.75] }] });
add({ name: 'Range int64 negative delta', op: 'Range', opset: 11, inputs: [i64([10], []), i64([-3], []), i64([-4], [])] });
add({ name: 'TopK largest', op: 'TopK', opset: 11, attrs: [{ name: 'axis', i: 1 }], inputs: [f(3, 6, 2), i64([4])], outputs: 2 });
add({ name: 'TopK smallest int32 ties', op: 'TopK', opset: 11, attrs: [{ name: 'largest', i: 0 }], inputs: [{ type: 'int32', shape: [2, 8], lo: 0, hi: 3 }, i64([5])], outputs: 2 });
add({ name: 'TopK opset 7 k attribute', op: 'TopK', opset: 7, attrs: [{ name: 'k', i: 2 }], inputs: [f(4, 5)], outputs: 2 });
add({ name: 'CumSum exclusive reverse 3-D', op: 'CumSum', opset: 14, attrs: [{ name: 'exclusive', i: 1 }, { name: 'reverse', i: 1 }], inputs: [f(2, 5, 3), { type: 'int32', shape: [], data: [1] }] });
add({ name: 'CumSum int64 axis -1', op: 'CumSum', opset: 11, inputs: [{ type: 'int64', shape: [3, 4] }, i64([-1], [])] });
const einsum = (equation: string, ...shapes: number[][]) => add({ name: `Einsum '${equation}'`, op: 'Einsum', opset: 12, attrs: [{ name: 'equation', s: equation }], inputs: shapes.map((sh) => f(...sh)) });
einsum('...ij,...jk->...ik', [2, 1, 3, 4], [1, 5, 4, 2]);
einsum('ij,jk', [3, 4], [4, 2]);
einsum('ii->i', [4, 4]);
einsum('i,j->ij', [3], [5]);
einsum('bij,bkj->bik', [2, 3, 4], [2, 5, 4]);
einsum('ijk->', [2, 3, 4]);

// --- normalization ---
const bnInputs = (c: number, spatialShape: number[] = [c]): In[] => [f(2, c, 5), f(...spatialShape), f(...spatialShape), f(...spatialShape), { shape: spatialShape, lo: 0.2, hi: 2 }];
add({ name: 'BatchNormalization opset 7', op: 'BatchNormalization', opset: 7, attrs: [{ name: 'epsilon', f: 1e-3 }], inputs: bnInputs(3) });
add({ name: 'BatchNormalization opset 7 spatial 0', op: 'BatchNormalization', opset: 7, attrs: [{ name: 'spatial', i: 0 }], inputs: bnInputs(3, [3, 5]) });
add({ name: 'BatchNormalization opset 9 4-D', op: 'BatchNormalization', opset: 9, inputs: [f(2, 3, 2, 4), f(3), f(3), f(3), { shape: [3], lo: 0.2, hi: 2 }] });
add({ name: 'BatchNormalization opset 15 momentum', op: 'BatchNormalization', opset: 15, attrs: [{ name: 'momentum', f: 0.8 }, { name: 'training_mode', i: 0 }], inputs: bnInputs(4) });
add({ name: 'LayerNormalization axis 1 outputs', op: 'LayerNormalization', opset: 17, attrs: [{ name: 'axis', i: 1 }, { name: 'epsilon', f: 1e-3 }], inputs: [f(2, 3, 4), f(3, 4), f(4)], outputs: 3 });
add({ name: 'LayerNormalization no bias', op: 'LayerNormalization', opset: 17, inputs: [f(3, 5), f(5), { shape: [5], omit: true }] });
add({ name: 'InstanceNormalization 1-D', op: 'InstanceNormalization', opset: 7, attrs: [{ name: 'epsilon', f: 1e-2 }], inputs: [f(2, 3, 6), f(3), f(3)] });

// --- pooling ---
const pool = (name: string, op: string, opset: number, shape: number[], attrs: Attr[], outputs = 1) => add({ name: `${op} ${name}`, op, opset, attrs, inputs: [f(...shape)], outputs });
for (const op of ['MaxPool', 'AveragePool']) {
  pool('1-D k3 s2 p1', op, 11, [2, 3, 10], [{ name: 'kernel_shape', ints: [3] }, { name: 'strides', ints: [2] }, { name: 'pads', ints: [1, 1] }]);
  pool('2-D asymmetric pads', op, 11, [1, 2, 7, 6], [{ name: 'kernel_shape', ints: [3, 2] }, { name: 'pads', ints: [1, 0, 2, 1] }, { name: 'strides', ints: [2, 1] }]);
  pool('2-D ceil_mode', op, 12, [1, 1, 7, 8], [{ name: 'kernel_shape', ints: [3, 3] }, { name: 'strides', ints: [2, 3] }, { name: 'ceil_mode', i: 1 }, { name: 'pads', ints: [1, 1, 1, 1] }]);
  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET']) {
    pool(`2-D ${autoPad}`, op, 11, [1, 2, 6, 7], [{ name: 'kernel_shape', ints: [3, 4] }, { name: 'strides', ints: [2, 2] }, { name: 'auto_pad', s: autoPad }]);
  }
}
pool('count_include_pad', 'AveragePool', 11, [1, 2, 5, 5], [{ name: 'kernel_shape', ints: [3, 3] }, { name: 'pads', ints: [1, 2, 1, 0] }, { name: 'count_include_pad', i: 1 }]);
pool('dilations opset 19', 'AveragePool', 19, [1, 1, 9, 9], [{ name: 'kernel_shape', ints: [2, 3] }, { name: 'dilations', ints: [2, 2] }, { name: 'pads', ints: [1, 1, 1, 1] }]);
pool('dilations opset 12', 'MaxPool', 12, [1, 2, 9, 8], [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'dilations', ints: [3, 2] }, { name: 'strides', ints: [1, 2] }]);
pool('indices', 'MaxPool', 12, [2, 2, 5, 6], [{ name: 'kernel_shape', ints: [2, 3] }, { name: 'pads', ints: [1, 1, 0, 1] }, { name: 'strides', ints: [2, 2] }], 2);
pool('indices storage_order 1', 'MaxPool', 12, [1, 2, 4, 5], [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'storage_order', i: 1 }], 2);
pool('opset 7', 'MaxPool', 7, [1, 1, 6, 6], [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'strides', ints: [2, 2] }]);
add({ name: 'GlobalAveragePool 1-D', op: 'GlobalAveragePool', opset: 13, inputs: [f(2, 3, 7)] });
add({ name: 'GlobalMaxPool 2-D', op: 'GlobalMaxPool', opset: 13, inputs: [f(2, 3, 4, 5)] });

// --- 8- and 16-bit integers over their whole range: results wrap (or saturate) as in the type ---
const RANGE: Record<string, [number, number]> = { int8: [-128, 128], uint8: [0, 256], int16: [-32768, 32768], uint16: [0, 65536] };
const whole = (type: InType, shape: number[], extra: Partial<In> = {}): In => ({ type, shape, lo: RANGE[type][0], hi: RANGE[type][1], ...extra });
for (const type of ['int8', 'uint8', 'int16', 'uint16'] as InType[]) {
  for (const op of ['Add', 'Sub', 'Mul']) add({ name: `${op} ${type} wraps, broadcast`, op, opset: 14, inputs: [whole(type, [3, 5]), whole(type, [5])] });
  add({ name: `Div ${type} truncates`, op: 'Div', opset: 14, inputs: [whole(type, [4, 6]), whole(type, [6], { nonzero: true })] });
  for (const fmod of [0, 1]) add({ name: `Mod ${type} fmod ${fmod}`, op: 'Mod', opset: 13, attrs: [{ name: 'fmod', i: fmod }], inputs: [whole(type, [4, 6]), whole(type, [6], { nonzero: true })] });
  for (const op of ['Abs', 'Sign']) add({ name: `${op} ${type}`, op, opset: 13, inputs: [whole(type, [12])] });
  for (const op of ['Equal', 'Less', 'Greater']) add({ name: `${op} ${type}`, op, opset: 13, inputs: [whole(type, [3, 4], { lo: 0, hi: 3 }), whole(type, [4], { lo: 0, hi: 3 })] });
  add({ name: `Clip ${type} no bounds`, op: 'Clip', opset: 13, inputs: [whole(type, [10])] });
  for (const to of ['int8', 'uint8', 'int16', 'uint16', 'int32', 'int64', 'float32', 'bool'] as InType[]) {
    add({ name: `Cast ${type} -> ${to}`, op: 'Cast', opset: 13, attrs: [{ name: 'to', i: ONNX_TYPE[to] }], inputs: [whole(type, [16])], outType: to });
  }
  for (const op of ['Transpose', 'Identity']) add({ name: `${op} ${type}`, op, opset: 13, inputs: [whole(type, [2, 3])] });
  add({ name: `Concat ${type}`, op: 'Concat', opset: 13, attrs: [{ name: 'axis', i: 1 }], inputs: [whole(type, [2, 3]), whole(type, [2, 2])] });
  add({ name: `Gather ${type}`, op: 'Gather', opset: 13, inputs: [whole(type, [4, 3]), i64([3, -1, 0])] });
  add({ name: `Slice ${type} step 2`, op: 'Slice', opset: 13, inputs: [whole(type, [7]), i64([1]), i64([7]), i64([0]), i64([2])] });
  add({ name: `Tile ${type}`, op: 'Tile', opset: 13, inputs: [whole(type, [2, 2]), i64([2, 1])] });
  add({ name: `Expand ${type}`, op: 'Expand', opset: 13, inputs: [whole(type, [3, 1]), i64([2, 3, 4])] });
}
for (const type of ['int8', 'int16'] as InType[]) add({ name: `Neg ${type} (the minimum wraps to itself)`, op: 'Neg', opset: 13, inputs: [whole(type, [12], { data: [RANGE[type][0], -1, 0, 1, RANGE[type][1] - 1, 5, -7, 3, -3, 2, 9, -100] })] });
add({ name: 'Div int8 -128 / -1 wraps', op: 'Div', opset: 14, inputs: [{ type: 'int8', shape: [3], data: [-128, -128, 127] }, { type: 'int8', shape: [3], data: [-1, 1, -1] }] });
add({ name: 'Abs int8 -128 wraps', op: 'Abs', opset: 13, inputs: [{ type: 'int8', shape: [3], data: [-128, -127, 127] }] });
for (const type of ['int8', 'uint8'] as InType[]) {
  for (const op of ['Min', 'Max']) add({ name: `${op} ${type} broadcast`, op, opset: 13, inputs: [whole(type, [3, 4]), whole(type, [4]), whole(type, [1])] });
  add({ name: `ReduceMax ${type}`, op: 'ReduceMax', opset: 13, attrs: [{ name: 'axes', ints: [1] }], inputs: [whole(type, [3, 5])] });
  add({ name: `ReduceMin ${type} keepdims 0`, op: 'ReduceMin', opset: 13, attrs: [{ name: 'keepdims', i: 0 }], inputs: [whole(type, [3, 5])] });
  add({ name: `ArgMax ${type}`, op: 'ArgMax', opset: 13, attrs: [{ name: 'axis', i: 1 }], inputs: [whole(type, [3, 5], { lo: 0, hi: 4 })] });
  add({ name: `Clip ${type} inputs`, op: 'Clip', opset: 13, inputs: [whole(type, [10]), { type, shape: [], data: [1] }, { type, shape: [], data: [100] }] });
  add({ name: `MaxPool ${type} 2-D`, op: 'MaxPool', opset: 12, attrs: [{ name: 'kernel_shape', ints: [2, 3] }, { name: 'pads', ints: [1, 1, 0, 1] }], inputs: [whole(type, [1, 2, 4, 5])] });
  add({ name: `Pad ${type} constant`, op: 'Pad', opset: 13, inputs: [whole(type, [2, 3]), i64([1, 0, 0, 2]), { type, shape: [], data: [type === 'int8' ? -5 : 200] }] });
}
add({ name: 'Relu int8', op: 'Relu', opset: 14, inputs: [whole('int8', [12])] });
add({ name: 'Where uint8', op: 'Where', opset: 16, inputs: [{ type: 'bool', shape: [2, 3] }, whole('uint8', [2, 3]), whole('uint8', [3])] });
add({ name: 'Range int16', op: 'Range', opset: 11, inputs: [{ type: 'int16', shape: [], data: [-300] }, { type: 'int16', shape: [], data: [700] }, { type: 'int16', shape: [], data: [97] }] });
// Float -> integer casts of values in range (out-of-range conversions differ between onnxruntime builds).
for (const to of ['int8', 'int16', 'int32', 'int64', 'bool'] as InType[]) {
  add({ name: `Cast float32 -> ${to}`, op: 'Cast', opset: 13, attrs: [{ name: 'to', i: ONNX_TYPE[to] }], inputs: [{ shape: [24], lo: -40000, hi: 40000 }], outType: to });
}
for (const to of ['uint8', 'uint16'] as InType[]) {
  add({ name: `Cast float32 -> ${to} (wraps)`, op: 'Cast', opset: 13, attrs: [{ name: 'to', i: ONNX_TYPE[to] }], inputs: [{ shape: [24], lo: 0, hi: 100000 }], outType: to });
}
add({ name: 'Cast float32 -> bool of NaN, -0, inf', op: 'Cast', opset: 13, attrs: [{ name: 'to', i: 9 }], inputs: [{ shape: [5], data: [NaN, -0, Infinity, 0, 1e-30] }], outType: 'bool' });
add({ name: 'Cast int32 -> int8 / uint8 wraps', op: 'Cast', opset: 13, attrs: [{ name: 'to', i: 3 }], inputs: [{ type: 'int32', shape: [6], data: [300, -129, 255, 128, -2147483648, 2147483647] }], outType: 'int8' });
add({ name: 'Cast int64 -> uint8 wraps', op: 'Cast', opset: 13, attrs: [{ name: 'to', i: 2 }], inputs: [i64([300, -1, 256, -257, 65535])], outType: 'uint8' });
add({ name: 'Cast int64 -> int16 wraps', op: 'Cast', opset: 13, attrs: [{ name: 'to', i: 5 }], inputs: [i64([40000, -40000, 32768, -32769, 65535])], outType: 'int16' });

// --- Mod: integer (divisor's sign) and fmod (dividend's sign), broadcasting, floats ---
add({ name: 'Mod int32 mixed signs broadcast', op: 'Mod', opset: 13, inputs: [{ type: 'int32', shape: [3, 4], lo: -50, hi: 50 }, { type: 'int32', shape: [4], lo: -7, hi: 8, nonzero: true }] });
add({ name: 'Mod int32 fmod 1', op: 'Mod', opset: 10, attrs: [{ name: 'fmod', i: 1 }], inputs: [{ type: 'int32', shape: [12], lo: -50, hi: 50 }, { type: 'int32', shape: [12], lo: -7, hi: 8, nonzero: true }] });
for (const fmod of [0, 1]) {
  add({ name: `Mod int64 fmod ${fmod} broadcast`, op: 'Mod', opset: 13, attrs: [{ name: 'fmod', i: fmod }], inputs: [{ type: 'int64', shape: [2, 1, 5], lo: -1000, hi: 1000 }, { type: 'int64', shape: [3, 1], lo: -9, hi: 10, nonzero: true }] });
}
add({ name: 'Mod float fmod 1 broadcast', op: 'Mod', opset: 13, attrs: [{ name: 'fmod', i: 1 }], inputs: [{ shape: [3, 4], lo: -20, hi: 20 }, { shape: [4], lo: -4, hi: 4 }] });
add({ name: 'Mod float fmod 1 specials', op: 'Mod', opset: 13, attrs: [{ name: 'fmod', i: 1 }], inputs: [{ shape: [6], data: [5.5, -5.5, 7.25, -0, 0, -1e-3] }, { shape: [6], data: [Infinity, 2, -Infinity, 4, -3, 5] }] });

// --- Hardmax: 2-D coercion at axis before opset 13, one axis from 13; ties keep the first ---
for (const [opset, axis] of [[11, 0], [11, 1], [11, 2], [11, -1], [7, undefined], [13, 0], [13, 1], [13, -1], [13, undefined]] as [number, number | undefined][]) {
  add({ name: `Hardmax opset ${opset} axis ${axis ?? 'default'}`, op: 'Hardmax', opset, attrs: axis === undefined ? [] : [{ name: 'axis', i: axis }], inputs: [{ shape: [3, 4, 5], data: Array.from({ length: 60 }, (_, i) => (i * 7919) % 5) }] });
}

add({ name: 'Hardmax NaN', op: 'Hardmax', opset: 13, inputs: [{ shape: [3, 4], data: [NaN, 1, 2, 0, 1, NaN, 3, 2, -1, -1, -2, NaN] }] });

// --- LpPool: ONNX's own node-test configurations (onnx/backend/test/case/node/lppool.py), more p, opsets 7 / 11 / 18 ---
const lp = (name: string, opset: number, shape: number[], attrs: Attr[]) => add({ name: `LpPool ${name} opset ${opset}`, op: 'LpPool', opset, attrs, inputs: [f(...shape)] });
for (const opset of [7, 11, 18]) {
  lp('1-D default', opset, [1, 3, 32], [{ name: 'kernel_shape', ints: [2] }]);
  lp('2-D default', opset, [1, 3, 8, 8], [{ name: 'kernel_shape', ints: [2, 2] }]);
  lp('3-D default', opset, [1, 2, 5, 4, 4], [{ name: 'kernel_shape', ints: [2, 2, 2] }]);
  lp('2-D SAME_UPPER', opset, [1, 3, 9, 8], [{ name: 'kernel_shape', ints: [2, 3] }, { name: 'auto_pad', s: 'SAME_UPPER' }, { name: 'strides', ints: [2, 2] }]);
  lp('2-D SAME_LOWER', opset, [1, 3, 9, 8], [{ name: 'kernel_shape', ints: [2, 3] }, { name: 'auto_pad', s: 'SAME_LOWER' }, { name: 'strides', ints: [2, 2] }]);
  lp('2-D VALID', opset, [1, 3, 9, 8], [{ name: 'kernel_shape', ints: [3, 2] }, { name: 'auto_pad', s: 'VALID' }, { name: 'strides', ints: [2, 3] }]);
  lp('2-D pads p 1', opset, [1, 3, 7, 6], [{ name: 'kernel_shape', ints: [3, 3] }, { name: 'pads', ints: [2, 2, 2, 2] }, { name: 'p', i: 1 }]);
  lp('2-D strides p 3', opset, [1, 3, 11, 12], [{ name: 'kernel_shape', ints: [5, 5] }, { name: 'strides', ints: [3, 3] }, { name: 'p', i: 3 }]);
  lp('1-D asymmetric pads p 4', opset, [2, 3, 10], [{ name: 'kernel_shape', ints: [3] }, { name: 'pads', ints: [0, 2] }, { name: 'strides', ints: [2] }, { name: 'p', i: 4 }]);
}
lp('2-D dilations', 18, [1, 2, 6, 7], [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'dilations', ints: [2, 3] }]);
lp('1-D dilations pads', 18, [1, 2, 11], [{ name: 'kernel_shape', ints: [3] }, { name: 'dilations', ints: [2] }, { name: 'pads', ints: [1, 2] }]);
lp('2-D ceil_mode', 18, [1, 2, 7, 8], [{ name: 'kernel_shape', ints: [3, 3] }, { name: 'strides', ints: [2, 3] }, { name: 'ceil_mode', i: 1 }, { name: 'pads', ints: [1, 1, 1, 1] }]);
lp('1-D ceil_mode dilations', 18, [1, 1, 10], [{ name: 'kernel_shape', ints: [2] }, { name: 'strides', ints: [3] }, { name: 'dilations', ints: [2] }, { name: 'ceil_mode', i: 1 }]);

describe('operators vs onnxruntime-web on random inputs', () => {
  for (const c of CASES) it(c.name, () => expectLikeOrt(c));
});

describe('Min / Max of two float32 inputs: the loop of two inputs gives the bits of the general path', () => {
  // NaN in either input, +0 against -0, in both orders; Max(a, b) against Max(a, b, b), which takes
  // the general path, on the dynamic, specialised and static plans
  const a = Float32Array.of(NaN, 1, -0, 0, 2, -3, NaN, 5);
  const b = Float32Array.of(1, NaN, 0, -0, 2, 4, NaN, -Infinity);
  for (const op of ['Min', 'Max']) {
    for (const [what, shapeB, dataB] of [['same shape', [8], b], ['a single element', [1, 1], Float32Array.of(-0)], ['a single NaN', [1], Float32Array.of(NaN)]] as const) {
      it(`${op}, ${what}`, () => {
        const graph = (inputs: string[]) => loadOnnx(model({
          opset: 13, nodes: [{ op, inputs, outputs: ['y'] }, { op, inputs: [...inputs].reverse(), outputs: ['z'] }],
          inputs: [{ name: 'a', shape: [8] }, { name: 'b', shape: [...shapeB] }], outputs: [{ name: 'y' }, { name: 'z' }],
        }));
        const two = graph(['a', 'b']);
        const three = graph(['a', 'b', 'b']);
        const feeds = { a: { data: a, shape: [8] }, b: { data: dataB, shape: [...shapeB] } };
        const want = three.run(feeds);
        const bits = (t: Tensor) => Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));
        for (let run = 0; run < 3; run++) {
          const got = two.run(feeds);
          expect(bits(got.y)).toEqual(bits(want.y));
          expect(bits(got.z)).toEqual(bits(three.run(feeds).z));
        }
      });
    }
  }
});

describe('Slice of one contiguous run: a view inside the run, never handed out', () => {
  const INT64 = 7;
  const ints = (name: string, v: number[]) => ({ name, dims: [v.length], type: INT64, data: v });
  // rows 1..2 of the input x [3, 4] and of the initializer c [3, 4], the row block of x twice
  const bytes = model({
    nodes: [
      { op: 'Slice', inputs: ['x', 's', 'e', 'a'], outputs: ['y1'] },
      { op: 'Slice', inputs: ['x', 's', 'e', 'a'], outputs: ['y2'] },
      { op: 'Slice', inputs: ['c', 's', 'e', 'a'], outputs: ['yc'] },
      { op: 'Slice', inputs: ['x', 's', 'e', 'a'], outputs: ['inner'] },
      { op: 'Relu', inputs: ['inner'], outputs: ['r'] },
    ],
    initializers: [ints('s', [1]), ints('e', [3]), ints('a', [0]), { name: 'c', dims: [3, 4], data: Array.from({ length: 12 }, (_, i) => 100 + i) }],
    inputs: [{ name: 'x', shape: [3, 4] }],
    outputs: [{ name: 'y1' }, { name: 'y2' }, { name: 'yc' }, { name: 'r' }],
  });

  it('outputs are the right values in arrays of their own: not views of the input, of a constant or of each other', () => {
    const m = loadOnnx(bytes);
    const x = Float32Array.from({ length: 12 }, (_, i) => i - 6);
    for (let run = 0; run < 3; run++) {
      const out = m.run({ x: { data: x, shape: [3, 4] } });
      expect(Array.from(out.y1.data as Float32Array)).toEqual([-2, -1, 0, 1, 2, 3, 4, 5]);
      expect(Array.from(out.yc.data as Float32Array)).toEqual([104, 105, 106, 107, 108, 109, 110, 111]);
      expect(Array.from(out.r.data as Float32Array)).toEqual([0, 0, 0, 1, 2, 3, 4, 5]);
      const buffers = [out.y1, out.y2, out.yc, out.r].map((t) => t.data.buffer);
      expect(new Set([...buffers, x.buffer]).size).toBe(5);
      // writing the outputs changes neither the input nor the next run
      for (const t of Object.values(out)) (t.data as Float32Array).fill(NaN);
      expect(x[4]).toBe(-2);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('bad attributes and inputs', () => {
  const load = (c: Case) => loadOnnx(build(c, 1).bytes);
  const run = (c: Case) => {
    const { bytes, feeds } = build(c, 1);
    return loadOnnx(bytes).run(feeds);
  };
  it.each([
    ['Pad mode wrap before opset 19', { name: '', op: 'Pad', opset: 18, attrs: [{ name: 'mode', s: 'wrap' }], inputs: [f(2, 2), i64([1, 1, 1, 1])] }, "'mode'"],
    ['MaxPool auto_pad', { name: '', op: 'MaxPool', opset: 13, attrs: [{ name: 'kernel_shape', ints: [2] }, { name: 'auto_pad', s: 'SAME' }], inputs: [f(1, 1, 4)] }, "'auto_pad'"],
    ['AveragePool dilations before opset 19', { name: '', op: 'AveragePool', opset: 18, attrs: [{ name: 'kernel_shape', ints: [2] }, { name: 'dilations', ints: [2] }], inputs: [f(1, 1, 4)] }, "'dilations'"],
    ['BatchNormalization training_mode', { name: '', op: 'BatchNormalization', opset: 15, attrs: [{ name: 'training_mode', i: 1 }], inputs: bnInputs(3) }, "'training_mode'"],
    ['BatchNormalization spatial after opset 8', { name: '', op: 'BatchNormalization', opset: 9, attrs: [{ name: 'spatial', i: 1 }], inputs: bnInputs(3) }, "'spatial'"],
    ['Elu unknown attribute', { name: '', op: 'Elu', opset: 13, attrs: [{ name: 'beta', f: 1 }], inputs: [f(2)] }, "'beta'"],
    ['Split num_outputs before opset 18', { name: '', op: 'Split', opset: 13, attrs: [{ name: 'num_outputs', i: 2 }], inputs: [f(4)], outputs: 2 }, "'num_outputs'"],
    ['Clip min attribute from opset 11', { name: '', op: 'Clip', opset: 11, attrs: [{ name: 'min', f: 0 }], inputs: [f(4)] }, "'min'"],
    ['LayerNormalization before opset 17', { name: '', op: 'LayerNormalization', opset: 16, inputs: [f(2, 3), f(3)] }, 'opset 17'],
    ['Erf before opset 9', { name: '', op: 'Erf', opset: 8, inputs: [f(2)] }, 'opset 9'],
    ['Mod before opset 10', { name: '', op: 'Mod', opset: 9, inputs: [f(2), f(2)] }, 'opset 10'],
    ['LpPool dilations before opset 18', { name: '', op: 'LpPool', opset: 17, attrs: [{ name: 'kernel_shape', ints: [2] }, { name: 'dilations', ints: [2] }], inputs: [f(1, 1, 4)] }, "'dilations'"],
    ['LpPool ceil_mode before opset 18', { name: '', op: 'LpPool', opset: 11, attrs: [{ name: 'kernel_shape', ints: [2] }, { name: 'ceil_mode', i: 1 }], inputs: [f(1, 1, 4)] }, "'ceil_mode'"],
    ['Hardmax unknown attribute', { name: '', op: 'Hardmax', opset: 13, attrs: [{ name: 'axes', ints: [0] }], inputs: [f(2)] }, "'axes'"],
  ] as [string, Case, string][])('%s: UNSUPPORTED at load, naming node and attribute', (_, c, what) => {
    expect(() => load(c)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(new RegExp(`${c.op} node 'node_under_test'.*${what}`)) }),
    );
  });

  it.each([
    ['Not of float', 'DTYPE_MISMATCH', { name: '', op: 'Not', opset: 13, inputs: [f(2)] }],
    ['Where with a float condition', 'DTYPE_MISMATCH', { name: '', op: 'Where', opset: 13, inputs: [f(2), f(2), f(2)] }],
    ['Equal of float and int64', 'DTYPE_MISMATCH', { name: '', op: 'Equal', opset: 13, inputs: [f(2), { type: 'int64', shape: [2] }] }],
    ['Sqrt of int64', 'DTYPE_MISMATCH', { name: '', op: 'Sqrt', opset: 13, inputs: [{ type: 'int64', shape: [2] }] }],
    ['Add [2,3] + [4]', 'SHAPE_MISMATCH', { name: '', op: 'Add', opset: 13, inputs: [f(2, 3), f(4)] }],
    ['Where [2] [3] [2]', 'SHAPE_MISMATCH', { name: '', op: 'Where', opset: 13, inputs: [{ type: 'bool', shape: [2] }, f(3), f(2)] }],
    ['Pad with 3 pads for rank 2', 'SHAPE_MISMATCH', { name: '', op: 'Pad', opset: 13, inputs: [f(2, 2), i64([1, 1, 1])] }],
    ['Split parts not adding up', 'SHAPE_MISMATCH', { name: '', op: 'Split', opset: 13, inputs: [f(5), i64([2, 2])], outputs: 2 }],
    ['BatchNormalization scale of the wrong size', 'SHAPE_MISMATCH', { name: '', op: 'BatchNormalization', opset: 15, inputs: [f(1, 3, 2), f(4), f(3), f(3), f(3)] }],
    ['MaxPool kernel rank vs input rank', 'SHAPE_MISMATCH', { name: '', op: 'MaxPool', opset: 13, attrs: [{ name: 'kernel_shape', ints: [2, 2] }], inputs: [f(1, 1, 4)] }],
    ['Tile repeats of the wrong length', 'SHAPE_MISMATCH', { name: '', op: 'Tile', opset: 13, inputs: [f(2, 2), i64([2])] }],
    ['TopK k larger than the axis', 'INVALID_INPUT', { name: '', op: 'TopK', opset: 11, inputs: [f(3), i64([4])], outputs: 2 }],
    ['Mod of floats with fmod 0', 'DTYPE_MISMATCH', { name: '', op: 'Mod', opset: 13, inputs: [f(2), f(2)] }],
    ['Mod int32 by zero', 'INVALID_INPUT', { name: '', op: 'Mod', opset: 13, inputs: [{ type: 'int32', shape: [2], data: [5, 6] }, { type: 'int32', shape: [2], data: [2, 0] }] }],
    ['Mod int64 fmod 1 by zero', 'INVALID_INPUT', { name: '', op: 'Mod', opset: 13, attrs: [{ name: 'fmod', i: 1 }], inputs: [i64([5, 6]), i64([0])] }],
    ['Div uint8 by zero', 'INVALID_INPUT', { name: '', op: 'Div', opset: 14, inputs: [{ type: 'uint8', shape: [2], data: [5, 6] }, { type: 'uint8', shape: [], data: [0] }] }],
    ['Add of int8 and uint8', 'DTYPE_MISMATCH', { name: '', op: 'Add', opset: 14, inputs: [{ type: 'int8', shape: [2] }, { type: 'uint8', shape: [2] }] }],
    ['Neg of uint8', 'DTYPE_MISMATCH', { name: '', op: 'Neg', opset: 13, inputs: [{ type: 'uint8', shape: [2] }] }],
    ['Hardmax of int32', 'DTYPE_MISMATCH', { name: '', op: 'Hardmax', opset: 13, inputs: [{ type: 'int32', shape: [2] }] }],
    ['LpPool of int8', 'DTYPE_MISMATCH', { name: '', op: 'LpPool', opset: 11, attrs: [{ name: 'kernel_shape', ints: [2] }], inputs: [{ type: 'int8', shape: [1, 1, 4] }] }],
    ['LpPool kernel larger than the padded input', 'SHAPE_MISMATCH', { name: '', op: 'LpPool', opset: 11, attrs: [{ name: 'kernel_shape', ints: [5] }], inputs: [f(1, 1, 4)] }],
  ] as [string, string, Case][])('%s: %s at run, naming the node', (_, code, c) => {
    expect(() => run(c)).toThrow(expect.objectContaining({ code, message: expect.stringContaining(`${c.op} node 'node_under_test'`) }));
  });

  it('a graph input of type int8 / uint16 takes an Int32Array within the type range; a value outside is INVALID_INPUT naming input, value and range', () => {
    for (const [type, name, bad] of [[3, 'int8', 128], [4, 'uint16', -1]] as const) {
      const m = loadOnnx(model({ opset: 13, nodes: [{ op: 'Abs', name: 'abs', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', type, shape: [3] }], outputs: [{ name: 'y', type }] }));
      expect(() => m.run({ x: { data: Int32Array.from([1, bad, 2]), shape: [3] } })).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(`input 'x': value ${bad} at index 1 is outside the ${name} range`) }),
      );
      expect(() => m.run({ x: { data: new Float32Array(3), shape: [3] } })).toThrow(expect.objectContaining({ code: 'DTYPE_MISMATCH' }));
    }
  });

  it.each([
    ['LpPool p 0', { name: '', op: 'LpPool', opset: 11, attrs: [{ name: 'kernel_shape', ints: [2] }, { name: 'p', i: 0 }], inputs: [f(1, 1, 4)] }, "'p' must be an integer >= 1, got 0"],
    ['LpPool without kernel_shape', { name: '', op: 'LpPool', opset: 11, inputs: [f(1, 1, 4)] }, "'kernel_shape' is required"],
    ['LpPool p as a float', { name: '', op: 'LpPool', opset: 11, attrs: [{ name: 'kernel_shape', ints: [2] }, { name: 'p', f: 2 }], inputs: [f(1, 1, 4)] }, "'p' must be an int"],
    ['Mod fmod 2', { name: '', op: 'Mod', opset: 13, attrs: [{ name: 'fmod', i: 2 }], inputs: [f(2), f(2)] }, "'fmod' must be 0 or 1, got 2"],
  ] as [string, Case, string][])('%s: INVALID_FORMAT at load, naming node, attribute, expected and actual', (_, c, what) => {
    expect(() => load(c)).toThrow(expect.objectContaining({ code: 'INVALID_FORMAT', message: expect.stringContaining(`${c.op} node 'node_under_test' (opset ${c.opset}): attribute ${what}`) }));
  });
});

describe('typed errors of the shape-moving and normalization operators', () => {
  const one = (op: string, opset: number, attrs: Attr[], inputs: { name: string; shape: number[] }[]) =>
    loadOnnx(model({ opset, nodes: [{ op, name: 'n', inputs: inputs.map((i) => i.name), outputs: ['y'], attrs }], inputs, outputs: [{ name: 'y' }] }));
  const x = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

  it('DepthToSpace / SpaceToDepth: a bad blocksize or mode at load, sizes that do not divide at run', () => {
    expectError(() => one('DepthToSpace', 13, [{ name: 'blocksize', i: 0 }], [{ name: 'x', shape: [1, 4, 2, 2] }]), 'INVALID_FORMAT', /'blocksize' must be a positive integer/);
    expectError(() => one('DepthToSpace', 13, [{ name: 'blocksize', i: 2 }, { name: 'mode', s: 'XYZ' }], [{ name: 'x', shape: [1, 4, 2, 2] }]), 'INVALID_FORMAT', /'mode' must be 'DCR' or 'CRD'/);
    expectError(() => one('DepthToSpace', 13, [{ name: 'blocksize', i: 2 }], [{ name: 'x', shape: [1, 6, 2, 2] }]).run({ x: x([1, 6, 2, 2]) }), 'SHAPE_MISMATCH', /channels 6 are not a multiple of blocksize\^2 = 4/);
    expectError(() => one('SpaceToDepth', 13, [{ name: 'blocksize', i: 2 }], [{ name: 'x', shape: [1, 1, 3, 4] }]).run({ x: x([1, 1, 3, 4]) }), 'SHAPE_MISMATCH', /height 3 and width 4 must be multiples of blocksize 2/);
  });

  it('GroupNormalization: channels not a multiple of num_groups, and scale of the wrong size, at run', () => {
    const m = loadOnnx(model({
      opset: 18,
      nodes: [{ op: 'GroupNormalization', name: 'gn', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: [{ name: 'num_groups', i: 2 }] }],
      inputs: [{ name: 'x', shape: [1, 'c', 3] }, { name: 's', shape: ['g'] }, { name: 'b', shape: ['g'] }],
      outputs: [{ name: 'y' }],
    }));
    expectError(() => m.run({ x: x([1, 3, 3]), s: x([2]), b: x([2]) }), 'SHAPE_MISMATCH', /GroupNormalization node 'gn'.*channels 3 are not a multiple of num_groups 2/);
    expectError(() => m.run({ x: x([1, 4, 3]), s: x([4]), b: x([4]) }), 'SHAPE_MISMATCH', /scale must have shape \[2\], got \[4\]/);
    expectError(() => one('GroupNormalization', 18, [], [{ name: 'x', shape: [1, 2, 2] }, { name: 's', shape: [1] }, { name: 'b', shape: [1] }]), 'INVALID_FORMAT', /'num_groups' must be a positive integer/);
  });
});
