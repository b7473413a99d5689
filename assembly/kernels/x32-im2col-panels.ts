// x32-im2col-panels: the patches of one group of an NCHW float32 image, K = cg * kh * kw values
// per output pixel in (c, ky, kx) order (onnxruntime's im2col order, the order of the weights as
// ONNX stores them), laid out in panels of `nr` pixels:
//  - nr = 8: the 8-column panels f32_gemm reads as its packed operand, so that a convolution is
//    one GEMM out[M, pixels] = W[M, K] * patches[K, pixels] with the weights as they are and the
//    result already channels-first (no transposes);
//  - nr = 1: one row of K values per pixel, [pixels, K], the GEMM's A rows when there are few
//    pixels (out^T = patches * W^T on pre-packed weights).
// Panel p holds output pixels nr * p .. nr * p + nr - 1 (row-major over [oh, ow], zero past the
// last pixel); its row kk = (c * kh + ky) * kw + kx holds, per pixel, the input at
// (oy * sh + ky * dh - padTop, ox * sw + kx * dw - padLeft) of channel c, zero where that falls
// outside the image. Panels [p0, p0 + panels) are written, to dst from panel p0 on, so that a
// caller can build a few at a time.
// Pure data movement: every variant writes the same bits. With nr = 8 and stride 1 the SIMD
// variant copies the 8 pixels of a panel row that lie in one output row with two v128 loads, the
// lanes that fall on the left or right padding zeroed by a mask. Those loads may read up to
// padLeft floats before src and padRight after its end (a run starts at column -padLeft at the
// earliest and ends at iw + padRight - 1 at the latest): the caller leaves them readable.
// Otherwise one value at a time.

import { scratch, SCRATCH_IM2COL_LANES } from '../scratch';

/** SIMD build: contiguous runs of 8 as two v128 copies. */
export function x32_im2col_panels(
  dst: usize, src: usize, cg: i32, ih: i32, iw: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padLeft: i32, oh: i32, ow: i32, nr: i32, p0: i32, panels: i32,
): void {
  im2colPanels(dst, src, cg, ih, iw, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow, nr, p0, panels, ASC_FEATURE_SIMD);
}

/** One value at a time: the reference the SIMD variant is tested against. */
export function x32_im2col_panels__scalar(
  dst: usize, src: usize, cg: i32, ih: i32, iw: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padLeft: i32, oh: i32, ow: i32, nr: i32, p0: i32, panels: i32,
): void {
  im2colPanels(dst, src, cg, ih, iw, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow, nr, p0, panels, false);
}

// @ts-ignore: decorator
@inline function im2colPanels(
  dst: usize, src: usize, cg: i32, ih: i32, iw: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padLeft: i32, oh: i32, ow: i32, nr: i32, p0: i32, panels: i32, simd: bool,
): void {
  const pixels = oh * ow;
  const lanes = scratch + SCRATCH_IM2COL_LANES; // per lane: row of tap (0, 0) at +4j, column at +32+4j
  let d = dst;
  for (let p = p0; p < p0 + panels; p++) {
    const first = p * nr;
    let oy = first / ow;
    let ox = first - oy * ow;
    // 8 pixels in one output row: with stride 1 each tap's 8 inputs are one run
    const oneRow = nr == 8 && ox + 8 <= ow;
    const count = min(nr, pixels - first);
    for (let j = 0; j < nr; j++) {
      // lanes past the last pixel point far outside the image: they read as zero
      store<i32>(lanes + (<usize>j << 2), j < count ? oy * sh - padTop : -0x40000000);
      store<i32>(lanes + 32 + (<usize>j << 2), ox * sw - padLeft);
      if (++ox == ow) {
        ox = 0;
        oy++;
      }
    }
    const iy0 = load<i32>(lanes);
    const ix0 = load<i32>(lanes + 32);
    for (let c = 0; c < cg; c++) {
      const plane = src + (<usize>(c * ih * iw) << 2);
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          if (ASC_FEATURE_SIMD && simd && oneRow && sw == 1) {
            const iy = iy0 + ky * dh;
            const ix = ix0 + kx * dw;
            if (<u32>iy >= <u32>ih) {
              v128.store(d, i32x4.splat(0));
              v128.store(d + 16, i32x4.splat(0));
            } else {
              const s = plane + <usize>((iy * iw + ix) << 2);
              let v0 = v128.load(s);
              let v1 = v128.load(s + 16);
              if (ix < 0 || ix + 8 > iw) {
                // lane j holds column ix + j: kept where 0 <= ix + j < iw
                const col = i32x4.add(i32x4.splat(ix), i32x4(0, 1, 2, 3));
                const width = i32x4.splat(iw);
                v0 = v128.and(v0, i32x4.lt_u(col, width));
                v1 = v128.and(v1, i32x4.lt_u(i32x4.add(col, i32x4.splat(4)), width));
              }
              v128.store(d, v0);
              v128.store(d + 16, v1);
            }
            d += 32;
            continue;
          }
          const dy = ky * dh;
          const dx = kx * dw;
          for (let j = 0; j < nr; j++) {
            const iy = load<i32>(lanes + (<usize>j << 2)) + dy;
            const ix = load<i32>(lanes + 32 + (<usize>j << 2)) + dx;
            store<f32>(d, <u32>iy < <u32>ih && <u32>ix < <u32>iw ? load<f32>(plane + (<usize>(iy * iw + ix) << 2)) : 0);
            d += 4;
          }
        }
      }
    }
  }
}
