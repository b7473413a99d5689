// f32-dwconv: depthwise convolution (one filter per channel, group = channels) on a
// channels-last, zero-padded image ([rows][cols][c]):
//   out[oy * ow + ox][ch] = sum over taps (ky, kx) of x[oy*sh + ky*dh][ox*sw + kx*dw][ch] * w[ky*kw + kx][ch]
//                          + bias[ch]
// w is [kh * kw][c] (taps-major, so 4 channels are one v128); bias is [c] floats or 0 for none.
// Like the f32-gemm kernels, every output sums its taps in ascending order from zero and adds
// the bias last. The SIMD variant does 4 channels per vector and the rest one at a time.
import { vmadd } from '../simd';

export function f32_dwconv(
  out: usize, x: usize, w: usize, bias: usize, c: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    dwconv(out, x, w, bias, c, wp, kh, kw, sh, sw, dh, dw, oh, ow, true);
  } else {
    dwconv(out, x, w, bias, c, wp, kh, kw, sh, sw, dh, dw, oh, ow, false);
  }
}

/** One channel at a time: the reference the SIMD variant is tested against. */
export function f32_dwconv__scalar(
  out: usize, x: usize, w: usize, bias: usize, c: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  dwconv(out, x, w, bias, c, wp, kh, kw, sh, sw, dh, dw, oh, ow, false);
}

// @ts-ignore: decorator
@inline function dwconv(
  out: usize, x: usize, w: usize, bias: usize, c: i32, wp: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  simd: bool,
): void {
  const pixelBytes = <usize>c << 2;
  let o = out;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      // the output pixel's first input pixel (tap 0, 0)
      const origin = x + <usize>((oy * sh) * wp + ox * sw) * pixelBytes;
      let ch = 0;
      if (ASC_FEATURE_SIMD && simd) {
        for (; ch + 4 <= c; ch += 4) {
          const chOff = <usize>ch << 2;
          let acc = f32x4.splat(0);
          let wt = w + chOff;
          for (let ky = 0; ky < kh; ky++) {
            let xp = origin + <usize>(ky * dh * wp) * pixelBytes + chOff;
            for (let kx = 0; kx < kw; kx++) {
              acc = vmadd(v128.load(xp), v128.load(wt), acc);
              xp += <usize>dw * pixelBytes;
              wt += pixelBytes;
            }
          }
          if (bias != 0) acc = f32x4.add(acc, v128.load(bias + chOff));
          v128.store(o + chOff, acc);
        }
      }
      for (; ch < c; ch++) {
        const chOff = <usize>ch << 2;
        let acc: f32 = 0;
        let wt = w + chOff;
        for (let ky = 0; ky < kh; ky++) {
          let xp = origin + <usize>(ky * dh * wp) * pixelBytes + chOff;
          for (let kx = 0; kx < kw; kx++) {
            acc += load<f32>(xp) * load<f32>(wt);
            xp += <usize>dw * pixelBytes;
            wt += pixelBytes;
          }
        }
        if (bias != 0) acc += load<f32>(bias + chOff);
        store<f32>(o + chOff, acc);
      }
      o += pixelBytes;
    }
  }
}
