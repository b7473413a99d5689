/**
 * NaN and Inf in inputs and weights propagate as IEEE arithmetic says (as PyTorch computes them),
 * stay inside the batch item / model they belong to, and never crash. On every build.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../src/index.js';
import { ready, supportedBuilds } from '../../bindings/wasm.js';
import { referenceForward, type RefModule } from '../reference/recurrent-f64.js';
import { expectBitwise, randn, rng } from './helpers.js';

interface Case {
  name: string;
  module: RefModule;
  make: () => RecurrentLayer;
  cfg: { inputSize: number; hiddenSize: number; numLayers?: number; bidirectional?: boolean; projSize?: number; nonlinearity?: 'tanh' | 'relu' };
}

const cases: Case[] = [
  { name: 'LSTM', module: 'LSTM', cfg: { inputSize: 3, hiddenSize: 6, numLayers: 2 }, make: () => new LSTM({ inputSize: 3, hiddenSize: 6, numLayers: 2, seed: 1 }) },
  { name: 'LSTM proj', module: 'LSTM', cfg: { inputSize: 3, hiddenSize: 6, projSize: 3 }, make: () => new LSTM({ inputSize: 3, hiddenSize: 6, projSize: 3, seed: 2 }) },
  { name: 'GRU', module: 'GRU', cfg: { inputSize: 3, hiddenSize: 9, numLayers: 2 }, make: () => new GRU({ inputSize: 3, hiddenSize: 9, numLayers: 2, seed: 3 }) },
  { name: 'RNN tanh', module: 'RNN', cfg: { inputSize: 3, hiddenSize: 5 }, make: () => new RNN({ inputSize: 3, hiddenSize: 5, seed: 4 }) },
  { name: 'RNN relu', module: 'RNN', cfg: { inputSize: 3, hiddenSize: 5, nonlinearity: 'relu' }, make: () => new RNN({ inputSize: 3, hiddenSize: 5, nonlinearity: 'relu', seed: 5 }) },
  { name: 'GRU bidir', module: 'GRU', cfg: { inputSize: 3, hiddenSize: 4, bidirectional: true }, make: () => new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 6 }) },
];

const T = 5, B = 4;

/** Element classes must match: NaN where the reference is NaN, the same infinity, else close. */
function expectSameClasses(got: Float32Array, want: Float64Array, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) expect.fail(`${what}[${i}]: got ${g}, reference ${w}`);
    } else if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) expect.fail(`${what}[${i}]: got ${g}, reference ${w}`);
    } else if (Math.abs(g - w) > 1e-4 * (1 + Math.abs(w))) {
      expect.fail(`${what}[${i}]: got ${g}, reference ${w}`);
    }
  }
}

/** Rows [t, b] of a [T, B, F] output. */
function row(y: Float32Array, t: number, b: number): Float32Array {
  const F = y.length / (T * B);
  return y.subarray((t * B + b) * F, (t * B + b + 1) * F);
}

afterAll(async () => {
  await ready();
});

for (const build of supportedBuilds()) {
  describe(`build ${build}`, () => {
    for (const c of cases) {
      it(`${c.name}: NaN in one item's input poisons that item from that step on, nothing else`, async () => {
        await ready({ build });
        const layer = c.make();
        const other = new LSTM({ inputSize: 2, hiddenSize: 4, seed: 77 });
        const ox = { data: randn(3 * 2 * 2, rng(8)), shape: [3, 2, 2] };
        const otherRef = other.forward(ox).output.data;
        const I = c.cfg.inputSize;
        const clean = randn(T * B * I, rng(9));
        const ref = layer.forward({ data: clean, shape: [T, B, I] });
        const bad = clean.slice();
        const tBad = 2, bBad = 1;
        bad[(tBad * B + bBad) * I] = NaN;
        const y = layer.forward({ data: bad, shape: [T, B, I] });
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const got = row(y.output.data, t, b);
            if (b !== bBad) expectBitwise(got, row(ref.output.data, t, b), `item ${b} t ${t}`);
            else if (c.cfg.bidirectional) {
              // forward half NaN from tBad on, reverse half NaN up to tBad, the rest as before
              const Hd = got.length / 2;
              const refRow = row(ref.output.data, t, b);
              for (const [half, poisoned] of [[0, t >= tBad], [1, t <= tBad]] as const) {
                const g = got.subarray(half * Hd, (half + 1) * Hd);
                if (poisoned) expect(Array.from(g).every(Number.isNaN), `bidir item ${b} t ${t} half ${half}`).toBe(true);
                else expectBitwise(g, refRow.subarray(half * Hd, (half + 1) * Hd), `bidir item ${b} t ${t} half ${half}`);
              }
            }
            else if (t < tBad) expectBitwise(got, row(ref.output.data, t, b), `item ${b} before the NaN, t ${t}`);
            else expect(Array.from(got).every(Number.isNaN), `item ${b} t ${t}: ${Array.from(got)}`).toBe(true);
          }
        }
        // the other model in the runtime is untouched, and this one recovers on clean input
        expectBitwise(other.forward(ox).output.data, otherRef, 'other model');
        expectBitwise(layer.forward({ data: clean, shape: [T, B, I] }).output.data, ref.output.data, 'clean rerun');
        other.dispose();
        layer.dispose();
      });

      it(`${c.name}: NaN in padding past a length changes nothing`, async () => {
        await ready({ build });
        const layer = c.make();
        const I = c.cfg.inputSize;
        const lengths = [5, 2, 1, 3];
        const clean = randn(T * B * I, rng(10));
        for (let b = 0; b < B; b++) for (let t = lengths[b]; t < T; t++) clean.fill(0, (t * B + b) * I, (t * B + b + 1) * I);
        const ref = layer.forward({ data: clean, shape: [T, B, I] }, { lengths });
        const bad = clean.slice();
        for (let b = 0; b < B; b++) for (let t = lengths[b]; t < T; t++) bad.fill(t % 2 ? NaN : -Infinity, (t * B + b) * I, (t * B + b + 1) * I);
        const y = layer.forward({ data: bad, shape: [T, B, I] }, { lengths });
        expectBitwise(y.output.data, ref.output.data, 'output');
        expectBitwise(y.h.data, ref.h.data, 'h');
        layer.dispose();
      });

      if (c.cfg.nonlinearity !== 'relu') {
        // (the float64 reference maps relu(NaN) to 0; PyTorch and IEEE give NaN, checked above)
        it(`${c.name}: +-Inf inputs and NaN / Inf weights match IEEE float64 arithmetic`, async () => {
          await ready({ build });
          const layer = c.make();
          const I = c.cfg.inputSize;
          const r = rng(11);
          const x = randn(T * B * I, r);
          x[(1 * B + 0) * I + 1] = Infinity;
          x[(3 * B + 2) * I] = -Infinity;
          x[(0 * B + 3) * I + 2] = Infinity;
          x[(0 * B + 3) * I + 1] = -Infinity; // +inf and -inf in one frame
          const sd = layer.stateDict();
          const check = (what: string) => {
            const y = layer.forward({ data: x, shape: [T, B, I] });
            const want = referenceForward(c.module, c.cfg, sd, { data: x, shape: [T, B, I] });
            expectSameClasses(y.output.data, want.output.data, `${what} output`);
            expectSameClasses(y.h.data, want.h.data, `${what} h`);
            if (want.c) expectSameClasses(y.c!.data, want.c.data, `${what} c`);
          };
          check('inf inputs');
          // a NaN recurrent weight: NaN * 0 (h0 = 0) is NaN already at the first step, as in PyTorch
          sd.weight_hh_l0.data[0] = NaN;
          layer.loadStateDict(sd);
          check('NaN in weight_hh_l0');
          // an infinite input weight and an infinite bias
          sd.weight_hh_l0.data[0] = 0.25;
          sd.weight_ih_l0.data[1] = Infinity;
          sd.bias_hh_l0.data[sd.bias_hh_l0.data.length - 1] = -Infinity;
          layer.loadStateDict(sd);
          check('inf in weight_ih_l0 and bias_hh_l0');
          layer.dispose();
        });
      }
    }

    it('a stream fed NaN recovers after reset(); other states of the layer are unaffected', async () => {
      await ready({ build });
      const layer = new LSTM({ inputSize: 3, hiddenSize: 8, seed: 12 });
      const r = rng(13);
      const frames = Array.from({ length: 6 }, () => ({ data: randn(3, r), shape: [1, 3] }));
      const ref = layer.createState();
      const refOut = frames.map((f) => layer.step(f, ref).data);
      const poisoned = layer.createState();
      const bystander = layer.createState();
      for (let i = 0; i < 3; i++) {
        const y = layer.step({ data: new Float32Array([NaN, 0, Infinity]), shape: [1, 3] }, poisoned);
        expect(Array.from(y.data).every(Number.isNaN)).toBe(true);
        expectBitwise(layer.step(frames[i], bystander).data, refOut[i], `bystander step ${i}`);
      }
      poisoned.reset();
      frames.forEach((f, i) => expectBitwise(layer.step(f, poisoned).data, refOut[i], `after reset, step ${i}`));
      // a NaN state set explicitly propagates too, and set() back to clean values recovers
      const nanH = { data: new Float32Array(8).fill(NaN), shape: [1, 1, 8] };
      poisoned.set(nanH);
      expect(Array.from(layer.step(frames[0], poisoned).data).every(Number.isNaN)).toBe(true);
      layer.dispose();
    });
  });
}
