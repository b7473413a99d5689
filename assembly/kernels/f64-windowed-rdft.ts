// f64-windowed-rdft: the windowed real DFT of overlapping frames, in float64, rounded to float32
// once per output. For frame t (its first sample x[t * stride]) and bin f = 0..n/2:
//   re[f][t] = f32(sum_k x[t*stride + k] * win[k] * cos(2 pi f k / n) + bias[f])
//   im[f][t] = f32(sum_k x[t*stride + k] * win[k] * -sin(2 pi f k / n) + bias[n/2 + 1 + f])
// re rows first, then im rows, each row `ldo` floats apart (out[f * ldo + t]), which is the output
// of a 1-D convolution whose n + 2 filters are that windowed DFT basis (an STFT written as a Conv,
// as Silero VAD does; bindings/conv-dft.ts recognises such weights). An FFT costs
// O(n log n) per frame instead of the convolution's (n + 2) * n multiply-adds.
//
// x and win are float32 values held as float64 (x widened by f32_f64_vcvt): x * win is exact.
// n is a power of two >= 4. The n real samples are read as n/2 complex ones z[j] = x[2j] + i x[2j+1]
// (windowed), transformed by an iterative radix-2 FFT of size h = n/2 (decimation in time, input
// in bit-reversed order), then split into the n/2 + 1 bins of the real transform:
//   X[f] = E[f] + e^(-2 pi i f / n) O[f],  E[f] = (Z[f] + conj Z[h-f]) / 2,  O[f] = (Z[f] - conj Z[h-f]) / 2i
// (Z[h] = Z[0]).
//
// `tables` (made by the bindings for n, bindings/conv-dft.ts): h doubles cos, sin(2 pi j / h) for
// j < h/2 interleaved, then 2 (h + 1) doubles cos, sin(2 pi f / n) for f = 0..h interleaved, then h
// i32 bit-reversal indices of log2(h) bits. bias is n + 2 doubles or 0. `work` holds 32 h bytes.
//
// The SIMD variant runs two frames at once, one per f64x2 lane, with the same operations in the
// same order as the scalar one (mul and add, never fused), so every build returns the same bits.
// An odd last frame runs alone in lane 0.

export function f64_windowed_rdft(
  out: usize, ldo: i32, x: usize, stride: i32, frames: i32, win: usize, bias: usize, n: i32, tables: usize, work: usize,
): void {
  let t = 0;
  if (ASC_FEATURE_SIMD) {
    for (; t + 2 <= frames; t += 2) framePair(out, ldo, x, stride, t, win, bias, n, tables, work);
  }
  for (; t < frames; t++) frame(out, ldo, x, stride, t, win, bias, n, tables, work);
}

/** One frame at a time: the reference the SIMD variant is tested against. */
export function f64_windowed_rdft__scalar(
  out: usize, ldo: i32, x: usize, stride: i32, frames: i32, win: usize, bias: usize, n: i32, tables: usize, work: usize,
): void {
  for (let t = 0; t < frames; t++) frame(out, ldo, x, stride, t, win, bias, n, tables, work);
}

/** Frame t: z in `work` as h doubles re then h doubles im. */
function frame(out: usize, ldo: i32, x: usize, stride: i32, t: i32, win: usize, bias: usize, n: i32, tables: usize, work: usize): void {
  const h = n >> 1;
  const hb = <usize>h << 3;
  const re = work, im = work + hb;
  const post = tables + hb;
  const rev = post + (<usize>(h + 1) << 4);
  const src = x + (<usize>(t * stride) << 3);
  for (let j = 0; j < h; j++) {
    const at = <usize>load<i32>(rev + (<usize>j << 2)) << 3;
    const k = <usize>j << 4;
    store<f64>(re + at, load<f64>(src + k) * load<f64>(win + k));
    store<f64>(im + at, load<f64>(src + k, 8) * load<f64>(win + k, 8));
  }
  for (let half = 1; half < h; half <<= 1) {
    const step = <usize>(h / (half << 1)) << 4; // bytes between the twiddles this stage uses
    for (let s = 0; s < h; s += half << 1) {
      let tw = tables;
      for (let j = s; j < s + half; j++) {
        const c = load<f64>(tw), sn = load<f64>(tw, 8);
        const a = <usize>j << 3, b = <usize>(j + half) << 3;
        const br = load<f64>(re + b), bi = load<f64>(im + b);
        const vr = br * c + bi * sn, vi = bi * c - br * sn;
        const ar = load<f64>(re + a), ai = load<f64>(im + a);
        store<f64>(re + a, ar + vr);
        store<f64>(im + a, ai + vi);
        store<f64>(re + b, ar - vr);
        store<f64>(im + b, ai - vi);
        tw += step;
      }
    }
  }
  const imRow = <usize>(h + 1) * <usize>ldo << 2;
  let o = out + (<usize>t << 2);
  for (let f = 0; f <= h; f++) {
    const a = <usize>(f == h ? 0 : f) << 3, m = <usize>(f == 0 ? 0 : h - f) << 3;
    const ar = load<f64>(re + a), ai = load<f64>(im + a), br = load<f64>(re + m), bi = load<f64>(im + m);
    const evenR = (ar + br) * 0.5, evenI = (ai - bi) * 0.5;
    const oddR = (ai + bi) * 0.5, oddI = (br - ar) * 0.5;
    const c = load<f64>(post + (<usize>f << 4)), sn = load<f64>(post + (<usize>f << 4), 8);
    let xr = evenR + (c * oddR + sn * oddI);
    let xi = evenI + (c * oddI - sn * oddR);
    if (bias != 0) {
      xr += load<f64>(bias + (<usize>f << 3));
      xi += load<f64>(bias + (<usize>(h + 1 + f) << 3));
    }
    store<f32>(o, <f32>xr);
    store<f32>(o + imRow, <f32>xi);
    o += <usize>ldo << 2;
  }
}

/** Frames t and t + 1, one per lane: the operations of frame() on f64x2; z in `work` as h f64x2 re then h f64x2 im. */
function framePair(out: usize, ldo: i32, x: usize, stride: i32, t: i32, win: usize, bias: usize, n: i32, tables: usize, work: usize): void {
  const h = n >> 1;
  const hb = <usize>h << 4;
  const re = work, im = work + hb;
  const post = tables + (<usize>h << 3);
  const rev = post + (<usize>(h + 1) << 4);
  const src0 = x + (<usize>(t * stride) << 3);
  const src1 = src0 + (<usize>stride << 3);
  for (let j = 0; j < h; j++) {
    const at = <usize>load<i32>(rev + (<usize>j << 2)) << 4;
    const k = <usize>j << 4;
    const w = v128.load(win + k); // win[2j], win[2j + 1]
    const x0 = f64x2.mul(v128.load(src0 + k), w), x1 = f64x2.mul(v128.load(src1 + k), w);
    v128.store(re + at, v128.shuffle<f64>(x0, x1, 0, 2));
    v128.store(im + at, v128.shuffle<f64>(x0, x1, 1, 3));
  }
  for (let half = 1; half < h; half <<= 1) {
    const step = <usize>(h / (half << 1)) << 4;
    for (let s = 0; s < h; s += half << 1) {
      let tw = tables;
      for (let j = s; j < s + half; j++) {
        const c = v128.load64_splat(tw), sn = v128.load64_splat(tw, 8);
        const a = <usize>j << 4, b = <usize>(j + half) << 4;
        const br = v128.load(re + b), bi = v128.load(im + b);
        const vr = f64x2.add(f64x2.mul(br, c), f64x2.mul(bi, sn));
        const vi = f64x2.sub(f64x2.mul(bi, c), f64x2.mul(br, sn));
        const ar = v128.load(re + a), ai = v128.load(im + a);
        v128.store(re + a, f64x2.add(ar, vr));
        v128.store(im + a, f64x2.add(ai, vi));
        v128.store(re + b, f64x2.sub(ar, vr));
        v128.store(im + b, f64x2.sub(ai, vi));
        tw += step;
      }
    }
  }
  const half = f64x2.splat(0.5);
  const imRow = <usize>(h + 1) * <usize>ldo << 2;
  let o = out + (<usize>t << 2);
  for (let f = 0; f <= h; f++) {
    const a = <usize>(f == h ? 0 : f) << 4, m = <usize>(f == 0 ? 0 : h - f) << 4;
    const ar = v128.load(re + a), ai = v128.load(im + a), br = v128.load(re + m), bi = v128.load(im + m);
    const evenR = f64x2.mul(f64x2.add(ar, br), half), evenI = f64x2.mul(f64x2.sub(ai, bi), half);
    const oddR = f64x2.mul(f64x2.add(ai, bi), half), oddI = f64x2.mul(f64x2.sub(br, ar), half);
    const c = v128.load64_splat(post + (<usize>f << 4)), sn = v128.load64_splat(post + (<usize>f << 4), 8);
    let xr = f64x2.add(evenR, f64x2.add(f64x2.mul(c, oddR), f64x2.mul(sn, oddI)));
    let xi = f64x2.add(evenI, f64x2.sub(f64x2.mul(c, oddI), f64x2.mul(sn, oddR)));
    if (bias != 0) {
      xr = f64x2.add(xr, v128.load64_splat(bias + (<usize>f << 3)));
      xi = f64x2.add(xi, v128.load64_splat(bias + (<usize>(h + 1 + f) << 3)));
    }
    const r = f32x4.demote_f64x2_zero(xr), i = f32x4.demote_f64x2_zero(xi);
    v128.store_lane<i64>(o, r, 0); // frames t, t + 1 are adjacent floats of a row
    v128.store_lane<i64>(o + imRow, i, 0);
    o += <usize>ldo << 2;
  }
}

/**
 * How far conv weights w ([n + 2][n] floats) are from the windowed DFT basis f64_windowed_rdft
 * computes, with win = row 0: max over f <= n/2, k < n of |w[f][k] - win[k] cos(2 pi f k / n)| and
 * |w[n/2 + 1 + f][k] + win[k] sin(2 pi f k / n)|, or -1 as soon as one exceeds `tolerance`.
 * `circle`: cos, sin(2 pi m / n) for m < n, interleaved (the bindings make it, and the FFT's tables
 * from it). Run once when such a Conv is packed (bindings/conv-dft.ts): a JS loop over the 66 K
 * weights of Silero's STFT took 5-7 ms of a cold start, this takes a fraction of one.
 */
export function f64_dft_basis_deviation(w: usize, circle: usize, n: i32, tolerance: f64): f64 {
  const rows = (n >> 1) + 1;
  const rowBytes = <usize>n << 2;
  let deviation: f64 = 0;
  for (let f = 0; f < rows; f++) {
    const re = w + <usize>f * rowBytes;
    const im = w + <usize>(rows + f) * rowBytes;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const win = <f64>load<f32>(w + (<usize>k << 2));
      const at = circle + (<usize>m << 4);
      const dRe = abs<f64>(<f64>load<f32>(re + (<usize>k << 2)) - win * load<f64>(at));
      const dIm = abs<f64>(<f64>load<f32>(im + (<usize>k << 2)) + win * load<f64>(at, 8));
      if (!(dRe <= tolerance && dIm <= tolerance)) return -1;
      deviation = max(deviation, max(dRe, dIm));
      m += f;
      if (m >= n) m -= n;
    }
  }
  return deviation;
}
