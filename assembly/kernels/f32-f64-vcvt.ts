// f32-f64-vcvt: dst[i] = f64(src[i]) for i < n, the exact widening of float32 values to float64
// (the convolution bindings widen the channels-last image once per call so that the f64acc
// kernels read doubles). Every variant writes the same bits.

import { f64_promote_high } from '../simd';

/** SIMD build: 4 floats -> two f64x2 per step, the rest one at a time. */
export function f32_f64_vcvt(dst: usize, src: usize, n: i32): void {
  vcvt(dst, src, n, ASC_FEATURE_SIMD);
}

/** One element at a time: the reference the SIMD variant is tested against. */
export function f32_f64_vcvt__scalar(dst: usize, src: usize, n: i32): void {
  vcvt(dst, src, n, false);
}

// @ts-ignore: decorator
@inline function vcvt(dst: usize, src: usize, n: i32, simd: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(src + (<usize>i << 2));
      const d = dst + (<usize>i << 3);
      v128.store(d, f64x2.promote_low_f32x4(v));
      v128.store(d, f64_promote_high(v), 16);
    }
  }
  for (; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
}
