/**
 * A 1-D convolution whose filters are a windowed DFT basis (an STFT written as a Conv, as Silero
 * VAD and other audio front-ends export it) runs as an FFT of each frame instead of a GEMM: for
 * n-sample frames, O(n log n) work per frame instead of (n + 2) n multiply-adds (Silero v4's
 * 258 x 256 filters over 24 frames: ~12x fewer operations).
 *
 * Recognised weights: [n + 2, 1, n] with n a power of two >= 4, group 1, dilation 1, whose rows
 * are, for f = 0..n/2, with win = row 0,
 *   row f:           win[k] cos(2 pi f k / n)
 *   row n/2 + 1 + f: -win[k] sin(2 pi f k / n)
 * each weight within 2^-23 max|win| of that value (the float32 rounding of a basis computed in
 * float64, e.g. torch.stft's or librosa's; Silero's deviate by at most 5.7e-8 with max|win| = 1).
 *
 * Numerics: the FFT (f64_windowed_rdft) computes sum_k x[k] win[k] e^(-2 pi i f k / n) in float64,
 * rounded to float32 once, the same on every build. It uses the exact basis where the direct
 * convolution uses the stored (rounded) weights, so an output differs from the float64 direct
 * convolution by at most sum_k |x[k]| * `deviation` (the largest |stored - exact| weight, measured
 * at pack time) plus the float64 rounding of either sum and the final float32 rounding.
 */
import type { Kernels } from './kernels.js';
import type { WasmRuntime } from './wasm.js';
import { ConvMemory, imageRegions, loadChannelsLast, PackedDepthwiseConv, type ConvGeometry2D, type ConvWeightShape, type GemmConvPacker, type PackedConvolution } from './conv.js';
import { RnnError } from '../base/errors.js';

/** The window of a recognised basis, and how far the stored weights are from the exact basis. */
export interface WindowedDftBasis {
  /** Frame length (the kernel width), a power of two. */
  n: number;
  /** Row 0 of the weights, as float64. */
  window: Float64Array;
  /** cos, sin(2 pi m / n) for m < n, interleaved: the basis checked against, and the FFT's tables (windowedRdftTables). */
  circle: Float64Array;
  /** max |stored weight - win[k] cos or -win[k] sin| over every weight. */
  deviation: number;
}

/** The basis `w` holds (see the module comment), or undefined; the weights are compared in wasm (f64_dft_basis_deviation). */
export function windowedDftBasis(rt: WasmRuntime, w: Float32Array, shape: ConvWeightShape): WindowedDftBasis | undefined {
  const n = shape.kw;
  if (shape.group !== 1 || shape.cinPerGroup !== 1 || shape.kh !== 1 || n < 4 || (n & (n - 1)) !== 0 || shape.cout !== n + 2) return undefined;
  w = rt.detachSafe(w); // (the allocation below may grow the memory)
  const window = Float64Array.from(w.subarray(0, n));
  let peak = 0;
  for (let k = 0; k < n; k++) peak = Math.max(peak, Math.abs(window[k]));
  if (!(peak > 0)) return undefined;
  const circle = unitCircle(n);
  const at = rt.alloc(w.length * 4 + circle.byteLength, 'STFT weights check');
  try {
    rt.f32(at, w.length).set(w);
    const c = at + w.length * 4;
    new Float64Array(rt.memory.buffer, c, circle.length).set(circle);
    const deviation = rt.exports.f64_dft_basis_deviation(at, c, n, peak * 2 ** -23);
    return deviation >= 0 ? { n, window, circle, deviation } : undefined;
  } finally {
    rt.free(at);
  }
}

/** cos, sin(2 pi m / n) for m < n, interleaved. */
export function unitCircle(n: number): Float64Array {
  const circle = new Float64Array(2 * n);
  for (let m = 0; m < n; m++) {
    circle[2 * m] = Math.cos((2 * Math.PI * m) / n);
    circle[2 * m + 1] = Math.sin((2 * Math.PI * m) / n);
  }
  return circle;
}

/**
 * f64_windowed_rdft's tables for frame length n = circle.length / 2 (h = n / 2), from unitCircle(n):
 * cos, sin(2 pi j / h) for j < h / 2, cos, sin(2 pi f / n) for f <= h, each pair interleaved, then
 * h bit-reversal indices (i32).
 */
export function windowedRdftTables(circle: Float64Array): Float64Array {
  const n = circle.length / 2;
  const h = n / 2;
  const tables = new Float64Array(h + 2 * (h + 1) + h / 2);
  for (let j = 0; j < h / 2; j++) {
    tables[2 * j] = circle[4 * j];
    tables[2 * j + 1] = circle[4 * j + 1];
  }
  tables.set(circle.subarray(0, 2 * (h + 1)), h);
  const rev = new Int32Array(tables.buffer, (h + 2 * (h + 1)) * 8, h);
  const bits = Math.log2(h);
  for (let j = 0; j < h; j++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((j >> b) & 1) << (bits - 1 - b);
    rev[j] = r;
  }
  return tables;
}

/** The packed form of a Conv recognised by windowedDftBasis: window, FFT tables and bias in wasm memory. */
export class PackedDftConv implements PackedConvolution {
  private readonly mem: ConvMemory;
  private readonly ex: Kernels;
  private readonly n: number;
  private readonly window: number;
  private readonly tables: number;
  private readonly bias: number;
  /** The basis' max |stored - exact| weight (module comment: the bound on the difference from the direct convolution). */
  readonly deviation: number;

  constructor(rt: WasmRuntime, basis: WindowedDftBasis, bias: Float32Array | null, what: string) {
    this.mem = new ConvMemory(rt, what, this);
    this.ex = rt.exports;
    this.n = basis.n;
    this.deviation = basis.deviation;
    [this.window, this.tables, this.bias] = this.mem.packing(() => [
      this.mem.put(basis.window, 'window'), this.mem.put(windowedRdftTables(basis.circle), 'FFT tables'), this.mem.putWideBias(bias),
    ]);
  }

  /** Workspace regions for geometry `g` (1-D: inH = outH = 1, dilation 1). */
  private plan(g: ConvGeometry2D) {
    const rt = this.mem.rt;
    const imgFloats = g.inW + g.padLeft + g.padRight;
    const outFloats = (this.n + 2) * g.outW;
    const at = this.mem.workspace([0, imgFloats, 2 * imgFloats, outFloats, 4 * this.n]);
    return { image: imageRegions(rt, at, 0, imgFloats), result: at[3], resultView: rt.f32(at[3], outFloats), work: at[4] };
  }

  private readonly planOf = (g: ConvGeometry2D) => this.plan(g);

  /** x [N, 1, inW] -> out [N, n + 2, outW] (the caller's array, checked by the caller). */
  run(x: Float32Array, g: ConvGeometry2D, out: Float32Array): void {
    if (this.mem.disposed) throw new RnnError('DISPOSED', `${this.mem.what}: used after dispose()`);
    x = this.mem.rt.detachSafe(x);
    const { image, result, resultView, work } = this.mem.memo(g, this.planOf);
    for (let b = 0; b < g.batch; b++) {
      loadChannelsLast(this.ex, x, b, 1, g, image);
      this.ex.f64_windowed_rdft(result, g.outW, image.wide, g.strideW, g.outW, this.window, this.bias, this.n, this.tables, work);
      out.set(resultView, b * resultView.length);
    }
  }

  dispose(): void {
    this.mem.dispose();
  }
}

/**
 * A Conv's weights packed for its fastest path: an FFT when they are a windowed DFT basis and the
 * convolution is 1-D without dilation, the depthwise kernels for a depthwise one, else the GEMM
 * that `gemm` packs for (packGemmConv or packGemmConv64: an operator set that passes only the
 * first ships without the second).
 */
export function packConv(
  rt: WasmRuntime, w: Float32Array, bias: Float32Array | null, shape: ConvWeightShape, oneDimUndilated: boolean, what: string, gemm: GemmConvPacker,
): PackedConvolution {
  const basis = oneDimUndilated ? windowedDftBasis(rt, w, shape) : undefined;
  if (basis) return new PackedDftConv(rt, basis, bias, what);
  if (shape.cinPerGroup === 1 && shape.cout === shape.group) return new PackedDepthwiseConv(rt, w, bias, shape, what);
  return gemm(rt, w, bias, shape, what);
}
