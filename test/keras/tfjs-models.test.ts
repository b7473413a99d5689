/**
 * Models built and saved by real TF.js (cpu backend) against wasm-rnn's loadLayersModel: every
 * output of predict within 1e-5 of TF.js's, with the fast path on and off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadLayersModel } from '../../src/keras/index.js';
import type { Tensor } from '../../base/tensor.js';
import { Lcg, expectClose, randomizeWeights, save, tf, tfPredict, useCpu } from './tfjs.js';

beforeAll(async () => {
  await ready();
  await useCpu();
});

const B = 3;
const T = 6;
const F = 4;

type Inputs = (rng: Lcg) => Tensor[];
interface Case {
  name: string;
  build: () => tf.LayersModel;
  inputs: Inputs;
  /** Expected path of the recurrent layers with the fast path enabled. */
  paths?: ('fast' | 'general')[];
}

const floats: Inputs = (rng) => [{ data: rng.uniform(B * T * F, -2, 2), shape: [B, T, F] }];
/** Token ids with zeros: right padding, holes in the middle, left padding. */
const tokens =
  (kind: 'right' | 'middle' | 'left' | 'none'): Inputs =>
  (rng) => {
    const d = rng.ints(B * T, 9);
    for (let i = 0; i < d.length; i++) d[i] += 1;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const z = kind === 'right' ? t >= T - b - 1 && b > 0 : kind === 'left' ? t < b + 1 : kind === 'middle' ? (t + b) % 3 === 1 : false;
        if (z) d[b * T + t] = 0;
      }
    }
    return [{ data: d, shape: [B, T] }];
  };

const seq = (layers: tf.layers.Layer[], inputShape: number[] = [T, F]): tf.LayersModel => {
  const m = tf.sequential();
  layers.forEach((l, i) => {
    if (i === 0) {
      const inp = tf.input({ shape: inputShape });
      void inp;
    }
    m.add(l);
  });
  return m;
};

function rnn(kind: 'lstm' | 'gru' | 'simpleRNN', args: Record<string, unknown>, first = true): tf.layers.Layer {
  const a = { units: 5, ...args, ...(first ? { inputShape: [T, F] } : {}) };
  return kind === 'lstm' ? tf.layers.lstm(a as never) : kind === 'gru' ? tf.layers.gru(a as never) : tf.layers.simpleRNN(a as never);
}

const embed = (extra: Record<string, unknown> = {}) => tf.layers.embedding({ inputDim: 10, outputDim: F, maskZero: true, inputLength: T, ...extra });

const cases: Case[] = [];
for (const kind of ['lstm', 'gru', 'simpleRNN'] as const) {
  const sig = kind === 'simpleRNN' ? {} : { recurrentActivation: 'sigmoid' };
  cases.push(
    { name: `${kind} default activations`, build: () => seq([rnn(kind, {})]), inputs: floats },
    { name: `${kind} sigmoid, sequences`, build: () => seq([rnn(kind, { ...sig, returnSequences: true })]), inputs: floats, paths: [kind === 'gru' ? 'general' : 'fast'] },
    { name: `${kind} go_backwards sequences`, build: () => seq([rnn(kind, { ...sig, returnSequences: true, goBackwards: true })]), inputs: floats, paths: [kind === 'gru' ? 'general' : 'fast'] },
    { name: `${kind} no bias, relu`, build: () => seq([rnn(kind, { ...sig, useBias: false, activation: 'relu', returnSequences: true })]), inputs: floats },
    { name: `${kind} linear / hard_sigmoid`, build: () => seq([rnn(kind, { activation: 'linear', recurrentActivation: 'hardSigmoid', returnSequences: true })]), inputs: floats },
    { name: `${kind} elu / softsign`, build: () => seq([rnn(kind, { activation: 'elu', recurrentActivation: 'softsign' })]), inputs: floats },
  );
  for (const mask of ['right', 'middle', 'left'] as const) {
    for (const back of [false, true]) {
      cases.push({
        name: `${kind} mask ${mask}${back ? ' go_backwards' : ''}`,
        build: () => seq([embed({ inputShape: [T] }), rnn(kind, { ...sig, returnSequences: true, goBackwards: back }, false)]),
        inputs: tokens(mask),
      });
    }
  }
  for (const merge of ['concat', 'sum', 'mul', 'ave'] as const) {
    cases.push({
      name: `${kind} bidirectional ${merge}`,
      build: () => seq([tf.layers.bidirectional({ layer: rnn(kind, { ...sig, returnSequences: true }, false) as never, mergeMode: merge, inputShape: [T, F] })]),
      inputs: floats,
    });
  }
  cases.push(
    {
      name: `${kind} bidirectional masked (right), last step`,
      build: () => seq([embed({ inputShape: [T] }), tf.layers.bidirectional({ layer: rnn(kind, { ...sig }, false) as never })]),
      inputs: tokens('right'),
    },
    {
      name: `${kind} bidirectional masked (middle), sequences, hard_sigmoid`,
      build: () => seq([embed({ inputShape: [T] }), tf.layers.bidirectional({ layer: rnn(kind, { returnSequences: true }, false) as never, mergeMode: 'ave' })]),
      inputs: tokens('middle'),
    },
  );
}

// functional: Bidirectional merge None + return_state, encoder states into a decoder, two inputs and outputs
cases.push({
  name: 'functional: bidirectional merge None with states',
  build: () => {
    const x = tf.input({ shape: [T, F] });
    const outs = tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' }) as never, mergeMode: null as never }).apply(x) as tf.SymbolicTensor[];
    return tf.model({ inputs: x, outputs: outs });
  },
  inputs: floats,
});
cases.push({
  name: 'functional: encoder-decoder with initial_state, two inputs, Concatenate/Add/TimeDistributed',
  build: () => {
    const enc = tf.input({ shape: [T, F], name: 'enc' });
    const dec = tf.input({ shape: [T - 2], name: 'dec', dtype: 'int32' });
    const [, h, c] = tf.layers.lstm({ units: 5, returnState: true, recurrentActivation: 'sigmoid' }).apply(enc) as tf.SymbolicTensor[];
    const e = tf.layers.embedding({ inputDim: 10, outputDim: 3 }).apply(dec) as tf.SymbolicTensor;
    const d = tf.layers.lstm({ units: 5, returnSequences: true }).apply(e, { initialState: [h, c] }) as tf.SymbolicTensor;
    const td = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 5, activation: 'tanh' }) }).apply(d) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([d, td]) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate().apply([sum, d]) as tf.SymbolicTensor;
    const drop = tf.layers.dropout({ rate: 0.5 }).apply(cat) as tf.SymbolicTensor;
    const probs = tf.layers.dense({ units: 7, activation: 'softmax' }).apply(drop) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(probs) as tf.SymbolicTensor;
    const r = tf.layers.reshape({ targetShape: [-1, 7] }).apply(flat) as tf.SymbolicTensor;
    const act = tf.layers.activation({ activation: 'relu6' }).apply(r) as tf.SymbolicTensor;
    return tf.model({ inputs: [enc, dec], outputs: [act, h] });
  },
  inputs: (rng) => [floats(rng)[0], { data: rng.ints(B * (T - 2), 10), shape: [B, T - 2] }],
});
cases.push({
  name: 'Masking + GRU + Dense on the mask-carrying sequence',
  build: () => {
    const m = tf.sequential();
    m.add(tf.layers.masking({ maskValue: 0, inputShape: [T, F] }));
    m.add(tf.layers.gru({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }));
    m.add(tf.layers.dense({ units: 2 }));
    m.add(tf.layers.spatialDropout1d({ rate: 0.3 }));
    return m;
  },
  inputs: (rng) => {
    const x = floats(rng)[0];
    for (const [b, t] of [[0, 5], [1, 2], [1, 3], [2, 0]]) x.data.fill(0, (b * T + t) * F, (b * T + t + 1) * F);
    return [x];
  },
});
for (const act of ['elu', 'hardSigmoid', 'linear', 'relu', 'relu6', 'selu', 'sigmoid', 'softmax', 'softplus', 'softsign', 'tanh', 'swish', 'mish', 'gelu', 'gelu_new']) {
  cases.push({
    name: `Dense ${act}`,
    build: () => seq([tf.layers.dense({ units: 6, activation: act as never, inputShape: [T, F] })]),
    inputs: floats,
  });
}

describe('TF.js layers models', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const m = c.build();
      randomizeWeights(m, c.name.length * 7919 + 13);
      const rng = new Lcg(c.name.length * 31 + 7);
      const xs = c.inputs(rng);
      const want = tfPredict(m, xs);
      const saved = await save(m);
      m.dispose();
      for (const fastPath of [true, false]) {
        const model = loadLayersModel(JSON.stringify(saved.json), saved.weights, { fastPath });
        expect(model.writer).toBe('tfjs');
        if (fastPath && c.paths) expect(model.recurrentLayers.map((r) => r.path)).toEqual(c.paths);
        if (!fastPath) expect(model.recurrentLayers.every((r) => r.path === 'general')).toBe(true);
        const got = model.predict(xs.length === 1 ? xs[0] : xs);
        const gots = Array.isArray(got) ? got : [got];
        expect(gots.length).toBe(want.length);
        gots.forEach((g, i) => expectClose(g, want[i], 1e-5, `${c.name} output ${i} fastPath=${fastPath}`));
        model.dispose();
      }
    });
  }
});
