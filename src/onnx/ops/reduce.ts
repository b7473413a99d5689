/**
 * Reductions (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceSumSquare, ReduceLogSum, ReduceLogSumExp) and ArgMax / ArgMin. Float reductions
 * accumulate in float64; an empty reduction gives the identity (0, 1, -inf, +inf).
 */
import type { NodeFn, NodeContext } from '../node.js';
import { alloc, DTYPES, numelOf, NUMERIC, type ODType, type OTensor } from '../values.js';
import { axesInputOrAttr, broadcastIndex, bstrides, forBroadcast, normAxes, normAxis, requireDtype, stridesOf, type Elems, type OpFactory } from './util.js';
import { IndexCache } from './loops.js';

interface Reduction {
  /** Opset from which `axes` is an input rather than an attribute. */
  axesInputSince: number;
  /** Whether the integer types are accepted too (computed exactly, wrapping like the type). */
  ints: boolean;
  init: number;
  /** Folds one (already mapped) element into the accumulator. */
  step: (acc: number, v: number) => number;
  /** Maps an input element before folding (|x|, x^2, e^x). */
  pre?: (v: number) => number;
  /** Final transform of the accumulator, given the number of elements reduced. */
  post?: (acc: number, count: number) => number;
}

const add = (a: number, v: number) => a + v;
const max = (a: number, v: number) => (v > a || Number.isNaN(v) ? v : a);
const min = (a: number, v: number) => (v < a || Number.isNaN(v) ? v : a);

const REDUCTIONS: Record<string, Reduction> = {
  ReduceSum: { axesInputSince: 13, ints: true, init: 0, step: add },
  ReduceMean: { axesInputSince: 18, ints: true, init: 0, step: add, post: (a, n) => a / n },
  ReduceMax: { axesInputSince: 18, ints: true, init: -Infinity, step: max },
  ReduceMin: { axesInputSince: 18, ints: true, init: Infinity, step: min },
  ReduceProd: { axesInputSince: 18, ints: true, init: 1, step: (a, v) => a * v },
  ReduceL1: { axesInputSince: 18, ints: false, init: 0, step: add, pre: Math.abs },
  ReduceL2: { axesInputSince: 18, ints: false, init: 0, step: add, pre: (v) => v * v, post: Math.sqrt },
  ReduceSumSquare: { axesInputSince: 18, ints: false, init: 0, step: add, pre: (v) => v * v },
  ReduceLogSum: { axesInputSince: 18, ints: false, init: 0, step: add, post: Math.log },
  ReduceLogSumExp: { axesInputSince: 18, ints: false, init: 0, step: add },
};

/** The integer version of a reduction, on bigints (exact, wrapped to the element type later). */
function intStep(name: string): ((a: bigint, v: bigint) => bigint) | undefined {
  switch (name) {
    case 'ReduceSum':
    case 'ReduceMean':
      return (a, v) => a + v;
    case 'ReduceMax':
      return (a, v) => (v > a ? v : a);
    case 'ReduceMin':
      return (a, v) => (v < a ? v : a);
    case 'ReduceProd':
      return (a, v) => BigInt.asIntN(64, a * v);
  }
  return undefined;
}

/**
 * The float32 reductions in loops of their own (monomorphic, see loops.ts); false for the ones
 * left to the generic walk. acc holds the initial value.
 */
function reduceF32(name: string, src: Float32Array, target: Int32Array, acc: Float64Array): boolean {
  const n = src.length;
  switch (name) {
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceLogSum':
      for (let i = 0; i < n; i++) acc[target[i]] += src[i];
      return true;
    case 'ReduceSumSquare':
    case 'ReduceL2':
      for (let i = 0; i < n; i++) acc[target[i]] += src[i] * src[i];
      return true;
    case 'ReduceL1':
      for (let i = 0; i < n; i++) acc[target[i]] += Math.abs(src[i]);
      return true;
  }
  return false;
}

function reduceOp(name: string, spec: Reduction): OpFactory {
  return (ctx) => {
    const axesAsInput = ctx.opset >= spec.axesInputSince;
    ctx.allowOnly(axesAsInput ? ['keepdims', 'noop_with_empty_axes'] : ['axes', 'keepdims']);
    const keep = ctx.int('keepdims', 1) !== 0;
    const noop = ctx.int('noop_with_empty_axes', 0) !== 0;
    const axesOf = axesInputOrAttr(ctx, spec.axesInputSince);
    const dtypes: readonly ODType[] = spec.ints ? NUMERIC : ['float32'];
    const targets = new IndexCache();
    const kernel: NodeFn = (ins) => {
      const x = ctx.input(ins, 0, 'data');
      requireDtype(ctx, x, 'data', dtypes);
      const r = x.shape.length;
      const given = axesOf(ins);
      if ((given === undefined || given.length === 0) && noop) return [x];
      const axes = new Set(given === undefined || given.length === 0 ? x.shape.map((_, i) => i) : normAxes(ctx, given, r));
      const keptShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
      const shape = keep ? keptShape : x.shape.filter((_, i) => !axes.has(i));
      const m = numelOf(keptShape);
      const count = m === 0 ? 0 : numelOf(x.shape) / m;
      const walk = (fn: (i: number, j: number) => void) => forBroadcast(x.shape, stridesOf(x.shape), bstrides(keptShape, x.shape), (_o, i, j) => fn(i, j));
      if (x.dtype !== 'float32') return [reduceInts(ctx, name, x, shape, m, count, walk)];
      const src = x.data as Float32Array;
      const acc = new Float64Array(m);
      if (name === 'ReduceLogSumExp') {
        // log(sum(exp(x))) computed as max + log(sum(exp(x - max))) so that it does not overflow.
        const mx = new Float64Array(m).fill(-Infinity);
        walk((i, j) => (mx[j] = max(mx[j], src[i])));
        walk((i, j) => (acc[j] += Math.exp(src[i] - mx[j])));
        for (let j = 0; j < m; j++) acc[j] = Number.isFinite(mx[j]) ? mx[j] + Math.log(acc[j]) : mx[j];
      } else {
        acc.fill(spec.init);
        const pre = spec.pre;
        if (!reduceF32(name, src, targets.get(keptShape, x.shape), acc)) {
          if (pre) walk((i, j) => (acc[j] = spec.step(acc[j], pre(src[i]))));
          else walk((i, j) => (acc[j] = spec.step(acc[j], src[i])));
        }
        if (spec.post) for (let j = 0; j < m; j++) acc[j] = spec.post(acc[j], count);
      }
      return [{ dtype: 'float32', data: Float32Array.from(acc), shape }];
    };
    kernel.prepare = ([x, axesInput]) => {
      // float32 sums (reduceF32) with constant axes: the target index and accumulator made once
      if (x?.dtype !== 'float32' || !F32_SUMS.has(name)) return undefined;
      let given: number[] | undefined;
      try {
        given = axesOf([x as OTensor, axesInput as OTensor | undefined]);
        if ((given === undefined || given.length === 0) && noop) return undefined;
        const r = x.shape.length;
        const axes = new Set(given === undefined || given.length === 0 ? x.shape.map((_, i) => i) : normAxes(ctx, given, r));
        const keptShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
        const shape = keep ? keptShape : x.shape.filter((_, i) => !axes.has(i));
        const m = numelOf(keptShape);
        const count = m === 0 ? 0 : numelOf(x.shape) / m;
        const target = broadcastIndex(keptShape, x.shape);
        const acc = new Float64Array(m);
        const post = spec.post;
        return {
          outputs: [{ dtype: 'float32', shape }],
          run(ins, outs) {
            acc.fill(spec.init);
            reduceF32(name, ins[0]!.data as Float32Array, target, acc);
            const out = outs[0].data as Float32Array;
            for (let j = 0; j < m; j++) out[j] = post ? post(acc[j], count) : acc[j];
          },
        };
      } catch {
        return undefined;
      }
    };
    return kernel;
  };
}

/** The float32 reductions reduceF32 computes. */
const F32_SUMS = new Set(['ReduceSum', 'ReduceMean', 'ReduceLogSum', 'ReduceSumSquare', 'ReduceL2', 'ReduceL1']);

function reduceInts(
  ctx: NodeContext, name: string, x: OTensor, shape: number[], m: number, count: number,
  walk: (fn: (i: number, j: number) => void) => void,
): OTensor {
  const step = intStep(name)!;
  const src = x.data as Elems;
  const acc = new Array<bigint | undefined>(m).fill(undefined);
  walk((i, j) => {
    const v = BigInt(src[i]);
    acc[j] = acc[j] === undefined ? v : step(acc[j]!, v);
  });
  const out = alloc(x.dtype, shape, ctx.label);
  const int64 = x.dtype === 'int64';
  // The type's extremes: the identities of Max / Min over an empty set.
  const lowest = int64 ? -(2n ** 63n) : BigInt(DTYPES[x.dtype].min!);
  const highest = int64 ? 2n ** 63n - 1n : BigInt(DTYPES[x.dtype].max!);
  for (let j = 0; j < m; j++) {
    let v = acc[j];
    if (v === undefined) v = name === 'ReduceMax' ? lowest : name === 'ReduceMin' ? highest : name === 'ReduceProd' ? 1n : 0n;
    else if (name === 'ReduceMean') v = v / BigInt(count);
    // The store wraps to the element type (int32 and narrower through a 32-bit number).
    (out.data as Elems)[j] = int64 ? v : Number(BigInt.asIntN(32, v));
  }
  return out;
}

function argExtreme(largest: boolean): OpFactory {
  return (ctx) => {
    ctx.allowOnly(ctx.opset < 12 ? ['axis', 'keepdims'] : ['axis', 'keepdims', 'select_last_index']);
    const axisAttr = ctx.int('axis', 0);
    const keep = ctx.int('keepdims', 1) !== 0;
    const last = ctx.int('select_last_index', 0) !== 0;
    return (ins) => {
      const x = ctx.input(ins, 0, 'data');
      requireDtype(ctx, x, 'data', NUMERIC);
      const src = x.data as Elems;
      const r = x.shape.length;
      const axis = normAxis(ctx, axisAttr, r);
      const outer = numelOf(x.shape.slice(0, axis));
      const dim = x.shape[axis];
      const inner = numelOf(x.shape.slice(axis + 1));
      if (dim === 0) throw ctx.error('INVALID_INPUT', `${ctx.node.opType} over an empty axis`);
      const res = new BigInt64Array(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let best = 0;
          let bv = src[o * dim * inner + i];
          for (let k = 1; k < dim; k++) {
            const v = src[(o * dim + k) * inner + i];
            if ((largest ? v > bv : v < bv) || (last && v === bv)) {
              bv = v;
              best = k;
            }
          }
          res[o * inner + i] = BigInt(best);
        }
      }
      const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return [{ dtype: 'int64', data: res, shape }];
    };
  };
}

/** ReduceMean alone (Silero VAD's), so that a bundle of silero-ops.ts drops the rest. */
export const reduceMean = /* @__PURE__ */ reduceOp('ReduceMean', REDUCTIONS.ReduceMean);

export const REDUCE_OPS: Record<string, OpFactory> = /* @__PURE__ */ (() => ({
  ...Object.fromEntries(Object.entries(REDUCTIONS).map(([name, spec]) => [name, name === 'ReduceMean' ? reduceMean : reduceOp(name, spec)])),
  ArgMax: argExtreme(true),
  ArgMin: argExtreme(false),
}))();
