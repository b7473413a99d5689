/**
 * Optimizer state in PyTorch's layout (`optimizer.stateDict({ layout: 'torch' })` /
 * `loadStateDict(sd, { layout: 'torch' })`), against torch.optim (PyTorch 1.13). Fixtures:
 *   tools/train-roundtrip.mjs  trains the lstm round-trip model (Embedding -> LSTM(2 layers,
 *     bidirectional, projSize) -> Linear) 4 steps with each configuration (Adam with amsgrad and
 *     L2, AdamW, SGD with momentum + dampening + L2, SGD Nesterov, RMSprop centered with momentum
 *     and L2; clip norm 1) on the simd build and writes the weights and the torch-layout state;
 *   tools/gen_optimizer_state_fixtures.py  loads both into torch.nn modules and the torch.optim
 *     optimizer (load_state_dict) and takes steps 5 and 6 in float32 and float64, writing the
 *     weights after each step and its own optimizer state after step 5.
 * Checked here: the export is what the fixture holds, bit for bit; steps 5 and 6 taken here from
 * that state give PyTorch's weights; the state written and read back in torch layout continues
 * bitwise like the uninterrupted run; PyTorch's own state after step 5 loads here and step 6 gives
 * PyTorch's weights (the reverse direction); bad input is a typed error that changes nothing.
 *
 * Tolerance (weights after a step against PyTorch's float32 run): 4x the distance between
 * PyTorch's own float32 and float64 runs of that parameter plus 2e-6 absolute, the bound of
 * test/train/optim-torch.test.ts: the two float32 runs sum their GEMMs in different orders.
 * Measured: at most 5 % of that bound (RMSprop), 1-3 % for the others (differences of 3e-8 to
 * 1e-7). A state loaded into the wrong positions, or SGD's loaded buffers treated as a first step,
 * fails it.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import type { Optimizer, Sequential } from '../../src/index.js';
import type { Tensor } from '../../base/tensor.js';
import { Rng } from '../../base/random.js';
import { OPTIMIZER_CONFIGS, buildModel, makeOptimizer, train } from '../../tools/train-roundtrip-task.mjs'; // plain JS, shared with tools/train-roundtrip.mjs

const FIX = new URL('../fixtures/train/', import.meta.url);
const read = (file: string): Record<string, Tensor> => lib.readSafetensors(readFileSync(new URL(file, FIX)));
interface TensorJson { shape: number[]; data: number[] }
const spec = JSON.parse(readFileSync(new URL('optstate-batches.json', FIX), 'utf8')) as {
  steps: number;
  clipNorm: number;
  batches: Array<{ input: TensorJson; target: TensorJson }>;
};
const torch = JSON.parse(readFileSync(new URL('optstate-torch.json', FIX), 'utf8')) as {
  torch: string;
  configs: Record<string, { losses_float32: number[]; losses_float64: number[]; max_abs_f32_vs_f64: Array<Record<string, number>> }>;
};
const configs = Object.keys(OPTIMIZER_CONFIGS) as string[];
const batches = spec.batches.map((b) => ({
  input: { data: Int32Array.from(b.input.data), shape: b.input.shape },
  target: { data: Int32Array.from(b.target.data), shape: b.target.shape },
}));

beforeAll(async () => {
  await lib.ready({ build: 'simd', training: true });
});

/** Steps on the next batches as the fixture's run takes them (clip norm included); returns the weights after each step and the losses. */
function nextSteps(model: Sequential, optimizer: Optimizer, count: number): { weights: Array<Record<string, Tensor<Float32Array>>>; losses: number[] } {
  const weights: Array<Record<string, Tensor<Float32Array>>> = [];
  const { losses } = lib.fit(model, batches.slice(0, count), {
    loss: 'crossEntropy', optimizer, clipNorm: spec.clipNorm, onStep: () => void weights.push(model.stateDict()),
  });
  return { weights, losses };
}

function expectNearTorch(config: string, k: number, mine: Record<string, Tensor<Float32Array>>): number {
  const ref = read(`optstate-${config}-torch-weights.safetensors`);
  let worstRatio = 0;
  for (const [name, t] of Object.entries(mine)) {
    const r = ref[`after${k + 1}.${name}`];
    expect(r.shape, name).toEqual(t.shape);
    const bound = 4 * torch.configs[config].max_abs_f32_vs_f64[k][name] + 2e-6;
    let d = 0;
    for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - r.data[i]));
    expect(d, `${config} step ${spec.steps + k + 1} ${name}`).toBeLessThanOrEqual(bound);
    worstRatio = Math.max(worstRatio, d / bound);
  }
  return worstRatio;
}

describe(`optimizer state in PyTorch's layout (PyTorch ${torch.torch})`, () => {
  it('a fresh optimizer has an empty torch-layout state, as PyTorch before its first step', () => {
    const model = buildModel(lib, 'lstm');
    const opt = new lib.Adam(model);
    expect(opt.stateDict({ layout: 'torch' })).toEqual({});
    opt.dispose();
    model.dispose();
  });

  for (const config of configs) {
    describe(config, () => {
      it('the export has PyTorch\'s keys and shapes and the committed values, bit for bit', () => {
        const { model, optimizer } = train(lib, Rng, 'lstm', { optimizer: (m: Sequential) => makeOptimizer(lib, config, m) });
        const mine = optimizer.stateDict({ layout: 'torch' });
        const committed = read(`optstate-${config}.safetensors`);
        expect(Object.keys(mine).sort()).toEqual(Object.keys(committed).sort());
        const params = model.stateDict();
        for (const [k, t] of Object.entries(mine)) {
          const param = k.slice(0, k.lastIndexOf('.'));
          expect(t.shape, k).toEqual(k.endsWith('.step') ? [] : params[param].shape);
          expect(t.data, k).toEqual(committed[k].data);
        }
        if (OPTIMIZER_CONFIGS[config].cls !== 'SGD') expect(mine['head.weight.step'].data[0]).toBe(spec.steps);
        const weights = read(`optstate-${config}-weights.safetensors`);
        for (const [k, t] of Object.entries(params)) expect(t.data, k).toEqual(weights[k].data);
        optimizer.dispose();
        model.dispose();
      });

      it(`steps ${spec.steps + 1} and ${spec.steps + 2} give PyTorch's weights from that state; written and read back in torch layout, the run continues bit for bit`, () => {
        const { model, optimizer } = train(lib, Rng, 'lstm', { optimizer: (m: Sequential) => makeOptimizer(lib, config, m) });
        const uninterrupted = nextSteps(model, optimizer, 2);
        uninterrupted.weights.forEach((w, k) => expectNearTorch(config, k, w));
        uninterrupted.losses.forEach((l, k) => expect(Math.abs(l - torch.configs[config].losses_float32[k])).toBeLessThan(1e-5));

        // resumed from the committed files: weights, and the state through writeSafetensors / readSafetensors
        const resumedModel = buildModel(lib, 'lstm').loadStateDict(read(`optstate-${config}-weights.safetensors`));
        const resumedOpt = makeOptimizer(lib, config, resumedModel).loadStateDict(read(`optstate-${config}.safetensors`), { layout: 'torch' });
        const resumed = nextSteps(resumedModel, resumedOpt, 2);
        expect(resumed.losses).toEqual(uninterrupted.losses);
        resumed.weights.forEach((w, k) => {
          for (const [name, t] of Object.entries(w)) expect(t.data, name).toEqual(uninterrupted.weights[k][name].data);
        });
        expect(resumedOpt.stateDict({ layout: 'torch' })).toEqual(optimizer.stateDict({ layout: 'torch' }));
        for (const o of [optimizer, resumedOpt]) o.dispose();
        for (const m of [model, resumedModel]) m.dispose();
      });

      it(`PyTorch's own state after step ${spec.steps + 1} loads here unchanged, and step ${spec.steps + 2} gives PyTorch's weights`, () => {
        const torchWeights = read(`optstate-${config}-torch-weights.safetensors`);
        const after1 = Object.fromEntries(Object.entries(torchWeights).filter(([k]) => k.startsWith('after1.')).map(([k, t]) => [k.slice(7), t]));
        const model = buildModel(lib, 'lstm').loadStateDict(after1);
        const torchState = read(`optstate-${config}-torch.safetensors`);
        const optimizer = makeOptimizer(lib, config, model).loadStateDict(torchState, { layout: 'torch' });
        expect(optimizer.stepCount).toBe(OPTIMIZER_CONFIGS[config].cls === 'SGD' ? 1 : spec.steps + 1);
        const back = optimizer.stateDict({ layout: 'torch' });
        expect(Object.keys(back).sort()).toEqual(Object.keys(torchState).sort());
        for (const [k, t] of Object.entries(back)) {
          expect(t.shape, k).toEqual(torchState[k].shape);
          expect(t.data, k).toEqual(torchState[k].data);
        }
        lib.fit(model, batches.slice(1, 2), { loss: 'crossEntropy', optimizer, clipNorm: spec.clipNorm });
        expectNearTorch(config, 1, model.stateDict());
        optimizer.dispose();
        model.dispose();
      });
    });
  }
});

describe('torch layout of any Trainable', () => {
  it('a hand-made Trainable over a GRU and a Linear (prefixed names, packed panels): after one Adam step exp_avg is (1 - beta1) x the PyTorch-layout gradient', () => {
    const gru = new lib.GRU({ inputSize: 5, hiddenSize: 12, numLayers: 2, bidirectional: true, seed: 4 });
    const head = new lib.Linear(24, 7, true, { seed: 5 });
    const layers = { enc: gru, head } as const;
    const all = {
      parameters: () => Object.entries(layers).flatMap(([prefix, l]) => l.parameters().map((p) => Object.create(p, { name: { value: `${prefix}.${p.name}` } }))),
      parametersChanged: () => Object.values(layers).forEach((l) => l.parametersChanged()),
      zeroGrad: () => Object.values(layers).forEach((l) => l.zeroGrad()),
    };
    const x = { data: new Rng(7).fillUniform(new Float32Array(6 * 3 * 5), 1), shape: [6, 3, 5] };
    const { output } = gru.forward(x, { train: true });
    const y = head.forward({ data: output.data, shape: [18, 24] }, { train: true });
    const dy = new Rng(8).fillUniform(new Float32Array(y.data.length), 1);
    const dOut = head.backward({ data: dy, shape: y.shape });
    gru.backward({ output: { data: dOut.data, shape: output.shape } });
    const grads = Object.fromEntries(all.parameters().map((p) => [p.name, { data: p.readGrad(), shape: p.shape }]));
    const opt = new lib.Adam(all, { lr: 1e-2, betas: [0.9, 0.999] });
    opt.step();
    const sd = opt.stateDict({ layout: 'torch' });
    expect(Object.keys(sd)).toEqual(Object.keys(grads).flatMap((n) => [`${n}.exp_avg`, `${n}.exp_avg_sq`, `${n}.step`]));
    const c = Math.fround(1 - 0.9);
    for (const [name, g] of Object.entries(grads)) {
      expect(sd[`${name}.exp_avg`].shape, name).toEqual(g.shape);
      expect(sd[`${name}.exp_avg`].data, name).toEqual(g.data.map((v) => Math.fround(c * v)));
      expect(sd[`${name}.step`].data[0]).toBe(1);
    }
    // and back: loading it into a fresh optimizer gives the same wasm-layout state
    const again = new lib.Adam(all, { lr: 1e-2 }).loadStateDict(sd, { layout: 'torch' });
    expect(again.stateDict()).toEqual(opt.stateDict());
    for (const o of [opt, again]) o.dispose();
    gru.dispose();
    head.dispose();
  });
});

describe('bad torch-layout state', () => {
  function setup(): { model: Sequential; opt: Optimizer; good: Record<string, Tensor>; before: Record<string, Tensor> } {
    const model = buildModel(lib, 'lstm').loadStateDict(read('optstate-adam-weights.safetensors'));
    const opt = makeOptimizer(lib, 'adam', model);
    const good = read('optstate-adam.safetensors');
    return { model, opt, good, before: opt.stateDict() };
  }
  function code(f: () => unknown): string {
    try {
      f();
    } catch (e) {
      if (e instanceof lib.RnnError) return e.code;
      throw e;
    }
    return 'no error';
  }

  it('a missing, unexpected or mis-shaped tensor, unequal steps or an unknown layout is a typed error and changes nothing', () => {
    const { model, opt, good, before } = setup();
    const without = { ...good };
    delete without['head.bias.exp_avg'];
    expect(code(() => opt.loadStateDict(without, { layout: 'torch' }))).toBe('MISSING_KEY');
    expect(code(() => opt.loadStateDict({ ...good, 'head.bias.momentum_buffer': good['head.bias.exp_avg'] }, { layout: 'torch' }))).toBe('UNEXPECTED_KEY');
    const w = good['lstm.weight_ih_l0.exp_avg'];
    expect(code(() => opt.loadStateDict({ ...good, 'lstm.weight_ih_l0.exp_avg': { data: w.data, shape: [...w.shape].reverse() } }, { layout: 'torch' }))).toBe('SHAPE_MISMATCH');
    expect(code(() => opt.loadStateDict({ ...good, 'head.bias.step': { data: Float32Array.of(3), shape: [] } }, { layout: 'torch' }))).toBe('INVALID_INPUT');
    expect(code(() => opt.loadStateDict(good))).toBe('MISSING_KEY'); // a torch-layout state read as the wasm layout
    expect(code(() => opt.stateDict({ layout: 'numpy' } as never))).toBe('INVALID_OPTION');
    expect(opt.stateDict()).toEqual(before);
    expect(opt.stepCount).toBe(0);
    opt.dispose();
    model.dispose();
  });

  it('an empty torch-layout state resets the optimizer', () => {
    const { model, opt, good } = setup();
    opt.loadStateDict(good, { layout: 'torch' });
    expect(opt.stepCount).toBe(4);
    opt.loadStateDict({}, { layout: 'torch' });
    expect(opt.stepCount).toBe(0);
    expect(opt.stateDict({ layout: 'torch' })).toEqual({});
    expect(Object.values(opt.stateDict()).every((t) => t.data.every((v) => v === 0))).toBe(true);
    opt.dispose();
    model.dispose();
  });
});
