/**
 * The quantization operators of src/onnx/ops/quantize.ts (QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv):
 *
 * 1. (ONNX's backend node tests for them run in node-conformance.test.ts, every output exact)
 * 2. graphs of the node under test on seeded random inputs against onnxruntime-web, every output
 *    exact: per-tensor, per-axis, blocked; int8, uint8, int16, uint16, int32; zero points present
 *    and absent; batch dims and broadcasting; convolutions with pads, strides, groups, dilations,
 *    auto_pad; saturation and half-way rounding;
 * 3. what onnxruntime does not run (per-row A parameters, per-channel weight zero points that
 *    differ, int8 x uint8 mixes it has no kernel for): against an onnxruntime graph computing the
 *    same from integer and float operators; and what the spec decides (folding, inferShapes);
 * 4. the typed errors: bad attributes at load, bad types, shapes and values at run.
 */
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import { QUANTIZE_OPS } from '../../src/onnx/ops/quantize.js';
import type { OTensor } from '../../src/onnx/values.js';
import type { Tensor } from '../../base/tensor.js';
import { rng } from '../helpers/common.js';
import { model, type Attr, type NodeSpec, type TensorSpec } from './encode.js';
import { expectError, prepareNode } from './helpers.js';
import { expectLikeOrt, runOrt } from './ort.js';

// (ONNX's backend node tests for these operators run in node-conformance.test.ts)

// ---------------------------------------------------------------------------------------------
// graphs

type QType = 'float32' | 'int32' | 'int8' | 'uint8' | 'int16' | 'uint16';
const ONNX_TYPE: Record<QType, number> = { float32: 1, int32: 6, int8: 3, uint8: 2, int16: 5, uint16: 4 };
/** Default [lo, hi) of random values per type. */
const RANGE: Record<QType, [number, number]> = {
  float32: [-4, 4], int32: [-1000, 1000], int8: [-128, 128], uint8: [0, 256], int16: [-32768, 32768], uint16: [0, 65536],
};
const LIMITS: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535] };

interface In {
  type?: QType;
  shape: number[];
  /** Fixed values; otherwise seeded uniform ones in [lo, hi) (integers for the integer types). */
  data?: number[];
  lo?: number;
  hi?: number;
  /** An optional input left out ('' in the node). */
  omit?: boolean;
}

/** A graph input with its values: float32 and int32 fed as they are, the narrower integers fed as int32 and cast in the graph. */
interface Fed {
  name: string;
  type: QType;
  shape: number[];
  values: number[];
}

interface Graph {
  bytes: Uint8Array;
  feeds: Record<string, Tensor>;
}

function valuesOf(inp: In, rand: () => number): number[] {
  const type = inp.type ?? 'float32';
  const n = inp.shape.reduce((a, b) => a * b, 1);
  if (inp.data) {
    if (inp.data.length !== n) throw new Error(`${inp.data.length} values for shape [${inp.shape}]`);
    return inp.data;
  }
  const [lo, hi] = [inp.lo ?? RANGE[type][0], inp.hi ?? RANGE[type][1]];
  return Array.from({ length: n }, () => (type === 'float32' ? Math.fround(lo + (hi - lo) * rand()) : Math.floor(lo + (hi - lo) * rand())));
}

/** The int32 graph input a narrow input is fed through. */
const raw = (name: string) => `${name}_raw`;

function graph(opset: number, fed: Fed[], nodes: NodeSpec[], outputs: { name: string; type: QType }[], initializers: TensorSpec[] = []): Graph {
  const all: NodeSpec[] = [];
  const inputs: { name: string; type: number; shape: number[] }[] = [];
  const feeds: Record<string, Tensor> = {};
  for (const f of fed) {
    const cast = f.type !== 'float32' && f.type !== 'int32';
    const fedName = cast ? raw(f.name) : f.name;
    inputs.push({ name: fedName, type: ONNX_TYPE[cast ? 'int32' : f.type], shape: f.shape });
    feeds[fedName] = { data: f.type === 'float32' ? Float32Array.from(f.values) : Int32Array.from(f.values), shape: f.shape };
    if (cast) all.push({ op: 'Cast', name: `cast_${f.name}`, inputs: [fedName], outputs: [f.name], attrs: [{ name: 'to', i: ONNX_TYPE[f.type] }] });
  }
  all.push(...nodes);
  return { bytes: model({ opset, nodes: all, inputs, outputs: outputs.map((o) => ({ name: o.name, type: ONNX_TYPE[o.type] })), initializers }), feeds };
}

interface Case {
  name: string;
  op: string;
  opset: number;
  attrs?: Attr[];
  inputs: In[];
  outTypes: QType[];
}

/** The inputs of a case with their seeded values (in0, in1, ...; left-out ones dropped). */
function fedOf(c: Case, seed: number): Fed[] {
  const rand = rng(seed);
  return c.inputs.flatMap((inp, i) => (inp.omit ? [] : [{ name: `in${i}`, type: inp.type ?? 'float32', shape: inp.shape, values: valuesOf(inp, rand) }]));
}

function build(c: Case, seed: number): Graph {
  const node: NodeSpec = {
    op: c.op, name: 'node_under_test', inputs: c.inputs.map((inp, i) => (inp.omit ? '' : `in${i}`)), outputs: c.outTypes.map((_, i) => `out${i}`), attrs: c.attrs,
  };
  return graph(c.opset, fedOf(c, seed), [node], c.outTypes.map((type, i) => ({ name: `out${i}`, type })));
}

/** Runs `ours` with loadOnnx and `theirs` (the same feeds) with onnxruntime-web: the same outputs, exactly. */
async function expectSameAsOrtOf(ours: Graph, theirs: Graph): Promise<Record<string, Tensor>> {
  const got = loadOnnx(ours.bytes).run(ours.feeds);
  const want = await runOrt(theirs.bytes, theirs.feeds as never);
  expect(want.error).toBeUndefined();
  for (const [name, w] of Object.entries(want.outputs!)) {
    expect(got[name].shape, `${name} shape`).toEqual(w.shape);
    expect(Array.from(got[name].data, Number), name).toEqual(Array.from(w.data as ArrayLike<number>, Number));
  }
  return got;
}

// ---------------------------------------------------------------------------------------------
// 2. Against onnxruntime-web

const CASES: Case[] = [];
const add = (c: Case) => CASES.push(c);
const f = (shape: number[], lo?: number, hi?: number): In => ({ shape, lo, hi });
const q = (type: QType, shape: number[], lo?: number, hi?: number): In => ({ type, shape, lo, hi });
const fixed = (type: QType, shape: number[], data: number[]): In => ({ type, shape, data });
const none: In = { shape: [], omit: true };
const axisAttr = (axis: number): Attr[] => [{ name: 'axis', i: axis }];
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// --- QuantizeLinear ---
// per-tensor, every opset, uint8 / int8 / absent zero point (uint8 then)
for (const opset of [10, 13, 19, 21]) {
  for (const zp of ['uint8', 'int8', undefined] as const) {
    for (const shape of [[7], [2, 3, 4]]) {
      add({ name: `QuantizeLinear ${zp ?? 'no'} zero point ${JSON.stringify(shape)} opset ${opset}`, op: 'QuantizeLinear', opset,
        inputs: [f(shape, -8, 8), f([], 0.02, 0.1), zp ? q(zp, []) : none], outTypes: [zp ?? 'uint8'] });
    }
  }
  add({ name: `QuantizeLinear one-element 1-D scale and zero point opset ${opset}`, op: 'QuantizeLinear', opset, inputs: [f([3, 4], -8, 8), f([1], 0.02, 0.1), q('int8', [1])], outTypes: ['int8'] });
}
// per-axis (13, 19, 21): every axis of a 3-D x, negative ones too
for (const opset of [13, 19, 21]) {
  for (const axis of [0, 1, 2, -1, -3]) {
    const dim = [2, 3, 4][axis < 0 ? axis + 3 : axis];
    for (const zp of ['uint8', 'int8', undefined] as const) {
      add({ name: `QuantizeLinear per-axis ${axis} ${zp ?? 'no'} zero point opset ${opset}`, op: 'QuantizeLinear', opset, attrs: axisAttr(axis),
        inputs: [f([2, 3, 4], -8, 8), f([dim], 0.02, 0.1), zp ? q(zp, [dim]) : none], outTypes: [zp ?? 'uint8'] });
    }
  }
  add({ name: `QuantizeLinear default axis 1 opset ${opset}`, op: 'QuantizeLinear', opset, inputs: [f([2, 5], -8, 8), f([5], 0.02, 0.1), q('uint8', [5])], outTypes: ['uint8'] });
}
// 16-bit outputs (21), per-tensor and per-axis, values that saturate
for (const zp of ['int16', 'uint16'] as const) {
  add({ name: `QuantizeLinear ${zp} per-tensor`, op: 'QuantizeLinear', opset: 21, inputs: [f([4, 6], -1000, 1000), f([], 0.01, 0.05), q(zp, [])], outTypes: [zp] });
  add({ name: `QuantizeLinear ${zp} per-axis 0`, op: 'QuantizeLinear', opset: 21, attrs: axisAttr(0), inputs: [f([4, 6], -1000, 1000), f([4], 0.01, 0.05), q(zp, [4])], outTypes: [zp] });
}
// blocked (21): remainder blocks, every axis, with and without a zero point
for (const [x, axis, block] of [
  [[4, 6], 1, 2], [[4, 6], 1, 4], [[4, 6], -1, 6], [[4, 6], 0, 3], [[4, 6], 0, 1], [[2, 5, 3], 1, 2], [[2, 5, 3], 2, 2], [[3, 7], 1, 3],
] as [number[], number, number][]) {
  const a = axis < 0 ? axis + x.length : axis;
  const sShape = x.map((d, i) => (i === a ? Math.ceil(d / block) : d));
  for (const zp of ['int8', 'uint8', 'int16', undefined] as const) {
    add({ name: `QuantizeLinear blocked ${JSON.stringify(x)} axis ${axis} block ${block} ${zp ?? 'no'} zero point`, op: 'QuantizeLinear', opset: 21,
      attrs: [...axisAttr(axis), { name: 'block_size', i: block }], inputs: [f(x, -8, 8), f(sShape, 0.02, 0.1), zp ? q(zp, sShape) : none], outTypes: [zp ?? 'uint8'] });
  }
}
// output_dtype (21) without a zero point, and agreeing with one
add({ name: 'QuantizeLinear output_dtype int8, no zero point', op: 'QuantizeLinear', opset: 21, attrs: [{ name: 'output_dtype', i: 3 }], inputs: [f([5], -8, 8), f([], 0.05, 0.1)], outTypes: ['int8'] });
add({ name: 'QuantizeLinear output_dtype uint16, no zero point', op: 'QuantizeLinear', opset: 21, attrs: [{ name: 'output_dtype', i: 4 }], inputs: [f([5], -8, 8), f([], 0.0001, 0.001)], outTypes: ['uint16'] });
add({ name: 'QuantizeLinear output_dtype equal to the zero point type', op: 'QuantizeLinear', opset: 21, attrs: [{ name: 'output_dtype', i: 2 }], inputs: [f([5], -8, 8), f([], 0.05, 0.1), q('uint8', [])], outTypes: ['uint8'] });
// saturation at both ends, infinities, zero points at the ends of their range
const EXTREMES = [-1e9, -70000, -300, -129, -128.5, -128, -127.5, -1, -0, 0, 0.5, 126.5, 127, 127.5, 128, 254.5, 255, 255.5, 256, 300, 70000, 1e9, Infinity, -Infinity];
for (const [zp, v] of [['int8', 0], ['int8', 127], ['int8', -128], ['uint8', 0], ['uint8', 255], ['uint8', 128], ['int16', 32767], ['uint16', 0]] as [QType, number][]) {
  add({ name: `QuantizeLinear saturates ${zp} zero point ${v}`, op: 'QuantizeLinear', opset: 21, inputs: [fixed('float32', [EXTREMES.length], EXTREMES), fixed('float32', [], [1]), fixed(zp, [], [v])], outTypes: [zp] });
}
// half-way quotients round to even: x / 0.5 = k / 2 exactly, and x / 2 for odd x
const QUARTERS = Array.from({ length: 41 }, (_, k) => (k - 20) * 0.25);
for (const zp of [['uint8', 3], ['int8', -5], ['int8', 0]] as [QType, number][]) {
  add({ name: `QuantizeLinear rounds half to even (${zp[0]} zero point ${zp[1]})`, op: 'QuantizeLinear', opset: 13, inputs: [fixed('float32', [41], QUARTERS), fixed('float32', [], [0.5]), fixed(zp[0], [], [zp[1]])], outTypes: [zp[0]] });
}
add({ name: 'QuantizeLinear rounds half to even, scale 2', op: 'QuantizeLinear', opset: 13, inputs: [fixed('float32', [12], [-7, -5, -3, -1, 1, 3, 5, 7, 9, 11, 13, 15]), fixed('float32', [], [2]), fixed('int8', [], [0])], outTypes: ['int8'] });
add({ name: 'QuantizeLinear per-axis half-way with negative scale', op: 'QuantizeLinear', opset: 13, attrs: axisAttr(0),
  inputs: [fixed('float32', [2, 4], [1, 3, -1, -3, 1, 3, -1, -3]), fixed('float32', [2], [2, -2]), fixed('int8', [2], [1, -1])], outTypes: ['int8'] });
// empty and scalar x
add({ name: 'QuantizeLinear of an empty tensor', op: 'QuantizeLinear', opset: 13, inputs: [f([0, 3]), f([], 0.1, 0.2), q('uint8', [])], outTypes: ['uint8'] });
add({ name: 'QuantizeLinear of a scalar', op: 'QuantizeLinear', opset: 13, inputs: [f([]), f([], 0.01, 0.02), q('int8', [])], outTypes: ['int8'] });

// --- DequantizeLinear ---
for (const opset of [10, 13, 19, 21]) {
  for (const x of ['uint8', 'int8', 'int32'] as const) {
    for (const withZp of [true, false]) {
      add({ name: `DequantizeLinear ${x} ${withZp ? 'with' : 'without'} zero point opset ${opset}`, op: 'DequantizeLinear', opset,
        inputs: [q(x, [2, 3, 4]), f([], 0.01, 0.5), withZp ? q(x, []) : none], outTypes: ['float32'] });
    }
  }
}
for (const opset of [13, 19, 21]) {
  for (const axis of [0, 1, -1]) {
    const dim = [2, 3, 4][axis < 0 ? axis + 3 : axis];
    for (const x of ['uint8', 'int8'] as const) {
      add({ name: `DequantizeLinear per-axis ${axis} ${x} opset ${opset}`, op: 'DequantizeLinear', opset, attrs: axisAttr(axis),
        inputs: [q(x, [2, 3, 4]), f([dim], 0.01, 0.5), q(x, [dim])], outTypes: ['float32'] });
    }
    add({ name: `DequantizeLinear per-axis ${axis} without zero point opset ${opset}`, op: 'DequantizeLinear', opset, attrs: axisAttr(axis),
      inputs: [q('int8', [2, 3, 4]), f([dim], 0.01, 0.5)], outTypes: ['float32'] });
  }
}
for (const x of ['int16', 'uint16'] as const) {
  add({ name: `DequantizeLinear ${x} per-tensor`, op: 'DequantizeLinear', opset: 21, inputs: [q(x, [3, 5]), f([], 0.001, 0.01), q(x, [])], outTypes: ['float32'] });
  add({ name: `DequantizeLinear ${x} per-axis`, op: 'DequantizeLinear', opset: 21, attrs: axisAttr(1), inputs: [q(x, [3, 5]), f([5], 0.001, 0.01), q(x, [5])], outTypes: ['float32'] });
}
for (const [x, axis, block] of [[[4, 6], 1, 2], [[4, 6], 1, 4], [[4, 6], 0, 3], [[2, 5, 3], 1, 2], [[3, 7], -1, 3]] as [number[], number, number][]) {
  const a = axis < 0 ? axis + x.length : axis;
  const sShape = x.map((d, i) => (i === a ? Math.ceil(d / block) : d));
  for (const type of ['int8', 'uint8', 'int16', 'uint16'] as const) {
    add({ name: `DequantizeLinear blocked ${type} ${JSON.stringify(x)} axis ${axis} block ${block}`, op: 'DequantizeLinear', opset: 21,
      attrs: [...axisAttr(axis), { name: 'block_size', i: block }], inputs: [q(type, x), f(sShape, 0.01, 0.5), q(type, sShape)], outTypes: ['float32'] });
  }
  add({ name: `DequantizeLinear blocked ${JSON.stringify(x)} axis ${axis} block ${block} without zero point`, op: 'DequantizeLinear', opset: 21,
    attrs: [...axisAttr(axis), { name: 'block_size', i: block }], inputs: [q('int8', x), f(sShape, 0.01, 0.5)], outTypes: ['float32'] });
}
// int32 beyond 2^24 rounds to float32 before the product, as in onnxruntime
add({ name: 'DequantizeLinear large int32', op: 'DequantizeLinear', opset: 13,
  inputs: [fixed('int32', [6], [2147483647, -2147483648, 16777217, -16777219, 123456789, 7]), fixed('float32', [], [0.001])], outTypes: ['float32'] });

// --- DynamicQuantizeLinear ---
const DQL_OUT: QType[] = ['uint8', 'float32', 'uint8'];
for (const [shape, lo, hi] of [[[6], -3, 3], [[3, 4], -3, 3], [[2, 3, 5], -10, 2], [[7], 0.5, 4], [[7], -4, -0.5], [[64], -0.001, 0.001], [[5], 100, 20000]] as [number[], number, number][]) {
  add({ name: `DynamicQuantizeLinear ${JSON.stringify(shape)} in [${lo}, ${hi})`, op: 'DynamicQuantizeLinear', opset: 11, inputs: [f(shape, lo, hi)], outTypes: DQL_OUT });
}
add({ name: 'DynamicQuantizeLinear all zero (scale 1)', op: 'DynamicQuantizeLinear', opset: 11, inputs: [fixed('float32', [4], [0, 0, -0, 0])], outTypes: DQL_OUT });
add({ name: 'DynamicQuantizeLinear one value', op: 'DynamicQuantizeLinear', opset: 13, inputs: [fixed('float32', [1], [-2.5])], outTypes: DQL_OUT });
add({ name: 'DynamicQuantizeLinear half-way quotients', op: 'DynamicQuantizeLinear', opset: 11, inputs: [fixed('float32', [6], [-2.55, 0, 2.55, 0.005, 0.015, -0.025])], outTypes: DQL_OUT });

// --- MatMulInteger ---
const MM_SHAPES: [number[], number[]][] = [
  [[4, 3], [3, 5]], [[2, 4, 3], [3, 5]], [[4, 3], [2, 3, 5]], [[2, 4, 3], [2, 3, 5]], [[2, 1, 4, 3], [3, 3, 5]], [[3], [3, 5]], [[4, 3], [3]], [[3], [3]], [[0, 3], [3, 2]],
];
for (const [ta, tb] of [['uint8', 'uint8'], ['uint8', 'int8'], ['int8', 'int8'], ['int8', 'uint8']] as [QType, QType][]) {
  for (const [as, bs] of MM_SHAPES) {
    add({ name: `MatMulInteger ${ta} x ${tb} ${JSON.stringify(as)} x ${JSON.stringify(bs)}, no zero points`, op: 'MatMulInteger', opset: 10, inputs: [q(ta, as), q(tb, bs)], outTypes: ['int32'] });
    add({ name: `MatMulInteger ${ta} x ${tb} ${JSON.stringify(as)} x ${JSON.stringify(bs)}, scalar zero points`, op: 'MatMulInteger', opset: 10, inputs: [q(ta, as), q(tb, bs), q(ta, []), q(tb, [])], outTypes: ['int32'] });
  }
  add({ name: `MatMulInteger ${ta} x ${tb} a_zero_point only`, op: 'MatMulInteger', opset: 10, inputs: [q(ta, [4, 3]), q(tb, [3, 5]), q(ta, [1])], outTypes: ['int32'] });
  add({ name: `MatMulInteger ${ta} x ${tb} b_zero_point only`, op: 'MatMulInteger', opset: 10, inputs: [q(ta, [4, 3]), q(tb, [3, 5]), none, q(tb, [1])], outTypes: ['int32'] });
  add({ name: `MatMulInteger ${ta} x ${tb} b_zero_point per column [N]`, op: 'MatMulInteger', opset: 10, inputs: [q(ta, [2, 4, 3]), q(tb, [3, 5]), q(ta, []), q(tb, [5])], outTypes: ['int32'] });
  add({ name: `MatMulInteger ${ta} x ${tb} b_zero_point per column [1, N]`, op: 'MatMulInteger', opset: 13, inputs: [q(ta, [4, 3]), q(tb, [3, 5]), q(ta, []), q(tb, [1, 5])], outTypes: ['int32'] });
  add({ name: `MatMulInteger ${ta} x ${tb} b_zero_point per column of a batch`, op: 'MatMulInteger', opset: 13, inputs: [q(ta, [4, 3]), q(tb, [2, 3, 5]), q(ta, []), q(tb, [2, 1, 5])], outTypes: ['int32'] });
}
// the int32 accumulation wraps: 40000 products of 255 x 255
add({ name: 'MatMulInteger sums wrap at 32 bits', op: 'MatMulInteger', opset: 10,
  inputs: [fixed('uint8', [1, 40000], new Array(40000).fill(255)), fixed('uint8', [40000, 2], new Array(80000).fill(255)), fixed('uint8', [], [0]), fixed('uint8', [], [0])], outTypes: ['int32'] });

// --- QLinearMatMul ---
/** a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point with random values. */
function qlmmInputs(ta: QType, tb: QType, ty: QType, as: number[], bs: number[], bParam: number[] = [], yScale: [number, number] = [0.02, 0.2]): In[] {
  return [q(ta, as), f([], 0.01, 0.05), q(ta, []), q(tb, bs), f(bParam, 0.01, 0.05), q(tb, bParam), f([], ...yScale), q(ty, [])];
}
for (const opset of [10, 21]) {
  for (const [ta, tb, ty] of [['uint8', 'uint8', 'uint8'], ['uint8', 'int8', 'uint8'], ['int8', 'int8', 'int8']] as [QType, QType, QType][]) {
    for (const [as, bs] of [[[2, 4], [4, 3]], [[2, 2, 4], [2, 4, 3]], [[3, 2, 4], [4, 3]], [[2, 4], [2, 4, 3]], [[2, 1, 2, 4], [3, 4, 3]], [[4], [4, 3]], [[2, 4], [4]], [[0, 4], [4, 3]]] as [number[], number[]][]) {
      add({ name: `QLinearMatMul ${ta} x ${tb} -> ${ty} ${JSON.stringify(as)} x ${JSON.stringify(bs)} opset ${opset}`, op: 'QLinearMatMul', opset, inputs: qlmmInputs(ta, tb, ty, as, bs), outTypes: [ty] });
    }
    add({ name: `QLinearMatMul ${ta} x ${tb} -> ${ty} per-column b [N] opset ${opset}`, op: 'QLinearMatMul', opset, inputs: qlmmInputs(ta, tb, ty, [3, 8], [8, 5], [5]), outTypes: [ty] });
    add({ name: `QLinearMatMul ${ta} x ${tb} -> ${ty} per-column b of a batch opset ${opset}`, op: 'QLinearMatMul', opset, inputs: qlmmInputs(ta, tb, ty, [3, 8], [2, 8, 5], [2, 1, 5]), outTypes: [ty] });
    add({ name: `QLinearMatMul ${ta} x ${tb} -> ${ty} saturates opset ${opset}`, op: 'QLinearMatMul', opset, inputs: qlmmInputs(ta, tb, ty, [4, 6], [6, 4], [], [0.00001, 0.0001]), outTypes: [ty] });
  }
}
// half-way: a_scale * b_scale / y_scale = 1/8, so a sum of 4 mod 8 is half-way
for (const [ta, tb, ty] of [['uint8', 'uint8', 'uint8'], ['int8', 'int8', 'int8']] as [QType, QType, QType][]) {
  add({ name: `QLinearMatMul rounds half to even ${ta}`, op: 'QLinearMatMul', opset: 10,
    inputs: [q(ta, [6, 2], ...(ta === 'uint8' ? [0, 16] : [-8, 8])), fixed('float32', [], [0.5]), fixed(ta, [], [ta === 'uint8' ? 8 : 0]), q(tb, [2, 7], 0, 4), fixed('float32', [], [0.25]), fixed(tb, [], [0]), fixed('float32', [], [1]), fixed(ty, [], [ty === 'uint8' ? 100 : 3])],
    outTypes: [ty] });
}

// --- ConvInteger and QLinearConv geometries ---
interface ConvGeom {
  name: string;
  x: number[];
  w: number[];
  attrs?: Attr[];
}
const ints = (name: string, v: number[]): Attr => ({ name, ints: v });
const CONV_GEOMS: ConvGeom[] = [
  { name: '2-D 3x3', x: [1, 1, 5, 5], w: [1, 1, 3, 3] },
  { name: '2-D pads, strides, dilations, 2 groups, batch 2', x: [2, 4, 6, 5], w: [6, 2, 3, 3], attrs: [ints('pads', [1, 0, 2, 1]), ints('strides', [2, 1]), ints('dilations', [1, 2]), { name: 'group', i: 2 }] },
  { name: '2-D depthwise, pads 1', x: [1, 3, 5, 5], w: [3, 1, 3, 3], attrs: [ints('pads', [1, 1, 1, 1]), { name: 'group', i: 3 }] },
  { name: '2-D kernel_shape given, stride 2', x: [1, 2, 7, 6], w: [4, 2, 2, 3], attrs: [ints('kernel_shape', [2, 3]), ints('strides', [2, 2])] },
  { name: '2-D auto_pad SAME_UPPER stride 2', x: [1, 2, 5, 6], w: [2, 2, 2, 3], attrs: [{ name: 'auto_pad', s: 'SAME_UPPER' }, ints('strides', [2, 2])] },
  { name: '2-D auto_pad SAME_LOWER', x: [1, 2, 5, 6], w: [2, 2, 2, 3], attrs: [{ name: 'auto_pad', s: 'SAME_LOWER' }] },
  { name: '2-D auto_pad VALID', x: [1, 2, 5, 6], w: [3, 2, 3, 2], attrs: [{ name: 'auto_pad', s: 'VALID' }] },
  { name: '1-D strides 2, dilations 2, pads', x: [2, 3, 10], w: [4, 3, 3], attrs: [ints('pads', [1, 2]), ints('strides', [2]), ints('dilations', [2])] },
  { name: '1-D 1x1', x: [1, 4, 6], w: [3, 4, 1] },
  { name: '3-D', x: [1, 2, 4, 4, 3], w: [3, 2, 2, 3, 2], attrs: [ints('pads', [0, 1, 1, 1, 0, 0])] },
];

// --- ConvInteger ---
for (const [tx, tw] of [['uint8', 'uint8'], ['int8', 'int8'], ['uint8', 'int8'], ['int8', 'uint8']] as [QType, QType][]) {
  for (const g of CONV_GEOMS) {
    add({ name: `ConvInteger ${tx} x ${tw} ${g.name}, zero points`, op: 'ConvInteger', opset: 10, attrs: g.attrs, inputs: [q(tx, g.x), q(tw, g.w), q(tx, []), q(tw, [])], outTypes: ['int32'] });
  }
  add({ name: `ConvInteger ${tx} x ${tw} no zero points`, op: 'ConvInteger', opset: 10, attrs: CONV_GEOMS[1].attrs, inputs: [q(tx, CONV_GEOMS[1].x), q(tw, CONV_GEOMS[1].w)], outTypes: ['int32'] });
  add({ name: `ConvInteger ${tx} x ${tw} x_zero_point only, padded`, op: 'ConvInteger', opset: 10, attrs: CONV_GEOMS[2].attrs, inputs: [q(tx, CONV_GEOMS[2].x), q(tw, CONV_GEOMS[2].w), q(tx, [1])], outTypes: ['int32'] });
}

// --- QLinearConv ---
/** x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point (and bias B) of a geometry. */
function qlcInputs(tx: QType, tw: QType, ty: QType, g: ConvGeom, o: { perChannel?: boolean; bias?: boolean; yScale?: [number, number] } = {}): In[] {
  const M = g.w[0];
  const ins = [q(tx, g.x), f([], 0.01, 0.05), q(tx, []), q(tw, g.w), f(o.perChannel ? [M] : [], 0.01, 0.05),
    // onnxruntime takes per-channel weight zero points only when they are all equal
    o.perChannel ? fixed(tw, [M], new Array(M).fill(tw === 'int8' ? 0 : 128)) : q(tw, []), f([], ...(o.yScale ?? [0.05, 0.5])), q(ty, [])];
  if (o.bias) ins.push(q('int32', [M], -20000, 20000));
  return ins;
}
for (const [tx, tw, ty] of [['uint8', 'uint8', 'uint8'], ['uint8', 'int8', 'uint8'], ['int8', 'int8', 'int8']] as [QType, QType, QType][]) {
  for (const g of CONV_GEOMS) {
    add({ name: `QLinearConv ${tx} x ${tw} -> ${ty} ${g.name}`, op: 'QLinearConv', opset: 10, attrs: g.attrs, inputs: qlcInputs(tx, tw, ty, g), outTypes: [ty] });
    add({ name: `QLinearConv ${tx} x ${tw} -> ${ty} ${g.name}, per-channel w_scale, bias`, op: 'QLinearConv', opset: 10, attrs: g.attrs, inputs: qlcInputs(tx, tw, ty, g, { perChannel: true, bias: true }), outTypes: [ty] });
  }
  add({ name: `QLinearConv ${tx} x ${tw} -> ${ty} saturates`, op: 'QLinearConv', opset: 10, attrs: CONV_GEOMS[1].attrs, inputs: qlcInputs(tx, tw, ty, CONV_GEOMS[1], { bias: true, yScale: [0.0001, 0.001] }), outTypes: [ty] });
}
// half-way: x_scale * w_scale / y_scale = 1/8
add({ name: 'QLinearConv rounds half to even', op: 'QLinearConv', opset: 10, attrs: [ints('pads', [1, 1, 1, 1])],
  inputs: [q('uint8', [1, 2, 4, 4], 0, 6), fixed('float32', [], [0.5]), fixed('uint8', [], [2]), q('uint8', [3, 2, 2, 2], 0, 4), fixed('float32', [], [0.25]), fixed('uint8', [], [1]), fixed('float32', [], [1]), fixed('uint8', [], [128]), q('int32', [3], -9, 9)],
  outTypes: ['uint8'] });

describe('the quantization operators match onnxruntime-web', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { bytes, feeds } = build(c, 7);
      await expectLikeOrt(bytes, feeds, 0);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 3. What onnxruntime does not run, against an onnxruntime graph computing the same

/** Node outputs of a float32 constant (an initializer). */
const floats = (name: string, dims: number[], data: number[]): TensorSpec => ({ name, dims, type: 1, data });
const int64s = (name: string, data: number[]): TensorSpec => ({ name, dims: [data.length], type: 7, data });
const fedNamed = (name: string, type: QType, shape: number[], values: number[]): Fed => ({ name, type, shape, values });
const randInts = (n: number, lo: number, hi: number, rand: () => number) => Array.from({ length: n }, () => Math.floor(lo + (hi - lo) * rand()));

describe('semantics onnxruntime has no kernel for, against an equivalent onnxruntime graph', () => {
  it('MatMulInteger with per-row a_zero_point ([M] and [...batch, M, 1]) and a per-column b_zero_point', async () => {
    for (const [aShape, bShape, azpShape, bzpShape, types] of [
      [[4, 3], [3, 5], [4], [5], ['uint8', 'uint8']],
      [[2, 4, 3], [3, 5], [2, 4, 1], [], ['int8', 'int8']],
      [[2, 4, 3], [2, 3, 5], [2, 4, 1], [2, 1, 5], ['uint8', 'int8']],
      [[1, 4, 3], [2, 3, 5], [1, 4, 1], [2, 1, 5], ['int8', 'uint8']],
    ] as [number[], number[], number[], number[], [QType, QType]][]) {
      const rand = rng(aShape.length * 7 + azpShape.length);
      const [ta, tb] = types;
      const fed = [
        fedNamed('A', ta, aShape, randInts(numel(aShape), ...RANGE[ta], rand)),
        fedNamed('B', tb, bShape, randInts(numel(bShape), ...RANGE[tb], rand)),
        fedNamed('azp', ta, azpShape, randInts(numel(azpShape), ...RANGE[ta], rand)),
        fedNamed('bzp', tb, bzpShape, randInts(numel(bzpShape), ...RANGE[tb], rand)),
      ];
      const ours = graph(13, fed, [{ op: 'MatMulInteger', inputs: ['A', 'B', 'azp', 'bzp'], outputs: ['Y'] }], [{ name: 'Y', type: 'int32' }]);
      // int32 arithmetic: (A - azp) @ (B - bzp), the [M] zero point made a column
      const azpCol = azpShape.length === 1 ? [{ op: 'Unsqueeze', inputs: [raw('azp'), 'ax1'], outputs: ['azp_col'] }] : [{ op: 'Identity', inputs: [raw('azp')], outputs: ['azp_col'] }];
      const theirs = graph(13, fed, [
        ...azpCol,
        { op: 'Sub', inputs: [raw('A'), 'azp_col'], outputs: ['Ac'] },
        { op: 'Sub', inputs: [raw('B'), raw('bzp')], outputs: ['Bc'] },
        { op: 'MatMul', inputs: ['Ac', 'Bc'], outputs: ['Y'] },
      ], [{ name: 'Y', type: 'int32' }], [int64s('ax1', [1])]);
      await expectSameAsOrtOf(ours, theirs);
    }
  });

  it('ConvInteger with a different zero point per output channel', async () => {
    for (const g of [CONV_GEOMS[1], CONV_GEOMS[2], CONV_GEOMS[7], CONV_GEOMS[9]]) {
      for (const [tx, tw] of [['uint8', 'int8'], ['int8', 'uint8']] as [QType, QType][]) {
        const rand = rng(g.x.length * 11 + g.w[0]);
        const M = g.w[0];
        const fed = [
          fedNamed('x', tx, g.x, randInts(numel(g.x), ...RANGE[tx], rand)),
          fedNamed('w', tw, g.w, randInts(numel(g.w), ...RANGE[tw], rand)),
          fedNamed('xzp', tx, [], randInts(1, ...RANGE[tx], rand)),
          fedNamed('wzp', tw, [M], randInts(M, ...RANGE[tw], rand)),
        ];
        const ours = graph(13, fed, [{ op: 'ConvInteger', inputs: ['x', 'w', 'xzp', 'wzp'], outputs: ['y'], attrs: g.attrs }], [{ name: 'y', type: 'int32' }]);
        // a float Conv of the centred values: exact, every partial sum is below 2^24
        const theirs = graph(13, fed, [
          ...castFloats(['x', 'w', 'xzp', 'wzp']),
          { op: 'Sub', inputs: ['x_f', 'xzp_f'], outputs: ['xc'] },
          { op: 'Reshape', inputs: ['wzp_f', 'wzp_shape'], outputs: ['wzp_col'] },
          { op: 'Sub', inputs: ['w_f', 'wzp_col'], outputs: ['wc'] },
          { op: 'Conv', inputs: ['xc', 'wc'], outputs: ['yf'], attrs: g.attrs },
          { op: 'Cast', inputs: ['yf'], outputs: ['y'], attrs: [{ name: 'to', i: 6 }] },
        ], [{ name: 'y', type: 'int32' }], [int64s('wzp_shape', [M, ...g.w.slice(1).map(() => 1)])]);
        await expectSameAsOrtOf(ours, theirs);
      }
    }
  });

  it('QLinearConv with a different w_zero_point per output channel', async () => {
    for (const g of [CONV_GEOMS[1], CONV_GEOMS[3], CONV_GEOMS[7]]) {
      for (const [tx, tw, ty] of [['uint8', 'uint8', 'uint8'], ['int8', 'int8', 'int8'], ['int8', 'uint8', 'uint8']] as [QType, QType, QType][]) {
        const rand = rng(g.x.length * 13 + g.w[0]);
        const M = g.w[0];
        const [xs, ys] = [Math.fround(0.02 + 0.02 * rand()), Math.fround(0.1 + 0.3 * rand())];
        const ws = Array.from({ length: M }, () => Math.fround(0.01 + 0.04 * rand()));
        const yzp = randInts(1, ...RANGE[ty], rand);
        const fed = [
          fedNamed('x', tx, g.x, randInts(numel(g.x), ...RANGE[tx], rand)),
          fedNamed('xs', 'float32', [], [xs]),
          fedNamed('xzp', tx, [], randInts(1, ...RANGE[tx], rand)),
          fedNamed('w', tw, g.w, randInts(numel(g.w), ...RANGE[tw], rand)),
          fedNamed('ws', 'float32', [M], ws),
          fedNamed('wzp', tw, [M], randInts(M, ...RANGE[tw], rand)),
          fedNamed('ys', 'float32', [], [ys]),
          fedNamed('yzp', ty, [], yzp),
          fedNamed('B', 'int32', [M], randInts(M, -5000, 5000, rand)),
        ];
        const ours = graph(13, fed, [{ op: 'QLinearConv', inputs: ['x', 'xs', 'xzp', 'w', 'ws', 'wzp', 'ys', 'yzp', 'B'], outputs: ['y'], attrs: g.attrs }], [{ name: 'y', type: ty }]);
        // the spec's requantization with onnxruntime's float32 steps: Conv of the centred values
        // (exact), the multiplier x_scale * w_scale / y_scale in float32, Round (half to even)
        const mults = ws.map((w) => Math.fround(Math.fround(xs * w) / ys));
        const spatial = g.w.slice(2).map(() => 1);
        const theirs = graph(13, fed, [
          ...castFloats(['x', 'w', 'xzp', 'wzp', 'B']),
          { op: 'Sub', inputs: ['x_f', 'xzp_f'], outputs: ['xc'] },
          { op: 'Reshape', inputs: ['wzp_f', 'wzp_shape'], outputs: ['wzp_col'] },
          { op: 'Sub', inputs: ['w_f', 'wzp_col'], outputs: ['wc'] },
          { op: 'Conv', inputs: ['xc', 'wc', 'B_f'], outputs: ['acc'], attrs: g.attrs },
          ...requantNodes('acc', 'y', ty),
        ], [{ name: 'y', type: ty }], [int64s('wzp_shape', [M, ...g.w.slice(1).map(() => 1)]), floats('mult', [1, M, ...spatial], mults), ...limits(ty, yzp[0])]);
        await expectSameAsOrtOf(ours, theirs);
      }
    }
  });

  it('QLinearMatMul with per-row a parameters and type mixes onnxruntime has no kernel for', async () => {
    for (const [aShape, bShape, aParam, bParam, types] of [
      [[4, 6], [6, 5], [4], [5], ['uint8', 'uint8', 'int8']],
      [[2, 4, 6], [6, 5], [2, 4, 1], [], ['int8', 'uint8', 'uint8']],
      [[2, 4, 6], [2, 6, 5], [2, 4, 1], [2, 1, 5], ['int8', 'int8', 'uint8']],
      [[4, 6], [2, 6, 5], [], [2, 1, 5], ['uint8', 'int8', 'int8']],
    ] as [number[], number[], number[], number[], [QType, QType, QType]][]) {
      const rand = rng(aShape.length * 17 + aParam.length * 3 + bParam.length);
      const [ta, tb, ty] = types;
      const aS = Array.from({ length: numel(aParam) }, () => Math.fround(0.01 + 0.04 * rand()));
      const bS = Array.from({ length: numel(bParam) }, () => Math.fround(0.01 + 0.04 * rand()));
      const yS = Math.fround(0.05 + 0.3 * rand());
      const yzp = randInts(1, ...RANGE[ty], rand);
      const fed = [
        fedNamed('a', ta, aShape, randInts(numel(aShape), ...RANGE[ta], rand)),
        fedNamed('as', 'float32', aParam, aS),
        fedNamed('azp', ta, aParam, randInts(numel(aParam), ...RANGE[ta], rand)),
        fedNamed('b', tb, bShape, randInts(numel(bShape), ...RANGE[tb], rand)),
        fedNamed('bs', 'float32', bParam, bS),
        fedNamed('bzp', tb, bParam, randInts(numel(bParam), ...RANGE[tb], rand)),
        fedNamed('ys', 'float32', [], [yS]),
        fedNamed('yzp', ty, [], yzp),
      ];
      const ours = graph(13, fed, [{ op: 'QLinearMatMul', inputs: ['a', 'as', 'azp', 'b', 'bs', 'bzp', 'ys', 'yzp'], outputs: ['y'] }], [{ name: 'y', type: ty }]);
      // the multiplier of every output element, a_scale[row] * b_scale[column] / y_scale in float32
      const M = aShape[aShape.length - 2];
      const N = bShape[bShape.length - 1];
      const batch = Math.max(aShape.length, bShape.length) === 3 ? 2 : 1;
      const mults: number[] = [];
      for (let bt = 0; bt < batch; bt++) {
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            const a = aS.length <= 1 ? aS[0] : aS[(aParam.length === 3 ? bt * M : 0) + m];
            const b = bS.length <= 1 ? bS[0] : bS[(bParam.length === 3 ? bt * N : 0) + n];
            mults.push(Math.fround(Math.fround(a * b) / yS));
          }
        }
      }
      const azpCol = aParam.length === 1 ? [{ op: 'Unsqueeze', inputs: [raw('azp'), 'ax1'], outputs: ['azp_col'] }] : [{ op: 'Identity', inputs: [raw('azp')], outputs: ['azp_col'] }];
      const theirs = graph(13, fed, [
        ...azpCol,
        { op: 'Sub', inputs: [raw('a'), 'azp_col'], outputs: ['ac'] },
        { op: 'Sub', inputs: [raw('b'), raw('bzp')], outputs: ['bc'] },
        { op: 'MatMul', inputs: ['ac', 'bc'], outputs: ['acc_i'] },
        { op: 'Cast', inputs: ['acc_i'], outputs: ['acc'], attrs: [{ name: 'to', i: 1 }] },
        ...requantNodes('acc', 'y', ty),
      ], [{ name: 'y', type: ty }], [int64s('ax1', [1]), floats('mult', [...(batch > 1 ? [batch] : []), M, N], mults), ...limits(ty, yzp[0])]);
      await expectSameAsOrtOf(ours, theirs);
    }
  });
});

/** Cast nodes making `<name>_f` (float32) of the int32 feeds of the named narrow inputs (or int32 ones). */
function castFloats(names: string[]): NodeSpec[] {
  return names.map((n) => ({ op: 'Cast', inputs: [n === 'B' ? n : raw(n)], outputs: [`${n}_f`], attrs: [{ name: 'to', i: 1 }] }));
}

/** Float nodes requantizing `acc` (float32 sums) with the initializer 'mult': Round(acc * mult) + zero point, clipped, cast. */
function requantNodes(acc: string, out: string, ty: QType): NodeSpec[] {
  return [
    { op: 'Mul', inputs: [acc, 'mult'], outputs: ['scaled'] },
    { op: 'Round', inputs: ['scaled'], outputs: ['rounded'] },
    { op: 'Add', inputs: ['rounded', 'zp_f'], outputs: ['shifted'] },
    { op: 'Clip', inputs: ['shifted', 'lo', 'hi'], outputs: ['clipped'] },
    { op: 'Cast', inputs: ['clipped'], outputs: [out], attrs: [{ name: 'to', i: ONNX_TYPE[ty] }] },
  ];
}

/** The zero point and the output range as float32 scalars for requantNodes. */
function limits(ty: QType, zp: number): TensorSpec[] {
  const [lo, hi] = LIMITS[ty];
  return [floats('zp_f', [], [zp]), floats('lo', [], [lo]), floats('hi', [], [hi])];
}

// ---------------------------------------------------------------------------------------------
// semantics decided here, and plan support

const run1 = (c: Case): Record<string, Tensor> => {
  const { bytes, feeds } = build(c, 1);
  return loadOnnx(bytes).run(feeds);
};
const values = (t: Tensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

describe('semantics', () => {
  it('QuantizeLinear with a one-element scale is per-tensor whatever the block_size (as ONNX\'s reference)', () => {
    const got = run1({ name: '', op: 'QuantizeLinear', opset: 21, attrs: [{ name: 'block_size', i: 2 }], inputs: [fixed('float32', [2, 3], [1, 2, 3, 4, 5, 6]), fixed('float32', [1], [2]), fixed('int8', [1], [1])], outTypes: ['int8'] });
    // x / 2 = 0.5, 1, 1.5, 2, 2.5, 3 rounds half to even to 0, 1, 2, 2, 2, 3
    expect(values(got.out0)).toEqual([1, 2, 3, 3, 3, 4]);
  });

  it('DequantizeLinear of int32 subtracts a zero point when one is given', () => {
    const got = run1({ name: '', op: 'DequantizeLinear', opset: 13, inputs: [fixed('int32', [3], [10, -10, 0]), fixed('float32', [], [0.5]), fixed('int32', [], [4])], outTypes: ['float32'] });
    expect(values(got.out0)).toEqual([3, -7, -2]);
  });

  it('MatMulInteger with K = 0 gives zeros (onnxruntime-web leaves its output uninitialized)', () => {
    const got = run1({ name: '', op: 'MatMulInteger', opset: 10, inputs: [q('uint8', [2, 3, 0]), q('int8', [0, 4]), q('uint8', []), q('int8', [])], outTypes: ['int32'] });
    expect(got.out0.shape).toEqual([2, 3, 4]);
    expect(values(got.out0)).toEqual(new Array(24).fill(0));
  });

  it('DynamicQuantizeLinear of an empty tensor: scale 1, zero point 0 (onnxruntime\'s)', () => {
    const got = run1({ name: '', op: 'DynamicQuantizeLinear', opset: 11, inputs: [fixed('float32', [0, 3], [])], outTypes: DQL_OUT });
    expect(got.out0.shape).toEqual([0, 3]);
    expect(values(got.out1)).toEqual([1]);
    expect(values(got.out2)).toEqual([0]);
    expect(got.out1.shape).toEqual([]);
  });

  it('QLinearMatMul and QLinearConv requantize in float32 steps, as onnxruntime (not in float64, as ONNX\'s numpy reference)', async () => {
    // multiplier 0.5 * 0.25 / 0.052325584 = 2.3888888 in float32; a sum of 9 times it is
    // 21.4999995 in float64 (-> 21) but 21.5 in float32 (-> 22, half to even)
    const ys = 0.05232558399438858;
    expect(Math.fround(ys)).toBe(ys);
    const m = Math.fround(Math.fround(0.5 * 0.25) / ys);
    expect(Math.round(9 * m)).toBe(21);
    expect(Math.fround(9 * m)).toBe(21.5);
    const scales = (t: QType, shape: number[]): In[] => [fixed(t, shape, [3]), fixed('float32', [], [0.5]), fixed(t, [], [0])];
    const qlmm = build({ name: '', op: 'QLinearMatMul', opset: 10, inputs: [...scales('uint8', [1, 1]), fixed('uint8', [1, 1], [3]), fixed('float32', [], [0.25]), fixed('uint8', [], [0]), fixed('float32', [], [ys]), fixed('uint8', [], [0])], outTypes: ['uint8'] }, 1);
    expect(values((await expectLikeOrt(qlmm.bytes, qlmm.feeds, 0)).out0)).toEqual([22]);
    const qlc = build({ name: '', op: 'QLinearConv', opset: 10, inputs: [...scales('int8', [1, 1, 1, 1]), fixed('int8', [1, 1, 1, 1], [3]), fixed('float32', [], [0.25]), fixed('int8', [], [0]), fixed('float32', [], [ys]), fixed('int8', [], [0])], outTypes: ['int8'] }, 1);
    expect(values((await expectLikeOrt(qlc.bytes, qlc.feeds, 0)).out0)).toEqual([22]);
  });

  it('nodes whose inputs are all constants are folded at load and give their values', () => {
    const m = loadOnnx(model({ opset: 13, nodes: [
      { op: 'Cast', inputs: ['zp32'], outputs: ['zp'], attrs: [{ name: 'to', i: 2 }] },
      { op: 'QuantizeLinear', inputs: ['x', 's', 'zp'], outputs: ['q'] },
      { op: 'DequantizeLinear', inputs: ['q', 's', 'zp'], outputs: ['dq'] },
      { op: 'Add', inputs: ['dq', 'in'], outputs: ['y'] },
    ], initializers: [floats('x', [4], [-1, 0.26, 0.5, 100]), floats('s', [], [0.5]), { name: 'zp32', dims: [], type: 6, data: [10] }],
    inputs: [{ name: 'in', shape: [4] }], outputs: [{ name: 'y' }, { name: 'q', type: 2 }] }));
    const got = m.run({ in: { data: new Float32Array(4), shape: [4] } });
    expect(values(got.q)).toEqual([8, 11, 11, 210]);
    expect(values(got.y)).toEqual([-1, 0.5, 0.5, 100]);
  });

  it('loadOnnx infers every output\'s type and shape (NodeFn.inferShapes)', () => {
    // scales and zero points as initializers, as quantization tools write them (a declared scalar
    // graph input has no known shape at load: run() takes it as [1] too)
    for (const c of [CASES.find((x) => x.op === 'QuantizeLinear' && x.name.includes('blocked'))!, CASES.find((x) => x.op === 'DynamicQuantizeLinear')!,
      CASES.find((x) => x.op === 'DequantizeLinear' && x.name.includes('per-axis'))!, CASES.find((x) => x.op === 'QLinearMatMul' && x.name.includes('[2,1,2,4]'))!,
      CASES.find((x) => x.op === 'ConvInteger' && x.name.includes('3-D'))!, CASES.find((x) => x.op === 'QLinearConv' && x.name.includes('SAME_UPPER'))!,
      CASES.find((x) => x.op === 'MatMulInteger' && x.name.includes('[4,3] x [3], scalar'))!]) {
      const fed = fedOf(c, 3);
      const params = fed.filter((x) => x.shape.length <= 1 && c.op !== 'DynamicQuantizeLinear');
      const inputs = fed.filter((x) => !params.includes(x));
      const casts: NodeSpec[] = params.filter((x) => x.type !== 'float32' && x.type !== 'int32').map((x) => ({ op: 'Cast', inputs: [raw(x.name)], outputs: [x.name], attrs: [{ name: 'to', i: ONNX_TYPE[x.type] }] }));
      const inits: TensorSpec[] = params.map((x) => ({ name: x.type === 'float32' || x.type === 'int32' ? x.name : raw(x.name), dims: x.shape, type: x.type === 'float32' ? 1 : 6, data: x.values }));
      const node: NodeSpec = { op: c.op, inputs: c.inputs.map((inp, i) => (inp.omit ? '' : `in${i}`)), outputs: c.outTypes.map((_, i) => `out${i}`), attrs: c.attrs };
      const { bytes, feeds } = graph(c.opset, inputs, [...casts, node], c.outTypes.map((type, i) => ({ name: `out${i}`, type })), inits);
      const m = loadOnnx(bytes);
      const got = m.run(feeds);
      m.outputs.forEach((o, i) => {
        expect(o.shape, `${c.name} output ${i}`).toEqual(got[o.name].shape);
        expect(o.dtype, `${c.name} output ${i}`).toBe(c.outTypes[i]);
      });
    }
  });

  it('inferShapes gives the shapes and types a run gives, and checks as the run does', () => {
    const bytes = model({ opset: 10, nodes: [{ op: 'QLinearMatMul', inputs: ['a', 'as', 'azp', 'b', 'bs', 'bzp', 'ys', 'yzp'], outputs: ['y'] }],
      inputs: ['a', 'as', 'azp', 'b', 'bs', 'bzp', 'ys', 'yzp'].map((name) => ({ name })), outputs: [{ name: 'y' }] });
    const node = prepareNode(QUANTIZE_OPS, bytes, []);
    const u8 = (shape: number[], v = 1): OTensor => ({ dtype: 'uint8', shape, data: new Uint8Array(numel(shape)).fill(v) });
    const f32 = (v: number): OTensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });
    const ins = [u8([2, 3, 4]), f32(0.1), u8([]), u8([4, 5]), f32(0.1), u8([]), f32(0.5), u8([], 7)];
    const [out] = node.kernel(ins);
    expect(node.kernel.inferShapes!(ins)).toEqual([{ dtype: out!.dtype, shape: out!.shape }]);
    expect(out!.shape).toEqual([2, 3, 5]);
    // zero scales (a planner's placeholders) do not matter to inferShapes
    expect(node.kernel.inferShapes!(ins.map((t) => (t.dtype === 'float32' ? f32(0) : t)))).toEqual([{ dtype: 'uint8', shape: [2, 3, 5] }]);
    expectError(() => node.kernel.inferShapes!([u8([2, 3]), ...ins.slice(1)]), 'SHAPE_MISMATCH', 'cannot multiply a [2, 3] by b [4, 5]');
  });

  it('a model runs again with other input shapes (static plans per shape)', () => {
    const c: Case = { name: '', op: 'QLinearConv', opset: 10, attrs: [ints('pads', [1, 1, 1, 1])], inputs: qlcInputs('uint8', 'uint8', 'uint8', CONV_GEOMS[0]), outTypes: ['uint8'] };
    const { bytes, feeds } = build(c, 5);
    const m = loadOnnx(bytes);
    const first = values(m.run(feeds).out0);
    for (let i = 0; i < 3; i++) expect(values(m.run(feeds).out0)).toEqual(first);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Typed errors

describe('typed errors', () => {
  const load = (c: Case) => loadOnnx(build(c, 1).bytes);
  const run = (c: Case) => {
    const { bytes, feeds } = build(c, 1);
    return loadOnnx(bytes).run(feeds);
  };
  const NODE = "node 'node_under_test'";
  const Q = (opset: number, inputs: In[], attrs?: Attr[], outType: QType = 'uint8'): Case => ({ name: '', op: 'QuantizeLinear', opset, attrs, inputs, outTypes: [outType] });
  const DQ = (opset: number, inputs: In[], attrs?: Attr[]): Case => ({ name: '', op: 'DequantizeLinear', opset, attrs, inputs, outTypes: ['float32'] });
  const MMI = (inputs: In[]): Case => ({ name: '', op: 'MatMulInteger', opset: 10, inputs, outTypes: ['int32'] });
  const QLMM = (inputs: In[], opset = 10): Case => ({ name: '', op: 'QLinearMatMul', opset, inputs, outTypes: ['uint8'] });
  const CI = (inputs: In[], attrs?: Attr[]): Case => ({ name: '', op: 'ConvInteger', opset: 10, attrs, inputs, outTypes: ['int32'] });
  const QLC = (inputs: In[], attrs?: Attr[]): Case => ({ name: '', op: 'QLinearConv', opset: 10, attrs, inputs, outTypes: ['uint8'] });
  const s = (v: number, shape: number[] = []): In => fixed('float32', shape, new Array(numel(shape)).fill(v));
  const u8 = (shape: number[]): In => q('uint8', shape);
  const qlmm = (over: Record<number, In>): In[] => [u8([2, 3]), s(0.1), u8([]), u8([3, 4]), s(0.1), u8([]), s(0.5), u8([])].map((x, i) => over[i] ?? x);
  const qlc = (over: Record<number, In>): In[] => [u8([1, 2, 4, 4]), s(0.1), u8([]), u8([3, 2, 2, 2]), s(0.1), u8([]), s(0.5), u8([])].map((x, i) => over[i] ?? x);

  it.each([
    ['QuantizeLinear of int32 x', 'DTYPE_MISMATCH', Q(13, [q('int32', [3]), s(1)]), 'x must be float32, got int32'],
    ['QuantizeLinear int16 zero point before opset 21', 'DTYPE_MISMATCH', Q(19, [f([3]), s(1), q('int16', [])], undefined, 'int16'), 'y_zero_point must be int8 or uint8 (int16 and uint16 from opset 21), got int16'],
    ['QuantizeLinear int32 zero point', 'DTYPE_MISMATCH', Q(21, [f([3]), s(1), q('int32', [])], undefined, 'int32'), 'y_zero_point must be int8 or uint8 or int16 or uint16, got int32'],
    ['QuantizeLinear zero point against output_dtype', 'DTYPE_MISMATCH', Q(21, [f([3]), s(1), q('int8', [])], [{ name: 'output_dtype', i: 2 }], 'int8'), "y_zero_point is int8 but attribute 'output_dtype' says uint8"],
    ['QuantizeLinear int32 y_scale', 'DTYPE_MISMATCH', Q(13, [f([3]), q('int32', [])]), 'y_scale must be float32, got int32'],
    ['QuantizeLinear 1-D scale at opset 10', 'SHAPE_MISMATCH', Q(10, [f([2, 3]), s(1, [3]), u8([3])]), 'y_scale must be a scalar before opset 13 (per-tensor only), got shape [3]'],
    ['QuantizeLinear per-axis scale of the wrong length', 'SHAPE_MISMATCH', Q(13, [f([2, 3]), s(1, [4])]), "y_scale must be a scalar or a 1-D tensor of the length of x's axis 1 (3; x [2, 3]), got shape [4]"],
    ['QuantizeLinear 2-D scale without block_size', 'SHAPE_MISMATCH', Q(21, [f([2, 4]), s(1, [2, 2])]), "y_scale must be a scalar or a 1-D tensor of the length of x's axis 1 (4; x [2, 4]), got shape [2, 2] (a blocked scale needs block_size)"],
    ['QuantizeLinear zero point of another shape', 'SHAPE_MISMATCH', Q(13, [f([2, 3]), s(1, [3]), u8([1])]), 'y_zero_point must have the shape of y_scale ([3]), got [1]'],
    ['QuantizeLinear per-tensor scale, per-axis zero point', 'SHAPE_MISMATCH', Q(13, [f([2, 3]), s(1), u8([3])]), 'y_zero_point must have the shape of y_scale ([]), got [3]'],
    ['QuantizeLinear axis out of range', 'INVALID_INPUT', Q(13, [f([2, 3]), s(1, [3])], axisAttr(2)), 'axis 2 is out of range for rank 2'],
    ['QuantizeLinear per-axis of a 1-D x with the default axis', 'INVALID_INPUT', Q(13, [f([3]), s(1, [3])]), 'axis 1 is out of range for rank 1'],
    ['QuantizeLinear blocked scale of the wrong shape', 'SHAPE_MISMATCH', Q(21, [f([2, 5]), s(1, [2, 2])], [{ name: 'block_size', i: 2 }]), 'y_scale must have shape [2, 3] for blocked quantization of x [2, 5] on axis 1 with block_size 2 (ceil(5 / 2) = 3 blocks), got [2, 2]'],
    ['QuantizeLinear blocked scale of another rank', 'SHAPE_MISMATCH', Q(21, [f([2, 4]), s(1, [2])], [{ name: 'block_size', i: 2 }]), 'y_scale must have shape [2, 2] for blocked quantization of x [2, 4] on axis 1 with block_size 2'],
    ['QuantizeLinear of NaN', 'INVALID_INPUT', Q(13, [fixed('float32', [3], [1, NaN, 2]), s(1)]), 'x[1] is NaN: it has no quantized value'],
    ['QuantizeLinear zero scale', 'INVALID_INPUT', Q(13, [f([3]), s(0)]), 'y_scale is 0: a scale must be finite and nonzero (it divides)'],
    ['QuantizeLinear NaN in a per-axis scale', 'INVALID_INPUT', Q(13, [f([2, 3]), fixed('float32', [3], [1, NaN, 1])]), 'y_scale[1] is NaN: a scale must be finite and nonzero'],
    ['QuantizeLinear infinite scale', 'INVALID_INPUT', Q(13, [f([3]), s(Infinity)]), 'y_scale is Infinity: a scale must be finite'],
    ['DequantizeLinear of float32 x', 'DTYPE_MISMATCH', DQ(13, [f([3]), s(1)]), 'x must be int8 or uint8 or int32, got float32'],
    ['DequantizeLinear of int16 before opset 21', 'DTYPE_MISMATCH', DQ(19, [q('int16', [3]), s(1)]), 'x must be int8 or uint8 or int32 (int16 and uint16 from opset 21), got int16'],
    ['DequantizeLinear zero point of another type', 'DTYPE_MISMATCH', DQ(13, [u8([3]), s(1), q('int8', [])]), 'x_zero_point must have the element type of x (uint8), got int8'],
    ['DequantizeLinear per-axis scale of the wrong length', 'SHAPE_MISMATCH', DQ(13, [u8([2, 3]), s(1, [2]), u8([2])], axisAttr(-1)), "x_scale must be a scalar or a 1-D tensor of the length of x's axis 1 (3; x [2, 3]), got shape [2]"],
    ['DequantizeLinear zero point of another shape', 'SHAPE_MISMATCH', DQ(21, [u8([2, 4]), s(1, [2, 2]), u8([2, 1])], [{ name: 'block_size', i: 2 }]), 'x_zero_point must have the shape of x_scale ([2, 2]), got [2, 1]'],
    ['DynamicQuantizeLinear of int32', 'DTYPE_MISMATCH', { name: '', op: 'DynamicQuantizeLinear', opset: 11, inputs: [q('int32', [3])], outTypes: DQL_OUT }, 'x must be float32, got int32'],
    ['DynamicQuantizeLinear of an infinity', 'INVALID_INPUT', { name: '', op: 'DynamicQuantizeLinear', opset: 11, inputs: [fixed('float32', [3], [1, 2, Infinity])], outTypes: DQL_OUT }, 'x[2] is Infinity: DynamicQuantizeLinear needs finite values to choose a scale'],
    ['DynamicQuantizeLinear of NaN', 'INVALID_INPUT', { name: '', op: 'DynamicQuantizeLinear', opset: 11, inputs: [fixed('float32', [2], [NaN, 1])], outTypes: DQL_OUT }, 'x[0] is NaN'],
    ['DynamicQuantizeLinear of a range wider than float32', 'INVALID_INPUT', { name: '', op: 'DynamicQuantizeLinear', opset: 11, inputs: [fixed('float32', [2], [-3e38, 3e38])], outTypes: DQL_OUT }, /the range of x \[-3\.0\d*e\+38, 3\.0\d*e\+38\] is too wide for a float32 scale/],
    ['MatMulInteger of float32', 'DTYPE_MISMATCH', MMI([f([2, 3]), u8([3, 4])]), 'A must be int8 or uint8, got float32'],
    ['MatMulInteger of int16 B', 'DTYPE_MISMATCH', MMI([u8([2, 3]), q('int16', [3, 4])]), 'B must be int8 or uint8, got int16'],
    ['MatMulInteger inner dims that differ', 'SHAPE_MISMATCH', MMI([u8([2, 3]), u8([4, 5])]), 'cannot multiply A [2, 3] by B [4, 5] (3 columns against 4 rows)'],
    ['MatMulInteger batch dims that do not broadcast', 'SHAPE_MISMATCH', MMI([u8([2, 2, 3]), u8([3, 3, 4])]), 'the batch dims of A [2, 2, 3] and B [3, 3, 4] cannot be broadcast'],
    ['MatMulInteger of a scalar', 'SHAPE_MISMATCH', MMI([u8([]), u8([3, 4])]), 'A and B must have rank >= 1 (no scalars), got [] and [3, 4]'],
    ['MatMulInteger zero point of another type', 'DTYPE_MISMATCH', MMI([u8([2, 3]), u8([3, 4]), q('int8', [])]), 'a_zero_point must have the element type of A (uint8), got int8'],
    ['MatMulInteger a_zero_point neither per-tensor nor per row', 'SHAPE_MISMATCH', MMI([u8([2, 3]), u8([3, 4]), u8([3])]), 'a_zero_point must be a scalar (per-tensor) or per row of A [2, 3]: [2] or [2, 1]; got [3]'],
    ['MatMulInteger batched a_zero_point [M] ', 'SHAPE_MISMATCH', MMI([u8([2, 2, 3]), u8([3, 4]), u8([2])]), 'a_zero_point must be a scalar (per-tensor) or per row of A [2, 2, 3]: [2, 2, 1]; got [2]'],
    ['MatMulInteger b_zero_point of another rank', 'SHAPE_MISMATCH', MMI([u8([2, 3]), u8([3, 4]), u8([]), u8([2, 1, 4])]), 'b_zero_point must be a scalar (per-tensor) or per column of B [3, 4]: [4] or [1, 4]; got [2, 1, 4]'],
    ['MatMulInteger per-column zero point of a 1-D B', 'SHAPE_MISMATCH', MMI([u8([2, 3]), u8([3]), u8([]), u8([2])]), 'b_zero_point must be a scalar or a one-element 1-D tensor for a 1-D B [3], got shape [2]'],
    ['QLinearMatMul y_scale per column', 'SHAPE_MISMATCH', QLMM(qlmm({ 6: s(1, [4]) })), 'y_scale must be a scalar or a one-element 1-D tensor (per-tensor), got shape [4]'],
    ['QLinearMatMul zero y_scale', 'INVALID_INPUT', QLMM(qlmm({ 6: s(0) })), 'y_scale is 0: a scale must be finite and nonzero (it divides)'],
    ['QLinearMatMul infinite a_scale', 'INVALID_INPUT', QLMM(qlmm({ 1: s(Infinity) })), 'a_scale is Infinity: a scale must be finite'],
    ['QLinearMatMul multiplier beyond float32', 'INVALID_INPUT', QLMM(qlmm({ 1: s(1e30), 4: s(1e30) })), /the requantization multiplier a_scale \* b_scale \/ y_scale \(1\.0\d*e\+30 \* 1\.0\d*e\+30 \/ 0\.5\) overflows float32/],
    ['QLinearMatMul int32 y_zero_point', 'DTYPE_MISMATCH', QLMM(qlmm({ 7: q('int32', []) })), 'y_zero_point must be int8 or uint8, got int32'],
    ['QLinearMatMul b_zero_point of another type', 'DTYPE_MISMATCH', QLMM(qlmm({ 5: q('int8', []) })), 'b_zero_point must have the element type of b (uint8), got int8'],
    ['QLinearMatMul b_scale per row', 'SHAPE_MISMATCH', QLMM(qlmm({ 4: s(1, [3]) })), 'b_scale must be a scalar (per-tensor) or per column of b [3, 4]: [4] or [1, 4]; got [3]'],
    ['QLinearMatMul float16-typed (float32) a', 'DTYPE_MISMATCH', QLMM(qlmm({ 0: f([2, 3]) })), 'a must be int8 or uint8, got float32'],
    ['ConvInteger x of the wrong rank', 'SHAPE_MISMATCH', CI([u8([1, 1, 3]), u8([1, 1, 2, 2])]), 'input X must have rank 4 ([N, C, 2-D spatial], like W [1, 1, 2, 2]), got shape [1, 1, 3]'],
    ['ConvInteger channels that differ', 'SHAPE_MISMATCH', CI([u8([1, 3, 4, 4]), u8([1, 2, 2, 2])]), 'input X has 3 channels but the weight expects 2 (W dim 1 (2) x group (1)); X [1, 3, 4, 4], W [1, 2, 2, 2]'],
    ['ConvInteger group not dividing the output channels', 'SHAPE_MISMATCH', CI([u8([1, 4, 4, 4]), u8([3, 2, 2, 2])], [{ name: 'group', i: 2 }]), "attribute 'group' (2) must divide the output channels (W dim 0 = 3)"],
    ['ConvInteger kernel_shape against w', 'SHAPE_MISMATCH', CI([u8([1, 1, 4, 4]), u8([1, 1, 2, 2])], [ints('kernel_shape', [3, 3])]), "attribute 'kernel_shape' [3, 3] does not match the weight's kernel dims [2, 2] (W shape [1, 1, 2, 2])"],
    ['ConvInteger pads of the wrong length', 'INVALID_FORMAT', CI([u8([1, 1, 4, 4]), u8([1, 1, 2, 2])], [ints('pads', [1, 1])]), "attribute 'pads' must have 4 values for a 2-D convolution (weight rank 4), got 2: [1, 1]"],
    ['ConvInteger kernel larger than the padded input', 'SHAPE_MISMATCH', CI([u8([1, 1, 2, 2]), u8([1, 1, 3, 3])]), 'spatial dim 0: the padded input (2 + pads 0, 0 = 2) is smaller than the dilated kernel (3)'],
    ['ConvInteger w of rank 2', 'SHAPE_MISMATCH', CI([u8([1, 2, 4]), u8([1, 2])]), 'weight W must have rank >= 3 ([M, C/group, k1, ...]), got shape [1, 2]'],
    ['ConvInteger x_zero_point per channel', 'SHAPE_MISMATCH', CI([u8([1, 2, 4, 4]), u8([3, 2, 2, 2]), u8([2])]), 'x_zero_point must be a scalar or a one-element 1-D tensor (per-tensor), got shape [2]'],
    ['ConvInteger w_zero_point of the wrong length', 'SHAPE_MISMATCH', CI([u8([1, 2, 4, 4]), u8([3, 2, 2, 2]), u8([]), u8([2])]), 'w_zero_point must be a scalar (per-tensor) or a 1-D tensor of one value per output channel ([3]), got shape [2]'],
    ['ConvInteger of int32 x', 'DTYPE_MISMATCH', CI([q('int32', [1, 2, 4, 4]), u8([3, 2, 2, 2])]), 'x must be int8 or uint8, got int32'],
    ['ConvInteger of an empty spatial dim', 'INVALID_INPUT', CI([u8([1, 2, 0, 4]), u8([3, 2, 1, 1])]), 'input X has a zero-length channel or spatial dimension: shape [1, 2, 0, 4]'],
    ['QLinearConv bias of the wrong shape', 'SHAPE_MISMATCH', QLC([...qlc({}), q('int32', [2])]), 'bias B must have shape [3] (one per output channel), got [2]'],
    ['QLinearConv float bias', 'DTYPE_MISMATCH', QLC([...qlc({}), f([3])]), 'bias B must be int32, got float32'],
    ['QLinearConv w_scale of the wrong length', 'SHAPE_MISMATCH', QLC(qlc({ 4: s(1, [2]) })), 'w_scale must be a scalar (per-tensor) or a 1-D tensor of one value per output channel ([3]), got shape [2]'],
    ['QLinearConv x_scale per channel', 'SHAPE_MISMATCH', QLC(qlc({ 1: s(1, [2]) })), 'x_scale must be a scalar or a one-element 1-D tensor (per-tensor), got shape [2]'],
    ['QLinearConv zero y_scale', 'INVALID_INPUT', QLC(qlc({ 6: s(0) })), 'y_scale is 0: a scale must be finite and nonzero (it divides)'],
    ['QLinearConv NaN w_scale', 'INVALID_INPUT', QLC(qlc({ 4: fixed('float32', [3], [1, 1, NaN]) })), 'w_scale[2] is NaN: a scale must be finite'],
    ['QLinearConv x_zero_point of another type', 'DTYPE_MISMATCH', QLC(qlc({ 2: q('int8', []) })), 'x_zero_point must have the element type of x (uint8), got int8'],
  ] as [string, string, Case, string | RegExp][])('%s: %s at run, naming node and values', (_, code, c, message) => {
    expectError(() => run(c), code, `${c.op} ${NODE}`, message);
  });

  it.each([
    ['QuantizeLinear before opset 10', 'UNSUPPORTED', Q(9, [f([3]), s(1)]), "operator 'QuantizeLinear' exists from opset 10"],
    ['DequantizeLinear before opset 10', 'UNSUPPORTED', DQ(9, [u8([3]), s(1)]), "operator 'DequantizeLinear' exists from opset 10"],
    ['DynamicQuantizeLinear before opset 11', 'UNSUPPORTED', { name: '', op: 'DynamicQuantizeLinear', opset: 10, inputs: [f([3])], outTypes: DQL_OUT }, "operator 'DynamicQuantizeLinear' exists from opset 11"],
    ['QLinearMatMul before opset 10', 'UNSUPPORTED', QLMM(qlmm({}), 9), "operator 'QLinearMatMul' exists from opset 10"],
    ['QuantizeLinear axis at opset 10', 'UNSUPPORTED', Q(10, [f([3]), s(1)], axisAttr(0)), "attribute 'axis' is not supported"],
    ['QuantizeLinear saturate before opset 19', 'UNSUPPORTED', Q(13, [f([3]), s(1)], [{ name: 'saturate', i: 1 }]), "attribute 'saturate' is not supported"],
    ['QuantizeLinear block_size before opset 21', 'UNSUPPORTED', Q(19, [f([3]), s(1)], [{ name: 'block_size', i: 2 }]), "attribute 'block_size' is not supported"],
    ['QuantizeLinear output_dtype before opset 21', 'UNSUPPORTED', Q(19, [f([3]), s(1)], [{ name: 'output_dtype', i: 3 }]), "attribute 'output_dtype' is not supported"],
    ['DequantizeLinear saturate', 'UNSUPPORTED', DQ(21, [u8([3]), s(1)], [{ name: 'saturate', i: 1 }]), "attribute 'saturate' is not supported"],
    ['DequantizeLinear block_size before opset 21', 'UNSUPPORTED', DQ(19, [u8([3]), s(1)], [{ name: 'block_size', i: 1 }]), "attribute 'block_size' is not supported"],
    ['QuantizeLinear negative block_size', 'INVALID_FORMAT', Q(21, [f([3]), s(1)], [{ name: 'block_size', i: -1 }]), "attribute 'block_size' must be >= 0, got -1"],
    ['DequantizeLinear negative block_size', 'INVALID_FORMAT', DQ(21, [u8([3]), s(1)], [{ name: 'block_size', i: -2 }]), "attribute 'block_size' must be >= 0, got -2"],
    ['QuantizeLinear saturate 2', 'INVALID_FORMAT', Q(19, [f([3]), s(1)], [{ name: 'saturate', i: 2 }]), "attribute 'saturate' must be 0 or 1, got 2"],
    ['QuantizeLinear to float8', 'UNSUPPORTED', Q(21, [f([3]), s(1)], [{ name: 'output_dtype', i: 17 }]), "attribute 'output_dtype' = FLOAT8E4M3FN is not supported (quantized outputs: int8, uint8, int16, uint16)"],
    ['QuantizeLinear to int4', 'UNSUPPORTED', Q(21, [f([3]), s(1)], [{ name: 'output_dtype', i: 22 }]), "attribute 'output_dtype' = INT4 is not supported"],
    ['QuantizeLinear to float', 'INVALID_FORMAT', Q(21, [f([3]), s(1)], [{ name: 'output_dtype', i: 1 }]), "attribute 'output_dtype' must be a quantized type (int8, uint8, int16, uint16), got 1"],
    ['QuantizeLinear without y_scale', 'INVALID_FORMAT', Q(13, [f([3]), none]), 'required input 1 (y_scale) is missing'],
    ['QLinearMatMul without a_zero_point', 'INVALID_FORMAT', QLMM(qlmm({ 2: none })), 'required input 2 (a_zero_point) is missing'],
    ['QLinearConv without y_zero_point', 'INVALID_FORMAT', QLC(qlc({ 7: none })), 'required input 7 (y_zero_point) is missing'],
    ['MatMulInteger with an attribute', 'UNSUPPORTED', { ...MMI([u8([2, 3]), u8([3, 4])]), attrs: [{ name: 'transB', i: 1 }] }, "attribute 'transB' is not supported"],
    ['QLinearConv channels_last (the com.microsoft form)', 'UNSUPPORTED', QLC(qlc({}), [{ name: 'channels_last', i: 1 }]), "attribute 'channels_last' is not supported"],
    ['ConvInteger unknown auto_pad', 'INVALID_FORMAT', CI([u8([1, 1, 4, 4]), u8([1, 1, 2, 2])], [{ name: 'auto_pad', s: 'SAME' }]), "attribute 'auto_pad' must be one of NOTSET, SAME_UPPER, SAME_LOWER, VALID, got 'SAME'"],
    ['ConvInteger pads with auto_pad', 'INVALID_FORMAT', CI([u8([1, 1, 4, 4]), u8([1, 1, 2, 2])], [{ name: 'auto_pad', s: 'VALID' }, ints('pads', [0, 0, 0, 0])]), "attribute 'pads' cannot be used with auto_pad=VALID (only with NOTSET)"],
    ['ConvInteger group 0', 'INVALID_FORMAT', CI([u8([1, 1, 4, 4]), u8([1, 1, 2, 2])], [{ name: 'group', i: 0 }]), "attribute 'group' must be at least 1, got 0"],
    ['QLinearConv stride 0', 'INVALID_FORMAT', QLC(qlc({}), [ints('strides', [0, 1])]), "attribute 'strides' must hold values >= 1, got [0, 1]"],
  ] as [string, string, Case, string][])('%s: %s at load, naming node and attribute', (_, code, c, message) => {
    expectError(() => load(c), code, `${c.op} ${NODE} (opset ${c.opset})`, message);
  });
});
