// The loop shared by the elementwise activation kernels (f32-vsigmoid, f32-vtanh): y[i] = f(x[i])
// for i < n. y == x (in place) is allowed; other overlaps are not. Pointers are byte offsets
// into linear memory; no alignment requirement. `op` selects f; every caller passes a constant,
// so after inlining only that function's code remains.
import { sigmoid_scalar, sigmoid_v128, tanh_scalar, tanh_v128 } from '../math/activations';

export const OP_SIGMOID = 0;
export const OP_TANH = 1;

// @ts-ignore: decorator
@inline function apply_scalar(op: i32, x: f32): f32 {
  return op == OP_SIGMOID ? sigmoid_scalar(x) : tanh_scalar(x);
}

// @ts-ignore: decorator
@inline function apply_v128(op: i32, x: v128): v128 {
  return op == OP_SIGMOID ? sigmoid_v128(x) : tanh_v128(x);
}

/** Reference loop: one element at a time with the scalar function. */
// @ts-ignore: decorator
@inline export function vunary_scalar(op: i32, y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, apply_scalar(op, load<f32>(x + o)));
  }
}

/**
 * Dispatched loop. SIMD builds: 4 lanes unrolled by 2 (8 per iteration), then one 4-lane step,
 * then a 1..3-element tail run through the vector function as well (lanes gathered into a v128
 * and scattered back), so every element gets the same arithmetic whatever n is. Scalar build:
 * the reference loop.
 */
// @ts-ignore: decorator
@inline export function vunary(op: i32, y: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      const a = apply_v128(op, v128.load(x + o));
      const b = apply_v128(op, v128.load(x + o + 16));
      v128.store(y + o, a);
      v128.store(y + o + 16, b);
    }
    if (i + 4 <= n) {
      const o = <usize>i << 2;
      v128.store(y + o, apply_v128(op, v128.load(x + o)));
      i += 4;
    }
    const rem = n - i;
    if (rem > 0) {
      const p = x + (<usize>i << 2);
      const q = y + (<usize>i << 2);
      let v = v128.load32_zero(p);
      if (rem > 1) v = v128.load32_lane(p + 4, v, 1);
      if (rem > 2) v = v128.load32_lane(p + 8, v, 2);
      v = apply_v128(op, v);
      v128.store32_lane(q, v, 0);
      if (rem > 1) v128.store32_lane(q + 4, v, 1);
      if (rem > 2) v128.store32_lane(q + 8, v, 2);
    }
  } else {
    vunary_scalar(op, y, x, n);
  }
}
