/**
 * Training against PyTorch 1.13 (fixtures by tools/make-optim-fixtures.py, which checks its
 * float64 gradients against finite differences before writing them):
 *
 *  - gradients: the first batch's loss, input gradient and every parameter gradient of a
 *    Sequential (Embedding -> Linear with cross-entropy and ignoreIndex; Linear -> LogSoftmax ->
 *    Linear(bias=false) with MSE; Linear -> Softmax -> LastStep with MSE; Embedding -> LSTM ->
 *    Linear with cross-entropy) against PyTorch autograd
 *    in float64;
 *  - trajectories: 6 steps of SGD (momentum + dampening + weight decay, Nesterov), Adam (amsgrad +
 *    weight decay, defaults), AdamW and RMSprop (centered + momentum + weight decay, defaults),
 *    with clip_grad_norm_, through fit(): every step's loss and the final weights against
 *    PyTorch's float32 run;
 *  - the trained model's stateDict has exactly PyTorch's state_dict keys and shapes, and goes
 *    through writeSafetensors / readSafetensors unchanged.
 *
 * Tolerances. Gradients: float32 (here) vs float64 (PyTorch), 1e-5 of the largest magnitude: one
 * layer's float32 sums over at most a few dozen terms. Trajectories: here float32 vs PyTorch
 * float32, which sum their GEMMs in different orders (and PyTorch's CPU kernels may fuse
 * multiply-adds), so the two runs differ by float32 rounding that the optimizer then carries on;
 * the fixture also holds PyTorch's own float64 run, and the bound is 4x the distance between
 * PyTorch's float32 and float64 runs plus 2e-6 (a few float32 ulps of values near 1): the
 * library may be as far from PyTorch float32 as rounding alone moves PyTorch itself, never
 * further. Adam-family updates divide by sqrt(v) + eps, which turns a relative rounding error of a
 * tiny gradient into an absolute error of up to lr; the fixtures' gradients are not tiny.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam, AdamW, Embedding, LastStep, Linear, LogSoftmax, LSTM, RMSprop, SGD, Sequential, Softmax, crossEntropy, fit, mseLoss, ready,
  readSafetensors, writeSafetensors,
} from '../../src/index.js';
import type { Optimizer, SequentialLayer } from '../../src/index.js';
import type { Tensor } from '../../base/tensor.js';

interface TensorJson {
  shape: number[];
  data: number[];
  dtype?: 'float32' | 'int64';
}

interface Fixture {
  model: string;
  layers: Array<{ name: string; kind: string; args: Array<number | boolean> }>;
  loss: 'crossEntropy' | 'mse';
  initial: Record<string, TensorJson>;
  stateDictKeys: string[];
  batches: Array<{ input: TensorJson; target: TensorJson }>;
  gradients: { loss: number; input: number[] | null; params: Record<string, number[]> };
  runs: Array<{
    name: string;
    optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
    options: Record<string, unknown>;
    clipNorm: number | null;
    losses: number[];
    final: Record<string, number[]>;
    losses64: number[];
    final64: Record<string, number[]>;
  }>;
}

const load = (name: string): Fixture => JSON.parse(readFileSync(new URL(`../fixtures/train/${name}.json`, import.meta.url), 'utf8'));
const fixtures = ['tokens', 'regression', 'sequence', 'charlm'].map(load);

beforeAll(async () => {
  await ready({ training: true });
});

function tensor(t: TensorJson): Tensor {
  return t.dtype === 'int64'
    ? { data: Int32Array.from(t.data), shape: t.shape }
    : { data: Float32Array.from(t.data), shape: t.shape };
}

function build(f: Fixture): Sequential {
  const layers = f.layers.map(({ name, kind, args }): [string, SequentialLayer] => {
    switch (kind) {
      case 'Embedding':
        return [name, new Embedding(args[0] as number, args[1] as number, { seed: 1 })];
      case 'Linear':
        return [name, new Linear(args[0] as number, args[1] as number, args[2] as boolean, { seed: 1 })];
      case 'LogSoftmax':
        return [name, new LogSoftmax()];
      case 'Softmax':
        return [name, new Softmax()];
      case 'LastStep':
        return [name, new LastStep()];
      case 'LSTM':
        return [name, new LSTM({ inputSize: args[0] as number, hiddenSize: args[1] as number, seed: 1 })];
    }
    throw new Error(`unknown layer ${kind}`);
  });
  const model = new Sequential(layers);
  model.loadStateDict(Object.fromEntries(Object.entries(f.initial).map(([k, v]) => [k, tensor(v)])));
  return model;
}

function lossOf(f: Fixture, out: Tensor<Float32Array>, target: Tensor) {
  if (f.loss === 'mse') return mseLoss(out, target);
  const c = out.shape[out.shape.length - 1];
  const r = crossEntropy({ data: out.data, shape: [out.data.length / c, c] }, { data: target.data, shape: [target.data.length] });
  return { loss: r.loss, grad: { data: r.grad.data, shape: out.shape } };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Elementwise |a - b| <= bound[i]. Returns the worst excess ratio (<= 1 passes). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, bound: (i: number) => number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / bound(i));
  return w;
}

function optimizerFor(run: Fixture['runs'][number], model: Sequential): Optimizer {
  const o = run.options as never;
  switch (run.optimizer) {
    case 'SGD':
      return new SGD(model, o);
    case 'Adam':
      return new Adam(model, o);
    case 'AdamW':
      return new AdamW(model, o);
    case 'RMSprop':
      return new RMSprop(model, o);
  }
}

describe.each(fixtures.map((f) => [f.model, f] as const))('%s model against PyTorch', (_, f) => {
  it('first-batch loss, input gradient and parameter gradients match float64 autograd', () => {
    const model = build(f);
    const batch = f.batches[0];
    const out = model.forward(tensor(batch.input), { train: true });
    const { loss, grad } = lossOf(f, out, tensor(batch.target));
    expect(Math.abs(loss - f.gradients.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(f.gradients.loss)));
    const dx = model.backward(grad);
    if (f.gradients.input) {
      expect(dx).not.toBeNull();
      const scale = maxAbs(f.gradients.input);
      expect(worst(dx!.data, f.gradients.input, () => 1e-5 * scale + 1e-9)).toBeLessThanOrEqual(1);
    } else {
      expect(dx).toBeNull();
    }
    const grads = model.gradients();
    expect(Object.keys(grads)).toEqual(Object.keys(f.gradients.params));
    for (const [name, want] of Object.entries(f.gradients.params)) {
      const scale = maxAbs(want);
      expect(scale, name).toBeGreaterThan(0);
      expect(worst(grads[name].data, want, () => 1e-5 * scale + 1e-9), name).toBeLessThanOrEqual(1);
    }
    model.dispose();
  });

  it.each(f.runs.map((r) => [r.name, r] as const))('%s: loss trajectory and final weights match PyTorch float32', (_, run) => {
    const model = build(f);
    const optimizer = optimizerFor(run, model);
    const batches = f.batches.map((b) => ({ input: tensor(b.input), target: tensor(b.target) }));
    const steps: number[] = [];
    const result = fit(model, batches, {
      loss: (out, target) => lossOf(f, out, target),
      optimizer,
      ...(run.clipNorm !== null ? { clipNorm: run.clipNorm } : {}),
      onStep: (info) => {
        steps.push(info.step);
        expect(info.samplesPerSecond).toBeGreaterThan(0);
      },
    });
    expect(steps).toEqual(run.losses.map((_, i) => i));
    const lossBound = (i: number) => 4 * Math.abs(run.losses[i] - run.losses64[i]) + 2e-6 * Math.max(1, Math.abs(run.losses[i]));
    expect(worst(result.losses, run.losses, lossBound)).toBeLessThanOrEqual(1);
    const sd = model.stateDict();
    expect(Object.keys(sd)).toEqual(f.stateDictKeys);
    for (const [name, want] of Object.entries(run.final)) {
      const w64 = run.final64[name];
      const ratio = worst(sd[name].data, want, (i) => 4 * Math.abs(want[i] - w64[i]) + 2e-6 * Math.max(1, Math.abs(want[i])));
      expect(ratio, `${run.name}: ${name}`).toBeLessThanOrEqual(1);
    }
    // the trained weights as a safetensors file: PyTorch's keys and shapes, values unchanged
    const back = readSafetensors(writeSafetensors(sd));
    for (const [name, t] of Object.entries(sd)) {
      expect(back[name].shape).toEqual(f.initial[name].shape);
      expect(back[name].data).toEqual(t.data);
    }
    optimizer.dispose();
    model.dispose();
  });
});
