// f32-colsum-acc: dst[j] += sum over rows r of src[r * lds + j], j < cols (rows summed in
// ascending order from zero, then added). The bias gradients of a layer: the column sums of its
// pre-activation gradients over all time steps and batch rows.
import { vload, vstore, vadd } from '../simd';

/** Reference variant: one column at a time. */
export function f32_colsum_acc__scalar(dst: usize, src: usize, rows: i32, cols: i32, lds: i32): void {
  colsum_tail(dst, src, rows, cols, lds, 0);
}

// @ts-ignore: decorator
@inline function colsum_tail(dst: usize, src: usize, rows: i32, cols: i32, lds: i32, j0: i32): void {
  const stride = <usize>lds << 2;
  for (let j = j0; j < cols; j++) {
    let s: f32 = 0;
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += stride;
    }
    store<f32>(dst + (<usize>j << 2), load<f32>(dst + (<usize>j << 2)) + s);
  }
}

/** Dispatched variant: 16 columns (4 vectors) at a time, then 4, then the scalar tail; same sums. */
export function f32_colsum_acc(dst: usize, src: usize, rows: i32, cols: i32, lds: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const stride = <usize>lds << 2;
    for (; j + 16 <= cols; j += 16) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let p = src + (<usize>j << 2);
      for (let r = 0; r < rows; r++) {
        s0 = vadd(s0, vload(p));
        s1 = vadd(s1, vload(p + 16));
        s2 = vadd(s2, vload(p + 32));
        s3 = vadd(s3, vload(p + 48));
        p += stride;
      }
      const d = dst + (<usize>j << 2);
      vstore(d, vadd(vload(d), s0));
      vstore(d + 16, vadd(vload(d + 16), s1));
      vstore(d + 32, vadd(vload(d + 32), s2));
      vstore(d + 48, vadd(vload(d + 48), s3));
    }
    for (; j + 4 <= cols; j += 4) {
      let s0 = f32x4.splat(0);
      let p = src + (<usize>j << 2);
      for (let r = 0; r < rows; r++) {
        s0 = vadd(s0, vload(p));
        p += stride;
      }
      const d = dst + (<usize>j << 2);
      vstore(d, vadd(vload(d), s0));
    }
  }
  colsum_tail(dst, src, rows, cols, lds, j);
}
