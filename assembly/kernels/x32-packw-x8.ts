// x32-packw-x8: packs a row-major weight matrix W[N, K] (PyTorch's [out_features, in_features])
// into the panel layout the f32-gemm kernels read: ceil(N/8) panels, each K rows of 8 floats
// holding W[n0 .. n0+7][k], zero-padded past N. A micro-kernel then reads one contiguous
// 32-byte row per k for 8 output columns. Done once at load time, never per call.

/** Floats needed by the packed form of a [N, K] matrix. */
export function x32_packw_x8_size(n: i32, k: i32): i32 {
  return ((n + 7) >> 3) * 8 * k;
}

/** dst <- pack(src), src row-major [N, K] (row stride `lds` floats). */
export function x32_packw_x8(dst: usize, src: usize, n: i32, k: i32, lds: i32): void {
  const panels = (n + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const n0 = p << 3;
    const panel = dst + (<usize>(p * 8 * k) << 2);
    for (let j = 0; j < 8; j++) {
      const col = n0 + j;
      if (col < n) {
        const row = src + (<usize>(col * lds) << 2);
        for (let kk = 0; kk < k; kk++) {
          store<f32>(panel + (<usize>(kk * 8 + j) << 2), load<f32>(row + (<usize>kk << 2)));
        }
      } else {
        for (let kk = 0; kk < k; kk++) store<f32>(panel + (<usize>(kk * 8 + j) << 2), 0);
      }
    }
  }
}
