/** Comparisons, boolean logic and Where. Comparisons return bool; NaN compares unequal. */
import type { NodeFn } from '../node.js';
import { alloc, NUMERIC, type ODType, type OTensor } from '../values.js';
import { broadcastAll, broadcastIndex, requireDtype, requireOpset, sameDtype, type Elems, type OpFactory } from './util.js';
import { BroadcastCache } from './loops.js';

type Pred = (a: number | bigint, b: number | bigint) => boolean;

/**
 * A broadcasting operator of two inputs of one element type (from `dtypes`) with a bool result.
 * `since` is the operator's first opset.
 */
function compare(pred: Pred, dtypes: readonly ODType[], since = 1): OpFactory {
  return (ctx) => {
    requireOpset(ctx, since);
    ctx.allowOnly(ctx.opset < 7 ? ['broadcast', 'axis'] : []);
    const indices = new BroadcastCache();
    const compute = (a: OTensor, b: OTensor, ia: Int32Array, ib: Int32Array, out: OTensor): void => {
      const x = a.data as Elems;
      const y = b.data as Elems;
      const z = out.data as Uint8Array;
      for (let o = 0; o < z.length; o++) z[o] = pred(x[ia[o]], y[ib[o]]) ? 1 : 0;
    };
    const kernel: NodeFn = (ins) => {
      const a = ctx.input(ins, 0, 'A');
      const b = ctx.input(ins, 1, 'B');
      sameDtype(ctx, [a, b]);
      requireDtype(ctx, a, 'A', dtypes);
      const shape = broadcastAll(ctx, [a.shape, b.shape]);
      const [ia, ib] = indices.get(a.shape, b.shape, shape);
      const out = alloc('bool', shape, ctx.label);
      compute(a, b, ia, ib, out);
      return [out];
    };
    kernel.prepare = ([a, b]) => {
      if (a === undefined || b === undefined || a.dtype !== b.dtype || !dtypes.includes(a.dtype)) return undefined;
      let shape: number[];
      try {
        shape = broadcastAll(ctx, [a.shape, b.shape]);
      } catch {
        return undefined;
      }
      const ia = broadcastIndex(a.shape, shape);
      const ib = broadcastIndex(b.shape, shape);
      return { outputs: [{ dtype: 'bool', shape }], run: (ins, outs) => compute(ins[0]!, ins[1]!, ia, ib, outs[0]) };
    };
    return kernel;
  };
}

const ORDERED: readonly ODType[] = NUMERIC;
const ANY: readonly ODType[] = [...NUMERIC, 'bool'];
const BOOL: readonly ODType[] = ['bool'];

const not: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    requireDtype(ctx, x, 'X', BOOL);
    const src = x.data as Uint8Array;
    return [{ dtype: 'bool', data: src.map((v) => (v ? 0 : 1)), shape: x.shape.slice() }];
  };
};

/** IsNaN (9) and IsInf (10: `detect_negative`, `detect_positive`) of float32 values, as bools. */
function floatTest(op: 'IsNaN' | 'IsInf'): OpFactory {
  return (ctx) => {
    requireOpset(ctx, op === 'IsNaN' ? 9 : 10);
    ctx.allowOnly(op === 'IsNaN' ? [] : ['detect_negative', 'detect_positive']);
    const negative = ctx.int('detect_negative', 1) !== 0;
    const positive = ctx.int('detect_positive', 1) !== 0;
    return (ins) => {
      const x = ctx.input(ins, 0, 'X');
      requireDtype(ctx, x, 'X', ['float32']);
      const src = x.data as Float32Array;
      const out = alloc('bool', x.shape.slice(), ctx.label);
      const dst = out.data as Uint8Array;
      if (op === 'IsNaN') for (let i = 0; i < src.length; i++) dst[i] = src[i] !== src[i] ? 1 : 0;
      else for (let i = 0; i < src.length; i++) dst[i] = (positive && src[i] === Infinity) || (negative && src[i] === -Infinity) ? 1 : 0;
      return [out];
    };
  };
}

const where: OpFactory = (ctx) => {
  requireOpset(ctx, 9);
  ctx.allowOnly([]);
  return (ins) => {
    const c = ctx.input(ins, 0, 'condition');
    const x = ctx.input(ins, 1, 'X');
    const y = ctx.input(ins, 2, 'Y');
    requireDtype(ctx, c, 'condition', BOOL);
    const dtype = sameDtype(ctx, [x, y]);
    const shape = broadcastAll(ctx, [c.shape, x.shape, y.shape]);
    const ic = broadcastIndex(c.shape, shape);
    const ix = broadcastIndex(x.shape, shape);
    const iy = broadcastIndex(y.shape, shape);
    const out = alloc(dtype, shape, ctx.label);
    const cond = c.data as Uint8Array;
    const xs = x.data as Elems;
    const ys = y.data as Elems;
    const z = out.data as Elems;
    for (let o = 0; o < z.length; o++) z[o] = cond[ic[o]] ? xs[ix[o]] : ys[iy[o]];
    return [out];
  };
};

// one by one, so that a bundle taking some (silero-ops.ts) drops the rest
export const equalOp = /* @__PURE__ */ compare((a, b) => a === b, ANY);
export { not as notOp };

export const LOGICAL_OPS: Record<string, OpFactory> = {
  Equal: equalOp,
  Less: /* @__PURE__ */ compare((a, b) => a < b, ORDERED),
  LessOrEqual: /* @__PURE__ */ compare((a, b) => a <= b, ORDERED, 12),
  Greater: /* @__PURE__ */ compare((a, b) => a > b, ORDERED),
  GreaterOrEqual: /* @__PURE__ */ compare((a, b) => a >= b, ORDERED, 12),
  And: /* @__PURE__ */ compare((a, b) => Boolean(a) && Boolean(b), BOOL),
  Or: /* @__PURE__ */ compare((a, b) => Boolean(a) || Boolean(b), BOOL),
  Xor: /* @__PURE__ */ compare((a, b) => Boolean(a) !== Boolean(b), BOOL),
  Not: not,
  Where: where,
  IsNaN: /* @__PURE__ */ floatTest('IsNaN'),
  IsInf: /* @__PURE__ */ floatTest('IsInf'),
};
