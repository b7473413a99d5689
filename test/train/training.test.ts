/**
 * Training behaviour that needs no PyTorch run: shared storage between a layer and its
 * Sequential, gradient accumulation and zeroGrad, clipGradNorm against a float64 norm, dense
 * updates of Embedding rows without gradient, resuming an optimizer from its saved state (bitwise
 * the uninterrupted run), fit's control, and bad input: typed RnnErrors, nothing half-updated.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam, AdamW, Embedding, Linear, RMSprop, RnnError, SGD, Sequential, Softmax, clipGradNorm, crossEntropy, fit, mseLoss, ready,
  readSafetensors, writeSafetensors,
} from '../../src/index.js';
import type { Tensor } from '../../base/tensor.js';
import { Rng } from '../../base/random.js';

beforeAll(async () => {
  await ready({ training: true });
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof RnnError) return e.code;
    throw e;
  }
  return 'no error';
}

function floats(seed: number, n: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), 1);
}

function tokens(seed: number, n: number, v: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r.next() * v));
}

function charModel(seed = 1): Sequential {
  return new Sequential([
    ['emb', new Embedding(10, 4, { seed })],
    ['head', new Linear(4, 10, true, { seed })],
  ]);
}

function batch(seed: number): { input: Tensor; target: Tensor } {
  return { input: { data: tokens(seed, 12, 10), shape: [4, 3] }, target: { data: tokens(seed + 100, 12, 10), shape: [4, 3] } };
}

describe('gradients and storage', () => {
  it('a layer inside a Sequential shares its parameters and gradients with itself used directly', () => {
    const head = new Linear(4, 10, true, { seed: 3 });
    const model = new Sequential([['emb', new Embedding(10, 4, { seed: 3 })], ['head', head]]);
    const b = batch(1);
    const out = model.forward(b.input, { train: true });
    model.backward({ data: crossEntropy({ data: out.data, shape: [12, 10] }, { data: b.target.data, shape: [12] }).grad.data, shape: out.shape });
    expect(head.gradients().weight.data).toEqual(model.gradients()['head.weight'].data);
    expect(Object.keys(model.gradients())).toEqual(['emb.weight', 'head.weight', 'head.bias']);
    const before = head.stateDict().weight.data;
    new SGD(model, { lr: 0.5 }).step();
    expect(head.stateDict().weight.data).not.toEqual(before);
    expect(head.stateDict().weight.data).toEqual(model.stateDict()['head.weight'].data);
    model.dispose();
  });

  it('gradients accumulate across backward passes until zeroGrad', () => {
    const lin = new Linear(5, 3, true, { seed: 2 });
    const x = { data: floats(1, 10), shape: [2, 5] };
    const dy = { data: floats(2, 6), shape: [2, 3] };
    lin.forward(x, { train: true });
    const dx1 = lin.backward(dy);
    const g1 = lin.gradients();
    lin.forward(x, { train: true });
    const dx2 = lin.backward(dy);
    const g2 = lin.gradients();
    expect(dx2.data).toEqual(dx1.data);
    expect(g2.weight.data).toEqual(g1.weight.data.map((v) => v * 2));
    expect(g2.bias.data).toEqual(g1.bias.data.map((v) => v * 2));
    lin.zeroGrad();
    expect(Array.from(lin.gradients().weight.data).every((v) => v === 0)).toBe(true);
    lin.dispose();
  });

  it('Embedding.backward returns null and sums the rows of repeated ids', () => {
    const emb = new Embedding(5, 2, { seed: 1 });
    emb.forward({ data: Int32Array.of(3, 1, 3), shape: [3] }, { train: true });
    expect(emb.backward({ data: Float32Array.of(1, 2, 10, 20, 100, 200), shape: [3, 2] })).toBeNull();
    expect(Array.from(emb.gradients().weight.data)).toEqual([0, 0, 10, 20, 0, 0, 101, 202, 0, 0]);
    emb.dispose();
  });

  it('Softmax backward: y (dy - sum(dy y)) per row', () => {
    const sm = new Softmax();
    const x = { data: floats(5, 8), shape: [2, 4] };
    const y = sm.forward(x, { train: true }).data;
    const dy = floats(6, 8);
    const dx = sm.backward({ data: dy, shape: [2, 4] }).data;
    for (let r = 0; r < 2; r++) {
      let s = 0;
      for (let i = 0; i < 4; i++) s += dy[r * 4 + i] * y[r * 4 + i];
      for (let i = 0; i < 4; i++) expect(dx[r * 4 + i]).toBeCloseTo(y[r * 4 + i] * (dy[r * 4 + i] - s), 6);
    }
  });
});

describe('optimizers', () => {
  it('dense updates: an Embedding row without gradient decays under AdamW and does not move under SGD', () => {
    for (const [make, expected] of [
      [(m: Embedding) => new AdamW(m, { lr: 0.1, weightDecay: 0.5 }), (w: number) => Math.fround(w * Math.fround(1 - 0.1 * 0.5))],
      [(m: Embedding) => new SGD(m, { lr: 0.1 }), (w: number) => w],
    ] as const) {
      const emb = new Embedding(4, 3, { seed: 7 });
      const before = emb.stateDict().weight.data;
      const opt = make(emb);
      emb.forward({ data: Int32Array.of(0), shape: [1] }, { train: true });
      emb.backward({ data: Float32Array.of(1, 1, 1), shape: [1, 3] });
      opt.step();
      const after = emb.stateDict().weight.data;
      for (let i = 3; i < 12; i++) expect(after[i]).toBe(expected(before[i]));
      expect(after[0]).not.toBe(before[0]);
      opt.dispose();
      emb.dispose();
    }
  });

  it('Adam with momentum keeps moving a row whose gradient became zero', () => {
    const emb = new Embedding(2, 2, { seed: 8 });
    const opt = new Adam(emb, { lr: 0.1 });
    emb.forward({ data: Int32Array.of(1), shape: [1] }, { train: true });
    emb.backward({ data: Float32Array.of(1, -1), shape: [1, 2] });
    opt.step();
    const mid = emb.stateDict().weight.data;
    opt.zeroGrad();
    opt.step();
    const end = emb.stateDict().weight.data;
    expect(end[2]).toBeLessThan(mid[2]);
    expect(end[3]).toBeGreaterThan(mid[3]);
    expect(end[0]).toBe(mid[0]);
    opt.dispose();
    emb.dispose();
  });

  it.each([
    ['SGD', (m: Sequential) => new SGD(m, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ['Adam', (m: Sequential) => new Adam(m, { lr: 0.01, amsgrad: true })],
    ['AdamW', (m: Sequential) => new AdamW(m, { lr: 0.01 })],
    ['RMSprop', (m: Sequential) => new RMSprop(m, { lr: 0.01, momentum: 0.5, centered: true })],
  ] as const)('%s resumes from stateDict (through safetensors) bitwise as the uninterrupted run', (_, make) => {
    const batches = [1, 2, 3, 4, 5, 6].map(batch);
    const straight = charModel();
    const o1 = make(straight);
    const l1 = fit(straight, batches, { loss: 'crossEntropy', optimizer: o1, clipNorm: 1 }).losses;
    const first = charModel();
    const o2 = make(first);
    const la = fit(first, batches.slice(0, 3), { loss: 'crossEntropy', optimizer: o2, clipNorm: 1 }).losses;
    const weights = readSafetensors(writeSafetensors(first.stateDict()));
    const state = readSafetensors(writeSafetensors(o2.stateDict()));
    const resumed = charModel(99).loadStateDict(weights);
    const o3 = make(resumed).loadStateDict(state);
    expect(o3.stepCount).toBe(3);
    const lb = fit(resumed, batches.slice(3), { loss: 'crossEntropy', optimizer: o3, clipNorm: 1 }).losses;
    expect([...la, ...lb]).toEqual(l1);
    expect(resumed.stateDict()).toEqual(straight.stateDict());
    for (const m of [straight, first, resumed]) m.dispose();
  });

  it('clipGradNorm returns the total norm before clipping and scales to maxNorm', () => {
    const model = charModel();
    const b = batch(3);
    const out = model.forward(b.input, { train: true });
    model.backward({ data: crossEntropy({ data: out.data, shape: [12, 10] }, { data: b.target.data, shape: [12] }).grad.data, shape: out.shape });
    const grads = Object.values(model.gradients()).map((t) => t.data);
    let sq = 0;
    for (const g of grads) for (const v of g) sq += v * v;
    const norm = clipGradNorm(model, 0.1);
    expect(Math.abs(norm - Math.sqrt(sq))).toBeLessThanOrEqual(1e-6 * Math.sqrt(sq));
    let sq2 = 0;
    for (const g of Object.values(model.gradients())) for (const v of g.data) sq2 += v * v;
    expect(Math.sqrt(sq2)).toBeCloseTo(0.1, 5);
    // under maxNorm: unchanged
    const before = model.gradients();
    expect(clipGradNorm(model, 10)).toBeCloseTo(0.1, 5);
    expect(model.gradients()).toEqual(before);
    model.dispose();
  });

  it('clipGradNorm with errorIfNonfinite throws on NaN / infinite gradients and changes nothing', () => {
    const lin = new Linear(2, 2, true, { seed: 1 });
    lin.forward({ data: Float32Array.of(1, Infinity), shape: [1, 2] }, { train: true });
    lin.backward({ data: Float32Array.of(1, 1), shape: [1, 2] });
    const before = lin.gradients();
    expect(code(() => clipGradNorm(lin, 1, { errorIfNonfinite: true }))).toBe('INVALID_INPUT');
    expect(lin.gradients()).toEqual(before);
    expect(clipGradNorm(lin, 1)).toBe(Infinity);
    lin.dispose();
  });
});

describe('bad input', () => {
  it('backward without a train-mode forward, twice, or after the weights changed', () => {
    const lin = new Linear(3, 2, true, { seed: 1 });
    const x = { data: floats(1, 6), shape: [2, 3] };
    const dy = { data: floats(2, 4), shape: [2, 2] };
    expect(code(() => lin.backward(dy))).toBe('INVALID_INPUT');
    lin.forward(x); // inference: records nothing
    expect(code(() => lin.backward(dy))).toBe('INVALID_INPUT');
    lin.forward(x, { train: true });
    expect(code(() => lin.backward({ data: floats(2, 6), shape: [3, 2] }))).toBe('SHAPE_MISMATCH');
    lin.backward(dy);
    expect(code(() => lin.backward(dy))).toBe('INVALID_INPUT');
    lin.forward(x, { train: true });
    const opt = new SGD(lin, { lr: 0.1 });
    opt.step();
    expect(code(() => lin.backward(dy))).toBe('INVALID_INPUT');
    const model = charModel();
    expect(code(() => model.backward(dy))).toBe('INVALID_INPUT');
    model.forward(batch(1).input, { train: true });
    expect(code(() => model.backward(dy))).toBe('SHAPE_MISMATCH');
    lin.dispose();
    model.dispose();
  });

  it('unknown or wrong options', () => {
    const lin = new Linear(3, 2, true, { seed: 1 });
    const x = { data: floats(1, 6), shape: [2, 3] };
    expect(code(() => lin.forward(x, { train: 1 } as never))).toBe('INVALID_OPTION');
    expect(code(() => lin.forward(x, { trian: true } as never))).toBe('INVALID_OPTION');
    expect(code(() => new SGD(lin, {} as never))).toBe('INVALID_OPTION');
    expect(code(() => new SGD(lin, { lr: 0.1, nesterov: true }))).toBe('INVALID_OPTION');
    expect(code(() => new Adam(lin, { lr: 0.1, beta1: 0.9 } as never))).toBe('INVALID_OPTION');
    expect(code(() => new Adam(lin, { betas: [0.9, 1] }))).toBe('INVALID_OPTION');
    expect(code(() => new RMSprop(lin, { lr: -1 }))).toBe('INVALID_OPTION');
    expect(code(() => new SGD({} as never, { lr: 1 }))).toBe('INVALID_INPUT');
    expect(code(() => crossEntropy({ data: floats(1, 6), shape: [2, 3] }, { data: Int32Array.of(0, 1), shape: [2] }, { labelSmoothing: 0.1 } as never))).toBe('INVALID_OPTION');
    expect(code(() => mseLoss(x, x, { reduction: 'none' } as never))).toBe('INVALID_OPTION');
    expect(code(() => fit(lin, [], { loss: 'mse', optimizer: new SGD(lin, { lr: 1 }), epoch: 2 } as never))).toBe('INVALID_OPTION');
    lin.dispose();
  });

  it('loss targets out of range, of the wrong type or shape', () => {
    const logits = { data: floats(1, 6), shape: [2, 3] };
    expect(code(() => crossEntropy(logits, { data: Int32Array.of(0, 3), shape: [2] }))).toBe('INVALID_INPUT');
    expect(code(() => crossEntropy(logits, { data: BigInt64Array.of(0n, -1n), shape: [2] }))).toBe('INVALID_INPUT');
    expect(code(() => crossEntropy(logits, { data: Float32Array.of(0, 1), shape: [2] }))).toBe('DTYPE_MISMATCH');
    expect(code(() => crossEntropy(logits, { data: Int32Array.of(0, 1, 2), shape: [3] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => mseLoss(logits, { data: floats(2, 3), shape: [3] }))).toBe('SHAPE_MISMATCH');
    // ignoreIndex and reductions
    const mean = crossEntropy(logits, { data: Int32Array.of(2, -100), shape: [2] });
    const sum = crossEntropy(logits, { data: Int32Array.of(2, 7), shape: [2] }, { reduction: 'sum', ignoreIndex: 7 });
    expect(sum.loss).toBe(mean.loss);
    expect(Array.from(mean.grad.data.subarray(3))).toEqual([0, 0, 0]);
  });

  it('an optimizer step over a disposed layer throws DISPOSED and updates nothing', () => {
    const a = new Linear(3, 3, true, { seed: 1 });
    const b = new Linear(3, 3, true, { seed: 2 });
    const model = new Sequential([['a', a], ['b', b]]);
    const out = model.forward({ data: floats(1, 6), shape: [2, 3] }, { train: true });
    model.backward({ data: floats(2, out.data.length), shape: out.shape });
    const opt = new SGD(model, { lr: 1 });
    const before = a.stateDict();
    b.dispose();
    expect(code(() => opt.step())).toBe('DISPOSED');
    expect(a.stateDict()).toEqual(before);
    a.dispose();
  });

  it('fit stops when onStep returns false and refuses a one-shot iterator for several epochs', () => {
    const model = charModel();
    const opt = new Adam(model, { lr: 0.05 });
    const r = fit(model, [1, 2, 3].map(batch), { loss: 'crossEntropy', optimizer: opt, epochs: 5, onStep: (i) => i.step < 6 });
    expect(r.steps).toBe(7);
    function* once() {
      yield batch(1);
    }
    expect(code(() => fit(model, once(), { loss: 'crossEntropy', optimizer: opt, epochs: 2 }))).toBe('INVALID_OPTION');
    model.dispose();
  });

  it('fit lowers the loss of a small character model', () => {
    const model = charModel(5);
    const batches = [1, 2].map(batch);
    const r = fit(model, batches, { loss: 'crossEntropy', optimizer: new Adam(model, { lr: 0.05 }), epochs: 30 });
    expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0] * 0.7);
    model.dispose();
  });
});
