// f32-vbinary: z[i] = x[i] op y[i], or x[i] op s / s op x[i] with one scalar s, for i < n, op one
// of Add, Sub, Mul, Div, Max, Min, PRelu. float32 +, -, *, / are correctly rounded, and so is the
// float32 rounding of the float64 result of two float32 values (53 >= 2 * 24 + 2 bits), so these
// loops return the same bits as the ONNX importer's JS loops. Max and Min pick as the importer's
// loops do: max(a, b) = b > a || b is NaN ? b : a (so a NaN in either is NaN, and of two equal
// values, +0 and -0 among them, the first), min with b < a. PRelu is a < 0 ? b * a : a (the slope
// b; LeakyRelu is PRelu with a scalar slope, alpha): NaN and -0 pass through. z may be x or y (in place); other overlaps are not
// allowed. Called on the static plans' buffers in wasm memory (bindings/plan-arena.ts). Their
// reference is the importer's own JS loops (src/onnx/ops/loops.ts), which the tests compare with
// bit for bit on every build.

export const VBINARY_ADD = 0;
export const VBINARY_SUB = 1;
export const VBINARY_MUL = 2;
export const VBINARY_DIV = 3;
export const VBINARY_MAX = 4;
export const VBINARY_MIN = 5;
export const VBINARY_PRELU = 6;

// @ts-ignore: decorator
@inline function apply_scalar(op: i32, a: f32, b: f32): f32 {
  if (op == VBINARY_ADD) return a + b;
  if (op == VBINARY_SUB) return a - b;
  if (op == VBINARY_MUL) return a * b;
  if (op == VBINARY_MAX) return b > a || b != b ? b : a;
  if (op == VBINARY_MIN) return b < a || b != b ? b : a;
  if (op == VBINARY_PRELU) return a < 0 ? b * a : a;
  return a / b;
}

// @ts-ignore: decorator
@inline function apply_v128(op: i32, a: v128, b: v128): v128 {
  if (op == VBINARY_ADD) return f32x4.add(a, b);
  if (op == VBINARY_SUB) return f32x4.sub(a, b);
  if (op == VBINARY_MUL) return f32x4.mul(a, b);
  if (op == VBINARY_MAX) return v128.bitselect(b, a, v128.or(f32x4.gt(b, a), f32x4.ne(b, b)));
  if (op == VBINARY_MIN) return v128.bitselect(b, a, v128.or(f32x4.lt(b, a), f32x4.ne(b, b)));
  if (op == VBINARY_PRELU) return v128.bitselect(f32x4.mul(b, a), a, f32x4.lt(a, f32x4.splat(0)));
  return f32x4.div(a, b);
}

// One loop per operator for the three forms: an operand is read from memory, or is the scalar
// (`xs` / `ys`, when `xScalar` / `yScalar`). The caller points a scalar operand's pointer at the
// other operand, so that the load the select discards stays in bounds.
// @ts-ignore: decorator
@inline function loop(op: i32, z: usize, x: usize, y: usize, xs: f32, ys: f32, xScalar: bool, yScalar: bool, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const xv = f32x4.splat(xs);
    const yv = f32x4.splat(ys);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const a = select<v128>(xv, v128.load(x + o), xScalar);
      const b = select<v128>(yv, v128.load(y + o), yScalar);
      v128.store(z + o, apply_v128(op, a, b));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const a = select<f32>(xs, load<f32>(x + o), xScalar);
    const b = select<f32>(ys, load<f32>(y + o), yScalar);
    store<f32>(z + o, apply_scalar(op, a, b));
  }
}

function binary(op: i32, z: usize, x: usize, y: usize, xs: f32, ys: f32, xScalar: bool, yScalar: bool, n: i32): void {
  if (op == VBINARY_ADD) loop(VBINARY_ADD, z, x, y, xs, ys, xScalar, yScalar, n);
  else if (op == VBINARY_SUB) loop(VBINARY_SUB, z, x, y, xs, ys, xScalar, yScalar, n);
  else if (op == VBINARY_MUL) loop(VBINARY_MUL, z, x, y, xs, ys, xScalar, yScalar, n);
  else if (op == VBINARY_MAX) loop(VBINARY_MAX, z, x, y, xs, ys, xScalar, yScalar, n);
  else if (op == VBINARY_MIN) loop(VBINARY_MIN, z, x, y, xs, ys, xScalar, yScalar, n);
  else if (op == VBINARY_PRELU) loop(VBINARY_PRELU, z, x, y, xs, ys, xScalar, yScalar, n);
  else loop(VBINARY_DIV, z, x, y, xs, ys, xScalar, yScalar, n);
}

/** z = x op y elementwise (VBINARY_*), 4 lanes at a time in SIMD builds. */
export function f32_vbinary(op: i32, z: usize, x: usize, y: usize, n: i32): void {
  binary(op, z, x, y, 0, 0, false, false, n);
}

/** z = s op x (scalar_first != 0) or x op s, for one scalar s. */
export function f32_vbinary_scalar(op: i32, z: usize, x: usize, s: f32, scalar_first: i32, n: i32): void {
  if (scalar_first != 0) binary(op, z, x, x, s, 0, true, false, n);
  else binary(op, z, x, x, 0, s, false, true, n);
}
