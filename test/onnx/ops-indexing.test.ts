/**
 * The index operators of src/onnx/ops/indexing.ts (GatherElements, GatherND, ScatterElements,
 * Scatter, ScatterND, NonZero, OneHot, Trilu, Compress, EyeLike, ReverseSequence, CastLike):
 *
 * 1. (ONNX's backend node tests for them run in node-conformance.test.ts, the excluded ones listed
 *    with why in tools/copy-onnx-node-tests.mjs)
 * 2. single-node graphs on seeded random inputs against onnxruntime-web: shapes, axes (negative
 *    too), batch_dims, reductions, element types and opsets; every output exactly equal (the
 *    float reductions round once per step, as onnxruntime does);
 * 3. the typed errors: bad attributes at load, bad shapes, types and out-of-range indices at run.
 */
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { rng } from '../helpers/common.js';
import { model, type Attr } from './encode.js';
import { ONNX_TYPE, singleNodeGraph, type In, type InType, type SingleNode } from './single-node.js';
import { expectError } from './helpers.js';
import { expectLikeOrt, runOrt } from './ort.js';

// ---------------------------------------------------------------------------------------------
// 2. Against onnxruntime-web

const TYPE_RANGE: Record<InType, [number, number]> = {
  float32: [-4, 4], int64: [-1000, 1000], int32: [-1000, 1000], bool: [0, 2], int8: [-128, 128], uint8: [0, 256], int16: [-32768, 32768], uint16: [0, 65536],
};

interface Case extends SingleNode {
  /** Element type of the output when it is not input 0's. */
  outType?: InType;
}

function build(c: Case, seed: number): { bytes: Uint8Array; feeds: Record<string, Tensor> } {
  return singleNodeGraph(c, rng(seed), (type) => TYPE_RANGE[type], [{ name: 'out', type: c.outType ?? c.inputs[0].type ?? 'float32' }]);
}

const CASES: Case[] = [];
const add = (c: Case) => CASES.push(c);
const axisAttr = (axis: number): Attr[] => [{ name: 'axis', i: axis }];
const i64Data = (data: number[], shape = [data.length]): In => ({ type: 'int64', shape, data });
const ALL_TYPES: InType[] = ['float32', 'int64', 'int32', 'bool', 'int8', 'uint8', 'int16', 'uint16'];

/** A permutation of 0..n-1 (seeded): distinct indices. */
function permutation(n: number, seed: number): number[] {
  const r = rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

// --- GatherElements ---
for (const opset of [11, 13]) {
  for (const [data, ind, axis] of [
    [[3, 4], [2, 4], 0], [[3, 4], [3, 6], 1], [[3, 4], [3, 2], -1], [[3, 4], [1, 1], -2], [[5], [7], 0],
    [[3, 4, 2], [2, 6, 2], 1], [[3, 4, 2], [3, 4, 5], 2], [[2, 3, 4, 2], [2, 2, 3, 1], -3], [[3, 4], [0, 4], 0],
  ] as [number[], number[], number][]) {
    const dim = data[axis < 0 ? axis + data.length : axis];
    add({ name: `GatherElements ${JSON.stringify(data)} ${JSON.stringify(ind)} axis ${axis} opset ${opset}`, op: 'GatherElements', opset, attrs: axisAttr(axis),
      inputs: [{ shape: data }, { type: 'int64', shape: ind, lo: -dim, hi: dim }] });
  }
}
add({ name: 'GatherElements default axis, int32 indices', op: 'GatherElements', opset: 13, inputs: [{ shape: [4, 3] }, { type: 'int32', shape: [5, 3], lo: -4, hi: 4 }] });
for (const type of ALL_TYPES) {
  add({ name: `GatherElements of ${type}`, op: 'GatherElements', opset: 13, attrs: axisAttr(1), inputs: [{ type, shape: [2, 5] }, { type: 'int64', shape: [2, 3], lo: -5, hi: 5 }] });
}

// --- GatherND ---
for (const opset of [11, 12, 13]) {
  for (const [data, ind] of [[[4, 3, 2], [5, 1]], [[4, 3, 2], [5, 2]], [[4, 3, 2], [2, 2, 3]], [[6], [3, 1]], [[3, 4], [2]], [[2, 3], [2, 2, 2, 1]]] as [number[], number[]][]) {
    const k = ind[ind.length - 1];
    // the index tuples: every column j in [-dim_j, dim_j)
    const tuples = ind.slice(0, -1).reduce((a, b) => a * b, 1);
    const r = rng(data.length * 31 + k);
    const values = Array.from({ length: tuples * k }, (_, e) => {
      const dim = data[e % k];
      return Math.floor(-dim + 2 * dim * r());
    });
    add({ name: `GatherND ${JSON.stringify(data)} ${JSON.stringify(ind)} opset ${opset}`, op: 'GatherND', opset, inputs: [{ shape: data }, { type: 'int64', shape: ind, data: values }] });
  }
}
for (const opset of [12, 13]) {
  for (const [data, ind, b] of [
    [[2, 3, 4], [2, 1], 1], [[2, 3, 4], [2, 5, 2], 1], [[2, 3, 4], [2, 3, 1], 2], [[2, 3, 4, 5], [2, 3, 2, 2], 2], [[3, 2, 2], [3, 2], 1], [[2, 2, 3], [2, 2, 4, 1], 2],
  ] as [number[], number[], number][]) {
    const k = ind[ind.length - 1];
    const tuples = ind.slice(0, -1).reduce((a, x) => a * x, 1);
    const r = rng(b * 17 + k);
    const values = Array.from({ length: tuples * k }, (_, e) => {
      const dim = data[b + (e % k)];
      return Math.floor(-dim + 2 * dim * r());
    });
    add({ name: `GatherND ${JSON.stringify(data)} ${JSON.stringify(ind)} batch_dims ${b} opset ${opset}`, op: 'GatherND', opset, attrs: [{ name: 'batch_dims', i: b }],
      inputs: [{ shape: data }, { type: 'int64', shape: ind, data: values }] });
  }
}
for (const type of ALL_TYPES) {
  add({ name: `GatherND of ${type}`, op: 'GatherND', opset: 13, inputs: [{ type, shape: [3, 4] }, { type: 'int64', shape: [5, 1], lo: -3, hi: 3 }] });
}

// --- ScatterElements and Scatter ---
const REDUCTIONS: [string, number][] = [['none', 16], ['add', 16], ['mul', 16], ['max', 18], ['min', 18]];
for (const [data, ind, axis] of [[[3, 4], [2, 4], 0], [[3, 4], [3, 6], 1], [[3, 4], [2, 3], -1], [[5], [8], 0], [[3, 4, 2], [2, 5, 2], 1], [[2, 3, 4], [1, 2, 6], -1]] as [number[], number[], number][]) {
  const dim = data[axis < 0 ? axis + data.length : axis];
  for (const [reduction, since] of REDUCTIONS) {
    for (const opset of reduction === 'none' ? [11, 13, 16, 18] : [since, 18].filter((o, i, a) => a.indexOf(o) === i)) {
      add({ name: `ScatterElements ${JSON.stringify(data)} ${JSON.stringify(ind)} axis ${axis} ${reduction} opset ${opset}`, op: 'ScatterElements', opset,
        attrs: [...axisAttr(axis), ...(opset >= 16 && reduction !== 'none' ? [{ name: 'reduction', s: reduction }] : [])],
        // repeated indices: reductions accumulate, 'none' keeps the last (onnxruntime too)
        inputs: [{ shape: data }, { type: 'int64', shape: ind, lo: -dim, hi: dim }, { shape: ind }] });
    }
  }
}
for (const opset of [9, 10]) {
  add({ name: `Scatter axis 1 opset ${opset}`, op: 'Scatter', opset, attrs: axisAttr(1), inputs: [{ shape: [3, 5] }, { type: 'int64', shape: [3, 2], lo: -5, hi: 5 }, { shape: [3, 2] }] });
  add({ name: `Scatter default axis, int32 indices, opset ${opset}`, op: 'Scatter', opset, inputs: [{ shape: [4, 2] }, { type: 'int32', shape: [2, 2], lo: 0, hi: 4 }, { shape: [2, 2] }] });
}
for (const type of ALL_TYPES) {
  for (const [reduction] of REDUCTIONS) {
    // onnxruntime has no bool max / min (here: or / and)
    if (type === 'bool' && (reduction === 'max' || reduction === 'min')) continue;
    // small values so that products of the 8- and 16-bit types wrap sometimes, not always
    const small = type !== 'bool' && type !== 'float32' && reduction === 'mul' ? { lo: -9, hi: 9 } : {};
    add({ name: `ScatterElements of ${type}, ${reduction}`, op: 'ScatterElements', opset: 18, attrs: [...axisAttr(0), { name: 'reduction', s: reduction }],
      inputs: [{ type, shape: [3, 4], ...small }, { type: 'int32', shape: [5, 4], lo: -3, hi: 3 }, { type, shape: [5, 4], ...small }] });
  }
}

// --- ScatterND ---
for (const [data, ind] of [[[8], [4, 1]], [[4, 4, 4], [2, 1]], [[4, 4, 4], [3, 2]], [[4, 3, 2], [2, 2, 3]], [[3, 5], [6, 2]], [[7, 3], [2, 3, 1]]] as [number[], number[]][]) {
  const k = ind[ind.length - 1];
  const tuples = ind.slice(0, -1).reduce((a, b) => a * b, 1);
  const updShape = [...ind.slice(0, -1), ...data.slice(k)];
  // distinct tuples for 'none' (a permutation of the addressed positions, some negative), any for the reductions
  const positions = data.slice(0, k).reduce((a, b) => a * b, 1);
  const distinct = permutation(positions, k * 7 + data.length).slice(0, tuples);
  const tupleOf = (p: number, neg: boolean) => {
    const t: number[] = [];
    for (let j = k - 1; j >= 0; j--) {
      t.unshift((p % data[j]) - (neg ? data[j] : 0));
      p = Math.floor(p / data[j]);
    }
    return t;
  };
  const r = rng(tuples);
  const any = Array.from({ length: tuples }, () => Math.floor(r() * positions));
  for (const [reduction, since] of REDUCTIONS) {
    const ps = reduction === 'none' ? distinct : any;
    const values = ps.flatMap((p, i) => tupleOf(p, i % 2 === 1));
    for (const opset of reduction === 'none' ? [11, 13, 16, 18] : [since, 18].filter((o, i, a) => a.indexOf(o) === i)) {
      add({ name: `ScatterND ${JSON.stringify(data)} ${JSON.stringify(ind)} ${reduction} opset ${opset}`, op: 'ScatterND', opset,
        attrs: opset >= 16 && reduction !== 'none' ? [{ name: 'reduction', s: reduction }] : [],
        inputs: [{ shape: data }, { type: 'int64', shape: ind, data: values }, { shape: updShape }] });
    }
  }
}
for (const type of ALL_TYPES) {
  for (const [reduction] of REDUCTIONS) {
    if (type === 'bool' && (reduction === 'max' || reduction === 'min')) continue;
    const small = type !== 'bool' && type !== 'float32' && reduction === 'mul' ? { lo: -9, hi: 9 } : {};
    add({ name: `ScatterND of ${type}, ${reduction}`, op: 'ScatterND', opset: 18, attrs: [{ name: 'reduction', s: reduction }],
      // distinct rows for 'none', repeated ones for the reductions
      inputs: reduction === 'none'
        ? [{ type, shape: [3, 4] }, i64Data([2, -3, 1], [3, 1]), { type, shape: [3, 4] }]
        : [{ type, shape: [3, 4], ...small }, i64Data([0, 2, 0, -1, 1], [5, 1]), { type, shape: [5, 4], ...small }] });
  }
}

// --- NonZero ---
for (const opset of [9, 13]) {
  for (const shape of [[7], [3, 4], [2, 3, 4], [2, 1, 3, 2], [0, 3]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const r = rng(n + opset);
    add({ name: `NonZero float ${JSON.stringify(shape)} opset ${opset}`, op: 'NonZero', opset, outType: 'int64',
      inputs: [{ shape, data: Array.from({ length: n }, () => (r() < 0.5 ? 0 : Math.fround(r() - 0.5))) }] });
  }
}
for (const type of ['bool', 'int64', 'int32', 'uint8'] as InType[]) {
  add({ name: `NonZero of ${type}`, op: 'NonZero', opset: 13, outType: 'int64', inputs: [{ type, shape: [4, 5], lo: type === 'bool' ? 0 : -1, hi: 2 }] });
}
add({ name: 'NonZero of all zeros', op: 'NonZero', opset: 13, outType: 'int64', inputs: [{ shape: [2, 3], data: [0, -0, 0, 0, 0, 0] }] });

// --- OneHot ---
for (const opset of [9, 11]) {
  for (const [shape, axis] of [[[4], -1], [[4], 0], [[2, 3], 1], [[2, 3], -2], [[2, 3], 0], [[2, 2, 3], 2], [[2, 2, 3], -4]] as [number[], number][]) {
    // indices from -depth - 2 to depth + 1: some negative, some out of range (all off); opset 9
    // takes no negative ones (its range is [0, depth)), where onnxruntime counts them from the end
    add({ name: `OneHot ${JSON.stringify(shape)} axis ${axis} opset ${opset}`, op: 'OneHot', opset, attrs: axisAttr(axis), outType: 'float32',
      inputs: [{ type: 'int64', shape, lo: opset < 11 ? 0 : -7, hi: 7 }, { type: 'int64', shape: [], data: [5] }, { shape: [2], data: [-0.5, 2] }] });
  }
}
// onnxruntime's type combinations (indices, values, depth); float indices of integer values (it
// compares floats with the position where the spec truncates them first: see below)
add({ name: 'OneHot float indices, values and depth', op: 'OneHot', opset: 11, outType: 'float32',
  inputs: [{ shape: [6], data: [0, 1, -1, 3, 4, -4] }, { shape: [], data: [4.6] }, { shape: [2], data: [0, 1] }] });
add({ name: 'OneHot float indices, int64 values and depth', op: 'OneHot', opset: 11, attrs: axisAttr(0), outType: 'int64',
  inputs: [{ shape: [2, 2], data: [0, 3, -1, 9] }, { type: 'int64', shape: [], data: [4] }, { type: 'int64', shape: [2], data: [7, -3] }] });
add({ name: 'OneHot int64 indices, values and depth', op: 'OneHot', opset: 9, attrs: axisAttr(-2), outType: 'int64',
  inputs: [{ type: 'int64', shape: [2, 2], data: [0, 3, 2, 9] }, { type: 'int64', shape: [], data: [4] }, { type: 'int64', shape: [2], data: [7, -3] }] });
add({ name: 'OneHot int32 indices and depth, float values', op: 'OneHot', opset: 11, outType: 'float32',
  inputs: [{ type: 'int32', shape: [3], data: [2, 0, -2] }, { type: 'int32', shape: [], data: [3] }, { shape: [2], data: [0, 5] }] });
add({ name: 'OneHot int32 indices, float depth and values', op: 'OneHot', opset: 11, outType: 'float32',
  inputs: [{ type: 'int32', shape: [3], data: [2, 0, -2] }, { shape: [], data: [3] }, { shape: [2], data: [0, 5] }] });
add({ name: 'OneHot int64 indices, int32 values, float depth', op: 'OneHot', opset: 11, attrs: axisAttr(0), outType: 'int32',
  inputs: [{ type: 'int64', shape: [3], data: [2, 0, -2] }, { shape: [], data: [3] }, { type: 'int32', shape: [2], data: [-1, 5] }] });
add({ name: 'OneHot int64 indices, float values, int32 depth', op: 'OneHot', opset: 11, outType: 'float32',
  inputs: [{ type: 'int64', shape: [2, 3], data: [2, 0, -2, 1, 5, -4] }, { type: 'int32', shape: [], data: [4] }, { shape: [2], data: [0.25, -1] }] });

// --- Trilu ---
for (const upper of [1, 0]) {
  for (const [shape, k] of [[[4, 5], undefined], [[4, 5], 0], [[4, 5], 2], [[4, 5], -1], [[5, 3], 7], [[5, 3], -7], [[2, 3, 4], 1], [[2, 1, 3, 3], -2], [[1, 6], -1], [[0, 3], 0]] as [number[], number | undefined][]) {
    add({ name: `Trilu upper ${upper} ${JSON.stringify(shape)} k ${k ?? 'omitted'}`, op: 'Trilu', opset: 14, attrs: [{ name: 'upper', i: upper }],
      inputs: [{ shape }, k === undefined ? { type: 'int64', shape: [], omit: true } : { type: 'int64', shape: [], data: [k] }] });
  }
}
for (const type of ['int64', 'bool'] as InType[]) {
  add({ name: `Trilu of ${type}`, op: 'Trilu', opset: 18, attrs: [{ name: 'upper', i: 0 }], inputs: [{ type, shape: [3, 4] }, { type: 'int64', shape: [], data: [1] }] });
}
add({ name: 'Trilu default upper, opset 21', op: 'Trilu', opset: 21, inputs: [{ shape: [3, 3] }] });

// --- Compress ---
for (const opset of [9, 11]) {
  for (const [shape, axis, cond] of [
    [[3, 4], 0, [1, 0, 1]], [[3, 4], 1, [0, 1, 1, 0]], [[3, 4], 1, [1, 1]], [[3, 4], undefined, [0, 1, 1, 0, 0, 1, 1, 1, 0]], [[2, 3, 2], 2, [0, 1]],
    [[2, 3, 2], 1, [0, 0, 0]], [[5], 0, [1, 1, 1, 1, 1]], [[3, 4], 0, [1, 0, 1, 0, 0]], [[3, 4], undefined, []],
  ] as [number[], number | undefined, number[]][]) {
    add({ name: `Compress ${JSON.stringify(shape)} axis ${axis ?? 'none'} condition ${JSON.stringify(cond)} opset ${opset}`, op: 'Compress', opset,
      attrs: axis === undefined ? [] : axisAttr(axis), inputs: [{ shape }, { type: 'bool', shape: [cond.length], data: cond }] });
  }
}
add({ name: 'Compress negative axis (opset 11)', op: 'Compress', opset: 11, attrs: axisAttr(-2), inputs: [{ shape: [2, 3, 2] }, { type: 'bool', shape: [3], data: [1, 0, 1] }] });
for (const type of ALL_TYPES) {
  add({ name: `Compress of ${type}`, op: 'Compress', opset: 11, attrs: axisAttr(-1), inputs: [{ type, shape: [3, 4] }, { type: 'bool', shape: [4], data: [1, 0, 0, 1] }] });
}

// --- EyeLike ---
for (const [shape, k] of [[[3, 3], 0], [[3, 5], 1], [[5, 3], -2], [[4, 4], 4], [[4, 4], -9], [[1, 6], 3], [[0, 2], 0]] as [number[], number][]) {
  add({ name: `EyeLike ${JSON.stringify(shape)} k ${k}`, op: 'EyeLike', opset: 9, attrs: [{ name: 'k', i: k }], inputs: [{ shape }] });
}
for (const [inType, dtype] of [['int32', undefined], ['int64', undefined], ['float32', 'int64'], ['int32', 'float32'], ['int64', 'int32']] as [InType, InType | undefined][]) {
  add({ name: `EyeLike of ${inType}, dtype ${dtype ?? 'none'}`, op: 'EyeLike', opset: 21, outType: dtype ?? inType,
    attrs: [{ name: 'k', i: -1 }, ...(dtype ? [{ name: 'dtype', i: ONNX_TYPE[dtype] }] : [])], inputs: [{ type: inType, shape: [3, 4] }] });
}

// --- ReverseSequence ---
for (const [shape, batchAxis, lens] of [
  [[4, 3], 1, [4, 2, 0]], [[4, 3], 0, [1, 3, 2, 0]], [[5, 2, 3], 1, [5, 3]], [[2, 5, 3, 2], 0, [4, 5]], [[3, 1], 1, [1]], [[1, 4], 0, [1]],
] as [number[], number, number[]][]) {
  add({ name: `ReverseSequence ${JSON.stringify(shape)} batch_axis ${batchAxis} lens ${JSON.stringify(lens)}`, op: 'ReverseSequence', opset: 10,
    attrs: [{ name: 'batch_axis', i: batchAxis }, { name: 'time_axis', i: 1 - batchAxis }], inputs: [{ shape }, { type: 'int64', shape: [lens.length], data: lens }] });
}
for (const type of ALL_TYPES) {
  add({ name: `ReverseSequence of ${type} (default axes)`, op: 'ReverseSequence', opset: 16, inputs: [{ type, shape: [4, 2, 2] }, { type: 'int64', shape: [2], data: [3, 4] }] });
}

// --- CastLike ---
for (const opset of [15, 19, 21]) {
  for (const [from, to] of [['float32', 'int32'], ['int64', 'float32'], ['float32', 'bool'], ['int32', 'int8'], ['float32', 'uint8'], ['int64', 'int16'], ['uint16', 'int64'], ['bool', 'float32'], ['float32', 'float32']] as [InType, InType][]) {
    // floats within the target range: out-of-range float conversions differ between builds (see Cast)
    const range: Partial<In> = from === 'float32' ? { lo: to === 'uint8' ? 0 : -100, hi: 100 } : {};
    add({ name: `CastLike ${from} like ${to} opset ${opset}`, op: 'CastLike', opset, outType: to, inputs: [{ type: from, shape: [3, 4], ...range }, { type: to, shape: [2] }] });
  }
}

// --- integer wrapping of the reductions, and every operator at opset 21 ---
for (const [op, ind] of [['ScatterElements', { type: 'int64', shape: [5, 4], lo: -3, hi: 3 }], ['ScatterND', i64Data([0, 2, 0, -1, 1], [5, 1])]] as [string, In][]) {
  for (const type of ['int32', 'int64'] as InType[]) {
    add({ name: `${op} of ${type}, mul wrapping`, op, opset: 18, attrs: [{ name: 'reduction', s: 'mul' }],
      inputs: [{ type, shape: [3, 4], lo: -(2 ** 31), hi: 2 ** 31 }, ind, { type, shape: [5, 4], lo: -(2 ** 31), hi: 2 ** 31 }] });
    add({ name: `${op} of ${type}, add wrapping`, op, opset: 18, attrs: [{ name: 'reduction', s: 'add' }],
      inputs: [{ type, shape: [3, 4], lo: 2 ** 30, hi: 2 ** 31 }, ind, { type, shape: [5, 4], lo: 2 ** 30, hi: 2 ** 31 }] });
  }
}
add({ name: 'GatherElements opset 21', op: 'GatherElements', opset: 21, attrs: axisAttr(-1), inputs: [{ shape: [2, 3] }, { type: 'int64', shape: [2, 4], lo: -3, hi: 3 }] });
add({ name: 'GatherND opset 21', op: 'GatherND', opset: 21, attrs: [{ name: 'batch_dims', i: 1 }], inputs: [{ shape: [2, 3, 2] }, i64Data([2, -1, 0, 1], [2, 1, 2])] });
add({ name: 'ScatterElements opset 21', op: 'ScatterElements', opset: 21, attrs: [{ name: 'reduction', s: 'min' }], inputs: [{ shape: [3, 2] }, { type: 'int64', shape: [4, 2], lo: -3, hi: 3 }, { shape: [4, 2] }] });
add({ name: 'ScatterND opset 21', op: 'ScatterND', opset: 21, attrs: [{ name: 'reduction', s: 'max' }], inputs: [{ shape: [3, 2] }, i64Data([1, 1, -1, 0, 1, 1], [3, 2]), { shape: [3] }] });
add({ name: 'NonZero opset 21', op: 'NonZero', opset: 21, outType: 'int64', inputs: [{ type: 'int32', shape: [3, 3], lo: -1, hi: 2 }] });
add({ name: 'OneHot opset 21', op: 'OneHot', opset: 21, outType: 'float32', inputs: [{ type: 'int64', shape: [3], data: [1, -1, 0] }, { type: 'int64', shape: [], data: [3] }, { shape: [2], data: [0, 1] }] });
add({ name: 'Compress opset 21', op: 'Compress', opset: 21, inputs: [{ shape: [2, 2] }, { type: 'bool', shape: [3], data: [1, 0, 1] }] });
add({ name: 'ReverseSequence opset 21', op: 'ReverseSequence', opset: 21, attrs: [{ name: 'batch_axis', i: 0 }, { name: 'time_axis', i: 1 }], inputs: [{ shape: [2, 3] }, i64Data([2, 3])] });

describe('the index operators match onnxruntime-web', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { bytes, feeds } = build(c, 7);
      const got = await expectLikeOrt(bytes, feeds, 0);
      // expectLikeOrt compares int64 as numbers: past 2^53 (the wrapping cases) compare the bits too
      if (got.out.data instanceof BigInt64Array) {
        const ort = (await runOrt(bytes, feeds as never)).outputs!.out.data as unknown as BigInt64Array;
        expect(Array.from(got.out.data, String)).toEqual(Array.from(ort, String));
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Results the spec decides where onnxruntime differs or does not run

const run1 = (c: Case): Tensor => {
  const { bytes, feeds } = build(c, 1);
  return loadOnnx(bytes).run(feeds).out;
};
const values = (t: Tensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

describe('semantics decided by the spec', () => {
  it('NonZero of a scalar has shape [0, count] (the spec; onnxruntime gives [1, count])', () => {
    expect(run1({ name: '', op: 'NonZero', opset: 13, outType: 'int64', inputs: [{ shape: [], data: [3] }] }).shape).toEqual([0, 1]);
    expect(run1({ name: '', op: 'NonZero', opset: 13, outType: 'int64', inputs: [{ shape: [], data: [0] }] }).shape).toEqual([0, 0]);
  });

  it('NonZero counts NaN as nonzero and -0 as zero', () => {
    const m = loadOnnx(model({ opset: 13, nodes: [{ op: 'NonZero', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [4] }], outputs: [{ name: 'y', type: 7 }] }));
    const y = m.run({ x: { data: Float32Array.of(NaN, -0, 0, 1), shape: [4] } }).y;
    expect(y.shape).toEqual([1, 2]);
    expect(values(y)).toEqual([0, 3]);
  });

  it('OneHot truncates float indices and depth (the spec casts them to int64; onnxruntime compares the floats)', () => {
    const got = run1({ name: '', op: 'OneHot', opset: 11, outType: 'float32', inputs: [{ shape: [4], data: [0.7, -1.5, 2.9, NaN] }, { shape: [1], data: [3.9] }, { shape: [2], data: [0, 1] }] });
    expect(got.shape).toEqual([4, 3]);
    expect(values(got)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
  });

  it('OneHot at opset 9 gives an all-off row for a negative index (its range is [0, depth); onnxruntime counts from the end)', () => {
    const c = (opset: number): Case => ({ name: '', op: 'OneHot', opset, outType: 'int64',
      inputs: [{ type: 'int64', shape: [2], data: [-1, 1] }, { type: 'int64', shape: [1], data: [3] }, { type: 'int64', shape: [2], data: [0, 1] }] });
    expect(values(run1(c(9)))).toEqual([0, 0, 0, 0, 1, 0]);
    expect(values(run1(c(11)))).toEqual([0, 0, 1, 0, 1, 0]);
  });

  it('ScatterElements and ScatterND of bool: add and max are or, mul and min are and', () => {
    const data = [1, 0, 1, 0];
    const upd = [0, 0, 1, 1];
    for (const [reduction, want] of [['add', [1, 0, 1, 1]], ['max', [1, 0, 1, 1]], ['mul', [0, 0, 1, 0]], ['min', [0, 0, 1, 0]]] as [string, number[]][]) {
      const attrs = [{ name: 'reduction', s: reduction }];
      expect(values(run1({ name: '', op: 'ScatterElements', opset: 18, attrs, inputs: [{ type: 'bool', shape: [4], data }, { type: 'int64', shape: [4], data: [0, 1, 2, 3] }, { type: 'bool', shape: [4], data: upd }] }))).toEqual(want);
      expect(values(run1({ name: '', op: 'ScatterND', opset: 18, attrs, inputs: [{ type: 'bool', shape: [4], data }, { type: 'int64', shape: [4, 1], data: [0, 1, 2, 3] }, { type: 'bool', shape: [4], data: upd }] }))).toEqual(want);
    }
  });

  it('scatter max / min of float NaN is NaN (as the Max and Min operators)', () => {
    const m = loadOnnx(model({ opset: 18, nodes: [{ op: 'ScatterElements', inputs: ['x', 'i', 'u'], outputs: ['y'], attrs: [{ name: 'reduction', s: 'max' }] }],
      inputs: [{ name: 'x', shape: [3] }, { name: 'i', type: 7, shape: [3] }, { name: 'u', shape: [3] }], outputs: [{ name: 'y' }] }));
    const y = m.run({ x: { data: Float32Array.of(NaN, 1, 2), shape: [3] }, i: { data: BigInt64Array.of(0n, 1n, 2n), shape: [3] }, u: { data: Float32Array.of(5, NaN, 1), shape: [3] } }).y;
    expect(values(y)).toEqual([NaN, NaN, 2]);
  });

  it('Compress takes a condition longer than the axis when the extra entries are false', () => {
    expect(values(run1({ name: '', op: 'Compress', opset: 11, attrs: axisAttr(0), inputs: [{ type: 'int32', shape: [3], data: [4, 5, 6] }, { type: 'bool', shape: [5], data: [0, 1, 1, 0, 0] }] }))).toEqual([5, 6]);
  });

  it('CastLike casts as Cast does: floats to integers truncate and wrap, to bool nonzero (NaN too)', () => {
    const m = loadOnnx(model({ opset: 15, nodes: [{ op: 'Cast', inputs: ['t32'], outputs: ['t'], attrs: [{ name: 'to', i: 3 }] }, { op: 'CastLike', inputs: ['x', 't'], outputs: ['y'] }, { op: 'Cast', inputs: ['x'], outputs: ['z'], attrs: [{ name: 'to', i: 3 }] }],
      inputs: [{ name: 'x', shape: [5] }, { name: 't32', type: 6, shape: [1] }], outputs: [{ name: 'y', type: 3 }, { name: 'z', type: 3 }] }));
    const got = m.run({ x: { data: Float32Array.of(-1.9, 200.5, 1e10, NaN, 127), shape: [5] }, t32: { data: Int32Array.of(0), shape: [1] } });
    expect(values(got.y)).toEqual(values(got.z));
    expect(values(got.y)).toEqual([-1, -56, 0, 0, 127]);
  });

  it('nodes whose inputs are all initializers (folded at load) give their values', () => {
    const m = loadOnnx(model({ opset: 13, nodes: [
      { op: 'NonZero', inputs: ['c'], outputs: ['nz'] },
      { op: 'GatherND', inputs: ['d', 'idx'], outputs: ['g'] },
    ], inputs: [], outputs: [{ name: 'nz', type: 7 }, { name: 'g' }], initializers: [
      { name: 'c', dims: [2, 2], data: [0, 3, 4, 0] },
      { name: 'd', dims: [2, 2], data: [1, 2, 3, 4] },
      { name: 'idx', dims: [2, 2], type: 7, data: [0, 1, 1, 0] },
    ] }));
    const got = m.run({});
    expect(got.nz.shape).toEqual([2, 2]);
    expect(values(got.nz)).toEqual([0, 1, 1, 0]);
    expect(values(got.g)).toEqual([2, 3]);
  });

  it('GatherND reads a negative index from the end of its axis', () => {
    const data = { type: 'int32' as InType, shape: [3, 2, 2], data: Array.from({ length: 12 }, (_, i) => i) };
    const got = run1({ name: '', op: 'GatherND', opset: 13, inputs: [data, { type: 'int64', shape: [2, 2], data: [2, -1, 0, 0] }] });
    expect(got.shape).toEqual([2, 2]);
    expect(values(got)).toEqual([10, 11, 0, 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Typed errors

describe('typed errors', () => {
  const load = (c: Case) => loadOnnx(build(c, 1).bytes);
  const run = (c: Case) => {
    const { bytes, feeds } = build(c, 1);
    return loadOnnx(bytes).run(feeds);
  };
  const f = (...shape: number[]): In => ({ shape });
  const i64 = (data: number[], shape = [data.length]): In => ({ type: 'int64', shape, data });
  const NODE = "node 'node_under_test'";

  it.each([
    ['GatherElements index 3 on an axis of 3', 'INVALID_INPUT', { name: '', op: 'GatherElements', opset: 13, attrs: axisAttr(1), inputs: [f(2, 3), i64([0, 3], [2, 1])] }, 'index 3 is out of range for axis 1 of size 3 (expected -3 to 2)'],
    ['GatherElements index -4 on an axis of 3', 'INVALID_INPUT', { name: '', op: 'GatherElements', opset: 13, inputs: [f(3, 2), i64([-4, 0], [1, 2])] }, 'index -4 is out of range for axis 0 of size 3'],
    ['GatherElements indices of another rank', 'SHAPE_MISMATCH', { name: '', op: 'GatherElements', opset: 13, inputs: [f(3, 2), i64([0, 1])] }, 'indices of shape [2] must have the rank of data [3, 2]'],
    ['GatherElements indices wider than data off the axis', 'SHAPE_MISMATCH', { name: '', op: 'GatherElements', opset: 13, inputs: [f(3, 2), i64([0, 0, 0], [1, 3])] }, 'indices of shape [1, 3] exceed data [3, 2] on axis 1 (3 > 2)'],
    ['GatherElements float indices', 'DTYPE_MISMATCH', { name: '', op: 'GatherElements', opset: 13, inputs: [f(3), f(3)] }, 'indices must be int64 or int32, got float32'],
    ['GatherElements axis 2 of rank 2', 'INVALID_INPUT', { name: '', op: 'GatherElements', opset: 13, attrs: axisAttr(2), inputs: [f(3, 2), i64([0], [1, 1])] }, 'axis 2 is out of range for rank 2'],
    ['GatherND index out of range', 'INVALID_INPUT', { name: '', op: 'GatherND', opset: 13, inputs: [f(2, 3), i64([1, 3], [1, 2])] }, 'index 3 is out of range for axis 1 of size 3'],
    ['GatherND index 2^62, named exactly', 'INVALID_INPUT', { name: '', op: 'GatherND', opset: 13, inputs: [f(2, 3), i64([2 ** 62], [1, 1])] }, 'index 4611686018427387904 is out of range for axis 0 of size 2 (expected -2 to 1)'],
    ['GatherElements on an empty axis', 'INVALID_INPUT', { name: '', op: 'GatherElements', opset: 13, inputs: [f(0, 2), i64([0], [1, 1])] }, 'index 0 is out of range for axis 0 of size 0 (the axis is empty)'],
    ['GatherND index tuple longer than the rank', 'SHAPE_MISMATCH', { name: '', op: 'GatherND', opset: 13, inputs: [f(2, 3), i64([0, 0, 0], [1, 3])] }, 'the last axis of indices [1, 3] must be 1 to 2 (the rank of data [2, 3] less batch_dims 0), got 3'],
    ['GatherND batch dims that differ', 'SHAPE_MISMATCH', { name: '', op: 'GatherND', opset: 13, attrs: [{ name: 'batch_dims', i: 1 }], inputs: [f(2, 3), i64([0, 0, 0], [3, 1])] }, 'the first 1 (batch_dims) axes of data [2, 3] and indices [3, 1] must be equal'],
    ['GatherND batch_dims as large as a rank', 'SHAPE_MISMATCH', { name: '', op: 'GatherND', opset: 13, attrs: [{ name: 'batch_dims', i: 1 }], inputs: [f(2, 3), i64([0, 1])] }, 'batch_dims 1 must be less than the ranks of data [2, 3] and indices [2]'],
    ['GatherND int32 indices', 'DTYPE_MISMATCH', { name: '', op: 'GatherND', opset: 13, inputs: [f(2, 3), { type: 'int32', shape: [1, 1], data: [0] }] }, 'indices must be int64, got int32'],
    ['ScatterElements index out of range', 'INVALID_INPUT', { name: '', op: 'ScatterElements', opset: 13, inputs: [f(2, 3), i64([2, 0], [1, 2]), f(1, 2)] }, 'index 2 is out of range for axis 0 of size 2'],
    ['ScatterElements updates of another shape', 'SHAPE_MISMATCH', { name: '', op: 'ScatterElements', opset: 13, inputs: [f(2, 3), i64([0, 0], [1, 2]), f(2, 1)] }, 'updates of shape [2, 1] must have the shape of indices [1, 2]'],
    ['ScatterElements updates of another type', 'DTYPE_MISMATCH', { name: '', op: 'ScatterElements', opset: 13, inputs: [f(2, 3), i64([0, 0], [1, 2]), { type: 'int32', shape: [1, 2] }] }, 'updates must have the element type of data (float32), got int32'],
    ['Scatter index out of range', 'INVALID_INPUT', { name: '', op: 'Scatter', opset: 10, attrs: axisAttr(1), inputs: [f(2, 3), i64([-4], [1, 1]), f(1, 1)] }, 'index -4 is out of range for axis 1 of size 3'],
    ['ScatterND index out of range', 'INVALID_INPUT', { name: '', op: 'ScatterND', opset: 13, inputs: [f(4), i64([1, 4], [2, 1]), f(2)] }, 'index 4 is out of range for axis 0 of size 4'],
    ['ScatterND updates of the wrong shape', 'SHAPE_MISMATCH', { name: '', op: 'ScatterND', opset: 13, inputs: [f(4, 3), i64([1, 2], [2, 1]), f(2, 2)] }, 'updates must have shape [2, 3] (indices.shape[:-1] + data.shape[1:]), got [2, 2]'],
    ['ScatterND index tuple longer than the rank', 'SHAPE_MISMATCH', { name: '', op: 'ScatterND', opset: 13, inputs: [f(4), i64([1, 2], [1, 2]), f(1)] }, 'the last axis of indices [1, 2] must be 1 to 1'],
    ['OneHot depth 0', 'INVALID_INPUT', { name: '', op: 'OneHot', opset: 11, inputs: [i64([0]), i64([0], []), f(2)] }, 'depth must be >= 1, got 0'],
    ['OneHot depth of two elements', 'SHAPE_MISMATCH', { name: '', op: 'OneHot', opset: 11, inputs: [i64([0]), i64([2, 3]), f(2)] }, 'depth must hold one element, got shape [2]'],
    ['OneHot values of three elements', 'SHAPE_MISMATCH', { name: '', op: 'OneHot', opset: 11, inputs: [i64([0]), i64([2], []), f(3)] }, 'values must be [off_value, on_value] of shape [2], got shape [3]'],
    ['OneHot axis beyond the output rank', 'INVALID_INPUT', { name: '', op: 'OneHot', opset: 11, attrs: axisAttr(2), inputs: [i64([0]), i64([2], []), f(2)] }, 'axis 2 is out of range for indices of rank 1 (expected -2 to 1)'],
    ['OneHot scalar indices', 'SHAPE_MISMATCH', { name: '', op: 'OneHot', opset: 11, inputs: [i64([0], []), i64([2], []), f(2)] }, 'indices must have rank >= 1, got shape []'],
    ['OneHot bool indices', 'DTYPE_MISMATCH', { name: '', op: 'OneHot', opset: 11, inputs: [{ type: 'bool', shape: [1] }, i64([2], []), f(2)] }, 'indices must be float32 or int64'],
    ['Trilu of a vector', 'SHAPE_MISMATCH', { name: '', op: 'Trilu', opset: 14, inputs: [f(3)] }, 'input must have rank >= 2, got shape [3]'],
    ['Trilu k of two elements', 'SHAPE_MISMATCH', { name: '', op: 'Trilu', opset: 14, inputs: [f(3, 3), i64([1, 2])] }, 'k must hold one element, got shape [2]'],
    ['Trilu int32 k', 'DTYPE_MISMATCH', { name: '', op: 'Trilu', opset: 14, inputs: [f(3, 3), { type: 'int32', shape: [], data: [1] }] }, 'k must be int64, got int32'],
    ['Compress true beyond the axis', 'INVALID_INPUT', { name: '', op: 'Compress', opset: 11, attrs: axisAttr(1), inputs: [f(2, 2), { type: 'bool', shape: [3], data: [0, 0, 1] }] }, 'condition[2] is true beyond axis 1 of size 2 (input [2, 2])'],
    ['Compress true beyond the flattened input', 'INVALID_INPUT', { name: '', op: 'Compress', opset: 11, inputs: [f(2), { type: 'bool', shape: [3], data: [0, 0, 1] }] }, 'condition[2] is true beyond the flattened input of 2 elements'],
    ['Compress with an int32 condition', 'DTYPE_MISMATCH', { name: '', op: 'Compress', opset: 11, inputs: [f(2), { type: 'int32', shape: [2], data: [1, 0] }] }, 'condition must be bool, got int32'],
    ['Compress with a 2-D condition', 'SHAPE_MISMATCH', { name: '', op: 'Compress', opset: 11, inputs: [f(4), { type: 'bool', shape: [2, 2], data: [1, 0, 1, 0] }] }, 'condition must have rank 1, got shape [2, 2]'],
    ['EyeLike of rank 3', 'SHAPE_MISMATCH', { name: '', op: 'EyeLike', opset: 9, inputs: [f(2, 2, 2)] }, 'input must have rank 2, got shape [2, 2, 2]'],
    ['ReverseSequence length beyond the time axis', 'INVALID_INPUT', { name: '', op: 'ReverseSequence', opset: 10, inputs: [f(3, 2), i64([3, 4])] }, 'sequence_lens[1] = 4 is out of range for time axis 0 of size 3 (expected 0 to 3)'],
    ['ReverseSequence negative length', 'INVALID_INPUT', { name: '', op: 'ReverseSequence', opset: 10, inputs: [f(3, 2), i64([-1, 1])] }, 'sequence_lens[0] = -1 is out of range'],
    ['ReverseSequence lengths for another batch', 'SHAPE_MISMATCH', { name: '', op: 'ReverseSequence', opset: 10, inputs: [f(3, 2), i64([1, 1, 1])] }, 'sequence_lens must have shape [2] (axis 1 of input [3, 2]), got [3]'],
    ['ReverseSequence int32 lengths', 'DTYPE_MISMATCH', { name: '', op: 'ReverseSequence', opset: 10, inputs: [f(3, 2), { type: 'int32', shape: [2], data: [1, 1] }] }, 'sequence_lens must be int64, got int32'],
  ] as [string, string, Case, string][])('%s: %s at run, naming node and values', (_, code, c, message) => {
    expectError(() => run(c), code, `${c.op} ${NODE}`, message);
  });

  it.each([
    ['ScatterElements reduction max before opset 18', 'UNSUPPORTED', { name: '', op: 'ScatterElements', opset: 16, attrs: [{ name: 'reduction', s: 'max' }], inputs: [f(2), i64([0]), f(1)] }, "attribute 'reduction' = 'max' exists from opset 18"],
    ['ScatterElements reduction before opset 16', 'UNSUPPORTED', { name: '', op: 'ScatterElements', opset: 13, attrs: [{ name: 'reduction', s: 'add' }], inputs: [f(2), i64([0]), f(1)] }, "attribute 'reduction' is not supported"],
    ['ScatterND reduction sum', 'INVALID_FORMAT', { name: '', op: 'ScatterND', opset: 18, attrs: [{ name: 'reduction', s: 'sum' }], inputs: [f(2), i64([0], [1, 1]), f(1)] }, "attribute 'reduction' must be none, add, mul, max or min, got 'sum'"],
    ['ScatterND reduction min at opset 17', 'UNSUPPORTED', { name: '', op: 'ScatterND', opset: 17, attrs: [{ name: 'reduction', s: 'min' }], inputs: [f(2), i64([0], [1, 1]), f(1)] }, "attribute 'reduction' = 'min' exists from opset 18"],
    ['Scatter from opset 11', 'UNSUPPORTED', { name: '', op: 'Scatter', opset: 11, inputs: [f(2), i64([0]), f(1)] }, "operator 'Scatter' is deprecated from opset 11 (ScatterElements replaces it)"],
    ['GatherElements before opset 11', 'UNSUPPORTED', { name: '', op: 'GatherElements', opset: 10, inputs: [f(2), i64([0])] }, "operator 'GatherElements' exists from opset 11"],
    ['GatherND batch_dims before opset 12', 'UNSUPPORTED', { name: '', op: 'GatherND', opset: 11, attrs: [{ name: 'batch_dims', i: 1 }], inputs: [f(2, 2), i64([0, 0], [2, 1])] }, "attribute 'batch_dims' is not supported"],
    ['GatherND negative batch_dims', 'INVALID_FORMAT', { name: '', op: 'GatherND', opset: 13, attrs: [{ name: 'batch_dims', i: -1 }], inputs: [f(2, 2), i64([0, 0], [2, 1])] }, "attribute 'batch_dims' must be >= 0, got -1"],
    ['Trilu before opset 14', 'UNSUPPORTED', { name: '', op: 'Trilu', opset: 13, inputs: [f(2, 2)] }, "operator 'Trilu' exists from opset 14"],
    ['Trilu upper 2', 'INVALID_FORMAT', { name: '', op: 'Trilu', opset: 14, attrs: [{ name: 'upper', i: 2 }], inputs: [f(2, 2)] }, "attribute 'upper' must be 0 or 1, got 2"],
    ['Compress negative axis before opset 11', 'INVALID_FORMAT', { name: '', op: 'Compress', opset: 10, attrs: axisAttr(-1), inputs: [f(2), { type: 'bool', shape: [2], data: [1, 0] }] }, "attribute 'axis' must be >= 0 before opset 11, got -1"],
    ['EyeLike dtype string', 'UNSUPPORTED', { name: '', op: 'EyeLike', opset: 9, attrs: [{ name: 'dtype', i: 8 }], inputs: [f(2, 2)] }, "attribute 'dtype' = STRING is not supported"],
    ['EyeLike dtype bfloat16 before opset 22', 'UNSUPPORTED', { name: '', op: 'EyeLike', opset: 21, attrs: [{ name: 'dtype', i: 16 }], inputs: [f(2, 2)] }, "attribute 'dtype' = BFLOAT16 is not supported"],
    ['EyeLike before opset 9', 'UNSUPPORTED', { name: '', op: 'EyeLike', opset: 8, inputs: [f(2, 2)] }, "operator 'EyeLike' exists from opset 9"],
    ['ReverseSequence both axes 0', 'INVALID_FORMAT', { name: '', op: 'ReverseSequence', opset: 10, attrs: [{ name: 'batch_axis', i: 0 }], inputs: [f(2, 2), i64([1, 1])] }, "attributes 'batch_axis' and 'time_axis' must be 0 and 1 in either order, got 0 and 0"],
    ['ReverseSequence time axis 2', 'INVALID_FORMAT', { name: '', op: 'ReverseSequence', opset: 10, attrs: [{ name: 'time_axis', i: 2 }], inputs: [f(2, 2, 2), i64([1, 1])] }, "got 1 and 2"],
    ['CastLike before opset 15', 'UNSUPPORTED', { name: '', op: 'CastLike', opset: 14, outType: 'int32', inputs: [f(2), { type: 'int32', shape: [1] }] }, "operator 'CastLike' exists from opset 15"],
    ['CastLike saturate before opset 19', 'UNSUPPORTED', { name: '', op: 'CastLike', opset: 18, outType: 'int32', attrs: [{ name: 'saturate', i: 1 }], inputs: [f(2), { type: 'int32', shape: [1] }] }, "attribute 'saturate' is not supported"],
    ['NonZero unknown attribute', 'UNSUPPORTED', { name: '', op: 'NonZero', opset: 13, outType: 'int64', attrs: axisAttr(0), inputs: [f(2)] }, "attribute 'axis' is not supported"],
    ['OneHot before opset 9', 'UNSUPPORTED', { name: '', op: 'OneHot', opset: 8, inputs: [i64([0]), i64([2], []), f(2)] }, "operator 'OneHot' exists from opset 9"],
  ] as [string, string, Case, string][])('%s: %s at load, naming node and attribute', (_, code, c, message) => {
    expectError(() => load(c), code, `${c.op} ${NODE} (opset ${c.opset})`, message);
  });
});

