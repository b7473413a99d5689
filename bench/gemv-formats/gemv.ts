// Weight formats for the batch-1 recurrent product (issue 17, part 2), measured before building them
// into the library: y[N] = W[N, K] x[K], N outputs in panels of 32, 8 accumulators, one pass.
//   f32:  [N/32][K][32] floats, relaxed_madd (the 1x32 kernel of f32_gemm_nr32, simplified).
//   f16:  [N/32][K][32] halves widened in the loop (normal halves only), f32 accumulation.
//   q8:   [N/32][K/2][32][2] int8, activations int16, i32x4.dot_i16x8_s (plain SIMD).
//   q8r:  [N/32][K/4][32][4] int8, activations 7-bit unsigned [0, 127], i32x4.relaxed_dot_i8x16_i7x16_add_s.
// Built and timed by run.mjs; docs/quantization.md has the figures and what they decided.
export function alloc(bytes: i32): usize { return heap.alloc(bytes); }

export function f32_gemv(y: usize, x: usize, w: usize, n: i32, k: i32): void {
  for (let p = 0; p < n; p += 32) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let wp = w + <usize>p * k * 4;
    for (let i = 0; i < k; i++) {
      const xv = v128.load32_splat(x + (<usize>i << 2));
      a0 = f32x4.relaxed_madd(v128.load(wp, 0), xv, a0);
      a1 = f32x4.relaxed_madd(v128.load(wp, 16), xv, a1);
      a2 = f32x4.relaxed_madd(v128.load(wp, 32), xv, a2);
      a3 = f32x4.relaxed_madd(v128.load(wp, 48), xv, a3);
      a4 = f32x4.relaxed_madd(v128.load(wp, 64), xv, a4);
      a5 = f32x4.relaxed_madd(v128.load(wp, 80), xv, a5);
      a6 = f32x4.relaxed_madd(v128.load(wp, 96), xv, a6);
      a7 = f32x4.relaxed_madd(v128.load(wp, 112), xv, a7);
      wp += 128;
    }
    const yp = y + (<usize>p << 2);
    v128.store(yp, a0, 0); v128.store(yp, a1, 16); v128.store(yp, a2, 32); v128.store(yp, a3, 48);
    v128.store(yp, a4, 64); v128.store(yp, a5, 80); v128.store(yp, a6, 96); v128.store(yp, a7, 112);
  }
}

// half -> float in 3 ops after the signed widening: shl 13 puts exponent and mantissa in place (the
// sign smeared over bits 28..31), the and keeps bit 31 and bits 0..27, the add rebiases the exponent
// by 112 (normal halves only: subnormals, inf and nan are not handled in this experiment)
// @ts-ignore
@inline function h2f(h: v128): v128 {
  return i32x4.add(v128.and(i32x4.shl(h, 13), i32x4.splat(0x8fffffff)), i32x4.splat(0x38000000));
}

export function f16_gemv(y: usize, x: usize, w: usize, n: i32, k: i32): void {
  for (let p = 0; p < n; p += 32) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let wp = w + <usize>p * k * 2;
    for (let i = 0; i < k; i++) {
      const xv = v128.load32_splat(x + (<usize>i << 2));
      const v0 = v128.load(wp, 0), v1 = v128.load(wp, 16), v2 = v128.load(wp, 32), v3 = v128.load(wp, 48);
      a0 = f32x4.relaxed_madd(h2f(i32x4.extend_low_i16x8_s(v0)), xv, a0);
      a1 = f32x4.relaxed_madd(h2f(i32x4.extend_high_i16x8_s(v0)), xv, a1);
      a2 = f32x4.relaxed_madd(h2f(i32x4.extend_low_i16x8_s(v1)), xv, a2);
      a3 = f32x4.relaxed_madd(h2f(i32x4.extend_high_i16x8_s(v1)), xv, a3);
      a4 = f32x4.relaxed_madd(h2f(i32x4.extend_low_i16x8_s(v2)), xv, a4);
      a5 = f32x4.relaxed_madd(h2f(i32x4.extend_high_i16x8_s(v2)), xv, a5);
      a6 = f32x4.relaxed_madd(h2f(i32x4.extend_low_i16x8_s(v3)), xv, a6);
      a7 = f32x4.relaxed_madd(h2f(i32x4.extend_high_i16x8_s(v3)), xv, a7);
      wp += 64;
    }
    const yp = y + (<usize>p << 2);
    v128.store(yp, a0, 0); v128.store(yp, a1, 16); v128.store(yp, a2, 32); v128.store(yp, a3, 48);
    v128.store(yp, a4, 64); v128.store(yp, a5, 80); v128.store(yp, a6, 96); v128.store(yp, a7, 112);
  }
}

// xq: K i16 (activations quantized); acc i32 -> y as float: y = acc * scale[n]
// 32 outputs from their i32 sums: y = float(sum) * scale
// @ts-ignore
@inline function storeScaled(yp: usize, sp: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a0), v128.load(sp, 0)), 0);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a1), v128.load(sp, 16)), 16);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a2), v128.load(sp, 32)), 32);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a3), v128.load(sp, 48)), 48);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a4), v128.load(sp, 64)), 64);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a5), v128.load(sp, 80)), 80);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a6), v128.load(sp, 96)), 96);
  v128.store(yp, f32x4.mul(f32x4.convert_i32x4_s(a7), v128.load(sp, 112)), 112);
}

export function q8_gemv(y: usize, xq: usize, w: usize, scale: usize, n: i32, k: i32): void {
  for (let p = 0; p < n; p += 32) {
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let wp = w + <usize>p * k;
    for (let i = 0; i < k; i += 2) {
      const xv = v128.load32_splat(xq + (<usize>i << 1));
      const v0 = v128.load(wp, 0), v1 = v128.load(wp, 16), v2 = v128.load(wp, 32), v3 = v128.load(wp, 48);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v0), xv));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v0), xv));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v1), xv));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v1), xv));
      a4 = i32x4.add(a4, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v2), xv));
      a5 = i32x4.add(a5, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v2), xv));
      a6 = i32x4.add(a6, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v3), xv));
      a7 = i32x4.add(a7, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v3), xv));
      wp += 64;
    }
    storeScaled(y + (<usize>p << 2), scale + (<usize>p << 2), a0, a1, a2, a3, a4, a5, a6, a7);
  }
}

// xq: K bytes in [0, 127] (the relaxed dot's second operand must not have its high bit set)
export function q8r_gemv(y: usize, xq: usize, w: usize, scale: usize, n: i32, k: i32): void {
  for (let p = 0; p < n; p += 32) {
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let wp = w + <usize>p * k;
    for (let i = 0; i < k; i += 4) {
      const xv = v128.load32_splat(xq + <usize>i);
      a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 0), xv, a0);
      a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 16), xv, a1);
      a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 32), xv, a2);
      a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 48), xv, a3);
      a4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 64), xv, a4);
      a5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 80), xv, a5);
      a6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 96), xv, a6);
      a7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(wp, 112), xv, a7);
      wp += 128;
    }
    storeScaled(y + (<usize>p << 2), scale + (<usize>p << 2), a0, a1, a2, a3, a4, a5, a6, a7);
  }
}
