// f32-vlog: y[i] = f32(ln x[i]), the ONNX importer's Log, with the bits of its JS loop
// `dst[i] = Math.log(src[i])` (float64 log of a float32 value, rounded once), for the static
// plans' buffers in wasm memory (bindings/plan-arena.ts).
//
// Returns the index of the first element it did not write (n when it wrote all); the caller
// computes that one with Math.log and calls again past it. It leaves to the caller:
//  - inputs that are not positive normal floats (0, subnormals, negatives, inf, NaN): their
//    results and NaN bits are whatever the engine's Math.log gives;
//  - results whose float64 value lies within NEAR_TIE units of its last place of a float32
//    rounding tie, so that its rounding could differ from that of Math.log's value (rare: a
//    2 * NEAR_TIE / 2^29 chance for a result whose low bits are uniform).
// Every other result rounds as Math.log's does, since the two float64 values differ by less than
// NEAR_TIE units in the last place. tools/verify-vlog.mjs checks this over every float32 input
// (all 2^32 bit patterns) on each build and records the largest difference it sees
// (docs/onnx.md, Log).
//
// Method: x = 2^k z with z in [sqrt(1/2), sqrt(2)) (z a float32, so z - 1 and z + 1 are exact in
// float64), ln z = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) with s = (z - 1) / (z + 1), |s| <=
// 0.1716, summed to s^21 (the first term left out is below 2^-57 of the sum), and
// ln x = k ln2_hi + (2s + (2s P(s^2) + k ln2_lo)), ln2_hi having trailing zeros so that k ln2_hi is
// exact. The SIMD variant takes 4 floats a step as two f64x2 halves and hands a step with an
// element it leaves to the caller to the scalar code, one element at a time.

import { f64_madd, f64_promote_high, f32_demote_pair } from '../simd';

/** Bits of the float32 nearest sqrt(1/2): the reduction puts z in [this, 2 * this). */
const SQRT_HALF_BITS: i32 = 0x3f3504f3;
/** ln 2 rounded to 43 bits (k * LN2_HI is exact for |k| < 2^10), and the rest of it. */
const LN2_HI: f64 = reinterpret<f64>(0x3fe62e42fee00000);
const LN2_LO: f64 = reinterpret<f64>(0x3dea39ef35793c76);
/**
 * Results this close (in units of their last place) to a float32 rounding tie go to the caller:
 * those whose low 29 bits (what a float32 rounding drops; a tie is 2^28) lie in
 * [2^28 - NEAR_TIE, 2^28 + NEAR_TIE].
 */
const NEAR_TIE: i32 = 256;
const DROPPED_BITS: i32 = 0x1fffffff;
const NEAR_TIE_FROM: i32 = 0x10000000 - NEAR_TIE;

// atanh series coefficients 1/3, 1/5, ..., 1/21
const C1: f64 = 1.0 / 3.0;
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 1.0 / 7.0;
const C4: f64 = 1.0 / 9.0;
const C5: f64 = 1.0 / 11.0;
const C6: f64 = 1.0 / 13.0;
const C7: f64 = 1.0 / 15.0;
const C8: f64 = 1.0 / 17.0;
const C9: f64 = 1.0 / 19.0;
const C10: f64 = 1.0 / 21.0;

// The SIMD code's constants, read from memory (one load each; V8 builds a v128 constant in the
// loop from immediates in three instructions, which made up half of this loop).
const KD: usize = memory.data<f64>([C10, C9, C8, C7, C6, C5, C4, C3, C2, C1, LN2_HI, LN2_LO, 1.0], 16);
const KD_C10 = 0;
const KD_LN2_HI = 10;
const KD_LN2_LO = 11;
const KD_ONE = 12;
const KI: usize = memory.data<i32>([0x00800000, 0x7f000000, SQRT_HALF_BITS, DROPPED_BITS, NEAR_TIE_FROM, 2 * NEAR_TIE], 16);
const KI_MIN_NORMAL = 0;
const KI_NORMAL_SPAN = 1;
const KI_SQRT_HALF = 2;
const KI_DROPPED = 3;
const KI_NEAR_FROM = 4;
const KI_NEAR_SPAN = 5;

/** Constant `i` of KD in both lanes. */
// @ts-ignore: decorator
@inline function kd(i: i32): v128 {
  return v128.load64_splat(KD + (<usize>i << 3));
}

/** Constant `i` of KI in all four lanes. */
// @ts-ignore: decorator
@inline function ki(i: i32): v128 {
  return v128.load32_splat(KI + (<usize>i << 2));
}

export function f32_vlog(y: usize, x: usize, n: i32): i32 {
  return vlog(y, x, n, ASC_FEATURE_SIMD);
}

/** One element at a time: the reference the SIMD variant is tested against. */
export function f32_vlog__scalar(y: usize, x: usize, n: i32): i32 {
  return vlog(y, x, n, false);
}

/** Whether the float32 with bits u is not a positive normal number. */
// @ts-ignore: decorator
@inline function is_special(u: i32): bool {
  return <u32>(u - 0x00800000) >= 0x7f000000;
}

/** ln of the positive normal float32 with bits u, in float64. */
// @ts-ignore: decorator
@inline function log_scalar(u: i32): f64 {
  const k = (u - SQRT_HALF_BITS) >> 23;
  const z = <f64>reinterpret<f32>(u - (k << 23));
  const s = (z - 1) / (z + 1);
  const w = s * s;
  const p = w * (C1 + w * (C2 + w * (C3 + w * (C4 + w * (C5 + w * (C6 + w * (C7 + w * (C8 + w * (C9 + w * C10)))))))));
  const s2 = s + s;
  const dk = <f64>k;
  return dk * LN2_HI + (s2 + (s2 * p + dk * LN2_LO));
}

/** Whether the float32 rounding of r could differ from that of a value within NEAR_TIE units of it. */
// @ts-ignore: decorator
@inline function near_tie_scalar(r: f64): bool {
  return <u32>((<i32>reinterpret<i64>(r) & DROPPED_BITS) - NEAR_TIE_FROM) <= <u32>(2 * NEAR_TIE);
}

/** log_scalar on two lanes: z in [sqrt(1/2), sqrt(2)) and k as float64. */
// @ts-ignore: decorator
@inline function log_pair(z: v128, dk: v128): v128 {
  const one = kd(KD_ONE);
  const s = f64x2.div(f64x2.sub(z, one), f64x2.add(z, one));
  const w = f64x2.mul(s, s);
  let p = f64_madd(w, kd(KD_C10), kd(KD_C10 + 1));
  p = f64_madd(w, p, kd(KD_C10 + 2));
  p = f64_madd(w, p, kd(KD_C10 + 3));
  p = f64_madd(w, p, kd(KD_C10 + 4));
  p = f64_madd(w, p, kd(KD_C10 + 5));
  p = f64_madd(w, p, kd(KD_C10 + 6));
  p = f64_madd(w, p, kd(KD_C10 + 7));
  p = f64_madd(w, p, kd(KD_C10 + 8));
  p = f64_madd(w, p, kd(KD_C10 + 9));
  p = f64x2.mul(w, p);
  const s2 = f64x2.add(s, s);
  const tail = f64_madd(s2, p, f64x2.mul(dk, kd(KD_LN2_LO)));
  return f64_madd(dk, kd(KD_LN2_HI), f64x2.add(s2, tail));
}

/** All-ones in the 32-bit lanes of the four results (low halves of lo, hi) near a float32 rounding tie. */
// @ts-ignore: decorator
@inline function near_tie_quad(lo: v128, hi: v128): v128 {
  const low = v128.and(v128.shuffle<i32>(lo, hi, 0, 2, 4, 6), ki(KI_DROPPED));
  return i32x4.le_u(i32x4.sub(low, ki(KI_NEAR_FROM)), ki(KI_NEAR_SPAN));
}

/** Element i by the scalar code: false when it is left to the caller. (Not inlined: two call sites.) */
function one(y: usize, x: usize, i: i32): bool {
  const u = load<i32>(x + (<usize>i << 2));
  if (is_special(u)) return false;
  const r = log_scalar(u);
  if (near_tie_scalar(r)) return false;
  store<f32>(y + (<usize>i << 2), <f32>r);
  return true;
}

// @ts-ignore: decorator
@inline function vlog(y: usize, x: usize, n: i32, simd: bool): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const u = v128.load(x + o);
      const special = i32x4.ge_u(i32x4.sub(u, ki(KI_MIN_NORMAL)), ki(KI_NORMAL_SPAN));
      const k = i32x4.shr_s(i32x4.sub(u, ki(KI_SQRT_HALF)), 23);
      const z = i32x4.sub(u, i32x4.shl(k, 23));
      const lo = log_pair(f64x2.promote_low_f32x4(z), f64x2.convert_low_i32x4_s(k));
      const hi = log_pair(f64_promote_high(z), f64x2.convert_low_i32x4_s(v128.shuffle<i32>(k, k, 2, 3, 2, 3)));
      const left = v128.or(special, near_tie_quad(lo, hi));
      if (v128.any_true(left)) {
        for (let j = i; j < i + 4; j++) if (!one(y, x, j)) return j;
        continue;
      }
      v128.store(y + o, f32_demote_pair(lo, hi));
    }
  }
  for (; i < n; i++) if (!one(y, x, i)) return i;
  return n;
}
