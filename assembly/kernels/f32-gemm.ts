// f32-gemm dispatch: the variant this build runs. Every variant computes
// C[M, N] = A[M, K] * W^T + bias with W packed by x32_packw_x8 (f32_gemm) or x32_packw_x32
// (f32_gemm_nr32), A rows `lda` floats apart and C
// rows `ldc` floats apart; bias is [N] floats or 0 for none.
import { f32_gemm__scalar, f32_gemm_nr32__scalar } from './f32-gemm-scalar';
import { f32_gemm__wasmsimd_4x8, f32_gemm_nr32__wasmsimd_4x8 } from './f32-gemm-4x8-wasmsimd';

export { f32_gemm__scalar, f32_gemm_nr32__scalar };

export function f32_gemm(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    f32_gemm__wasmsimd_4x8(c, a, w, bias, m, n, k, lda, ldc);
  } else {
    f32_gemm__scalar(c, a, w, bias, m, n, k, lda, ldc);
  }
}

export function f32_gemm_nr32(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    f32_gemm_nr32__wasmsimd_4x8(c, a, w, bias, m, n, k, lda, ldc);
  } else {
    f32_gemm_nr32__scalar(c, a, w, bias, m, n, k, lda, ldc);
  }
}
