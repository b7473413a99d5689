/**
 * Normalization in inference form: BatchNormalization (opsets 7-15, running statistics),
 * LayerNormalization (17) and InstanceNormalization. Statistics in float64.
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext } from '../node.js';
import { alloc, numelOf, sameShape, type OTensor } from '../values.js';
import { broadcastIndex, normAxis, requireFloat, requireOpset, type OpFactory } from './util.js';

/** UNSUPPORTED when the node asks for outputs past the first `count` (training statistics). */
function onlyOutputs(ctx: NodeContext, count: number, why: string): void {
  ctx.node.outputs.forEach((name, i) => {
    if (i >= count && name !== '') throw ctx.error('UNSUPPORTED', `output ${i} ('${name}') is not supported: ${why}`);
  });
}

/** [N, C, ...] -> C and the number of elements per (n, c) plane; INVALID_INPUT below rank 2. */
function channelsOf(ctx: NodeContext, x: OTensor): { n: number; c: number; plane: number } {
  if (x.shape.length < 2) throw ctx.error('INVALID_INPUT', `input must have shape [N, C, ...], got ${fmtShape(x.shape)}`);
  return { n: x.shape[0], c: x.shape[1], plane: numelOf(x.shape.slice(2)) };
}

function requireShape(ctx: NodeContext, t: OTensor, what: string, want: readonly number[]): Float32Array {
  const data = requireFloat(ctx, t, what);
  if (!sameShape(t.shape, want)) {
    throw ctx.error('SHAPE_MISMATCH', `${what} must have shape ${fmtShape(want)}, got ${fmtShape(t.shape)}`);
  }
  return data;
}

const batchNormalization: OpFactory = (ctx) => {
  const o = ctx.opset;
  ctx.allowOnly(o < 9 ? ['epsilon', 'momentum', 'spatial'] : o < 14 ? ['epsilon', 'momentum'] : ['epsilon', 'momentum', 'training_mode']);
  const eps = ctx.float('epsilon', Math.fround(1e-5));
  // spatial=0 (opsets 7-8): statistics per activation, of shape [C, D1, ...], not per channel.
  const spatial = ctx.int('spatial', 1) !== 0;
  if (ctx.int('training_mode', 0) !== 0) throw ctx.error('UNSUPPORTED', "attribute 'training_mode' = 1 is not supported (inference only)");
  onlyOutputs(ctx, 1, 'the running and saved statistics are outputs of training');
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const src = requireFloat(ctx, x, 'X');
    const { n, c, plane } = channelsOf(ctx, x);
    const paramShape = spatial ? [c] : x.shape.slice(1);
    const names = ['scale', 'B', 'input_mean', 'input_var'];
    const [scale, bias, mean, variance] = names.map((what, i) => requireShape(ctx, ctx.input(ins, i + 1, what), what, paramShape));
    const per = spatial ? 1 : plane; // parameters per channel
    // y = (x - mean) * scale / sqrt(var + eps) + B, the factor once per parameter.
    const a = new Float64Array(c * per);
    for (let k = 0; k < a.length; k++) a[k] = scale[k] / Math.sqrt(variance[k] + eps);
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const y = out.data as Float32Array;
    for (let i = 0; i < n * c; i++) {
      const ch = i % c;
      for (let j = 0; j < plane; j++) {
        const p = spatial ? ch : ch * plane + j;
        const v = src[i * plane + j];
        y[i * plane + j] = (v - mean[p]) * a[p] + bias[p];
      }
    }
    return [out];
  };
};

/** Mean and 1/sqrt(var + eps) of data[off .. off + len). */
function moments(data: Float32Array, off: number, len: number, eps: number): [number, number] {
  let sum = 0;
  for (let j = 0; j < len; j++) sum += data[off + j];
  const mean = sum / len;
  let sq = 0;
  for (let j = 0; j < len; j++) {
    const d = data[off + j] - mean;
    sq += d * d;
  }
  return [mean, 1 / Math.sqrt(sq / len + eps)];
}

const layerNormalization: OpFactory = (ctx) => {
  requireOpset(ctx, 17);
  ctx.allowOnly(['axis', 'epsilon', 'stash_type']);
  const axisAttr = ctx.int('axis', -1);
  const eps = ctx.float('epsilon', Math.fround(1e-5));
  // stash_type picks the precision of Mean / InvStdDev; both are computed in float64 here.
  ctx.int('stash_type', 1);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const src = requireFloat(ctx, x, 'X');
    const r = x.shape.length;
    const axis = normAxis(ctx, axisAttr, r);
    const normShape = x.shape.slice(axis);
    const len = numelOf(normShape);
    const rows = numelOf(x.shape.slice(0, axis));
    // where a parameter of the normalized shape's size reads each element once: null (direct)
    const paramIndex = (t: OTensor, what: string): Int32Array | null => {
      requireFloat(ctx, t, what);
      const fits = t.shape.length <= normShape.length && t.shape.every((d, i) => d === 1 || d === normShape[normShape.length - t.shape.length + i]);
      if (!fits) throw ctx.error('SHAPE_MISMATCH', `${what} of shape ${fmtShape(t.shape)} does not broadcast to the normalized shape ${fmtShape(normShape)}`);
      return numelOf(t.shape) === len ? null : broadcastIndex(t.shape, normShape);
    };
    const scaleT = ctx.input(ins, 1, 'Scale');
    const si = paramIndex(scaleT, 'Scale');
    const scale = scaleT.data as Float32Array;
    const biasT = ins[2];
    const bi = biasT === undefined ? undefined : paramIndex(biasT, 'B');
    const bias = biasT?.data as Float32Array | undefined;
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const y = out.data as Float32Array;
    const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
    const meanOut = alloc('float32', statShape, ctx.label);
    const invOut = alloc('float32', statShape.slice(), ctx.label);
    for (let row = 0; row < rows; row++) {
      const off = row * len;
      const [mean, inv] = moments(src, off, len, eps);
      (meanOut.data as Float32Array)[row] = mean;
      (invOut.data as Float32Array)[row] = inv;
      for (let j = 0; j < len; j++) {
        const v = (src[off + j] - mean) * inv * scale[si ? si[j] : j];
        y[off + j] = bias ? v + bias[bi ? bi[j] : j] : v;
      }
    }
    return [out, meanOut, invOut];
  };
};

const instanceNormalization: OpFactory = (ctx) => {
  ctx.allowOnly(['epsilon']);
  const eps = ctx.float('epsilon', Math.fround(1e-5));
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const src = requireFloat(ctx, x, 'input');
    const { n, c, plane } = channelsOf(ctx, x);
    const scale = requireShape(ctx, ctx.input(ins, 1, 'scale'), 'scale', [c]);
    const bias = requireShape(ctx, ctx.input(ins, 2, 'B'), 'B', [c]);
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const y = out.data as Float32Array;
    for (let i = 0; i < n * c; i++) {
      const ch = i % c;
      const off = i * plane;
      const [mean, inv] = moments(src, off, plane, eps);
      for (let j = 0; j < plane; j++) y[off + j] = (src[off + j] - mean) * inv * scale[ch] + bias[ch];
    }
    return [out];
  };
};

/**
 * LRN: x / (bias + alpha / size * sum of x^2 over the `size` channels around each one)^beta, the
 * window reaching floor((size - 1) / 2) channels back and ceil((size - 1) / 2) ahead.
 */
const lrn: OpFactory = (ctx) => {
  ctx.allowOnly(['alpha', 'beta', 'bias', 'size']);
  const alpha = ctx.float('alpha', 1e-4);
  const beta = ctx.float('beta', 0.75);
  const bias = ctx.float('bias', 1);
  const size = ctx.int('size');
  if (size === undefined || !(size >= 1)) throw ctx.error('INVALID_FORMAT', `attribute 'size' must be a positive integer, got ${size}`);
  const back = Math.floor((size - 1) / 2);
  const ahead = Math.ceil((size - 1) / 2);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const src = requireFloat(ctx, x, 'X');
    const { n, c, plane } = channelsOf(ctx, x);
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const dst = out.data as Float32Array;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const lo = Math.max(0, ch - back);
        const hi = Math.min(c - 1, ch + ahead);
        for (let p = 0; p < plane; p++) {
          let sum = 0;
          for (let k = lo; k <= hi; k++) {
            const v = src[(b * c + k) * plane + p];
            sum += v * v;
          }
          const at = (b * c + ch) * plane + p;
          dst[at] = src[at] / Math.pow(bias + (alpha / size) * sum, beta);
        }
      }
    }
    return [out];
  };
};

/**
 * MeanVarianceNormalization (9): (x - mean) / (sqrt(mean(x^2) - mean^2) + 1e-9) over `axes`
 * (default [0, 2, 3]), as the operator's function body computes it, in float64.
 */
const meanVarianceNormalization: OpFactory = (ctx) => {
  requireOpset(ctx, 9);
  ctx.allowOnly(['axes']);
  const axesAttr = ctx.ints('axes') ?? [0, 2, 3];
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const src = requireFloat(ctx, x, 'X');
    const rank = x.shape.length;
    const axes = axesAttr.map((a) => normAxis(ctx, a, rank, 'axes'));
    const reduced = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const groups = numelOf(reduced);
    const idx = broadcastIndex(reduced, x.shape);
    const sum = new Float64Array(groups);
    const sumSq = new Float64Array(groups);
    const count = numelOf(x.shape) / Math.max(groups, 1);
    for (let i = 0; i < src.length; i++) {
      sum[idx[i]] += src[i];
      sumSq[idx[i]] += src[i] * src[i];
    }
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const dst = out.data as Float32Array;
    for (let i = 0; i < src.length; i++) {
      const g = idx[i];
      const mean = sum[g] / count;
      dst[i] = (src[i] - mean) / (Math.sqrt(sumSq[g] / count - mean * mean) + 1e-9);
    }
    return [out];
  };
};

/** LpNormalization: x / ||x||_p along `axis` (p 1 or 2); a zero norm gives 0. */
const lpNormalization: OpFactory = (ctx) => {
  ctx.allowOnly(['axis', 'p']);
  const axisAttr = ctx.int('axis', -1);
  const p = ctx.int('p', 2);
  if (p !== 1 && p !== 2) throw ctx.error('INVALID_FORMAT', `attribute 'p' must be 1 or 2, got ${p}`);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const src = requireFloat(ctx, x, 'input');
    const axis = normAxis(ctx, axisAttr, x.shape.length);
    const dim = x.shape[axis];
    const inner = numelOf(x.shape.slice(axis + 1));
    const outer = numelOf(x.shape.slice(0, axis));
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const dst = out.data as Float32Array;
    for (let o = 0; o < outer; o++) {
      for (let q = 0; q < inner; q++) {
        const base = o * dim * inner + q;
        let norm = 0;
        for (let k = 0; k < dim; k++) {
          const v = src[base + k * inner];
          norm += p === 1 ? Math.abs(v) : v * v;
        }
        if (p === 2) norm = Math.sqrt(norm);
        for (let k = 0; k < dim; k++) dst[base + k * inner] = norm === 0 ? 0 : src[base + k * inner] / norm;
      }
    }
    return [out];
  };
};

/**
 * GroupNormalization (18): each batch item's channels in `num_groups` groups, each group normalized
 * over its channels and spatial positions ((x - mean) / sqrt(var + epsilon), statistics in
 * float64), then scaled and shifted: per group at opset 18 (scale and bias [num_groups]), per
 * channel from opset 21 ([C]; `stash_type` accepted, the statistics being float64 anyway).
 */
const groupNormalization: OpFactory = (ctx) => {
  requireOpset(ctx, 18);
  ctx.allowOnly(ctx.opset >= 21 ? ['epsilon', 'num_groups', 'stash_type'] : ['epsilon', 'num_groups']);
  const epsilon = ctx.float('epsilon', 1e-5);
  const groups = ctx.int('num_groups');
  if (groups === undefined || !(groups >= 1)) throw ctx.error('INVALID_FORMAT', `attribute 'num_groups' must be a positive integer, got ${groups}`);
  const perChannel = ctx.opset >= 21;
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const src = requireFloat(ctx, x, 'X');
    const { n, c, plane } = channelsOf(ctx, x);
    if (c % groups !== 0) throw ctx.error('SHAPE_MISMATCH', `channels ${c} are not a multiple of num_groups ${groups}`);
    const affine = perChannel ? c : groups;
    const scale = requireShape(ctx, ctx.input(ins, 1, 'scale'), 'scale', [affine]);
    const bias = requireShape(ctx, ctx.input(ins, 2, 'bias'), 'bias', [affine]);
    const out = alloc('float32', x.shape.slice(), ctx.label);
    const dst = out.data as Float32Array;
    const span = (c / groups) * plane;
    for (let g = 0; g < n * groups; g++) {
      const base = g * span;
      let sum = 0;
      for (let i = 0; i < span; i++) sum += src[base + i];
      const mean = sum / span;
      let sq = 0;
      for (let i = 0; i < span; i++) sq += (src[base + i] - mean) ** 2;
      const inv = 1 / Math.sqrt(sq / span + epsilon);
      for (let i = 0; i < span; i++) {
        const k = perChannel ? ((base + i) / plane | 0) % c : g % groups;
        dst[base + i] = (src[base + i] - mean) * inv * scale[k] + bias[k];
      }
    }
    return [out];
  };
};

export const NORM_OPS: Record<string, OpFactory> = {
  GroupNormalization: groupNormalization,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
  LRN: lrn,
  MeanVarianceNormalization: meanVarianceNormalization,
  LpNormalization: lpNormalization,
};
