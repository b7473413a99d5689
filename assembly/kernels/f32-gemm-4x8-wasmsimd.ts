// f32-gemm, wasm SIMD variant, 4x8 register tile: C[M, N] = A[M, K] * W^T + bias, W packed by
// x32_packw_x8 (per 8-column panel, one 32-byte row per k).
//
// Full 4-row blocks: 8 accumulators (4 rows x 2 vectors), per k two weight loads, four
// broadcast loads of A and eight multiply-adds. Leftover rows (and the batch-1 recurrent
// product, M = 1) take a 1x32 kernel (one row against four panels: 8 independent accumulators,
// so the add latency chain does not bound it), then 1x8 for the last panels. Every kernel sums
// each output's k terms in ascending order from zero and adds the bias last, so a row's result
// is bitwise independent of which kernel (and so which batch size) computed it. A partial last panel is computed in full (the packed
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

/** One row of A against one packed panel: 2 accumulators, k ascending. */
// @ts-ignore: decorator
@inline function row_1x8(crow: usize, brow: usize, arow: usize, panel: usize, k: i32, cols: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let wp = panel;
  for (let kk = 0; kk < k; kk++) {
    const x = vload_splat(arow + (<usize>kk << 2));
    a0 = vmadd(x, vload(wp), a0);
    a1 = vmadd(x, vload(wp + 16), a1);
    wp += 32;
  }
  store_row(crow, brow, a0, a1, cols);
}

/**
 * One row of A against four consecutive full panels (32 columns): 8 independent accumulators,
 * so the add latency of one chain is hidden behind the other seven. Each output still sums its
 * k terms in ascending order from zero, exactly like the 4x8 tile: a row gives bitwise the same
 * result whichever kernel computes it, so results do not depend on the batch size.
 */
// @ts-ignore: decorator
@inline function row_1x32(crow: usize, brow: usize, arow: usize, panel: usize, k: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
  const pstride = <usize>(8 * k) << 2; // bytes between panels
  let wp = panel;
  for (let kk = 0; kk < k; kk++) {
    const x = vload_splat(arow + (<usize>kk << 2));
    a0 = vmadd(x, vload(wp), a0);
    a1 = vmadd(x, vload(wp + 16), a1);
    b0 = vmadd(x, vload(wp + pstride), b0);
    b1 = vmadd(x, vload(wp + pstride + 16), b1);
    c0 = vmadd(x, vload(wp + 2 * pstride), c0);
    c1 = vmadd(x, vload(wp + 2 * pstride + 16), c1);
    d0 = vmadd(x, vload(wp + 3 * pstride), d0);
    d1 = vmadd(x, vload(wp + 3 * pstride + 16), d1);
    wp += 32;
  }
  store_row(crow, brow, a0, a1, 8);
  store_row(crow + 32, brow != 0 ? brow + 32 : 0, b0, b1, 8);
  store_row(crow + 64, brow != 0 ? brow + 64 : 0, c0, c1, 8);
  store_row(crow + 96, brow != 0 ? brow + 96 : 0, d0, d1, 8);
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
  const fullPanels = n >> 3;
  for (; i < m; i++) {
    const arow = a + <usize>i * astride;
    const crow = c + <usize>i * cstride;
    let p = 0;
    for (; p + 4 <= fullPanels; p += 4) {
      const n0 = p << 3;
      const brow = bias != 0 ? bias + (<usize>n0 << 2) : 0;
      row_1x32(crow + (<usize>n0 << 2), brow, arow, w + (<usize>(p * 8 * k) << 2), k);
    }
    for (; p < panels; p++) {
      const n0 = p << 3;
      const brow = bias != 0 ? bias + (<usize>n0 << 2) : 0;
      row_1x8(crow + (<usize>n0 << 2), brow, arow, w + (<usize>(p * 8 * k) << 2), k, min(8, n - n0));
    }
  }
}
