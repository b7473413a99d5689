// quantize(model, { weights: 'int8' }) on the library's own layers: what the copy stores (each
// matrix quantized per row: dequantized weights within half a step of the originals), that it
// computes what its stored weights say (a float32 layer loaded with the dequantized weights, up to
// the activations' quantization error, measured), memory, streaming, Sequential, and the errors.
// The int8 arithmetic itself is checked against PyTorch in recurrent-torch.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, quantize, LSTM, GRU, RNN, Linear, Embedding, Sequential, LastStep, type Tensor } from '../../src/index.js';
import { runtime } from '../../bindings/wasm.js';
import { codeOf, rng } from '../helpers/common.js';

beforeAll(async () => {
  await ready();
});

function randn(n: number, r: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Each weight of `q` is within half a quantization step of the original (step = max |row| / 127). */
function expectRowQuantized(orig: Tensor<Float32Array>, q: Tensor<Float32Array>, what: string): void {
  const [n, k] = orig.shape.length === 2 ? orig.shape : [1, orig.shape[0]];
  let exactlyEqual = true;
  for (let r = 0; r < n; r++) {
    let amax = 0;
    for (let c = 0; c < k; c++) amax = Math.max(amax, Math.abs(orig.data[r * k + c]));
    const step = amax / 127;
    for (let c = 0; c < k; c++) {
      const d = Math.abs(q.data[r * k + c] - orig.data[r * k + c]);
      expect(d, `${what}[${r}, ${c}]`).toBeLessThanOrEqual(step / 2 * (1 + 1e-6) + 1e-12);
      if (d !== 0) exactlyEqual = false;
    }
  }
  expect(exactlyEqual, `${what} is quantized, not copied`).toBe(false);
}

describe('quantize: recurrent layers', () => {
  const makers = {
    lstm: () => new LSTM({ inputSize: 12, hiddenSize: 24, numLayers: 2, bidirectional: true, projSize: 8, seed: 1 }),
    gru: () => new GRU({ inputSize: 12, hiddenSize: 24, numLayers: 2, batchFirst: true, seed: 2 }),
    rnn: () => new RNN({ inputSize: 12, hiddenSize: 24, nonlinearity: 'relu', seed: 3 }),
  };
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: per-row int8 weights, the same results as float32 up to the activations' quantization`, () => {
      const f = make();
      const q = quantize(f, { weights: 'int8' });
      expect(q.weights).toBe('int8');
      expect(f.weights).toBe('f32');
      const fsd = f.stateDict();
      const qsd = q.stateDict();
      expect(Object.keys(qsd)).toEqual(Object.keys(fsd));
      for (const key of Object.keys(fsd)) {
        if (key.startsWith('weight')) expectRowQuantized(fsd[key], qsd[key], `${name} ${key}`);
        else expect(qsd[key].data, `${name} ${key} stays float32`).toEqual(fsd[key].data);
      }
      // a float32 layer with the dequantized weights: the difference left is the activations'
      const T = 6;
      const B = 3;
      const x = { data: randn(T * B * 12, rng(4)), shape: f.batchFirst ? [B, T, 12] : [T, B, 12] };
      const deq = make().loadStateDict(qsd);
      const yq = q.forward(x).output.data;
      const yd = deq.forward(x).output.data;
      const yf = f.forward(x).output.data;
      const actErr = maxAbs(yq, yd);
      const totalErr = maxAbs(yq, yf);
      console.log(`${name}: int8 vs float32 with the same (dequantized) weights ${actErr.toExponential(2)}, vs the original float32 ${totalErr.toExponential(2)}`);
      expect(actErr).toBeGreaterThan(0);
      expect(actErr).toBeLessThan(0.05);
      expect(totalErr).toBeLessThan(0.08);
      // quantizing again changes nothing: the dequantized weights are on the grid
      const qq = quantize(q, { weights: 'int8' });
      expect(qq.forward(x).output.data).toEqual(yq);
      for (const m of [f, q, deq, qq]) m.dispose();
    });
  }

  it('an int8 layer takes a quarter of the float32 matrices\' wasm memory', () => {
    const rt = runtime();
    const before = rt.bytesInUse;
    const f = new LSTM({ inputSize: 256, hiddenSize: 512, seed: 5 });
    const fBytes = rt.bytesInUse - before;
    const q = quantize(f, { weights: 'int8' });
    const qBytes = rt.bytesInUse - before - fBytes;
    console.log(`LSTM(256, 512) wasm bytes: float32 ${fBytes}, int8 ${qBytes} (${(fBytes / qBytes).toFixed(2)}x smaller)`);
    expect(fBytes / qBytes).toBeGreaterThan(3.5);
    f.dispose();
    q.dispose();
    expect(rt.bytesInUse).toBe(before);
  });

  it('streams step by step (one step per call, each input quantized alone)', () => {
    const q = new LSTM({ inputSize: 5, hiddenSize: 16, numLayers: 2, seed: 6, weights: 'int8' });
    const f = new LSTM({ inputSize: 5, hiddenSize: 16, numLayers: 2, seed: 6 }).loadStateDict(q.stateDict());
    const state = q.createState();
    const fstate = f.createState();
    const r = rng(7);
    let worst = 0;
    for (let t = 0; t < 20; t++) {
      const x = { data: randn(5, r), shape: [1, 5] };
      worst = Math.max(worst, maxAbs(q.step(x, state).data, f.step(x, fstate).data));
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.05);
    state.dispose();
    fstate.dispose();
    q.dispose();
    f.dispose();
  });

  it('an int8 layer does not train: a typed UNSUPPORTED, nothing changed', () => {
    const emb = new Embedding(5, 3, { seed: 1, weights: 'int8' });
    expect(codeOf(() => emb.forward({ data: Int32Array.of(1, 2), shape: [2] }, { train: true }))).toBe('UNSUPPORTED');
    expect(codeOf(() => emb.parameters())).toBe('UNSUPPORTED');
    expect(emb.forward({ data: Int32Array.of(4), shape: [1] }).data).toEqual(emb.stateDict().weight.data.subarray(12, 15));
    emb.dispose();
    const q = new GRU({ inputSize: 4, hiddenSize: 8, seed: 8, weights: 'int8' });
    const x = { data: randn(2 * 4, rng(9)), shape: [2, 1, 4] };
    const before = q.forward(x).output.data;
    expect(codeOf(() => q.forward(x, { train: true }))).toBe('UNSUPPORTED');
    expect(codeOf(() => q.parameters())).toBe('UNSUPPORTED');
    expect(q.forward(x).output.data).toEqual(before);
    const lin = new Linear(4, 3, true, { weights: 'int8', seed: 1 });
    expect(codeOf(() => lin.forward({ data: new Float32Array(4), shape: [1, 4] }, { train: true }))).toBe('UNSUPPORTED');
    q.dispose();
    lin.dispose();
  });
});

describe('quantize: Linear and Sequential', () => {
  it('Linear: per-row int8 weight, results within the activations\' quantization of float32', () => {
    const f = new Linear(37, 70, true, { seed: 10 });
    const q = quantize(f, { weights: 'int8' });
    expectRowQuantized(f.stateDict().weight, q.stateDict().weight, 'Linear weight');
    expect(q.stateDict().bias.data).toEqual(f.stateDict().bias.data);
    const x = { data: randn(5 * 37, rng(11), 2), shape: [5, 37] };
    const deq = new Linear(37, 70, true).loadStateDict(q.stateDict());
    const err = maxAbs(q.forward(x).data, deq.forward(x).data);
    expect(err).toBeGreaterThan(0);
    expect(err).toBeLessThan(0.05);
    // loadStateDict re-quantizes new values
    q.loadStateDict(f.stateDict());
    expect(q.forward(x).data).toEqual(quantize(f, { weights: 'int8' }).forward(x).data);
    for (const m of [f, q, deq]) m.dispose();
  });

  it('Sequential (Embedding -> LSTM -> LastStep -> Linear): every matrix converted, forward and streaming steps', () => {
    const f = new Sequential([
      ['emb', new Embedding(20, 8, { seed: 1 })],
      ['lstm', new LSTM({ inputSize: 8, hiddenSize: 32, numLayers: 2, seed: 2 })],
      ['head', new Linear(32, 20, true, { seed: 3 })],
    ]);
    const q = quantize(f, { weights: 'int8' });
    const kinds = q.layers.map(({ name, layer }) => `${name}:${'weights' in layer ? (layer as { weights: string }).weights : 'table'}`);
    expect(kinds).toEqual(['emb:int8', 'lstm:int8', 'head:int8']);
    expectRowQuantized(f.stateDict()['emb.weight'], q.stateDict()['emb.weight'], 'Embedding table');
    const ids = { data: Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 20), shape: [6, 2] };
    const err = maxAbs(q.forward(ids).data, f.forward(ids).data);
    expect(err).toBeGreaterThan(0);
    expect(err).toBeLessThan(0.1);
    const sq = q.createState(1);
    const sf = f.createState(1);
    let worst = 0;
    for (let t = 0; t < 10; t++) worst = Math.max(worst, maxAbs(q.step([t % 20], sq).data, f.step([t % 20], sf).data));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.1);
    const withLast = new Sequential([new LSTM({ inputSize: 3, hiddenSize: 8, seed: 4 }), new LastStep(), new Linear(8, 2, true, { seed: 5 })]);
    const qLast = quantize(withLast, { weights: 'int8' });
    expect(qLast.forward({ data: randn(12, rng(6)), shape: [4, 1, 3] }).shape).toEqual([1, 2]);
    for (const m of [f, q, withLast, qLast]) m.dispose();
  });

  it('bad input: typed errors naming what is wrong', () => {
    const f = new Linear(3, 2, true, { seed: 1 });
    expect(codeOf(() => quantize(f, { weights: 'int4' as never }))).toBe('INVALID_OPTION');
    expect(codeOf(() => quantize(f, null as never))).toBe('INVALID_OPTION');
    expect(codeOf(() => quantize({} as never, { weights: 'int8' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => new LSTM({ inputSize: 2, hiddenSize: 3, weights: 'f16' as never }))).toBe('INVALID_OPTION');
    const bad = new Linear(3, 2, true, { seed: 1 });
    const sd = bad.stateDict();
    sd.weight.data[1] = NaN;
    const q = new Linear(3, 2, true, { weights: 'int8', seed: 1 });
    const before = q.stateDict().weight.data;
    expect(codeOf(() => q.loadStateDict(sd))).toBe('INVALID_INPUT');
    expect(q.stateDict().weight.data).toEqual(before);
    expect(codeOf(() => LSTM.fromStateDict(new LSTM({ inputSize: 2, hiddenSize: 3, seed: 1 }).stateDict(), { inputSize: 2, hiddenSize: 3, weights: 'int8' }))).toBe('ok');
    for (const m of [f, bad, q]) m.dispose();
  });
});
