// x32-transpose: dst[j * ldd + i] = src[i * lds + j] for i < m, j < n (32-bit elements; strides
// in elements). The convolution bindings use it to move an NCHW image into the channels-last
// layout their GEMMs read, and a GEMM's [pixels, channels] result back to [channels, pixels].
// Blocks of 8 x 8 keep both the rows read and the rows written in cache. Pure data movement.

const BLOCK: i32 = 8;

export function x32_transpose(dst: usize, src: usize, m: i32, n: i32, lds: i32, ldd: i32): void {
  for (let i0 = 0; i0 < m; i0 += BLOCK) {
    const i1 = min(i0 + BLOCK, m);
    for (let j0 = 0; j0 < n; j0 += BLOCK) {
      const j1 = min(j0 + BLOCK, n);
      for (let i = i0; i < i1; i++) {
        let s = src + (<usize>(i * lds + j0) << 2);
        let d = dst + (<usize>(j0 * ldd + i) << 2);
        const dStep = <usize>ldd << 2;
        for (let j = j0; j < j1; j++) {
          store<u32>(d, load<u32>(s));
          s += 4;
          d += dStep;
        }
      }
    }
  }
}
