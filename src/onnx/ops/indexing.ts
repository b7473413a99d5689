/**
 * Index operators: GatherElements, GatherND, ScatterElements (and the deprecated Scatter of opsets
 * 9-10), ScatterND, NonZero, OneHot, Trilu, Compress, EyeLike, ReverseSequence and CastLike.
 * Every element type of the executor where the spec allows it; indices may be negative (counting
 * from the end of their axis) where the spec says so, and an index outside its axis is
 * INVALID_INPUT naming the index and the axis size (OneHot excepted: the spec gives such an index
 * an all-off row).
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext } from '../node.js';
import { DT, dtName } from '../proto.js';
import { alloc, NUMERIC, numelOf, odtypeOf, sameShape, type ODType, type OTensor } from '../values.js';
import { castTensor } from './layout.js';
import { copyPicked, normAxis, requireDtype, requireOpset, scalarOf, stridesOf, walkStrided, type Elems, type OpFactory } from './util.js';

/** Element types of GatherElements / ScatterElements indices (GatherND / ScatterND: int64 only). */
const INDEX_TYPES: readonly ODType[] = ['int64', 'int32'];
const INT64: readonly ODType[] = ['int64'];
const BOOL: readonly ODType[] = ['bool'];

/**
 * `index` (an element of an indices tensor) as a position on axis `axis` of size `dim`: negative
 * counts from the end; outside [-dim, dim) is INVALID_INPUT naming the index as given.
 */
function normIndex(ctx: NodeContext, index: number | bigint, dim: number, axis: number): number {
  // exact up to 2^53; beyond, Number() stays beyond any axis size
  const i = Number(index);
  if (!(i >= -dim && i < dim)) {
    const range = dim === 0 ? 'the axis is empty' : `expected ${-dim} to ${dim - 1}`;
    throw ctx.error('INVALID_INPUT', `index ${index} is out of range for axis ${axis} of size ${dim} (${range})`);
  }
  return i < 0 ? i + dim : i;
}

/** The elements of `indices` (of an INDEX_TYPES type) as positions on axis `axis` of size `dim`. */
function axisIndices(ctx: NodeContext, indices: OTensor, dim: number, axis: number): Int32Array {
  const src = indices.data as Elems;
  const idx = new Int32Array(src.length);
  for (let k = 0; k < src.length; k++) idx[k] = normIndex(ctx, src[k], dim, axis);
  return idx;
}

function requireRank(ctx: NodeContext, t: OTensor, what: string, min: number): void {
  if (t.shape.length < min) throw ctx.error('SHAPE_MISMATCH', `${what} must have rank >= ${min}, got shape ${fmtShape(t.shape)}`);
}

/**
 * GatherElements / ScatterElements: `indices` has the rank of `data` and, on every axis but
 * `axis`, no more elements than data (its positions there index data directly).
 */
function checkElementIndices(ctx: NodeContext, indices: readonly number[], data: readonly number[], axis: number): void {
  if (indices.length !== data.length) {
    throw ctx.error('SHAPE_MISMATCH', `indices of shape ${fmtShape(indices)} must have the rank of data ${fmtShape(data)}`);
  }
  for (let d = 0; d < data.length; d++) {
    if (d !== axis && indices[d] > data[d]) {
      throw ctx.error('SHAPE_MISMATCH', `indices of shape ${fmtShape(indices)} exceed data ${fmtShape(data)} on axis ${d} (${indices[d]} > ${data[d]})`);
    }
  }
}

/** A copy of `x` (its own array, of x's type and shape): what the scatters write into. */
function copyOf(ctx: NodeContext, x: OTensor): OTensor {
  const out = alloc(x.dtype, x.shape.slice(), ctx.label);
  (out.data as Float32Array).set(x.data as Float32Array);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gathers

const gatherElements: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly(['axis']);
  const axisAttr = ctx.int('axis', 0);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const ind = ctx.input(ins, 1, 'indices');
    requireDtype(ctx, ind, 'indices', INDEX_TYPES);
    requireRank(ctx, x, 'data', 1);
    const axis = normAxis(ctx, axisAttr, x.shape.length);
    checkElementIndices(ctx, ind.shape, x.shape, axis);
    const idx = axisIndices(ctx, ind, x.shape[axis], axis);
    const out = alloc(x.dtype, ind.shape.slice(), ctx.label);
    const strides = stridesOf(x.shape);
    const step = strides[axis];
    // data offset of an indices position: its own index on every axis but `axis`
    const around = strides.map((s, d) => (d === axis ? 0 : s));
    const src = x.data as Elems;
    const dst = out.data as Elems;
    walkStrided(ind.shape, [around], (o, off) => {
      dst[o] = src[off[0] + idx[o] * step];
    });
    return [out];
  };
};

/**
 * The element offsets in `data` that GatherND / ScatterND address: one per index tuple (the last
 * axis of `indices` holds the k-tuples), after `batch` leading axes shared by both. Also checks
 * the shapes the two have in common.
 */
function tupleOffsets(ctx: NodeContext, x: OTensor, ind: OTensor, batch: number): { offsets: Float64Array; k: number } {
  requireDtype(ctx, ind, 'indices', INT64);
  requireRank(ctx, x, 'data', 1);
  requireRank(ctx, ind, 'indices', 1);
  const r = x.shape.length;
  const q = ind.shape.length;
  if (batch >= Math.min(q, r)) {
    throw ctx.error('SHAPE_MISMATCH', `batch_dims ${batch} must be less than the ranks of data ${fmtShape(x.shape)} and indices ${fmtShape(ind.shape)}`);
  }
  for (let d = 0; d < batch; d++) {
    if (x.shape[d] !== ind.shape[d]) {
      throw ctx.error('SHAPE_MISMATCH', `the first ${batch} (batch_dims) axes of data ${fmtShape(x.shape)} and indices ${fmtShape(ind.shape)} must be equal`);
    }
  }
  const k = ind.shape[q - 1];
  if (!(k >= 1 && k <= r - batch)) {
    throw ctx.error('SHAPE_MISMATCH', `the last axis of indices ${fmtShape(ind.shape)} must be 1 to ${r - batch} (the rank of data ${fmtShape(x.shape)} less batch_dims ${batch}), got ${k}`);
  }
  const strides = stridesOf(x.shape);
  const batchSize = batch === 0 ? numelOf(x.shape) : strides[batch - 1];
  const tuples = numelOf(ind.shape.slice(0, q - 1));
  const perBatch = numelOf(ind.shape.slice(batch, q - 1));
  const src = ind.data as BigInt64Array;
  const offsets = new Float64Array(tuples);
  for (let t = 0; t < tuples; t++) {
    let off = Math.floor(t / perBatch) * batchSize;
    for (let j = 0; j < k; j++) {
      const a = batch + j;
      off += normIndex(ctx, src[t * k + j], x.shape[a], a) * strides[a];
    }
    offsets[t] = off;
  }
  return { offsets, k };
}

const gatherND: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly(ctx.opset >= 12 ? ['batch_dims'] : []);
  const batch = ctx.int('batch_dims', 0);
  if (!(batch >= 0)) throw ctx.error('INVALID_FORMAT', `attribute 'batch_dims' must be >= 0, got ${batch}`);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const ind = ctx.input(ins, 1, 'indices');
    const { offsets, k } = tupleOffsets(ctx, x, ind, batch);
    const inner = x.shape.slice(batch + k);
    const out = alloc(x.dtype, [...ind.shape.slice(0, -1), ...inner], ctx.label);
    const slice = numelOf(inner);
    const src = x.data as Float32Array;
    const dst = out.data as Float32Array;
    for (let t = 0; t < offsets.length; t++) dst.set(src.subarray(offsets[t], offsets[t] + slice), t * slice);
    return [out];
  };
};

// ---------------------------------------------------------------------------------------------
// Scatters

type Reduction = 'none' | 'add' | 'mul' | 'max' | 'min';
/** How an update combines with the value it lands on (the typed array's store wraps integers). */
type Combine = (a: number | bigint, b: number | bigint) => number | bigint;

/**
 * The `reduction` attribute of ScatterElements / ScatterND: from opset 16 (none, add, mul), max and
 * min from 18.
 */
function reductionOf(ctx: NodeContext): Reduction {
  const r = ctx.string('reduction', 'none');
  const known: Record<string, number> = { none: 16, add: 16, mul: 16, max: 18, min: 18 };
  const since = known[r];
  if (since === undefined) throw ctx.error('INVALID_FORMAT', `attribute 'reduction' must be none, add, mul, max or min, got '${r}'`);
  if (ctx.opset < since) throw ctx.error('UNSUPPORTED', `attribute 'reduction' = '${r}' exists from opset ${since}`);
  return r as Reduction;
}

/**
 * The reduction on elements of `dtype`, undefined for 'none' (the update replaces the value).
 * bool: add and max are or, mul and min are and (numpy's rules; onnxruntime does add and mul so
 * and has no bool max / min).
 * Floats: max / min of a NaN is NaN, as the Max and Min operators; int32 products through
 * Math.imul (exact modulo 2^32), the narrower ones exact before the store wraps them.
 */
function combiner(dtype: ODType, reduction: Reduction): Combine | undefined {
  if (reduction === 'none') return undefined;
  if (dtype === 'bool') {
    return reduction === 'add' || reduction === 'max' ? (a, b) => (a as number) | (b as number) : (a, b) => (a as number) & (b as number);
  }
  if (dtype === 'int64') {
    switch (reduction) {
      case 'add': return (a, b) => (a as bigint) + (b as bigint);
      case 'mul': return (a, b) => (a as bigint) * (b as bigint);
      case 'max': return (a, b) => (b > a ? b : a);
      case 'min': return (a, b) => (b < a ? b : a);
    }
  }
  switch (reduction) {
    case 'add': return (a, b) => (a as number) + (b as number);
    case 'mul': return dtype === 'int32' ? (a, b) => Math.imul(a as number, b as number) : (a, b) => (a as number) * (b as number);
    case 'max': return (a, b) => (b > a || Number.isNaN(b) ? b : a);
    case 'min': return (a, b) => (b < a || Number.isNaN(b) ? b : a);
  }
}

function requireUpdatesType(ctx: NodeContext, x: OTensor, upd: OTensor): void {
  if (upd.dtype !== x.dtype) throw ctx.error('DTYPE_MISMATCH', `updates must have the element type of data (${x.dtype}), got ${upd.dtype}`);
}

/**
 * ScatterElements, and Scatter (its opset 9-10 name, deprecated from 11: ScatterElements
 * replaced it, and onnxruntime runs it at opsets 9 and 10 only).
 */
function scatterElementsOp(deprecated: boolean): OpFactory {
  return (ctx) => {
    if (deprecated) {
      requireOpset(ctx, 9);
      if (ctx.opset >= 11) {
        throw ctx.error('UNSUPPORTED', `operator 'Scatter' is deprecated from opset 11 (ScatterElements replaces it); the model imports opset ${ctx.opset}`);
      }
    } else requireOpset(ctx, 11);
    ctx.allowOnly(!deprecated && ctx.opset >= 16 ? ['axis', 'reduction'] : ['axis']);
    const axisAttr = ctx.int('axis', 0);
    const reduction = deprecated || ctx.opset < 16 ? 'none' : reductionOf(ctx);
    return (ins) => {
      const x = ctx.input(ins, 0, 'data');
      const ind = ctx.input(ins, 1, 'indices');
      const upd = ctx.input(ins, 2, 'updates');
      requireDtype(ctx, ind, 'indices', INDEX_TYPES);
      requireUpdatesType(ctx, x, upd);
      requireRank(ctx, x, 'data', 1);
      const axis = normAxis(ctx, axisAttr, x.shape.length);
      if (!sameShape(upd.shape, ind.shape)) {
        throw ctx.error('SHAPE_MISMATCH', `updates of shape ${fmtShape(upd.shape)} must have the shape of indices ${fmtShape(ind.shape)}`);
      }
      checkElementIndices(ctx, ind.shape, x.shape, axis);
      const idx = axisIndices(ctx, ind, x.shape[axis], axis);
      const out = copyOf(ctx, x);
      const combine = combiner(x.dtype, reduction);
      const strides = stridesOf(x.shape);
      const step = strides[axis];
      const around = strides.map((s, d) => (d === axis ? 0 : s));
      const src = upd.data as Elems;
      const dst = out.data as Elems;
      // In the order of the updates, so that with reduction 'none' a repeated index keeps the
      // last update (the spec leaves it undefined; onnxruntime does the same).
      walkStrided(ind.shape, [around], (o, off) => {
        const p = off[0] + idx[o] * step;
        dst[p] = combine === undefined ? src[o] : combine(dst[p], src[o]);
      });
      return [out];
    };
  };
}

const scatterND: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly(ctx.opset >= 16 ? ['reduction'] : []);
  const reduction = ctx.opset < 16 ? 'none' : reductionOf(ctx);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const ind = ctx.input(ins, 1, 'indices');
    const upd = ctx.input(ins, 2, 'updates');
    requireUpdatesType(ctx, x, upd);
    const { offsets, k } = tupleOffsets(ctx, x, ind, 0);
    const inner = x.shape.slice(k);
    const want = [...ind.shape.slice(0, -1), ...inner];
    if (!sameShape(upd.shape, want)) {
      throw ctx.error('SHAPE_MISMATCH', `updates must have shape ${fmtShape(want)} (indices.shape[:-1] + data.shape[${k}:]), got ${fmtShape(upd.shape)}`);
    }
    const out = copyOf(ctx, x);
    const combine = combiner(x.dtype, reduction);
    const slice = numelOf(inner);
    const src = upd.data as Elems;
    const dst = out.data as Elems;
    for (let t = 0; t < offsets.length; t++) {
      const at = offsets[t];
      const from = t * slice;
      if (combine === undefined) (dst as Float32Array).set((src as Float32Array).subarray(from, from + slice), at);
      else for (let e = 0; e < slice; e++) dst[at + e] = combine(dst[at + e], src[from + e]);
    }
    return [out];
  };
};

// ---------------------------------------------------------------------------------------------
// Selections

/**
 * The positions of the nonzero elements (NaN is nonzero, -0 zero), row-major: int64 of shape
 * [rank, count]. A scalar gives [0, count], as the spec says (onnxruntime gives [1, count]).
 */
const nonZero: OpFactory = (ctx) => {
  requireOpset(ctx, 9);
  ctx.allowOnly([]);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const n = x.data.length;
    const hits: number[] = [];
    if (x.dtype === 'int64') {
      const src = x.data as BigInt64Array;
      for (let i = 0; i < n; i++) if (src[i] !== 0n) hits.push(i);
    } else {
      const src = x.data as Float32Array;
      for (let i = 0; i < n; i++) if (src[i] !== 0) hits.push(i);
    }
    const r = x.shape.length;
    const count = hits.length;
    const out = alloc('int64', [r, count], ctx.label);
    const dst = out.data as BigInt64Array;
    for (let c = 0; c < count; c++) {
      let rest = hits[c];
      for (let d = r - 1; d >= 0; d--) {
        dst[d * count + c] = BigInt(rest % x.shape[d]);
        rest = Math.floor(rest / x.shape[d]);
      }
    }
    return [out];
  };
};

const compress: OpFactory = (ctx) => {
  requireOpset(ctx, 9);
  ctx.allowOnly(['axis']);
  const axisAttr = ctx.int('axis');
  if (axisAttr !== undefined && axisAttr < 0 && ctx.opset < 11) {
    throw ctx.error('INVALID_FORMAT', `attribute 'axis' must be >= 0 before opset 11, got ${axisAttr}`);
  }
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const cond = ctx.input(ins, 1, 'condition');
    requireDtype(ctx, cond, 'condition', BOOL);
    requireRank(ctx, x, 'input', 1);
    if (cond.shape.length !== 1) throw ctx.error('SHAPE_MISMATCH', `condition must have rank 1, got shape ${fmtShape(cond.shape)}`);
    const axis = axisAttr === undefined ? undefined : normAxis(ctx, axisAttr, x.shape.length);
    const len = axis === undefined ? x.data.length : x.shape[axis];
    const c = cond.data as Uint8Array;
    // A shorter condition drops the rest of the axis; a longer one may only add false entries
    // (numpy.compress, which the spec follows, fails on a true one; onnxruntime ignores them).
    const picked: number[] = [];
    for (let i = 0; i < c.length; i++) {
      if (!c[i]) continue;
      if (i >= len) {
        const where = axis === undefined ? `the flattened input of ${len} elements` : `axis ${axis} of size ${len}`;
        throw ctx.error('INVALID_INPUT', `condition[${i}] is true beyond ${where} (input ${fmtShape(x.shape)})`);
      }
      picked.push(i);
    }
    const shape = axis === undefined ? [picked.length] : x.shape.map((d, i) => (i === axis ? picked.length : d));
    const out = alloc(x.dtype, shape, ctx.label);
    const a = axis ?? 0;
    const inner = axis === undefined ? 1 : numelOf(x.shape.slice(a + 1));
    const outer = axis === undefined ? 1 : numelOf(x.shape.slice(0, a));
    copyPicked(x.data, out.data, outer, len, inner, picked);
    return [out];
  };
};

// ---------------------------------------------------------------------------------------------
// Made from shapes and positions

/**
 * One-hot rows: output[..., d, ...] (d on the new axis `axis`) is values[1] where the index is d,
 * else values[0]. Float indices and depth are truncated to integers (the spec's cast to int64).
 * An index outside [0, depth) (from opset 11: [-depth, depth), negative counting from the end)
 * gives a row of values[0], as the spec says: no error.
 */
const oneHot: OpFactory = (ctx) => {
  requireOpset(ctx, 9);
  ctx.allowOnly(['axis']);
  const axisAttr = ctx.int('axis', -1);
  const negativeIndices = ctx.opset >= 11;
  return (ins) => {
    const ind = ctx.input(ins, 0, 'indices');
    const depthT = ctx.input(ins, 1, 'depth');
    const values = ctx.input(ins, 2, 'values');
    requireDtype(ctx, ind, 'indices', NUMERIC);
    // rank >= 1: ONNX's shape inference of OneHot requires it (onnxruntime rejects a scalar so)
    requireRank(ctx, ind, 'indices', 1);
    requireDtype(ctx, depthT, 'depth', NUMERIC);
    if (depthT.shape.length > 1) throw ctx.error('SHAPE_MISMATCH', `depth must be a scalar or hold one element in rank 1, got shape ${fmtShape(depthT.shape)}`);
    const depth = Math.trunc(Number(scalarOf(ctx, depthT, 'depth')));
    if (!(depth >= 1)) throw ctx.error('INVALID_INPUT', `depth must be >= 1, got ${Number(scalarOf(ctx, depthT, 'depth'))}`);
    if (values.shape.length !== 1 || values.shape[0] !== 2) {
      throw ctx.error('SHAPE_MISMATCH', `values must be [off_value, on_value] of shape [2], got shape ${fmtShape(values.shape)}`);
    }
    const r = ind.shape.length;
    if (!(axisAttr >= -r - 1 && axisAttr <= r)) throw ctx.error('INVALID_INPUT', `axis ${axisAttr} is out of range for indices of rank ${r} (expected ${-r - 1} to ${r})`);
    const axis = axisAttr < 0 ? axisAttr + r + 1 : axisAttr;
    const shape = [...ind.shape.slice(0, axis), depth, ...ind.shape.slice(axis)];
    const out = alloc(values.dtype, shape, ctx.label);
    const [off, on] = [values.data[0], values.data[1]];
    (out.data as unknown as { fill(v: unknown): void }).fill(off);
    const src = ind.data as Elems;
    const dst = out.data as Elems;
    const inner = numelOf(ind.shape.slice(axis));
    for (let p = 0; p < src.length; p++) {
      let i = Math.trunc(Number(src[p])); // NaN stays NaN: no row
      if (i < 0 && negativeIndices) i += depth;
      if (!(i >= 0 && i < depth)) continue;
      const outer = Math.floor(p / inner);
      dst[(outer * depth + i) * inner + (p % inner)] = on;
    }
    return [out];
  };
};

/**
 * The upper (j - i >= k) or lower (j - i <= k) triangle of every matrix of the last two axes,
 * zeros elsewhere; k is input 1 (default 0).
 */
const trilu: OpFactory = (ctx) => {
  requireOpset(ctx, 14);
  ctx.allowOnly(['upper']);
  const upperAttr = ctx.int('upper', 1);
  if (upperAttr !== 0 && upperAttr !== 1) throw ctx.error('INVALID_FORMAT', `attribute 'upper' must be 0 or 1, got ${upperAttr}`);
  const upper = upperAttr === 1;
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    requireRank(ctx, x, 'input', 2);
    let k = 0;
    const kT = ins[1];
    if (kT !== undefined) {
      requireDtype(ctx, kT, 'k', INT64);
      k = Number(scalarOf(ctx, kT, 'k'));
    }
    const r = x.shape.length;
    const rows = x.shape[r - 2];
    const cols = x.shape[r - 1];
    const out = alloc(x.dtype, x.shape.slice(), ctx.label);
    const src = x.data as Float32Array;
    const dst = out.data as Float32Array;
    const matrices = numelOf(x.shape.slice(0, r - 2));
    for (let m = 0; m < matrices; m++) {
      for (let i = 0; i < rows; i++) {
        // the kept columns of row i: [from, to); the rest stays zero
        const from = upper ? Math.min(cols, Math.max(0, i + k)) : 0;
        const to = upper ? cols : Math.min(cols, Math.max(0, i + k + 1));
        const row = (m * rows + i) * cols;
        if (to > from) dst.set(src.subarray(row + from, row + to), row + from);
      }
    }
    return [out];
  };
};

/** Output types EyeLike's `dtype` names (opsets 9-21: bfloat16 arrives in 22). */
const EYE_TYPES: readonly number[] = [DT.FLOAT16, DT.FLOAT, DT.DOUBLE, DT.INT8, DT.INT16, DT.INT32, DT.INT64, DT.UINT8, DT.UINT16, DT.UINT32, DT.UINT64, DT.BOOL];

/** A matrix of the input's shape, ones on diagonal k (output[i][i + k]), zeros elsewhere. */
const eyeLike: OpFactory = (ctx) => {
  requireOpset(ctx, 9);
  ctx.allowOnly(['dtype', 'k']);
  const k = ctx.int('k', 0);
  const dtypeAttr = ctx.int('dtype');
  let dtype: ODType | undefined;
  if (dtypeAttr !== undefined) {
    dtype = EYE_TYPES.includes(dtypeAttr) ? odtypeOf(dtypeAttr) : undefined;
    if (dtype === undefined) throw ctx.error('UNSUPPORTED', `attribute 'dtype' = ${dtName(dtypeAttr)} is not supported (an EyeLike output type of opsets 9-21 that the executor holds)`);
  }
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    if (x.shape.length !== 2) throw ctx.error('SHAPE_MISMATCH', `input must have rank 2, got shape ${fmtShape(x.shape)}`);
    const [rows, cols] = x.shape;
    const out = alloc(dtype ?? x.dtype, [rows, cols], ctx.label);
    const one = out.dtype === 'int64' ? 1n : 1;
    const dst = out.data as Elems;
    for (let i = Math.max(0, -k); i < rows && i + k < cols; i++) dst[i * cols + i + k] = one;
    return [out];
  };
};

/**
 * Reverses the first sequence_lens[b] steps of every batch entry b along the time axis (axes 0
 * and 1, either way round); the steps after them are copied as they are.
 */
const reverseSequence: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  ctx.allowOnly(['batch_axis', 'time_axis']);
  const batchAxis = ctx.int('batch_axis', 1);
  const timeAxis = ctx.int('time_axis', 0);
  if (!((batchAxis === 0 && timeAxis === 1) || (batchAxis === 1 && timeAxis === 0))) {
    throw ctx.error('INVALID_FORMAT', `attributes 'batch_axis' and 'time_axis' must be 0 and 1 in either order, got ${batchAxis} and ${timeAxis}`);
  }
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const lensT = ctx.input(ins, 1, 'sequence_lens');
    requireRank(ctx, x, 'input', 2);
    requireDtype(ctx, lensT, 'sequence_lens', INT64);
    const batch = x.shape[batchAxis];
    const steps = x.shape[timeAxis];
    if (lensT.shape.length !== 1 || lensT.shape[0] !== batch) {
      throw ctx.error('SHAPE_MISMATCH', `sequence_lens must have shape [${batch}] (axis ${batchAxis} of input ${fmtShape(x.shape)}), got ${fmtShape(lensT.shape)}`);
    }
    const lens = Array.from(lensT.data as BigInt64Array, (l, b) => {
      const n = Number(l);
      if (!(n >= 0 && n <= steps)) throw ctx.error('INVALID_INPUT', `sequence_lens[${b}] = ${l} is out of range for time axis ${timeAxis} of size ${steps} (expected 0 to ${steps})`);
      return n;
    });
    const out = alloc(x.dtype, x.shape.slice(), ctx.label);
    const inner = numelOf(x.shape.slice(2));
    const at = (b: number, t: number) => (batchAxis === 0 ? b * steps + t : t * batch + b) * inner;
    const src = x.data as Float32Array;
    const dst = out.data as Float32Array;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < steps; t++) {
        const from = at(b, t < lens[b] ? lens[b] - 1 - t : t);
        dst.set(src.subarray(from, from + inner), at(b, t));
      }
    }
    return [out];
  };
};

/**
 * Cast to the element type of input 1 (Cast's rules, ops/layout.ts). A target held as another
 * type (double, float16, bfloat16 as float32; uint32, uint64 as int64) casts to that type.
 */
const castLike: OpFactory = (ctx) => {
  requireOpset(ctx, 15);
  // saturate (19) concerns float8 targets only, which the executor does not hold
  ctx.allowOnly(ctx.opset >= 19 ? ['saturate'] : []);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const like = ctx.input(ins, 1, 'target_type');
    return [castTensor(x, like.dtype)];
  };
};

export const INDEXING_OPS: Record<string, OpFactory> = {
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterElements: scatterElementsOp(false),
  Scatter: scatterElementsOp(true),
  ScatterND: scatterND,
  NonZero: nonZero,
  Compress: compress,
  OneHot: oneHot,
  Trilu: trilu,
  EyeLike: eyeLike,
  ReverseSequence: reverseSequence,
  CastLike: castLike,
};
