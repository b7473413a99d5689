// x64-packw-x8: the weight panels of f32_gemm_f64acc, widened from float32 in wasm: ceil(N/8)
// panels of K rows of 8 doubles, element (8p + j, kk) at double (p * K + kk) * 8 + j, zero past
// N. Element (j, kk) of the source is read at float
//   j * strideN + (kk / inner) * strideA + (kk % inner) * strideB,
// which covers a row-major matrix (inner = K, strideB = 1, strideA unused), its transpose, and a
// convolution's weight [M, Cg, taps] read tap-major as [M, taps * Cg] (inner = Cg, strideA = 1,
// strideB = taps). Done once when a Conv or MatMul packs its constant weight; moves data only, so
// every build carries this one scalar body.

/** Bytes of the packed form of an [N, K] matrix. */
export function x64_packw_x8_size(n: i32, k: i32): i32 {
  return ((n + 7) >> 3) * 8 * k * 8;
}

export function x64_packw_x8(dst: usize, src: usize, n: i32, k: i32, inner: i32, strideN: i32, strideA: i32, strideB: i32): void {
  const panels = (n + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const panel = dst + (<usize>(p * 8 * k) << 3);
    for (let j = 0; j < 8; j++) {
      const row = (p << 3) + j;
      if (row >= n) {
        for (let kk = 0; kk < k; kk++) store<f64>(panel + (<usize>(kk * 8 + j) << 3), 0);
        continue;
      }
      const base = src + (<usize>(row * strideN) << 2);
      let a = 0;
      let b = 0;
      for (let kk = 0; kk < k; kk++) {
        store<f64>(panel + (<usize>(kk * 8 + j) << 3), <f64>load<f32>(base + (<usize>(a * strideA + b * strideB) << 2)));
        if (++b === inner) {
          b = 0;
          a++;
        }
      }
    }
  }
}
