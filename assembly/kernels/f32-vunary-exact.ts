// f32-vunary-exact: y[i] = f(x[i]) for i < n, for the elementwise operators whose float32 result
// is exactly the float32 rounding of the float64 one, so these loops return the same bits as the
// ONNX importer's JS loops (float64 arithmetic on float32 values, rounded once): Relu (max(0, x)
// with -0 -> +0 and NaN kept, as a bit mask, so NaN payloads pass through), Neg, Abs, Sqrt
// (correctly rounded in both precisions) and Square (x * x: one rounding of an exact product in
// float64 is the float32 product's rounding). y == x (in place) is allowed; other overlaps are
// not. The static plans' buffers live in wasm memory of their own (bindings/plan-arena.ts), which
// is where the importer calls these. Their reference is the importer's own JS loops
// (src/onnx/ops/loops.ts), which the tests compare with bit for bit on every build.

export const VUNARY_RELU = 0;
export const VUNARY_NEG = 1;
export const VUNARY_ABS = 2;
export const VUNARY_SQRT = 3;
export const VUNARY_SQUARE = 4;

// @ts-ignore: decorator
@inline function apply_scalar(op: i32, x: f32): f32 {
  if (op == VUNARY_RELU) return x > 0 || x != x ? x : 0;
  if (op == VUNARY_NEG) return -x;
  if (op == VUNARY_ABS) return abs<f32>(x);
  if (op == VUNARY_SQRT) return sqrt<f32>(x);
  return x * x;
}

// @ts-ignore: decorator
@inline function apply_v128(op: i32, x: v128): v128 {
  if (op == VUNARY_RELU) return v128.and(x, v128.or(f32x4.gt(x, f32x4.splat(0)), f32x4.ne(x, x)));
  if (op == VUNARY_NEG) return f32x4.neg(x);
  if (op == VUNARY_ABS) return f32x4.abs(x);
  if (op == VUNARY_SQRT) return f32x4.sqrt(x);
  return f32x4.mul(x, x);
}

// @ts-ignore: decorator
@inline function loop_scalar(op: i32, y: usize, x: usize, i0: i32, n: i32): void {
  for (let i = i0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, apply_scalar(op, load<f32>(x + o)));
  }
}

// @ts-ignore: decorator
@inline function loop(op: i32, y: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, apply_v128(op, v128.load(x + o)));
    }
  }
  loop_scalar(op, y, x, i, n);
}

/** y = f(x) for the operator `op` (VUNARY_*); 4 lanes at a time in SIMD builds. */
export function f32_vunary_exact(op: i32, y: usize, x: usize, n: i32): void {
  if (op == VUNARY_RELU) loop(VUNARY_RELU, y, x, n);
  else if (op == VUNARY_NEG) loop(VUNARY_NEG, y, x, n);
  else if (op == VUNARY_ABS) loop(VUNARY_ABS, y, x, n);
  else if (op == VUNARY_SQRT) loop(VUNARY_SQRT, y, x, n);
  else loop(VUNARY_SQUARE, y, x, n);
}
