// Streaming: step() over N frames must equal forward() over the N-frame sequence, for every
// cell, stacks, batch > 1, after reset and after set, on every build.
import { describe, it, expect, beforeAll } from 'vitest';
import { ready, LSTM, GRU, RNN, RnnError, type RecurrentLayer, type Tensor } from '../src/index.js';
import { builds, rand, maxAbsDiff } from './helpers/kernels.js';

type Make = () => RecurrentLayer;
const cases: Array<[string, Make]> = [
  ['LSTM 1 layer', () => new LSTM({ inputSize: 5, hiddenSize: 7, seed: 1 })],
  ['LSTM 3 layers', () => new LSTM({ inputSize: 4, hiddenSize: 9, numLayers: 3, seed: 2 })],
  ['LSTM proj 2 layers', () => new LSTM({ inputSize: 6, hiddenSize: 10, projSize: 3, numLayers: 2, seed: 3 })],
  ['LSTM no bias', () => new LSTM({ inputSize: 3, hiddenSize: 8, bias: false, seed: 4 })],
  ['GRU 2 layers', () => new GRU({ inputSize: 5, hiddenSize: 17, numLayers: 2, seed: 5 })],
  ['RNN tanh 2 layers', () => new RNN({ inputSize: 5, hiddenSize: 4, numLayers: 2, seed: 6 })],
  ['RNN relu', () => new RNN({ inputSize: 2, hiddenSize: 13, nonlinearity: 'relu', seed: 7 })],
];

function frame(x: Tensor<Float32Array>, t: number, batch: number, inSize: number): Tensor<Float32Array> {
  const n = batch * inSize;
  return { data: x.data.slice(t * n, (t + 1) * n), shape: [batch, inSize] };
}

describe.each(builds)('streaming [%s build]', (build) => {
  beforeAll(async () => {
    await ready({ build });
  });

  describe.each(cases)('%s', (_name, make) => {
    for (const batch of [1, 3]) {
      it(`step x N == forward, batch ${batch}, then after reset, then after set`, () => {
        const layer = make();
        const T = 6;
        const x = { data: rand(batch * 31 + T, T * batch * layer.inputSize, -2, 2), shape: [T, batch, layer.inputSize] };
        const full = layer.forward(x);
        const state = layer.createState({ batch });
        const p = full.output.shape[2];
        const run = () => {
          const outs: Float32Array[] = [];
          for (let t = 0; t < T; t++) outs.push(layer.step(frame(x, t, batch, layer.inputSize), state).data);
          return outs;
        };
        const check = (outs: Float32Array[], ref: typeof full) => {
          for (let t = 0; t < T; t++) {
            expect(maxAbsDiff(outs[t], ref.output.data.subarray(t * batch * p, (t + 1) * batch * p))).toBeLessThanOrEqual(1e-6);
          }
          const st = state.get();
          expect(st.h.shape).toEqual(ref.h.shape);
          expect(maxAbsDiff(st.h.data, ref.h.data)).toBeLessThanOrEqual(1e-6);
          if (ref.c) expect(maxAbsDiff(st.c!.data, ref.c.data)).toBeLessThanOrEqual(1e-6);
        };
        check(run(), full);
        state.reset();
        check(run(), full);
        // set: continue from given states, equal to forward with h0 / c0
        const h0 = { data: rand(77, full.h.data.length, -1, 1), shape: full.h.shape };
        const c0 = full.c ? { data: rand(78, full.c.data.length, -1, 1), shape: full.c.shape } : undefined;
        state.set(h0, c0);
        check(run(), layer.forward(x, { h0, c0 }));
        state.dispose();
        layer.dispose();
      });
    }
  });

  it('a view output aliases wasm memory and is overwritten by the next step; a copy is not', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 9 });
    const s = lstm.createState();
    const x = { data: new Float32Array([1, 2, 3]), shape: [1, 3] };
    const v = lstm.step(x, s, { view: true });
    const first = v.data.slice();
    const copy = lstm.step(x, s);
    expect(Array.from(v.data)).toEqual(Array.from(copy.data)); // view now shows step 2
    expect(maxAbsDiff(first, copy.data)).toBeGreaterThan(0);
    // view steps reuse one tensor object per state (nothing allocated per step)
    const v2 = lstm.step(x, s, { view: true });
    expect(v2).toBe(v);
    expect(v2.shape).toEqual([1, 4]);
    lstm.dispose();
  });

  it('copyTo writes what get() returns into the caller\'s arrays; checks lengths and c', () => {
    const l = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 9 });
    const st = l.createState({ batch: 2 });
    l.step({ data: rand(5, 6, -1, 1), shape: [2, 3] }, st);
    const h = new Float32Array(2 * 2 * 4);
    const c = new Float32Array(2 * 2 * 4);
    st.copyTo(h, c);
    const got = st.get();
    expect(Array.from(h)).toEqual(Array.from(got.h.data));
    expect(Array.from(c)).toEqual(Array.from(got.c!.data));
    expect(() => st.copyTo(new Float32Array(3))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    const g = new GRU({ inputSize: 3, hiddenSize: 4 });
    const sg = g.createState();
    expect(() => sg.copyTo(new Float32Array(4), new Float32Array(4))).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    st.dispose();
    expect(() => st.copyTo(h, c)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    for (const x of [l, g]) x.dispose();
  });

  it('errors: bidirectional, foreign state, wrong frame shape, disposed state and layer', () => {
    const bi = new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true });
    expect(() => bi.createState()).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    const a = new GRU({ inputSize: 2, hiddenSize: 3 });
    const b = new GRU({ inputSize: 2, hiddenSize: 3 });
    const sb = b.createState({ batch: 2 });
    const x = { data: new Float32Array(4), shape: [2, 2] };
    expect(() => a.step(x, sb)).toThrow(/not created by this layer/);
    expect(() => b.step({ data: new Float32Array(2), shape: [1, 2] }, sb)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => b.step({ data: new Float32Array(2), shape: [1, 2] }, sb)).toThrow(/expected shape \[2, 2\]/);
    expect(() => sb.set({ data: new Float32Array(3), shape: [1, 1, 3] })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => b.createState({ batch: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    sb.dispose();
    expect(() => b.step(x, sb)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    const sb2 = b.createState({ batch: 2 });
    b.dispose();
    expect(() => sb2.get()).toThrow(RnnError); // disposing the layer disposes its states
    for (const l of [bi, a]) l.dispose();
  });

  it('a state survives loadStateDict (it follows the new weights)', () => {
    const l1 = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 1 });
    const l2 = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 2 });
    const s = l1.createState();
    const x = { data: new Float32Array([0.5, -1, 2]), shape: [1, 3] };
    l1.loadStateDict(l2.stateDict());
    const y = l1.step(x, s);
    const ref = l2.forward({ data: x.data, shape: [1, 1, 3] });
    expect(maxAbsDiff(y.data, ref.output.data)).toBeLessThanOrEqual(1e-6);
    l1.dispose();
    l2.dispose();
  });
});
