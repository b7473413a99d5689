/**
 * Values and their layout: Constant, ConstantOfShape, Identity, Dropout (inference), Shape,
 * Gather, Slice, Squeeze, Unsqueeze, Concat, Reshape, Flatten, Transpose, Expand, Cast: the
 * operators torch.onnx.export writes around recurrent layers.
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext } from '../node.js';
import { DT } from '../proto.js';
import { alloc, allocData, i64, numelOf, odtypeOf, sameShape, toInts, type OData, type ODType, type OTensor } from '../values.js';
import {
  allocLike, axesInputOrAttr, broadcastShapes, copyPicked, expandTo, normAxis, sameDtype, scalarOf, stridesOf, walkStrided, type OpFactory,
} from './util.js';

/** Transposes data of `shape` by `perm`. */
export function transposeData(data: OData, shape: readonly number[], perm: readonly number[]): OData {
  const outShape = perm.map((p) => shape[p]);
  const n = numelOf(shape);
  const out = allocLike(data, n);
  const inStr = stridesOf(shape);
  const sp = perm.map((p) => inStr[p]);
  const src = data as unknown as { [i: number]: unknown };
  const dst = out as unknown as { [i: number]: unknown };
  walkStrided(outShape, [sp], (o, off) => (dst[o] = src[off[0]]));
  return out;
}



/** Its input, of any kind: a tensor, a sequence or an optional (opset 14 and 16 widened the type). */
export const identity: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  ctx.outputKinds = [ctx.inputKinds[0] ?? 'tensor'];
  return (ins) => [ctx.input(ins, 0, 'input')];
};
identity.takesNonTensors = true;

/**
 * Dropout as inference runs it: the data unchanged and a mask of ones. In training mode
 * (training_mode input, opset 12 on) it drops values at random, which only a ratio of 0 does not:
 * then it is the same identity (scale 1 / (1 - 0), nothing dropped). Models exported in training
 * mode with dropout 0 have it (torch 1.13 exports a TransformerEncoderLayer only in training mode).
 */
const dropout: OpFactory = (ctx) => {
  ctx.allowOnly(['ratio', 'is_test', 'seed']);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const training = ins[2];
    if (training !== undefined && training.data.length > 0 && Boolean(training.data[0])) {
      const ratio = ins[1] === undefined ? 0.5 : Number(scalarOf(ctx, ins[1], 'ratio'));
      if (ratio !== 0) throw ctx.error('UNSUPPORTED', `training_mode=true with ratio ${ratio} drops values at random; only ratio 0 (nothing dropped) is supported`);
    }
    // The mask is bool from opset 10, of the input's type before.
    const mask = alloc(ctx.opset < 10 ? x.dtype : 'bool', x.shape.slice(), ctx.label);
    (mask.data as unknown as { fill(v: unknown): void }).fill(mask.dtype === 'int64' ? 1n : 1);
    return [x, mask];
  };
};

export const constant: OpFactory = (ctx) => {
  ctx.allowOnly(['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings']);
  let v: OTensor;
  if (ctx.has('value')) v = ctx.tensor('value')!;
  else if (ctx.has('value_float')) v = { dtype: 'float32', data: new Float32Array([ctx.float('value_float')!]), shape: [] };
  else if (ctx.has('value_floats')) {
    const f = ctx.floats('value_floats')!;
    v = { dtype: 'float32', data: new Float32Array(f), shape: [f.length] };
  } else if (ctx.has('value_int')) v = i64([ctx.int('value_int')!], []);
  else if (ctx.has('value_ints')) v = i64(ctx.ints('value_ints')!);
  else if (ctx.has('sparse_value') || ctx.has('value_string') || ctx.has('value_strings')) {
    throw ctx.error('UNSUPPORTED', 'sparse and string constants are not supported');
  } else throw ctx.error('INVALID_FORMAT', 'Constant has no value attribute');
  return () => [v];
};

export const constantOfShape: OpFactory = (ctx) => {
  ctx.allowOnly(['value']);
  const v = ctx.tensor('value') ?? { dtype: 'float32', data: new Float32Array(1), shape: [1] };
  if (v.data.length !== 1) throw ctx.error('INVALID_FORMAT', "attribute 'value' must hold exactly one element");
  return (ins) => {
    const shape = toInts(ctx.input(ins, 0, 'input'), ctx.label);
    if (shape.some((d) => d < 0)) throw ctx.error('INVALID_INPUT', `negative dimension in shape ${fmtShape(shape)}`);
    const out = alloc(v.dtype, shape, ctx.label);
    // a new array is all zeros already: filling a large one with 0 (the default value) would only
    // cost time (+0 only: a -0.0 value must be written)
    const value = v.data[0];
    if (!(value === 0n || Object.is(value, 0))) (out.data as unknown as { fill(x: unknown): void }).fill(value);
    return [out];
  };
};

export const shapeOp: OpFactory = (ctx) => {
  ctx.allowOnly(['start', 'end']);
  const start = ctx.int('start', 0);
  const end = ctx.int('end');
  return (ins) => {
    const s = ctx.input(ins, 0, 'data').shape;
    const r = s.length;
    const clamp = (x: number) => Math.min(r, Math.max(0, x < 0 ? x + r : x));
    return [i64(s.slice(clamp(start), end === undefined ? r : clamp(end)))];
  };
};

export const gather: OpFactory = (ctx) => {
  ctx.allowOnly(['axis']);
  const axisAttr = ctx.int('axis', 0);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const ind = ctx.input(ins, 1, 'indices');
    const axis = normAxis(ctx, axisAttr, x.shape.length);
    const idx = toInts(ind, `${ctx.label} indices`);
    const dim = x.shape[axis];
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      if (i < -dim || i >= dim) throw ctx.error('INVALID_INPUT', `index ${i} is out of range for axis ${axis} of size ${dim}`);
      if (i < 0) idx[k] = i + dim;
    }
    const outer = numelOf(x.shape.slice(0, axis));
    const inner = numelOf(x.shape.slice(axis + 1));
    const shape = [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)];
    const out = alloc(x.dtype, shape, ctx.label);
    copyPicked(x.data, out.data, outer, dim, inner, idx);
    return [out];
  };
};

function sliceImpl(ctx: NodeContext, x: OTensor, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined): OTensor {
  const r = x.shape.length;
  if (ends.length !== starts.length) throw ctx.error('INVALID_INPUT', 'starts and ends have different lengths');
  const ax = axes ?? starts.map((_, i) => i);
  if (ax.length !== starts.length || (steps && steps.length !== starts.length)) {
    throw ctx.error('INVALID_INPUT', 'starts, ends, axes and steps must have the same length');
  }
  const begin = new Array<number>(r).fill(0);
  const step = new Array<number>(r).fill(1);
  const shape = x.shape.slice();
  const seen = new Array<boolean>(r).fill(false);
  for (let k = 0; k < ax.length; k++) {
    const a = normAxis(ctx, ax[k], r);
    if (seen[a]) throw ctx.error('INVALID_INPUT', `axis ${a} repeated`);
    seen[a] = true;
    const dim = x.shape[a];
    const st = steps ? steps[k] : 1;
    if (st === 0) throw ctx.error('INVALID_INPUT', 'slice step 0');
    let s = starts[k];
    let e = ends[k];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      shape[a] = Math.max(0, Math.ceil((e - s) / st));
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      shape[a] = Math.max(0, Math.ceil((e - s) / st));
    }
    begin[a] = s;
    step[a] = st;
  }
  // Everything, in order (Silero's first STFT slice): the tensor as it is.
  if (begin.every((b) => b === 0) && step.every((st) => st === 1) && sameShape(shape, x.shape)) return x;
  const str = stridesOf(x.shape);
  let ii = 0;
  for (let d = 0; d < r; d++) ii += begin[d] * str[d];
  // One contiguous run of x (outer axes down to one element, then a range of one axis with step
  // 1, the inner axes whole: the gate blocks Silero slices out of its LSTM weights): a view of
  // x's data, no copy. (Kernels never write their inputs; OnnxModel.run copies an output that
  // shares a buffer with a constant or an input.)
  if (r > 0 && contiguousRun(shape, x.shape, begin, step)) {
    const n = numelOf(shape);
    if (n > 0) return { dtype: x.dtype, data: x.data.subarray(ii, ii + n) as OData, shape };
  }
  const out = alloc(x.dtype, shape, ctx.label);
  const n = out.data.length;
  if (n === 0) return out;
  if (r === 0) {
    out.data[0] = x.data[0];
    return out;
  }
  // Axes at the end that are taken whole (start 0, step 1) join into one contiguous run with
  // the axis before them when its step is 1; an odometer walks the axes before the run.
  let d = r - 1;
  let run = 1;
  while (d >= 0 && begin[d] === 0 && step[d] === 1 && shape[d] === x.shape[d]) run *= shape[d--];
  let blocks = 1; // contiguous runs per odometer position
  let blockStride = 0;
  if (d >= 0) {
    if (step[d] === 1) run *= shape[d];
    else {
      blocks = shape[d];
      blockStride = step[d] * str[d];
    }
    d--;
  }
  const src = x.data;
  const dst = out.data;
  const idx = new Array<number>(d + 1).fill(0);
  for (let o = 0; o < n; ) {
    if (run === 1) {
      copyStrided(src, ii, blockStride, dst, o, blocks);
      o += blocks;
    } else {
      for (let b = 0, from = ii; b < blocks; b++, from += blockStride, o += run) dst.set(src.subarray(from, from + run) as never, o);
    }
    for (let a = d; a >= 0; a--) {
      idx[a]++;
      ii += step[a] * str[a];
      if (idx[a] < shape[a]) break;
      ii -= step[a] * str[a] * shape[a];
      idx[a] = 0;
    }
  }
  return out;
}

/**
 * Whether the slice `begin` / `step` of extents `shape` of a tensor of shape `full` is one
 * contiguous run of its row-major data.
 */
function contiguousRun(shape: readonly number[], full: readonly number[], begin: readonly number[], step: readonly number[]): boolean {
  let a = 0;
  while (a < shape.length && shape[a] === 1) a++;
  if (a < shape.length && step[a] !== 1) return false;
  for (let d = a + 1; d < shape.length; d++) if (begin[d] !== 0 || step[d] !== 1 || shape[d] !== full[d]) return false;
  return true;
}

/** dst[o + k] = src[i + k * stride] for k < len (same element type). */
function copyStrided(src: OData, i: number, stride: number, dst: OData, o: number, len: number): void {
  if (src instanceof Float32Array) {
    const d = dst as Float32Array;
    for (let k = 0; k < len; k++) d[o + k] = src[i + k * stride];
  } else if (src instanceof BigInt64Array) {
    const d = dst as BigInt64Array;
    for (let k = 0; k < len; k++) d[o + k] = src[i + k * stride];
  } else {
    const d = dst as Int32Array | Uint8Array;
    const s = src as Int32Array | Uint8Array;
    for (let k = 0; k < len; k++) d[o + k] = s[i + k * stride];
  }
}

export const slice: OpFactory = (ctx) => {
  if (ctx.opset < 10) {
    ctx.allowOnly(['starts', 'ends', 'axes']);
    const starts = ctx.ints('starts');
    const ends = ctx.ints('ends');
    if (!starts || !ends) throw ctx.error('INVALID_FORMAT', "attributes 'starts' and 'ends' are required before opset 10");
    const axes = ctx.ints('axes');
    return (ins) => [sliceImpl(ctx, ctx.input(ins, 0, 'data'), starts, ends, axes, undefined)];
  }
  ctx.allowOnly([]);
  // starts / ends / axes / steps are constants in exported graphs: the same tensors every call, so
  // their conversion to numbers is kept and reused while the tensor is the same.
  const seen: (OTensor | undefined)[] = [];
  const kept: (number[] | undefined)[] = [];
  const ints = (ins: (OTensor | undefined)[], i: number): number[] | undefined => {
    const t = ins[i];
    if (t === undefined) return undefined;
    if (seen[i] !== t) {
      kept[i] = toInts(t, `${ctx.label} input ${i}`);
      seen[i] = t;
    }
    return kept[i];
  };
  return (ins) => [sliceImpl(ctx, ctx.input(ins, 0, 'data'), ints(ins, 1) ?? [], ints(ins, 2) ?? [], ints(ins, 3), ints(ins, 4))];
};

export const squeeze: OpFactory = (ctx) => {
  ctx.allowOnly(ctx.opset < 13 ? ['axes'] : []);
  const axesOf = axesInputOrAttr(ctx, 13);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const r = x.shape.length;
    const axes = axesOf(ins);
    let keep: number[];
    if (axes === undefined || axes.length === 0) keep = x.shape.filter((d) => d !== 1);
    else {
      const set = new Set(axes.map((a) => normAxis(ctx, a, r)));
      for (const a of set) if (x.shape[a] !== 1) throw ctx.error('SHAPE_MISMATCH', `cannot squeeze axis ${a} of size ${x.shape[a]}`);
      keep = x.shape.filter((_, i) => !set.has(i));
    }
    return [{ ...x, shape: keep }];
  };
};

export const unsqueeze: OpFactory = (ctx) => {
  ctx.allowOnly(ctx.opset < 13 ? ['axes'] : []);
  const axesOf = axesInputOrAttr(ctx, 13);
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const axes = axesOf(ins);
    if (axes === undefined) throw ctx.error('INVALID_FORMAT', 'axes are required');
    const r = x.shape.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(ctx, a, r)));
    if (set.size !== axes.length) throw ctx.error('INVALID_INPUT', 'repeated axes');
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) shape.push(set.has(i) ? 1 : x.shape[j++]);
    return [{ ...x, shape }];
  };
};

export const concat: OpFactory = (ctx) => {
  ctx.allowOnly(['axis']);
  const axisAttr = ctx.int('axis');
  if (axisAttr === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'axis' is required");
  return (ins) => {
    const ts = ins.filter((t): t is OTensor => t !== undefined);
    if (ts.length === 0) throw ctx.error('INVALID_FORMAT', 'no inputs');
    const dtype = sameDtype(ctx, ts);
    const r = ts[0].shape.length;
    const axis = normAxis(ctx, axisAttr, r);
    const shape = ts[0].shape.slice();
    shape[axis] = 0;
    for (const t of ts) {
      if (t.shape.length !== r || t.shape.some((d, i) => i !== axis && d !== ts[0].shape[i])) {
        throw ctx.error('SHAPE_MISMATCH', `cannot concatenate ${fmtShape(ts[0].shape)} and ${fmtShape(t.shape)} along axis ${axis}`);
      }
      shape[axis] += t.shape[axis];
    }
    const out = alloc(dtype, shape, ctx.label);
    const outer = numelOf(shape.slice(0, axis));
    const dst = out.data as Float32Array;
    let o = 0;
    for (let a = 0; a < outer; a++) {
      for (const t of ts) {
        const blk = numelOf(t.shape.slice(axis));
        dst.set((t.data as Float32Array).subarray(a * blk, (a + 1) * blk), o);
        o += blk;
      }
    }
    return [out];
  };
};

export const reshape: OpFactory = (ctx) => {
  ctx.allowOnly(['allowzero']);
  const allowZero = ctx.int('allowzero', 0) === 1;
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const spec = toInts(ctx.input(ins, 1, 'shape'), `${ctx.label} shape`);
    const shape = spec.map((d, i) => (d === 0 && !allowZero ? (i < x.shape.length ? x.shape[i] : NaN) : d));
    const n = x.data.length;
    const neg = shape.filter((d) => d === -1).length;
    if (neg > 1 || shape.some((d) => Number.isNaN(d) || d < -1)) throw ctx.error('INVALID_INPUT', `invalid shape ${fmtShape(spec)}`);
    if (neg === 1) {
      const known = numelOf(shape.filter((d) => d !== -1));
      if (known === 0 || n % known !== 0) throw ctx.error('SHAPE_MISMATCH', `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(spec)}`);
      shape[shape.indexOf(-1)] = n / known;
    }
    if (numelOf(shape) !== n) throw ctx.error('SHAPE_MISMATCH', `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(spec)}`);
    return [{ ...x, shape }];
  };
};

const flatten: OpFactory = (ctx) => {
  ctx.allowOnly(['axis']);
  const axisAttr = ctx.int('axis', 1);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const r = x.shape.length;
    if (axisAttr < -r || axisAttr > r) throw ctx.error('INVALID_INPUT', `axis ${axisAttr} is out of range for rank ${r}`);
    const axis = axisAttr < 0 ? axisAttr + r : axisAttr;
    return [{ ...x, shape: [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))] }];
  };
};

export const transpose: OpFactory = (ctx) => {
  ctx.allowOnly(['perm']);
  const permAttr = ctx.ints('perm');
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    const r = x.shape.length;
    const perm = permAttr ?? x.shape.map((_, i) => r - 1 - i);
    if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => !(p >= 0 && p < r))) {
      throw ctx.error('INVALID_INPUT', `perm ${fmtShape(perm)} is not a permutation of ${r} axes`);
    }
    return [{ dtype: x.dtype, data: transposeData(x.data, x.shape, perm), shape: perm.map((p) => x.shape[p]) }];
  };
};

const expand: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const s = toInts(ctx.input(ins, 1, 'shape'), `${ctx.label} shape`);
    if (s.some((d) => d < 0)) throw ctx.error('INVALID_INPUT', `negative dimension in shape ${fmtShape(s)}`);
    const shape = broadcastShapes(ctx, x.shape, s);
    return [expandTo(ctx, x, shape)];
  };
};

/**
 * Cast between every executor type. To an integer type: floats are truncated toward zero and
 * wrapped modulo 2^bits (NaN and infinities give 0), wider integers wrapped; to bool: nonzero
 * (NaN included) is true. Out-of-range float conversions are undefined in C and differ between
 * onnxruntime builds (x86 wraps through int32, wasm saturates); this is the exact modular rule.
 * A cast to uint32 wraps to [0, 2^32) (uint32 is held as int64).
 */
export const cast: OpFactory = (ctx) => {
  ctx.allowOnly(['to', 'saturate']);
  const to = ctx.int('to');
  if (to === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'to' is required");
  const dtype = odtypeOf(to);
  if (dtype === undefined) throw ctx.error('UNSUPPORTED', `cast to data type ${to} is not supported`);
  const toUint32 = to === DT.UINT32;
  return (ins) => [castTensor(ctx.input(ins, 0, 'input'), dtype, toUint32)];
};

/**
 * `x` converted to `dtype` by Cast's rules (above); `toUint32` wraps the result to [0, 2^32) (a
 * cast to uint32, held as int64). Shared by Cast and CastLike (ops/indexing.ts).
 */
export function castTensor(x: OTensor, dtype: ODType, toUint32 = false): OTensor {
  // To its own type (Silero casts its float STFT halves to float): the values as they are.
  if (x.dtype === dtype && !toUint32) return x;
  const n = x.data.length;
  const out = allocData(dtype, n);
  if (x.dtype === 'int64') {
    const src = x.data as BigInt64Array;
    if (dtype === 'float32') for (let i = 0; i < n; i++) (out as Float32Array)[i] = Number(src[i]);
    else if (dtype === 'bool') for (let i = 0; i < n; i++) (out as Uint8Array)[i] = src[i] !== 0n ? 1 : 0;
    else if (dtype === 'int64') for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = toUint32 ? BigInt.asUintN(32, src[i]) : src[i];
    else for (let i = 0; i < n; i++) (out as Int32Array)[i] = Number(BigInt.asIntN(32, src[i])); // the store wraps narrower types
  } else {
    const src = x.data as Float32Array | Int32Array;
    if (dtype === 'bool') for (let i = 0; i < n; i++) (out as Uint8Array)[i] = src[i] !== 0 ? 1 : 0;
    else if (dtype === 'int64') {
      const dst = out as BigInt64Array;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        const w = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
        dst[i] = toUint32 ? BigInt.asUintN(32, w) : w; // the store wraps to 64 bits
      }
    } else {
      // float32 rounds; an integer array's store is ToInt8 / ToUint16 / ...: truncation toward
      // zero and the modular wrap, 0 for NaN and infinities.
      const dst = out as Float32Array | Int32Array;
      for (let i = 0; i < n; i++) dst[i] = src[i];
    }
  }
  return { dtype, data: out, shape: x.shape.slice() };
}

export const LAYOUT_OPS: Record<string, OpFactory> = {
  Identity: identity,
  Dropout: dropout,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Shape: shapeOp,
  Gather: gather,
  Slice: slice,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Expand: expand,
  Cast: cast,
};
