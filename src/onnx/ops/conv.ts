/**
 * ONNX Conv and ConvTranspose.
 *
 * Attributes are validated at load. A node whose weight (and bias) are constants at load and
 * whose spatial rank is 1 or 2 packs its weights once into wasm memory (bindings/conv.ts) and
 * runs every call on the wasm GEMM / depthwise kernels, or as an FFT when they are a windowed DFT
 * basis (bindings/conv-dft.ts: an STFT written as a Conv); anything else (weights computed by the
 * graph, 3-D and higher convolutions, the wasm runtime not loaded yet) runs the float64 JS
 * reference below, which is also the tests' oracle.
 */
import { fmtShape } from '../../../base/errors.js';
import { loadedRuntime, type WasmRuntime } from '../../../bindings/wasm.js';
import { type Accumulation, type ConvGeometry2D, type GemmConvPacker, type PackedConvolution, PackedConvTranspose, packGemmConv, packGemmConv64 } from '../../../bindings/conv.js';
import { packConv } from '../../../bindings/conv-dft.js';
import type { NodeFn, NodeContext } from '../node.js';
import { alloc, numelOf, sameShape, type OTensor } from '../values.js';
import { requireFloat, type OpFactory } from './util.js';

// ---------------------------------------------------------------------------------------------
// geometry

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/** Resolved geometry of one call, for any spatial rank r (every array has r entries). */
export interface ConvParams {
  group: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

/** The node's attributes, checked for values at load (lengths once the spatial rank is known). */
export interface ConvAttrs {
  transposed: boolean;
  autoPad: AutoPad;
  group: number;
  kernelShape?: number[];
  pads?: number[];
  strides?: number[];
  dilations?: number[];
  outputPadding?: number[];
  outputShape?: number[];
}

/** Conv's (or ConvTranspose's) attributes, checked at load: ConvInteger and QLinearConv (ops/quantize.ts) read them too. */
export function parseAttrs(ctx: NodeContext, transposed: boolean): ConvAttrs {
  const names = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];
  ctx.allowOnly(transposed ? [...names, 'output_padding', 'output_shape'] : names);
  const autoPad = ctx.string('auto_pad', 'NOTSET') as AutoPad;
  if (!AUTO_PADS.includes(autoPad)) {
    throw ctx.error('INVALID_FORMAT', `attribute 'auto_pad' must be one of ${AUTO_PADS.join(', ')}, got '${autoPad}'`);
  }
  const group = ctx.int('group', 1);
  if (!(group >= 1)) throw ctx.error('INVALID_FORMAT', `attribute 'group' must be at least 1, got ${group}`);
  const list = (name: string, min: number): number[] | undefined => {
    const v = ctx.ints(name);
    if (v === undefined) return undefined;
    const bad = v.findIndex((e) => !(e >= min));
    if (bad >= 0) throw ctx.error('INVALID_FORMAT', `attribute '${name}' must hold values >= ${min}, got ${fmtShape(v)}`);
    return v;
  };
  const at: ConvAttrs = {
    transposed,
    autoPad,
    group,
    kernelShape: list('kernel_shape', 1),
    pads: list('pads', 0),
    strides: list('strides', 1),
    dilations: list('dilations', 1),
    outputPadding: transposed ? list('output_padding', 0) : undefined,
    outputShape: transposed ? list('output_shape', 0) : undefined,
  };
  if (at.pads && autoPad !== 'NOTSET') {
    throw ctx.error('INVALID_FORMAT', `attribute 'pads' cannot be used with auto_pad=${autoPad} (only with NOTSET)`);
  }
  return at;
}

/** Checks every list attribute against the spatial rank r (from the weight's rank). */
function checkLengths(ctx: NodeContext, at: ConvAttrs, r: number): void {
  const want: [string, number[] | undefined, number][] = [
    ['kernel_shape', at.kernelShape, r],
    ['strides', at.strides, r],
    ['dilations', at.dilations, r],
    ['pads', at.pads, 2 * r],
    ['output_padding', at.outputPadding, r],
  ];
  for (const [name, v, n] of want) {
    if (v !== undefined && v.length !== n) {
      throw ctx.error('INVALID_FORMAT', `attribute '${name}' must have ${n} values for a ${r}-D convolution (weight rank ${r + 2}), got ${v.length}: ${fmtShape(v)}`);
    }
  }
  const os = at.outputShape;
  if (os !== undefined && os.length !== r && os.length !== r + 2) {
    throw ctx.error('INVALID_FORMAT', `attribute 'output_shape' must have ${r} (or ${r + 2}) values for a ${r}-D convolution, got ${os.length}: ${fmtShape(os)}`);
  }
}

/** Checks the weight's shape on its own (at load when constant, else per call). */
function checkWeight(ctx: NodeContext, at: ConvAttrs, wShape: readonly number[]): void {
  if (wShape.length < 3) {
    throw ctx.error('SHAPE_MISMATCH', `weight W must have rank >= 3 ([${at.transposed ? 'C, M/group' : 'M, C/group'}, k1, ...]), got shape ${fmtShape(wShape)}`);
  }
  const r = wShape.length - 2;
  checkLengths(ctx, at, r);
  if (wShape.some((d) => d === 0)) throw ctx.error('SHAPE_MISMATCH', `weight W has a zero-length dimension: shape ${fmtShape(wShape)}`);
  const kernel = wShape.slice(2);
  if (at.kernelShape && at.kernelShape.some((k, i) => k !== kernel[i])) {
    throw ctx.error('SHAPE_MISMATCH', `attribute 'kernel_shape' ${fmtShape(at.kernelShape)} does not match the weight's kernel dims ${fmtShape(kernel)} (W shape ${fmtShape(wShape)})`);
  }
  if (wShape[0] % at.group !== 0) {
    const what = at.transposed ? 'input' : 'output';
    throw ctx.error('SHAPE_MISMATCH', `attribute 'group' (${at.group}) must divide the ${what} channels (W dim 0 = ${wShape[0]})`);
  }
}

function checkBias(ctx: NodeContext, bShape: readonly number[], cout: number): void {
  if (bShape.length !== 1 || bShape[0] !== cout) {
    throw ctx.error('SHAPE_MISMATCH', `bias B must have shape [${cout}] (one per output channel), got ${fmtShape(bShape)}`);
  }
}

/** Output channels of a weight of shape wShape. */
function outChannels(at: ConvAttrs, wShape: readonly number[]): number {
  return at.transposed ? wShape[1] * at.group : wShape[0];
}

export interface ResolvedConv {
  params: ConvParams;
  outShape: number[];
}

/** Checks X against W (and B) and works out pads and the output shape of one call (ops/quantize.ts's integer convolutions too). */
export function resolve(ctx: NodeContext, at: ConvAttrs, xShape: readonly number[], wShape: readonly number[], bShape: readonly number[] | undefined): ResolvedConv {
  checkWeight(ctx, at, wShape);
  const r = wShape.length - 2;
  if (xShape.length !== r + 2) {
    throw ctx.error('SHAPE_MISMATCH', `input X must have rank ${r + 2} ([N, C, ${r}-D spatial], like W ${fmtShape(wShape)}), got shape ${fmtShape(xShape)}`);
  }
  const C = xShape[1];
  const G = at.group;
  if (C === 0 || xShape.slice(2).some((d) => d === 0)) {
    throw ctx.error('INVALID_INPUT', `input X has a zero-length channel or spatial dimension: shape ${fmtShape(xShape)}`);
  }
  if (C % G !== 0) throw ctx.error('SHAPE_MISMATCH', `attribute 'group' (${G}) must divide the input channels (X dim 1 = ${C})`);
  const wantC = at.transposed ? wShape[0] : wShape[1] * G;
  if (C !== wantC) {
    const why = at.transposed ? `W dim 0 = ${wShape[0]}` : `W dim 1 (${wShape[1]}) x group (${G})`;
    throw ctx.error('SHAPE_MISMATCH', `input X has ${C} channels but the weight expects ${wantC} (${why}); X ${fmtShape(xShape)}, W ${fmtShape(wShape)}`);
  }
  const cout = outChannels(at, wShape);
  if (bShape) checkBias(ctx, bShape, cout);

  const kernel = wShape.slice(2);
  const strides = at.strides ?? kernel.map(() => 1);
  const dilations = at.dilations ?? kernel.map(() => 1);
  const inSp = xShape.slice(2);
  const extent = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  const padsBegin = new Array<number>(r).fill(0);
  const padsEnd = new Array<number>(r).fill(0);
  const outSp = new Array<number>(r);
  if (!at.transposed) {
    for (let i = 0; i < r; i++) {
      if (at.autoPad === 'SAME_UPPER' || at.autoPad === 'SAME_LOWER') {
        outSp[i] = Math.ceil(inSp[i] / strides[i]);
        const total = Math.max(0, (outSp[i] - 1) * strides[i] + extent[i] - inSp[i]);
        const small = Math.floor(total / 2);
        padsBegin[i] = at.autoPad === 'SAME_UPPER' ? small : total - small;
        padsEnd[i] = total - padsBegin[i];
      } else {
        if (at.pads) {
          padsBegin[i] = at.pads[i];
          padsEnd[i] = at.pads[i + r];
        }
        const padded = inSp[i] + padsBegin[i] + padsEnd[i];
        if (padded < extent[i]) {
          throw ctx.error('SHAPE_MISMATCH', `spatial dim ${i}: the padded input (${inSp[i]} + pads ${padsBegin[i]}, ${padsEnd[i]} = ${padded}) is smaller than the dilated kernel (${extent[i]}); X ${fmtShape(xShape)}, W ${fmtShape(wShape)}`);
        }
        outSp[i] = Math.floor((padded - extent[i]) / strides[i]) + 1;
      }
    }
  } else {
    const outPad = at.outputPadding ?? kernel.map(() => 0);
    const os = at.outputShape ? at.outputShape.slice(at.outputShape.length - r) : undefined;
    for (let i = 0; i < r; i++) {
      const full = strides[i] * (inSp[i] - 1) + outPad[i] + extent[i];
      const target = os ? os[i] : at.autoPad === 'SAME_UPPER' || at.autoPad === 'SAME_LOWER' ? inSp[i] * strides[i] : undefined;
      if (target !== undefined) {
        // as ONNX (and onnxruntime): an output_shape larger than the full output pads nothing (the
        // extra positions get only the bias); an odd unit of padding goes to the end with
        // SAME_UPPER, to the beginning otherwise (SAME_LOWER, or output_shape with NOTSET)
        const total = Math.max(0, full - target);
        const small = Math.floor(total / 2);
        padsBegin[i] = at.autoPad === 'SAME_UPPER' ? small : total - small;
        padsEnd[i] = total - padsBegin[i];
        outSp[i] = target;
      } else {
        if (at.pads && at.autoPad === 'NOTSET') {
          padsBegin[i] = at.pads[i];
          padsEnd[i] = at.pads[i + r];
        }
        outSp[i] = full - padsBegin[i] - padsEnd[i];
      }
      if (!(outSp[i] >= 1)) {
        throw ctx.error('SHAPE_MISMATCH', `spatial dim ${i}: the output size would be ${outSp[i]} (input ${inSp[i]}, stride ${strides[i]}, kernel extent ${extent[i]}, pads ${padsBegin[i]}, ${padsEnd[i]}); X ${fmtShape(xShape)}, W ${fmtShape(wShape)}`);
      }
    }
  }
  return { params: { group: G, kernel, strides, dilations, padsBegin, padsEnd }, outShape: [xShape[0], cout, ...outSp] };
}

// ---------------------------------------------------------------------------------------------
// float64 reference (any spatial rank)

/** Per tap (kernel position, row-major over the kernel dims): its offset k_i * d_i in each dim. */
function tapOffsets(p: ConvParams): number[][] {
  const taps = numelOf(p.kernel);
  const r = p.kernel.length;
  const out: number[][] = [];
  for (let t = 0; t < taps; t++) {
    const off = new Array<number>(r);
    let rest = t;
    for (let i = r - 1; i >= 0; i--) {
      off[i] = (rest % p.kernel[i]) * p.dilations[i];
      rest = Math.floor(rest / p.kernel[i]);
    }
    out.push(off);
  }
  return out;
}

/**
 * pos[t] <- the row-major flat index in `dims` of tap t seen from multi-index `idx`, i.e. of
 * idx * stride + tap offset - padBegin in every dim, or -1 where that falls outside `dims`.
 * (Conv reads the input there; ConvTranspose writes the output there.)
 */
function tapPositions(idx: readonly number[], p: ConvParams, taps: readonly number[][], dims: readonly number[], pos: number[]): void {
  for (let t = 0; t < taps.length; t++) {
    let flat = 0;
    for (let i = 0; i < dims.length; i++) {
      const q = idx[i] * p.strides[i] - p.padsBegin[i] + taps[t][i];
      if (q < 0 || q >= dims[i]) {
        flat = -1;
        break;
      }
      flat = flat * dims[i] + q;
    }
    pos[t] = flat;
  }
}

/** Advances a row-major multi-index over `dims`. */
function nextIndex(idx: number[], dims: readonly number[]): void {
  for (let i = dims.length - 1; i >= 0; i--) {
    if (++idx[i] < dims[i]) return;
    idx[i] = 0;
  }
}

/**
 * The spatial side of a reference pass over x [N, C, ...in] giving [N, M, ...out]: the input and
 * output spatial dims and sizes, the taps (tapOffsets), and scratch for the multi-index walked
 * (nextIndex) and the taps' positions (tapPositions).
 */
function spatialPass(xShape: readonly number[], outShape: readonly number[], p: ConvParams) {
  const inSp = xShape.slice(2);
  const outSp = outShape.slice(2);
  const taps = tapOffsets(p);
  return {
    inSp, outSp, inSize: numelOf(inSp), outSize: numelOf(outSp), taps,
    idx: new Array<number>(inSp.length), pos: new Array<number>(taps.length),
  };
}

/**
 * Conv in float64, rounded once per output to float32. x [N, C, ...in], w [M, C/group, ...k],
 * bias [M] or undefined; out [N, M, ...outSpatial].
 */
export function convReference(
  x: Float32Array, xShape: readonly number[], w: Float32Array, wShape: readonly number[], bias: Float32Array | undefined,
  p: ConvParams, outShape: readonly number[],
): Float32Array {
  const [N, C] = xShape;
  const [M, Cg] = wShape;
  const Mg = M / p.group;
  const { inSp, outSp, inSize, outSize, taps, idx: oIdx, pos } = spatialPass(xShape, outShape, p);
  const out = new Float32Array(N * M * outSize);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      oIdx.fill(0);
      for (let o = 0; o < outSize; o++) {
        tapPositions(oIdx, p, taps, inSp, pos);
        let acc = 0;
        for (let ci = 0; ci < Cg; ci++) {
          const xc = (n * C + g * Cg + ci) * inSize;
          const wc = (m * Cg + ci) * taps.length;
          for (let t = 0; t < taps.length; t++) if (pos[t] >= 0) acc += x[xc + pos[t]] * w[wc + t];
        }
        out[(n * M + m) * outSize + o] = acc + (bias ? bias[m] : 0);
        nextIndex(oIdx, outSp);
      }
    }
  }
  return out;
}

/**
 * ConvTranspose in float64, rounded once per output to float32. x [N, C, ...in],
 * w [C, M/group, ...k], bias [M] or undefined; out [N, M, ...outSpatial]: every input value
 * scatters x * w to output position in * stride + k * dilation - padBegin.
 */
export function convTransposeReference(
  x: Float32Array, xShape: readonly number[], w: Float32Array, wShape: readonly number[], bias: Float32Array | undefined,
  p: ConvParams, outShape: readonly number[],
): Float32Array {
  const [N, C] = xShape;
  const Mg = wShape[1];
  const M = outShape[1];
  const Cg = C / p.group;
  const { inSp, outSp, inSize, outSize, taps, idx: iIdx, pos } = spatialPass(xShape, outShape, p);
  const acc = new Float64Array(N * M * outSize);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) acc.fill(bias ? bias[m] : 0, (n * M + m) * outSize, (n * M + m + 1) * outSize);
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / Cg);
      iIdx.fill(0);
      for (let ii = 0; ii < inSize; ii++) {
        const xv = x[(n * C + c) * inSize + ii];
        tapPositions(iIdx, p, taps, outSp, pos);
        for (let t = 0; t < taps.length; t++) {
          if (pos[t] < 0) continue;
          for (let mg = 0; mg < Mg; mg++) {
            acc[(n * M + g * Mg + mg) * outSize + pos[t]] += xv * w[(c * Mg + mg) * taps.length + t];
          }
        }
        nextIndex(iIdx, inSp);
      }
    }
  }
  return Float32Array.from(acc);
}

// ---------------------------------------------------------------------------------------------
// the operators

/** A resolved 1-D or 2-D call in the 2-D form the bindings take (a 1-D one has height 1). */
function geometry2D(xShape: readonly number[], res: ResolvedConv): ConvGeometry2D {
  const p = res.params;
  const two = p.kernel.length === 2;
  const at = (v: readonly number[], i: number, one: number) => (two ? v[i] : i === 0 ? one : v[0]);
  return {
    batch: xShape[0],
    inH: two ? xShape[2] : 1,
    inW: xShape[xShape.length - 1],
    outH: two ? res.outShape[2] : 1,
    outW: res.outShape[res.outShape.length - 1],
    strideH: at(p.strides, 0, 1),
    strideW: at(p.strides, 1, 1),
    dilationH: at(p.dilations, 0, 1),
    dilationW: at(p.dilations, 1, 1),
    padTop: at(p.padsBegin, 0, 0),
    padLeft: at(p.padsBegin, 1, 0),
    padBottom: at(p.padsEnd, 0, 0),
    padRight: at(p.padsEnd, 1, 0),
  };
}

function floatInput(ctx: NodeContext, ins: (OTensor | undefined)[], i: number, what: string): OTensor {
  const t = ctx.input(ins, i, what);
  requireFloat(ctx, t, what);
  return t;
}

/** What differs between Conv and ConvTranspose nodes: kept apart so that a registry with Conv alone (Silero's) ships no ConvTranspose code. */
interface ConvKind {
  transposed: boolean;
  reference: typeof convReference;
  pack(rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, wShape: readonly number[], at: ConvAttrs, label: string, accumulation: Accumulation): PackedConvolution;
}

/** [kh, kw] of a 1-D ([.., kw]) or 2-D weight shape. */
const kernelHW = (wShape: readonly number[]): [number, number] => (wShape.length === 4 ? [wShape[2], wShape[3]] : [1, wShape[2]]);

/** Conv, packing the GEMM convolutions with `gemm` (for the node's accumulation). */
function convKind(gemm: (accumulation: Accumulation) => GemmConvPacker): ConvKind {
  return {
    transposed: false,
    reference: convReference,
    pack(rt, w, bias, wShape, at, label, accumulation) {
      const [kh, kw] = kernelHW(wShape);
      const oneDimUndilated = wShape.length === 3 && (at.dilations?.[0] ?? 1) === 1;
      return packConv(rt, w, bias, { cout: wShape[0], cinPerGroup: wShape[1], group: at.group, kh, kw }, oneDimUndilated, label, gemm(accumulation));
    },
  };
}

const CONV = /* @__PURE__ */ convKind((accumulation) => (accumulation === 'float32' ? packGemmConv : packGemmConv64));
const CONV_FLOAT32 = /* @__PURE__ */ convKind(() => packGemmConv);

const CONV_TRANSPOSE: ConvKind = {
  transposed: true,
  reference: convTransposeReference,
  pack(rt, w, bias, wShape, at, label) {
    const [kh, kw] = kernelHW(wShape);
    return new PackedConvTranspose(rt, w, bias, { cin: wShape[0], coutPerGroup: wShape[1], group: at.group, kh, kw }, label);
  },
};

function convNode(ctx: NodeContext, kind: ConvKind): NodeFn {
  const at = parseAttrs(ctx, kind.transposed);
  const hasBias = (ctx.node.inputs[2] ?? '') !== '';
  const W = ctx.constInputs[1];
  const B = hasBias ? ctx.constInputs[2] : undefined;
  // Weights known at load are checked now and packed into wasm memory at the node's first run,
  // so a branch that never runs (Silero's 8 kHz half when fed 16 kHz) costs no packing.
  let pack: (() => PackedConvolution) | undefined;
  let packed: PackedConvolution | undefined;
  if (W && W.dtype === 'float32') {
    checkWeight(ctx, at, W.shape);
    const cout = outChannels(at, W.shape);
    if (B) {
      requireFloat(ctx, B, 'bias B');
      checkBias(ctx, B.shape, cout);
    }
    const rt = W.shape.length <= 4 && (!hasBias || B) ? loadedRuntime() : undefined;
    if (rt) {
      const bias = B ? (B.data as Float32Array) : null;
      pack = () => kind.pack(rt, W.data as Float32Array, bias, W.shape, at, ctx.label, ctx.accumulation);
      // A disposed model's kernels never run again (OnnxModel.run throws DISPOSED first).
      ctx.resources.push({
        dispose() {
          packed?.dispose();
          packed = undefined;
        },
      });
    }
  }
  const reference = kind.reference;
  const label = ctx.label;
  // the packed path's last input shape and what it resolved to: a stream of same-shape calls
  // (one audio frame after another) checks and resolves its geometry once
  let lastShape: readonly number[] = [];
  let lastResolved: ResolvedConv | undefined;
  let lastGeometry: ConvGeometry2D | undefined;
  const kernel: NodeFn = (ins) => {
    const x = floatInput(ctx, ins, 0, 'input X');
    const w = floatInput(ctx, ins, 1, 'weight W');
    const b = hasBias ? floatInput(ctx, ins, 2, 'bias B') : undefined;
    const onPacked = pack !== undefined && w.data === W!.data && (b === undefined || b.data === B!.data);
    if (onPacked && packed === undefined) packed = pack!();
    if (onPacked && lastResolved && sameShape(x.shape, lastShape)) {
      const out = alloc('float32', lastResolved.outShape.slice(), label);
      packed!.run(x.data as Float32Array, lastGeometry!, out.data as Float32Array);
      return [out];
    }
    const res = resolve(ctx, at, x.shape, w.shape, b?.shape);
    const out = alloc('float32', res.outShape, label);
    if (res.outShape[0] === 0) return [out];
    if (onPacked) {
      lastShape = x.shape.slice();
      lastResolved = res;
      lastGeometry = geometry2D(x.shape, res);
      packed!.run(x.data as Float32Array, lastGeometry, out.data as Float32Array);
    } else {
      out.data = reference(x.data as Float32Array, x.shape, w.data as Float32Array, w.shape, b?.data as Float32Array | undefined, res.params, res.outShape);
    }
    return [out];
  };
  kernel.prepare = ([x, w, b]) => {
    // the packed path with its geometry resolved once; other inputs run the kernel
    const packedInputs = pack !== undefined && (w as OTensor | undefined)?.data === W!.data && (!hasBias || (b as OTensor | undefined)?.data === B!.data);
    if (!packedInputs || x?.dtype !== 'float32') return undefined;
    let res: ResolvedConv;
    try {
      res = resolve(ctx, at, x.shape, w!.shape, b?.shape);
    } catch {
      return undefined;
    }
    const geometry = geometry2D(x.shape, res);
    const empty = res.outShape[0] === 0;
    return {
      outputs: [{ dtype: 'float32', shape: res.outShape }],
      run(ins, outs) {
        if (empty) return;
        packed ??= pack!();
        packed.run(ins[0]!.data as Float32Array, geometry, outs[0].data as Float32Array);
      },
    };
  };
  kernel.inferShapes = ([x, w, b]) => {
    if (x?.dtype !== 'float32' || w?.dtype !== 'float32' || (hasBias && b?.dtype !== 'float32')) return [undefined];
    return [{ dtype: 'float32', shape: resolve(ctx, at, x.shape, w.shape, b?.shape).outShape }];
  };
  return kernel;
}

export const convOp: OpFactory = (ctx) => convNode(ctx, CONV);
/**
 * Conv whose convolutions on constant weights sum in float32 whatever the model's
 * accumulation: an operator set with this Conv ships without the float64 GEMM path
 * (SileroVad's, which offers no accumulation).
 */
export const convFloat32Op: OpFactory = (ctx) => convNode(ctx, CONV_FLOAT32);
export const convTransposeOp: OpFactory = (ctx) => convNode(ctx, CONV_TRANSPOSE);

export const CONV_OPS: Record<string, OpFactory> = { Conv: convOp, ConvTranspose: convTransposeOp };
