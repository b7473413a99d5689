/**
 * The quantization operators of ONNX's standard domain, the ones onnxruntime's quantization tools
 * write: QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear (the QDQ format), MatMulInteger,
 * ConvInteger, QLinearMatMul and QLinearConv (the QOperator format).
 *
 * Element types: the quantized values are int8 or uint8 (and int16 / uint16 for QuantizeLinear and
 * DequantizeLinear from opset 21, int32 for DequantizeLinear's input); scales are float32 (float16,
 * bfloat16 and double scales are widened to float32 when decoded, see values.ts). float8, int4 and
 * uint4 quantized types are UNSUPPORTED (the executor has no such element type).
 *
 * Numerics (the spec's formulas; where it leaves the float precision open, onnxruntime's):
 * - QuantizeLinear: y = saturate(round(x / y_scale) + y_zero_point), the quotient a float32
 *   division, rounded half to even, saturated to the output type's range.
 * - DequantizeLinear: y = float32(x - x_zero_point) * x_scale, one float32 product.
 * - Integer products are summed exactly (JS numbers) and wrap to int32 as the spec's int32
 *   accumulation does (it "may overflow if and only if in 32 bits").
 * - QLinearMatMul / QLinearConv requantize each int32 sum (QLinearConv's bias added, wrapping to
 *   int32) as onnxruntime does: multiplier = a_scale * b_scale / y_scale in float32, the sum
 *   converted to float32 and multiplied by it in float32, rounded half to even, plus y_zero_point,
 *   saturated. (ONNX's numpy reference multiplies in float64; the two differ only where the float32
 *   product rounds across a half-way point.)
 *
 * Values with no quantized meaning are INVALID_INPUT rather than an arbitrary integer: a NaN
 * input to QuantizeLinear or DynamicQuantizeLinear (onnxruntime writes whatever its float to int
 * conversion gives), an infinite one to DynamicQuantizeLinear (no scale covers it), a zero or
 * non-finite scale that is divided by (y_scale), a non-finite scale of QLinearMatMul /
 * QLinearConv, and a requantization multiplier that overflows float32. (DequantizeLinear only
 * multiplies: its scale is taken as it is, as Mul would.)
 *
 * Granularity of scales and zero points:
 * - QuantizeLinear / DequantizeLinear: per-tensor (a scalar or one-element 1-D scale), per-axis
 *   (13: a 1-D scale of x's `axis` length) or blocked (21: `block_size` > 0, the scale x's shape
 *   with ceil(D / block_size) on `axis`); the zero point has the scale's shape.
 * - MatMulInteger / QLinearMatMul: A's per-tensor or per row ([M] for a 2-D A, or
 *   [...A's batch dims, M, 1]); B's per-tensor or per column ([N] for a 2-D B, or
 *   [...B's batch dims, 1, N]); y's per-tensor. onnxruntime takes per-tensor A parameters only.
 * - ConvInteger / QLinearConv: x's and y's per-tensor; w's per-tensor or per output channel ([M]),
 *   each channel's zero point its own (onnxruntime's ConvInteger takes a per-tensor one only, its
 *   QLinearConv per-channel ones only when they are all equal).
 *
 * Every output shape follows from the input shapes alone (no input's values): `inferShapes` on
 * each node function tells them without a run (a run on zero placeholders would fail on the zero
 * scales).
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext, NodeFn, ValueType } from '../node.js';
import { alloc, DTYPES, numelOf, type ODType } from '../values.js';
import { parseAttrs as parseConvAttrs, resolve as resolveConv, type ConvParams } from './conv.js';
import { matmulGeometry, type MatMulGeometry } from './linalg.js';
import { bstrides, forBroadcast, normAxis, requireOpset, stridesOf, type Elems, type OpFactory } from './util.js';

const INT8S: readonly ODType[] = ['int8', 'uint8'];
const INT16S: readonly ODType[] = ['int16', 'uint16'];
const FLOAT: readonly ODType[] = ['float32'];

// ---------------------------------------------------------------------------------------------
// shared helpers

/** Round half to even of a float (NaN and infinities unchanged). */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // half-way cases go up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** [min, max] of an integer element type. */
function rangeOf(dtype: ODType): [number, number] {
  const info = DTYPES[dtype];
  return [info.min!, info.max!];
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Whether a shape is that of a per-tensor parameter: a scalar or a one-element vector. */
const isScalarLike = (shape: readonly number[]): boolean => shape.length <= 1 && numelOf(shape) === 1;

/** Input i of a call (a tensor, or at load a ValueType), INVALID_FORMAT when missing. */
function need<T>(ctx: NodeContext, ins: readonly (T | undefined)[], i: number, what: string): T {
  const t = ins[i];
  if (t === undefined) throw ctx.error('INVALID_FORMAT', `required input ${i} (${what}) is missing`);
  return t;
}

/** At load: INVALID_FORMAT when a required input of the node is left out (''). */
function requireInputs(ctx: NodeContext, names: readonly string[]): void {
  names.forEach((what, i) => {
    if ((ctx.node.inputs[i] ?? '') === '') throw ctx.error('INVALID_FORMAT', `required input ${i} (${what}) is missing`);
  });
}

/** DTYPE_MISMATCH unless `t` has one of the element types `allowed` (util.ts's requireDtype, for a tensor's type alone). */
function requireDtype(ctx: NodeContext, t: ValueType, what: string, allowed: readonly ODType[]): void {
  if (!allowed.includes(t.dtype)) throw ctx.error('DTYPE_MISMATCH', `${what} must be ${allowed.join(' or ')}, got ${t.dtype}`);
}

/** DTYPE_MISMATCH unless `t` has the element type of `of`. */
function requireSameType(ctx: NodeContext, t: ValueType, what: string, of: ValueType, ofWhat: string): void {
  if (t.dtype !== of.dtype) throw ctx.error('DTYPE_MISMATCH', `${what} must have the element type of ${ofWhat} (${of.dtype}), got ${t.dtype}`);
}

/** SHAPE_MISMATCH unless `t` is a scalar or a one-element 1-D tensor (a per-tensor parameter). */
function requireScalar(ctx: NodeContext, t: ValueType, what: string): void {
  if (!isScalarLike(t.shape)) throw ctx.error('SHAPE_MISMATCH', `${what} must be a scalar or a one-element 1-D tensor (per-tensor), got shape ${fmtShape(t.shape)}`);
}

/** INVALID_INPUT unless every element of a scale is finite (and, for a divisor, nonzero). */
function checkScale(ctx: NodeContext, s: Float32Array, what: string, divisor: boolean): void {
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (!Number.isFinite(v) || (divisor && v === 0)) {
      const at = s.length === 1 ? what : `${what}[${i}]`;
      throw ctx.error('INVALID_INPUT', `${at} is ${v}: a scale must be finite${divisor ? ' and nonzero (it divides)' : ''}`);
    }
  }
}

/** The requantization multiplier a_scale * b_scale / y_scale in float32 (onnxruntime's order). */
function multiplier(ctx: NodeContext, aScale: number, bScale: number, yScale: number, names: string): number {
  const m = Math.fround(Math.fround(aScale * bScale) / yScale);
  if (!Number.isFinite(m)) throw ctx.error('INVALID_INPUT', `the requantization multiplier ${names} (${aScale} * ${bScale} / ${yScale}) overflows float32`);
  return m;
}

/** An int32 sum requantized: float32(acc) * multiplier in float32, rounded half to even, + zero point, saturated. */
function requantize(acc: number, mult: number, zp: number, lo: number, hi: number): number {
  return clamp(roundHalfEven(Math.fround(Math.fround(acc) * mult)) + zp, lo, hi);
}

/** x - zero point of every element into an Int32Array; zpIndex(i) is the zero point of element i. */
function centred(x: Elems, zp: Elems | undefined, zpIndex: (i: number) => number): Int32Array {
  const out = new Int32Array(x.length);
  if (zp === undefined) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] as number;
  } else {
    for (let i = 0; i < x.length; i++) out[i] = (x[i] as number) - (zp[zpIndex(i)] as number);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear / DequantizeLinear: per-tensor, per-axis and blocked parameters

/**
 * Where each element of x finds its scale and zero point. x is walked as [outer, dim, inner]
 * around the quantization axis; element (p, d, i) reads parameter
 * p * pStride + floor(d / block) * dStride + i * iStride (all strides 0 per-tensor).
 */
interface ParamLayout {
  outer: number;
  dim: number;
  inner: number;
  block: number;
  pStride: number;
  dStride: number;
  iStride: number;
}

/** Names of a Q / DQ node's parameters in messages. */
interface QNames {
  x: string;
  scale: string;
  zp: string;
}

/**
 * The layout of the scale (and zero point, which must have its shape) over x: per-tensor when
 * the scale has one element and rank <= 1 (block_size then plays no part, as in ONNX's
 * reference), else blocked when block_size > 0, else per-axis.
 */
function paramLayout(ctx: NodeContext, n: QNames, xShape: readonly number[], scale: readonly number[], zp: readonly number[] | undefined, axisAttr: number, block: number): ParamLayout {
  const scalar = isScalarLike(scale);
  if (zp !== undefined && !(scalar ? isScalarLike(zp) : zp.length === scale.length && zp.every((d, i) => d === scale[i]))) {
    throw ctx.error('SHAPE_MISMATCH', `${n.zp} must have the shape of ${n.scale} (${fmtShape(scale)}), got ${fmtShape(zp)}`);
  }
  if (scalar) return { outer: 1, dim: 1, inner: numelOf(xShape), block: 1, pStride: 0, dStride: 0, iStride: 0 };
  if (ctx.opset < 13) {
    throw ctx.error('SHAPE_MISMATCH', `${n.scale} must be a scalar before opset 13 (per-tensor only), got shape ${fmtShape(scale)}`);
  }
  const axis = normAxis(ctx, axisAttr, xShape.length);
  const outer = numelOf(xShape.slice(0, axis));
  const dim = xShape[axis];
  const inner = numelOf(xShape.slice(axis + 1));
  if (block > 0) {
    const blocks = Math.ceil(dim / block);
    const want = xShape.map((d, i) => (i === axis ? blocks : d));
    if (scale.length !== want.length || scale.some((d, i) => d !== want[i])) {
      throw ctx.error('SHAPE_MISMATCH', `${n.scale} must have shape ${fmtShape(want)} for blocked quantization of ${n.x} ${fmtShape(xShape)} on axis ${axis} with block_size ${block} (ceil(${dim} / ${block}) = ${blocks} blocks), got ${fmtShape(scale)}`);
    }
    return { outer, dim, inner, block, pStride: blocks * inner, dStride: inner, iStride: 1 };
  }
  if (scale.length !== 1 || scale[0] !== dim) {
    const blocked = ctx.opset >= 21 ? ' (a blocked scale needs block_size)' : '';
    throw ctx.error('SHAPE_MISMATCH', `${n.scale} must be a scalar or a 1-D tensor of the length of ${n.x}'s axis ${axis} (${dim}; ${n.x} ${fmtShape(xShape)}), got shape ${fmtShape(scale)}${blocked}`);
  }
  return { outer, dim, inner, block: 1, pStride: 0, dStride: 1, iStride: 0 };
}

/** Calls fn(o, k) for every element o of x with k its parameter's index (see ParamLayout). */
function forEachParam(L: ParamLayout, fn: (o: number, k: number) => void): void {
  let o = 0;
  for (let p = 0; p < L.outer; p++) {
    for (let d = 0; d < L.dim; d++) {
      const base = p * L.pStride + Math.floor(d / L.block) * L.dStride;
      for (let i = 0; i < L.inner; i++, o++) fn(o, base + i * L.iStride);
    }
  }
}

/** The quantized types that `output_dtype` (21) may name, and those the executor has not. */
const OUTPUT_DTYPES: Record<number, ODType> = { 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16' };
const NO_EXECUTOR_TYPE: Record<number, string> = {
  17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1',
};

/** The quantization attributes common to QuantizeLinear and DequantizeLinear (checked at load). */
function qdqAttrs(ctx: NodeContext, quantize: boolean): { axis: number; block: number } {
  const names = ['axis'];
  if (quantize && ctx.opset >= 19) names.push('saturate');
  if (ctx.opset >= 21) names.push('block_size');
  if (quantize && ctx.opset >= 21) names.push('output_dtype');
  ctx.allowOnly(ctx.opset >= 13 ? names : []);
  // saturate applies to float8 outputs only (which are UNSUPPORTED): integers always saturate
  const saturate = ctx.int('saturate', 1);
  if (saturate !== 0 && saturate !== 1) throw ctx.error('INVALID_FORMAT', `attribute 'saturate' must be 0 or 1, got ${saturate}`);
  const block = ctx.int('block_size', 0);
  if (!(block >= 0)) throw ctx.error('INVALID_FORMAT', `attribute 'block_size' must be >= 0, got ${block}`);
  return { axis: ctx.int('axis', 1), block };
}

const quantizeLinear: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  const { axis, block } = qdqAttrs(ctx, true);
  requireInputs(ctx, ['x', 'y_scale']);
  let outputDtype: ODType | undefined;
  const od = ctx.int('output_dtype', 0);
  if (od !== 0) {
    if (NO_EXECUTOR_TYPE[od]) throw ctx.error('UNSUPPORTED', `attribute 'output_dtype' = ${NO_EXECUTOR_TYPE[od]} is not supported (quantized outputs: int8, uint8, int16, uint16)`);
    outputDtype = OUTPUT_DTYPES[od];
    if (outputDtype === undefined) throw ctx.error('INVALID_FORMAT', `attribute 'output_dtype' must be a quantized type (int8, uint8, int16, uint16), got ${od}`);
  }
  const allowed = ctx.opset >= 21 ? [...INT8S, ...INT16S] : INT8S;
  const names: QNames = { x: 'x', scale: 'y_scale', zp: 'y_zero_point' };
  const resolve = (ins: readonly (ValueType | undefined)[]) => {
    const x = need(ctx, ins, 0, 'x');
    const scale = need(ctx, ins, 1, 'y_scale');
    const zp = ins[2];
    requireDtype(ctx, x, 'x', FLOAT);
    requireDtype(ctx, scale, 'y_scale', FLOAT);
    let dtype: ODType = outputDtype ?? 'uint8';
    if (zp !== undefined) {
      if (outputDtype !== undefined && zp.dtype !== outputDtype) {
        throw ctx.error('DTYPE_MISMATCH', `y_zero_point is ${zp.dtype} but attribute 'output_dtype' says ${outputDtype}`);
      }
      dtype = zp.dtype;
    }
    if (!allowed.includes(dtype)) {
      const later = ctx.opset < 21 && INT16S.includes(dtype) ? ' (int16 and uint16 from opset 21)' : '';
      throw ctx.error('DTYPE_MISMATCH', `y_zero_point must be ${allowed.join(' or ')}${later}, got ${dtype}`);
    }
    const layout = paramLayout(ctx, names, x.shape, scale.shape, zp?.shape, axis, block);
    return { dtype, shape: x.shape.slice(), layout };
  };
  const kernel: NodeFn = (ins) => {
    const r = resolve(ins);
    const xs = ins[0]!.data as Float32Array;
    const s = ins[1]!.data as Float32Array;
    const zp = ins[2]?.data as Elems | undefined;
    checkScale(ctx, s, 'y_scale', true);
    const out = alloc(r.dtype, r.shape, ctx.label);
    const y = out.data as Elems;
    const [lo, hi] = rangeOf(r.dtype);
    forEachParam(r.layout, (o, k) => {
      const q = Math.fround(xs[o] / s[k]);
      if (q !== q) throw ctx.error('INVALID_INPUT', `x[${o}] is NaN: it has no quantized value`);
      y[o] = clamp(roundHalfEven(q) + (zp === undefined ? 0 : (zp[k] as number)), lo, hi);
    });
    return [out];
  };
  kernel.inferShapes = (ins) => {
    const r = resolve(ins);
    return [{ dtype: r.dtype, shape: r.shape }];
  };
  return kernel;
};

const dequantizeLinear: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  const { axis, block } = qdqAttrs(ctx, false);
  requireInputs(ctx, ['x', 'x_scale']);
  const allowed: readonly ODType[] = ctx.opset >= 21 ? [...INT8S, ...INT16S, 'int32'] : [...INT8S, 'int32'];
  const names: QNames = { x: 'x', scale: 'x_scale', zp: 'x_zero_point' };
  const resolve = (ins: readonly (ValueType | undefined)[]) => {
    const x = need(ctx, ins, 0, 'x');
    const scale = need(ctx, ins, 1, 'x_scale');
    const zp = ins[2];
    if (!allowed.includes(x.dtype)) {
      const later = ctx.opset < 21 && INT16S.includes(x.dtype) ? ' (int16 and uint16 from opset 21)' : '';
      throw ctx.error('DTYPE_MISMATCH', `x must be ${allowed.join(' or ')}${later}, got ${x.dtype}`);
    }
    requireDtype(ctx, scale, 'x_scale', FLOAT);
    if (zp !== undefined) requireSameType(ctx, zp, 'x_zero_point', x, 'x');
    return { shape: x.shape.slice(), layout: paramLayout(ctx, names, x.shape, scale.shape, zp?.shape, axis, block) };
  };
  const kernel: NodeFn = (ins) => {
    const r = resolve(ins);
    const xs = ins[0]!.data as Elems;
    const s = ins[1]!.data as Float32Array;
    const zp = ins[2]?.data as Elems | undefined;
    const out = alloc('float32', r.shape, ctx.label);
    const y = out.data as Float32Array;
    // (x - zp) is exact for the 8- and 16-bit types; int32 rounds to float32 first, as onnxruntime
    forEachParam(r.layout, (o, k) => {
      y[o] = Math.fround((xs[o] as number) - (zp === undefined ? 0 : (zp[k] as number))) * s[k];
    });
    return [out];
  };
  kernel.inferShapes = (ins) => [{ dtype: 'float32', shape: resolve(ins).shape }];
  return kernel;
};

/**
 * DynamicQuantizeLinear (uint8): the range of x widened to include 0 gives
 * y_scale = (max - min) / 255 (1 when max = min: an all-zero or empty x) and
 * y_zero_point = round(saturate(0 - min / y_scale)), all in float32 as the function body; then
 * y = QuantizeLinear(x, y_scale, y_zero_point).
 */
const dynamicQuantizeLinear: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly([]);
  requireInputs(ctx, ['x']);
  const resolve = (ins: readonly (ValueType | undefined)[]): ValueType[] => {
    const x = need(ctx, ins, 0, 'x');
    requireDtype(ctx, x, 'x', FLOAT);
    return [{ dtype: 'uint8', shape: x.shape.slice() }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }];
  };
  const kernel: NodeFn = (ins) => {
    const types = resolve(ins);
    const xs = ins[0]!.data as Float32Array;
    let min = 0;
    let max = 0;
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      if (!Number.isFinite(v)) throw ctx.error('INVALID_INPUT', `x[${i}] is ${v}: DynamicQuantizeLinear needs finite values to choose a scale`);
      if (v < min) min = v;
      else if (v > max) max = v;
    }
    const scale = max === min ? 1 : Math.fround(Math.fround(max - min) / 255);
    if (!Number.isFinite(scale)) throw ctx.error('INVALID_INPUT', `the range of x [${min}, ${max}] is too wide for a float32 scale`);
    const zp = roundHalfEven(clamp(Math.fround(0 - Math.fround(min / scale)), 0, 255));
    const y = alloc('uint8', types[0].shape as number[], ctx.label);
    const ys = alloc('float32', [], ctx.label);
    const yzp = alloc('uint8', [], ctx.label);
    const yd = y.data as Uint8Array;
    for (let i = 0; i < xs.length; i++) yd[i] = clamp(roundHalfEven(Math.fround(xs[i] / scale)) + zp, 0, 255);
    (ys.data as Float32Array)[0] = scale;
    (yzp.data as Uint8Array)[0] = zp;
    return [y, ys, yzp];
  };
  kernel.inferShapes = resolve;
  return kernel;
};

// ---------------------------------------------------------------------------------------------
// MatMulInteger / QLinearMatMul

/**
 * A quantization parameter of a matmul operand: per-tensor (false) or per row of A / per column
 * of B (true), as the spec words them: per row [M] for a 2-D A, or A's shape with its last dim 1;
 * per column [N] for a 2-D B, or B's shape with its second-to-last dim 1. Flattened, the per-row
 * parameter of A's element i is at floor(i / K), the per-column one of B's element i at
 * floor(i / (K N)) N + i mod N.
 */
function matmulParam(ctx: NodeContext, p: ValueType, what: string, side: 'row' | 'column', operand: readonly number[], opName: string): boolean {
  if (isScalarLike(p.shape)) return false;
  const r = operand.length;
  if (r >= 2) {
    const count = side === 'row' ? operand[r - 2] : operand[r - 1];
    const want = side === 'row' ? [...operand.slice(0, -1), 1] : [...operand.slice(0, -2), 1, operand[r - 1]];
    if ((r === 2 && p.shape.length === 1 && p.shape[0] === count) || (p.shape.length === r && p.shape.every((d, i) => d === want[i]))) return true;
    const vector = r === 2 ? `[${count}] or ` : '';
    throw ctx.error('SHAPE_MISMATCH', `${what} must be a scalar (per-tensor) or per ${side} of ${opName} ${fmtShape(operand)}: ${vector}${fmtShape(want)}; got ${fmtShape(p.shape)}`);
  }
  throw ctx.error('SHAPE_MISMATCH', `${what} must be a scalar or a one-element 1-D tensor for a 1-D ${opName} ${fmtShape(operand)}, got shape ${fmtShape(p.shape)}`);
}

/** Parameter index of every element of A (per row) or B (per column), or 0 (per-tensor). */
const rowIndex = (perRow: boolean, K: number) => (perRow ? (i: number) => Math.floor(i / K) : () => 0);
const colIndex = (perCol: boolean, K: number, N: number) => (perCol ? (i: number) => Math.floor(i / (K * N)) * N + (i % N) : () => 0);

/**
 * The int32 sums of a centred A times a centred B into `acc` (of the output's size, zeroed):
 * every product exact, the Int32Array's store wrapping each partial sum as int32 accumulation
 * does (the wraps compose: the result is the exact sum modulo 2^32).
 */
function intMatMul(a: Int32Array, b: Int32Array, g: MatMulGeometry, acc: Int32Array): void {
  const { M, K, N } = g;
  forBroadcast(g.batch, bstrides(g.aBatch, g.batch), bstrides(g.bBatch, g.batch), (bo, ia, ib) => {
    const aOff = ia * M * K;
    const bOff = ib * K * N;
    const oOff = bo * M * N;
    for (let m = 0; m < M; m++) {
      const row = oOff + m * N;
      for (let k = 0; k < K; k++) {
        const av = a[aOff + m * K + k];
        if (av === 0) continue;
        const bRow = bOff + k * N;
        for (let n = 0; n < N; n++) acc[row + n] += av * b[bRow + n];
      }
    }
  });
}

/** The output element (batch bo, row m, column n)'s batch offsets into A's and B's per-row / per-column parameters. */
function batchOffsets(g: MatMulGeometry): { aOf: Int32Array; bOf: Int32Array } {
  const n = numelOf(g.batch);
  const aOf = new Int32Array(n);
  const bOf = new Int32Array(n);
  forBroadcast(g.batch, bstrides(g.aBatch, g.batch), bstrides(g.bBatch, g.batch), (bo, ia, ib) => {
    aOf[bo] = ia;
    bOf[bo] = ib;
  });
  return { aOf, bOf };
}

const matMulInteger: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  ctx.allowOnly([]);
  requireInputs(ctx, ['A', 'B']);
  const resolve = (ins: readonly (ValueType | undefined)[]) => {
    const A = need(ctx, ins, 0, 'A');
    const B = need(ctx, ins, 1, 'B');
    requireDtype(ctx, A, 'A', INT8S);
    requireDtype(ctx, B, 'B', INT8S);
    const g = matmulGeometry(ctx, A.shape, B.shape, ['A', 'B']);
    const azp = ins[2];
    const bzp = ins[3];
    if (azp) requireSameType(ctx, azp, 'a_zero_point', A, 'A');
    if (bzp) requireSameType(ctx, bzp, 'b_zero_point', B, 'B');
    const aRow = azp !== undefined && matmulParam(ctx, azp, 'a_zero_point', 'row', A.shape, 'A');
    const bCol = bzp !== undefined && matmulParam(ctx, bzp, 'b_zero_point', 'column', B.shape, 'B');
    return { g, aRow, bCol };
  };
  const kernel: NodeFn = (ins) => {
    const { g, aRow, bCol } = resolve(ins);
    const out = alloc('int32', g.outShape, ctx.label);
    const a = centred(ins[0]!.data as Elems, ins[2]?.data as Elems | undefined, rowIndex(aRow, g.K));
    const b = centred(ins[1]!.data as Elems, ins[3]?.data as Elems | undefined, colIndex(bCol, g.K, g.N));
    intMatMul(a, b, g, out.data as Int32Array);
    return [out];
  };
  kernel.inferShapes = (ins) => [{ dtype: 'int32', shape: resolve(ins).g.outShape }];
  return kernel;
};

const QLINEAR_MATMUL_INPUTS = ['a', 'a_scale', 'a_zero_point', 'b', 'b_scale', 'b_zero_point', 'y_scale', 'y_zero_point'];

const qLinearMatMul: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  ctx.allowOnly([]);
  requireInputs(ctx, QLINEAR_MATMUL_INPUTS);
  const resolve = (ins: readonly (ValueType | undefined)[]) => {
    const [a, as, azp, b, bs, bzp, ys, yzp] = QLINEAR_MATMUL_INPUTS.map((what, i) => need(ctx, ins, i, what));
    requireDtype(ctx, a, 'a', INT8S);
    requireDtype(ctx, b, 'b', INT8S);
    requireSameType(ctx, azp, 'a_zero_point', a, 'a');
    requireSameType(ctx, bzp, 'b_zero_point', b, 'b');
    requireDtype(ctx, yzp, 'y_zero_point', INT8S);
    for (const [t, what] of [[as, 'a_scale'], [bs, 'b_scale'], [ys, 'y_scale']] as const) requireDtype(ctx, t, what, FLOAT);
    const g = matmulGeometry(ctx, a.shape, b.shape, ['a', 'b']);
    const aScaleRow = matmulParam(ctx, as, 'a_scale', 'row', a.shape, 'a');
    const aZpRow = matmulParam(ctx, azp, 'a_zero_point', 'row', a.shape, 'a');
    const bScaleCol = matmulParam(ctx, bs, 'b_scale', 'column', b.shape, 'b');
    const bZpCol = matmulParam(ctx, bzp, 'b_zero_point', 'column', b.shape, 'b');
    requireScalar(ctx, ys, 'y_scale');
    requireScalar(ctx, yzp, 'y_zero_point');
    return { g, dtype: yzp.dtype, aScaleRow, aZpRow, bScaleCol, bZpCol };
  };
  const kernel: NodeFn = (ins) => {
    const r = resolve(ins);
    const { g } = r;
    const [aS, bS, yS] = [ins[1]!.data, ins[4]!.data, ins[6]!.data] as Float32Array[];
    checkScale(ctx, aS, 'a_scale', false);
    checkScale(ctx, bS, 'b_scale', false);
    checkScale(ctx, yS, 'y_scale', true);
    const out = alloc(r.dtype, g.outShape, ctx.label);
    const a = centred(ins[0]!.data as Elems, ins[2]!.data as Elems, rowIndex(r.aZpRow, g.K));
    const b = centred(ins[3]!.data as Elems, ins[5]!.data as Elems, colIndex(r.bZpCol, g.K, g.N));
    const acc = new Int32Array(out.data.length);
    intMatMul(a, b, g, acc);
    const { aOf, bOf } = batchOffsets(g);
    const ys = yS[0];
    const yzp = ins[7]!.data[0] as number;
    const [lo, hi] = rangeOf(r.dtype);
    const y = out.data as Elems;
    // the multipliers of one batch's rows and columns (one each when per-tensor)
    const { M, N } = g;
    const mults = new Float32Array((r.aScaleRow ? M : 1) * (r.bScaleCol ? N : 1));
    for (let bo = 0, o = 0; bo < aOf.length; bo++) {
      const aBase = r.aScaleRow ? aOf[bo] * M : 0;
      const bBase = r.bScaleCol ? bOf[bo] * N : 0;
      for (let m = 0, j = 0; m < (r.aScaleRow ? M : 1); m++) {
        for (let n = 0; n < (r.bScaleCol ? N : 1); n++, j++) mults[j] = multiplier(ctx, aS[aBase + m], bS[bBase + n], ys, 'a_scale * b_scale / y_scale');
      }
      for (let m = 0; m < M; m++) {
        const mRow = r.aScaleRow ? m * (r.bScaleCol ? N : 1) : 0;
        for (let n = 0; n < N; n++, o++) y[o] = requantize(acc[o], mults[mRow + (r.bScaleCol ? n : 0)], yzp, lo, hi);
      }
    }
    return [out];
  };
  kernel.inferShapes = (ins) => {
    const r = resolve(ins);
    return [{ dtype: r.dtype, shape: r.g.outShape }];
  };
  return kernel;
};

// ---------------------------------------------------------------------------------------------
// ConvInteger / QLinearConv

/** Whether a per-channel parameter of w is per-tensor (false) or one per output channel (true). */
function channelParam(ctx: NodeContext, t: ValueType, what: string, M: number): boolean {
  if (isScalarLike(t.shape)) return false;
  if (t.shape.length === 1 && t.shape[0] === M) return true;
  throw ctx.error('SHAPE_MISMATCH', `${what} must be a scalar (per-tensor) or a 1-D tensor of one value per output channel ([${M}]), got shape ${fmtShape(t.shape)}`);
}

/**
 * The int32 sums of a convolution of centred x [N, C, ...in] and w [M, C/group, ...k] (the taps
 * that fall on padding left out: padding with the zero point adds 0), bias[m] added when given;
 * sink(o, sum) receives each output element in row-major order.
 */
function intConv(x: Int32Array, xShape: readonly number[], w: Int32Array, wShape: readonly number[], p: ConvParams, outShape: readonly number[], bias: Elems | undefined, sink: (o: number, sum: number) => void): void {
  const [N, C] = xShape;
  const [M, Cg] = wShape;
  const Mg = M / p.group;
  const inSp = xShape.slice(2);
  const outSp = outShape.slice(2);
  const r = inSp.length;
  const inSize = numelOf(inSp);
  const outSize = numelOf(outSp);
  const taps = numelOf(p.kernel);
  // per output position and tap, the flat input position it reads (-1 on padding), shared by every image and channel
  const kStrides = stridesOf(p.kernel);
  const inStrides = stridesOf(inSp);
  const pos = new Int32Array(outSize * taps);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < outSize; o++) {
    for (let t = 0; t < taps; t++) {
      let flat = 0;
      for (let i = 0; i < r; i++) {
        const k = Math.floor(t / kStrides[i]) % p.kernel[i];
        const q = idx[i] * p.strides[i] - p.padsBegin[i] + k * p.dilations[i];
        if (q < 0 || q >= inSp[i]) {
          flat = -1;
          break;
        }
        flat += q * inStrides[i];
      }
      pos[o * taps + t] = flat;
    }
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i] < outSp[i]) break;
      idx[i] = 0;
    }
  }
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      const base = (n * M + m) * outSize;
      const b = bias === undefined ? 0 : (bias[m] as number);
      for (let o = 0; o < outSize; o++) {
        let acc = b;
        const po = o * taps;
        for (let ci = 0; ci < Cg; ci++) {
          const xc = (n * C + g * Cg + ci) * inSize;
          const wc = (m * Cg + ci) * taps;
          for (let t = 0; t < taps; t++) {
            const q = pos[po + t];
            if (q >= 0) acc += x[xc + q] * w[wc + t];
          }
        }
        sink(base + o, acc);
      }
    }
  }
}

const convInteger: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  const at = parseConvAttrs(ctx, false);
  requireInputs(ctx, ['x', 'w']);
  const resolve = (ins: readonly (ValueType | undefined)[]) => {
    const x = need(ctx, ins, 0, 'x');
    const w = need(ctx, ins, 1, 'w');
    requireDtype(ctx, x, 'x', INT8S);
    requireDtype(ctx, w, 'w', INT8S);
    // Conv's geometry and checks (its messages name X and W)
    const { params: p, outShape } = resolveConv(ctx, at, x.shape, w.shape, undefined);
    const res = { p, outShape };
    const xzp = ins[2];
    const wzp = ins[3];
    if (xzp) {
      requireSameType(ctx, xzp, 'x_zero_point', x, 'x');
      requireScalar(ctx, xzp, 'x_zero_point');
    }
    if (wzp) requireSameType(ctx, wzp, 'w_zero_point', w, 'w');
    const wPerChannel = wzp !== undefined && channelParam(ctx, wzp, 'w_zero_point', w.shape[0]);
    return { ...res, wPerChannel };
  };
  const kernel: NodeFn = (ins) => {
    const r = resolve(ins);
    const out = alloc('int32', r.outShape, ctx.label);
    const [x, w] = [ins[0]!, ins[1]!];
    const perChannel = numelOf(w.shape) / w.shape[0];
    const xc = centred(x.data as Elems, ins[2]?.data as Elems | undefined, () => 0);
    const wc = centred(w.data as Elems, ins[3]?.data as Elems | undefined, r.wPerChannel ? (i) => Math.floor(i / perChannel) : () => 0);
    const y = out.data as Int32Array;
    // the Int32Array's store wraps each sum to int32
    intConv(xc, x.shape, wc, w.shape, r.p, r.outShape, undefined, (o, sum) => (y[o] = sum));
    return [out];
  };
  kernel.inferShapes = (ins) => [{ dtype: 'int32', shape: resolve(ins).outShape }];
  return kernel;
};

const QLINEAR_CONV_INPUTS = ['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point'];

const qLinearConv: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  const at = parseConvAttrs(ctx, false);
  requireInputs(ctx, QLINEAR_CONV_INPUTS);
  const resolve = (ins: readonly (ValueType | undefined)[]) => {
    const [x, xs, xzp, w, ws, wzp, ys, yzp] = QLINEAR_CONV_INPUTS.map((what, i) => need(ctx, ins, i, what));
    const B = ins[8];
    requireDtype(ctx, x, 'x', INT8S);
    requireDtype(ctx, w, 'w', INT8S);
    requireSameType(ctx, xzp, 'x_zero_point', x, 'x');
    requireSameType(ctx, wzp, 'w_zero_point', w, 'w');
    requireDtype(ctx, yzp, 'y_zero_point', INT8S);
    for (const [t, what] of [[xs, 'x_scale'], [ws, 'w_scale'], [ys, 'y_scale']] as const) requireDtype(ctx, t, what, FLOAT);
    // Conv's geometry and checks (its messages name X and W)
    const { params: p, outShape } = resolveConv(ctx, at, x.shape, w.shape, undefined);
    const res = { p, outShape };
    const M = w.shape[0];
    for (const [t, what] of [[xs, 'x_scale'], [xzp, 'x_zero_point'], [ys, 'y_scale'], [yzp, 'y_zero_point']] as const) requireScalar(ctx, t, what);
    const wScalePerChannel = channelParam(ctx, ws, 'w_scale', M);
    const wZpPerChannel = channelParam(ctx, wzp, 'w_zero_point', M);
    if (B !== undefined) {
      requireDtype(ctx, B, 'bias B', ['int32']);
      if (B.shape.length !== 1 || B.shape[0] !== M) throw ctx.error('SHAPE_MISMATCH', `bias B must have shape [${M}] (one per output channel), got ${fmtShape(B.shape)}`);
    }
    return { ...res, dtype: yzp.dtype, wScalePerChannel, wZpPerChannel };
  };
  const kernel: NodeFn = (ins) => {
    const r = resolve(ins);
    const [x, w] = [ins[0]!, ins[3]!];
    const [xS, wS, yS] = [ins[1]!.data, ins[4]!.data, ins[6]!.data] as Float32Array[];
    checkScale(ctx, xS, 'x_scale', false);
    checkScale(ctx, wS, 'w_scale', false);
    checkScale(ctx, yS, 'y_scale', true);
    const M = w.shape[0];
    const mults = Float32Array.from({ length: M }, (_, m) => multiplier(ctx, xS[0], wS[r.wScalePerChannel ? m : 0], yS[0], 'x_scale * w_scale / y_scale'));
    const out = alloc(r.dtype, r.outShape, ctx.label);
    const perChannel = numelOf(w.shape) / M;
    const xc = centred(x.data as Elems, ins[2]!.data as Elems, () => 0);
    const wc = centred(w.data as Elems, ins[5]!.data as Elems, r.wZpPerChannel ? (i) => Math.floor(i / perChannel) : () => 0);
    const yzp = ins[7]!.data[0] as number;
    const [lo, hi] = rangeOf(r.dtype);
    const outSize = numelOf(r.outShape.slice(2));
    const y = out.data as Elems;
    // the sum with the bias wraps to int32 (`| 0`) before it is requantized
    intConv(xc, x.shape, wc, w.shape, r.p, r.outShape, ins[8]?.data as Elems | undefined, (o, sum) => {
      y[o] = requantize(sum | 0, mults[Math.floor(o / outSize) % M], yzp, lo, hi);
    });
    return [out];
  };
  kernel.inferShapes = (ins) => {
    const r = resolve(ins);
    return [{ dtype: r.dtype, shape: r.outShape }];
  };
  return kernel;
};

export const QUANTIZE_OPS: Record<string, OpFactory> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
  MatMulInteger: matMulInteger,
  ConvInteger: convInteger,
  QLinearMatMul: qLinearMatMul,
  QLinearConv: qLinearConv,
};
