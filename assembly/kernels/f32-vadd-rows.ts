// f32-vadd-rows: y[r, i] += bias[r] for r < rows, i < cols (rows `ld` floats apart): the bias of
// a convolution computed as out[M, pixels] = W * patches, added after the sum (as onnxruntime adds
// it), one rounding per value.
import { vload, vstore, vadd } from '../simd';

export function f32_vadd_rows(y: usize, bias: usize, rows: i32, cols: i32, ld: i32): void {
  addRows(y, bias, rows, cols, ld, ASC_FEATURE_SIMD);
}

export function f32_vadd_rows__scalar(y: usize, bias: usize, rows: i32, cols: i32, ld: i32): void {
  addRows(y, bias, rows, cols, ld, false);
}

// @ts-ignore: decorator
@inline function addRows(y: usize, bias: usize, rows: i32, cols: i32, ld: i32, simd: bool): void {
  for (let r = 0; r < rows; r++) {
    const b = load<f32>(bias + (<usize>r << 2));
    const row = y + (<usize>(r * ld) << 2);
    let i = 0;
    if (ASC_FEATURE_SIMD && simd) {
      const bv = f32x4.splat(b);
      for (; i + 4 <= cols; i += 4) vstore(row + (<usize>i << 2), vadd(vload(row + (<usize>i << 2)), bv));
    }
    for (; i < cols; i++) {
      const o = row + (<usize>i << 2);
      store<f32>(o, load<f32>(o) + b);
    }
  }
}
