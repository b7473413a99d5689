// f32-wgrad, wasm SIMD variant (see f32-wgrad.ts), a 4x8 register tile: 8 consecutive outputs n
// (one 8-column slice of a weight panel, 32 contiguous bytes of C per k) times 4 values of k,
// summed over a block of rows. Per row: two vector loads of A, four broadcasts of B, eight
// multiply-adds, like f32-gemm's tile.
//
// Blocking: RC rows at a time. B's RC x KB block is packed as [KB/4][RC][4] (zero past K) and
// A's RC x 8 slice as [RC][8] (zero past N), so the tile reads both sequentially; the tile's sums
// over a block are then added to C. C's padding lanes are never written.
import { vload, vstore, vadd, vmadd } from '../simd';

const RC: i32 = 128;
const KB: i32 = 64;
const BPACK: usize = memory.data(RC * KB * 4, 16);
const APACK: usize = memory.data(RC * 8 * 4, 16);
const STAGE: usize = memory.data(32, 16);

/** Packs rows [0, rc) x columns [0, kb) of B (row stride `bstride` bytes) as [ceil(kb/4)][rc][4], zero-padded. */
function pack_b(b: usize, bstride: usize, rc: i32, kb: i32): void {
  const tiles = (kb + 3) >> 2;
  for (let t = 0; t < tiles; t++) {
    const k0 = t << 2;
    const cols = min(4, kb - k0);
    let dst = BPACK + (<usize>(t * rc) << 4);
    let src = b + (<usize>k0 << 2);
    for (let rr = 0; rr < rc; rr++) {
      if (cols == 4) {
        vstore(dst, vload(src));
      } else {
        for (let i = 0; i < 4; i++) store<f32>(dst + (<usize>i << 2), i < cols ? load<f32>(src + (<usize>i << 2)) : 0);
      }
      src += bstride;
      dst += 16;
    }
  }
}

/** Packs rows [0, rc) x columns [0, cols) of A (row stride `astride` bytes) as [rc][8], zero-padded. */
function pack_a(a: usize, astride: usize, rc: i32, cols: i32): void {
  let dst = APACK;
  let src = a;
  for (let rr = 0; rr < rc; rr++) {
    if (cols == 8) {
      vstore(dst, vload(src));
      vstore(dst + 16, vload(src + 16));
    } else {
      for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
    }
    src += astride;
    dst += 32;
  }
}

// @ts-ignore: decorator
@inline function add_row(cp: usize, v0: v128, v1: v128, cols: i32): void {
  if (cols == 8) {
    vstore(cp, vadd(vload(cp), v0));
    vstore(cp + 16, vadd(vload(cp + 16), v1));
  } else {
    vstore(STAGE, v0);
    vstore(STAGE + 16, v1);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(cp + o, load<f32>(cp + o) + load<f32>(STAGE + o));
    }
  }
}

/**
 * The tile: packed A slice (APACK) against packed B tile `bt` over rc rows; adds the sums to C
 * rows k0 .. k0 + krows - 1 of the slice at `cslice` (`crow` bytes between k rows), `cols` lanes.
 */
function tile_4x8(cslice: usize, crow: usize, bt: usize, rc: i32, krows: i32, cols: i32): void {
  let acc00 = f32x4.splat(0), acc01 = f32x4.splat(0);
  let acc10 = f32x4.splat(0), acc11 = f32x4.splat(0);
  let acc20 = f32x4.splat(0), acc21 = f32x4.splat(0);
  let acc30 = f32x4.splat(0), acc31 = f32x4.splat(0);
  let ap = APACK;
  let bp = bt;
  const bend = bt + (<usize>rc << 4);
  while (bp < bend) {
    const a0 = vload(ap);
    const a1 = vload(ap + 16);
    const x0 = v128.load32_splat(bp);
    const x1 = v128.load32_splat(bp, 4);
    const x2 = v128.load32_splat(bp, 8);
    const x3 = v128.load32_splat(bp, 12);
    acc00 = vmadd(x0, a0, acc00);
    acc01 = vmadd(x0, a1, acc01);
    acc10 = vmadd(x1, a0, acc10);
    acc11 = vmadd(x1, a1, acc11);
    acc20 = vmadd(x2, a0, acc20);
    acc21 = vmadd(x2, a1, acc21);
    acc30 = vmadd(x3, a0, acc30);
    acc31 = vmadd(x3, a1, acc31);
    ap += 32;
    bp += 16;
  }
  add_row(cslice, acc00, acc01, cols);
  if (krows > 1) add_row(cslice + crow, acc10, acc11, cols);
  if (krows > 2) add_row(cslice + 2 * crow, acc20, acc21, cols);
  if (krows > 3) add_row(cslice + 3 * crow, acc30, acc31, cols);
}

export function f32_wgrad_acc__wasmsimd_4x8(c: usize, a: usize, b: usize, n: i32, k: i32, r: i32, lda: i32, ldb: i32, nr: i32): void {
  const astride = <usize>lda << 2;
  const bstride = <usize>ldb << 2;
  const crow = <usize>nr << 2;
  const spp = nr >> 3; // 8-column slices per panel
  const slices = (n + 7) >> 3;
  for (let r0 = 0; r0 < r; r0 += RC) {
    const rc = min(RC, r - r0);
    for (let k0 = 0; k0 < k; k0 += KB) {
      const kb = min(KB, k - k0);
      pack_b(b + <usize>r0 * bstride + (<usize>k0 << 2), bstride, rc, kb);
      for (let q = 0; q < slices; q++) {
        const n0 = q << 3;
        const cols = min(8, n - n0);
        pack_a(a + <usize>r0 * astride + (<usize>n0 << 2), astride, rc, cols);
        // slice q at row k0: columns 8 (q % spp) .. of panel q / spp
        const cslice = c + (<usize>((q / spp) * nr * k + k0 * nr + ((q % spp) << 3)) << 2);
        for (let t = 0; (t << 2) < kb; t++) {
          tile_4x8(cslice + <usize>(t << 2) * crow, crow, BPACK + (<usize>(t * rc) << 4), rc, min(4, kb - (t << 2)), cols);
        }
      }
    }
  }
}
