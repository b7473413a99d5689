// f32-gemm, wasm SIMD variant, 4x8 register tile: C[M, N] = A[M, K] * W^T + bias, W packed in
// panels of NR columns, NR = 8 (x32_packw_x8) or 32 (x32_packw_x32): one NR*4-byte row per k.
// The tile reads an 8-column slice of a panel (32 bytes per k). C must not overlap A. The two
// exports are the same code specialised for a constant NR.
//
// Full 4-row blocks: A is packed (MC x KC at a time, as [MC/4][KC][4]) into the instance's scratch
// (assembly/scratch.ts), so the
// inner loop reads its four broadcasts with immediate offsets from one pointer (V8 on x64 has too
// few general registers for four row pointers plus the weight pointer). Per k: two weight loads,
// four broadcast loads, eight multiply-adds into 8 accumulators (4 rows x 2 vectors). Between KC
// chunks the partial sums go through C (or a staging buffer for a partial last panel) and are
// reloaded exactly, so chunking does not change the result.
//
// Leftover rows (and the batch-1 recurrent product, M = 1):
//  - NR = 32: a 1x32 kernel, one row against a whole panel through one pointer with immediate
//    offsets, 8 independent accumulators, one 128-byte weight row per k.
//  - NR = 8: a 1x24 kernel, one row against three panels (three pointers), 6 accumulators (a 1x32
//    over four panels runs out of vector registers).
//  A partial last panel takes 1x8 per slice.
//
// Every kernel sums each output's k terms in ascending order from zero and adds the bias last,
// so a row's result is bitwise independent of which kernel (and so which batch size) computed
// it. vmadd is mul+add in the `simd` build and relaxed_madd in `relaxed`.
//
// The 4x8 tile, the A packer and the 1x8 row kernel are functions of their own, called per
// (M block, K chunk, slice), not inlined into the exports: V8 gives optimized code only to calls
// that start after a function's background compile, so small, often-called functions reach it
// sooner in a fresh process and compile faster. The measurements behind these choices:
// docs/performance.md, "Why f32-gemm is shaped as it is".
import { vload, vstore, vload_splat, vmadd, vmadd_with, vadd } from '../simd';
import { scratch, SCRATCH_GEMM_APACK, SCRATCH_GEMM_APACK_BYTES, SCRATCH_GEMM_PARTIAL, SCRATCH_GEMM_TAIL } from '../scratch';

/**
 * Cache blocking: A is packed MC rows x KC columns at a time (64 KiB, held in L2) and every
 * weight slice's KC x 8 part (KC 128-byte rows, 16 KiB of cache lines, held in L1) is then used for all MC rows before moving on,
 * so the weights stream from memory once per MC rows instead of once per 4 rows (W6's 8 MiB
 * W_ih was memory-bound without this). A block of fewer rows packs more columns, as many as the
 * buffer holds (all of K for a batch of up to 16 rows and K <= 1024): the weights of a slice are
 * then read in one contiguous pass instead of one pass per KC columns over every panel. For W6's
 * recurrent product (8 x 4096 x 1024, 16 MiB of weights, more than the cache holds) that took a
 * step from 3.0 to 1.6 ms on AMD Zen 5 (Node 24, bench/gemm-shapes.mjs).
 */
const KC: i32 = 256;
const MC: i32 = 64;
// the instance's scratch (assembly/scratch.ts): APACK holds MC x KC floats
// @ts-ignore: compile-time check
if (MC * KC * 4 > SCRATCH_GEMM_APACK_BYTES) ERROR('f32-gemm-4x8: MC * KC floats exceed the scratch reserved for APACK');
// staging for a partial last panel: output lanes (8) and, between K chunks, its partial sums

// @ts-ignore: decorator
@inline function store_row(crow: usize, brow: usize, v0: v128, v1: v128, cols: i32): void {
  if (cols == 8) {
    if (brow != 0) {
      v0 = vadd(v0, vload(brow));
      v1 = vadd(v1, vload(brow + 16));
    }
    vstore(crow, v0);
    vstore(crow + 16, v1);
  } else {
    const tail = scratch + SCRATCH_GEMM_TAIL;
    vstore(tail, v0);
    vstore(tail + 16, v1);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      let s = load<f32>(tail + o);
      if (brow != 0) s += load<f32>(brow + o);
      store<f32>(crow + o, s);
    }
  }
}

/** Byte address of 8-column slice q (columns 8q..8q+7) at row k0 of W packed in NR-wide panels. */
// @ts-ignore: decorator
@inline function slice_at(w: usize, q: i32, k0: i32, k: i32, nr: i32): usize {
  const spp = nr >> 3; // slices per panel
  return w + (<usize>((q / spp) * nr * k + k0 * nr + ((q % spp) << 3)) << 2);
}

/** One row of A against one 8-column slice of a panel: 2 accumulators, k ascending. */
function row_1x8(crow: usize, brow: usize, arow: usize, slice: usize, k: i32, cols: i32, wrow: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let wp = slice;
  let ap = arow;
  const aend = arow + (<usize>k << 2);
  while (ap < aend) {
    const x = vload_splat(ap);
    a0 = vmadd(x, vload(wp), a0);
    a1 = vmadd(x, vload(wp + 16), a1);
    wp += wrow;
    ap += 4;
  }
  store_row(crow, brow, a0, a1, cols);
}

/** One row of A against one full panel (32 columns), 8 accumulators, one weight pointer. */
function row_1x32(crow: usize, brow: usize, arow: usize, panel: usize, k: i32): void {
  row_1x32_with(crow, brow, arow, panel, k, true);
}

/**
 * row_1x32's body, with relaxed_madd (fma, in the relaxed build) or mul then add: the build
 * choice's probe (assembly/probe.ts) compiles it both ways to time what the two builds run.
 */
// @ts-ignore: decorator
@inline export function row_1x32_with(crow: usize, brow: usize, arow: usize, panel: usize, k: i32, fma: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
  let wp = panel;
  let ap = arow;
  const aend = arow + (<usize>k << 2);
  while (ap < aend) {
    const x = vload_splat(ap);
    a0 = vmadd_with(x, v128.load(wp), a0, fma);
    a1 = vmadd_with(x, v128.load(wp, 16), a1, fma);
    b0 = vmadd_with(x, v128.load(wp, 32), b0, fma);
    b1 = vmadd_with(x, v128.load(wp, 48), b1, fma);
    c0 = vmadd_with(x, v128.load(wp, 64), c0, fma);
    c1 = vmadd_with(x, v128.load(wp, 80), c1, fma);
    d0 = vmadd_with(x, v128.load(wp, 96), d0, fma);
    d1 = vmadd_with(x, v128.load(wp, 112), d1, fma);
    wp += 128;
    ap += 4;
  }
  store_row(crow, brow, a0, a1, 8);
  store_row(crow + 32, brow != 0 ? brow + 32 : 0, b0, b1, 8);
  store_row(crow + 64, brow != 0 ? brow + 64 : 0, c0, c1, 8);
  store_row(crow + 96, brow != 0 ? brow + 96 : 0, d0, d1, 8);
}

/** One row of A against three consecutive 8-wide panels (24 columns), 6 accumulators. */
function row_1x24(crow: usize, brow: usize, arow: usize, panel: usize, k: i32): void {
  row_1x24_with(crow, brow, arow, panel, k, true);
}

/** row_1x24's body, with relaxed_madd (fma) or mul then add: for the probe, as row_1x32_with. */
// @ts-ignore: decorator
@inline export function row_1x24_with(crow: usize, brow: usize, arow: usize, panel: usize, k: i32, fma: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  const pstride = <usize>(8 * k) << 2; // bytes between panels
  let w0 = panel;
  let w1 = panel + pstride;
  let w2 = panel + 2 * pstride;
  let ap = arow;
  const aend = arow + (<usize>k << 2);
  while (ap < aend) {
    const x = vload_splat(ap);
    a0 = vmadd_with(x, vload(w0), a0, fma);
    a1 = vmadd_with(x, vload(w0 + 16), a1, fma);
    b0 = vmadd_with(x, vload(w1), b0, fma);
    b1 = vmadd_with(x, vload(w1 + 16), b1, fma);
    c0 = vmadd_with(x, vload(w2), c0, fma);
    c1 = vmadd_with(x, vload(w2 + 16), c1, fma);
    w0 += 32;
    w1 += 32;
    w2 += 32;
    ap += 4;
  }
  store_row(crow, brow, a0, a1, 8);
  store_row(crow + 32, brow != 0 ? brow + 32 : 0, b0, b1, 8);
  store_row(crow + 64, brow != 0 ? brow + 64 : 0, c0, c1, 8);
}

/** Packs rows [0, mc) (mc a multiple of 4) of the kc columns from k0: [mc/4][kc][4] at APACK. */
function pack_a(a0: usize, astride: usize, k0: i32, kc: i32, mc: i32): void {
  let dst = scratch + SCRATCH_GEMM_APACK;
  for (let r = 0; r < mc; r += 4) {
    let src = a0 + <usize>r * astride + (<usize>k0 << 2);
    const end = dst + (<usize>kc << 4);
    while (dst < end) {
      store<f32>(dst, load<f32>(src));
      store<f32>(dst, load<f32>(src + astride), 4);
      store<f32>(dst, load<f32>(src + 2 * astride), 8);
      store<f32>(dst, load<f32>(src + 3 * astride), 12);
      src += 4;
      dst += 16;
    }
  }
}

/**
 * The 4x8 register tile down one column of blocks: the `mc` packed rows of A at APACK (4-row
 * blocks of `ablock` bytes) against one 8-column weight slice (wslice, `wrow` bytes between k
 * rows) over one K chunk. C rows start at cbase, `cstride` apart. Partial sums of earlier chunks
 * live in C, or in PARTIAL for a partial panel (`cols` < 8). first: start from zero, else from
 * the partial sums; last: add the bias and write `cols` columns to C, else store partial sums.
 * Its own function (not inlined): the two GEMM exports share it, and V8 compiles and tiers up
 * small functions sooner (see docs/performance.md, cold start).
 */
function tile_4x8_slice(
  cbase: usize, cstride: usize, brow: usize, wslice: usize, wrow: usize, ablock: usize, mc: i32,
  cols: i32, first: bool, last: bool,
): void {
  const ss = cols == 8 ? cstride : 32;
  for (let r = 0; r < mc; r += 4) {
    const cp = cbase + <usize>r * cstride;
    const sp = cols == 8 ? cp : scratch + SCRATCH_GEMM_PARTIAL + (<usize>r << 5);
    let acc00 = f32x4.splat(0), acc01 = f32x4.splat(0);
    let acc10 = f32x4.splat(0), acc11 = f32x4.splat(0);
    let acc20 = f32x4.splat(0), acc21 = f32x4.splat(0);
    let acc30 = f32x4.splat(0), acc31 = f32x4.splat(0);
    if (!first) {
      acc00 = vload(sp); acc01 = vload(sp + 16);
      acc10 = vload(sp + ss); acc11 = vload(sp + ss + 16);
      acc20 = vload(sp + 2 * ss); acc21 = vload(sp + 2 * ss + 16);
      acc30 = vload(sp + 3 * ss); acc31 = vload(sp + 3 * ss + 16);
    }
    let wp = wslice;
    let ap = scratch + SCRATCH_GEMM_APACK + (<usize>(r >> 2)) * ablock;
    const apEnd = ap + ablock;
    while (ap < apEnd) {
      const w0 = vload(wp);
      const w1 = vload(wp + 16);
      const x0 = v128.load32_splat(ap);
      const x1 = v128.load32_splat(ap, 4);
      const x2 = v128.load32_splat(ap, 8);
      const x3 = v128.load32_splat(ap, 12);
      acc00 = vmadd(x0, w0, acc00);
      acc01 = vmadd(x0, w1, acc01);
      acc10 = vmadd(x1, w0, acc10);
      acc11 = vmadd(x1, w1, acc11);
      acc20 = vmadd(x2, w0, acc20);
      acc21 = vmadd(x2, w1, acc21);
      acc30 = vmadd(x3, w0, acc30);
      acc31 = vmadd(x3, w1, acc31);
      wp += wrow;
      ap += 16;
    }
    if (last) {
      store_row(cp, brow, acc00, acc01, cols);
      store_row(cp + cstride, brow, acc10, acc11, cols);
      store_row(cp + 2 * cstride, brow, acc20, acc21, cols);
      store_row(cp + 3 * cstride, brow, acc30, acc31, cols);
    } else {
      vstore(sp, acc00); vstore(sp + 16, acc01);
      vstore(sp + ss, acc10); vstore(sp + ss + 16, acc11);
      vstore(sp + 2 * ss, acc20); vstore(sp + 2 * ss + 16, acc21);
      vstore(sp + 3 * ss, acc30); vstore(sp + 3 * ss + 16, acc31);
    }
  }
}

// @ts-ignore: decorator
@inline function gemm(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32, nr: i32,
): void {
  const wrow = <usize>nr << 2; // bytes between the rows k and k+1 of a panel
  const slices = (n + 7) >> 3; // 8-column slices, four per panel
  const astride = <usize>lda << 2;
  const cstride = <usize>ldc << 2;
  const m4 = m & ~3; // rows done by the 4x8 tile
  // m0 outside k0: the partial sums of a partial last panel (PARTIAL) hold MC rows only
  for (let m0 = 0; m0 < m4; m0 += MC) {
    const mc = min(MC, m4 - m0);
    const cm0 = c + <usize>m0 * cstride;
    // K chunk: KC, or as many columns as APACK holds for fewer rows (all of K for a small batch)
    const kcMax = max(KC, (MC * KC) / mc);
    for (let k0 = 0; k0 < k; k0 += kcMax) {
      const kc = min(kcMax, k - k0);
      const first = k0 == 0;
      const last = k0 + kc >= k;
      const ablock = <usize>kc << 4; // bytes of one packed 4-row block
      pack_a(a + <usize>m0 * astride, astride, k0, kc, mc);
      for (let q = 0; q < slices; q++) {
        const n0 = q << 3;
        const cols = min(8, n - n0);
        const wslice = slice_at(w, q, k0, k, nr);
        const brow = bias != 0 ? bias + (<usize>n0 << 2) : 0;
        tile_4x8_slice(cm0 + (<usize>n0 << 2), cstride, brow, wslice, wrow, ablock, mc, cols, first, last);
      }
    }
  }
  let i = m4;
  for (; i < m; i++) {
    const arow = a + <usize>i * astride;
    const crow = c + <usize>i * cstride;
    let q = 0; // next slice
    if (nr == 32) {
      for (; q + 4 <= slices && (q << 3) + 32 <= n; q += 4) {
        const n0 = q << 3;
        row_1x32(crow + (<usize>n0 << 2), bias != 0 ? bias + (<usize>n0 << 2) : 0, arow, slice_at(w, q, 0, k, 32), k);
      }
    } else {
      for (; q + 3 <= (n >> 3); q += 3) {
        const n0 = q << 3;
        row_1x24(crow + (<usize>n0 << 2), bias != 0 ? bias + (<usize>n0 << 2) : 0, arow, slice_at(w, q, 0, k, 8), k);
      }
    }
    for (; q < slices; q++) {
      const n0 = q << 3;
      const brow = bias != 0 ? bias + (<usize>n0 << 2) : 0;
      row_1x8(crow + (<usize>n0 << 2), brow, arow, slice_at(w, q, 0, k, nr), k, min(8, n - n0), wrow);
    }
  }
}

/** W packed by x32_packw_x8. */
export function f32_gemm__wasmsimd_4x8(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  gemm(c, a, w, bias, m, n, k, lda, ldc, 8);
}

/** W packed by x32_packw_x32. */
export function f32_gemm_nr32__wasmsimd_4x8(
  c: usize, a: usize, w: usize, bias: usize, m: i32, n: i32, k: i32, lda: i32, ldc: i32,
): void {
  gemm(c, a, w, bias, m, n, k, lda, ldc, 32);
}
