// qd8-f32-qc8w-gemm: C[M, N] = dequant(Xq[M, K] * Wq^T) + bias, with X quantized dynamically to 7-bit
// unsigned values (qd8_quantize_u7: one scale and zero point per call) and W int8 with a scale per
// output row (qc8w_packw). Per output:
//   acc = sum_k xq[i, k] * wq[j, k]                       (exact, i32)
//   c[i, j] = f32(acc - zp * rowsum[j]) * (xscale * wscale[j]) + bias[j]
// The integer sum is exact in every variant, and the epilogue is the same float operations in the
// same order, so the three builds give the same bits. Rows of xq are `kp` bytes apart (K rounded
// up to 4, zero padding), rows of C `ldc` floats apart; only the N real columns are written.
//
// Variants:
//  - scalar: the reference;
//  - wasmsimd: per 4 k, a 16-byte group of 4 outputs x 4 k, sign-extended to two i16x8 halves,
//    each dotted (i32x4.dot_i16x8_s) with the activations [x0..x3, x0..x3]; the pair sums are
//    folded once at the end. Half a panel (16 outputs, 8 accumulators) per pass.
//  - relaxed: i32x4.relaxed_dot_i8x16_i7x16_add_s, 16 multiply-adds an instruction, one pass per
//    panel (8 accumulators). Its second operand (the activations) is in [0, 127], where the
//    instruction is deterministic; an engine that computes it otherwise (Node 20's V8 11.3 does,
//    docs/quantization.md) gets the wasmsimd kernel. The relaxed build decides at its first
//    product: a 4 x 8 product with negative weights and activations up to 127, by both kernels.
import { QC8W_NR, qc8w_packw } from './qc8w-packw';
import { scratch, SCRATCH_QD8_PROBE, SCRATCH_QD8_LANES } from '../scratch';

/** -1: not probed yet; 1: the relaxed dot product computes as specified; 0: it does not. */
let relaxedDot: i32 = -1;

/** Overrides the probe: the relaxed dot product kernel (1) or the plain SIMD one (0) in the relaxed build. */
export function qd8_set_relaxed_dot(on: i32): void {
  relaxedDot = on != 0 ? 1 : 0;
}

/** Whether the relaxed build uses the relaxed dot product (after probing the engine once); 0 in the other builds. */
export function qd8_relaxed_dot(): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  if (relaxedDot < 0) relaxedDot = probeRelaxedDot();
  return relaxedDot;
}

function probeRelaxedDot(): i32 {
  const packed = scratch + SCRATCH_QD8_PROBE; // qc8w block of 4 x 8: 32 x 8 bytes, then 32 scales and 32 row sums
  const src = packed + 512;
  const scales = src + 32;
  const xq = scales + 16;
  const params = xq + 16;
  const out = params + 8;
  for (let i = 0; i < 32; i++) store<i8>(src + <usize>i, <i8>(((i * 37) % 255) - 127));
  for (let i = 0; i < 4; i++) store<f32>(scales + (<usize>i << 2), 1);
  for (let i = 0; i < 8; i++) store<u8>(xq + <usize>i, <u8>(127 - ((i * 29) % 128)));
  store<f32>(params, 1);
  store<i32>(params, 0, 4);
  qc8w_packw(packed, src, scales, 4, 8, 8);
  gemm(RELAXED, out, xq, params, packed, 0, 1, 4, 8, 4);
  gemm(WASMSIMD, out + 16, xq, params, packed, 0, 1, 4, 8, 4);
  for (let i = 0; i < 4; i++) if (load<i32>(out + (<usize>i << 2)) != load<i32>(out + 16 + (<usize>i << 2))) return 0;
  return 1;
}

// @ts-ignore: decorator
@inline function roundUp(v: i32, m: i32): i32 {
  return ((v + m - 1) / m) * m;
}

// @ts-ignore: decorator
@inline function epilogue(acc: i32, zp: i32, rowsum: i32, xscale: f32, wscale: f32, bias: f32): f32 {
  return <f32>(acc - zp * rowsum) * (xscale * wscale) + bias;
}

/** Writes the real outputs (`cols` of 4) of one 4-output group from its i32 sums. */
// @ts-ignore: decorator
@inline function storeGroup(c: usize, sums: v128, zp: i32, sump: usize, scalep: usize, biasp: usize, xscale: f32, cols: i32): void {
  const lanes = scratch + SCRATCH_QD8_LANES;
  v128.store(lanes, sums);
  for (let t = 0; t < cols; t++) {
    const o = <usize>t << 2;
    const b: f32 = biasp != 0 ? load<f32>(biasp + o) : 0;
    store<f32>(c + o, epilogue(load<i32>(lanes + o), zp, load<i32>(sump + o), xscale, load<f32>(scalep + o), b));
  }
}

function qd8_f32_qc8w_gemm__scalar(c: usize, xq: usize, w: usize, scales: usize, sums: usize, bias: usize, xscale: f32, zp: i32, m: i32, n: i32, kp: i32, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const x = xq + <usize>(i * kp);
    const crow = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const panel = w + <usize>((j / QC8W_NR) * QC8W_NR * kp);
      const lane = <usize>((j % QC8W_NR) * 4);
      let acc = 0;
      for (let kk = 0; kk < kp; kk += 4) {
        const g = panel + <usize>(kk * QC8W_NR) + lane;
        const xk = x + <usize>kk;
        acc += <i32>load<i8>(g) * <i32>load<u8>(xk) + <i32>load<i8>(g, 1) * <i32>load<u8>(xk, 1) +
          <i32>load<i8>(g, 2) * <i32>load<u8>(xk, 2) + <i32>load<i8>(g, 3) * <i32>load<u8>(xk, 3);
      }
      const o = <usize>j << 2;
      const b: f32 = bias != 0 ? load<f32>(bias + o) : 0;
      store<f32>(crow + o, epilogue(acc, zp, load<i32>(sums + o), xscale, load<f32>(scales + o), b));
    }
  }
}

/** [o0, o1, o2, o3] from the pair sums lo = [o0a, o0b, o1a, o1b], hi = [o2a, o2b, o3a, o3b]. */
// @ts-ignore: decorator
@inline function fold(lo: v128, hi: v128): v128 {
  return i32x4.add(v128.shuffle<i32>(lo, hi, 0, 2, 4, 6), v128.shuffle<i32>(lo, hi, 1, 3, 5, 7));
}

function qd8_f32_qc8w_gemm__wasmsimd(c: usize, xq: usize, w: usize, scales: usize, sums: usize, bias: usize, xscale: f32, zp: i32, m: i32, n: i32, kp: i32, ldc: i32): void {
  const rowBytes = <usize>(QC8W_NR * 4); // one k-quad of a panel
  for (let i = 0; i < m; i++) {
    const x = xq + <usize>(i * kp);
    const crow = c + (<usize>(i * ldc) << 2);
    for (let j0 = 0; j0 < n; j0 += 16) {
      // half a panel: outputs j0 .. j0+15, bytes (j0 % 32) * 4 .. +63 of each k-quad row
      let wp = w + <usize>((j0 / QC8W_NR) * QC8W_NR * kp + (j0 % QC8W_NR) * 4);
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (let kk = 0; kk < kp; kk += 4) {
        const xv = i16x8.extend_low_i8x16_u(v128.load32_splat(x + <usize>kk));
        const g0 = v128.load(wp, 0);
        const g1 = v128.load(wp, 16);
        const g2 = v128.load(wp, 32);
        const g3 = v128.load(wp, 48);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(g0), xv));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(g0), xv));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(g1), xv));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(g1), xv));
        a4 = i32x4.add(a4, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(g2), xv));
        a5 = i32x4.add(a5, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(g2), xv));
        a6 = i32x4.add(a6, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(g3), xv));
        a7 = i32x4.add(a7, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(g3), xv));
        wp += rowBytes;
      }
      storeGroups(crow, j0, n, fold(a0, a1), fold(a2, a3), fold(a4, a5), fold(a6, a7), zp, sums, scales, bias, xscale);
    }
  }
}

/** The outputs j0 .. j0+15 (those below n) from four groups' sums. */
// @ts-ignore: decorator
@inline function storeGroups(crow: usize, j0: i32, n: i32, s0: v128, s1: v128, s2: v128, s3: v128, zp: i32, sums: usize, scales: usize, bias: usize, xscale: f32): void {
  const o = <usize>j0 << 2;
  const b = bias != 0 ? bias + o : 0;
  storeGroup(crow + o, s0, zp, sums + o, scales + o, b, xscale, min(4, n - j0));
  if (j0 + 4 < n) storeGroup(crow + o + 16, s1, zp, sums + o + 16, scales + o + 16, b != 0 ? b + 16 : 0, xscale, min(4, n - j0 - 4));
  if (j0 + 8 < n) storeGroup(crow + o + 32, s2, zp, sums + o + 32, scales + o + 32, b != 0 ? b + 32 : 0, xscale, min(4, n - j0 - 8));
  if (j0 + 12 < n) storeGroup(crow + o + 48, s3, zp, sums + o + 48, scales + o + 48, b != 0 ? b + 48 : 0, xscale, min(4, n - j0 - 12));
}

function qd8_f32_qc8w_gemm__relaxed(c: usize, xq: usize, w: usize, scales: usize, sums: usize, bias: usize, xscale: f32, zp: i32, m: i32, n: i32, kp: i32, ldc: i32): void {
  const rowBytes = <usize>(QC8W_NR * 4);
  for (let i = 0; i < m; i++) {
    const x = xq + <usize>(i * kp);
    const crow = c + (<usize>(i * ldc) << 2);
    for (let j0 = 0; j0 < n; j0 += QC8W_NR) {
      let wp = w + <usize>(j0 * kp);
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (let kk = 0; kk < kp; kk += 4) {
        const xv = v128.load32_splat(x + <usize>kk);
        a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 0), xv, a0);
        a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 16), xv, a1);
        a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 32), xv, a2);
        a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 48), xv, a3);
        a4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 64), xv, a4);
        a5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 80), xv, a5);
        a6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 96), xv, a6);
        a7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 112), xv, a7);
        wp += rowBytes;
      }
      storeGroups(crow, j0, n, a0, a1, a2, a3, zp, sums, scales, bias, xscale);
      if (j0 + 16 < n) storeGroups(crow, j0 + 16, n, a4, a5, a6, a7, zp, sums, scales, bias, xscale);
    }
  }
}

const SCALAR = 0;
const WASMSIMD = 1;
const RELAXED = 2;

/**
 * `variant` on a product: the block's layout (scales and row sums after the panels) and the
 * activations' scale and zero point, read once here for every variant.
 */
// @ts-ignore: decorator
@inline function gemm(variant: i32, c: usize, xq: usize, params: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, ldc: i32): void {
  const np = roundUp(n, QC8W_NR);
  const kp = roundUp(k, 4);
  const scales = w + <usize>(np * kp);
  const sums = scales + (<usize>np << 2);
  const xscale = load<f32>(params);
  const zp = load<i32>(params, 4);
  // the feature tests keep each build from compiling the variants it cannot run
  if (ASC_FEATURE_RELAXED_SIMD && variant == RELAXED) qd8_f32_qc8w_gemm__relaxed(c, xq, w, scales, sums, bias, xscale, zp, m, n, kp, ldc);
  else if (ASC_FEATURE_SIMD && variant == WASMSIMD) qd8_f32_qc8w_gemm__wasmsimd(c, xq, w, scales, sums, bias, xscale, zp, m, n, kp, ldc);
  else qd8_f32_qc8w_gemm__scalar(c, xq, w, scales, sums, bias, xscale, zp, m, n, kp, ldc);
}

/** The variant this build runs (see the file comment). */
export function qd8_f32_qc8w_gemm(c: usize, xq: usize, params: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, ldc: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (qd8_relaxed_dot() != 0) gemm(RELAXED, c, xq, params, w, bias, m, n, k, ldc);
    else gemm(WASMSIMD, c, xq, params, w, bias, m, n, k, ldc);
  } else if (ASC_FEATURE_SIMD) {
    gemm(WASMSIMD, c, xq, params, w, bias, m, n, k, ldc);
  } else {
    gemm(SCALAR, c, xq, params, w, bias, m, n, k, ldc);
  }
}
