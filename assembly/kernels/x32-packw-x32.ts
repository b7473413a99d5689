// x32-packw-x32: packs a row-major weight matrix W[N, K] (PyTorch's [out_features, in_features])
// into 32-column panels for f32_gemm_nr32: ceil(N/32) panels, each K rows of 32 floats holding
// W[n0 .. n0+31][k], zero-padded past N. Done once at load time, never per call.
//
// Why a second layout: the batch-1 product (one row of A: the recurrent step of every streaming
// or batch-1 sequence call) then reads one contiguous 128-byte row per k through a single
// pointer with immediate offsets, 8 accumulators live, where on 8-column panels it walks three
// panels 32*K bytes apart: faster while the weights sit in L2. For weights streamed from L3 or
// memory the 8-column layout is better (the 4x8 tile reads each 4 KiB page sequentially instead
// of every other cache line), so the recurrence picks the layout by size: recurrent_panel_width
// in recurrence.ts; measurements in docs/performance.md, "Panel width of W_hh".

/** Columns per panel. */
const NR: i32 = 32;

/** Floats needed by the packed form of a [N, K] matrix. */
export function x32_packw_x32_size(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

/** dst <- pack(src), src row-major [N, K] (row stride `lds` floats). */
export function x32_packw_x32(dst: usize, src: usize, n: i32, k: i32, lds: i32): void {
  const panels = (n + NR - 1) / NR;
  const rowBytes = <usize>NR << 2;
  for (let p = 0; p < panels; p++) {
    const n0 = p * NR;
    const panel = dst + (<usize>(p * NR * k) << 2);
    for (let j = 0; j < NR; j++) {
      const col = n0 + j;
      let d = panel + (<usize>j << 2);
      if (col < n) {
        const row = src + (<usize>(col * lds) << 2);
        for (let kk = 0; kk < k; kk++) {
          store<f32>(d, load<f32>(row + (<usize>kk << 2)));
          d += rowBytes;
        }
      } else {
        for (let kk = 0; kk < k; kk++) {
          store<f32>(d, 0);
          d += rowBytes;
        }
      }
    }
  }
}
