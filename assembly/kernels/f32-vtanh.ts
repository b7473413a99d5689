// y[i] = tanh(x[i]) for i < n. y == x (in place) is allowed; other overlaps are not.
// Pointers are byte offsets into linear memory; no alignment requirement.
import { tanh_scalar, tanh_v128 } from '../math/activations';

/** Reference variant: one element at a time with tanh_scalar. */
export function f32_vtanh__scalar(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, tanh_scalar(load<f32>(x + o)));
  }
}

/**
 * Dispatched variant. SIMD builds: 4 lanes unrolled by 2 (8 per iteration), then one 4-lane
 * step, then a 1..3-element tail run through the vector function as well (lanes gathered into a
 * v128 and scattered back), so every element gets the same arithmetic whatever n is. Scalar
 * build: the __scalar loop.
 */
export function f32_vtanh(y: usize, x: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      const a = tanh_v128(v128.load(x + o));
      const b = tanh_v128(v128.load(x + o + 16));
      v128.store(y + o, a);
      v128.store(y + o + 16, b);
    }
    if (i + 4 <= n) {
      const o = <usize>i << 2;
      v128.store(y + o, tanh_v128(v128.load(x + o)));
      i += 4;
    }
    const rem = n - i;
    if (rem > 0) {
      const p = x + (<usize>i << 2);
      const q = y + (<usize>i << 2);
      let v = v128.load32_zero(p);
      if (rem > 1) v = v128.load32_lane(p + 4, v, 1);
      if (rem > 2) v = v128.load32_lane(p + 8, v, 2);
      v = tanh_v128(v);
      v128.store32_lane(q, v, 0);
      if (rem > 1) v128.store32_lane(q + 4, v, 1);
      if (rem > 2) v128.store32_lane(q + 8, v, 2);
    }
  } else {
    f32_vtanh__scalar(y, x, n);
  }
}
