// x64_packw_x8 (the float64 weight panels of f32_gemm_f64acc, packed in wasm) against the JS
// packing it replaced (packPanels64, kept for MatMul's and ConvTranspose's layouts) at the panel
// edges (n = 1, 7, 8, 9, odd), for a row-major matrix, its transpose, and a convolution's
// [M, Cg, taps] weight read tap-major, on every build.
import { describe, expect, it } from 'vitest';
import { packPanels64 } from '../../bindings/panels.js';
import { builds, put, rand, runtimeFor } from '../helpers/kernels.js';

const SIZES: [number, number][] = [[1, 1], [1, 5], [7, 3], [8, 8], [9, 4], [13, 17], [16, 1], [33, 6]];

describe.each(builds)('x64_packw_x8 [%s build]', (build) => {
  it.each(SIZES)('n=%i k=%i: row-major, transposed, and conv tap-major, as packPanels64 packs them', async (n, k) => {
    const rt = await runtimeFor(build);
    const src = rand(n * 31 + k, n * k);
    const ptr = put(rt, src);
    const pack = (inner: number, strideN: number, strideA: number, strideB: number): Float64Array => {
      const bytes = rt.exports.x64_packw_x8_size(n, k);
      const dst = rt.alloc(bytes + 64);
      new Float64Array(rt.memory.buffer, dst, bytes / 8 + 8).fill(-7);
      rt.exports.x64_packw_x8(dst, ptr, n, k, inner, strideN, strideA, strideB);
      const out = new Float64Array(rt.memory.buffer, dst, bytes / 8 + 8).slice();
      rt.free(dst);
      // nothing written past the panels
      expect(Array.from(out.subarray(bytes / 8))).toEqual(Array(8).fill(-7));
      return out.subarray(0, bytes / 8);
    };
    // row-major [n, k]: strides (k, 1)
    expect(pack(k, k, 0, 1)).toEqual(packPanels64(src, n, k, k, 1));
    // [k, n] read as its transpose: strides (1, n)
    expect(pack(k, 1, 0, n)).toEqual(packPanels64(src, n, k, 1, n));
    // a conv weight [n, cg, taps] with k = taps * cg, read tap-major: element (m, t * cg + c) = w[m, c, t]
    for (const taps of [1, 2, 3, 5].filter((t) => k % t === 0)) {
      const cg = k / taps;
      const reordered = new Float32Array(n * k);
      for (let m = 0; m < n; m++) for (let c = 0; c < cg; c++) for (let t = 0; t < taps; t++) reordered[m * k + t * cg + c] = src[m * k + c * taps + t];
      expect(pack(cg, k, 1, taps), `taps ${taps}`).toEqual(packPanels64(reordered, n, k, k, 1));
    }
    rt.free(ptr);
  });
});
