// Fused gate kernels (one batch row) at edge sizes of the 4-lane tile (H = 1, 3, 4, 5, 7, 8, 9,
// 33) against float64 PyTorch equations, and the dispatched variant against the scalar one, on
// every build. Saturating pre-activations (|x| up to 30) are included.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor, kernel, put, blank, get, rand, GUARD, sigmoid64 } from '../helpers/kernels.js';

const HS = [1, 3, 4, 5, 7, 8, 9, 33];
const TOL = 2e-6; // activations <= ~1e-7 each, compounded through at most 3 products

describe.each(builds)('cell kernels [%s build]', (build) => {
  for (const variant of ['', '__scalar']) {
    it(`f32_lstm_gates${variant}`, async () => {
      const rt = await runtimeFor(build);
      const f = kernel(rt, `f32_lstm_gates${variant}`);
      for (const h of HS) {
        for (const scale of [1, 30]) {
          const xp = rand(h, 4 * h, -scale, scale);
          const hh = rand(h + 1, 4 * h, -scale, scale);
          const c = rand(h + 2, h, -3, 3);
          const [pxp, phh, pc, pout] = [put(rt, xp), put(rt, hh), put(rt, c), blank(rt, h)];
          f(pxp, phh, pc, pout, h);
          const cOut = get(rt, pc, h + 8);
          const hOut = get(rt, pout, h + 8);
          for (let j = 0; j < h; j++) {
            const g = (k: number) => xp[k * h + j] + hh[k * h + j];
            const cn = sigmoid64(g(1)) * c[j] + sigmoid64(g(0)) * Math.tanh(g(2));
            expect(Math.abs(cOut[j] - cn), `c h=${h} j=${j}`).toBeLessThanOrEqual(TOL * (1 + Math.abs(cn)));
            const hn = sigmoid64(g(3)) * Math.tanh(cOut[j]);
            expect(Math.abs(hOut[j] - hn), `h h=${h} j=${j}`).toBeLessThanOrEqual(TOL);
          }
          expect(cOut.subarray(h)).toEqual(new Float32Array(8).fill(GUARD));
          expect(hOut.subarray(h)).toEqual(new Float32Array(8).fill(GUARD));
          for (const p of [pxp, phh, pc, pout]) rt.free(p);
        }
      }
    });

    it(`f32_gru_gates${variant} (also in place: hout == hprev)`, async () => {
      const rt = await runtimeFor(build);
      const f = kernel(rt, `f32_gru_gates${variant}`);
      for (const h of HS) {
        for (const inPlace of [false, true]) {
          const xp = rand(h * 3, 3 * h, -4, 4);
          const hh = rand(h * 3 + 1, 3 * h, -4, 4);
          const hp = rand(h * 3 + 2, h, -1, 1);
          const [pxp, phh, php] = [put(rt, xp), put(rt, hh), put(rt, hp)];
          const pout = inPlace ? php : blank(rt, h);
          f(pxp, phh, php, pout, h);
          const out = get(rt, pout, h + 8);
          for (let j = 0; j < h; j++) {
            const r = sigmoid64(xp[j] + hh[j]);
            const z = sigmoid64(xp[h + j] + hh[h + j]);
            const n = Math.tanh(xp[2 * h + j] + r * hh[2 * h + j]);
            expect(Math.abs(out[j] - ((1 - z) * n + z * hp[j])), `h=${h} j=${j}`).toBeLessThanOrEqual(TOL);
          }
          expect(out.subarray(h)).toEqual(new Float32Array(8).fill(GUARD));
          for (const p of new Set([pxp, phh, php, pout])) rt.free(p);
        }
      }
    });

    for (const act of ['tanh', 'relu']) {
      it(`f32_rnn_${act}${variant}`, async () => {
        const rt = await runtimeFor(build);
        const f = kernel(rt, `f32_rnn_${act}${variant}`);
        for (const h of HS) {
          const xp = rand(h * 5, h, -5, 5);
          const hh = rand(h * 5 + 1, h, -5, 5);
          const [pxp, phh, pout] = [put(rt, xp), put(rt, hh), blank(rt, h)];
          f(pxp, phh, pout, h);
          const out = get(rt, pout, h + 8);
          for (let j = 0; j < h; j++) {
            const s = Math.fround(xp[j] + hh[j]);
            const want = act === 'tanh' ? Math.tanh(s) : Math.max(s, 0);
            expect(Math.abs(out[j] - want), `h=${h} j=${j}`).toBeLessThanOrEqual(act === 'relu' ? 0 : 1e-7);
          }
          expect(out.subarray(h)).toEqual(new Float32Array(8).fill(GUARD));
          for (const p of [pxp, phh, pout]) rt.free(p);
        }
      });
    }
  }

  it('dispatched cell kernels agree with their scalar references within 2 ulp-ish', async () => {
    const rt = await runtimeFor(build);
    const h = 37;
    const xp = rand(1, 4 * h, -6, 6);
    const hh = rand(2, 4 * h, -6, 6);
    const c = rand(3, h, -2, 2);
    const outs: Float32Array[] = [];
    for (const v of ['', '__scalar']) {
      const [pxp, phh, pc, pout] = [put(rt, xp), put(rt, hh), put(rt, c), blank(rt, h)];
      kernel(rt, `f32_lstm_gates${v}`)(pxp, phh, pc, pout, h);
      outs.push(get(rt, pout, h));
      for (const p of [pxp, phh, pc, pout]) rt.free(p);
    }
    for (let j = 0; j < h; j++) expect(Math.abs(outs[0][j] - outs[1][j])).toBeLessThanOrEqual(5e-7);
    if (build === 'scalar') expect(outs[0]).toEqual(outs[1]);
  });

  it('NaN propagates through the gates and never leaks to neighbours', async () => {
    const rt = await runtimeFor(build);
    const h = 9;
    const xp = rand(4, 4 * h);
    xp[2 * h + 5] = NaN; // g gate of unit 5
    const [pxp, phh, pc, pout] = [put(rt, xp), put(rt, new Float32Array(4 * h)), put(rt, new Float32Array(h)), blank(rt, h)];
    kernel(rt, 'f32_lstm_gates')(pxp, phh, pc, pout, h);
    const out = get(rt, pout, h);
    for (let j = 0; j < h; j++) expect(Number.isNaN(out[j])).toBe(j === 5);
    for (const p of [pxp, phh, pc, pout]) rt.free(p);
  });
});
