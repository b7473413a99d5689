/**
 * Keras files written by tools/gen_keras_fixtures.py with h5py in Keras' exact layouts (and
 * validated by h5py): a Keras 2 `.h5` with two reset_after GRUs (one go_backwards) against
 * PyTorch's GRU with the weights mapped, and a Keras 3 `.keras` archive (Embedding mask_zero ->
 * Bidirectional GRU -> TimeDistributed(Dense), plus a Keras 3 hard_sigmoid LSTM) against
 * PyTorch without padding and the float64 reference with padding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { H5File } from '../../src/keras/hdf5.js';
import { loadKerasModel, readZip } from '../../src/keras/files.js';
import { loadLayersModelFile } from '../../src/keras/node.js';
import { flip, hardSig3, refRnn, sig } from './reference-f64.js';
import { expectClose } from './tfjs.js';

const DIR = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'fixtures', 'keras');
const REF = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Record<string, Record<string, { data: number[]; shape: number[] }>>;
const f32 = (r: { data: number[]; shape: number[] }) => ({ data: Float32Array.from(r.data), shape: r.shape });

beforeAll(async () => {
  await ready();
});

describe('Keras 2 .h5', () => {
  const bytes = new Uint8Array(readFileSync(join(DIR, 'gru_reset_after.h5')));
  it('matches PyTorch GRUs with the weights mapped (fast and general paths)', () => {
    const ref = REF['gru_reset_after.h5'];
    for (const fastPath of [true, false]) {
      const m = loadKerasModel(bytes, { fastPath });
      expect(m.writer).toBe('keras2');
      expect(m.recurrentLayers.map((r) => r.path)).toEqual(fastPath ? ['fast', 'fast'] : ['general', 'general']);
      expectClose(m.predict(f32(ref.x)) as never, ref.output, 1e-5, `fastPath=${fastPath}`);
      m.dispose();
    }
  });
  it('the HDF5 reader sees what h5py wrote', () => {
    const h5 = new H5File(bytes);
    expect(h5.keys('model_weights').sort()).toEqual(['dense', 'gru', 'gru_1', 'gru_input']);
    expect(h5.attr('model_weights', 'layer_names')!.value).toEqual(['gru_input', 'gru', 'gru_1', 'dense']);
    expect(h5.attr('', 'keras_version')!.value).toEqual(['2.15.0']);
    expect(h5.read('model_weights/gru/gru/gru_cell/bias:0').shape).toEqual([2, 15]);
  });
  it('loads through the Node file helper', async () => {
    const m = await loadLayersModelFile(join(DIR, 'gru_reset_after.h5'));
    const ref = REF['gru_reset_after.h5'];
    expectClose(m.predict(f32(ref.x)) as never, ref.output, 1e-5);
    m.dispose();
  });
});

describe('Keras 3 .keras', () => {
  const bytes = new Uint8Array(readFileSync(join(DIR, 'bidi_masked.keras')));
  const ref = REF['bidi_masked.keras'];
  it('matches PyTorch without padding', () => {
    for (const fastPath of [true, false]) {
      const m = loadKerasModel(bytes, { fastPath });
      expect(m.writer).toBe('keras3');
      expect(m.inputNames).toEqual(['tokens']);
      const out = m.predict({ data: Int32Array.from(ref.tokens.data), shape: ref.tokens.shape }) as never[];
      expect(out.length).toBe(2);
      expectClose(out[0], ref.td, 1e-5, `fastPath=${fastPath}`);
      m.dispose();
    }
  });
  it('matches the float64 reference with padding (zeros at masked steps, Keras 3 hard_sigmoid)', () => {
    const h5 = new H5File(readZip(bytes).get('model.weights.h5')!);
    const v = (p: string) => h5.read(p).f32!;
    const table = v('layers/embedding/vars/0');
    const [B, T, E, H, V, U] = [3, 7, 4, 5, 12, 3];
    const tok = new Int32Array(B * T);
    for (let i = 0; i < tok.length; i++) tok[i] = 1 + ((i * 7) % (V - 1));
    for (const [b, t] of [[0, 6], [0, 5], [1, 2], [2, 0], [2, 1]]) tok[b * T + t] = 0;
    const x = new Float64Array(B * T * E);
    tok.forEach((k, i) => x.set(table.subarray(k * E, (k + 1) * E), i * E));
    const mask = Array.from(tok, (k) => (k ? 1 : 0));
    const dir = (d: string, back: boolean) =>
      refRnn({ cell: 'gru', H, I: E, kernel: v(`layers/bidirectional/${d}/cell/vars/0`), rec: v(`layers/bidirectional/${d}/cell/vars/1`), bias: v(`layers/bidirectional/${d}/cell/vars/2`), resetAfter: true, act: Math.tanh, recAct: sig, goBackwards: back }, x, B, T, mask, 'keras', true).seq;
    const f = dir('forward_layer', false);
    const r = flip(dir('backward_layer', true), B, T, H);
    const K = v('layers/time_distributed/layer/vars/0');
    const bias = v('layers/time_distributed/layer/vars/1');
    const td = new Float64Array(B * T * U);
    for (let i = 0; i < B * T; i++)
      for (let u = 0; u < U; u++) {
        let s = bias[u];
        for (let k = 0; k < H; k++) s += f[i * H + k] * K[k * U + u] + r[i * H + k] * K[(H + k) * U + u];
        td[i * U + u] = s;
      }
    const lstm = refRnn({ cell: 'lstm', H: 4, I: E, kernel: v('layers/lstm/cell/vars/0'), rec: v('layers/lstm/cell/vars/1'), bias: v('layers/lstm/cell/vars/2'), act: Math.tanh, recAct: hardSig3 }, x, B, T, mask, 'keras');
    for (const fastPath of [true, false]) {
      const m = loadKerasModel(bytes, { fastPath });
      const out = m.predict({ data: tok, shape: [B, T] }) as never[];
      expectClose(out[0], { data: td, shape: [B, T, U] }, 1e-5, `td fastPath=${fastPath}`);
      expectClose(out[1], { data: lstm.last, shape: [B, 4] }, 1e-5, `lstm fastPath=${fastPath}`);
      m.dispose();
    }
  });
});
