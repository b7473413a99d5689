// f32-vbinary: z[i] = x[i] op y[i], or x[i] op s / s op x[i] with one scalar s, for i < n, op one
// of Add, Sub, Mul, Div. float32 +, -, *, / are correctly rounded, and so is the float32 rounding
// of the float64 result of two float32 values (53 >= 2 * 24 + 2 bits), so these loops return the
// same bits as the ONNX importer's JS loops. z may be x or y (in place); other overlaps are not
// allowed. Called on the static plans' buffers in wasm memory (bindings/plan-arena.ts). Their
// reference is the importer's own JS loops (src/onnx/ops/loops.ts), which the tests compare with
// bit for bit on every build.

export const VBINARY_ADD = 0;
export const VBINARY_SUB = 1;
export const VBINARY_MUL = 2;
export const VBINARY_DIV = 3;

// @ts-ignore: decorator
@inline function apply_scalar(op: i32, a: f32, b: f32): f32 {
  if (op == VBINARY_ADD) return a + b;
  if (op == VBINARY_SUB) return a - b;
  if (op == VBINARY_MUL) return a * b;
  return a / b;
}

// @ts-ignore: decorator
@inline function apply_v128(op: i32, a: v128, b: v128): v128 {
  if (op == VBINARY_ADD) return f32x4.add(a, b);
  if (op == VBINARY_SUB) return f32x4.sub(a, b);
  if (op == VBINARY_MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

// @ts-ignore: decorator
@inline function loop_scalar(op: i32, z: usize, x: usize, y: usize, i0: i32, n: i32): void {
  for (let i = i0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, apply_scalar(op, load<f32>(x + o), load<f32>(y + o)));
  }
}

// @ts-ignore: decorator
@inline function loop(op: i32, z: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(z + o, apply_v128(op, v128.load(x + o), v128.load(y + o)));
    }
  }
  loop_scalar(op, z, x, y, i, n);
}

// s op x[i] (first) or x[i] op s
// @ts-ignore: decorator
@inline function loop_scalar_s(op: i32, z: usize, x: usize, s: f32, first: bool, i0: i32, n: i32): void {
  for (let i = i0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(z + o, first ? apply_scalar(op, s, v) : apply_scalar(op, v, s));
  }
}

// @ts-ignore: decorator
@inline function loop_s(op: i32, z: usize, x: usize, s: f32, first: bool, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(z + o, first ? apply_v128(op, sv, v) : apply_v128(op, v, sv));
    }
  }
  loop_scalar_s(op, z, x, s, first, i, n);
}

/** z = x op y elementwise (VBINARY_*), 4 lanes at a time in SIMD builds. */
export function f32_vbinary(op: i32, z: usize, x: usize, y: usize, n: i32): void {
  if (op == VBINARY_ADD) loop(VBINARY_ADD, z, x, y, n);
  else if (op == VBINARY_SUB) loop(VBINARY_SUB, z, x, y, n);
  else if (op == VBINARY_MUL) loop(VBINARY_MUL, z, x, y, n);
  else loop(VBINARY_DIV, z, x, y, n);
}

/** z = s op x (scalar_first != 0) or x op s, for one scalar s. */
export function f32_vbinary_scalar(op: i32, z: usize, x: usize, s: f32, scalar_first: i32, n: i32): void {
  const first = scalar_first != 0;
  if (op == VBINARY_ADD) loop_s(VBINARY_ADD, z, x, s, first, n);
  else if (op == VBINARY_SUB) loop_s(VBINARY_SUB, z, x, s, first, n);
  else if (op == VBINARY_MUL) loop_s(VBINARY_MUL, z, x, s, first, n);
  else loop_s(VBINARY_DIV, z, x, s, first, n);
}
