// The recurrence driver's strides (assembly/recurrence.ts, through PackedRecurrent.run): the
// input projections read in time- or batch-major order, the output written as [T, B, D*P],
// [B, T, D*P] or ONNX's [T, D, B, P], a unidirectional stack run in reverse, and outputs in
// processing order (a negative time stride), states as [B, D, *] (a state row stride). At edge sizes of the 4-lane tile, with and without
// lengths, on every build: the time-major bidirectional run against the float64 PyTorch reference
// (test/reference), and every other layout bitwise equal to it, element for element.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor } from '../helpers/kernels.js';
import { Rng } from '../../base/random.js';
import { type CellKind, type LayerDirParams, type RecurrentSpec, parameterShapes } from '../../base/spec.js';
import { PackedRecurrent } from '../../bindings/recurrent.js';
import { referenceForward } from '../reference/recurrent-f64.js';

const CASES: Array<{ H: number; I: number; T: number; B: number; P?: number; lengths?: number[] }> = [
  { H: 1, I: 2, T: 1, B: 1 },
  { H: 3, I: 4, T: 5, B: 3, lengths: [5, 2, 1] },
  { H: 4, I: 1, T: 3, B: 2 },
  { H: 5, I: 3, T: 4, B: 2, lengths: [1, 4] },
  { H: 9, I: 7, T: 3, B: 1, P: 4 },
  { H: 33, I: 5, T: 2, B: 3, lengths: [2, 1, 2] },
];
const CELLS: CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];
const MODULE = { lstm: 'LSTM', gru: 'GRU', rnn_tanh: 'RNN', rnn_relu: 'RNN' } as const;

function randArray(r: Rng, n: number, scale = 0.6): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r.next() - 1) * scale;
  return out;
}

describe.each(builds)('recurrence driver strides [%s build]', (build) => {
  for (const cell of CELLS) {
    it(`${cell}: every layout and a reverse-only stack`, async () => {
      const rt = await runtimeFor(build);
      for (const [ci, c] of CASES.entries()) {
        const P = cell === 'lstm' && c.P ? c.P : c.H;
        const spec: RecurrentSpec = { cell, inputSize: c.I, hiddenSize: c.H, projSize: P === c.H ? 0 : P, numLayers: 1, numDirections: 2, bias: true };
        const r = new Rng(1000 * ci + CELLS.indexOf(cell));
        const params: LayerDirParams[] = [];
        const sd: Record<string, { data: Float32Array; shape: number[] }> = {};
        for (let d = 0; d < 2; d++) {
          const p: LayerDirParams = { wih: new Float32Array(0), whh: new Float32Array(0), bih: null, bhh: null, whr: null };
          for (const [field, name, shape] of parameterShapes(spec, 0, d)) {
            const a = randArray(r, shape.reduce((x, y) => x * y, 1));
            p[field] = a;
            sd[name] = { data: a, shape };
          }
          params.push(p);
        }
        const { T, B, I } = c;
        const x = randArray(r, T * B * I, 1.5); // [T, B, I]
        const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
        const what = `${cell} H${c.H} I${I} T${T} B${B} P${P}${lengths ? ` len[${c.lengths}]` : ''}`;

        const packed = PackedRecurrent.fromParams(spec, params, rt);
        const tbd = packed.run(x, T, B, { lengths });
        const ref = referenceForward(MODULE[cell], { inputSize: I, hiddenSize: c.H, bidirectional: true, projSize: spec.projSize, nonlinearity: cell === 'rnn_relu' ? 'relu' : 'tanh' }, sd, { data: x, shape: [T, B, I] }, { lengths: c.lengths });
        for (let i = 0; i < ref.output.data.length; i++) {
          expect(Math.abs(tbd.output[i] - ref.output.data[i]), `${what} output ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.output.data[i])));
        }
        for (let i = 0; i < ref.h.data.length; i++) expect(Math.abs(tbd.h[i] - ref.h.data[i]), `${what} h ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.h.data[i])));
        // element (t, b, d, p) of the time-major result
        const at = (t: number, b: number, d: number, p: number) => tbd.output[((t * B + b) * 2 + d) * P + p];

        const xbt = new Float32Array(x.length); // [B, T, I]
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) xbt.set(x.subarray((t * B + b) * I, (t * B + b + 1) * I), (b * T + t) * I);
        const btd = packed.run(xbt, T, B, { batchFirst: true, lengths }).output;
        const tdb = packed.run(x, T, B, { order: 'TDB', lengths }).output;
        const tdbFromBt = packed.run(xbt, T, B, { batchFirst: true, order: 'TDB', lengths }).output;
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            for (let d = 0; d < 2; d++) {
              for (let p = 0; p < P; p++) {
                const want = at(t, b, d, p);
                expect(btd[((b * T + t) * 2 + d) * P + p], `${what} BTD`).toBe(want);
                expect(tdb[((t * 2 + d) * B + b) * P + p], `${what} TDB`).toBe(want);
                expect(tdbFromBt[((t * 2 + d) * B + b) * P + p], `${what} TDB from [B, T, I]`).toBe(want);
              }
            }
          }
        }

        // states as [B, D, *] (ONNX layout 1): the driver's state row stride, the same bits as
        // [D, B, *] with the axes swapped, from given initial states
        const swapAxes = (s: Float32Array, n0: number, n1: number, w: number) => {
          const o = new Float32Array(s.length);
          for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) o.set(s.subarray((i * n1 + j) * w, (i * n1 + j + 1) * w), (j * n0 + i) * w);
          return o;
        };
        const h0 = randArray(r, 2 * B * P);
        const c0 = cell === 'lstm' ? randArray(r, 2 * B * c.H) : null;
        const dbh = packed.run(x, T, B, { order: 'TDB', h0, c0, lengths });
        const bdh = packed.run(xbt, T, B, { batchFirst: true, order: 'TDB', stateBatchFirst: true, h0: swapAxes(h0, 2, B, P), c0: c0 && swapAxes(c0, 2, B, c.H), lengths });
        expect(bdh.output, `${what} [B, D, *] states: output`).toEqual(dbh.output);
        expect(bdh.h, `${what} [B, D, *] states: h`).toEqual(swapAxes(dbh.h, 2, B, P));
        if (c0) expect(bdh.c, `${what} [B, D, *] states: c`).toEqual(swapAxes(dbh.c!, 2, B, c.H));

        // the reverse direction alone, as a unidirectional stack run in reverse: the same bits
        const rev = PackedRecurrent.fromParams({ ...spec, numDirections: 1 }, [params[1]], rt);
        const back = rev.run(x, T, B, { reverse: true, lengths });
        const backProcessing = rev.run(xbt, T, B, { batchFirst: true, reverse: true, timeReversedOutput: true, lengths }).output;
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            for (let p = 0; p < P; p++) {
              expect(back.output[(t * B + b) * P + p], `${what} reverse`).toBe(at(t, b, 1, p));
              expect(backProcessing[(b * T + (T - 1 - t)) * P + p], `${what} reverse, processing order`).toBe(at(t, b, 1, p));
            }
          }
        }
        expect(back.h).toEqual(tbd.h.subarray(B * P));
        rev.dispose();
        packed.dispose();
      }
    });
  }
});

describe('fromParams with a gate order (ONNX gate blocks packed in the canonical order)', () => {
  it('packs the same weights as the canonical params: by the packer where each gate is whole panels, by a reordered copy where not and for int8', async () => {
    const rt = await runtimeFor(builds[0]);
    const ORDER = { lstm: [0, 2, 3, 1], gru: [1, 0, 2] } as const;
    for (const cell of ['lstm', 'gru'] as const) {
      for (const H of [32, 8, 5]) {
        for (const format of ['f32', 'int8'] as const) {
          const spec: RecurrentSpec = { cell, inputSize: 7, hiddenSize: H, projSize: 0, numLayers: 1, numDirections: 1, bias: true };
          const r = new Rng(H + (cell === 'gru' ? 100 : 0));
          const G = ORDER[cell].length;
          const canonical: LayerDirParams = { wih: randArray(r, G * H * 7), whh: randArray(r, G * H * H), bih: randArray(r, G * H), bhh: randArray(r, G * H), whr: null };
          // given block ORDER[k] = canonical block k
          const given = (a: Float32Array) => {
            const out = new Float32Array(a.length);
            const size = a.length / G;
            ORDER[cell].forEach((o, k) => out.set(a.subarray(k * size, (k + 1) * size), o * size));
            return out;
          };
          const onnx: LayerDirParams = { wih: given(canonical.wih), whh: given(canonical.whh), bih: given(canonical.bih!), bhh: given(canonical.bhh!), whr: null };
          const a = PackedRecurrent.fromParams(spec, [canonical], rt, format);
          const b = PackedRecurrent.fromParams(spec, [onnx], rt, format, ORDER[cell]);
          expect(b.readParams(0), `${cell} H ${H} ${format}`).toEqual(a.readParams(0));
          a.dispose();
          b.dispose();
        }
      }
    }
    expect(() => PackedRecurrent.fromParams({ cell: 'lstm', inputSize: 1, hiddenSize: 1, projSize: 0, numLayers: 1, numDirections: 1, bias: false }, [{ wih: new Float32Array(4), whh: new Float32Array(4), bih: null, bhh: null, whr: null }], rt, 'f32', [0, 1, 1, 2])).toThrow(/gateOrder must be a permutation/);
  });
});
