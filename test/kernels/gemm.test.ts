// f32-gemm and x32-packw at tile edges (M: 4-row tile; N: 8-column slice, 24/32-column row
// kernels, 8- and 32-column panels; K: the KC block) against a float64 reference, on every build,
// plus the dispatched variant against the scalar reference. Both panel layouts: f32_gemm on
// x32_packw_x8 panels and f32_gemm_nr32 on x32_packw_x32 panels.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor, kernel, put, blank, get, rand, GUARD } from '../helpers/kernels.js';

function packRef(w: Float32Array, n: number, k: number, nr: number): Float32Array {
  const panels = Math.ceil(n / nr);
  const out = new Float32Array(panels * nr * k);
  for (let p = 0; p < panels; p++)
    for (let kk = 0; kk < k; kk++)
      for (let j = 0; j < nr; j++) {
        const col = p * nr + j;
        out[(p * k + kk) * nr + j] = col < n ? w[col * k + kk] : 0;
      }
  return out;
}

const LAYOUTS = [
  { nr: 8, pack: 'x32_packw_x8', size: 'x32_packw_x8_size', gemm: 'f32_gemm', scalar: 'f32_gemm__scalar' },
  { nr: 32, pack: 'x32_packw_x32', size: 'x32_packw_x32_size', gemm: 'f32_gemm_nr32', scalar: 'f32_gemm_nr32__scalar' },
] as const;
const cases = builds.flatMap((b) => LAYOUTS.map((l) => [b, l] as const));

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
const NS = [1, 7, 8, 9, 17, 24, 25, 31, 32, 33, 65];
const KS = [1, 3, 4, 5, 8, 17, 64];

describe.each(cases)('f32-gemm [%s build, %o]', (build, layout) => {
  const { nr } = layout;
  it(`${layout.pack} matches the panel layout exactly, for edge N and K`, async () => {
    const rt = await runtimeFor(build);
    const pack = kernel(rt, layout.pack);
    const size = rt.exports[layout.size];
    for (const n of NS)
      for (const k of KS) {
        const w = rand(n * 100 + k, n * k);
        const src = put(rt, w);
        const len = size(n, k);
        expect(len).toBe(Math.ceil(n / nr) * nr * k);
        const dst = blank(rt, len);
        pack(dst, src, n, k, k);
        expect(get(rt, dst, len)).toEqual(packRef(w, n, k, nr));
        expect(get(rt, dst + len * 4, 8)).toEqual(new Float32Array(8).fill(GUARD));
        rt.free(src);
        rt.free(dst);
      }
  });

  for (const variant of [layout.gemm, layout.scalar]) {
    it(`${variant}: every edge size, with and without bias, strided A and C, vs float64`, async () => {
      const rt = await runtimeFor(build);
      const gemm = kernel(rt, variant);
      const pack = kernel(rt, layout.pack);
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
              const wp = blank(rt, Math.ceil(n / nr) * nr * k);
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

  // K chunks: KC = 256 columns for a block of MC = 64 rows; a block of fewer (4-row multiples)
  // takes all the columns the A buffer holds, MC * KC / rows (4096 for 4 rows, 2048 for 8, 1365 for 12)
  const blocking = [
    ...[63, 64, 65, 130].flatMap((m) => [255, 256, 257, 600].map((k) => [m, k])),
    ...[[4, 4096], [5, 4097], [8, 2047], [8, 2048], [9, 2049], [13, 1365], [12, 1366], [8, 4097]],
  ];
  it(`cache-blocking edges (MC rows, K chunks): ${layout.gemm} == ${layout.scalar}, vs float64`, async () => {
    const rt = await runtimeFor(build);
    const pack = kernel(rt, layout.pack);
    for (const [m, k] of blocking)
        for (const n of [9, 24, 25, 33]) {
          const a = rand(m + k, m * k, -1, 1);
          const w = rand(n + k, n * k, -1, 1);
          const bias = rand(n, n, -1, 1);
          const ap = put(rt, a);
          const wsrc = put(rt, w);
          const wp = blank(rt, Math.ceil(n / nr) * nr * k);
          pack(wp, wsrc, n, k, k);
          const bp = put(rt, bias, 0);
          const c1 = blank(rt, m * n);
          const c2 = blank(rt, m * n);
          kernel(rt, layout.gemm)(c1, ap, wp, bp, m, n, k, k, n);
          kernel(rt, layout.scalar)(c2, ap, wp, bp, m, n, k, k, n);
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

  it(`${layout.gemm} agrees with ${layout.scalar} within rounding on a large shape`, async () => {
    const rt = await runtimeFor(build);
    const pack = kernel(rt, layout.pack);
    const [m, n, k] = [37, 70, 129];
    const a = rand(1, m * k);
    const w = rand(2, n * k);
    const ap = put(rt, a);
    const wsrc = put(rt, w);
    const wp = blank(rt, Math.ceil(n / nr) * nr * k);
    pack(wp, wsrc, n, k, k);
    const c1 = blank(rt, m * n);
    const c2 = blank(rt, m * n);
    kernel(rt, layout.gemm)(c1, ap, wp, 0, m, n, k, k, n);
    kernel(rt, layout.scalar)(c2, ap, wp, 0, m, n, k, k, n);
    const x = get(rt, c1, m * n);
    const y = get(rt, c2, m * n);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(k * 2 ** -20);
    // mul then add in both (no FMA outside the relaxed build), same order: bitwise equal
    if (build !== 'relaxed') expect(x).toEqual(y);
    for (const p of [ap, wsrc, wp, c1, c2]) rt.free(p);
  });
});

describe.each(builds)('panel layouts agree [%s build]', (build) => {
  it('f32_gemm_nr32 on x32_packw_x32 panels == f32_gemm on x32_packw_x8 panels, bitwise, for every M', async () => {
    // one summation order in every kernel of both layouts: the layout never changes a result
    const rt = await runtimeFor(build);
    for (const [m, n, k] of [[1, 1024, 256], [1, 100, 33], [2, 96, 64], [5, 65, 17], [8, 64, 300], [67, 40, 260]]) {
      const a = rand(m * 3 + n + k, m * k, -1, 1);
      const w = rand(n * 7 + k, n * k, -1, 1);
      const bias = rand(n + 5, n, -1, 1);
      const ap = put(rt, a);
      const wsrc = put(rt, w);
      const bp = put(rt, bias, 0);
      const w8 = blank(rt, Math.ceil(n / 8) * 8 * k);
      const w32 = blank(rt, Math.ceil(n / 32) * 32 * k);
      kernel(rt, 'x32_packw_x8')(w8, wsrc, n, k, k);
      kernel(rt, 'x32_packw_x32')(w32, wsrc, n, k, k);
      const c8 = blank(rt, m * n);
      const c32 = blank(rt, m * n);
      kernel(rt, 'f32_gemm')(c8, ap, w8, bp, m, n, k, k, n);
      kernel(rt, 'f32_gemm_nr32')(c32, ap, w32, bp, m, n, k, k, n);
      const x = get(rt, c8, m * n);
      expect(get(rt, c32, m * n), `${m}x${n}x${k}`).toEqual(x);
      const ref = gemmRef(a, w, bias, m, n, k, k);
      for (let i = 0; i < m * n; i++) expect(Math.abs(x[i] - ref[i])).toBeLessThan(k * 2 ** -21);
      for (const p of [ap, wsrc, bp, w8, w32, c8, c32]) rt.free(p);
    }
  });

  it('recurrent_panel_width: 32 up to 1 MiB of packed W_hh, 8 above', async () => {
    const rt = await runtimeFor(build);
    const width = kernel(rt, 'recurrent_panel_width') as unknown as (n: number, k: number) => number;
    expect(width(1024, 256)).toBe(32); // exactly 1 MiB (W1)
    expect(width(768, 256)).toBe(32);
    expect(width(1025, 256)).toBe(8); // padded to 1056 columns: over 1 MiB
    expect(width(2048, 512)).toBe(8);
    expect(width(4, 1)).toBe(32);
    expect(width(2 ** 30, 2 ** 30)).toBe(8); // no i32 overflow
    expect(width(2 ** 31 - 1, 1)).toBe(8); // n + 31 computed in i64
  });
});
