/** Shape and data movement operators beyond ops.ts: Size, Pad, Tile, Split, Range. */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext } from '../node.js';
import { alloc, checkSize, i64, numelOf, sameShape, toInts, type OTensor } from '../values.js';
import { normAxes, normAxis, requireDtype, requireOpset, scalarOf, stridesOf, type Elems, type OpFactory } from './util.js';
import { transposeData } from './layout.js';

export const size: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  return (ins) => [i64([numelOf(ctx.input(ins, 0, 'data').shape)], [])];
};

/**
 * Builds the output of shape `outShape` where output index o along dimension d reads input index
 * maps[d][o], or `fill` when any dimension's map is -1 (Pad's constant border).
 */
function remap(ctx: NodeContext, x: OTensor, outShape: number[], maps: Int32Array[], fill: number | bigint): OTensor {
  const out = alloc(x.dtype, outShape, ctx.label);
  const n = out.data.length;
  if (n === 0) return out;
  const r = outShape.length;
  const str = stridesOf(x.shape);
  const src = x.data as Elems;
  const dst = out.data as Elems;
  if (r === 0) {
    dst[0] = src[0];
    return out;
  }
  // Walk the output with an odometer over all but the last dimension; the last one is a plain loop.
  const last = r - 1;
  const lastMap = maps[last];
  const lastStride = str[last];
  const rows = n / outShape[last];
  const idx = new Array<number>(last).fill(0);
  let o = 0;
  for (let row = 0; row < rows; row++) {
    let base = 0;
    let outside = false;
    for (let d = 0; d < last; d++) {
      const i = maps[d][idx[d]];
      if (i < 0) outside = true;
      base += i * str[d];
    }
    if (outside) out.data.fill(fill as never, o, o + outShape[last]);
    else if (src instanceof Float32Array) remapRowF32(src, base, lastStride, lastMap, dst as Float32Array, o, fill as number);
    else {
      for (let k = 0; k < outShape[last]; k++) {
        const i = lastMap[k];
        dst[o + k] = i < 0 ? fill : src[base + i * lastStride];
      }
    }
    o += outShape[last];
    for (let d = last - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** One output row of a float32 remap (a monomorphic loop: Pad's hot case). */
function remapRowF32(src: Float32Array, base: number, stride: number, map: Int32Array, dst: Float32Array, o: number, fill: number): void {
  // Two stores, not `dst[o + k] = i < 0 ? fill : src[...]`: V8 merged the element read with the
  // (tagged) fill into one value and boxed every element read (16 bytes of garbage each).
  for (let k = 0; k < map.length; k++) {
    const i = map[k];
    if (i < 0) dst[o + k] = fill;
    else dst[o + k] = src[base + i * stride];
  }
}

/** The output and each per-axis index map must fit (an axis can be huge where another is 0). */
function checkRemapSize(ctx: NodeContext, outShape: number[]): void {
  checkSize(outShape, ctx.label);
  for (const d of outShape) checkSize([d], ctx.label);
}

type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/** Input index read by output index o of a dimension of size `dim` padded by `begin` in front. */
function padMap(ctx: NodeContext, mode: PadMode, dim: number, begin: number, outDim: number, axis: number): Int32Array {
  const map = new Int32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let i = o - begin;
    if (i < 0 || i >= dim) {
      if (mode === 'constant') i = -1;
      else if (dim === 0) throw ctx.error('INVALID_INPUT', `cannot pad axis ${axis} of size 0 in mode '${mode}'`);
      else if (mode === 'edge') i = i < 0 ? 0 : dim - 1;
      else if (mode === 'wrap') i = ((i % dim) + dim) % dim;
      else if (dim === 1) i = 0;
      else {
        const period = 2 * (dim - 1);
        i = ((i % period) + period) % period;
        if (i >= dim) i = period - i;
      }
    }
    map[o] = i;
  }
  return map;
}

export const pad: OpFactory = (ctx) => {
  const legacy = ctx.opset < 11;
  ctx.allowOnly(legacy ? ['mode', 'pads', 'value'] : ['mode']);
  const mode = ctx.string('mode', 'constant');
  const modes = ctx.opset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge'];
  if (!modes.includes(mode)) throw ctx.error('UNSUPPORTED', `attribute 'mode' = '${mode}' is not supported at opset ${ctx.opset} (${modes.join(', ')})`);
  const padsAttr = ctx.ints('pads');
  if (legacy && padsAttr === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'pads' is required before opset 11");
  const valueAttr = ctx.float('value', 0);
  if (!legacy && ctx.opset < 18 && ctx.node.inputs.length > 3) throw ctx.error('UNSUPPORTED', `input 'axes' exists from opset 18 (model opset ${ctx.opset})`);
  // The output shape and index maps depend on the data's shape and the pads / axes tensors
  // (constants in exported graphs): a stream of same-shape frames works them out once.
  let last: { shape: number[]; pads: OTensor | undefined; axes: OTensor | undefined; outShape: number[]; maps: Int32Array[] } | undefined;
  return (ins) => {
    const x = ctx.input(ins, 0, 'data');
    let fill: number | bigint = x.dtype === 'int64' ? BigInt(Math.trunc(valueAttr)) : valueAttr;
    const cv = legacy ? undefined : ins[2];
    if (cv !== undefined) {
      if (cv.dtype !== x.dtype) throw ctx.error('DTYPE_MISMATCH', `constant_value must have the data's element type ${x.dtype}, got ${cv.dtype}`);
      fill = scalarOf(ctx, cv, 'constant_value');
    }
    const padsIn = legacy ? undefined : ctx.input(ins, 1, 'pads');
    const axesIn = legacy ? undefined : ins[3];
    if (last === undefined || last.pads !== padsIn || last.axes !== axesIn || !sameShape(last.shape, x.shape)) {
      const r = x.shape.length;
      const pads = legacy ? padsAttr! : toInts(padsIn!, `${ctx.label} pads`);
      const axes = axesIn === undefined ? x.shape.map((_, i) => i) : normAxes(ctx, toInts(axesIn, `${ctx.label} axes`), r);
      if (pads.length !== 2 * axes.length) {
        throw ctx.error('SHAPE_MISMATCH', `pads ${fmtShape(pads)} must hold 2 x ${axes.length} values (begin and end of each padded axis) for data of shape ${fmtShape(x.shape)}`);
      }
      const begin = new Array<number>(r).fill(0);
      const end = new Array<number>(r).fill(0);
      axes.forEach((a, k) => {
        begin[a] = pads[k];
        end[a] = pads[k + axes.length];
      });
      const outShape = x.shape.map((d, i) => d + begin[i] + end[i]);
      if (outShape.some((d) => d < 0)) throw ctx.error('INVALID_INPUT', `pads ${fmtShape(pads)} crop more than the data's shape ${fmtShape(x.shape)}`);
      checkRemapSize(ctx, outShape);
      const maps = outShape.map((od, i) => padMap(ctx, mode as PadMode, x.shape[i], begin[i], od, i));
      last = { shape: x.shape.slice(), pads: padsIn, axes: axesIn, outShape, maps };
    }
    return [remap(ctx, x, last.outShape.slice(), last.maps, fill)];
  };
};

const tile: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const reps = toInts(ctx.input(ins, 1, 'repeats'), `${ctx.label} repeats`);
    if (reps.length !== x.shape.length) throw ctx.error('SHAPE_MISMATCH', `repeats ${fmtShape(reps)} must have one value per dimension of the input ${fmtShape(x.shape)}`);
    if (reps.some((v) => v < 0)) throw ctx.error('INVALID_INPUT', `repeats ${fmtShape(reps)} must not be negative`);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    checkRemapSize(ctx, outShape);
    const maps = outShape.map((od, i) => Int32Array.from({ length: od }, (_, o) => o % x.shape[i]));
    return [remap(ctx, x, outShape, maps, 0)];
  };
};

const split: OpFactory = (ctx) => {
  ctx.allowOnly(ctx.opset < 13 ? ['axis', 'split'] : ctx.opset < 18 ? ['axis'] : ['axis', 'num_outputs']);
  const axisAttr = ctx.int('axis', 0);
  const splitAttr = ctx.ints('split');
  const numOutputs = ctx.int('num_outputs');
  const count = ctx.node.outputs.length;
  if (numOutputs !== undefined && numOutputs !== count) {
    throw ctx.error('INVALID_FORMAT', `attribute 'num_outputs' = ${numOutputs} but the node has ${count} outputs`);
  }
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const axis = normAxis(ctx, axisAttr, x.shape.length);
    const dim = x.shape[axis];
    const splitIn = ctx.opset >= 13 ? ins[1] : undefined;
    if (splitIn !== undefined && numOutputs !== undefined) throw ctx.error('INVALID_FORMAT', "both input 'split' and attribute 'num_outputs' are given");
    let parts: number[];
    if (splitIn !== undefined) parts = toInts(splitIn, `${ctx.label} split`);
    else if (splitAttr !== undefined) parts = splitAttr;
    else if (numOutputs !== undefined) {
      // Opset 18: chunks of ceil(dim / n), the last one smaller.
      const chunk = Math.ceil(dim / numOutputs);
      parts = Array.from({ length: numOutputs }, (_, k) => Math.max(0, Math.min(chunk, dim - k * chunk)));
    } else {
      if (dim % count !== 0) throw ctx.error('SHAPE_MISMATCH', `axis ${axis} of size ${dim} does not split into ${count} equal parts`);
      parts = new Array<number>(count).fill(dim / count);
    }
    if (parts.length !== count) throw ctx.error('SHAPE_MISMATCH', `split ${fmtShape(parts)} has ${parts.length} parts for ${count} outputs`);
    if (parts.some((p) => p < 0) || parts.reduce((a, b) => a + b, 0) !== dim) {
      throw ctx.error('SHAPE_MISMATCH', `split ${fmtShape(parts)} does not add up to axis ${axis} of size ${dim} (input ${fmtShape(x.shape)})`);
    }
    const outer = numelOf(x.shape.slice(0, axis));
    const inner = numelOf(x.shape.slice(axis + 1));
    let offset = 0;
    return parts.map((p) => {
      const shape = x.shape.slice();
      shape[axis] = p;
      const out = alloc(x.dtype, shape, ctx.label);
      const src = x.data as Float32Array;
      const dst = out.data as Float32Array;
      for (let a = 0; a < outer; a++) {
        const s = (a * dim + offset) * inner;
        dst.set(src.subarray(s, s + p * inner), a * p * inner);
      }
      offset += p;
      return out;
    });
  };
};

const range: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly([]);
  return (ins) => {
    const ts = [ctx.input(ins, 0, 'start'), ctx.input(ins, 1, 'limit'), ctx.input(ins, 2, 'delta')];
    const names = ['start', 'limit', 'delta'];
    ts.forEach((t, i) => {
      requireDtype(ctx, t, names[i], ['float32', 'int64', 'int32', 'int16']);
      if (t.dtype !== ts[0].dtype) throw ctx.error('DTYPE_MISMATCH', `start, limit and delta must have one element type, got ${ts[0].dtype} and ${t.dtype}`);
    });
    const [start, limit, delta] = ts.map((t, i) => scalarOf(ctx, t, names[i]));
    if (Number(delta) === 0) throw ctx.error('INVALID_INPUT', 'delta must not be 0');
    const dtype = ts[0].dtype;
    if (dtype === 'int64') {
      const [s, l, d] = [start, limit, delta] as bigint[];
      // ceil((l - s) / d) in exact integer arithmetic.
      const span = l - s;
      let n = span / d;
      if (n * d !== span && (span > 0n) === (d > 0n)) n += 1n;
      const count = Number(n > 0n ? n : 0n);
      const out = alloc('int64', [count], ctx.label);
      const z = out.data as BigInt64Array;
      for (let i = 0; i < count; i++) z[i] = s + BigInt(i) * d;
      return [out];
    }
    const [s, l, d] = [start, limit, delta] as number[];
    const count = Math.max(Math.ceil((l - s) / d), 0);
    const out = alloc(dtype, [count], ctx.label);
    const z = out.data as Float32Array | Int32Array;
    // int32 / int16: the values stay within [start, limit), so nothing wraps.
    for (let i = 0; i < count; i++) z[i] = s + i * d;
    return [out];
  };
};

/**
 * DepthToSpace (`blocksize`, `mode` DCR or CRD from opset 11) and SpaceToDepth (`blocksize`) of
 * [N, C, H, W]: a reshape, a transpose and a reshape, as the spec defines them.
 */
function depthSpace(op: 'DepthToSpace' | 'SpaceToDepth'): OpFactory {
  return (ctx) => {
    ctx.allowOnly(op === 'DepthToSpace' && ctx.opset >= 11 ? ['blocksize', 'mode'] : ['blocksize']);
    const b = ctx.int('blocksize');
    if (b === undefined || !(b >= 1)) throw ctx.error('INVALID_FORMAT', `attribute 'blocksize' must be a positive integer, got ${b}`);
    const mode = ctx.string('mode', 'DCR');
    if (mode !== 'DCR' && mode !== 'CRD') throw ctx.error('INVALID_FORMAT', `attribute 'mode' must be 'DCR' or 'CRD', got '${mode}'`);
    return (ins) => {
      const x = ctx.input(ins, 0, 'input');
      if (x.shape.length !== 4) throw ctx.error('SHAPE_MISMATCH', `input must be 4-D [N, C, H, W], got ${fmtShape(x.shape)}`);
      const [n, c, h, w] = x.shape;
      let inner: number[];
      let perm: number[];
      let shape: number[];
      if (op === 'DepthToSpace') {
        if (c % (b * b) !== 0) throw ctx.error('SHAPE_MISMATCH', `channels ${c} are not a multiple of blocksize^2 = ${b * b}`);
        const cb = c / (b * b);
        inner = mode === 'DCR' ? [n, b, b, cb, h, w] : [n, cb, b, b, h, w];
        perm = mode === 'DCR' ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3];
        shape = [n, cb, h * b, w * b];
      } else {
        if (h % b !== 0 || w % b !== 0) throw ctx.error('SHAPE_MISMATCH', `height ${h} and width ${w} must be multiples of blocksize ${b}`);
        inner = [n, c, h / b, b, w / b, b];
        perm = [0, 3, 5, 1, 2, 4];
        shape = [n, c * b * b, h / b, w / b];
      }
      return [{ dtype: x.dtype, data: transposeData(x.data, inner, perm), shape }];
    };
  };
}

export const SHAPE_OPS: Record<string, OpFactory> = {
  Size: size,
  Pad: pad,
  Tile: tile,
  Split: split,
  Range: range,
  DepthToSpace: /* @__PURE__ */ depthSpace('DepthToSpace'),
  SpaceToDepth: /* @__PURE__ */ depthSpace('SpaceToDepth'),
};
