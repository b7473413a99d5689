// x32-transpose on every build: the SIMD variant (4 x 4 blocks through shuffles, the edges one
// value at a time) and its scalar reference both write exactly dst[j * ldd + i] = src[i * lds + j]
// and nothing else: every size around the 4 x 4 block (1, 3, 4, 5, 7, 8, 9, 17, and the 258 x 24
// of Silero v4's pointwise convolutions), strides wider than the matrix on both sides, and any bit
// pattern (a transpose moves 32-bit words; NaN payloads and signed zeros come through).
import { describe, expect, it } from 'vitest';
import { builds, GUARD, kernel, rand, runtimeFor } from '../helpers/kernels.js';

const SIZES = [1, 3, 4, 5, 7, 8, 9, 17];

describe.each(builds)('x32_transpose [%s build]', (build) => {
  it('equals its scalar variant and the transpose, every edge size, strided, writing nothing else', async () => {
    const rt = await runtimeFor(build);
    const shapes: [number, number][] = [[258, 24], [24, 258]];
    for (const m of SIZES) for (const n of SIZES) shapes.push([m, n]);
    for (const [m, n] of shapes) {
      for (const [padS, padD] of [[0, 0], [3, 5]]) {
        const lds = n + padS;
        const ldd = m + padD;
        // words of every kind: random floats, then NaNs with payloads, -0 and infinities mixed in
        const src = new Uint32Array(new Float32Array(rand(m * 31 + n, m * lds)).buffer);
        for (let i = 0; i < src.length; i += 7) src[i] = [0x7fc01234, 0x80000000, 0xff800000, 0x00000001][i % 4];
        const want = new Uint32Array(n * ldd).fill(new Uint32Array(Float32Array.of(GUARD).buffer)[0]);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[j * ldd + i] = src[i * lds + j];
        const ps = rt.alloc(src.length * 4);
        new Uint32Array(rt.memory.buffer, ps, src.length).set(src);
        for (const variant of ['x32_transpose', 'x32_transpose__scalar']) {
          // the destination with 8 guard words either side
          const pd = rt.alloc((want.length + 16) * 4);
          const all = new Float32Array(rt.memory.buffer, pd, want.length + 16);
          all.fill(GUARD);
          kernel(rt, variant)(pd + 32, ps, m, n, lds, ldd);
          const got = new Uint32Array(rt.memory.buffer, pd, want.length + 16);
          const what = `${build} ${variant} ${m}x${n} lds ${lds} ldd ${ldd}`;
          expect(Array.from(got.subarray(8, 8 + want.length)), what).toEqual(Array.from(want));
          expect(Array.from(all.subarray(0, 8)).concat(Array.from(all.subarray(8 + want.length))), `${what}: guards`).toEqual(new Array(16).fill(GUARD));
          rt.free(pd);
        }
        rt.free(ps);
      }
    }
  });
});
