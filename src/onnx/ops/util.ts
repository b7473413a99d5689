/**
 * Helpers shared by the operator families: shapes and strides, broadcasting, axis and dtype
 * checks, and the opset each operator first appears in.
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeFn, NodeContext } from '../node.js';
import { alloc, numelOf, sameShape, toInts, type OData, type ODType, type OTensor } from '../values.js';

export type OpFactory = ((ctx: NodeContext) => NodeFn) & {
  /**
   * Set on the operators that take ONNX sequences or optionals (ops/sequence.ts, ops/optional.ts,
   * Loop): the planner gives them to no other (INVALID_FORMAT at load). Such a factory reads the
   * kinds of its inputs in `ctx.inputKinds` and says those of its outputs in `ctx.outputKinds`.
   */
  takesNonTensors?: boolean;
};

/** Element access common to every OData array (numbers, or bigints for int64). */
export type Elems = { [i: number]: number | bigint; readonly length: number };

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function normAxis(ctx: NodeContext, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw ctx.error('INVALID_INPUT', `${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalised, distinct axes (INVALID_INPUT on a repeat or an out-of-range axis). */
export function normAxes(ctx: NodeContext, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normAxis(ctx, a, rank, what));
  if (new Set(out).size !== out.length) throw ctx.error('INVALID_INPUT', `${what} ${fmtShape(axes)} repeat an axis`);
  return out;
}

/**
 * The multidirectional broadcast of shapes a and b; SHAPE_MISMATCH when they do not broadcast,
 * saying `shapes a and b` or, given, what `mismatched()` names.
 */
export function broadcastShapes(ctx: NodeContext, a: readonly number[], b: readonly number[], mismatched?: () => string): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw ctx.error('SHAPE_MISMATCH', `${mismatched ? mismatched() : `shapes ${fmtShape(a)} and ${fmtShape(b)}`} cannot be broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Multidirectional broadcast of any number of shapes. */
export function broadcastAll(ctx: NodeContext, shapes: readonly (readonly number[])[]): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(ctx, out, s);
  return out;
}

/** Strides of `shape` viewed as broadcast to `out` (0 where broadcast). */
export function bstrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(shape);
  const r = out.length;
  const res = new Array<number>(r).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const oi = r - shape.length + i;
    res[oi] = shape[i] === 1 ? 0 : s[i];
  }
  return res;
}

/**
 * The operators' one N-d walk: calls visit(o, offsets) for every element o of `shape` in row-major
 * order, where offsets[k] = sum over d of index[d] * strides[k][d] (an operand's element offset;
 * stride 0 broadcasts). `offsets` is one array, updated in place between calls.
 */
export function walkStrided(shape: readonly number[], strides: readonly (readonly number[])[], visit: (o: number, offsets: readonly number[]) => void): void {
  const n = numelOf(shape);
  const r = shape.length;
  const k = strides.length;
  if (n === 0) return;
  const idx = new Array<number>(r).fill(0);
  const off = new Array<number>(k).fill(0);
  for (let o = 0; o < n; o++) {
    visit(o, off);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      for (let i = 0; i < k; i++) off[i] += strides[i][d];
      if (idx[d] < shape[d]) break;
      for (let i = 0; i < k; i++) off[i] -= strides[i][d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * The runs of `inner` elements at positions `picked` of an axis of length `dim`, for each of
 * `outer` blocks, copied one after another into `dst`: what Gather and Compress take along an axis.
 */
export function copyPicked(src: OData, dst: OData, outer: number, dim: number, inner: number, picked: ArrayLike<number>): void {
  let o = 0;
  for (let b = 0; b < outer; b++) {
    for (let k = 0; k < picked.length; k++) {
      const from = (b * dim + picked[k]) * inner;
      (dst as Float32Array).set((src as Float32Array).subarray(from, from + inner), o);
      o += inner;
    }
  }
}

/** Calls fn(outIndex, aIndex, bIndex) over the broadcast of a and b to `out` (walkStrided). */
export function forBroadcast(out: readonly number[], sa: number[], sb: number[], fn: (o: number, ia: number, ib: number) => void): void {
  walkStrided(out, [sa, sb], (o, off) => fn(o, off[0], off[1]));
}

/**
 * Source index of every output element of `out` for a tensor of `shape` broadcast to it: one
 * Int32Array per call, so that n-ary operators (Where, Min, Sum, ...) walk plain arrays.
 */
export function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const idx = new Int32Array(numelOf(out));
  if (sameShape(shape, out)) {
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    return idx;
  }
  const zeros = new Array<number>(out.length).fill(0);
  forBroadcast(out, bstrides(shape, out), zeros, (o, i) => (idx[o] = i));
  return idx;
}

/** Copies `t` to a broadcast shape (Expand). */
export function expandTo(ctx: NodeContext, t: OTensor, shape: number[]): OTensor {
  const out = alloc(t.dtype, shape, ctx.label);
  const src = t.data as Elems;
  const dst = out.data as Elems;
  forBroadcast(shape, bstrides(t.shape, shape), new Array(shape.length).fill(0), (o, ia) => {
    dst[o] = src[ia];
  });
  return out;
}

export function sameDtype(ctx: NodeContext, ts: OTensor[]): ODType {
  const d = ts[0].dtype;
  for (const t of ts) if (t.dtype !== d) throw ctx.error('DTYPE_MISMATCH', `inputs have different element types (${d} and ${t.dtype})`);
  return d;
}

export function requireFloat(ctx: NodeContext, t: OTensor, what: string): Float32Array {
  if (t.dtype !== 'float32') throw ctx.error('DTYPE_MISMATCH', `${what} must be float32, got ${t.dtype}`);
  return t.data as Float32Array;
}

/** DTYPE_MISMATCH unless `t` has one of the element types `allowed`. */
export function requireDtype(ctx: NodeContext, t: OTensor, what: string, allowed: readonly ODType[]): void {
  if (!allowed.includes(t.dtype)) throw ctx.error('DTYPE_MISMATCH', `${what} must be ${allowed.join(' or ')}, got ${t.dtype}`);
}

export function constInts(ctx: NodeContext, i: number): number[] | undefined {
  const c = ctx.constInputs[i];
  return c === undefined ? undefined : toInts(c, `${ctx.label} input ${i}`);
}

export function allocLike(data: OData, n: number): OData {
  return new (data.constructor as new (n: number) => OData)(n);
}

/** The `axes` of Squeeze / Unsqueeze / Reduce*: an attribute before `sinceInput`, input 1 from then. */
export function axesInputOrAttr(ctx: NodeContext, sinceInput: number): (ins: (OTensor | undefined)[]) => number[] | undefined {
  if (ctx.opset < sinceInput) {
    const a = ctx.ints('axes');
    return () => a;
  }
  const c = constInts(ctx, 1);
  if (c) return () => c;
  return (ins) => (ins[1] === undefined ? undefined : toInts(ins[1], `${ctx.label} axes`));
}

/** UNSUPPORTED when the model's opset predates the operator (it is not an operator of that opset). */
export function requireOpset(ctx: NodeContext, since: number): void {
  if (ctx.opset < since) {
    throw ctx.error('UNSUPPORTED', `operator '${ctx.node.opType}' exists from opset ${since}; the model imports opset ${ctx.opset}`);
  }
}

/** The single value of a scalar or one-element tensor (as a number, bigint for int64). */
export function scalarOf(ctx: NodeContext, t: OTensor, what: string): number | bigint {
  if (t.data.length !== 1) throw ctx.error('SHAPE_MISMATCH', `${what} must hold one element, got shape ${fmtShape(t.shape)}`);
  return t.data[0];
}
