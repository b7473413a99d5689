// SIMD helpers, written once so kernel bodies are written once (after ggml's simd-mappings.h).
//
// Every helper is @inline: AssemblyScript inlines it into the caller, so the kernels pay nothing
// for the indirection. Only meaningful in builds with ASC_FEATURE_SIMD; scalar kernels never call
// them (the calls sit behind `if (ASC_FEATURE_SIMD)`, which the compiler removes in the scalar
// build).

/** Loads 4 f32 from byte address `p` (no alignment requirement). */
// @ts-ignore: decorator
@inline export function vload(p: usize): v128 {
  return v128.load(p);
}

/** Stores 4 f32 to byte address `p`. */
// @ts-ignore: decorator
@inline export function vstore(p: usize, v: v128): void {
  v128.store(p, v);
}

/** Broadcasts one f32 to all lanes. */
// @ts-ignore: decorator
@inline export function vsplat(x: f32): v128 {
  return f32x4.splat(x);
}

/** Loads one f32 from `p` and broadcasts it (v128.load32_splat). */
// @ts-ignore: decorator
@inline export function vload_splat(p: usize): v128 {
  return v128.load32_splat(p);
}

/**
 * a * b + c. The `relaxed` build uses f32x4.relaxed_madd, which engines lower to a fused
 * multiply-add where the CPU has one (one rounding); the `simd` build uses mul then add (two
 * roundings). Results of the two builds therefore differ in the last bits, never more.
 */
// @ts-ignore: decorator
@inline export function vmadd(a: v128, b: v128, c: v128): v128 {
  return vmadd_with(a, b, c, true);
}

/**
 * a * b + c as relaxed_madd when `fma` (a constant where the caller is inlined) and the build has
 * relaxed SIMD, else mul then add: for code compiled in both forms into one module (the build
 * choice's probe, assembly/probe.ts).
 */
// @ts-ignore: decorator
@inline export function vmadd_with(a: v128, b: v128, c: v128, fma: bool): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (fma) return f32x4.relaxed_madd(a, b, c);
  }
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the 4 lanes, as ((l0 + l2) + (l1 + l3)). */
// @ts-ignore: decorator
@inline export function vhsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline export function vadd(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}

// @ts-ignore: decorator
@inline export function vsub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}

// @ts-ignore: decorator
@inline export function vmul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}

/** Lane-wise max(x, 0) that keeps NaN (f32x4.max propagates NaN, unlike pmax). */
// @ts-ignore: decorator
@inline export function vrelu(x: v128): v128 {
  return f32x4.max(x, f32x4.splat(0));
}

/** Scalar twin of vmadd, used by scalar kernels: mul then add, two roundings like `simd`. */
// @ts-ignore: decorator
@inline export function smadd(a: f32, b: f32, c: f32): f32 {
  return a * b + c;
}

/**
 * acc + a * b on f64x2: relaxed_madd in the relaxed build (one rounding where the engine fuses,
 * two where it does not), mul then add elsewhere. The f64acc kernels call it only on exact
 * products (of two float32 values), where both roundings agree, so every build gives the same
 * bits; f32-vlog calls it on inexact ones and covers either rounding with its tie margin.
 */
// @ts-ignore: decorator
@inline export function f64_madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(f64x2.mul(a, b), acc);
}

/** Floats 2 and 3 of `v` widened to float64 (f64x2.promote_low_f32x4 gives floats 0 and 1). */
// @ts-ignore: decorator
@inline export function f64_promote_high(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** Two f64x2 rounded to float32 as one f32x4: lanes a0, a1, b0, b1. */
// @ts-ignore: decorator
@inline export function f32_demote_pair(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}
