/**
 * 1-D and 2-D convolutions (ONNX Conv / ConvTranspose, NCHW) on the wasm kernels, with their
 * weights packed once into wasm memory. One class per way of computing them (docs/onnx.md, "Conv
 * numerics"):
 *
 * PackedGemmConv, float32 sums (Accumulation 'float32', the importer's default): per group
 * out[M, pixels] = W[M, K] * patches[K, pixels] on f32_gemm, W as ONNX stores it (row-major, K in
 * (c, ky, kx) order: onnxruntime's order of the sums) and the patches written by
 * x32_im2col_panels straight from the NCHW input into the GEMM's 8-pixel panels, a few panels at
 * a time so that they stay in cache; the result is already NCHW, and the bias is added after the
 * sum (f32_vadd_rows), as onnxruntime adds it. Below ROWS_BELOW_PIXELS output pixels the pixels
 * are the GEMM's rows instead: the patches as rows (8-pixel panels transposed, or below 8 pixels
 * panels of one pixel), the weights packed once into 8-column panels, the bias added last by the
 * GEMM, the [pixels, M] result transposed. Same sums, same order, same bits.
 *
 * PackedGemmConv64, float64 sums ('float64'): every output accumulated in float64 and rounded to
 * float32 once. The kernels read float32 values held as float64 (the weights and bias widened
 * when packed, each image once per call by f32_f64_vcvt); products of float32 values are exact in
 * float64, so the result is the same on every build and differs from the float64 JS reference
 * only by the order of the sums. Each batch item is copied in channels-last ([rows][cols][C])
 * with its zero padding, so a patch of one group is kh runs of kw * Cg values; the GEMM's A matrix
 * is the image itself when one patch is one contiguous run (1-D with dilation 1, or a 1x1 kernel
 * with unit strides and no padding, and one group: row t starts t * stride pixels further on), else
 * im2col rows (x64_im2col), per group. Weights are packed per group in (ky, kx, c) order, the
 * order of those rows; the bias is added by the GEMM; the [pixels, M] result is copied out
 * transposed.
 *
 * PackedDepthwiseConv (either accumulation): float64 sums, weights taps-major. A 1-D one with
 * stride 1 runs on the input as ONNX lays it out (NCW, f32_dwconv1d_ncw_f64acc), without the
 * transposes of the channels-last kernel (f32_dwconv_f64acc): the depthwise half of audio models'
 * separable blocks (Silero VAD v4: 258 channels x 24 steps), where the transposes cost as much as
 * the sums. The same sums in the same order: the same bits.
 *
 * PackedConvTranspose: per group one GEMM of the channels-last input [pixels, C/group] against the
 * weights packed as [M/group * kh * kw, C/group] gives every input pixel's contribution to every
 * (output channel, tap), kept in float64 (f32_gemm_f64acc_f64out); col2im then adds them at
 * pixel * stride + tap * dilation - pad (in float64, with the bias, rounded once).
 *
 * The workspace is kept between calls and only grows, so repeated calls of the same shape
 * allocate nothing in wasm memory.
 */
import { RnnError } from '../base/errors.js';
import { PANEL64, packPanels64 } from './panels.js';
export type { Accumulation } from './panels.js';
import type { Kernels } from './kernels.js';
import type { WasmRuntime } from './wasm.js';
import { Workspace } from './workspace.js';
import { type Disposable, WasmBlocks, disposeWhenCollected, cancelDisposeWhenCollected } from './ownership.js';

/** One call's geometry in 2-D form: a 1-D convolution has inH = outH = 1 and unit H stride/dilation, no H padding. */
export interface ConvGeometry2D {
  batch: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}


/** Panels of patches a float32 call builds at a time: at most this many floats (256 KB, held in L2). */
const PANEL_FLOATS = 65536;
/**
 * Below this many output pixels a float32 call runs with the pixels as the GEMM's rows (few rows,
 * the weights pre-packed) instead of as its panels (where the weights, the GEMM's rows then, are
 * packed into the GEMM's scratch on every call): bench/conv.mjs.
 */
const ROWS_BELOW_PIXELS = 32;

export interface ConvWeightShape {
  /** Output channels (M). */
  cout: number;
  /** Input channels per group (W dim 1). */
  cinPerGroup: number;
  group: number;
  kh: number;
  kw: number;
}

export interface ConvTransposeWeightShape {
  /** Input channels (W dim 0). */
  cin: number;
  /** Output channels per group (W dim 1). */
  coutPerGroup: number;
  group: number;
  kh: number;
  kw: number;
}

const f64View = (rt: WasmRuntime, ptr: number, n: number): Float64Array => new Float64Array(rt.memory.buffer, ptr, n);

/** A packed conv's wasm blocks (bindings/ownership.ts WasmBlocks) and its grow-only workspace split into float regions. */
export class ConvMemory {
  private readonly blocks: WasmBlocks;
  private readonly ws: Workspace;
  private readonly freeWorkspace: Disposable;
  private isDisposed = false;

  /** Memory of `owner` (a packed conv): freed by dispose(), or once `owner` is collected. */
  constructor(
    readonly rt: WasmRuntime,
    readonly what: string,
    owner: object,
  ) {
    this.blocks = new WasmBlocks(rt, owner);
    const ws = new Workspace(rt);
    this.ws = ws;
    this.freeWorkspace = { dispose: () => ws.free() };
    disposeWhenCollected(owner, this.freeWorkspace);
  }

  own(ptr: number): number {
    return this.blocks.own(ptr);
  }

  /** Copies `data` into a new owned block. */
  put(data: Float32Array | Float64Array, what: string): number {
    return this.blocks.put(data, `${this.what}: ${what}`);
  }

  /** A bias (or null: 0) widened to float64 into a new owned block. */
  putWideBias(bias: Float32Array | null): number {
    return bias ? this.put(Float64Array.from(this.rt.detachSafe(bias)), 'bias') : 0;
  }

  /** Runs `pack`, which puts the weights into blocks of this memory; if it throws, frees them all and rethrows. */
  packing<T>(pack: () => T): T {
    try {
      return pack();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * Byte addresses of regions of the given float counts (a region of n doubles is 2n floats),
   * growing the workspace if needed. Every region starts 16-byte aligned.
   */
  workspace(floats: readonly number[]): number[] {
    return this.ws.regions(floats, `${this.what}: workspace`);
  }

  /**
   * build()'s value for `key` (a call's geometry object), reused while the key and the wasm
   * memory buffer stay the same: the workspace addresses and views of a repeated call are not
   * worked out again. One entry: another key replaces it.
   */
  memo<K extends object, T>(key: K, build: (key: K) => T): T {
    if (this.memoKey !== key || this.memoBuffer !== this.rt.memory.buffer) {
      this.memoValue = build(key);
      this.memoKey = key;
      this.memoBuffer = this.rt.memory.buffer; // after build(), which may have grown the memory
    }
    return this.memoValue as T;
  }

  private memoKey: object | null = null;
  private memoBuffer: ArrayBufferLike | null = null;
  private memoValue: unknown;

  get disposed(): boolean {
    return this.isDisposed;
  }

  dispose(): void {
    this.blocks.dispose();
    cancelDisposeWhenCollected(this.freeWorkspace);
    this.ws.free();
    this.memoKey = null;
    this.isDisposed = true;
  }
}

/**
 * Where a batch item is staged (as given, NCHW), laid out channels-last with its padding, and
 * widened to float64 (`wide`, what the kernels read).
 */
export interface ImageRegions {
  staged: number;
  stagedView: Float32Array;
  img: number;
  imgView: Float32Array;
  wide: number;
}

/** The image regions at the first three workspace addresses: staged input, padded image (floats), and its widened copy. */
export function imageRegions(rt: WasmRuntime, [staged, img, wide]: number[], inFloats: number, imgFloats: number): ImageRegions {
  return { staged, stagedView: rt.f32(staged, inFloats), img, imgView: rt.f32(img, imgFloats), wide };
}

/**
 * Lays out item `n` of x [N, C, H, W] in `r.img` as [H + pads][W + pads][C], zero padding
 * around: copied into wasm memory as it is, then transposed there (x32_transpose, per image row
 * when there are left / right pads), or copied straight in when one channel or one pixel makes
 * both layouts the same; then widened into `r.wide` (f32_f64_vcvt).
 */
export function loadChannelsLast(ex: Kernels, x: Float32Array, n: number, C: number, g: ConvGeometry2D, r: ImageRegions): void {
  const transpose = ex.x32_transpose;
  const { inH: H, inW: W } = g;
  const wp = W + g.padLeft + g.padRight;
  const size = C * H * W;
  // one item is x itself (no view to make) in the common batch of one
  const item = x.length === size ? x : x.subarray(n * size, (n + 1) * size);
  if (g.padTop || g.padLeft || g.padBottom || g.padRight) r.imgView.fill(0);
  const first = (g.padTop * wp + g.padLeft) * C; // float offset of pixel (0, 0)
  if (C === 1 && g.padLeft + g.padRight !== 0) {
    const img = r.imgView;
    for (let y = 0; y < H; y++) for (let i = 0, to = first + y * wp, from = y * W; i < W; i++) img[to + i] = item[from + i];
  } else if (C === 1 || H * W === 1) {
    r.imgView.set(item, first);
  } else {
    r.stagedView.set(item);
    if (g.padLeft + g.padRight === 0) transpose(r.img + first * 4, r.staged, C, H * W, H * W, C);
    else for (let y = 0; y < H; y++) transpose(r.img + (first + y * wp * C) * 4, r.staged + y * W * 4, C, W, H * W, C);
  }
  ex.f32_f64_vcvt(r.wide, r.img, r.imgView.length);
}

/**
 * Output pixels [first, first + count) whose in-bounds taps are taps [tap0, tap0 + taps) in the
 * (ky, kx) order: the GEMM sums only those K terms (products with the zero padding are left out,
 * as the float64 reference leaves them out: same sums, less work).
 */
interface TapRun {
  first: number;
  count: number;
  tap0: number;
  taps: number;
}

/**
 * The runs of a call: in a 1-D convolution (one output row, kw taps along it) the pixels near
 * the ends see fewer taps, each its own run; otherwise one run of every pixel and tap.
 */
function tapRuns(g: ConvGeometry2D, kh: number, kw: number): TapRun[] {
  if (!(kh === 1 && g.outH === 1 && g.padTop === 0)) return [{ first: 0, count: g.outH * g.outW, tap0: 0, taps: kh * kw }];
  const runs: TapRun[] = [];
  for (let t = 0; t < g.outW; t++) {
    const x0 = t * g.strideW - g.padLeft; // input column of tap 0
    let lo = Math.max(0, Math.ceil(-x0 / g.dilationW));
    let hi = Math.min(kw, Math.floor((g.inW - 1 - x0) / g.dilationW) + 1);
    if (hi <= lo) lo = hi = 0; // only padding: the output is the bias
    const last = runs[runs.length - 1];
    if (last && last.tap0 === lo && last.taps === hi - lo) last.count++;
    else runs.push({ first: t, count: 1, tap0: lo, taps: hi - lo });
  }
  return runs;
}

/** A convolution's constant weights packed into wasm memory (one of the classes below, or conv-dft.ts's FFT). */
export interface PackedConvolution {
  /** x [N, C, inH, inW] -> out [N, M, outH, outW] (the caller's array, checked by the caller). */
  run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void;
  dispose(): void;
}

/** What every packed convolution holds: its wasm memory, weight shape and kernels. */
abstract class PackedConvBase<S> implements PackedConvolution {
  protected readonly mem: ConvMemory;
  protected readonly ex: Kernels;

  constructor(
    rt: WasmRuntime,
    protected readonly shape: S,
    what: string,
  ) {
    this.mem = new ConvMemory(rt, what, this);
    this.ex = rt.exports;
  }

  abstract run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void;

  /** DISPOSED after dispose(); else `x` safe to read across wasm memory growth. */
  protected input(x: Float32Array): Float32Array {
    if (this.mem.disposed) throw new RnnError('DISPOSED', `${this.mem.what}: used after dispose()`);
    return this.mem.rt.detachSafe(x);
  }

  dispose(): void {
    this.mem.dispose();
  }
}

/**
 * Float32 sums on f32_gemm (not depthwise): the weights one block as ONNX stores them, the bias
 * float32; weight panels for calls with few pixels, made at the first such call.
 */
export class PackedGemmConv extends PackedConvBase<ConvWeightShape> {
  private readonly weights: number;
  private weightPanels: number[] | undefined;
  private readonly bias: number;

  constructor(rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, shape: ConvWeightShape, what: string) {
    super(rt, shape, what);
    [this.weights, this.bias] = this.mem.packing(() => [this.mem.put(rt.detachSafe(w), 'weights'), bias ? this.mem.put(rt.detachSafe(bias), 'bias') : 0]);
  }

  /** Workspace regions and views for geometry `g`, and whether its pixels are the GEMM's rows. */
  private plan(g: ConvGeometry2D) {
    const { cout: M, cinPerGroup: cg, group, kh, kw } = this.shape;
    const pixels = g.outH * g.outW;
    const inFloats = cg * group * g.inH * g.inW;
    const k = cg * kh * kw;
    const rows = pixels < ROWS_BELOW_PIXELS;
    if (rows && !this.weightPanels) {
      // the weights of each group [M/group, k] in f32_gemm's 8-column panels (x32_packw_x8)
      const mg = M / group;
      const weightPanels: number[] = [];
      for (let gi = 0; gi < group; gi++) {
        const dst = this.mem.own(this.mem.rt.alloc(this.ex.x32_packw_x8_size(mg, k) * 4, `${this.mem.what}: weight panels`));
        this.ex.x32_packw_x8(dst, this.weights + gi * mg * k * 4, mg, k, k);
        weightPanels.push(dst);
      }
      this.weightPanels = weightPanels;
    }
    // rows: all the patches as rows [pixels, k], written as panels of one pixel or, from 8 pixels
    // on, as 8-pixel panels (their vector copies) each transposed; a pointwise convolution's
    // (1x1, unit strides, no padding) rows are its input transposed. The GEMM's result: [pixels, M].
    const pointwise = rows && kh === 1 && kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop + g.padLeft + g.padBottom + g.padRight === 0;
    const nr = rows && pixels < 8 ? 1 : 8;
    const panelsAtOnce = rows ? Math.ceil(pixels / nr) : Math.max(1, Math.min(Math.ceil(pixels / 8), Math.floor(PANEL_FLOATS / (8 * k))));
    // the input, with the floats x32_im2col_panels may read (and mask out) before and after it:
    // padLeft and padRight, rounded up to whole vectors
    const lead = 4 * Math.ceil(g.padLeft / 4);
    const trail = 4 * Math.ceil(g.padRight / 4);
    const [guarded, panels, patchRows, result, output] = this.mem.workspace([
      lead + inFloats + trail, pointwise ? 0 : nr * panelsAtOnce * k, rows && (pointwise || nr === 8) ? pixels * k : 0, rows ? pixels * M : 0, M * pixels,
    ]);
    const input = guarded + lead * 4;
    return {
      rows, pointwise, nr, input, inputView: this.mem.rt.f32(input, inFloats), panels, panelsAtOnce, patchRows: nr === 1 && !pointwise ? panels : patchRows, result,
      output, outputView: this.mem.rt.f32(output, M * pixels),
    };
  }

  /** plan() as a function made once (a closure per run would be garbage per frame). */
  private readonly planOf = (g: ConvGeometry2D) => this.plan(g);

  /**
   * Per item and group, a few panels of patches at a time, each against the group's weight rows
   * into the output's pixel columns, then the bias; or with few pixels, the patch rows against
   * the weight panels (the bias added last by the GEMM) and the result transposed.
   */
  run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void {
    const { cout: M, cinPerGroup: cg, group, kh, kw } = this.shape;
    const ex = this.ex;
    x = this.input(x);
    const r = this.mem.memo(g, this.planOf);
    const size = r.inputView.length;
    const pixels = g.outH * g.outW;
    const planeBytes = g.inH * g.inW * 4;
    const mg = M / group;
    const k = cg * kh * kw;
    const nr = r.nr;
    const all = Math.ceil(pixels / nr);
    for (let n = 0; n < g.batch; n++) {
      r.inputView.set(x.length === size ? x : x.subarray(n * size, (n + 1) * size));
      for (let gi = 0; gi < group; gi++) {
        const src = r.input + gi * cg * planeBytes;
        if (r.pointwise) {
          ex.x32_transpose(r.patchRows, src, cg, pixels, pixels, cg);
          ex.f32_gemm(r.result + gi * mg * 4, r.patchRows, this.weightPanels![gi], this.bias && this.bias + gi * mg * 4, pixels, mg, k, k, M);
          continue;
        }
        for (let p0 = 0; p0 < all; p0 += r.panelsAtOnce) {
          const panels = Math.min(r.panelsAtOnce, all - p0);
          ex.x32_im2col_panels(r.panels, src, cg, g.inH, g.inW, kh, kw, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW, nr, p0, panels);
          if (r.rows && nr === 8) for (let p = 0; p < panels; p++) ex.x32_transpose(r.patchRows + p * 32 * k, r.panels + p * 32 * k, k, Math.min(8, pixels - 8 * p), 8, k);
          if (r.rows) ex.f32_gemm(r.result + gi * mg * 4, r.patchRows, this.weightPanels![gi], this.bias && this.bias + gi * mg * 4, pixels, mg, k, k, M);
          else ex.f32_gemm(r.output + (gi * mg * pixels + p0 * 8) * 4, this.weights + gi * mg * k * 4, r.panels, 0, mg, Math.min(8 * panels, pixels - 8 * p0), k, k, pixels);
        }
      }
      if (r.rows) ex.x32_transpose(r.output, r.result, pixels, M, M, pixels);
      else if (this.bias) ex.f32_vadd_rows(r.output, this.bias, M, pixels, pixels);
      out.set(r.outputView, n * M * pixels);
    }
  }
}

/**
 * A depthwise convolution (one input channel per group, multiplier 1), summed in float64: a 1-D
 * one with stride 1 on its NCW data (f32_dwconv1d_ncw_f64acc), any other channels-last
 * (f32_dwconv_f64acc). Weights taps-major [kh * kw][C], widened.
 */
export class PackedDepthwiseConv extends PackedConvBase<ConvWeightShape> {
  private readonly weights: number;
  private readonly bias: number;

  constructor(rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, shape: ConvWeightShape, what: string) {
    super(rt, shape, what);
    const { cout, kh, kw } = shape;
    const taps = kh * kw;
    w = rt.detachSafe(w);
    // [C, 1, kh, kw] -> [kh * kw][C]
    const t = new Float64Array(taps * cout);
    for (let c = 0; c < cout; c++) for (let k = 0; k < taps; k++) t[k * cout + c] = w[c * taps + k];
    [this.weights, this.bias] = this.mem.packing(() => [this.mem.put(t, 'depthwise weights'), this.mem.putWideBias(bias)]);
  }

  private plan(g: ConvGeometry2D) {
    const rt = this.mem.rt;
    const { cout: C, kh } = this.shape;
    const pixels = g.outH * g.outW;
    const inFloats = C * g.inH * g.inW;
    if (kh === 1 && g.inH === 1 && g.outH === 1 && g.strideW === 1) {
      const [input, row, output] = this.mem.workspace([inFloats, 2 * (g.padLeft + g.inW + g.padRight), C * pixels]);
      return { channelsFirst: true, input, inputView: rt.f32(input, inFloats), row, output, outputView: rt.f32(output, C * pixels) } as const;
    }
    const imgFloats = (g.inH + g.padTop + g.padBottom) * (g.inW + g.padLeft + g.padRight) * C;
    const at = this.mem.workspace([inFloats, imgFloats, 2 * imgFloats, pixels * C, pixels * C]);
    return { channelsFirst: false, image: imageRegions(rt, at, inFloats, imgFloats), result: at[3], resultView: rt.f32(at[3], pixels * C), transposed: at[4], transposedView: rt.f32(at[4], pixels * C) } as const;
  }

  private readonly planOf = (g: ConvGeometry2D) => this.plan(g);

  run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void {
    const { cout: C, kh, kw } = this.shape;
    const ex = this.ex;
    const pixels = g.outH * g.outW;
    x = this.input(x);
    const r = this.mem.memo(g, this.planOf);
    for (let n = 0; n < g.batch; n++) {
      if (r.channelsFirst) {
        // each item copied in as it is and its result copied out
        const size = r.inputView.length;
        r.inputView.set(x.length === size ? x : x.subarray(n * size, (n + 1) * size));
        ex.f32_dwconv1d_ncw_f64acc(r.output, r.input, this.weights, this.bias, C, g.inW, kw, g.dilationW, g.padLeft, g.padRight, g.outW, r.row);
        out.set(r.outputView, n * C * pixels);
        continue;
      }
      loadChannelsLast(ex, x, n, C, g, r.image);
      const wp = g.inW + g.padLeft + g.padRight;
      ex.f32_dwconv_f64acc(r.result, r.image.wide, this.weights, this.bias, C, wp, kh, kw, g.strideH, g.strideW, g.dilationH, g.dilationW, g.outH, g.outW);
      copyOutTransposed(ex, r, pixels, C, out, n);
    }
  }
}

/** A channels-last [pixels, M] result -> out[n] as [M, pixels]. */
function copyOutTransposed(
  ex: Kernels, r: { result: number; resultView: Float32Array; transposed: number; transposedView: Float32Array }, pixels: number, M: number, out: Float32Array, n: number,
): void {
  if (M === 1 || pixels === 1) out.set(r.resultView, n * M * pixels);
  else {
    ex.x32_transpose(r.transposed, r.result, pixels, M, M, pixels);
    out.set(r.transposedView, n * M * pixels);
  }
}

/**
 * Float64 sums on f32_gemm_f64acc (not depthwise): each batch item channels-last with its
 * padding, widened; the patches as the GEMM's rows (the image itself when a patch is one run),
 * the weights per group as float64 panels in (ky, kx, c) order; taps on the padding of a 1-D
 * convolution left out of the sums, as the float64 reference leaves them out.
 */
export class PackedGemmConv64 extends PackedConvBase<ConvWeightShape> {
  private readonly weights: number[] = []; // per group, float64 panels
  private readonly bias: number;

  constructor(rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, shape: ConvWeightShape, what: string) {
    super(rt, shape, what);
    const { cout, cinPerGroup: cg, group, kh, kw } = shape;
    const taps = kh * kw;
    w = rt.detachSafe(w);
    this.bias = this.mem.packing(() => {
      // Each group's [M/group, Cg, kh*kw] read tap-major as [M/group, kh*kw * Cg] into float64
      // panels, in wasm (x64_packw_x8): a JS loop over the weights runs in the interpreter in a
      // cold process.
      const mg = cout / group;
      const kg = taps * cg;
      const tmp = rt.alloc(w.length * 4, `${what}: weights`);
      try {
        rt.f32(tmp, w.length).set(w);
        for (let g = 0; g < group; g++) {
          const dst = this.mem.own(rt.alloc(this.ex.x64_packw_x8_size(mg, kg), `${what}: weights of group ${g}`));
          this.ex.x64_packw_x8(dst, tmp + g * mg * kg * 4, mg, kg, cg, kg, 1, taps);
          this.weights.push(dst);
        }
      } finally {
        rt.free(tmp);
      }
      return this.mem.putWideBias(bias);
    });
  }

  private plan(g: ConvGeometry2D) {
    const rt = this.mem.rt;
    const { cout: M, cinPerGroup: cg, group, kh, kw } = this.shape;
    const C = cg * group;
    const hp = g.inH + g.padTop + g.padBottom;
    const wp = g.inW + g.padLeft + g.padRight;
    const pixels = g.outH * g.outW;
    const pads = g.padTop + g.padLeft + g.padBottom + g.padRight;
    // one patch is one contiguous run of the channels-last image, rows a fixed step apart
    const rowStep =
      group !== 1 ? 0
        : g.inH === 1 && kh === 1 && (kw === 1 || g.dilationW === 1) ? g.strideW
          : kh === 1 && kw === 1 && g.strideH === 1 && g.strideW === 1 && pads === 0 ? 1
            : 0;
    const patchDoubles = rowStep ? 0 : pixels * kh * kw * cg;
    const inFloats = C * g.inH * g.inW;
    const imgFloats = hp * wp * C;
    const at = this.mem.workspace([inFloats, imgFloats, 2 * imgFloats, 2 * patchDoubles, pixels * M, pixels * M]);
    const [patches, result, transposed] = at.slice(3);
    return {
      image: imageRegions(rt, at, inFloats, imgFloats), patches, rowStep, runs: tapRuns(g, kh, kw),
      result, resultView: rt.f32(result, pixels * M), transposed, transposedView: rt.f32(transposed, pixels * M),
    };
  }

  private readonly planOf = (g: ConvGeometry2D) => this.plan(g);

  run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void {
    const { cout: M, cinPerGroup: cg, group, kh, kw } = this.shape;
    const C = cg * group;
    const wp = g.inW + g.padLeft + g.padRight;
    const pixels = g.outH * g.outW;
    const kg = kh * kw * cg;
    const mg = M / group;
    const ex = this.ex;
    x = this.input(x);
    const plan = this.mem.memo(g, this.planOf);
    const { image, patches, result, rowStep, runs } = plan;
    const img = image.wide;
    for (let n = 0; n < g.batch; n++) {
      loadChannelsLast(ex, x, n, C, g, image);
      for (let gi = 0; gi < group; gi++) {
        let a = img;
        let lda = rowStep * C;
        if (!rowStep) {
          ex.x64_im2col(patches, img + gi * cg * 8, C, cg, wp, kh, kw, g.strideH, g.strideW, g.dilationH, g.dilationW, g.outH, g.outW);
          a = patches;
          lda = kg;
        }
        const bias = this.bias && this.bias + gi * mg * 8;
        for (const r of runs) {
          ex.f32_gemm_f64acc(
            result + (r.first * M + gi * mg) * 4, a + (r.first * lda + r.tap0 * cg) * 8, this.weights[gi] + r.tap0 * cg * PANEL64 * 8, bias,
            r.count, mg, r.taps * cg, kg, lda, M,
          );
        }
      }
      copyOutTransposed(ex, plan, pixels, M, out, n);
    }
  }
}

/** Packs a convolution that is not depthwise for its GEMM. */
export type GemmConvPacker = (rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, shape: ConvWeightShape, what: string) => PackedConvolution;
/** Float32 sums (Accumulation 'float32'). */
export const packGemmConv: GemmConvPacker = (rt, w, bias, shape, what) => new PackedGemmConv(rt, w, bias, shape, what);
/** Float64 sums (Accumulation 'float64'). */
export const packGemmConv64: GemmConvPacker = (rt, w, bias, shape, what) => new PackedGemmConv64(rt, w, bias, shape, what);

export class PackedConvTranspose {
  private readonly mem: ConvMemory;
  private readonly shape: ConvTransposeWeightShape;
  private readonly weights: number[] = []; // per group, float64
  private readonly bias: Float32Array | null;
  private readonly ex: Kernels;
  private acc = new Float64Array(0);

  /** Packs w [C, M/group, kh, kw] (or [C, M/group, kw]) widened to float64; the bias [M] (or null) stays in JS, added by col2im. */
  constructor(rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, shape: ConvTransposeWeightShape, what: string) {
    this.mem = new ConvMemory(rt, what, this);
    this.shape = shape;
    this.bias = bias ? bias.slice() : null;
    this.ex = rt.exports;
    const { cin, coutPerGroup: mg, group, kh, kw } = shape;
    const cg = cin / group;
    const ng = mg * kh * kw; // GEMM columns per group: (output channel, tap)
    w = rt.detachSafe(w);
    this.mem.packing(() => {
      const wt = new Float32Array(ng * cg);
      for (let g = 0; g < group; g++) {
        // [Cg, M/group * taps] -> [M/group * taps, Cg]
        for (let c = 0; c < cg; c++) {
          const src = (g * cg + c) * ng;
          for (let j = 0; j < ng; j++) wt[j * cg + c] = w[src + j];
        }
        this.weights.push(this.mem.put(packPanels64(wt, ng, cg, cg, 1), `weights of group ${g}`));
      }
    });
  }

  /** x [N, C, inH, inW] -> out [N, M, outH, outW] (the caller's array, checked by the caller). */
  run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void {
    if (this.mem.disposed) throw new RnnError('DISPOSED', `${this.mem.what}: used after dispose()`);
    const rt = this.mem.rt;
    const { cin: C, coutPerGroup: mg, group, kh, kw } = this.shape;
    const cg = C / group;
    const taps = kh * kw;
    const ng = mg * taps;
    const M = mg * group;
    const pixels = g.inH * g.inW;
    const outPixels = g.outH * g.outW;
    const ldc = group * ng;
    const ex = this.ex;
    x = rt.detachSafe(x);
    const { image, cols, colView, unpadded } = this.mem.memo(g, () => {
      const at = this.mem.workspace([pixels * C, pixels * C, 2 * pixels * C, 2 * pixels * ldc]);
      const cols = at[3];
      // the padding of a transposed convolution crops the output; the input is laid out as it is
      const unpadded: ConvGeometry2D = { ...g, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };
      return { image: imageRegions(rt, at, pixels * C, pixels * C), cols, colView: f64View(rt, cols, pixels * ldc), unpadded };
    });
    const img = image.wide;
    if (this.acc.length < M * outPixels) this.acc = new Float64Array(M * outPixels);
    const acc = this.acc;
    for (let n = 0; n < g.batch; n++) {
      loadChannelsLast(ex, x, n, C, unpadded, image);
      for (let gi = 0; gi < group; gi++) {
        ex.f32_gemm_f64acc_f64out(cols + gi * ng * 8, img + gi * cg * 8, this.weights[gi], 0, pixels, ng, cg, cg, C, ldc);
      }
      for (let m = 0; m < M; m++) acc.fill(this.bias ? this.bias[m] : 0, m * outPixels, (m + 1) * outPixels);
      // col2im: column (g, m, ky, kx) of input pixel (iy, ix) lands on output pixel
      // (iy * sh + ky * dh - padTop, ix * sw + kx * dw - padLeft)
      for (let iy = 0; iy < g.inH; iy++) {
        for (let ix = 0; ix < g.inW; ix++) {
          const row = (iy * g.inW + ix) * ldc;
          for (let ky = 0; ky < kh; ky++) {
            const oy = iy * g.strideH + ky * g.dilationH - g.padTop;
            if (oy < 0 || oy >= g.outH) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ox = ix * g.strideW + kx * g.dilationW - g.padLeft;
              if (ox < 0 || ox >= g.outW) continue;
              const o = oy * g.outW + ox;
              let s = row + ky * kw + kx;
              for (let m = 0; m < M; m++, s += taps) acc[m * outPixels + o] += colView[s];
            }
          }
        }
      }
      out.set(acc.subarray(0, M * outPixels), n * M * outPixels);
    }
  }

  dispose(): void {
    this.mem.dispose();
  }
}
