// f32-gemm, scalar variant: C[M, N] = A[M, K] * W^T + bias, W packed in NR-column panels by
// x32_packw_x8 (NR = 8) or x32_packw_x32 (NR = 32). The reference every other f32-gemm variant is
// tested against, and the kernel of the scalar build. One output row x one 8-column slice of a
// panel at a time, 8 accumulators, k ascending.

/**
 * c: [M, ldc] output rows; a: [M, lda] input rows; w: packed weights (x32_packw_x8 of [N, K]);
 * bias: [N] floats or 0 for none. Only columns 0..N-1 of C are written.
 */
export function f32_gemm__scalar(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  gemm_scalar(c, a, w, bias, m, n, k, lda, ldc, 8);
}

/** The same on W packed by x32_packw_x32. */
export function f32_gemm_nr32__scalar(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  gemm_scalar(c, a, w, bias, m, n, k, lda, ldc, 32);
}

// @ts-ignore: decorator
@inline function gemm_scalar(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32, nr: i32,
): void {
  const slices = (n + 7) >> 3;
  const spp = nr >> 3; // slices per panel
  const rowBytes = <usize>nr << 2;
  for (let q = 0; q < slices; q++) {
    const n0 = q << 3;
    // slice q is columns 8*(q%spp) .. +7 of panel q/spp
    const slice = w + (<usize>((q / spp) * nr * k + ((q % spp) << 3)) << 2);
    const cols = min(8, n - n0);
    for (let i = 0; i < m; i++) {
      const arow = a + (<usize>(i * lda) << 2);
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
      let wp = slice;
      for (let kk = 0; kk < k; kk++) {
        const x = load<f32>(arow + (<usize>kk << 2));
        s0 += x * load<f32>(wp, 0);
        s1 += x * load<f32>(wp, 4);
        s2 += x * load<f32>(wp, 8);
        s3 += x * load<f32>(wp, 12);
        s4 += x * load<f32>(wp, 16);
        s5 += x * load<f32>(wp, 20);
        s6 += x * load<f32>(wp, 24);
        s7 += x * load<f32>(wp, 28);
        wp += rowBytes;
      }
      const crow = c + (<usize>(i * ldc + n0) << 2);
      const brow = bias + (<usize>n0 << 2);
      // the last slice may be partial: write only the valid columns
      if (bias != 0) {
        store<f32>(crow, s0 + load<f32>(brow));
        if (cols > 1) store<f32>(crow, s1 + load<f32>(brow, 4), 4);
        if (cols > 2) store<f32>(crow, s2 + load<f32>(brow, 8), 8);
        if (cols > 3) store<f32>(crow, s3 + load<f32>(brow, 12), 12);
        if (cols > 4) store<f32>(crow, s4 + load<f32>(brow, 16), 16);
        if (cols > 5) store<f32>(crow, s5 + load<f32>(brow, 20), 20);
        if (cols > 6) store<f32>(crow, s6 + load<f32>(brow, 24), 24);
        if (cols > 7) store<f32>(crow, s7 + load<f32>(brow, 28), 28);
      } else {
        store<f32>(crow, s0);
        if (cols > 1) store<f32>(crow, s1, 4);
        if (cols > 2) store<f32>(crow, s2, 8);
        if (cols > 3) store<f32>(crow, s3, 12);
        if (cols > 4) store<f32>(crow, s4, 16);
        if (cols > 5) store<f32>(crow, s5, 20);
        if (cols > 6) store<f32>(crow, s6, 24);
        if (cols > 7) store<f32>(crow, s7, 28);
      }
    }
  }
}
