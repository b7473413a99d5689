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
    const paramIndex = (t: OTensor, what: string): Int32Array => {
      requireFloat(ctx, t, what);
      const fits = t.shape.length <= normShape.length && t.shape.every((d, i) => d === 1 || d === normShape[normShape.length - t.shape.length + i]);
      if (!fits) throw ctx.error('SHAPE_MISMATCH', `${what} of shape ${fmtShape(t.shape)} does not broadcast to the normalized shape ${fmtShape(normShape)}`);
      return broadcastIndex(t.shape, normShape);
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
        const v = (src[off + j] - mean) * inv * scale[si[j]];
        y[off + j] = bias && bi ? v + bias[bi[j]] : v;
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

export const NORM_OPS: Record<string, OpFactory> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
};
