// qc8w-packw: packs int8 weights with one float scale per output row (channel-wise quantized, "qc8w")
// for qd8_f32_qc8w_gemm. The block holds, in this order:
//   - the weights in panels of 32 output rows by 4 k: [Np/32][Kp/4][32][4] int8, where Np rounds N
//     up to 32 and Kp rounds K up to 4, zero-padded (so padding adds nothing to any sum). Each
//     16 bytes are 4 outputs x 4 consecutive k: what one relaxed i8 x i7 dot product consumes, and
//     two sign-extended halves of what i32x4.dot_i16x8_s consumes;
//   - the scales, Np floats (0 past N);
//   - the row sums of the int8 weights, Np i32 (the zero-point correction of the activations).
// Done once at load time.

/** Output rows per panel. */
export const QC8W_NR: i32 = 32;

// @ts-ignore: decorator
@inline function roundUp(v: i32, m: i32): i32 {
  return ((v + m - 1) / m) * m;
}

/** Bytes of the packed block of an [N, K] matrix. */
export function qc8w_packw_size(n: i32, k: i32): i32 {
  const np = roundUp(n, QC8W_NR);
  return np * roundUp(k, 4) + np * 8;
}

/**
 * dst <- pack(src, scales): src int8 row-major [N, K] (row stride `lds` bytes), scales [N] f32.
 * dst must be 16-byte aligned and qc8w_packw_size(n, k) bytes long.
 */
export function qc8w_packw(dst: usize, src: usize, scales: usize, n: i32, k: i32, lds: i32): void {
  const np = roundUp(n, QC8W_NR);
  const kp = roundUp(k, 4);
  memory.fill(dst, 0, <usize>qc8w_packw_size(n, k));
  const scaleOut = dst + <usize>(np * kp);
  const sumOut = scaleOut + (<usize>np << 2);
  for (let row = 0; row < n; row++) {
    const panel = dst + <usize>((row / QC8W_NR) * QC8W_NR * kp);
    const j = row % QC8W_NR;
    let sum = 0;
    for (let kk = 0; kk < k; kk++) {
      const v = load<i8>(src + <usize>(row * lds + kk));
      sum += v;
      store<i8>(panel + <usize>((kk >> 2) * QC8W_NR * 4 + j * 4 + (kk & 3)), v);
    }
    store<f32>(scaleOut + (<usize>row << 2), load<f32>(scales + (<usize>row << 2)));
    store<i32>(sumOut + (<usize>row << 2), sum);
  }
}
