/**
 * Keras-written models (hand-made model.json in the layers format with keras_version 2.x / 3.x)
 * against the float64 reference of test/keras/reference-f64.ts: GRU reset_after=true (which TF.js
 * cannot run), Keras' masked outputs (previous output; zeros in Bidirectional with
 * return_sequences), hard_sigmoid per writer, and the defaults of missing config keys.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadLayersModel } from '../../src/keras/index.js';
import { type RefLayer, flip, hardSig2, hardSig3, refRnn, sig } from './reference-f64.js';
import { Lcg, expectClose } from './tfjs.js';

beforeAll(async () => {
  await ready();
});

const B = 3;
const T = 6;
const E = 4;
const V = 9;

interface W {
  name: string;
  data: Float32Array;
  shape: number[];
}

export function modelJson(layers: Array<{ class_name: string; config: Record<string, unknown> }>, weights: W[], kerasVersion: string) {
  const specs = weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' }));
  const total = weights.reduce((a, w) => a + w.data.length, 0);
  const bytes = new Float32Array(total);
  let o = 0;
  for (const w of weights) {
    bytes.set(w.data, o);
    o += w.data.length;
  }
  return {
    json: {
      format: 'layers-model',
      modelTopology: { keras_version: kerasVersion, backend: 'tensorflow', model_config: { class_name: 'Sequential', config: { name: 'seq', layers } } },
      weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: specs }],
    },
    shards: [new Uint8Array(bytes.buffer, 0, 8), new Uint8Array(bytes.buffer, 8)],
  };
}

function tokens(rng: Lcg, kind: 'none' | 'right' | 'middle' | 'left'): Int32Array {
  const d = rng.ints(B * T, V - 1).map((v) => v + 1);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const z = kind === 'right' ? t >= T - b - 1 && b > 0 : kind === 'left' ? t < b + 1 : kind === 'middle' ? (t + b) % 3 === 1 : false;
      if (z) d[b * T + t] = 0;
    }
  return d;
}

function embed(table: Float32Array, tok: Int32Array): Float32Array {
  const out = new Float32Array(tok.length * E);
  tok.forEach((v, i) => out.set(table.subarray(v * E, (v + 1) * E), i * E));
  return out;
}

const G = { lstm: 4, gru: 3, simple_rnn: 1 } as const;
const CLS = { lstm: 'LSTM', gru: 'GRU', simple_rnn: 'SimpleRNN' } as const;

describe('Keras-written models vs the float64 reference', () => {
  const cells = ['gru', 'lstm', 'simple_rnn'] as const;
  for (const cell of cells) {
    for (const version of ['2.15.0', '3.6.0']) {
      for (const mask of ['none', 'right', 'middle', 'left'] as const) {
        for (const back of [false, true]) {
          for (const bidi of [false, true]) {
            const name = `${cell} keras ${version} mask ${mask}${back ? ' go_backwards' : ''}${bidi ? ' bidirectional' : ''}`;
            it(name, () => {
              const rng = new Lcg(name.length * 977 + (bidi ? 5 : 0) + (back ? 3 : 0));
              const H = 5;
              const GH = G[cell] * H;
              const table = rng.uniform(V * E);
              const hard = cell === 'lstm' && version.startsWith('3');
              const rc: Record<string, unknown> = {
                name: 'rnn', units: H, return_sequences: true, go_backwards: back,
                activation: 'tanh', recurrent_activation: hard ? 'hard_sigmoid' : 'sigmoid',
              };
              if (cell === 'gru') rc.reset_after = true;
              const mk = () => ({ kernel: rng.uniform(E * GH, -0.7, 0.7), rec: rng.uniform(H * GH, -0.7, 0.7), bias: rng.uniform((cell === 'gru' ? 2 : 1) * GH, -0.5, 0.5) });
              const wf = mk();
              const wb = mk();
              const bshape = cell === 'gru' ? [2, GH] : [GH];
              const weights: W[] = [{ name: 'emb/embeddings', data: table, shape: [V, E] }];
              const put = (pre: string, w: ReturnType<typeof mk>, sub: string) => {
                weights.push({ name: `${pre}/${sub}kernel:0`, data: w.kernel, shape: [E, GH] }, { name: `${pre}/${sub}recurrent_kernel:0`, data: w.rec, shape: [H, GH] }, { name: `${pre}/${sub}bias:0`, data: w.bias, shape: bshape });
              };
              const layers: Array<{ class_name: string; config: Record<string, unknown> }> = [
                { class_name: 'Embedding', config: { name: 'emb', input_dim: V, output_dim: E, mask_zero: true, batch_input_shape: [null, T] } },
              ];
              if (bidi) {
                layers.push({ class_name: 'Bidirectional', config: { name: 'bidi', merge_mode: 'concat', layer: { class_name: CLS[cell], config: rc } } });
                // weights listed backward first: matching is by name, not order
                put('bidi', wb, `backward_rnn/${cell}_cell/`);
                put('bidi', wf, `forward_rnn/${cell}_cell/`);
              } else {
                layers.push({ class_name: CLS[cell], config: rc });
                put('rnn', wf, `${cell}_cell/`);
              }
              const { json, shards } = modelJson(layers, weights, version);
              const tok = tokens(rng, mask);
              const x = embed(table, tok);
              const m = mask === 'none' ? null : Array.from(tok, (v) => (v !== 0 ? 1 : 0));
              const ref = (w: ReturnType<typeof mk>, gb: boolean, zero: boolean) => {
                const l: RefLayer = { cell, H, I: E, ...w, resetAfter: true, act: Math.tanh, recAct: hard ? hardSig3 : sig, goBackwards: gb };
                return refRnn(l, x, B, T, m, 'keras', zero).seq;
              };
              let want: Float64Array;
              let width = H;
              if (bidi) {
                const f = ref(wf, back, true);
                const r = flip(ref(wb, !back, true), B, T, H);
                want = new Float64Array(B * T * 2 * H);
                for (let i = 0; i < B * T; i++) {
                  want.set(f.subarray(i * H, (i + 1) * H), i * 2 * H);
                  want.set(r.subarray(i * H, (i + 1) * H), i * 2 * H + H);
                }
                width = 2 * H;
              } else want = ref(wf, back, false);
              for (const fastPath of [true, false]) {
                const model = loadLayersModel(json, shards, { fastPath });
                expect(model.writer).toBe(version.startsWith('3') ? 'keras3' : 'keras2');
                if (fastPath && !hard) expect(model.recurrentLayers[0].path).toBe('fast');
                const got = model.predict({ data: tok, shape: [B, T] });
                expectClose(got as never, { data: want, shape: [B, T, width] }, 1e-5, `${name} fastPath=${fastPath}`);
                model.dispose();
              }
            });
          }
        }
      }
    }
  }

  it('hard_sigmoid follows the writer (0.2x+0.5 in Keras 2 / TF.js, relu6(x+3)/6 in Keras 3)', () => {
    const rng = new Lcg(5);
    const w = rng.uniform(E * 3, -3, 3);
    const x = rng.uniform(B * E, -3, 3);
    const layers = [{ class_name: 'Dense', config: { name: 'd', units: 3, activation: 'hard_sigmoid', use_bias: false, batch_input_shape: [null, E] } }];
    for (const [v, f] of [['2.15.0', hardSig2], ['3.6.0', hardSig3], ['tfjs-layers 4.22.0', hardSig2]] as const) {
      const { json, shards } = modelJson(layers, [{ name: 'd/kernel', data: w, shape: [E, 3] }], v);
      const got = loadLayersModel(json, shards).predict({ data: x, shape: [B, E] }) as { data: Float32Array };
      const want = new Float64Array(B * 3);
      for (let b = 0; b < B; b++) for (let u = 0; u < 3; u++) {
        let s = 0;
        for (let k = 0; k < E; k++) s += x[b * E + k] * w[k * 3 + u];
        want[b * 3 + u] = f(s);
      }
      expectClose(got as never, { data: want, shape: [B, 3] }, 1e-6, v);
    }
  });

  it('missing keys take the writer defaults (Keras: sigmoid, reset_after=true; TF.js: hard_sigmoid, reset_after=false)', () => {
    const rng = new Lcg(9);
    const H = 3;
    const x = rng.uniform(B * T * E);
    for (const v of ['2.15.0', 'tfjs-layers 4.22.0']) {
      const keras = !v.startsWith('tfjs');
      const w = { kernel: rng.uniform(E * 3 * H), rec: rng.uniform(H * 3 * H), bias: rng.uniform((keras ? 2 : 1) * 3 * H) };
      const layers = [{ class_name: 'GRU', config: { name: 'g', units: H, batch_input_shape: [null, T, E] } }];
      const { json, shards } = modelJson(
        layers,
        [
          { name: 'g/kernel', data: w.kernel, shape: [E, 3 * H] },
          { name: 'g/recurrent_kernel', data: w.rec, shape: [H, 3 * H] },
          { name: 'g/bias', data: w.bias, shape: keras ? [2, 3 * H] : [3 * H] },
        ],
        v,
      );
      const got = loadLayersModel(json, shards).predict({ data: x, shape: [B, T, E] });
      const ref = refRnn({ cell: 'gru', H, I: E, ...w, resetAfter: keras, act: Math.tanh, recAct: keras ? sig : hardSig2 }, x, B, T, null, keras ? 'keras' : 'tfjs');
      expectClose(got as never, { data: ref.last, shape: [B, H] }, 1e-5, v);
    }
  });
});
