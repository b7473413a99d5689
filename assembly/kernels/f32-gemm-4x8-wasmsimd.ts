// f32-gemm, wasm SIMD variant, 4x8 register tile: C[M, N] = A[M, K] * W^T + bias, W packed by
// x32_packw_x8 (per 8-column panel, one 32-byte row per k).
//
// Full 4-row blocks: 8 accumulators (4 rows x 2 vectors), per k two weight loads, four
// broadcast loads of A and eight multiply-adds. Leftover rows (and the batch-1 recurrent
// product, M = 1) take a 1x8 kernel with k unrolled by 4 into independent accumulators, so the
// add latency chain does not bound it. A partial last panel is computed in full (the packed
// weights are zero-padded) and only its valid columns stored. Bias is added at the end, as in
// the scalar variant. vmadd is mul+add in the `simd` build and relaxed_madd in `relaxed`.
import { vload, vstore, vload_splat, vmadd, vadd } from '../simd';

// staging for the partial last panel (outputs and bias), so nothing past N is read or written
const TAIL: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline function store_row(crow: usize, brow: usize, v0: v128, v1: v128, cols: i32): void {
  if (cols == 8) {
    if (brow != 0) {
      v0 = vadd(v0, vload(brow));
      v1 = vadd(v1, vload(brow + 16));
    }
    vstore(crow, v0);
    vstore(crow + 16, v1);
  } else {
    vstore(TAIL, v0);
    vstore(TAIL + 16, v1);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      let s = load<f32>(TAIL + o);
      if (brow != 0) s += load<f32>(brow + o);
      store<f32>(crow + o, s);
    }
  }
}

/** One row of A against one packed panel, k unrolled by 4 (8 independent accumulators). */
// @ts-ignore: decorator
@inline function row_1x8(crow: usize, brow: usize, arow: usize, panel: usize, k: i32, cols: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
  let wp = panel;
  let ap = arow;
  let kk = 0;
  for (; kk + 4 <= k; kk += 4) {
    const x0 = vload_splat(ap);
    const x1 = vload_splat(ap + 4);
    const x2 = vload_splat(ap + 8);
    const x3 = vload_splat(ap + 12);
    a0 = vmadd(x0, vload(wp), a0);
    a1 = vmadd(x0, vload(wp + 16), a1);
    b0 = vmadd(x1, vload(wp + 32), b0);
    b1 = vmadd(x1, vload(wp + 48), b1);
    c0 = vmadd(x2, vload(wp + 64), c0);
    c1 = vmadd(x2, vload(wp + 80), c1);
    d0 = vmadd(x3, vload(wp + 96), d0);
    d1 = vmadd(x3, vload(wp + 112), d1);
    wp += 128;
    ap += 16;
  }
  for (; kk < k; kk++) {
    const x = vload_splat(ap);
    a0 = vmadd(x, vload(wp), a0);
    a1 = vmadd(x, vload(wp + 16), a1);
    wp += 32;
    ap += 4;
  }
  store_row(crow, brow, vadd(vadd(a0, b0), vadd(c0, d0)), vadd(vadd(a1, b1), vadd(c1, d1)), cols);
}

export function f32_gemm__wasmsimd_4x8(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  const panels = (n + 7) >> 3;
  const astride = <usize>lda << 2;
  const cstride = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ar0 = a + <usize>i * astride;
    const ar1 = ar0 + astride;
    const ar2 = ar1 + astride;
    const ar3 = ar2 + astride;
    const cr0 = c + <usize>i * cstride;
    for (let p = 0; p < panels; p++) {
      const n0 = p << 3;
      let wp = w + (<usize>(p * 8 * k) << 2);
      let acc00 = f32x4.splat(0), acc01 = f32x4.splat(0);
      let acc10 = f32x4.splat(0), acc11 = f32x4.splat(0);
      let acc20 = f32x4.splat(0), acc21 = f32x4.splat(0);
      let acc30 = f32x4.splat(0), acc31 = f32x4.splat(0);
      for (let kk = 0; kk < k; kk++) {
        const ko = <usize>kk << 2;
        const w0 = vload(wp);
        const w1 = vload(wp + 16);
        const x0 = vload_splat(ar0 + ko);
        const x1 = vload_splat(ar1 + ko);
        const x2 = vload_splat(ar2 + ko);
        const x3 = vload_splat(ar3 + ko);
        acc00 = vmadd(x0, w0, acc00);
        acc01 = vmadd(x0, w1, acc01);
        acc10 = vmadd(x1, w0, acc10);
        acc11 = vmadd(x1, w1, acc11);
        acc20 = vmadd(x2, w0, acc20);
        acc21 = vmadd(x2, w1, acc21);
        acc30 = vmadd(x3, w0, acc30);
        acc31 = vmadd(x3, w1, acc31);
        wp += 32;
      }
      const cols = min(8, n - n0);
      const brow = bias != 0 ? bias + (<usize>n0 << 2) : 0;
      const cp = cr0 + (<usize>n0 << 2);
      store_row(cp, brow, acc00, acc01, cols);
      store_row(cp + cstride, brow, acc10, acc11, cols);
      store_row(cp + 2 * cstride, brow, acc20, acc21, cols);
      store_row(cp + 3 * cstride, brow, acc30, acc31, cols);
    }
  }
  for (; i < m; i++) {
    const arow = a + <usize>i * astride;
    const crow = c + <usize>i * cstride;
    for (let p = 0; p < panels; p++) {
      const n0 = p << 3;
      const brow = bias != 0 ? bias + (<usize>n0 << 2) : 0;
      row_1x8(crow + (<usize>n0 << 2), brow, arow, w + (<usize>(p * 8 * k) << 2), k, min(8, n - n0));
    }
  }
}
