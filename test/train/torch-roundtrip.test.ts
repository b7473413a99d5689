/**
 * Weights trained by wasm-rnn load in PyTorch unchanged and give the same outputs (issue 16,
 * "Trained weights"). Tests need no Python, so the round trip is committed:
 *   1. tools/train-roundtrip.mjs trains three Sequentials (tools/train-roundtrip-task.mjs:
 *      Embedding -> LSTM(2 layers, bidirectional, projSize) -> Linear with Adam and clipping;
 *      Embedding -> GRU(2 layers, batchFirst) -> Linear with AdamW; RNN(relu, bidirectional,
 *      bias false) -> Linear with RMSprop) a few steps from seeded weights on seeded batches and
 *      writes writeSafetensors(model.stateDict()) to test/fixtures/train/roundtrip-*.safetensors;
 *   2. tools/gen_train_roundtrip.py (PyTorch 1.13) loads each file into the matching torch.nn
 *      modules with load_state_dict(strict=True), nothing renamed or reshaped, and writes their
 *      outputs on seeded inputs in float64 and float32 (roundtrip-torch.json).
 * Here: the training is run again and must give the committed weights, then the committed file is
 * read back and the model's forward must give PyTorch's outputs.
 *
 * Tolerances. Retraining: the fixtures come from the simd training build; the scalar build gives
 * the same bits (asserted bitwise); the relaxed build fuses multiply-adds, so its weights differ by
 * float32 rounding carried through 4 optimizer steps: measured at most 2.2e-7 absolute (weights of
 * magnitude up to ~0.6), asserted 1e-6. Forward: against PyTorch's float64 run on the same float32
 * weights, within 4x PyTorch's own float32-to-float64 distance plus 1e-7 (about one float32 ulp of
 * the outputs, |y| < 0.5): wasm-rnn's float32 run may be as far from float64 as rounding moves
 * PyTorch's float32, not further. Measured: 2.3e-8 (lstm), 4.8e-8 (gru), 3.0e-8 (rnn) against
 * bounds of 2.0e-7 to 3.0e-7; PyTorch's own float32 run is 2.6e-8 to 4.9e-8 from its float64 one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { Rng } from '../../base/random.js';
import { maxAbsDiff } from '../helpers/kernels.js';
import { MODELS, buildModel, train } from '../../tools/train-roundtrip-task.mjs'; // plain JS, shared with tools/train-roundtrip.mjs

const FIX = new URL('../fixtures/train/', import.meta.url);
interface TorchModel {
  state_dict_keys: string[];
  trained_with: Record<string, string>;
  input: { shape: number[]; data: number[]; dtype: 'int64' | 'float32' };
  output_shape: number[];
  float64: number[];
  float32: number[];
  max_abs_f32_vs_f64: number;
}
const torch = JSON.parse(readFileSync(new URL('roundtrip-torch.json', FIX), 'utf8')) as { torch: string; models: Record<string, TorchModel> };
const names = Object.keys(MODELS) as string[];
const fileOf = (name: string): Uint8Array => readFileSync(new URL(`roundtrip-${name}.safetensors`, FIX));

const RELAXED_WEIGHT_BOUND = 1e-6;


describe('weights trained here load in PyTorch unchanged (PyTorch ' + torch.models.lstm.trained_with.build + ' fixtures)', () => {
  it('the fixtures were made by the simd build with PyTorch 1.13', () => {
    expect(torch.torch.startsWith('1.13')).toBe(true);
    for (const name of names) expect(lib.readSafetensorsMetadata(fileOf(name)).build).toBe('simd');
  });

  for (const build of ['simd', 'scalar', 'relaxed'] as const) {
    it(`training again on the ${build} build gives the committed weights${build === 'relaxed' ? ` within ${RELAXED_WEIGHT_BOUND}` : ', bit for bit'}`, async () => {
      await lib.ready({ build, training: true });
      for (const name of names) {
        const { model, optimizer, losses } = train(lib, Rng, name);
        const committed = lib.readSafetensors(fileOf(name));
        const mine = model.stateDict();
        expect(Object.keys(mine).sort()).toEqual(Object.keys(committed).sort());
        expect(Object.keys(mine)).toEqual(torch.models[name].state_dict_keys);
        let worst = 0;
        for (const [k, t] of Object.entries(mine)) {
          expect(t.shape, k).toEqual(committed[k].shape);
          if (build === 'relaxed') worst = Math.max(worst, maxAbsDiff(t.data, committed[k].data as Float32Array));
          else expect(t.data, `${name} ${k}`).toEqual(committed[k].data);
        }
        expect(worst, name).toBeLessThanOrEqual(RELAXED_WEIGHT_BOUND);
        if (build !== 'relaxed') expect(losses).toEqual(JSON.parse(lib.readSafetensorsMetadata(fileOf(name)).losses));
        optimizer.dispose();
        model.dispose();
      }
    });
  }

  for (const name of names) {
    it(`${name}: the committed file read back gives PyTorch's outputs of the same file`, async () => {
      await lib.ready({ training: true });
      const ref = torch.models[name];
      const model = buildModel(lib, name).loadStateDict(lib.readSafetensors(fileOf(name)));
      const x = ref.input.dtype === 'int64'
        ? { data: Int32Array.from(ref.input.data), shape: ref.input.shape }
        : { data: Float32Array.from(ref.input.data), shape: ref.input.shape };
      const y = model.forward(x);
      expect(y.shape).toEqual(ref.output_shape);
      const bound = 4 * ref.max_abs_f32_vs_f64 + 1e-7;
      const d = maxAbsDiff(y.data, ref.float64);
      expect(d).toBeLessThanOrEqual(bound);
      model.dispose();
    });
  }
});
