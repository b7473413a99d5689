// qd8-quantize: dynamic quantization of activations for qd8_f32_qc8w_gemm: the `rows` x `k` floats
// of x (rows `ldx` floats apart) get one scale and zero point (per tensor, computed from their
// range at every call, as PyTorch's quantize_dynamic does) and become 7-bit unsigned values:
//   lo = min(0, min x), hi = max(0, max x), scale = (hi - lo) / 127 (see chooseParams),
//   zp in [0, 127] (chooseParams), q = clamp(nearest(x / scale) + zp, 0, 127).
// 7 bits because the relaxed dot product's second operand must lie in [0, 127] (and PyTorch's
// x86 kernels use the same reduced range). Rows of `dst` are `kp` bytes (k rounded up to 4),
// zero past k. params receives [scale f32, zp i32]. Non-finite x: scale is NaN (or inf), the q
// are not written, and the product's epilogue (times that scale) makes every output non-finite.
// The SIMD variant computes the same values as the scalar one, bit for bit (the same IEEE
// division and rounding per element; min / max do not depend on order for finite inputs).
import { scratch, SCRATCH_QD8_RANGE } from '../scratch';

// @ts-ignore: decorator
@inline function rangeScalar(x: usize, rows: i32, k: i32, ldx: i32, out: usize): void {
  let lo: f32 = 0;
  let hi: f32 = 0;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * ldx) << 2);
    for (let kk = 0; kk < k; kk++) {
      const v = load<f32>(row + (<usize>kk << 2));
      lo = min(lo, v);
      hi = max(hi, v);
    }
  }
  store<f32>(out, lo);
  store<f32>(out, hi, 4);
}

/**
 * Scale and zero point from the range, as PyTorch's ChooseQuantizationParams (the quantized
 * kernels' own, reduce_range: [0, 127]) computes them: the scale in double, rounded to float
 * (0.1 when it is 0 or its reciprocal overflows), then the zero point from whichever end of the
 * range it represents with the smaller error, rounded half to even. False when the range is not
 * finite.
 */
// @ts-ignore: decorator
@inline function chooseParams(lo: f32, hi: f32, params: usize): bool {
  const xmin = <f64>lo;
  const xmax = <f64>hi;
  let scale = <f32>((xmax - xmin) / 127);
  store<f32>(params, scale);
  store<i32>(params, 0, 4);
  if (!(scale - scale == 0)) return false; // NaN or infinite
  if (scale == 0 || !((<f32>1 / scale) - (<f32>1 / scale) == 0)) {
    scale = 0.1;
    store<f32>(params, scale);
  }
  const s = <f64>scale;
  const fromMin = -xmin / s;
  const fromMax = 127 - xmax / s;
  const z = -abs(xmin / s) < 127 - abs(xmax / s) ? fromMin : fromMax;
  store<i32>(params, <i32>min<f64>(max<f64>(nearest<f64>(z), 0), 127), 4);
  return true;
}

// @ts-ignore: decorator
@inline function quantizeScalar(dst: usize, x: usize, rows: i32, k: i32, ldx: i32, kp: i32, scale: f32, zp: f32, from: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * ldx) << 2);
    const out = dst + <usize>(r * kp);
    for (let kk = from; kk < k; kk++) {
      const q = min<f32>(max<f32>(nearest<f32>(load<f32>(row + (<usize>kk << 2)) / scale) + zp, 0), 127);
      store<u8>(out + <usize>kk, <u8>(<i32>q));
    }
  }
}


/**
 * Zeroes the padding bytes k .. kp-1 of every row (the rest is written by the quantization; with
 * non-finite x it is left as it was, and the product's NaN scale decides the outputs).
 */
// @ts-ignore: decorator
@inline function zeroPadding(dst: usize, rows: i32, k: i32, kp: i32): void {
  if (kp == k) return;
  for (let r = 0; r < rows; r++) memory.fill(dst + <usize>(r * kp + k), 0, <usize>(kp - k));
}

export function qd8_quantize_u7__scalar(dst: usize, x: usize, rows: i32, k: i32, ldx: i32, kp: i32, params: usize): void {
  zeroPadding(dst, rows, k, kp);
  const range = scratch + SCRATCH_QD8_RANGE;
  rangeScalar(x, rows, k, ldx, range);
  if (!chooseParams(load<f32>(range), load<f32>(range, 4), params)) return;
  quantizeScalar(dst, x, rows, k, ldx, kp, load<f32>(params), <f32>load<i32>(params, 4), 0);
}

function qd8_quantize_u7__wasmsimd(dst: usize, x: usize, rows: i32, k: i32, ldx: i32, kp: i32, params: usize): void {
  zeroPadding(dst, rows, k, kp);
  const k4 = k & ~3;
  let vlo = f32x4.splat(0);
  let vhi = vlo;
  let lo: f32 = 0;
  let hi: f32 = 0;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * ldx) << 2);
    for (let kk = 0; kk < k4; kk += 4) {
      const v = v128.load(row + (<usize>kk << 2));
      vlo = f32x4.min(vlo, v);
      vhi = f32x4.max(vhi, v);
    }
    for (let kk = k4; kk < k; kk++) {
      const v = load<f32>(row + (<usize>kk << 2));
      lo = min(lo, v);
      hi = max(hi, v);
    }
  }
  lo = min(min(min(lo, f32x4.extract_lane(vlo, 0)), min(f32x4.extract_lane(vlo, 1), f32x4.extract_lane(vlo, 2))), f32x4.extract_lane(vlo, 3));
  hi = max(max(max(hi, f32x4.extract_lane(vhi, 0)), max(f32x4.extract_lane(vhi, 1), f32x4.extract_lane(vhi, 2))), f32x4.extract_lane(vhi, 3));
  if (!chooseParams(lo, hi, params)) return;
  const scale = load<f32>(params);
  const zp = <f32>load<i32>(params, 4);
  const vs = f32x4.splat(scale);
  const vz = f32x4.splat(zp);
  const vmax = f32x4.splat(127);
  const vzero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * ldx) << 2);
    const out = dst + <usize>(r * kp);
    for (let kk = 0; kk < k4; kk += 4) {
      const q = f32x4.max(f32x4.min(f32x4.add(f32x4.nearest(f32x4.div(v128.load(row + (<usize>kk << 2)), vs)), vz), vmax), vzero);
      const i = i32x4.trunc_sat_f32x4_s(q);
      const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(i, i), i16x8.narrow_i32x4_s(i, i));
      v128.store32_lane(out + <usize>kk, b, 0);
    }
  }
  if (k4 < k) quantizeScalar(dst, x, rows, k, ldx, kp, scale, zp, k4);
}

/** The variant this build runs (see the file comment). */
export function qd8_quantize_u7(dst: usize, x: usize, rows: i32, k: i32, ldx: i32, kp: i32, params: usize): void {
  if (ASC_FEATURE_SIMD) qd8_quantize_u7__wasmsimd(dst, x, rows, k, ldx, kp, params);
  else qd8_quantize_u7__scalar(dst, x, rows, k, ldx, kp, params);
}
