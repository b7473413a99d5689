/**
 * Errors: unsupported layers and options are RnnError('UNSUPPORTED') at load naming the class,
 * the layer and the option; malformed model.json, manifests, shards and files are RnnErrors; a
 * bounded seeded fuzz of mutated model.json / manifests / .h5 / .keras bytes ends every case in a
 * working model or an RnnError. Also stateful layers and the model.json file helper.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RnnError, ready } from '../../src/index.js';
import { loadKerasModel, loadLayersModel, loadLayersModelFile } from '../../src/keras/index.js';
import { Lcg, expectClose, randomizeWeights, save, tf, tfPredict, useCpu } from './tfjs.js';

const DIR = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'fixtures', 'keras');

let base: { json: Record<string, unknown>; weights: Uint8Array };
beforeAll(async () => {
  await ready();
  await useCpu();
  const x = tf.input({ shape: [5], dtype: 'int32' });
  const e = tf.layers.embedding({ inputDim: 8, outputDim: 3, maskZero: true }).apply(x) as tf.SymbolicTensor;
  const l = tf.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }).apply(e) as tf.SymbolicTensor;
  const b = tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as never }).apply(l) as tf.SymbolicTensor;
  const d = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(b) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: d });
  randomizeWeights(m, 3);
  base = await save(m);
  m.dispose();
});

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}
type Layer = { class_name: string; name: string; config: Record<string, unknown> };
function layersOf(j: Record<string, unknown>): Layer[] {
  return ((j.modelTopology as Record<string, unknown>).config as { layers: Layer[] }).layers;
}

function expectCode(f: () => unknown, code: string, ...words: string[]): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnError);
    expect((e as RnnError).code).toBe(code);
    for (const w of words) expect((e as Error).message).toContain(w);
    return;
  }
  throw new Error('expected an RnnError');
}

describe('unsupported layers and options', () => {
  it('unknown layer class names class and layer', () => {
    const j = clone(base.json);
    layersOf(j)[3].class_name = 'Conv1D';
    expectCode(() => loadLayersModel(j, base.weights), 'UNSUPPORTED', "'Conv1D'", layersOf(j)[3].name);
  });
  it('time_major, unknown activation, merge mode, TimeDistributed(LSTM), lora_rank, nested models', () => {
    const cases: Array<[(ls: Layer[]) => void, string[]]> = [
      [(ls) => (ls[2].config.time_major = true), ['time_major', 'LSTM']],
      [(ls) => (ls[2].config.activation = 'crelu'), ['crelu', 'LSTM']],
      [(ls) => (ls[3].config.merge_mode = 'max'), ['merge_mode', 'Bidirectional']],
      [(ls) => (ls[4].config.lora_rank = 4), ['lora_rank', 'Dense']],
      [(ls) => (ls[4].config.some_new_option = 'x'), ['some_new_option', 'Dense']],
      [(ls) => ((ls[3].config.layer as Layer).class_name = 'ConvLSTM1D'), ['ConvLSTM1D', 'Bidirectional']],
      [(ls) => Object.assign(ls[4], { class_name: 'TimeDistributed', config: { name: ls[4].name, layer: { class_name: 'LSTM', config: {} } } }), ['TimeDistributed(LSTM)']],
      [(ls) => (ls[4].class_name = 'Sequential'), ['nested models']],
    ];
    for (const [mut, words] of cases) {
      const j = clone(base.json);
      mut(layersOf(j));
      expectCode(() => loadLayersModel(j, base.weights), 'UNSUPPORTED', ...words);
    }
  });
  it('graph models and compressed archives', () => {
    expectCode(() => loadLayersModel({ ...base.json, format: 'graph-model' }, base.weights), 'UNSUPPORTED', 'graph-model');
  });
});

describe('malformed model.json and manifests', () => {
  it('named errors', () => {
    expectCode(() => loadLayersModel('{not json', base.weights), 'INVALID_FORMAT', 'JSON');
    expectCode(() => loadLayersModel({}, base.weights), 'INVALID_FORMAT', 'modelTopology');
    expectCode(() => loadLayersModel(base.json, base.weights.subarray(0, 100)), 'INVALID_FORMAT', 'needs bytes');
    expectCode(() => loadLayersModel(base.json, new Uint8Array(base.weights.length + 4)), 'INVALID_FORMAT', 'bytes of weights');
    expectCode(() => loadLayersModel(base.json, [base.weights, base.weights]), 'INVALID_FORMAT', 'shards');
    const j = clone(base.json);
    (j.weightsManifest as Array<{ weights: Array<{ name: string }> }>)[0].weights[1].name = 'lstm_x/kernel';
    expectCode(() => loadLayersModel(j, base.weights), 'MISSING_KEY', 'kernel');
    const k = clone(base.json);
    (k.weightsManifest as Array<{ weights: Array<{ shape: number[] }> }>)[0].weights[0].shape = [3, 8];
    expectCode(() => loadLayersModel(k, base.weights), 'SHAPE_MISMATCH', 'embeddings');
    const c = clone(base.json);
    (layersOf(c)[2] as unknown as { inbound_nodes: unknown }).inbound_nodes = [[['missing_layer', 0, 0, {}]]];
    expectCode(() => loadLayersModel(c, base.weights), 'INVALID_FORMAT', 'missing_layer');
  });
  it('bad inputs to predict', () => {
    const m = loadLayersModel(base.json, base.weights);
    expectCode(() => m.predict({ data: new Int32Array(6), shape: [1, 6] }), 'SHAPE_MISMATCH');
    expectCode(() => m.predict({ data: Int32Array.from([1, 2, 3, 4, 99]), shape: [1, 5] }), 'INVALID_INPUT', 'outside');
    expectCode(() => m.predict([]), 'INVALID_INPUT');
    m.dispose();
    expectCode(() => m.predict({ data: new Int32Array(5), shape: [1, 5] }), 'DISPOSED');
  });

  it('seeded fuzz: every mutation ends in a model or an RnnError', () => {
    const rng = new Lcg(2024);
    const text = JSON.stringify(base.json);
    const junk = [null, -1, 0, 1, 1e9, 2.5, '', 'x', true, [], {}, [null], ['a', 0, 0], NaN];
    const pick = <T>(a: T[]): T => a[Math.floor(rng.next() * a.length)];
    const paths = (v: unknown, pre: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
      out.push(pre);
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) paths(c, [...pre, Array.isArray(v) ? Number(k) : k], out);
      return out;
    };
    const all = paths(base.json).filter((p) => p.length > 0);
    let models = 0;
    let errors = 0;
    const x = { data: Int32Array.from([1, 2, 0, 3, 0]), shape: [1, 5] };
    for (let i = 0; i < 1500; i++) {
      let input: unknown;
      let w: Uint8Array | Uint8Array[] = base.weights;
      const kind = i % 4;
      if (kind === 0) {
        // replace a value somewhere in the JSON tree
        const j = clone(base.json) as Record<string, unknown>;
        const p = pick(all);
        let o = j as Record<string | number, unknown>;
        for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        o[p[p.length - 1]] = pick(junk);
        input = j;
      } else if (kind === 1) {
        // delete a key
        const j = clone(base.json) as Record<string, unknown>;
        const p = pick(all);
        let o = j as Record<string | number, unknown>;
        for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        delete o[p[p.length - 1]];
        input = j;
      } else if (kind === 2) {
        // byte-level text mutation
        const a = text.split('');
        for (let k = 0; k < 3; k++) a[Math.floor(rng.next() * a.length)] = pick(['"', '[', ']', '{', '}', ',', '0', '-', 'e', ':', 'n']);
        input = a.join('');
      } else {
        input = base.json;
        const cut = Math.floor(rng.next() * base.weights.length);
        w = rng.next() < 0.5 ? base.weights.subarray(0, cut) : [base.weights.subarray(0, cut), base.weights.subarray(cut)];
      }
      try {
        const m = loadLayersModel(input as object, w);
        models++;
        try {
          m.predict(x);
        } catch (e) {
          if (!(e instanceof RnnError)) throw e;
        }
        m.dispose();
      } catch (e) {
        if (!(e instanceof RnnError)) throw new Error(`case ${i} (kind ${kind}) threw ${(e as Error).stack}`);
        errors++;
      }
    }
    expect(models + errors).toBe(1500);
    expect(errors).toBeGreaterThan(100);
  });

  it('seeded fuzz of .h5 and .keras bytes', () => {
    const rng = new Lcg(77);
    for (const f of ['gru_reset_after.h5', 'bidi_masked.keras']) {
      const bytes = new Uint8Array(readFileSync(join(DIR, f)));
      for (let i = 0; i < 300; i++) {
        let b: Uint8Array;
        if (i % 3 === 0) b = bytes.subarray(0, Math.floor(rng.next() * bytes.length));
        else {
          b = bytes.slice();
          for (let k = 0; k < 1 + (i % 8); k++) b[Math.floor(rng.next() * b.length)] = Math.floor(rng.next() * 256);
        }
        try {
          loadKerasModel(b).dispose();
        } catch (e) {
          if (!(e instanceof RnnError)) throw new Error(`${f} case ${i} threw ${(e as Error).stack}`);
        }
      }
    }
  });
});

describe('stateful layers and the file helper', () => {
  it('stateful LSTM carries its states across predict calls like TF.js; resetStates clears them', async () => {
    const m = tf.sequential();
    m.add(tf.layers.lstm({ units: 3, stateful: true, returnSequences: true, recurrentActivation: 'sigmoid', batchInputShape: [2, 4, 3] }));
    randomizeWeights(m, 11);
    const rng = new Lcg(4);
    const xs = [0, 1, 2].map(() => ({ data: rng.uniform(2 * 4 * 3), shape: [2, 4, 3] }));
    const want = xs.map((x) => tfPredict(m, [x])[0]);
    const saved = await save(m);
    m.resetStates();
    const again = tfPredict(m, [xs[0]])[0];
    m.dispose();
    for (const fastPath of [true, false]) {
      const ours = loadLayersModel(saved.json, saved.weights, { fastPath });
      xs.forEach((x, i) => expectClose(ours.predict(x) as never, want[i], 1e-5, `call ${i}`));
      ours.resetStates();
      expectClose(ours.predict(xs[0]) as never, again, 1e-5, 'after reset');
      ours.dispose();
    }
  });

  it('loadLayersModelFile reads model.json and its shards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keras-'));
    const j = clone(base.json);
    const cut = 40;
    (j.weightsManifest as Array<{ paths: string[] }>)[0].paths = ['w1.bin', 'sub/../w2.bin'];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
    writeFileSync(join(dir, 'w1.bin'), base.weights.subarray(0, cut));
    writeFileSync(join(dir, 'w2.bin'), base.weights.subarray(cut));
    const m = await loadLayersModelFile(join(dir, 'model.json'));
    const ref = loadLayersModel(base.json, base.weights);
    const x = { data: Int32Array.from([1, 2, 0, 3, 0, 4, 4, 4, 4, 4]), shape: [2, 5] };
    expect(Array.from((m.predict(x) as { data: Float32Array }).data)).toEqual(Array.from((ref.predict(x) as { data: Float32Array }).data));
    m.dispose();
    ref.dispose();
    await expect(loadLayersModelFile(join(dir, 'nope.json'))).rejects.toBeInstanceOf(RnnError);
  });
});
