// The kernels of the recurrent backward at the edge sizes of their tiles, against float64
// references (and bitwise against the inference kernels where they must agree), on every build
// and for each kernel's dispatched variant and scalar twin:
//  - f32_wgrad_acc: C += A^T B into packed panels (8 and 32 wide); n around the 8-column slice and
//    the 32-wide panel, k around the 4-row tile and the 64-column block, r around the 128-row block;
//    the panels' padding must stay exactly zero
//  - f32_colsum_acc, f32_vacc: around the 4- and 16-lane loops
//  - x32_packw_t_x8: W^T's 8-wide panels from W's 8- or 32-wide panels, bitwise x32_packw_x8 of W^T
//  - the cells' row backward (LSTM, GRU, RNN tanh / relu) against the derivatives in float64
//  - the train-mode cells: bitwise the inference cells' outputs, plus the activated gates
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor, kernel, put, blank, get, rand, GUARD, sigmoid64 } from '../helpers/kernels.js';

const HS = [1, 3, 4, 5, 7, 8, 9, 33];
const VARIANTS = ['', '__scalar'];

/** Float offset of W[row][kk] in `nr`-wide panels of a [n, k] matrix. */
const panelAt = (row: number, kk: number, k: number, nr: number) => (row - (row % nr)) * k + (row % nr) + kk * nr;
const panelsLength = (n: number, k: number, nr: number) => Math.ceil(n / nr) * nr * k;

describe.each(builds)('training kernels [%s build]', (build) => {
  for (const variant of VARIANTS) {
    it(`f32_wgrad_acc${variant}: C += A^T B into packed panels, padding untouched`, async () => {
      const rt = await runtimeFor(build, true);
      const f = kernel(rt, `f32_wgrad_acc${variant}`);
      const shapes: Array<[number, number, number]> = [];
      for (const n of [1, 7, 8, 9, 31, 32, 33]) for (const k of [1, 3, 4, 5, 65]) shapes.push([n, k, 5]);
      for (const r of [1, 127, 128, 129, 300]) shapes.push([9, 6, r], [16, 64, r]);
      for (const [n, k, r] of shapes) {
        for (const nr of [8, 32]) {
          const lda = n + 2;
          const ldb = k + 1;
          const a = rand(n * 7 + r, r * lda);
          const b = rand(k * 3 + r, r * ldb);
          const len = panelsLength(n, k, nr);
          const c0 = new Float32Array(len);
          const init = rand(n + k, n * k);
          for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) c0[panelAt(i, j, k, nr)] = init[i * k + j];
          const [pc, pa, pb] = [put(rt, c0), put(rt, a), put(rt, b)];
          f(pc, pa, pb, n, k, r, lda, ldb, nr);
          const c = get(rt, pc, len + 8);
          const want = new Float64Array(len);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < k; j++) {
              let s = c0[panelAt(i, j, k, nr)];
              let mag = Math.abs(s);
              for (let q = 0; q < r; q++) {
                s += a[q * lda + i] * b[q * ldb + j];
                mag += Math.abs(a[q * lda + i] * b[q * ldb + j]);
              }
              const at = panelAt(i, j, k, nr);
              want[at] = 1; // marks a real element
              expect(Math.abs(c[at] - s), `n=${n} k=${k} r=${r} nr=${nr} (${i}, ${j})`).toBeLessThanOrEqual(1e-6 * mag + 1e-7);
            }
          }
          for (let i = 0; i < len; i++) if (!want[i]) expect(c[i], `padding at ${i} (n=${n} k=${k} nr=${nr})`).toBe(0);
          expect(c.subarray(len)).toEqual(new Float32Array(8).fill(GUARD));
          for (const p of [pc, pa, pb]) rt.free(p);
        }
      }
    });

    it(`f32_colsum_acc${variant} and f32_vacc${variant}`, async () => {
      const rt = await runtimeFor(build, true);
      const colsum = kernel(rt, `f32_colsum_acc${variant}`);
      const vacc = kernel(rt, `f32_vacc${variant}`);
      for (const cols of [1, 3, 4, 5, 15, 16, 17, 33]) {
        for (const rows of [1, 7]) {
          const lds = cols + 3;
          const src = rand(cols + rows, rows * lds);
          const d0 = rand(cols, cols);
          const [pd, ps] = [put(rt, d0), put(rt, src)];
          colsum(pd, ps, rows, cols, lds);
          const d = get(rt, pd, cols + 8);
          for (let j = 0; j < cols; j++) {
            let s = d0[j];
            for (let q = 0; q < rows; q++) s += src[q * lds + j];
            expect(Math.abs(d[j] - s), `colsum cols=${cols} rows=${rows} j=${j}`).toBeLessThanOrEqual(1e-6);
          }
          expect(d.subarray(cols)).toEqual(new Float32Array(8).fill(GUARD));
          rt.free(pd);
          rt.free(ps);
        }
        const a = rand(cols * 5, cols);
        const b = rand(cols * 5 + 1, cols);
        const [pa, pb] = [put(rt, a), put(rt, b)];
        vacc(pa, pb, cols);
        const out = get(rt, pa, cols + 8);
        // one float32 addition: exact against Math.fround
        for (let j = 0; j < cols; j++) expect(out[j]).toBe(Math.fround(a[j] + b[j]));
        expect(out.subarray(cols)).toEqual(new Float32Array(8).fill(GUARD));
        rt.free(pa);
        rt.free(pb);
      }
    });
  }

  it('x32_packw_t_x8: bitwise x32_packw_x8 of the transpose, from 8- and 32-wide panels', async () => {
    const rt = await runtimeFor(build, true);
    const packT = kernel(rt, 'x32_packw_t_x8');
    const pack8 = kernel(rt, 'x32_packw_x8');
    const pack32 = kernel(rt, 'x32_packw_x32');
    for (const n of [1, 7, 8, 9, 33]) {
      for (const k of [1, 5, 8, 9, 17]) {
        for (const nr of [8, 32]) {
          const w = rand(n * 31 + k, n * k);
          const wt = new Float32Array(k * n);
          for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) wt[j * n + i] = w[i * k + j];
          const [pw, pwt] = [put(rt, w), put(rt, wt)];
          const panels = blank(rt, panelsLength(n, k, nr));
          (nr === 32 ? pack32 : pack8)(panels, pw, n, k, k);
          const len = panelsLength(k, n, 8);
          expect(rt.exports.x32_packw_t_x8_size(n, k)).toBe(len);
          const [got, want] = [blank(rt, len), blank(rt, len)];
          packT(got, panels, n, k, nr);
          pack8(want, pwt, k, n, n);
          expect(get(rt, got, len + 8), `n=${n} k=${k} nr=${nr}`).toEqual(get(rt, want, len + 8));
          for (const p of [pw, pwt, panels, got, want]) rt.free(p);
        }
      }
    }
  });

  for (const variant of VARIANTS) {
    it(`f32_lstm_gates_train${variant} / f32_gru_gates_train${variant}: the inference cells' floats, and the gates`, async () => {
      const rt = await runtimeFor(build, true);
      for (const h of HS) {
        for (const cell of ['lstm', 'gru'] as const) {
          const g = cell === 'lstm' ? 4 : 3;
          const xp = rand(h * 11, g * h, -6, 6);
          const hh = rand(h * 11 + 1, g * h, -6, 6);
          const st = rand(h * 11 + 2, h, -2, 2);
          const run = (name: string) => {
            const [pxp, phh, pst, pout] = [put(rt, xp), put(rt, hh), put(rt, st), blank(rt, h)];
            kernel(rt, name)(pxp, phh, pst, pout, h);
            const r = { xp: get(rt, pxp, g * h), st: get(rt, pst, h), out: get(rt, pout, h + 8) };
            for (const p of [pxp, phh, pst, pout]) rt.free(p);
            return r;
          };
          const inf = run(`f32_${cell}_gates${variant}`);
          const tr = run(`f32_${cell}_gates_train${variant}`);
          expect(tr.out, `${cell} h=${h}`).toEqual(inf.out);
          expect(tr.st, `${cell} h=${h}`).toEqual(inf.st);
          for (let j = 0; j < h; j++) {
            const a = (q: number) => xp[q * h + j] + hh[q * h + j];
            const want = cell === 'lstm'
              ? [sigmoid64(a(0)), sigmoid64(a(1)), Math.tanh(a(2)), sigmoid64(a(3))]
              : [sigmoid64(a(0)), sigmoid64(a(1)), Math.tanh(xp[2 * h + j] + sigmoid64(a(0)) * hh[2 * h + j])];
            want.forEach((w, q) => expect(Math.abs(tr.xp[q * h + j] - w), `${cell} h=${h} gate ${q} j=${j}`).toBeLessThanOrEqual(2e-6));
          }
        }
      }
    });

    it(`cell row backward${variant}: LSTM, GRU, RNN tanh / relu against float64 derivatives`, async () => {
      const rt = await runtimeFor(build, true);
      for (const h of HS) {
        // LSTM: gates i, f, g, o in their ranges
        const gates = new Float32Array(4 * h);
        const u = rand(h * 13, 4 * h, 0.01, 0.99);
        gates.set(u);
        for (let j = 0; j < h; j++) gates[2 * h + j] = 2 * u[2 * h + j] - 1;
        const [cprev, cnew, dr, dc] = [rand(h + 1, h, -2, 2), rand(h + 2, h, -2, 2), rand(h + 3, h), rand(h + 4, h)];
        const ptrs = [put(rt, gates), put(rt, cprev), put(rt, cnew), put(rt, dr), put(rt, dc)];
        kernel(rt, `f32_lstm_gates_backward${variant}`)(...ptrs, h);
        const dg = get(rt, ptrs[0], 4 * h + 8);
        const dcOut = get(rt, ptrs[4], h);
        for (let j = 0; j < h; j++) {
          const [i, f, g, o] = [0, 1, 2, 3].map((q) => gates[q * h + j]);
          const tc = Math.tanh(cnew[j]);
          const dct = dc[j] + dr[j] * o * (1 - tc * tc);
          const want = [dct * g * i * (1 - i), dct * cprev[j] * f * (1 - f), dct * i * (1 - g * g), dr[j] * tc * o * (1 - o)];
          want.forEach((w, q) => expect(Math.abs(dg[q * h + j] - w), `lstm h=${h} gate ${q} j=${j}`).toBeLessThanOrEqual(1e-6));
          expect(Math.abs(dcOut[j] - dct * f), `lstm dc h=${h} j=${j}`).toBeLessThanOrEqual(1e-6);
        }
        expect(dg.subarray(4 * h)).toEqual(new Float32Array(8).fill(GUARD));
        ptrs.forEach((p) => rt.free(p));

        // GRU: r, z in (0, 1), n in (-1, 1)
        const gg = rand(h * 17, 3 * h, 0.01, 0.99);
        for (let j = 0; j < h; j++) gg[2 * h + j] = 2 * gg[2 * h + j] - 1;
        const [hh, hprev, dh] = [rand(h + 5, 3 * h, -2, 2), rand(h + 6, h), rand(h + 7, h)];
        const q = [put(rt, gg), put(rt, hh), put(rt, hprev), put(rt, dh), blank(rt, h)];
        kernel(rt, `f32_gru_gates_backward${variant}`)(...q, h);
        const [dgi, dgh, dhz] = [get(rt, q[0], 3 * h), get(rt, q[1], 3 * h), get(rt, q[4], h + 8)];
        for (let j = 0; j < h; j++) {
          const [r, z, n] = [gg[j], gg[h + j], gg[2 * h + j]];
          const an = dh[j] * (1 - z) * (1 - n * n);
          const ar = an * hh[2 * h + j] * r * (1 - r);
          const az = dh[j] * (hprev[j] - n) * z * (1 - z);
          [ar, az, an].forEach((w, k) => expect(Math.abs(dgi[k * h + j] - w), `gru ih h=${h} ${k} j=${j}`).toBeLessThanOrEqual(1e-6));
          [ar, az, an * r].forEach((w, k) => expect(Math.abs(dgh[k * h + j] - w), `gru hh h=${h} ${k} j=${j}`).toBeLessThanOrEqual(1e-6));
          expect(Math.abs(dhz[j] - dh[j] * z)).toBeLessThanOrEqual(1e-6);
        }
        expect(dhz.subarray(h)).toEqual(new Float32Array(8).fill(GUARD));
        q.forEach((p) => rt.free(p));

        // RNN: tanh' from h_t, relu' = [h_t > 0] (zero at 0, as threshold_backward)
        for (const act of ['tanh', 'relu'] as const) {
          const hn = rand(h * 19, h, act === 'tanh' ? -0.99 : -1, 0.99);
          if (act === 'relu') hn[0] = 0;
          const d = rand(h * 19 + 1, h);
          const pr = [blank(rt, h), put(rt, hn), put(rt, d)];
          kernel(rt, `f32_rnn_${act}_backward${variant}`)(...pr, h);
          const da = get(rt, pr[0], h + 8);
          for (let j = 0; j < h; j++) {
            const w = act === 'tanh' ? d[j] * (1 - hn[j] * hn[j]) : hn[j] > 0 ? d[j] : 0;
            expect(Math.abs(da[j] - w), `${act} h=${h} j=${j}`).toBeLessThanOrEqual(1e-6);
          }
          expect(da.subarray(h)).toEqual(new Float32Array(8).fill(GUARD));
          pr.forEach((p) => rt.free(p));
        }
      }
    });
  }
});
