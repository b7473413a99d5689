// f32-dwconv-f64acc: depthwise convolution (one filter per channel, group = channels) of float32
// data, each output accumulated in float64 and rounded to float32 once:
//   out[oy * ow + ox][ch] = f32(sum over taps (ky, kx) of x[oy*sh + ky*dh][ox*sw + kx*dw][ch] * w[ky*kw + kx][ch]
//                               + bias[ch])
// x is the channels-last, zero-padded image held as float64 ([rows][cols][c] doubles, float32
// values widened by f32_f64_vcvt), w is [kh * kw][c] doubles (taps-major, so 2 channels are one
// f64x2), bias [c] doubles or 0 for none; out is [oh * ow][c] floats.
// As in f32-gemm-f64acc, the products are exact in float64, every output sums its taps in
// ascending order from zero and adds the bias last, so the variants (and builds) agree bit for
// bit. The SIMD variant does 4 channels per step (two f64x2, one f32x4 store), the rest one at a time.

import { f64_madd, f32_demote_pair } from '../simd';

export function f32_dwconv_f64acc(
  out: usize, x: usize, w: usize, bias: usize, c: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    dwconv(out, x, w, bias, c, wp, kh, kw, sh, sw, dh, dw, oh, ow, true);
  } else {
    dwconv(out, x, w, bias, c, wp, kh, kw, sh, sw, dh, dw, oh, ow, false);
  }
}

/** One channel at a time: the reference the SIMD variant is tested against. */
export function f32_dwconv_f64acc__scalar(
  out: usize, x: usize, w: usize, bias: usize, c: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  dwconv(out, x, w, bias, c, wp, kh, kw, sh, sw, dh, dw, oh, ow, false);
}


// @ts-ignore: decorator
@inline function dwconv(
  out: usize, x: usize, w: usize, bias: usize, c: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  simd: bool,
): void {
  const pixelBytes = <usize>c << 3; // one pixel of x (or one tap of w)
  const tapStep = <usize>dw * pixelBytes;
  const rowStep = <usize>(dh * wp) * pixelBytes;
  let o = out;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      // the output pixel's first input pixel (tap 0, 0)
      const origin = x + <usize>((oy * sh) * wp + ox * sw) * pixelBytes;
      let ch = 0;
      if (ASC_FEATURE_SIMD && simd) {
        for (; ch + 4 <= c; ch += 4) {
          const chOff = <usize>ch << 3;
          let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
          let wt = w + chOff;
          let row = origin + chOff;
          for (let ky = 0; ky < kh; ky++) {
            let xp = row;
            for (let kx = 0; kx < kw; kx++) {
              acc0 = f64_madd(v128.load(xp), v128.load(wt), acc0);
              acc1 = f64_madd(v128.load(xp, 16), v128.load(wt, 16), acc1);
              xp += tapStep;
              wt += pixelBytes;
            }
            row += rowStep;
          }
          if (bias != 0) {
            acc0 = f64x2.add(acc0, v128.load(bias + chOff));
            acc1 = f64x2.add(acc1, v128.load(bias + chOff, 16));
          }
          v128.store(o + (<usize>ch << 2), f32_demote_pair(acc0, acc1));
        }
      }
      for (; ch < c; ch++) {
        const chOff = <usize>ch << 3;
        let acc: f64 = 0;
        let wt = w + chOff;
        let row = origin + chOff;
        for (let ky = 0; ky < kh; ky++) {
          let xp = row;
          for (let kx = 0; kx < kw; kx++) {
            acc += load<f64>(xp) * load<f64>(wt);
            xp += tapStep;
            wt += pixelBytes;
          }
          row += rowStep;
        }
        if (bias != 0) acc += load<f64>(bias + chOff);
        store<f32>(o + (<usize>ch << 2), <f32>acc);
      }
      o += <usize>c << 2;
    }
  }
}
