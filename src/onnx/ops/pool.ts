/**
 * Pooling over the spatial dims of [N, C, D1, ...]: MaxPool (with Indices), AveragePool, LpPool and
 * the global versions. Any number of spatial dims; auto_pad, pads, strides, dilations, ceil_mode,
 * count_include_pad and storage_order as the spec defines them.
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext, NodeFn } from '../node.js';
import { alloc, numelOf, type ODType, type OTensor } from '../values.js';
import { requireDtype, requireFloat, type OpFactory } from './util.js';
import { arenaMaxPool2d } from '../../../bindings/plan-arena.js';

type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

interface PoolAttrs {
  autoPad: AutoPad;
  kernel: number[];
  pads?: number[];
  strides?: number[];
  dilations?: number[];
  ceil: boolean;
}

/** The window attributes every pool has; `ceil_mode` and `dilations` from the given opsets. */
function poolAttrs(ctx: NodeContext, extra: readonly string[], dilationsSince: number, ceilSince = 10): PoolAttrs {
  const names = ['auto_pad', 'kernel_shape', 'pads', 'strides', ...extra];
  if (ctx.opset >= ceilSince) names.push('ceil_mode');
  if (ctx.opset >= dilationsSince) names.push('dilations');
  ctx.allowOnly(names);
  const autoPad = ctx.string('auto_pad', 'NOTSET') as AutoPad;
  if (!AUTO_PADS.includes(autoPad)) throw ctx.error('UNSUPPORTED', `attribute 'auto_pad' = '${autoPad}' is not supported (${AUTO_PADS.join(', ')})`);
  const kernel = ctx.ints('kernel_shape');
  if (kernel === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'kernel_shape' is required");
  if (kernel.some((k) => !(k >= 1))) throw ctx.error('INVALID_FORMAT', `attribute 'kernel_shape' ${fmtShape(kernel)} must be positive`);
  const pads = ctx.ints('pads');
  if (pads !== undefined && autoPad !== 'NOTSET' && pads.some((p) => p !== 0)) {
    throw ctx.error('INVALID_FORMAT', `attribute 'pads' cannot be used with auto_pad=${autoPad}`);
  }
  const ceilMode = ctx.int('ceil_mode', 0);
  if (ceilMode !== 0 && ceilMode !== 1) throw ctx.error('UNSUPPORTED', `attribute 'ceil_mode' = ${ceilMode} is not supported (0 or 1)`);
  return { autoPad, kernel, pads, strides: ctx.ints('strides'), dilations: ctx.ints('dilations'), ceil: ceilMode === 1 };
}

interface Geometry {
  inSp: number[];
  outSp: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

function geometry(ctx: NodeContext, at: PoolAttrs, xShape: readonly number[]): Geometry {
  const k = at.kernel.length;
  if (xShape.length !== k + 2) throw ctx.error('SHAPE_MISMATCH', `input of shape ${fmtShape(xShape)} does not match kernel_shape ${fmtShape(at.kernel)} (expected rank ${k + 2})`);
  const check = (v: number[] | undefined, what: string, len: number, def: number, min: number): number[] => {
    if (v === undefined) return new Array<number>(len).fill(def);
    if (v.length !== len || v.some((x) => !(x >= min))) throw ctx.error('INVALID_FORMAT', `attribute '${what}' ${fmtShape(v)} must hold ${len} values >= ${min}`);
    return v;
  };
  const strides = check(at.strides, 'strides', k, 1, 1);
  const dilations = check(at.dilations, 'dilations', k, 1, 1);
  const pads = check(at.pads, 'pads', 2 * k, 0, 0);
  const inSp = xShape.slice(2);
  const padsBegin = pads.slice(0, k);
  const padsEnd = pads.slice(k);
  const outSp = inSp.map((d, i) => {
    const span = (at.kernel[i] - 1) * dilations[i] + 1;
    const s = strides[i];
    if (at.autoPad === 'SAME_UPPER' || at.autoPad === 'SAME_LOWER') {
      const out = Math.ceil(d / s);
      const total = Math.max(0, (out - 1) * s + span - d);
      const small = Math.floor(total / 2);
      padsBegin[i] = at.autoPad === 'SAME_UPPER' ? small : total - small;
      padsEnd[i] = total - padsBegin[i];
      return out;
    }
    if (at.autoPad === 'VALID') {
      padsBegin[i] = padsEnd[i] = 0;
      return d < span ? 0 : Math.floor((d - span) / s) + 1;
    }
    const room = d + padsBegin[i] + padsEnd[i] - span;
    if (room < 0) throw ctx.error('SHAPE_MISMATCH', `kernel span ${span} is larger than the padded input (${d} + ${padsBegin[i]} + ${padsEnd[i]}) on spatial axis ${i}`);
    let out = (at.ceil ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
    // ceil_mode: a last window that would start in the end padding is dropped.
    if (at.ceil && (out - 1) * s >= d + padsBegin[i]) out--;
    return out;
  });
  return { inSp, outSp, kernel: at.kernel, strides, dilations, padsBegin, padsEnd };
}

/**
 * For spatial axis i and output index o: the input coordinates the window reads (inside the
 * input) and the number of window taps inside input plus explicit padding.
 */
function windows(g: Geometry, i: number): { taps: number[][]; padded: number[] } {
  const taps: number[][] = [];
  const padded: number[] = [];
  for (let o = 0; o < g.outSp[i]; o++) {
    const list: number[] = [];
    let inPad = 0;
    for (let k = 0; k < g.kernel[i]; k++) {
      const p = o * g.strides[i] - g.padsBegin[i] + k * g.dilations[i];
      if (p >= 0 && p < g.inSp[i]) list.push(p);
      if (p >= -g.padsBegin[i] && p < g.inSp[i] + g.padsEnd[i]) inPad++;
    }
    taps.push(list);
    padded.push(inPad);
  }
  return { taps, padded };
}

/**
 * Every output position's window over one (n, c) plane, made once per call and read for every
 * plane: the window of output o is taps[start[o] .. start[o + 1]) (flat plane offsets inside the
 * input, in window order), `padded[o]` its number of taps inside input plus explicit padding.
 */
interface WindowTable {
  start: Int32Array;
  taps: Int32Array;
  padded: Int32Array;
}

function windowTable(g: Geometry): WindowTable {
  const k = g.inSp.length;
  const per = g.inSp.map((_, i) => windows(g, i));
  const inStr = new Array<number>(k);
  for (let i = k - 1, acc = 1; i >= 0; i--) {
    inStr[i] = acc;
    acc *= g.inSp[i];
  }
  const nOut = numelOf(g.outSp);
  const start = new Int32Array(nOut + 1);
  const padded = new Int32Array(nOut);
  const taps: number[] = [];
  const idx = new Array<number>(k).fill(0);
  for (let o = 0; o < nOut; o++) {
    // The window is the product of the per-axis tap lists.
    let offsets = [0];
    let inPad = 1;
    for (let i = 0; i < k; i++) {
      const list = per[i].taps[idx[i]];
      inPad *= per[i].padded[idx[i]];
      const next: number[] = [];
      for (const base of offsets) for (const p of list) next.push(base + p * inStr[i]);
      offsets = next;
    }
    for (const t of offsets) taps.push(t);
    start[o + 1] = taps.length;
    padded[o] = inPad;
    for (let i = k - 1; i >= 0; i--) {
      if (++idx[i] < g.outSp[i]) break;
      idx[i] = 0;
    }
  }
  return { start, taps: Int32Array.from(taps), padded };
}

/**
 * The geometry and window table of a pool's input shape, remembered for the last shape it was
 * asked for (a stream of frames asks for one shape: nothing is made again).
 */
function windowsFor(ctx: NodeContext, at: PoolAttrs): (shape: readonly number[]) => { g: Geometry; table: WindowTable } {
  let key = '';
  let last: { g: Geometry; table: WindowTable } | undefined;
  return (shape) => {
    const k = shape.join(',');
    if (last === undefined || k !== key) {
      const g = geometry(ctx, at, shape);
      last = { g, table: windowTable(g) };
      key = k;
    }
    return last;
  };
}

const maxPool: OpFactory = (ctx) => {
  const at = poolAttrs(ctx, ctx.opset >= 8 ? ['storage_order'] : [], 10);
  const storageOrder = ctx.int('storage_order', 0);
  if (storageOrder !== 0 && storageOrder !== 1) throw ctx.error('UNSUPPORTED', `attribute 'storage_order' = ${storageOrder} is not supported (0 or 1)`);
  const wantIndices = ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '';
  // int8 / uint8 from opset 12 (int32 is accepted too, computed the same way).
  const dtypes: ODType[] = ctx.opset >= 12 ? ['float32', 'int32', 'int8', 'uint8'] : ['float32'];
  const tableOf = windowsFor(ctx, at);
  const kernel: NodeFn = (ins) => {
    const x = ctx.input(ins, 0, 'X');
    requireDtype(ctx, x, 'X', dtypes);
    const { g, table } = tableOf(x.shape);
    const out = alloc(x.dtype, [x.shape[0], x.shape[1], ...g.outSp], ctx.label);
    const indices = wantIndices ? alloc('int64', out.shape.slice(), ctx.label) : undefined;
    // Column-major (storage_order 1) position of each row-major plane offset.
    const colMajor = storageOrder === 1 ? columnMajorOffsets(g.inSp) : undefined;
    maxPoolPlanes(x, out, g, table, indices, colMajor);
    return indices ? [out, indices] : [out];
  };
  // without the indices, into the plan's buffers
  kernel.prepare = ([x]) => {
    if (wantIndices || x === undefined || !dtypes.includes(x.dtype)) return undefined;
    let g: Geometry;
    try {
      g = tableOf(x.shape).g;
    } catch {
      return undefined;
    }
    return { outputs: [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...g.outSp] }], run: (ins, outs) => {
      const t = tableOf(ins[0]!.shape);
      maxPoolPlanes(ins[0]!, outs[0], t.g, t.table);
    } };
  };
  return kernel;
};

/** 2-D windows without padding or dilation that all lie inside the input (f32_maxpool2d's case). */
function windowsInside2d(g: Geometry): boolean {
  if (g.inSp.length !== 2 || g.padsBegin.some((p) => p !== 0) || g.padsEnd.some((p) => p !== 0) || g.dilations.some((d) => d !== 1)) return false;
  return g.outSp.every((o, i) => o === 0 || (o - 1) * g.strides[i] + g.kernel[i] <= g.inSp[i]);
}

/** MaxPool of every (n, c) plane of `x` into `out` (and the flat indices of the maxima). */
function maxPoolPlanes(x: OTensor, out: OTensor, g: Geometry, table: WindowTable, indices?: OTensor, colMajor?: Int32Array): void {
  const planes = x.shape[0] * x.shape[1];
  if (!indices && x.dtype === 'float32' && windowsInside2d(g)) {
    const [ih, iw] = g.inSp;
    if (arenaMaxPool2d(x.data as Float32Array, out.data as Float32Array, planes, ih, iw, g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.outSp[0], g.outSp[1])) return;
  }
  const plane = numelOf(g.inSp);
  const nOut = numelOf(g.outSp);
  const src = x.data as Float32Array | Int32Array;
  const dst = out.data as Float32Array | Int32Array;
  const { start, taps } = table;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * plane;
    for (let o = 0; o < nOut; o++) {
      let best = -Infinity;
      let at = -1;
      for (let j = start[o]; j < start[o + 1]; j++) {
        const v = src[base + taps[j]];
        if (at < 0 || v > best) {
          best = v;
          at = taps[j];
        }
      }
      dst[pl * nOut + o] = best;
      if (indices) (indices.data as BigInt64Array)[pl * nOut + o] = BigInt(at < 0 ? -1 : base + (colMajor ? colMajor[at] : at));
    }
  }
}

function columnMajorOffsets(dims: readonly number[]): Int32Array {
  const n = numelOf(dims);
  const res = new Int32Array(n);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < n; o++) {
    let cm = 0;
    for (let i = dims.length - 1; i >= 0; i--) cm = cm * dims[i] + idx[i];
    res[o] = cm;
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
  return res;
}

const averagePool: OpFactory = (ctx) => {
  const at = poolAttrs(ctx, ['count_include_pad'], 19);
  const includePad = ctx.int('count_include_pad', 0) !== 0;
  const tableOf = windowsFor(ctx, at);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    requireDtype(ctx, x, 'X', ['float32']);
    const { g, table } = tableOf(x.shape);
    const planes = x.shape[0] * x.shape[1];
    const plane = numelOf(g.inSp);
    const nOut = numelOf(g.outSp);
    const out = alloc('float32', [x.shape[0], x.shape[1], ...g.outSp], ctx.label);
    const src = x.data as Float32Array;
    const dst = out.data as Float32Array;
    const { start, taps, padded } = table;
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * plane;
      for (let o = 0; o < nOut; o++) {
        let sum = 0;
        for (let j = start[o]; j < start[o + 1]; j++) sum += src[base + taps[j]];
        dst[pl * nOut + o] = sum / (includePad ? padded[o] : start[o + 1] - start[o]);
      }
    }
    return [out];
  };
};

/**
 * LpPool: (sum over the window of |x|^p)^(1/p), taps on padding adding nothing. `p` is an int from
 * opset 2 (models import opset 7 or later); `ceil_mode` and `dilations` from opset 18.
 */
const lpPool: OpFactory = (ctx) => {
  const at = poolAttrs(ctx, ['p'], 18, 18);
  const p = ctx.int('p', 2);
  if (!(p >= 1)) throw ctx.error('INVALID_FORMAT', `attribute 'p' must be an integer >= 1, got ${p}`);
  const tableOf = windowsFor(ctx, at);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const src = requireFloat(ctx, x, 'X');
    const { g, table } = tableOf(x.shape);
    const planes = x.shape[0] * x.shape[1];
    const plane = numelOf(g.inSp);
    const nOut = numelOf(g.outSp);
    const out = alloc('float32', [x.shape[0], x.shape[1], ...g.outSp], ctx.label);
    const dst = out.data as Float32Array;
    const { start, taps } = table;
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * plane;
      for (let o = 0; o < nOut; o++) {
        // float64 sums, rounded to float32 once.
        let sum = 0;
        for (let j = start[o]; j < start[o + 1]; j++) {
          const v = Math.abs(src[base + taps[j]]);
          sum += p === 1 ? v : p === 2 ? v * v : Math.pow(v, p);
        }
        dst[pl * nOut + o] = p === 1 ? sum : p === 2 ? Math.sqrt(sum) : Math.pow(sum, 1 / p);
      }
    }
    return [out];
  };
};

function globalPool(kind: 'max' | 'average'): OpFactory {
  return (ctx) => {
    ctx.allowOnly([]);
    return (ins) => {
      const x = ctx.input(ins, 0, 'X');
      requireDtype(ctx, x, 'X', ['float32']);
      if (x.shape.length < 2) throw ctx.error('INVALID_INPUT', `input must have shape [N, C, ...], got ${fmtShape(x.shape)}`);
      const planes = x.shape[0] * x.shape[1];
      const plane = numelOf(x.shape.slice(2));
      const out = alloc('float32', x.shape.map((d, i) => (i < 2 ? d : 1)), ctx.label);
      const src = x.data as Float32Array;
      const dst = out.data as Float32Array;
      for (let pl = 0; pl < planes; pl++) {
        let acc = kind === 'max' ? -Infinity : 0;
        for (let j = 0; j < plane; j++) {
          const v = src[pl * plane + j];
          acc = kind === 'max' ? (v > acc || Number.isNaN(v) ? v : acc) : acc + v;
        }
        dst[pl] = kind === 'max' ? acc : acc / plane;
      }
      return [out];
    };
  };
}

export const POOL_OPS: Record<string, OpFactory> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  LpPool: lpPool,
  GlobalMaxPool: globalPool('max'),
  GlobalAveragePool: globalPool('average'),
};

