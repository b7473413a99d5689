/**
 * The demo models of models/ against PyTorch: each model file is loaded with loadModel() on
 * every build this engine supports, run on the fixed inputs the training script stored in
 * test/fixtures/models/<name>.safetensors, and compared with PyTorch's outputs there
 * (max abs error <= 1e-5), by whole-sequence forward and by streaming step.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, readSafetensors, readSafetensorsMetadata } from '../../src/index.js';
import { loadModel } from '../../src/model/index.js';
import { generate } from '../../src/generate.js';
import { supportedBuilds } from '../../bindings/wasm.js';
import type { Tensor } from '../../base/tensor.js';

const TOL = 1e-5;
const builds = supportedBuilds();

const modelBytes = (name: string) => readFileSync(new URL(`../../models/${name}.safetensors`, import.meta.url));
const reference = (name: string) => readSafetensors(readFileSync(new URL(`../fixtures/models/${name}.safetensors`, import.meta.url))) as Record<string, Tensor>;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('model files', () => {
  it.each(['chars', 'forecast', 'waveforms', 'spirals'])('%s is small and self-describing', (name) => {
    const bytes = modelBytes(name);
    expect(bytes.length).toBeLessThanOrEqual(400_000);
    const cfg = JSON.parse(readSafetensorsMetadata(bytes).wasm_rnn);
    expect(Array.isArray(cfg.layers)).toBe(true);
  });
});

describe.each(builds)('build %s: demo models vs PyTorch', (build) => {
  beforeAll(async () => {
    await ready({ build });
  });

  it('chars: logits on fixed prompts (forward and step), a padded batch, and greedy completions', () => {
    const { model, config } = loadModel(modelBytes('chars'));
    const ref = reference('chars');
    const v = (config.vocab as string).length;
    for (let i = 0; ref[`prompt${i}.ids`]; i++) {
      const ids = ref[`prompt${i}.ids`].data as Int32Array;
      const want = ref[`prompt${i}.logits`];
      const got = model.forward({ data: ids, shape: [1, ids.length] });
      expect(got.shape).toEqual([1, ids.length, v]);
      expect(maxDiff(got.data, want.data), `prompt ${i} forward`).toBeLessThanOrEqual(TOL);
      const s = model.createState();
      for (let t = 0; t < ids.length; t++) {
        const y = model.step([ids[t]], s, { view: true });
        expect(maxDiff(y.data, (want.data as Float32Array).subarray(t * v, (t + 1) * v)), `prompt ${i} step ${t}`).toBeLessThanOrEqual(TOL);
      }
      s.dispose();
      const g = generate(model, { prompt: ids, temperature: 0, maxTokens: 16 });
      expect(g.tokens, `prompt ${i} greedy`).toEqual(Array.from(ref[`prompt${i}.greedy`].data as Int32Array));
    }
    const b = ref['batch.ids'];
    expect(maxDiff(model.forward(b).data, ref['batch.logits'].data as Float32Array)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('forecast: many-to-many outputs over a test window, and a 50-step closed-loop forecast by step', () => {
    const { model } = loadModel(modelBytes('forecast'));
    const ref = reference('forecast');
    expect(maxDiff(model.forward(ref['window.x']).data, ref['window.y'].data as Float32Array)).toBeLessThanOrEqual(TOL);
    const warm = ref['closed.warmup'].data as Float32Array;
    const s = model.createState();
    const frame = { data: new Float32Array(1), shape: [1, 1] };
    let out = new Float32Array(1);
    for (const v of warm) {
      frame.data[0] = v;
      out = model.step(frame, s).data;
    }
    const want = ref['closed.forecast'].data as Float32Array;
    const got = new Float32Array(want.length);
    for (let h = 0; h < want.length; h++) {
      got[h] = out[0];
      frame.data[0] = out[0];
      out = model.step(frame, s).data;
    }
    expect(maxDiff(got, want)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('waveforms: class probabilities of 16 test signals (many-to-one)', () => {
    const { model } = loadModel(modelBytes('waveforms'));
    const ref = reference('waveforms');
    const y = model.forward(ref.x);
    expect(y.shape).toEqual([16, 4]);
    expect(maxDiff(y.data, ref.probs.data as Float32Array)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('spirals: class probabilities of 64 points (one-to-one), batched and one at a time', () => {
    const { model } = loadModel(modelBytes('spirals'));
    const ref = reference('spirals');
    const pts = ref.points.data as Float32Array;
    const want = ref.probs.data as Float32Array;
    const y = model.forward({ data: pts, shape: [1, 64, 2] });
    expect(y.shape).toEqual([64, 3]);
    expect(maxDiff(y.data, want)).toBeLessThanOrEqual(TOL);
    const s = model.createState();
    for (let i = 0; i < 64; i++) {
      s.reset();
      const p = model.step({ data: pts.slice(2 * i, 2 * i + 2), shape: [1, 2] }, s);
      expect(maxDiff(p.data, want.subarray(3 * i, 3 * i + 3))).toBeLessThanOrEqual(TOL);
    }
    model.dispose();
  });
});
