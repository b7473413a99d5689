// f32-conv1x1-ncw-f64acc: pointwise (1x1, one group) convolution of float32 data in its ONNX
// layout, channels first, each output accumulated in float64 and rounded once:
//   out[m][p] = f32(sum over ch of x[ch][p] * W[m][ch] + bias[m])
// x is [c][pixels] floats, out [m][pixels] floats, bias [m] doubles or 0, and W the panels
// f32_gemm_f64acc reads (x64_packw_x8 with K = c): ceil(m / 8) panels of c rows of 8 doubles,
// W[8q + j][ch] at double (q * c + ch) * 8 + j.
// Why not f32_gemm_f64acc: that kernel wants the pixels as rows (channels last), so an NCW input
// is transposed in and the [pixels, m] result transposed back; for the pointwise convolutions of
// audio models (Silero VAD: 258 -> 16 channels over 24 steps) the transposes cost a third of it.
// Here the weights are the broadcast operand and the pixels the vector lanes.
// Numerics as f32-gemm-f64acc (exact products, sums in ascending ch from zero, bias last), so the
// variants and builds agree bit for bit, and with f32_gemm_f64acc on the transposed problem.
// SIMD tiles: 4 output channels (half a panel) x 4 pixels, eight f64x2 sums, per input channel
// one f32x4 load widened into two f64x2 and four broadcast weights; the last 1-3 pixels of a row
// as a tile that stores only those (not one at a time: a single sum per output is a chain of c
// dependent adds). That tile reads whole f32x4s, so the SIMD variant may read up to 3 floats past
// the end of x (never uses them): the caller leaves them readable.

import { f64_madd, f64_promote_high, f32_demote_pair } from '../simd';

export function f32_conv1x1_ncw_f64acc(out: usize, x: usize, w: usize, bias: usize, m: i32, c: i32, pixels: i32): void {
  conv1x1(out, x, w, bias, m, c, pixels, ASC_FEATURE_SIMD);
}

/** One output at a time: the reference the SIMD variant is tested against. */
export function f32_conv1x1_ncw_f64acc__scalar(out: usize, x: usize, w: usize, bias: usize, m: i32, c: i32, pixels: i32): void {
  conv1x1(out, x, w, bias, m, c, pixels, false);
}

/**
 * Rows [m0, m0 + 4) x pixels [p, p + cols) (cols 1 to 4) from the weights of row m0 at `wrow`
 * (8 doubles a channel). Always loads 4 floats a channel: past the row's end when cols < 4 (the
 * next row's first floats, or past x for the last row: see the header), lanes it does not store.
 * Not inlined: one copy of the code serves the full tiles and the tail.
 */
function tile_4x4(out: usize, x: usize, wrow: usize, bias: usize, m0: i32, m: i32, c: i32, pixels: i32, p: i32, cols: i32): void {
  let a0 = f64x2.splat(0), b0 = f64x2.splat(0);
  let a1 = f64x2.splat(0), b1 = f64x2.splat(0);
  let a2 = f64x2.splat(0), b2 = f64x2.splat(0);
  let a3 = f64x2.splat(0), b3 = f64x2.splat(0);
  let xp = x + (<usize>p << 2);
  let wp = wrow;
  const xstep = <usize>pixels << 2;
  for (let ch = 0; ch < c; ch++) {
    const v = v128.load(xp);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64_promote_high(v);
    let wv = v128.load64_splat(wp);
    a0 = f64_madd(lo, wv, a0);
    b0 = f64_madd(hi, wv, b0);
    wv = v128.load64_splat(wp, 8);
    a1 = f64_madd(lo, wv, a1);
    b1 = f64_madd(hi, wv, b1);
    wv = v128.load64_splat(wp, 16);
    a2 = f64_madd(lo, wv, a2);
    b2 = f64_madd(hi, wv, b2);
    wv = v128.load64_splat(wp, 24);
    a3 = f64_madd(lo, wv, a3);
    b3 = f64_madd(hi, wv, b3);
    xp += xstep;
    wp += 64;
  }
  store_row(out, bias, m0, m, pixels, p, cols, a0, b0);
  store_row(out, bias, m0 + 1, m, pixels, p, cols, a1, b1);
  store_row(out, bias, m0 + 2, m, pixels, p, cols, a2, b2);
  store_row(out, bias, m0 + 3, m, pixels, p, cols, a3, b3);
}

/** Pixels [p, p + cols) of row `row` (if row < m): the sums plus the bias, rounded. */
// @ts-ignore: decorator
@inline function store_row(out: usize, bias: usize, row: i32, m: i32, pixels: i32, p: i32, cols: i32, lo: v128, hi: v128): void {
  if (row >= m) return;
  if (bias != 0) {
    const b = v128.load64_splat(bias + (<usize>row << 3));
    lo = f64x2.add(lo, b);
    hi = f64x2.add(hi, b);
  }
  const at = out + (<usize>(row * pixels + p) << 2);
  const v = f32_demote_pair(lo, hi);
  if (cols == 4) v128.store(at, v);
  else if (cols == 3) {
    v128.store64_lane(at, v, 0);
    v128.store32_lane(at + 8, v, 2);
  } else if (cols == 2) v128.store64_lane(at, v, 0);
  else v128.store32_lane(at, v, 0);
}

// @ts-ignore: decorator
@inline function conv1x1(out: usize, x: usize, w: usize, bias: usize, m: i32, c: i32, pixels: i32, simd: bool): void {
  const panelBytes = <usize>c << 6; // c rows of 8 doubles
  for (let m0 = 0; m0 < m; m0 += 4) {
    // rows m0..m0+3 are half (m0 & 4) of panel m0 >> 3
    const wrow = w + <usize>(m0 >> 3) * panelBytes + (<usize>(m0 & 4) << 3);
    let p = 0;
    if (ASC_FEATURE_SIMD && simd) {
      for (; p < pixels; p += 4) tile_4x4(out, x, wrow, bias, m0, m, c, pixels, p, min(4, pixels - p));
      continue;
    }
    const rows = min(4, m - m0);
    for (; p < pixels; p++) {
      for (let r = 0; r < rows; r++) {
        let acc: f64 = 0;
        let xp = x + (<usize>p << 2);
        let wp = wrow + (<usize>r << 3);
        for (let ch = 0; ch < c; ch++) {
          acc += <f64>load<f32>(xp) * load<f64>(wp);
          xp += <usize>pixels << 2;
          wp += 64;
        }
        if (bias != 0) acc += load<f64>(bias + (<usize>(m0 + r) << 3));
        store<f32>(out + (<usize>((m0 + r) * pixels + p) << 2), <f32>acc);
      }
    }
  }
}
