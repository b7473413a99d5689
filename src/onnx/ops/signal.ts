/**
 * The signal operators of opset 17: HannWindow, HammingWindow, BlackmanWindow, DFT, STFT and
 * MelWeightMatrix, which tf2onnx and torch >= 2 write for audio front-ends (spectrograms, mel
 * filter banks) in front of recurrent models.
 *
 * Numerics: as the rest of the importer, everything is computed in float64 from the float32
 * inputs and each output rounded to float32 once. Transforms of a power-of-two length run as a
 * radix-2 FFT, other lengths up to DIRECT_MAX as a direct sum and longer ones by Bluestein's
 * algorithm (a chirp convolution through power-of-two FFTs), so that n_fft = 400 (Whisper's) costs
 * O(n log n) per frame, not n^2. A real forward transform of even length n runs as a complex one
 * of length n / 2. The twiddles come from unitCircle (bindings/conv-dft.ts: the STFT-as-a-Conv
 * FFT's table, cos and sin computed directly, not by recurrence), so every path is within a few
 * float64 roundings of the exact DFT, far below the float32 rounding of the result.
 *
 * Decided where the spec is silent, or where onnxruntime departs from it:
 * - DFT onesided=1 inverse=1 is the spec's IRFFT (one-sided complex input, real output of
 *   dft_length, default 2 * (m - 1)), as ONNX's reference implementation; onnxruntime instead
 *   returns the first floor(n/2) + 1 bins of the complex inverse transform.
 * - DFT onesided=1 (forward) on a complex input is SHAPE_MISMATCH, as ONNX's shape inference (and
 *   so onnxruntime, at load) has it; STFT onesided=1 on a complex signal gives the first
 *   floor(W/2) + 1 bins of the full transform, as onnxruntime and ONNX's reference implementation
 *   (the spec's text calls it "not possible", its shape inference does not check).
 * - STFT takes a rank-2 signal [batch, length] as real, as onnxruntime does (torch's exporter
 *   writes it so).
 * - A symmetric window of size 1 is [a0 - a1 + a2] (its one sample at angle 0), where the
 *   function body and onnxruntime divide by size - 1 = 0 and give NaN.
 * - Windows use the exact coefficients (Hamming 25/46, 1 - 25/46; Blackman 0.42, 0.5, 0.08) and pi;
 *   onnxruntime rounds them to float32 and uses pi = 3.14159265, which moves its values by up to
 *   ~3e-8.
 * - An integer output_datatype (windows, MelWeightMatrix) takes the float32 value truncated toward
 *   zero, as the Cast ending the spec's function bodies does.
 */
import { fmtShape } from '../../../base/errors.js';
import { unitCircle } from '../../../bindings/conv-dft.js';
import type { NodeContext, NodeFn } from '../node.js';
import { DT, dtName } from '../proto.js';
import { alloc, checkSize, numelOf, odtypeOf, type ODType, type OTensor } from '../values.js';
import { requireDtype, requireFloat, requireOpset, scalarOf, type OpFactory } from './util.js';

// ---------------------------------------------------------------------------------------------
// transforms

/** Non-power-of-two lengths up to this run as a direct sum (n^2 work), longer ones by Bluestein. */
const DIRECT_MAX = 64;

const isPow2 = (n: number): boolean => (n & (n - 1)) === 0;

/**
 * The forward DFT X[k] = sum_j x[j] e^(-2 pi i j k / n) of one length n in float64, in place on
 * (re, im), unnormalised. Calling it with the arrays swapped, run(im, re), computes the
 * unnormalised inverse (sum_j x[j] e^(+2 pi i j k / n)): swapping the parts is x -> i conj(x),
 * and DFT(i conj(x)) = i conj(IDFT(x)), which the swap turns back into IDFT(x).
 */
interface ComplexDft {
  readonly n: number;
  run(re: Float64Array, im: Float64Array): void;
}

/** Iterative radix-2 decimation in time, n a power of two. */
class Radix2 implements ComplexDft {
  readonly n: number;
  private readonly rev: Uint32Array;
  /** cos, sin(2 pi m / n), interleaved (unitCircle). */
  private readonly circle: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.circle = unitCircle(n);
    this.rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r >>> 0;
    }
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, rev, circle } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        const r = re[i];
        re[i] = re[j];
        re[j] = r;
        const m = im[i];
        im[i] = im[j];
        im[j] = m;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let j = 0, t = 0; j < half; j++, t += 2 * step) {
          // w = e^(-2 pi i j / size) = e^(-2 pi i (j step) / n)
          const wr = circle[t];
          const wi = -circle[t + 1];
          const p = start + j;
          const q = p + half;
          const xr = re[q];
          const xi = im[q];
          const tr = wr * xr - wi * xi;
          const ti = wr * xi + wi * xr;
          re[q] = re[p] - tr;
          im[q] = im[p] - ti;
          re[p] += tr;
          im[p] += ti;
        }
      }
    }
  }
}

/** The direct sum, for short lengths that are not powers of two (angles reduced exactly: j k mod n). */
class Direct implements ComplexDft {
  readonly n: number;
  private readonly circle: Float64Array;
  private readonly sr: Float64Array;
  private readonly si: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.circle = unitCircle(n);
    this.sr = new Float64Array(n);
    this.si = new Float64Array(n);
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, circle, sr, si } = this;
    sr.set(re.subarray(0, n));
    si.set(im.subarray(0, n));
    for (let k = 0; k < n; k++) {
      let accR = 0;
      let accI = 0;
      for (let j = 0, m = 0; j < n; j++, m = m + k >= n ? m + k - n : m + k) {
        const c = circle[2 * m];
        const s = circle[2 * m + 1];
        // x e^(-i theta) = (xr + i xi)(c - i s)
        accR += sr[j] * c + si[j] * s;
        accI += si[j] * c - sr[j] * s;
      }
      re[k] = accR;
      im[k] = accI;
    }
  }
}

/**
 * Bluestein's algorithm: with w[k] = e^(-i pi k^2 / n), j k = (j^2 + k^2 - (k - j)^2) / 2 turns the
 * DFT into X[k] = w[k] sum_j (x[j] w[j]) conj(w[k - j]), a convolution, computed as a circular one
 * of power-of-two length M >= 2n - 1 by FFTs (the chirp's transform made once).
 */
class Bluestein implements ComplexDft {
  readonly n: number;
  private readonly fft: Radix2;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;

  constructor(n: number) {
    this.n = n;
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.fft = new Radix2(m);
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    this.br = new Float64Array(m);
    this.bi = new Float64Array(m);
    this.ar = new Float64Array(m);
    this.ai = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      // k^2 mod 2n is exact (k < 2^26 keeps k^2 below 2^53), so the angle is as exact as pi's rounding
      const angle = (Math.PI * ((k * k) % (2 * n))) / n;
      this.wr[k] = Math.cos(angle);
      this.wi[k] = -Math.sin(angle);
      // b = conj(w), laid out circularly: b[k] = b[m - k]
      this.br[k] = this.wr[k];
      this.bi[k] = -this.wi[k];
      if (k > 0) {
        this.br[m - k] = this.br[k];
        this.bi[m - k] = this.bi[k];
      }
    }
    this.fft.run(this.br, this.bi);
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, wr, wi, br, bi, ar, ai, fft } = this;
    const m = fft.n;
    for (let k = 0; k < n; k++) {
      ar[k] = re[k] * wr[k] - im[k] * wi[k];
      ai[k] = re[k] * wi[k] + im[k] * wr[k];
    }
    ar.fill(0, n);
    ai.fill(0, n);
    fft.run(ar, ai);
    for (let k = 0; k < m; k++) {
      const r = ar[k] * br[k] - ai[k] * bi[k];
      ai[k] = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = r;
    }
    fft.run(ai, ar); // the inverse (see ComplexDft), unnormalised
    for (let k = 0; k < n; k++) {
      const r = ar[k] / m;
      const i = ai[k] / m;
      re[k] = r * wr[k] - i * wi[k];
      im[k] = r * wi[k] + i * wr[k];
    }
  }
}

function complexDft(n: number): ComplexDft {
  return isPow2(n) ? new Radix2(n) : n <= DIRECT_MAX ? new Direct(n) : new Bluestein(n);
}

/**
 * Every transform of one length n a node needs: the complex one, and for a real signal of even
 * length the transform through a complex one of length n / 2.
 */
class Dft {
  readonly n: number;
  private readonly full: ComplexDft;
  private half: ComplexDft | undefined;
  private halfCircle: Float64Array | undefined;
  private zr: Float64Array | undefined;
  private zi: Float64Array | undefined;

  constructor(n: number) {
    this.n = n;
    this.full = complexDft(n);
  }

  /** Forward (or unnormalised inverse) transform of (re, im), in place. */
  complex(re: Float64Array, im: Float64Array, inverse: boolean): void {
    if (inverse) this.full.run(im, re);
    else this.full.run(re, im);
  }

  /**
   * Forward transform of the real signal re[0..n): bins 0..floor(n/2) into (re, im) (both of
   * length >= n; the rest of the arrays is scratch).
   */
  real(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    if (n % 2 !== 0 || n < 4) {
      im.fill(0, 0, n);
      this.full.run(re, im);
      return;
    }
    // z[j] = x[2j] + i x[2j+1] (length h = n/2): Z = DFT_h(z) holds the transforms of the even
    // (E) and odd (O) samples, E[k] = (Z[k] + conj Z[h-k]) / 2, O[k] = (Z[k] - conj Z[h-k]) / 2i,
    // and X[k] = E[k] + e^(-2 pi i k / n) O[k] for k = 0..h.
    const h = n / 2;
    if (this.half === undefined) {
      this.half = complexDft(h);
      this.halfCircle = unitCircle(n);
      this.zr = new Float64Array(h);
      this.zi = new Float64Array(h);
    }
    const zr = this.zr!;
    const zi = this.zi!;
    const circle = this.halfCircle!;
    for (let j = 0; j < h; j++) {
      zr[j] = re[2 * j];
      zi[j] = re[2 * j + 1];
    }
    this.half.run(zr, zi);
    for (let k = 0; k <= h; k++) {
      const a = zr[k % h];
      const b = zi[k % h];
      const c = zr[(h - k) % h];
      const d = zi[(h - k) % h];
      const er = (a + c) / 2;
      const ei = (b - d) / 2;
      const or = (b + d) / 2;
      const oi = (c - a) / 2;
      const wr = circle[2 * k];
      const wi = -circle[2 * k + 1];
      re[k] = er + wr * or - wi * oi;
      im[k] = ei + wr * oi + wi * or;
    }
  }
}

/** The Dft of each length a node has used (its tables are made once per length). */
function dftCache(): (n: number) => Dft {
  const byLength = new Map<number, Dft>();
  return (n) => {
    let d = byLength.get(n);
    if (d === undefined) {
      d = new Dft(n);
      byLength.set(n, d);
    }
    return d;
  };
}

// ---------------------------------------------------------------------------------------------
// shared checks

const INDEX_TYPES: readonly ODType[] = ['int32', 'int64'];

/** The value of a scalar (or one-element) int32 / int64 input. */
function intScalar(ctx: NodeContext, t: OTensor, what: string): number {
  requireDtype(ctx, t, what, INDEX_TYPES);
  const v = Number(scalarOf(ctx, t, what));
  if (!Number.isSafeInteger(v)) throw ctx.error('INVALID_INPUT', `${what} ${v} is out of range`);
  return v;
}

/** The value of a scalar (or one-element) float32 input. */
function floatScalar(ctx: NodeContext, t: OTensor, what: string): number {
  requireFloat(ctx, t, what);
  return Number(scalarOf(ctx, t, what));
}

/** A 0/1 attribute (INVALID_FORMAT for any other value). */
function flag(ctx: NodeContext, name: string, def: 0 | 1): boolean {
  const v = ctx.int(name, def);
  if (v !== 0 && v !== 1) throw ctx.error('INVALID_FORMAT', `attribute '${name}' must be 0 or 1, got ${v}`);
  return v === 1;
}

/**
 * The `output_datatype` attribute: any numeric ONNX type (double, float16 and bfloat16 are held as
 * float32, uint32 and uint64 as int64, as everywhere in the importer); INVALID_FORMAT otherwise.
 */
function outputDtype(ctx: NodeContext): ODType {
  const code = ctx.int('output_datatype', DT.FLOAT);
  const dtype = odtypeOf(code);
  if (dtype === undefined || dtype === 'bool') {
    throw ctx.error('INVALID_FORMAT', `attribute 'output_datatype' must be a numeric data type (float, double, float16, bfloat16 or an integer type), got ${dtName(code)}`);
  }
  return dtype;
}

/**
 * Float64 values as a tensor of `dtype`, rounded to float32 once; an integer type then takes them
 * truncated toward zero, as the Cast that ends the spec's function bodies does to their float
 * result (so a Blackman window's peak, 0.42 + 0.5 + 0.08 = 1 - 2^-53 in float64, is 1, as in
 * onnxruntime). NaN gives 0.
 */
function fromFloat64(ctx: NodeContext, dtype: ODType, shape: number[], vals: Float64Array): OTensor {
  const out = alloc(dtype, shape, ctx.label);
  if (dtype === 'float32') (out.data as Float32Array).set(vals);
  else if (dtype === 'int64') {
    const dst = out.data as BigInt64Array;
    for (let i = 0; i < vals.length; i++) {
      const v = Math.fround(vals[i]);
      dst[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
    }
  } else {
    // the integer arrays' stores truncate (and wrap, never needed: these values lie in [-1e-8, 1])
    const dst = out.data as Int32Array;
    for (let i = 0; i < vals.length; i++) dst[i] = Math.fround(vals[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// windows

/**
 * A cosine-sum window w[i] = a0 - a1 cos(2 pi i / N) + a2 cos(4 pi i / N) of `size` samples, with
 * N = size (periodic=1, the default) or size - 1 (periodic=0, symmetric).
 */
function cosineSumWindow(a0: number, a1: number, a2: number): OpFactory {
  return (ctx) => {
    requireOpset(ctx, 17);
    ctx.allowOnly(['output_datatype', 'periodic']);
    const periodic = flag(ctx, 'periodic', 1);
    const dtype = outputDtype(ctx);
    return (ins) => {
      const size = intScalar(ctx, ctx.input(ins, 0, 'size'), 'input size');
      if (size < 1) throw ctx.error('INVALID_INPUT', `input size must be at least 1, got ${size}`);
      checkSize([size], ctx.label);
      const N = periodic ? size : size - 1;
      const vals = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        // cos(2 pi i / N) = cos(2 pi (N - i) / N): the smaller angle is the more accurate and keeps
        // a symmetric window exactly symmetric. A symmetric window of one sample has N = 0: its
        // sample sits at angle 0.
        const m = Math.min(i, N - i);
        const angle = N === 0 ? 0 : (2 * Math.PI * m) / N;
        vals[i] = a0 - a1 * Math.cos(angle) + a2 * Math.cos(2 * angle);
      }
      return [fromFloat64(ctx, dtype, [size], vals)];
    };
  };
}

// ---------------------------------------------------------------------------------------------
// DFT

/**
 * DFT. Opset 17: `axis` attribute (default 1); from opset 20 the axis is the optional input 2
 * (int64 scalar, default -2). The input is [..., signal dims, 1 (real) or 2 (complex)], axis in
 * [-r, -2] or [0, r - 2]. dft_length (input 1, default the axis length) truncates or zero-pads the
 * signal. Output: the axis becomes dft_length (onesided=0), floor(dft_length/2) + 1 (onesided=1),
 * or dft_length real values for the IRFFT (onesided=1, inverse=1: the last dim becomes 1, the
 * input holds bins 0..m-1 of a Hermitian spectrum, default dft_length 2 (m - 1); as numpy's irfft,
 * the imaginary parts of bin 0 and of bin n/2 are ignored). The inverse is scaled by 1/dft_length.
 */
const dftOp: OpFactory = (ctx) => {
  requireOpset(ctx, 17);
  const axisInput = ctx.opset >= 20;
  if (axisInput && ctx.has('axis')) {
    throw ctx.error('INVALID_FORMAT', `attribute 'axis' is DFT-17's: from opset 20 the axis is input 2 (an int64 scalar, default -2)`);
  }
  ctx.allowOnly(axisInput ? ['inverse', 'onesided'] : ['axis', 'inverse', 'onesided']);
  const inverse = flag(ctx, 'inverse', 0);
  const onesided = flag(ctx, 'onesided', 0);
  const irfft = inverse && onesided;
  const axisAttr = axisInput ? -2 : ctx.int('axis', 1);
  // dft_length and axis given as constants: checked at load
  if (ctx.constInputs[1] !== undefined) dftLength(ctx, ctx.constInputs[1]);
  if (axisInput && ctx.constInputs[2] !== undefined) intScalar(ctx, ctx.constInputs[2], 'input axis');
  const dftOf = dftCache();
  const kernel: NodeFn = (ins) => {
    const x = ctx.input(ins, 0, 'input');
    requireFloat(ctx, x, 'input');
    const r = x.shape.length;
    if (r < 2) throw ctx.error('SHAPE_MISMATCH', `input must have rank >= 2 ([..., signal, 1 or 2]), got shape ${fmtShape(x.shape)}`);
    const c = x.shape[r - 1];
    if (c !== 1 && c !== 2) {
      throw ctx.error('SHAPE_MISMATCH', `input's last dim must be 1 (real) or 2 (complex), got shape ${fmtShape(x.shape)}`);
    }
    if (irfft && c !== 2) {
      throw ctx.error('SHAPE_MISMATCH', `onesided=1 with inverse=1 (IRFFT) takes a complex input (last dim 2), got shape ${fmtShape(x.shape)}`);
    }
    if (onesided && !inverse && c !== 1) {
      throw ctx.error('SHAPE_MISMATCH', `onesided=1 (forward) takes a real input (last dim 1), got shape ${fmtShape(x.shape)}`);
    }
    const axisT = axisInput ? ins[2] : undefined;
    const axis = axisT === undefined ? axisAttr : intScalar(ctx, axisT, 'input axis');
    if (!(axis >= -r && axis <= r - 2 && axis !== -1)) {
      throw ctx.error('INVALID_INPUT', `axis ${axis} is out of range for an input of rank ${r} (valid: [${-r}, -2] or [0, ${r - 2}]; the last dim holds the real and imaginary parts), input shape ${fmtShape(x.shape)}`);
    }
    const a = axis < 0 ? axis + r : axis;
    const len = x.shape[a];
    let n: number;
    if (ins[1] !== undefined) n = dftLength(ctx, ins[1]);
    else {
      n = irfft ? 2 * (len - 1) : len;
      if (n < 1) {
        throw ctx.error('INVALID_INPUT', `the signal axis ${a} has length ${len}, which gives a transform of length ${n} (no dft_length input); input shape ${fmtShape(x.shape)}`);
      }
    }
    const outLen = irfft ? n : onesided ? Math.floor(n / 2) + 1 : n;
    const oc = irfft ? 1 : 2;
    const outShape = x.shape.slice();
    outShape[a] = outLen;
    outShape[r - 1] = oc;
    const out = alloc('float32', outShape, ctx.label);
    const outer = numelOf(x.shape.slice(0, a));
    const inner = numelOf(x.shape.slice(a + 1, r - 1));
    if (outer * inner === 0) return [out];
    checkSize([n], ctx.label); // the transform's buffers (a onesided output holds half of them)
    const dft = dftOf(n);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const src = x.data as Float32Array;
    const dst = out.data as Float32Array;
    const xs = inner * c; // input step along the axis
    const ys = inner * oc;
    const take = Math.min(len, n);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const xb = (o * len * inner + i) * c;
        const yb = (o * outLen * inner + i) * oc;
        if (irfft) {
          hermitian(src, xb, xs, len, n, re, im);
          dft.complex(re, im, true);
          for (let k = 0; k < n; k++) dst[yb + k * ys] = re[k] / n;
          continue;
        }
        re.fill(0);
        im.fill(0);
        for (let j = 0; j < take; j++) re[j] = src[xb + j * xs];
        if (c === 2) for (let j = 0; j < take; j++) im[j] = src[xb + j * xs + 1];
        if (c === 1 && !inverse) {
          dft.real(re, im);
          // bins past n/2 (a two-sided output) are the conjugates of those below
          for (let k = Math.floor(n / 2) + 1; k < outLen; k++) {
            re[k] = re[n - k];
            im[k] = -im[n - k];
          }
        } else dft.complex(re, im, inverse);
        const scale = inverse ? n : 1;
        for (let k = 0; k < outLen; k++) {
          dst[yb + k * ys] = re[k] / scale;
          dst[yb + k * ys + 1] = im[k] / scale;
        }
      }
    }
    return [out];
  };
  return kernel;
};

/** The dft_length input's value, at least 1. */
function dftLength(ctx: NodeContext, t: OTensor): number {
  const n = intScalar(ctx, t, 'input dft_length');
  if (n < 1) throw ctx.error('INVALID_INPUT', `dft_length must be at least 1, got ${n}`);
  return n;
}

/**
 * (re, im) <- the full spectrum of length n whose bins 0..floor(n/2) are the one-sided input (m
 * complex values at src[at + k * step], missing bins zero): bin n - k is the conjugate of bin k,
 * and bin 0 and, for even n, bin n/2 are real (their imaginary parts are dropped).
 */
function hermitian(src: Float32Array, at: number, step: number, m: number, n: number, re: Float64Array, im: Float64Array): void {
  re.fill(0);
  im.fill(0);
  const top = Math.floor(n / 2);
  for (let k = 0; k <= top && k < m; k++) {
    const r = src[at + k * step];
    const i = src[at + k * step + 1];
    re[k] = r;
    if (k === 0 || 2 * k === n) continue;
    im[k] = i;
    re[n - k] = r;
    im[n - k] = -i;
  }
}

// ---------------------------------------------------------------------------------------------
// STFT

/**
 * STFT: signal [batch, length, 1 or 2] (or [batch, length], real), frame_step (input 1), an
 * optional window (input 2, [W]) and an optional frame_length (input 3, W; at least one of the two,
 * equal when both). Frame f is samples f * step .. f * step + W - 1 times the window; output
 * [batch, floor((length - W) / step) + 1, floor(W/2) + 1 (onesided=1, the default) or W, 2].
 */
const stftOp: OpFactory = (ctx) => {
  requireOpset(ctx, 17);
  ctx.allowOnly(['onesided']);
  const onesided = flag(ctx, 'onesided', 1);
  if ((ctx.node.inputs[2] ?? '') === '' && (ctx.node.inputs[3] ?? '') === '') {
    throw ctx.error('INVALID_FORMAT', 'the frame length comes from input 2 (window) or input 3 (frame_length); the node has neither');
  }
  if (ctx.constInputs[1] !== undefined) frameStep(ctx, ctx.constInputs[1]);
  const dftOf = dftCache();
  const kernel: NodeFn = (ins) => {
    const x = ctx.input(ins, 0, 'signal');
    requireFloat(ctx, x, 'signal');
    const r = x.shape.length;
    const c = r === 3 ? x.shape[2] : 1;
    if ((r !== 2 && r !== 3) || (c !== 1 && c !== 2)) {
      throw ctx.error('SHAPE_MISMATCH', `signal must be [batch, length, 1 (real) or 2 (complex)] or [batch, length], got shape ${fmtShape(x.shape)}`);
    }
    const [batch, length] = x.shape;
    const step = frameStep(ctx, ctx.input(ins, 1, 'frame_step'));
    const win = ins[2];
    let W: number | undefined;
    if (win !== undefined) {
      requireFloat(ctx, win, 'window');
      if (win.shape.length !== 1) throw ctx.error('SHAPE_MISMATCH', `window must have rank 1 ([frame_length]), got shape ${fmtShape(win.shape)}`);
      W = win.shape[0];
    }
    if (ins[3] !== undefined) {
      const fl = intScalar(ctx, ins[3], 'input frame_length');
      if (ins[3].dtype !== ins[1]!.dtype) {
        throw ctx.error('DTYPE_MISMATCH', `frame_step and frame_length must have the same type (T2), got ${ins[1]!.dtype} and ${ins[3].dtype}`);
      }
      if (W !== undefined && fl !== W) {
        throw ctx.error('SHAPE_MISMATCH', `frame_length ${fl} differs from the window's length (window shape ${fmtShape(win!.shape)})`);
      }
      W = fl;
    }
    if (W === undefined) throw ctx.error('INVALID_FORMAT', 'neither input 2 (window) nor input 3 (frame_length) is given');
    if (W < 1) throw ctx.error('INVALID_INPUT', `the frame length must be at least 1, got ${W}`);
    if (W > length) {
      throw ctx.error('SHAPE_MISMATCH', `the signal (length ${length}, shape ${fmtShape(x.shape)}) is shorter than one frame (${W} samples)`);
    }
    const frames = Math.floor((length - W) / step) + 1;
    const bins = onesided ? Math.floor(W / 2) + 1 : W;
    const out = alloc('float32', [batch, frames, bins, 2], ctx.label);
    if (batch === 0) return [out];
    const dft = dftOf(W);
    const re = new Float64Array(W);
    const im = new Float64Array(W);
    const src = x.data as Float32Array;
    const w = win?.data as Float32Array | undefined;
    const dst = out.data as Float32Array;
    for (let b = 0; b < batch; b++) {
      for (let f = 0; f < frames; f++) {
        const at = (b * length + f * step) * c;
        for (let k = 0; k < W; k++) re[k] = w ? src[at + k * c] * w[k] : src[at + k * c];
        if (c === 1) dft.real(re, im);
        else {
          for (let k = 0; k < W; k++) im[k] = w ? src[at + k * 2 + 1] * w[k] : src[at + k * 2 + 1];
          dft.complex(re, im, false);
        }
        const yb = (b * frames + f) * bins * 2;
        for (let k = 0; k < bins; k++) {
          // a real signal's bins past W/2 (onesided=0) are the conjugates of those below
          const mirror = c === 1 && 2 * k > W;
          dst[yb + 2 * k] = mirror ? re[W - k] : re[k];
          dst[yb + 2 * k + 1] = mirror ? -im[W - k] : im[k];
        }
      }
    }
    return [out];
  };
  return kernel;
};

/** The frame_step input's value, at least 1. */
function frameStep(ctx: NodeContext, t: OTensor): number {
  const step = intScalar(ctx, t, 'input frame_step');
  if (step < 1) throw ctx.error('INVALID_INPUT', `frame_step must be at least 1, got ${step}`);
  return step;
}

// ---------------------------------------------------------------------------------------------
// MelWeightMatrix

/**
 * MelWeightMatrix: [floor(dft_length/2) + 1, num_mel_bins] triangular filters with peak 1, on the
 * mel scale mel(f) = 2595 log10(1 + f / 700). As onnxruntime and ONNX's test: num_mel_bins + 2
 * points spaced (mel(upper) - mel(lower)) / (num_mel_bins + 2) apart from mel(lower), each mapped
 * to spectrogram bin floor((dft_length + 1) hz / sample_rate); filter i rises from point i to
 * point i + 1 and falls to point i + 2 (a filter whose first two points share a bin has 1 there).
 * Every point must fall inside the spectrogram (INVALID_INPUT otherwise, where onnxruntime checks
 * only the edges' bins).
 */
const melWeightMatrix: OpFactory = (ctx) => {
  requireOpset(ctx, 17);
  ctx.allowOnly(['output_datatype']);
  const dtype = outputDtype(ctx);
  return (ins) => {
    const mels = intScalar(ctx, ctx.input(ins, 0, 'num_mel_bins'), 'input num_mel_bins');
    const n = intScalar(ctx, ctx.input(ins, 1, 'dft_length'), 'input dft_length');
    const rate = intScalar(ctx, ctx.input(ins, 2, 'sample_rate'), 'input sample_rate');
    const lower = floatScalar(ctx, ctx.input(ins, 3, 'lower_edge_hertz'), 'input lower_edge_hertz');
    const upper = floatScalar(ctx, ctx.input(ins, 4, 'upper_edge_hertz'), 'input upper_edge_hertz');
    if (ins[0]!.dtype !== ins[1]!.dtype || ins[0]!.dtype !== ins[2]!.dtype) {
      throw ctx.error('DTYPE_MISMATCH', `num_mel_bins, dft_length and sample_rate must have the same type (T1), got ${ins[0]!.dtype}, ${ins[1]!.dtype} and ${ins[2]!.dtype}`);
    }
    if (mels < 1) throw ctx.error('INVALID_INPUT', `num_mel_bins must be at least 1, got ${mels}`);
    if (n < 1) throw ctx.error('INVALID_INPUT', `dft_length must be at least 1, got ${n}`);
    if (rate < 1) throw ctx.error('INVALID_INPUT', `sample_rate must be at least 1, got ${rate}`);
    if (!(lower >= 0 && lower <= upper && Number.isFinite(upper))) {
      throw ctx.error('INVALID_INPUT', `the edges must satisfy 0 <= lower_edge_hertz <= upper_edge_hertz (finite), got ${lower} and ${upper}`);
    }
    const specBins = Math.floor(n / 2) + 1;
    checkSize([specBins, mels], ctx.label);
    const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
    const lowMel = toMel(lower);
    const melStep = (toMel(upper) - lowMel) / (mels + 2);
    const points = new Array<number>(mels + 2);
    for (let i = 0; i < mels + 2; i++) {
      const hz = 700 * (Math.pow(10, (lowMel + melStep * i) / 2595) - 1);
      points[i] = Math.floor(((n + 1) * hz) / rate);
    }
    const last = points[mels + 1];
    if (points[0] < 0 || last >= specBins) {
      throw ctx.error('INVALID_INPUT', `upper_edge_hertz ${upper} puts the last filter's top point at spectrogram bin ${last}, past the ${specBins} bins of a ${n}-point DFT at sample_rate ${rate} (bin = floor((dft_length + 1) hz / sample_rate))`);
    }
    const vals = new Float64Array(specBins * mels);
    for (let i = 0; i < mels; i++) {
      const lo = points[i];
      const mid = points[i + 1];
      const hi = points[i + 2];
      if (mid === lo) vals[mid * mels + i] = 1;
      else for (let j = lo; j <= mid; j++) vals[j * mels + i] = (j - lo) / (mid - lo);
      for (let j = mid; j < hi; j++) vals[j * mels + i] = (hi - j) / (hi - mid);
    }
    return [fromFloat64(ctx, dtype, [specBins, mels], vals)];
  };
};

export const SIGNAL_OPS: Record<string, OpFactory> = {
  HannWindow: cosineSumWindow(0.5, 0.5, 0),
  // a1 = 1 - a0 (exact in float64) makes the peak a0 + a1 exactly 1
  HammingWindow: cosineSumWindow(25 / 46, 1 - 25 / 46, 0),
  BlackmanWindow: cosineSumWindow(0.42, 0.5, 0.08),
  DFT: dftOp,
  STFT: stftOp,
  MelWeightMatrix: melWeightMatrix,
};
