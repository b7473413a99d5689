// The build choice's probe (bindings/build-choice.ts): the batch-1 recurrent product's 1x32 row
// kernel (f32-gemm-4x8-wasmsimd.ts, row_1x32), compiled both ways into one small module: with
// relaxed_madd, as the `relaxed` build runs it, and with mul then add, as the `simd` build does;
// and the 1x24 row kernel on 8-wide panels, which decides the panel width of W_hh.
// Compiled with the relaxed build's features (asconfig.json target `relaxed`, to build/probe.wasm),
// so it validates exactly where `relaxed` does; ready() times the two forms here and then loads
// only the build it chose. The bindings own the memory; the problem's operands start at heap_base.
import { row_1x24_with, row_1x32_with } from './kernels/f32-gemm-4x8-wasmsimd';

/** First byte of linear memory free for the caller. */
export function heap_base(): usize {
  return __heap_base;
}

function row_fma(crow: usize, arow: usize, panel: usize, k: i32): void {
  row_1x32_with(crow, 0, arow, panel, k, true);
}

function row_muladd(crow: usize, arow: usize, panel: usize, k: i32): void {
  row_1x32_with(crow, 0, arow, panel, k, false);
}

/** c[n] = a[k] W^T for W in n/32 panels of 32 columns (n a multiple of 32), with FMA (fma != 0) or mul then add. */
export function gemv(c: usize, a: usize, w: usize, n: i32, k: i32, fma: i32): void {
  const panelBytes = <usize>(32 * k) << 2;
  for (let p = 0; p < n; p += 32) {
    const panel = w + <usize>(p >> 5) * panelBytes;
    if (fma) row_fma(c + (<usize>p << 2), a, panel, k);
    else row_muladd(c + (<usize>p << 2), a, panel, k);
  }
}

function row24_muladd(crow: usize, arow: usize, panel: usize, k: i32): void {
  row_1x24_with(crow, 0, arow, panel, k, false);
}

/**
 * c[n] = a[k] W^T for W in n/8 panels of 8 columns (n a multiple of 24), three panels a call, mul
 * then add: the simd build's form, the one the panel width is decided on (build-choice.ts).
 */
export function gemv24(c: usize, a: usize, w: usize, n: i32, k: i32): void {
  const panelBytes = <usize>(8 * k) << 2;
  for (let p = 0; p < n; p += 24) row24_muladd(c + (<usize>p << 2), a, w + <usize>(p >> 3) * panelBytes, k);
}
