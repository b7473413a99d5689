// x64-im2col: gathers convolution patches into the rows of a GEMM A matrix (64-bit elements: the
// float64-widened image that f32_gemm_f64acc reads). The image is channels-last
// ([rows][cols][channels], `ldp` elements per pixel) and already zero-padded, so no bounds checks
// are needed: row (oy * ow + ox) of dst is, for ky then kx, the `cg` channels of pixel
// (oy * sh + ky * dh, ox * sw + kx * dw), i.e. K = kh * kw * cg elements in (ky, kx, c) order (the
// bindings pack the weights in that order). `src` points at the group's first channel.
// Pure data movement: every variant writes the same bits.

/** SIMD build: 2 elements per v128 copy while at least 2 are left. */
export function x64_im2col(
  dst: usize, src: usize, ldp: i32, cg: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  im2col(dst, src, ldp, cg, wp, kh, kw, sh, sw, dh, dw, oh, ow, ASC_FEATURE_SIMD);
}

/** One element at a time: the reference the SIMD variant is tested against. */
export function x64_im2col__scalar(
  dst: usize, src: usize, ldp: i32, cg: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  im2col(dst, src, ldp, cg, wp, kh, kw, sh, sw, dh, dw, oh, ow, false);
}

// @ts-ignore: decorator
@inline function im2col(
  dst: usize, src: usize, ldp: i32, cg: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  simd: bool,
): void {
  const run = <usize>cg << 3;
  let d = dst;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const pixelRow = (oy * sh + ky * dh) * wp + ox * sw;
        for (let kx = 0; kx < kw; kx++) {
          let s = src + (<usize>((pixelRow + kx * dw) * ldp) << 3);
          const end = d + run;
          if (ASC_FEATURE_SIMD && simd) {
            while (d + 16 <= end) {
              v128.store(d, v128.load(s));
              d += 16;
              s += 16;
            }
          }
          while (d < end) {
            store<u64>(d, load<u64>(s));
            d += 8;
            s += 8;
          }
        }
      }
    }
  }
}
