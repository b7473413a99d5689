// x32-packw-t-x8: the 8-column panels (x32_packw_x8's layout) of W^T, read from W's own panels.
// W [N, K] is packed in NR-wide panels (NR = 8 or 32: W[n][k] at float (n - n % NR) * K + n % NR
// + k * NR); the result holds W^T [K, N]: ceil(K/8) panels of N rows of 8 floats, W^T[k][n] =
// W[n][k] at float (k - k % 8) * N + n * 8 + k % 8, zero past K. The recurrent backward
// multiplies gradients by W (dx = dgates W_ih, dh = dgates W_hh, dr = dh W_hr), which is the
// f32_gemm of W^T. Pure data movement.

/** Floats of the packed W^T of a [N, K] matrix (x32_packw_x8_size(K, N)). */
export function x32_packw_t_x8_size(n: i32, k: i32): i32 {
  return ((k + 7) >> 3) * 8 * n;
}

/** dst <- the 8-wide panels of W^T, W [N, K] packed at src in `nr`-wide panels. */
export function x32_packw_t_x8(dst: usize, src: usize, n: i32, k: i32, nr: i32): void {
  const panels = (k + 7) >> 3;
  for (let nn = 0; nn < n; nn++) {
    const j = nn % nr;
    // W row nn: element k0 at float (nn - j) * K + j + k0 * NR
    const wrow = src + (<usize>((nn - j) * k + j) << 2);
    const wstep = <usize>nr << 2;
    for (let p = 0; p < panels; p++) {
      const out = dst + (<usize>((p * n + nn) * 8) << 2);
      const k0 = p << 3;
      const cols = min(8, k - k0);
      let w = wrow + <usize>k0 * wstep;
      for (let c = 0; c < cols; c++) {
        store<f32>(out + (<usize>c << 2), load<f32>(w));
        w += wstep;
      }
      for (let c = cols; c < 8; c++) store<f32>(out + (<usize>c << 2), 0);
    }
  }
}
