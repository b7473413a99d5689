// Sigmoid and tanh for f32, scalar and 4-lane SIMD, shared by the f32_vsigmoid / f32_vtanh
// kernels and the fused LSTM/GRU gate loops.
//
// One algorithm, written twice: the v128 versions use the SIMD helpers (vmadd gives the relaxed
// build a fused multiply-add), the scalar versions do the same operations lane-wise in the same
// order with mul-then-add. The scalar build therefore matches the `simd` build bit for bit, and
// the `relaxed` build differs from both only by FMA rounding (see docs/activations.md).
//
// Everything is branch-free. Large arguments are clamped before the exponential, NaN travels
// through every step (f32.min / f32x4.min propagate NaN; no float-to-int conversion is used,
// the exponent comes from the bits of a magic-number rounding), and the results stay in
// [0, 1] / [-1, 1].
//
// Shared exponential core, for z <= 0:
//   n = round(z / ln2)            via j = z * log2(e) + 1.5 * 2^23; n = j - 1.5 * 2^23
//                                 (round to nearest; the integer n is in the low bits of j)
//   r = z - n * LN2_HI - n * LN2_LO   (Cody-Waite; LN2_HI has 16 significant bits, so n * LN2_HI
//                                     is exact for |n| < 2^8), |r| <= ln2 / 2
//   e^r ~ 1 + r * (E1 + r * (E2 + r * (E3 + r * (E4 + r * (E5 + r * E6)))))
//   e^z = e^r * 2^n               2^n built from n's bits as an f32 (split in two factors where
//                                 n can drop below -126, so the result underflows gracefully)
//
// Coefficients E1..E6: a relative-error minimax (Remez exchange in float64, numpy) for e^r on
// [-ln2/2, ln2/2] * 1.0001 with the constant term fixed at 1, rounded to f32 one coefficient at a
// time (lowest degree first) with the remaining ones refitted after each rounding. Max relative
// error of the polynomial with the f32 coefficients: 3.2e-9. The fit script is in
// docs/activations.md.

import { vmadd } from '../simd';

const LOG2E: f32 = 1.4426950216293335; // log2(e) rounded to f32
const LN2_HI: f32 = 0.693145751953125; // ln2 truncated to 16 bits (0x3f317200)
const LN2_LO: f32 = 1.428606765330187e-6; // ln2 - LN2_HI rounded to f32
const MAGIC: f32 = 12582912.0; // 1.5 * 2^23: x + MAGIC rounds x to an integer held in the low bits
const MAGIC_BITS: i32 = 0x4b400000;
const ONE_BITS: i32 = 0x3f800000;

const E1: f32 = 1.0;
const E2: f32 = 0.4999999403953552;
const E3: f32 = 0.16666516661643982;
const E4: f32 = 0.04166810214519501;
const E5: f32 = 0.008369192481040955;
const E6: f32 = 0.001383890281431377;

// tanh(a) ~ a + a^3 * (T0 + a^2 * (T1 + a^2 * (T2 + a^2 * (T3 + a^2 * T4)))) for 0 <= a < TANH_SMALL.
// Relative-error minimax (Remez exchange in float64, numpy) on [0, 0.55] in u = a^2, rounded to f32
// one coefficient at a time with the rest refitted; max relative error with these f32
// coefficients 1.1e-9.
const TANH_SMALL: f32 = 0.55;
const T0: f32 = -0.33333316445350647;
const T1: f32 = 0.13332544267177582;
const T2: f32 = -0.0538475476205349;
const T3: f32 = 0.02105071395635605;
const T4: f32 = -0.00624284939840436;

// Clamp of the exponential's argument. Sigmoid: e^-120 underflows to 0 even with the split
// scale (n >= -174 keeps both factors normal), and sigmoid already reaches exactly 0 / 1 at
// |x| = 103.97 / 17.33. Tanh: e^-40 is far below where tanh rounds to 1 (|x| = 9.01, 2|x| = 18.02),
// and n >= -58 keeps a single scale factor normal.
const SIGMOID_CLAMP: f32 = 120.0;
const TANH_CLAMP: f32 = 40.0;

// The v128 constants of the SIMD functions below live in this table and are loaded with
// v128.load instead of being v128.const: newer V8 (Node 24, current Chrome) rematerializes every
// v128.const at each use inside a loop, which cost the fused gate kernels 20-40 % there
// (measured with f32_lstm_gates, H = 256); a load is one L1 hit on every engine, measured
// neutral on Node 20, and the builds get 6 KB smaller.
const K_SIGMOID_CLAMP = 0;
const K_LOG2E = 1;
const K_MAGIC = 2;
const K_NEG_LN2_HI = 3;
const K_NEG_LN2_LO = 4;
const K_E6 = 5;
const K_E5 = 6;
const K_E4 = 7;
const K_E3 = 8;
const K_E2 = 9;
const K_E1 = 10;
const K_ONE = 11;
const K_MAGIC_BITS = 12;
const K_ONE_BITS = 13;
const K_ZERO = 14;
const K_T4 = 15;
const K_T3 = 16;
const K_T2 = 17;
const K_T1 = 18;
const K_T0 = 19;
const K_TANH_CLAMP = 20;
const K_NEG_TWO = 21;
const K_TANH_SMALL = 22;
const K_SIGN_MASK = 23;
const VK: usize = memory.data<i32>([
  reinterpret<i32>(<f32>SIGMOID_CLAMP), reinterpret<i32>(<f32>SIGMOID_CLAMP), reinterpret<i32>(<f32>SIGMOID_CLAMP), reinterpret<i32>(<f32>SIGMOID_CLAMP), // K_SIGMOID_CLAMP
  reinterpret<i32>(<f32>LOG2E), reinterpret<i32>(<f32>LOG2E), reinterpret<i32>(<f32>LOG2E), reinterpret<i32>(<f32>LOG2E), // K_LOG2E
  reinterpret<i32>(<f32>MAGIC), reinterpret<i32>(<f32>MAGIC), reinterpret<i32>(<f32>MAGIC), reinterpret<i32>(<f32>MAGIC), // K_MAGIC
  reinterpret<i32>(<f32>-LN2_HI), reinterpret<i32>(<f32>-LN2_HI), reinterpret<i32>(<f32>-LN2_HI), reinterpret<i32>(<f32>-LN2_HI), // K_NEG_LN2_HI
  reinterpret<i32>(<f32>-LN2_LO), reinterpret<i32>(<f32>-LN2_LO), reinterpret<i32>(<f32>-LN2_LO), reinterpret<i32>(<f32>-LN2_LO), // K_NEG_LN2_LO
  reinterpret<i32>(<f32>E6), reinterpret<i32>(<f32>E6), reinterpret<i32>(<f32>E6), reinterpret<i32>(<f32>E6), // K_E6
  reinterpret<i32>(<f32>E5), reinterpret<i32>(<f32>E5), reinterpret<i32>(<f32>E5), reinterpret<i32>(<f32>E5), // K_E5
  reinterpret<i32>(<f32>E4), reinterpret<i32>(<f32>E4), reinterpret<i32>(<f32>E4), reinterpret<i32>(<f32>E4), // K_E4
  reinterpret<i32>(<f32>E3), reinterpret<i32>(<f32>E3), reinterpret<i32>(<f32>E3), reinterpret<i32>(<f32>E3), // K_E3
  reinterpret<i32>(<f32>E2), reinterpret<i32>(<f32>E2), reinterpret<i32>(<f32>E2), reinterpret<i32>(<f32>E2), // K_E2
  reinterpret<i32>(<f32>E1), reinterpret<i32>(<f32>E1), reinterpret<i32>(<f32>E1), reinterpret<i32>(<f32>E1), // K_E1
  reinterpret<i32>(<f32>1.0), reinterpret<i32>(<f32>1.0), reinterpret<i32>(<f32>1.0), reinterpret<i32>(<f32>1.0), // K_ONE
  MAGIC_BITS, MAGIC_BITS, MAGIC_BITS, MAGIC_BITS, // K_MAGIC_BITS
  ONE_BITS, ONE_BITS, ONE_BITS, ONE_BITS, // K_ONE_BITS
  reinterpret<i32>(<f32>0), reinterpret<i32>(<f32>0), reinterpret<i32>(<f32>0), reinterpret<i32>(<f32>0), // K_ZERO
  reinterpret<i32>(<f32>T4), reinterpret<i32>(<f32>T4), reinterpret<i32>(<f32>T4), reinterpret<i32>(<f32>T4), // K_T4
  reinterpret<i32>(<f32>T3), reinterpret<i32>(<f32>T3), reinterpret<i32>(<f32>T3), reinterpret<i32>(<f32>T3), // K_T3
  reinterpret<i32>(<f32>T2), reinterpret<i32>(<f32>T2), reinterpret<i32>(<f32>T2), reinterpret<i32>(<f32>T2), // K_T2
  reinterpret<i32>(<f32>T1), reinterpret<i32>(<f32>T1), reinterpret<i32>(<f32>T1), reinterpret<i32>(<f32>T1), // K_T1
  reinterpret<i32>(<f32>T0), reinterpret<i32>(<f32>T0), reinterpret<i32>(<f32>T0), reinterpret<i32>(<f32>T0), // K_T0
  reinterpret<i32>(<f32>TANH_CLAMP), reinterpret<i32>(<f32>TANH_CLAMP), reinterpret<i32>(<f32>TANH_CLAMP), reinterpret<i32>(<f32>TANH_CLAMP), // K_TANH_CLAMP
  reinterpret<i32>(<f32>-2.0), reinterpret<i32>(<f32>-2.0), reinterpret<i32>(<f32>-2.0), reinterpret<i32>(<f32>-2.0), // K_NEG_TWO
  reinterpret<i32>(<f32>TANH_SMALL), reinterpret<i32>(<f32>TANH_SMALL), reinterpret<i32>(<f32>TANH_SMALL), reinterpret<i32>(<f32>TANH_SMALL), // K_TANH_SMALL
  reinterpret<i32>(<f32>-0.0), reinterpret<i32>(<f32>-0.0), reinterpret<i32>(<f32>-0.0), reinterpret<i32>(<f32>-0.0), // K_SIGN_MASK
], 16);

/** The constant at index `i` of VK, all four lanes. */
// @ts-ignore: decorator
@inline function vk(i: i32): v128 {
  return v128.load(VK + (<usize>i << 4));
}

/**
 * The exponential core shared by sigmoid and tanh: e^z = 2^n * e^r with n = round(z * log2 e)
 * (held in j = z * log2e + MAGIC), r = z - n ln2 (Cody-Waite, two steps) and e^r by the degree-6
 * polynomial above. Returns e^r; the caller applies 2^n from the bits of j.
 */
// @ts-ignore: decorator
@inline function exp_reduced_scalar(z: f32, j: f32): f32 {
  const n = j - MAGIC;
  let r = n * -LN2_HI + z;
  r = n * -LN2_LO + r;
  let h = E6 * r + E5;
  h = h * r + E4;
  h = h * r + E3;
  h = h * r + E2;
  h = h * r + E1;
  return h * r + <f32>1.0;
}

/** 4-lane exp_reduced_scalar; same operations, vmadd for the multiply-adds. */
// @ts-ignore: decorator
@inline function exp_reduced_v128(z: v128, j: v128): v128 {
  const n = f32x4.sub(j, vk(K_MAGIC));
  let r = vmadd(n, vk(K_NEG_LN2_HI), z);
  r = vmadd(n, vk(K_NEG_LN2_LO), r);
  let h = vmadd(vk(K_E6), r, vk(K_E5));
  h = vmadd(h, r, vk(K_E4));
  h = vmadd(h, r, vk(K_E3));
  h = vmadd(h, r, vk(K_E2));
  h = vmadd(h, r, vk(K_E1));
  return vmadd(h, r, vk(K_ONE));
}

/**
 * Logistic sigmoid 1 / (1 + e^-x), f32.
 *
 * Method: e = e^-|x| with the exponential core above (argument clamped to -120, 2^n applied as two
 * factors 2^(n>>1) * 2^(n - (n>>1)) so that e underflows to subnormals and then 0 correctly);
 * q = e / (1 + e) = sigmoid(-|x|); result q for x < 0, 1 - q otherwise. One division.
 * Exact values: sigmoid(+-0) = 0.5, sigmoid(+inf) = 1, sigmoid(-inf) = 0, sigmoid(x) = 1 for
 * x >= 17.3287 and 0 for x <= -103.9721 (where the correctly rounded values get there), NaN -> NaN.
 *
 * Max abs error vs float64 1 / (1 + exp(-x)) (tools/measure-activations.mjs: every f32 with
 * 2^-12 <= |x| < 128, every 61st bit pattern elsewhere): simd/scalar 7.13e-8 (at x = 0.40413),
 * relaxed 7.37e-8 (x = 0.37410). Relaxed vs simd: at most 2 ulp apart.
 */
// @ts-ignore: decorator
@inline export function sigmoid_scalar(x: f32): f32 {
  const z = -min<f32>(abs<f32>(x), SIGMOID_CLAMP);
  const j = z * LOG2E + MAGIC;
  const p = exp_reduced_scalar(z, j);
  const ni = reinterpret<i32>(j) - MAGIC_BITS;
  const n1 = ni >> 1;
  const s1 = reinterpret<f32>((n1 << 23) + ONE_BITS);
  const s2 = reinterpret<f32>(((ni - n1) << 23) + ONE_BITS);
  const e = (p * s1) * s2;
  const q = e / (<f32>1.0 + e);
  return select<f32>(q, <f32>1.0 - q, x < 0);
}

/** 4-lane sigmoid_scalar; same operations, vmadd for the multiply-adds. */
// @ts-ignore: decorator
@inline export function sigmoid_v128(x: v128): v128 {
  const z = f32x4.neg(f32x4.min(f32x4.abs(x), vk(K_SIGMOID_CLAMP)));
  const j = vmadd(z, vk(K_LOG2E), vk(K_MAGIC));
  const p = exp_reduced_v128(z, j);
  const ni = i32x4.sub(j, vk(K_MAGIC_BITS));
  const n1 = i32x4.shr_s(ni, 1);
  const s1 = i32x4.add(i32x4.shl(n1, 23), vk(K_ONE_BITS));
  const s2 = i32x4.add(i32x4.shl(i32x4.sub(ni, n1), 23), vk(K_ONE_BITS));
  const e = f32x4.mul(f32x4.mul(p, s1), s2);
  const q = f32x4.div(e, f32x4.add(vk(K_ONE), e));
  return v128.bitselect(q, f32x4.sub(vk(K_ONE), q), f32x4.lt(x, vk(K_ZERO)));
}

/**
 * Hyperbolic tangent, f32.
 *
 * Method, on a = |x| (the sign of x is then OR-ed back in, so tanh(-x) == -tanh(x) bitwise):
 *   a < 0.55: a + a^3 * P(a^2), the odd minimax polynomial above (no cancellation near 0;
 *             tanh(x) = x exactly for |x| < 2^-12 or so, subnormals included);
 *   otherwise: 1 - 2q with q = e / (1 + e), e = e^-2a from the exponential core (argument clamped
 *             to -40), i.e. tanh(a) = 1 - 2 sigmoid(-2a).
 * Both branches are computed and one is selected per lane. One division.
 * Exact values: tanh(+-0) = +-0, tanh(+-inf) = +-1, tanh(x) = +-1 for |x| >= 9.0109, NaN -> NaN.
 *
 * Max abs error vs float64 Math.tanh (tools/measure-activations.mjs: every f32 with
 * 2^-12 <= |x| < 128, every 61st bit pattern elsewhere): simd/scalar 9.36e-8 (at |x| = 0.55359),
 * relaxed 8.92e-8 (|x| = 0.55370). Relaxed vs simd: at most 2 ulp apart. The worst cases sit just
 * above the switch to the exponential form, where 1 - 2q (~0.5) carries the roundings of e,
 * 1 + e and e / (1 + e); the polynomial branch stays below 4e-8.
 */
// @ts-ignore: decorator
@inline export function tanh_scalar(x: f32): f32 {
  const a = abs<f32>(x);
  // small |x|: odd polynomial
  const a2 = a * a;
  let P = T4 * a2 + T3;
  P = P * a2 + T2;
  P = P * a2 + T1;
  P = P * a2 + T0;
  const small = (a * a2) * P + a;
  // large |x|: 1 - 2 e^-2a / (1 + e^-2a)
  const z = -min<f32>(a + a, TANH_CLAMP);
  const j = z * LOG2E + MAGIC;
  const p = exp_reduced_scalar(z, j);
  const e = p * reinterpret<f32>((reinterpret<i32>(j) << 23) + ONE_BITS);
  const q = e / (<f32>1.0 + e);
  const big = <f32>-2.0 * q + <f32>1.0;
  const t = select<f32>(small, big, a < TANH_SMALL);
  return reinterpret<f32>(reinterpret<u32>(t) | (reinterpret<u32>(x) & 0x80000000));
}

/** 4-lane tanh_scalar; same operations, vmadd for the multiply-adds. */
// @ts-ignore: decorator
@inline export function tanh_v128(x: v128): v128 {
  const a = f32x4.abs(x);
  const a2 = f32x4.mul(a, a);
  let P = vmadd(vk(K_T4), a2, vk(K_T3));
  P = vmadd(P, a2, vk(K_T2));
  P = vmadd(P, a2, vk(K_T1));
  P = vmadd(P, a2, vk(K_T0));
  const small = vmadd(f32x4.mul(a, a2), P, a);
  const z = f32x4.neg(f32x4.min(f32x4.add(a, a), vk(K_TANH_CLAMP)));
  const j = vmadd(z, vk(K_LOG2E), vk(K_MAGIC));
  const p = exp_reduced_v128(z, j);
  const e = f32x4.mul(p, i32x4.add(i32x4.shl(j, 23), vk(K_ONE_BITS)));
  const q = f32x4.div(e, f32x4.add(vk(K_ONE), e));
  const big = vmadd(vk(K_NEG_TWO), q, vk(K_ONE));
  const t = v128.bitselect(small, big, f32x4.lt(a, vk(K_TANH_SMALL)));
  return v128.or(t, v128.and(x, vk(K_SIGN_MASK)));
}
