// The models and the deterministic training runs behind test/fixtures/train/roundtrip-*: shared by
// tools/train-roundtrip.mjs (which trains them and writes the fixtures) and by
// test/train/torch-roundtrip.test.ts (which trains them again and compares). Plain JS taking the
// library as an argument, so that the tool can pass dist/ and the test src/.
//
// Three Sequentials, each a few optimizer steps from seeded initial weights on seeded batches:
//   lstm  Embedding(16, 6) -> LSTM(6, 10, numLayers 2, bidirectional, projSize 4) -> Linear(8, 16),
//         time-major, cross-entropy, Adam (lr 1e-2), clip norm 1
//   gru   Embedding(16, 6) -> GRU(6, 10, numLayers 2, batchFirst) -> Linear(10, 16),
//         cross-entropy, AdamW (lr 1e-2)
//   rnn   RNN(5, 8, relu, bidirectional, bias false, batchFirst) -> Linear(16, 3), MSE,
//         RMSprop (lr 1e-2, momentum 0.5)
// The optimizer-state fixtures (test/fixtures/train/optstate-*) train the lstm model with each of
// OPTIMIZER_CONFIGS instead.

export const VOCAB = 16;
export const STEPS = 4;
export const T = 7;
export const B = 3;

/** Model name -> { layers(lib): [name, layer][], kind: 'tokens' | 'float', loss, optimizer(lib, model) }. */
export const MODELS = {
  lstm: {
    kind: 'tokens',
    batchFirst: false,
    loss: 'crossEntropy',
    layers: (lib) => [
      ['emb', new lib.Embedding(VOCAB, 6, { seed: 11 })],
      ['lstm', new lib.LSTM({ inputSize: 6, hiddenSize: 10, numLayers: 2, bidirectional: true, projSize: 4, seed: 12 })],
      ['head', new lib.Linear(8, VOCAB, true, { seed: 13 })],
    ],
    optimizer: (lib, model) => new lib.Adam(model, { lr: 1e-2 }),
    clipNorm: 1,
  },
  gru: {
    kind: 'tokens',
    batchFirst: true,
    loss: 'crossEntropy',
    layers: (lib) => [
      ['emb', new lib.Embedding(VOCAB, 6, { seed: 21 })],
      ['gru', new lib.GRU({ inputSize: 6, hiddenSize: 10, numLayers: 2, batchFirst: true, seed: 22 })],
      ['head', new lib.Linear(10, VOCAB, true, { seed: 23 })],
    ],
    optimizer: (lib, model) => new lib.AdamW(model, { lr: 1e-2 }),
  },
  rnn: {
    kind: 'float',
    batchFirst: true,
    features: 5,
    outputs: 3,
    loss: 'mse',
    layers: (lib) => [
      ['rnn', new lib.RNN({ inputSize: 5, hiddenSize: 8, nonlinearity: 'relu', bidirectional: true, bias: false, batchFirst: true, seed: 31 })],
      ['head', new lib.Linear(16, 3, true, { seed: 32 })],
    ],
    optimizer: (lib, model) => new lib.RMSprop(model, { lr: 1e-2, momentum: 0.5 }),
  },
};

/**
 * Optimizer configurations of the optimizer-state round trip (PyTorch names its options the same
 * way apart from the case; tools/gen_optimizer_state_fixtures.py maps them).
 */
export const OPTIMIZER_CONFIGS = {
  adam: { cls: 'Adam', options: { lr: 1e-2, betas: [0.8, 0.99], weightDecay: 1e-3, amsgrad: true } },
  adamw: { cls: 'AdamW', options: { lr: 1e-2, weightDecay: 0.1 } },
  sgd: { cls: 'SGD', options: { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 } },
  sgd_nesterov: { cls: 'SGD', options: { lr: 0.1, momentum: 0.9, nesterov: true } },
  rmsprop: { cls: 'RMSprop', options: { lr: 1e-2, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 1e-3 } },
};

/** The k-th batch of a model: seeded token ids (targets: ids too) or seeded floats. */
export function batchOf(Rng, name, k) {
  const spec = MODELS[name];
  const r = new Rng(1000 * (Object.keys(MODELS).indexOf(name) + 1) + k);
  const shape = spec.batchFirst ? [B, T] : [T, B];
  if (spec.kind === 'tokens') {
    const ids = () => Int32Array.from({ length: T * B }, () => r.nextU32() % VOCAB);
    return { input: { data: ids(), shape }, target: { data: ids(), shape } };
  }
  const input = r.fillUniform(new Float32Array(T * B * spec.features), 1);
  const target = r.fillUniform(new Float32Array(T * B * spec.outputs), 1);
  return { input: { data: input, shape: [...shape, spec.features] }, target: { data: target, shape: [...shape, spec.outputs] } };
}

/** A fresh model of `name` with its seeded initial weights. */
export function buildModel(lib, name) {
  return new lib.Sequential(MODELS[name].layers(lib));
}

/** Trains model `name` from its seeded init for `steps` steps with its own optimizer (or `optimizer(model)`); returns { model, optimizer, losses }. */
export function train(lib, Rng, name, { steps = STEPS, optimizer } = {}) {
  const spec = MODELS[name];
  const model = buildModel(lib, name);
  const opt = optimizer ? optimizer(model) : spec.optimizer(lib, model);
  const batches = Array.from({ length: steps }, (_, k) => batchOf(Rng, name, k));
  const { losses } = lib.fit(model, batches, { loss: spec.loss, optimizer: opt, epochs: 1, clipNorm: spec.clipNorm });
  return { model, optimizer: opt, losses };
}

/** An optimizer of OPTIMIZER_CONFIGS[config] over `model`. */
export function makeOptimizer(lib, config, model) {
  const c = OPTIMIZER_CONFIGS[config];
  return new lib[c.cls](model, c.options);
}
