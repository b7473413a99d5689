// f32-gemm-f64acc: C[M, N] = A[M, K] * W^T + bias for float32 data, every output accumulated in
// float64 and rounded to float32 once (the ONNX importer's numerics policy; the convolution
// bindings run Conv and ConvTranspose on it).
//
// Operands are float32 values held as float64: A [M, K] rows `lda` doubles apart (the bindings
// widen the image with f32_f64_vcvt, x64_im2col copies patches of it) and W packed as float64
// (see below), bias [N] doubles or 0. A product of two float32 values has at most 48 significant
// bits and so is exact in float64; only the sums round. Hence:
//  - fused and unfused multiply-add give the same bits: the relaxed build uses
//    f64x2.relaxed_madd (one FMA instruction where the CPU has one), the simd build mul then add;
//  - every variant sums an output's K products in ascending k from zero, then adds the bias, so
//    all variants and all builds (scalar included) return the same bits, whatever the tile that
//    computed an output.
// f32_gemm_f64acc rounds each sum to float32 (C rows `ldc` floats apart); f32_gemm_f64acc_f64out
// stores the float64 sums (C rows `ldc` doubles apart) for a caller that adds them up further
// (ConvTranspose's col2im) before rounding.
//
// W layout: ceil(N / 8) panels of `wk` rows of 8 doubles; panel p holds W[8p + j][kk] at double
// (p * wk + kk) * 8 + j, zero past N (the bindings pack it at load; float64 weights take twice
// the memory of float32 ones but the inner loop loads them as they are, no widening). The K
// terms summed are rows 0..K-1 from `w`, so w = start + k0 * 64 bytes with K <= wk - k0 sums
// rows k0..k0+K-1 only: the convolution bindings leave out the taps that fall on padding.
//
// Cost: a v128 holds 2 doubles instead of 4 floats, so twice the multiply-add instructions of a
// float32 GEMM per output, and these tiles run at about the float32 kernel's instruction rate:
// compute-bound shapes take ~1.8-2.1x the float32 time (Silero's STFT conv, 4 x 258 x 256). The
// Silero v5 encoder + decoder convs, with their padding taps left out, went from 18 to 26-29 us
// (1.4-1.6x; docs/onnx.md, Conv numerics).
//
// SIMD tiles: 2 rows x 8 columns (8 f64x2 accumulators, 4 weight loads and 2 broadcasts per k)
// down each panel; a last odd row runs 1 x 16 over pairs of panels (8 accumulators: enough
// independent chains to hide the add / FMA latency when M = 1) and 1 x 8 for an odd panel. Rows
// go in blocks of about 64 KiB of A, and each panel (K * 64 bytes) serves all the rows of a block
// before the next one is read.

import { f64_madd, f32_demote_pair } from '../simd';
import { scratch, SCRATCH_F64ACC_TAIL } from '../scratch';

/** Bytes of A per row block. */
const A_BLOCK_BYTES: i32 = 64 * 1024;

/** C = A W^T + bias, each output's float64 sum rounded once to float32. */
export function f32_gemm_f64acc(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, wk: i32, lda: i32, ldc: i32,
): void {
  if (ASC_FEATURE_SIMD) gemm_simd(c, a, w, bias, m, n, k, wk, lda, ldc, false);
  else gemm_scalar(c, a, w, bias, m, n, k, wk, lda, ldc, false);
}

/** The same with the float64 sums stored as they are (C of doubles). */
export function f32_gemm_f64acc_f64out(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, wk: i32, lda: i32, ldc: i32,
): void {
  if (ASC_FEATURE_SIMD) gemm_simd(c, a, w, bias, m, n, k, wk, lda, ldc, true);
  else gemm_scalar(c, a, w, bias, m, n, k, wk, lda, ldc, true);
}

/** One output row x one panel at a time, 8 scalar accumulators: the reference of the SIMD variant. */
export function f32_gemm_f64acc__scalar(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, wk: i32, lda: i32, ldc: i32,
): void {
  gemm_scalar(c, a, w, bias, m, n, k, wk, lda, ldc, false);
}

export function f32_gemm_f64acc_f64out__scalar(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, wk: i32, lda: i32, ldc: i32,
): void {
  gemm_scalar(c, a, w, bias, m, n, k, wk, lda, ldc, true);
}


/** Output `j` (a float64 sum) plus its bias, stored at column j of the row at `crow`. */
// @ts-ignore: decorator
@inline function store_one(crow: usize, bias: usize, j: i32, s: f64, f64out: bool): void {
  if (bias != 0) s += load<f64>(bias + (<usize>j << 3));
  if (f64out) store<f64>(crow + (<usize>j << 3), s);
  else store<f32>(crow + (<usize>j << 2), <f32>s);
}

/** Columns 0..cols-1 of one row's 8 sums (4 f64x2) plus the bias, to C. */
// @ts-ignore: decorator
@inline function store_8(crow: usize, bias: usize, v0: v128, v1: v128, v2: v128, v3: v128, cols: i32, f64out: bool): void {
  if (cols == 8) {
    if (bias != 0) {
      v0 = f64x2.add(v0, v128.load(bias));
      v1 = f64x2.add(v1, v128.load(bias, 16));
      v2 = f64x2.add(v2, v128.load(bias, 32));
      v3 = f64x2.add(v3, v128.load(bias, 48));
    }
    if (f64out) {
      v128.store(crow, v0);
      v128.store(crow, v1, 16);
      v128.store(crow, v2, 32);
      v128.store(crow, v3, 48);
    } else {
      v128.store(crow, f32_demote_pair(v0, v1));
      v128.store(crow, f32_demote_pair(v2, v3), 16);
    }
  } else {
    const tail = scratch + SCRATCH_F64ACC_TAIL; // staging for a partial panel's 8 sums
    v128.store(tail, v0);
    v128.store(tail, v1, 16);
    v128.store(tail, v2, 32);
    v128.store(tail, v3, 48);
    for (let j = 0; j < cols; j++) store_one(crow, bias, j, load<f64>(tail + (<usize>j << 3)), f64out);
  }
}

/** Rows `a0` and `a0 + astride` against one panel (k rows of 64 bytes at `wp`), to C rows c0 and c0 + cstride. */
function tile_2x8(c0: usize, cstride: usize, a0: usize, astride: usize, wp: usize, k: i32, bias: usize, cols: i32, f64out: bool): void {
  let x0 = f64x2.splat(0), x1 = f64x2.splat(0), x2 = f64x2.splat(0), x3 = f64x2.splat(0);
  let y0 = f64x2.splat(0), y1 = f64x2.splat(0), y2 = f64x2.splat(0), y3 = f64x2.splat(0);
  let ap = a0;
  const aend = a0 + (<usize>k << 3);
  while (ap < aend) {
    const s = v128.load64_splat(ap);
    const t = v128.load64_splat(ap + astride);
    let wv = v128.load(wp);
    x0 = f64_madd(s, wv, x0);
    y0 = f64_madd(t, wv, y0);
    wv = v128.load(wp, 16);
    x1 = f64_madd(s, wv, x1);
    y1 = f64_madd(t, wv, y1);
    wv = v128.load(wp, 32);
    x2 = f64_madd(s, wv, x2);
    y2 = f64_madd(t, wv, y2);
    wv = v128.load(wp, 48);
    x3 = f64_madd(s, wv, x3);
    y3 = f64_madd(t, wv, y3);
    wp += 64;
    ap += 8;
  }
  store_8(c0, bias, x0, x1, x2, x3, cols, f64out);
  store_8(c0 + cstride, bias, y0, y1, y2, y3, cols, f64out);
}

/**
 * One row against one panel (`two` false) or two consecutive panels `pstride` bytes apart (16
 * columns, the second possibly partial: cols2), 4 or 8 accumulators.
 */
// @ts-ignore: decorator
@inline function row_panels(
  crow: usize, cbytes: usize, arow: usize, wp: usize, pstride: usize, k: i32, bias: usize, cols: i32, cols2: i32, f64out: bool, two: bool,
): void {
  let x0 = f64x2.splat(0), x1 = f64x2.splat(0), x2 = f64x2.splat(0), x3 = f64x2.splat(0);
  let y0 = f64x2.splat(0), y1 = f64x2.splat(0), y2 = f64x2.splat(0), y3 = f64x2.splat(0);
  let wq = wp + pstride;
  let ap = arow;
  const aend = arow + (<usize>k << 3);
  while (ap < aend) {
    const s = v128.load64_splat(ap);
    x0 = f64_madd(s, v128.load(wp), x0);
    x1 = f64_madd(s, v128.load(wp, 16), x1);
    x2 = f64_madd(s, v128.load(wp, 32), x2);
    x3 = f64_madd(s, v128.load(wp, 48), x3);
    if (two) {
      y0 = f64_madd(s, v128.load(wq), y0);
      y1 = f64_madd(s, v128.load(wq, 16), y1);
      y2 = f64_madd(s, v128.load(wq, 32), y2);
      y3 = f64_madd(s, v128.load(wq, 48), y3);
      wq += 64;
    }
    wp += 64;
    ap += 8;
  }
  store_8(crow, bias, x0, x1, x2, x3, cols, f64out);
  if (two) store_8(crow + 8 * cbytes, bias != 0 ? bias + 64 : 0, y0, y1, y2, y3, cols2, f64out);
}

function row_1x16(crow: usize, cbytes: usize, arow: usize, wp: usize, pstride: usize, k: i32, bias: usize, cols2: i32, f64out: bool): void {
  row_panels(crow, cbytes, arow, wp, pstride, k, bias, 8, cols2, f64out, true);
}

function row_1x8(crow: usize, arow: usize, wp: usize, k: i32, bias: usize, cols: i32, f64out: bool): void {
  row_panels(crow, 0, arow, wp, 0, k, bias, cols, 0, f64out, false);
}

function gemm_simd(c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, wk: i32, lda: i32, ldc: i32, f64out: bool): void {
  const panels = (n + 7) >> 3;
  const panelBytes = <usize>wk << 6;
  const astride = <usize>lda << 3;
  const cbytes: usize = f64out ? 8 : 4;
  const cstride = <usize>ldc * cbytes;
  const mc = max(2, (A_BLOCK_BYTES / max(1, k << 3)) & ~1);
  for (let i0 = 0; i0 < m; i0 += mc) {
    const i1 = min(m, i0 + mc);
    const pairsEnd = i0 + ((i1 - i0) & ~1);
    for (let p = 0; p < panels; p++) {
      const n0 = p << 3;
      const wp = w + <usize>p * panelBytes;
      const bp = bias != 0 ? bias + (<usize>n0 << 3) : 0;
      const cols = min(8, n - n0);
      for (let i = i0; i < pairsEnd; i += 2) {
        tile_2x8(c + <usize>i * cstride + <usize>n0 * cbytes, cstride, a + <usize>i * astride, astride, wp, k, bp, cols, f64out);
      }
    }
    if (pairsEnd < i1) {
      // the odd last row: panels two at a time
      const crow = c + <usize>pairsEnd * cstride;
      const arow = a + <usize>pairsEnd * astride;
      let p = 0;
      for (; p + 2 <= panels; p += 2) {
        const n0 = p << 3;
        row_1x16(crow + <usize>n0 * cbytes, cbytes, arow, w + <usize>p * panelBytes, panelBytes, k, bias != 0 ? bias + (<usize>n0 << 3) : 0, min(8, n - n0 - 8), f64out);
      }
      if (p < panels) {
        const n0 = p << 3;
        row_1x8(crow + <usize>n0 * cbytes, arow, w + <usize>p * panelBytes, k, bias != 0 ? bias + (<usize>n0 << 3) : 0, n - n0, f64out);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function gemm_scalar(c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, wk: i32, lda: i32, ldc: i32, f64out: bool): void {
  const panels = (n + 7) >> 3;
  const cbytes: usize = f64out ? 8 : 4;
  for (let p = 0; p < panels; p++) {
    const n0 = p << 3;
    const panel = w + (<usize>p * <usize>wk << 6);
    const bp = bias != 0 ? bias + (<usize>n0 << 3) : 0;
    const cols = min(8, n - n0);
    for (let i = 0; i < m; i++) {
      const arow = a + (<usize>i * <usize>lda << 3);
      let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
      let s4: f64 = 0, s5: f64 = 0, s6: f64 = 0, s7: f64 = 0;
      let wp = panel;
      for (let kk = 0; kk < k; kk++) {
        const x = load<f64>(arow + (<usize>kk << 3));
        s0 += x * load<f64>(wp, 0);
        s1 += x * load<f64>(wp, 8);
        s2 += x * load<f64>(wp, 16);
        s3 += x * load<f64>(wp, 24);
        s4 += x * load<f64>(wp, 32);
        s5 += x * load<f64>(wp, 40);
        s6 += x * load<f64>(wp, 48);
        s7 += x * load<f64>(wp, 56);
        wp += 64;
      }
      const crow = c + (<usize>i * <usize>ldc + <usize>n0) * cbytes;
      store_one(crow, bp, 0, s0, f64out);
      if (cols > 1) store_one(crow, bp, 1, s1, f64out);
      if (cols > 2) store_one(crow, bp, 2, s2, f64out);
      if (cols > 3) store_one(crow, bp, 3, s3, f64out);
      if (cols > 4) store_one(crow, bp, 4, s4, f64out);
      if (cols > 5) store_one(crow, bp, 5, s5, f64out);
      if (cols > 6) store_one(crow, bp, 6, s6, f64out);
      if (cols > 7) store_one(crow, bp, 7, s7, f64out);
    }
  }
}
