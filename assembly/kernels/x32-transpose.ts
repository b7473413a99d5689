// x32-transpose: dst[j * ldd + i] = src[i * lds + j] for i < m, j < n (32-bit elements; strides
// in elements). The convolution bindings use it to move an NCHW image into the channels-last
// layout their GEMMs read, a pointwise convolution's input into the GEMM's rows, and a GEMM's
// [pixels, channels] result back to [channels, pixels]. Pure data movement: every variant writes
// the same bits.
//
// The SIMD variant moves 4 x 4 blocks: four v128 row loads, eight shuffles, four v128 stores,
// down the columns so that each block's four stores continue the destination rows of the last
// (a 258 x 24 transpose, a Silero v4 pointwise convolution's input: 4.6 -> 0.6 us on Node 24,
// AMD Zen 5). Rows and columns past the last multiple of 4 go one value at a time. The scalar
// variant does everything one value at a time, in 8 x 8 blocks that keep the rows read and
// written in cache.

const BLOCK: i32 = 8;

/** SIMD build: 4 x 4 blocks through v128 shuffles, the edges one value at a time. */
export function x32_transpose(dst: usize, src: usize, m: i32, n: i32, lds: i32, ldd: i32): void {
  if (ASC_FEATURE_SIMD) {
    const m4 = m & ~3;
    const n4 = n & ~3;
    const sRow = <usize>lds << 2;
    const dRow = <usize>ldd << 2;
    for (let j = 0; j < n4; j += 4) {
      let s = src + (<usize>j << 2);
      let d = dst + (<usize>(j * ldd) << 2);
      for (let i = 0; i < m4; i += 4) {
        const r0 = v128.load(s);
        const r1 = v128.load(s + sRow);
        const r2 = v128.load(s + 2 * sRow);
        const r3 = v128.load(s + 3 * sRow);
        // t0 = r0[0] r1[0] r0[1] r1[1], t1 = r0[2] r1[2] r0[3] r1[3], t2 / t3 the same of r2, r3
        const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
        const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
        v128.store(d + dRow, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
        v128.store(d + 2 * dRow, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
        v128.store(d + 3 * dRow, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
        s += 4 * sRow;
        d += 16;
      }
    }
    // the columns past n4 of the first m4 rows, and the rows past m4 (fewer than 4 of either)
    for (let i = n4 < n ? 0 : m4; i < m; i++) {
      for (let j = i < m4 ? n4 : 0; j < n; j++) store<u32>(dst + (<usize>(j * ldd + i) << 2), load<u32>(src + (<usize>(i * lds + j) << 2)));
    }
  } else {
    transposeBlocks(dst, src, m, n, lds, ldd);
  }
}

/** One value at a time: the reference the SIMD variant is tested against. */
export function x32_transpose__scalar(dst: usize, src: usize, m: i32, n: i32, lds: i32, ldd: i32): void {
  transposeBlocks(dst, src, m, n, lds, ldd);
}

/** The transpose one value at a time, in 8 x 8 blocks. */
// @ts-ignore: decorator
@inline function transposeBlocks(dst: usize, src: usize, m: i32, n: i32, lds: i32, ldd: i32): void {
  const dStep = <usize>ldd << 2;
  for (let ib = 0; ib < m; ib += BLOCK) {
    const ie = min(ib + BLOCK, m);
    for (let jb = 0; jb < n; jb += BLOCK) {
      const je = min(jb + BLOCK, n);
      for (let i = ib; i < ie; i++) {
        let s = src + (<usize>(i * lds + jb) << 2);
        let d = dst + (<usize>(jb * ldd + i) << 2);
        for (let j = jb; j < je; j++) {
          store<u32>(d, load<u32>(s));
          s += 4;
          d += dStep;
        }
      }
    }
  }
}
