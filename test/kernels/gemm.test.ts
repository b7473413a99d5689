// f32-gemm and x32-packw at tile edges (M: 4-row tile; N: 8-column panel; K: unroll 4) against a
// float64 reference, on every build, plus the dispatched variant against the scalar reference.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor, kernel, put, blank, get, rand, GUARD } from '../helpers/kernels.js';

function packRef(w: Float32Array, n: number, k: number): Float32Array {
  const panels = Math.ceil(n / 8);
  const out = new Float32Array(panels * 8 * k);
  for (let p = 0; p < panels; p++)
    for (let kk = 0; kk < k; kk++)
      for (let j = 0; j < 8; j++) {
        const col = p * 8 + j;
        out[(p * k + kk) * 8 + j] = col < n ? w[col * k + kk] : 0;
      }
  return out;
}

function gemmRef(a: Float32Array, w: Float32Array, bias: Float32Array | null, m: number, n: number, k: number, lda: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let kk = 0; kk < k; kk++) s += a[i * lda + kk] * w[j * k + kk];
      c[i * n + j] = s;
    }
  return c;
}

const MS = [1, 2, 3, 4, 5, 7, 8, 9];
const NS = [1, 7, 8, 9, 16, 17, 33];
const KS = [1, 3, 4, 5, 8, 17, 64];

describe.each(builds)('f32-gemm [%s build]', (build) => {
  it('x32_packw_x8 matches the panel layout exactly, for edge N and K', async () => {
    const rt = await runtimeFor(build);
    const pack = kernel(rt, 'x32_packw_x8');
    const size = kernel(rt, 'x32_packw_x8_size') as unknown as (n: number, k: number) => number;
    for (const n of NS)
      for (const k of KS) {
        const w = rand(n * 100 + k, n * k);
        const src = put(rt, w);
        const len = size(n, k);
        expect(len).toBe(Math.ceil(n / 8) * 8 * k);
        const dst = blank(rt, len);
        pack(dst, src, n, k, k);
        expect(get(rt, dst, len)).toEqual(packRef(w, n, k));
        expect(get(rt, dst + len * 4, 8)).toEqual(new Float32Array(8).fill(GUARD));
        rt.free(src);
        rt.free(dst);
      }
  });

  for (const variant of ['f32_gemm', 'f32_gemm__scalar']) {
    it(`${variant}: every edge size, with and without bias, strided A and C, vs float64`, async () => {
      const rt = await runtimeFor(build);
      const gemm = kernel(rt, variant);
      const pack = kernel(rt, 'x32_packw_x8');
      let worst = 0;
      for (const m of MS)
        for (const n of NS)
          for (const k of KS)
            for (const withBias of [false, true]) {
              const lda = k + (m % 2); // odd strides on some cases
              const ldc = n + (k % 3);
              const a = rand(m * 7 + n * 13 + k, m * lda, -2, 2);
              const w = rand(n * 5 + k * 3, n * k, -1, 1);
              const bias = withBias ? rand(n + 999, n, -1, 1) : null;
              const ap = put(rt, a);
              const wsrc = put(rt, w);
              const wp = blank(rt, Math.ceil(n / 8) * 8 * k);
              pack(wp, wsrc, n, k, k);
              const bp = bias ? put(rt, bias, 0) : 0;
              const cp = blank(rt, m * ldc);
              gemm(cp, ap, wp, bp, m, n, k, lda, ldc);
              const c = get(rt, cp, m * ldc + 8);
              const ref = gemmRef(a, w, bias, m, n, k, lda);
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  const err = Math.abs(c[i * ldc + j] - ref[i * n + j]);
                  worst = Math.max(worst, err);
                  // |error| <= (K+1) * 2^-23 * sum|terms|, and each term is at most 2 here
                  expect(err, `m=${m} n=${n} k=${k} bias=${withBias} [${i},${j}]`).toBeLessThanOrEqual((k + 1) * 2 ** -23 * 2 * (k + 1));
                }
                // columns n..ldc-1 of each row and everything past the last row stay untouched
                for (let j = n; j < ldc; j++) expect(c[i * ldc + j]).toBe(GUARD);
              }
              for (let j = m * ldc; j < m * ldc + 8; j++) expect(c[j]).toBe(GUARD);
              for (const p of [ap, wsrc, wp, bp, cp]) rt.free(p);
            }
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('cache-blocking edges (MC = 64 rows, KC = 256 columns): f32_gemm == f32_gemm__scalar, vs float64', async () => {
    const rt = await runtimeFor(build);
    const pack = kernel(rt, 'x32_packw_x8');
    for (const m of [63, 64, 65, 130])
      for (const k of [255, 256, 257, 600])
        for (const n of [9, 24, 25]) {
          const a = rand(m + k, m * k, -1, 1);
          const w = rand(n + k, n * k, -1, 1);
          const bias = rand(n, n, -1, 1);
          const ap = put(rt, a);
          const wsrc = put(rt, w);
          const wp = blank(rt, Math.ceil(n / 8) * 8 * k);
          pack(wp, wsrc, n, k, k);
          const bp = put(rt, bias, 0);
          const c1 = blank(rt, m * n);
          const c2 = blank(rt, m * n);
          kernel(rt, 'f32_gemm')(c1, ap, wp, bp, m, n, k, k, n);
          kernel(rt, 'f32_gemm__scalar')(c2, ap, wp, bp, m, n, k, k, n);
          const x = get(rt, c1, m * n + 8);
          const y = get(rt, c2, m * n);
          expect(x.subarray(m * n)).toEqual(new Float32Array(8).fill(GUARD));
          const ref = gemmRef(a, w, bias, m, n, k, k);
          for (let i = 0; i < m * n; i++) expect(Math.abs(x[i] - ref[i]), `m=${m} n=${n} k=${k} [${i}]`).toBeLessThan(k * 2 ** -21);
          // one summation order everywhere: bitwise equal to the scalar reference without FMA
          if (build !== 'relaxed') expect(x.subarray(0, m * n)).toEqual(y);
          for (const p of [ap, wsrc, wp, bp, c1, c2]) rt.free(p);
        }
  });

  it('f32_gemm agrees with f32_gemm__scalar within rounding on a large shape', async () => {
    const rt = await runtimeFor(build);
    const pack = kernel(rt, 'x32_packw_x8');
    const [m, n, k] = [37, 70, 129];
    const a = rand(1, m * k);
    const w = rand(2, n * k);
    const ap = put(rt, a);
    const wsrc = put(rt, w);
    const wp = blank(rt, Math.ceil(n / 8) * 8 * k);
    pack(wp, wsrc, n, k, k);
    const c1 = blank(rt, m * n);
    const c2 = blank(rt, m * n);
    kernel(rt, 'f32_gemm')(c1, ap, wp, 0, m, n, k, k, n);
    kernel(rt, 'f32_gemm__scalar')(c2, ap, wp, 0, m, n, k, k, n);
    const x = get(rt, c1, m * n);
    const y = get(rt, c2, m * n);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(k * 2 ** -20);
    // mul then add in both (no FMA outside the relaxed build), same order: bitwise equal
    if (build !== 'relaxed') expect(x).toEqual(y);
    for (const p of [ap, wsrc, wp, c1, c2]) rt.free(p);
  });
});
