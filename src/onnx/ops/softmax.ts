/**
 * Softmax, LogSoftmax and Hardmax: before opset 13 the input is coerced to 2-D at `axis` (default
 * 1), from 13 they apply along `axis` (default -1).
 */
import type { NodeContext } from '../node.js';
import { softmaxF64 } from '../../../base/reference-math.js';
import { alloc, numelOf } from '../values.js';
import { normAxis, requireFloat, type OpFactory } from './util.js';

/**
 * The rows the operator normalises, as [outer, dim, inner]: element k of row (o, i) is at
 * (o * dim + k) * inner + i. Before opset 13 a row is everything from `axis` on (the 2-D
 * coercion, axis in [-r, r]); from 13 it is the one axis.
 */
function rowsOf(ctx: NodeContext, legacy: boolean, axisAttr: number, shape: readonly number[]): [number, number, number] {
  const r = shape.length;
  if (legacy) {
    if (axisAttr < -r || axisAttr > r) throw ctx.error('INVALID_INPUT', `axis ${axisAttr} is out of range for rank ${r}`);
    const axis = axisAttr < 0 ? axisAttr + r : axisAttr;
    return [numelOf(shape.slice(0, axis)), numelOf(shape.slice(axis)), 1];
  }
  const axis = normAxis(ctx, axisAttr, r);
  return [numelOf(shape.slice(0, axis)), shape[axis], numelOf(shape.slice(axis + 1))];
}

/**
 * An operator applied to each row of its float input (rowsOf): `row(src, dst, base, dim, inner)`
 * writes the row whose element k is at base + k * inner (dst starts zeroed).
 */
function rowWise(row: (src: Float32Array, dst: Float32Array, base: number, dim: number, inner: number) => void): OpFactory {
  return (ctx) => {
    ctx.allowOnly(['axis']);
    const legacy = ctx.opset < 13;
    const axisAttr = ctx.int('axis', legacy ? 1 : -1);
    return (ins) => {
      const x = ctx.input(ins, 0, 'input');
      const src = requireFloat(ctx, x, 'input');
      const [outer, dim, inner] = rowsOf(ctx, legacy, axisAttr, x.shape);
      const out = alloc('float32', x.shape.slice(), ctx.label);
      const dst = out.data as Float32Array;
      if (dim === 0) return [out];
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) row(src, dst, o * dim * inner + i, dim, inner);
      return [out];
    };
  };
}

/**
 * Hardmax's row: 1 at the first maximum, 0 elsewhere. NaN, on which the spec is silent, as
 * onnxruntime: a NaN after the first element is passed over; a row starting with NaN is all 0.
 */
function hardmaxRow(src: Float32Array, dst: Float32Array, base: number, dim: number, inner: number): void {
  let best = 0;
  for (let k = 1; k < dim; k++) if (src[base + k * inner] > src[base + best * inner]) best = k;
  if (!Number.isNaN(src[base + best * inner])) dst[base + best * inner] = 1;
}

export const SOFTMAX_OPS: Record<string, OpFactory> = {
  Softmax: rowWise((src, dst, base, dim, inner) => softmaxF64(src, dst, base, dim, inner, false)),
  LogSoftmax: rowWise((src, dst, base, dim, inner) => softmaxF64(src, dst, base, dim, inner, true)),
  Hardmax: rowWise(hardmaxRow),
};
