/** TopK and CumSum. */
import { fmtShape } from '../../errors.js';
import { alloc, numelOf } from '../values.js';
import { normAxis, requireDtype, requireOpset, scalarOf, type Elems, type OpFactory } from './util.js';

const topK: OpFactory = (ctx) => {
  ctx.allowOnly(ctx.opset < 10 ? ['axis', 'k'] : ctx.opset < 11 ? ['axis'] : ['axis', 'largest', 'sorted']);
  const axisAttr = ctx.int('axis', -1);
  const kAttr = ctx.int('k');
  if (ctx.opset < 10 && kAttr === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'k' is required before opset 10");
  const largest = ctx.int('largest', 1) !== 0;
  // sorted=0 leaves the order unspecified; the sorted order is one valid answer.
  ctx.int('sorted', 1);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    requireDtype(ctx, x, 'X', ['float32', 'int64', 'int32']);
    const r = x.shape.length;
    const axis = normAxis(ctx, axisAttr, r);
    let k = kAttr ?? 0;
    if (ctx.opset >= 10) {
      const kt = ctx.input(ins, 1, 'K');
      requireDtype(ctx, kt, 'K', ['int64']);
      k = Number(scalarOf(ctx, kt, 'K'));
    }
    const dim = x.shape[axis];
    if (!(k >= 0 && k <= dim)) throw ctx.error('INVALID_INPUT', `k = ${k} is out of range for axis ${axis} of size ${dim} (input ${fmtShape(x.shape)})`);
    const outer = numelOf(x.shape.slice(0, axis));
    const inner = numelOf(x.shape.slice(axis + 1));
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    const values = alloc(x.dtype, shape, ctx.label);
    const indices = alloc('int64', shape.slice(), ctx.label);
    const src = x.data as Elems;
    const vals = values.data as Elems;
    const idxs = indices.data as BigInt64Array;
    const order = new Array<number>(dim);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => src[(o * dim + j) * inner + i];
        for (let j = 0; j < dim; j++) order[j] = j;
        // Stable sort: equal values keep the lower index first, as the spec requires.
        order.sort((p, q) => {
          const a = at(p);
          const b = at(q);
          return a === b ? p - q : (largest ? a < b : a > b) ? 1 : -1;
        });
        for (let j = 0; j < k; j++) {
          const dst = (o * k + j) * inner + i;
          vals[dst] = at(order[j]);
          idxs[dst] = BigInt(order[j]);
        }
      }
    }
    return [values, indices];
  };
};

const cumSum: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly(['exclusive', 'reverse']);
  const exclusive = ctx.int('exclusive', 0) !== 0;
  const reverse = ctx.int('reverse', 0) !== 0;
  return (ins) => {
    const x = ctx.input(ins, 0, 'x');
    requireDtype(ctx, x, 'x', ['float32', 'int64', 'int32']);
    const axisT = ctx.input(ins, 1, 'axis');
    requireDtype(ctx, axisT, 'axis', ['int64', 'int32']);
    const axis = normAxis(ctx, Number(scalarOf(ctx, axisT, 'axis')), x.shape.length);
    const dim = x.shape[axis];
    const outer = numelOf(x.shape.slice(0, axis));
    const inner = numelOf(x.shape.slice(axis + 1));
    const out = alloc(x.dtype, x.shape.slice(), ctx.label);
    const src = x.data as Elems;
    const dst = out.data as Elems;
    const int64 = x.dtype === 'int64';
    const plus = (a: number | bigint, v: number | bigint) => (int64 ? (a as bigint) + (v as bigint) : (a as number) + (v as number));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        // Float sums run in float64 (int32 sums too, exact), int64 in bigints.
        let acc: number | bigint = int64 ? 0n : 0;
        for (let s = 0; s < dim; s++) {
          const j = reverse ? dim - 1 - s : s;
          const p = (o * dim + j) * inner + i;
          const v = src[p];
          if (!exclusive) acc = plus(acc, v);
          dst[p] = acc;
          if (exclusive) acc = plus(acc, v);
        }
      }
    }
    return [out];
  };
};

export const MISC_OPS: Record<string, OpFactory> = {
  TopK: topK,
  CumSum: cumSum,
};
