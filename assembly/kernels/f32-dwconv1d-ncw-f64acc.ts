// f32-dwconv1d-ncw-f64acc: 1-D depthwise convolution (one filter per channel, stride 1) of
// float32 data in its ONNX layout, channels first, each output accumulated in float64 and rounded
// once:
//   out[ch][o] = f32(sum over taps k of xp[ch][o + k * dw] * w[k][ch] + bias[ch])
// where xp is the channel's row x[ch] (inW floats) with padLeft zeros before it and padRight after.
// w is the depthwise weights as f32_dwconv_f64acc reads them, [kw][c] doubles (taps-major), bias
// [c] doubles or 0, out [c][outW] floats; `row` is scratch for one padded row widened to float64
// (padLeft + inW + padRight doubles): each channel is widened once there, then every tap reads it.
// Why a second depthwise kernel: the channels-last one (f32-dwconv-f64acc.ts) needs the image
// transposed in and the result transposed back; in the 1-D convolutions of audio models
// (Silero VAD: 258 channels x 24 steps) the two transposes cost as much as the sums.
// Numerics as f32_dwconv_f64acc: the products are exact in float64 and every output sums its taps
// in ascending k from zero, the bias last, so the variants and builds agree bit for bit. Taps on
// the padding add a zero product, which leaves a sum unchanged (a sum from +0 is never -0), so for
// finite weights this equals the float64 reference, which leaves them out.
// The SIMD variant does 8 outputs at a time (four f64x2 sums: enough independent chains to hide
// the add latency), the last 1-7 and the scalar variant one at a time.

import { f64_madd, f32_demote_pair } from '../simd';

export function f32_dwconv1d_ncw_f64acc(
  out: usize, x: usize, w: usize, bias: usize, c: i32, inW: i32, kw: i32, dw: i32, padLeft: i32, padRight: i32, outW: i32, row: usize,
): void {
  dwconv1d(out, x, w, bias, c, inW, kw, dw, padLeft, padRight, outW, row, ASC_FEATURE_SIMD);
}

/** One output at a time: the reference the SIMD variant is tested against. */
export function f32_dwconv1d_ncw_f64acc__scalar(
  out: usize, x: usize, w: usize, bias: usize, c: i32, inW: i32, kw: i32, dw: i32, padLeft: i32, padRight: i32, outW: i32, row: usize,
): void {
  dwconv1d(out, x, w, bias, c, inW, kw, dw, padLeft, padRight, outW, row, false);
}

/** Lays out channel row `xrow` (n floats) widened in `row` after `padLeft` zeros, then `padRight` zeros. */
// @ts-ignore: decorator
@inline function widen_padded(row: usize, xrow: usize, n: i32, padLeft: i32, padRight: i32, simd: bool): void {
  for (let i = 0; i < padLeft; i++) store<f64>(row + (<usize>i << 3), 0);
  const dst = row + (<usize>padLeft << 3);
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 2 <= n; i += 2) v128.store(dst + (<usize>i << 3), f64x2.promote_low_f32x4(v128.load64_zero(xrow + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(xrow + (<usize>i << 2)));
  for (let j = 0; j < padRight; j++) store<f64>(dst + (<usize>(n + j) << 3), 0);
}

// @ts-ignore: decorator
@inline function dwconv1d(
  out: usize, x: usize, w: usize, bias: usize, c: i32, inW: i32, kw: i32, dw: i32, padLeft: i32, padRight: i32, outW: i32, row: usize,
  simd: bool,
): void {
  const wstep = <usize>c << 3; // bytes from one tap's weights to the next
  const tapBytes = <usize>dw << 3;
  for (let ch = 0; ch < c; ch++) {
    widen_padded(row, x + (<usize>(ch * inW) << 2), inW, padLeft, padRight, simd);
    const orow = out + (<usize>(ch * outW) << 2);
    const wch = w + (<usize>ch << 3);
    // the bias is added after the sum even when absent: +0 changes no sum (which is never -0)
    const biasValue: f64 = bias != 0 ? load<f64>(bias + (<usize>ch << 3)) : 0;
    let o = 0;
    if (ASC_FEATURE_SIMD && simd) {
      const b = f64x2.splat(biasValue);
      for (; o + 8 <= outW; o += 8) {
        let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
        let xp = row + (<usize>o << 3);
        let wp = wch;
        for (let k = 0; k < kw; k++) {
          const wk = v128.load64_splat(wp);
          a0 = f64_madd(v128.load(xp), wk, a0);
          a1 = f64_madd(v128.load(xp, 16), wk, a1);
          a2 = f64_madd(v128.load(xp, 32), wk, a2);
          a3 = f64_madd(v128.load(xp, 48), wk, a3);
          xp += tapBytes;
          wp += wstep;
        }
        const po = orow + (<usize>o << 2);
        v128.store(po, f32_demote_pair(f64x2.add(a0, b), f64x2.add(a1, b)));
        v128.store(po, f32_demote_pair(f64x2.add(a2, b), f64x2.add(a3, b)), 16);
      }
    }
    for (; o < outW; o++) {
      let acc: f64 = 0;
      let xp = row + (<usize>o << 3);
      let wp = wch;
      for (let k = 0; k < kw; k++) {
        acc += load<f64>(xp) * load<f64>(wp);
        xp += tapBytes;
        wp += wstep;
      }
      store<f32>(orow + (<usize>o << 2), <f32>(acc + biasValue));
    }
  }
}
