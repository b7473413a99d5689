// int8 models saved and loaded as safetensors (docs/quantization.md, "Saving"): quantizedStateDict()
// holds each int8 matrix as I8 with its row scales under '<name>.scale'; loading it into an int8
// layer reproduces the model bit for bit, into a float32 layer dequantizes it. PyTorch's own int8
// weights (per-tensor scales, test/fixtures/int8) load the same way and keep matching PyTorch.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, quantize, readSafetensors, writeSafetensors, LSTM, GRU, Linear, Embedding, Sequential, type Tensor } from '../../src/index.js';
import { codeOf, rng } from '../helpers/common.js';

beforeAll(async () => {
  await ready();
});

const randn = (n: number, r: () => number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * 0.8);

describe('int8 models as safetensors', () => {
  it('LSTM: I8 matrices with their row scales, about a third of the bytes at this size, read back bit for bit', () => {
    const opts = { inputSize: 16, hiddenSize: 64, numLayers: 2, bidirectional: true, projSize: 24 };
    const f = new LSTM({ ...opts, seed: 1 });
    const q = quantize(f, { weights: 'int8' });
    const sd = q.quantizedStateDict();
    expect(sd.weight_ih_l0.data).toBeInstanceOf(Int8Array);
    expect(sd['weight_ih_l0.scale'].shape).toEqual([256]);
    expect(sd.weight_hr_l1_reverse.data).toBeInstanceOf(Int8Array);
    expect(sd.bias_ih_l0.data).toBeInstanceOf(Float32Array);
    const bytes = writeSafetensors(sd);
    const f32Bytes = writeSafetensors(f.stateDict());
    console.log(`LSTM file: float32 ${f32Bytes.length} bytes, int8 ${bytes.length} bytes (${(f32Bytes.length / bytes.length).toFixed(2)}x smaller)`);
    // biases and row scales stay float32: 3.2x at this size, 3.9x for LSTM(256, 512) (quantize.test.ts)
    expect(f32Bytes.length / bytes.length).toBeGreaterThan(3);

    const back = LSTM.fromStateDict(readSafetensors(bytes), { ...opts, weights: 'int8' });
    const x = { data: randn(5 * 2 * 16, rng(2)), shape: [5, 2, 16] };
    const want = q.forward(x);
    const got = back.forward(x);
    expect(got.output.data).toEqual(want.output.data);
    expect(got.h.data).toEqual(want.h.data);
    expect(back.quantizedStateDict()).toEqual(sd);
    // a float32 layer takes the file dequantized: the int8 model's weights, in float
    const asFloat = new LSTM({ ...opts, seed: 9 }).loadStateDict(readSafetensors(bytes));
    expect(asFloat.stateDict()).toEqual(q.stateDict());
    for (const m of [f, q, back, asFloat]) m.dispose();
  });

  it('Sequential (Embedding, GRU, Linear): saved and loaded as stored, the same outputs and steps', () => {
    const make = (weights: 'f32' | 'int8') => new Sequential([
      ['emb', new Embedding(30, 8, { seed: 1, weights })],
      ['gru', new GRU({ inputSize: 8, hiddenSize: 32, seed: 2, weights })],
      ['head', new Linear(32, 30, true, { seed: 3, weights })],
    ]);
    const q = quantize(make('f32'), { weights: 'int8' });
    const bytes = writeSafetensors(q.quantizedStateDict());
    const back = make('int8').loadStateDict(readSafetensors(bytes));
    const ids = { data: Int32Array.from({ length: 12 }, (_, i) => (i * 11) % 30), shape: [6, 2] };
    expect(back.forward(ids).data).toEqual(q.forward(ids).data);
    const s1 = q.createState(1);
    const s2 = back.createState(1);
    for (let t = 0; t < 5; t++) expect(back.step([t], s2).data).toEqual(q.step([t], s1).data);
    // into float32 layers: dequantized
    const asFloat = make('f32').loadStateDict(readSafetensors(bytes));
    expect(asFloat.stateDict()).toEqual(q.stateDict());
    for (const m of [q, back, asFloat]) m.dispose();
  });

  it("PyTorch's int8 weights (one scale per tensor) load through the state dict and match PyTorch", () => {
    interface QM { q: number[]; scale: number; shape: [number, number] }
    const fx = JSON.parse(readFileSync(new URL('../fixtures/int8/lstm_2layer_bidir.json', import.meta.url), 'utf8')) as {
      inputSize: number; hiddenSize: number; numLayers: number; T: number; B: number;
      layers: Array<{ wih: QM; whh: QM; bih: number[]; bhh: number[] }>; x: number[];
      initial: { h: number[]; c: number[] }; quantized: { output: number[] };
    };
    const sd: Record<string, Tensor> = {};
    fx.layers.forEach((l, i) => {
      const suffix = `l${Math.floor(i / 2)}${i % 2 ? '_reverse' : ''}`;
      for (const [field, name] of [['wih', 'weight_ih'], ['whh', 'weight_hh']] as const) {
        const m = l[field];
        sd[`${name}_${suffix}`] = { data: Int8Array.from(m.q), shape: m.shape };
        sd[`${name}_${suffix}.scale`] = { data: new Float32Array(m.shape[0]).fill(m.scale), shape: [m.shape[0]] };
      }
      sd[`bias_ih_${suffix}`] = { data: Float32Array.from(l.bih), shape: [l.bih.length] };
      sd[`bias_hh_${suffix}`] = { data: Float32Array.from(l.bhh), shape: [l.bhh.length] };
    });
    const layer = LSTM.fromStateDict(readSafetensors(writeSafetensors(sd)), { inputSize: fx.inputSize, hiddenSize: fx.hiddenSize, numLayers: fx.numLayers, bidirectional: true, weights: 'int8' });
    const y = layer.forward({ data: Float32Array.from(fx.x), shape: [fx.T, fx.B, fx.inputSize] }, {
      h0: { data: Float32Array.from(fx.initial.h), shape: [4, fx.B, fx.hiddenSize] },
      c0: { data: Float32Array.from(fx.initial.c), shape: [4, fx.B, fx.hiddenSize] },
    }).output.data;
    const err = y.reduce((m, v, i) => Math.max(m, Math.abs(v - fx.quantized.output[i])), 0);
    expect(err).toBeLessThanOrEqual(1e-6);
    layer.dispose();
  });

  it('bad int8 state dicts: typed errors naming the key, nothing changed', () => {
    const q = new Linear(6, 4, true, { seed: 1, weights: 'int8' });
    const good = q.quantizedStateDict();
    const before = q.quantizedStateDict();
    const without = { ...good };
    delete without['weight.scale'];
    expect(codeOf(() => q.loadStateDict(without))).toBe('MISSING_KEY');
    expect(codeOf(() => q.loadStateDict({ ...good, 'weight.scale': { data: new Float32Array([1, -1, 1, 1]), shape: [4] } }))).toBe('INVALID_INPUT');
    expect(codeOf(() => q.loadStateDict({ ...good, 'weight.scale': { data: new Float32Array(3), shape: [3] } }))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => q.loadStateDict({ ...good, bias: { data: new Int8Array(4), shape: [4] } }))).toBe('DTYPE_MISMATCH');
    expect(codeOf(() => q.loadStateDict({ ...good, 'bias.scale': good['weight.scale'] }))).toBe('UNEXPECTED_KEY');
    expect(q.quantizedStateDict()).toEqual(before);
    // an int8 tensor is not an input
    expect(codeOf(() => q.forward({ data: new Int8Array(6), shape: [1, 6] } as never))).toBe('DTYPE_MISMATCH');
    q.dispose();
  });
});
