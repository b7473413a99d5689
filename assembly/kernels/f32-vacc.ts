// f32-vacc: dst[i] += src[i] for i < n. Sums the input gradients of the two directions of a
// bidirectional layer.
import { vload, vstore, vadd } from '../simd';

export function f32_vacc__scalar(dst: usize, src: usize, n: i32): void {
  vacc_tail(dst, src, n, 0);
}

// @ts-ignore: decorator
@inline function vacc_tail(dst: usize, src: usize, n: i32, i0: i32): void {
  for (let i = i0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

export function f32_vacc(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      vstore(dst + o, vadd(vload(dst + o), vload(src + o)));
    }
  }
  vacc_tail(dst, src, n, i);
}
