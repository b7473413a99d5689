// f32-wgrad dispatch: the weight gradient of a layer over all its rows at once,
//   C += A^T B,  A [R, N] (rows `lda` floats apart), B [R, K] (rows `ldb` apart),
// accumulated into C [N, K] held in the panel layout of the weight itself (x32_packw_x8 / x32
// for nr 8 / 32: C[n][k] at float (n - n % nr) * K + n % nr + k * nr). For a recurrent layer, A is
// the pre-activation gradients of every time step and batch row and B the layer's input (dW_ih)
// or its previous states (dW_hh). Only the N x K elements are written: the panels' zero padding
// stays zero (a zero gradient), which the optimizers rely on (bindings/trainable.ts).
import { f32_wgrad_acc__scalar } from './f32-wgrad-scalar';
import { f32_wgrad_acc__wasmsimd_4x8 } from './f32-wgrad-4x8-wasmsimd';

export { f32_wgrad_acc__scalar };

export function f32_wgrad_acc(c: usize, a: usize, b: usize, n: i32, k: i32, r: i32, lda: i32, ldb: i32, nr: i32): void {
  if (ASC_FEATURE_SIMD) {
    f32_wgrad_acc__wasmsimd_4x8(c, a, b, n, k, r, lda, ldb, nr);
  } else {
    f32_wgrad_acc__scalar(c, a, b, n, k, r, lda, ldb, nr);
  }
}
