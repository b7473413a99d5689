/**
 * The training contract of the recurrent layers beyond the gradient values
 * (recurrent-grad.test.ts): the Trainable blocks an optimizer updates in place (padding with a
 * zero gradient, derived values recomputed by parametersChanged, addresses kept across
 * loadStateDict), zeroGrad, and bad input: each a typed RnnError naming what is wrong, with no
 * gradient changed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, RnnError, ready, type Tensor } from '../../src/index.js';
import { runtime } from '../../bindings/wasm.js';
import { rand } from '../helpers/kernels.js';

beforeAll(async () => {
  await ready({ training: true });
});

const tensor = (seed: number, shape: number[], lo = -1, hi = 1): Tensor<Float32Array> => ({
  data: rand(seed, shape.reduce((a, b) => a * b, 1), lo, hi),
  shape,
});

function throwsCode(f: () => unknown, code: string, text: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(RnnError);
  expect((err as RnnError).code).toBe(code);
  expect((err as RnnError).message).toMatch(text);
}

/**
 * A parameter's gradient block, padding included, as its sorted non-zero values, and the same of
 * its PyTorch-layout readout: equal when the padding holds only zeros.
 */
function blockValues(layer: LSTM | GRU | RNN): Array<[string, number[], number[]]> {
  const rt = runtime();
  const nonZero = (a: Float32Array) => Array.from(a).filter((v) => v !== 0).sort((x, y) => x - y);
  return layer.parameters().map((p) => [p.name, nonZero(rt.f32(p.gradPtr, p.length)), nonZero(p.readGrad())]);
}

const snapshot = (layer: LSTM | GRU | RNN) => Object.fromEntries(Object.entries(layer.gradients()).map(([k, v]) => [k, Array.from(v.data)]));

describe('Trainable blocks of the recurrent layers', () => {
  it('parameters(): PyTorch names, shapes and order; values read back as stateDict', () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true, seed: 3 });
    const sd = layer.stateDict();
    const params = layer.parameters();
    expect(params.map((p) => p.name)).toEqual(Object.keys(sd));
    for (const p of params) {
      expect(p.shape).toEqual(sd[p.name].shape);
      expect(p.length).toBeGreaterThanOrEqual(p.shape.reduce((a, b) => a * b, 1));
      expect(p.readValue()).toEqual(sd[p.name].data);
    }
    layer.dispose();
  });

  it.each(['lstm', 'gru', 'rnn'])('%s: the packed padding gets a zero gradient; zeroGrad clears everything', (kind) => {
    // H = 5: the gate rows (20, 15, 5) and W_hr are not whole panels, so every matrix has padding
    const opts = { inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 4 };
    const layer = kind === 'lstm' ? new LSTM({ ...opts, projSize: 3 }) : kind === 'gru' ? new GRU(opts) : new RNN(opts);
    layer.forward(tensor(1, [4, 2, 3]), { train: true });
    layer.backward({ output: tensor(2, [4, 2, layer.bidirectional ? 2 * (kind === 'lstm' ? 3 : 5) : 5]) });
    for (const [name, raw, torchLayout] of blockValues(layer)) {
      expect(torchLayout.length, name).toBeGreaterThan(0);
      expect(raw, `${name}: padding holds non-zero gradient`).toEqual(torchLayout);
    }
    layer.zeroGrad();
    for (const [name, raw] of blockValues(layer)) expect(raw, name).toEqual([]);
    layer.dispose();
  });

  it.each(['lstm', 'gru', 'rnn'])('%s: an in-place update + parametersChanged() gives the layer those weights (summed bias and transposed weights follow)', (kind) => {
    const opts = { inputSize: 3, hiddenSize: 6, numLayers: 2, seed: 5 };
    const make = () => (kind === 'lstm' ? new LSTM(opts) : kind === 'gru' ? new GRU(opts) : new RNN(opts));
    const layer = make();
    const x = tensor(6, [5, 2, 3]);
    const g = tensor(7, [5, 2, 6]);
    const rt = runtime();
    for (let step = 0; step < 2; step++) {
      layer.forward(x, { train: true });
      layer.backward({ output: g });
      // an SGD step the way an optimizer makes it: one loop over value and gradient blocks
      for (const p of layer.parameters()) {
        const v = rt.f32(p.valuePtr, p.length);
        const d = rt.f32(p.gradPtr, p.length);
        for (let i = 0; i < p.length; i++) v[i] -= 0.5 * d[i];
      }
      layer.parametersChanged();
      layer.zeroGrad();
    }
    // a fresh layer holding the same weights gives the same floats, forward and backward
    const twin = make().loadStateDict(layer.stateDict());
    const a = layer.forward(x, { train: true });
    const b = twin.forward(x, { train: true });
    expect(a.output.data).toEqual(b.output.data);
    expect(layer.backward({ output: g }).x.data).toEqual(twin.backward({ output: g }).x.data);
    expect(snapshot(layer)).toEqual(snapshot(twin));
    layer.dispose();
    twin.dispose();
  });

  it('loadStateDict keeps the parameter blocks where they are (an optimizer holding them stays valid)', () => {
    const layer = new GRU({ inputSize: 2, hiddenSize: 4, seed: 1 });
    const before = layer.parameters().map((p) => [p.valuePtr, p.gradPtr]);
    const other = new GRU({ inputSize: 2, hiddenSize: 4, seed: 2 });
    layer.loadStateDict(other.stateDict());
    expect(layer.parameters().map((p) => [p.valuePtr, p.gradPtr])).toEqual(before);
    expect(layer.stateDict()).toEqual(other.stateDict());
    layer.dispose();
    other.dispose();
  });

  it('without train, forward keeps nothing: backward refuses', () => {
    const layer = new RNN({ inputSize: 2, hiddenSize: 3, seed: 1 });
    layer.forward(tensor(1, [3, 1, 2]));
    throwsCode(() => layer.backward({}), 'INVALID_INPUT', /no train-mode forward/);
    layer.dispose();
  });
});

describe('bad input to backward: a typed error, no gradient changed', () => {
  const setup = () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 9 });
    // a first pass, so that there are gradients that must stay as they are
    layer.forward(tensor(1, [3, 2, 3]), { train: true });
    layer.backward({ output: tensor(2, [3, 2, 4]) });
    layer.forward(tensor(3, [3, 2, 3]), { train: true, lengths: [3, 1] });
    return { layer, before: snapshot(layer) };
  };

  it.each([
    ['output of the wrong shape', { output: tensor(1, [3, 2, 5]) }, 'SHAPE_MISMATCH', /output/],
    ['h of the wrong shape', { h: tensor(1, [2, 3, 4]) }, 'SHAPE_MISMATCH', /\bh\b/],
    ['c of the wrong shape', { c: tensor(1, [2, 2]) }, 'SHAPE_MISMATCH', /\bc\b/],
    ['a float64 gradient', { h: { data: new Float64Array(16), shape: [2, 2, 4] } }, 'DTYPE_MISMATCH', /h/],
    ['a NaN in the output gradient', { output: { data: new Float32Array(24).fill(NaN, 5, 6), shape: [3, 2, 4] } }, 'INVALID_INPUT', /output has a non-finite value/],
    ['an infinite c gradient', { c: { data: new Float32Array(16).fill(Infinity), shape: [2, 2, 4] } }, 'INVALID_INPUT', /c has a non-finite/],
    ['an unknown key', { x: tensor(1, [3, 2, 3]) }, 'INVALID_OPTION', /unknown option 'x'/],
  ] as const)('%s', (_, grads, code, text) => {
    const { layer, before } = setup();
    throwsCode(() => layer.backward(grads as never), code, text);
    expect(snapshot(layer)).toEqual(before);
    // the forward's record is intact: a correct backward still runs
    layer.backward({ output: tensor(2, [3, 2, 4]) });
    expect(snapshot(layer)).not.toEqual(before);
    layer.dispose();
  });

  it('the output gradient at padded positions is ignored, NaN included', () => {
    const { layer } = setup();
    const g = tensor(5, [3, 2, 4]);
    const a = layer.backward({ output: g });
    layer.forward(tensor(3, [3, 2, 3]), { train: true, lengths: [3, 1] });
    const g2 = { data: g.data.slice(), shape: g.shape };
    // (t, b) = (1, 1) and (2, 1) are past length 1
    g2.data.fill(NaN, (1 * 2 + 1) * 4, (1 * 2 + 2) * 4);
    g2.data.fill(123, (2 * 2 + 1) * 4, (2 * 2 + 2) * 4);
    const b = layer.backward({ output: g2 });
    expect(b.x.data).toEqual(a.x.data);
    expect(b.h0.data).toEqual(a.h0.data);
    layer.dispose();
  });

  it('a second backward of one forward, and c for a GRU', () => {
    const { layer } = setup();
    layer.backward({});
    throwsCode(() => layer.backward({}), 'INVALID_INPUT', /backward already ran/);
    layer.dispose();
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, seed: 1 });
    gru.forward(tensor(1, [2, 1, 2]), { train: true });
    throwsCode(() => gru.backward({ c: tensor(1, [1, 1, 3]) }), 'INVALID_OPTION', /unknown option 'c'/);
    gru.dispose();
  });

  it('weights changed between forward and backward (parametersChanged, loadStateDict)', () => {
    for (const change of ['parametersChanged', 'loadStateDict'] as const) {
      const { layer, before } = setup();
      if (change === 'parametersChanged') layer.parametersChanged();
      else layer.loadStateDict(layer.stateDict());
      throwsCode(() => layer.backward({}), 'INVALID_INPUT', /weights changed/);
      expect(snapshot(layer)).toEqual(before);
      layer.dispose();
    }
  });

  it('train must be a boolean; a used-up layer says DISPOSED', () => {
    const layer = new RNN({ inputSize: 2, hiddenSize: 3, seed: 1 });
    throwsCode(() => layer.forward(tensor(1, [2, 1, 2]), { train: 1 as never }), 'INVALID_OPTION', /train must be a boolean/);
    layer.dispose();
    throwsCode(() => layer.backward({}), 'DISPOSED', /RNN/);
    throwsCode(() => layer.gradients(), 'DISPOSED', /RNN/);
  });

  it('a sequence whose kept activations exceed the wasm memory is OUT_OF_MEMORY, naming the per-step cost; nothing stays allocated', () => {
    const layer = new LSTM({ inputSize: 1, hiddenSize: 512, seed: 1 });
    const rt = runtime();
    layer.forward(tensor(1, [2, 1, 1]), { train: true }); // the trainer's gradients exist already
    const inUse = rt.bytesInUse;
    // (4H gates + h + c) floats a step: 12 KiB; 200,000 steps need 2.4 GB
    throwsCode(() => layer.forward({ data: new Float32Array(200_000), shape: [200_000, 1, 1] }, { train: true }), 'OUT_OF_MEMORY', /activations kept for backward \(T=200000, batch=1: 12\d{3} bytes a time step/);
    expect(rt.bytesInUse).toBe(inUse);
    throwsCode(() => layer.backward({}), 'INVALID_INPUT', /no train-mode forward/);
    layer.dispose();
  });
});
