// Seeded initialisation is reproducible: a layer built with a given seed has exactly the weights
// the JS Rng gives (the definition: one next() per float, parameters in PyTorch's order), and the
// same as before the fill moved to wasm (hashes recorded from commit b772bfd), on every build.
import { describe, it, expect } from 'vitest';
import { GRU, LSTM, Linear, RNN, ready, supportedBuilds, type Tensor } from '../src/index.js';
import { Rng } from '../base/random.js';

/** FNV-1a over the float bits of every parameter, keys sorted. */
function hash(sd: Record<string, Tensor<Float32Array>>): string {
  let x = 0x811c9dc5;
  for (const k of Object.keys(sd).sort()) {
    const d = sd[k].data;
    for (const v of new Uint32Array(d.buffer, d.byteOffset, d.length)) x = Math.imul(x ^ v, 0x01000193) >>> 0;
  }
  return x.toString(16);
}

type Made = { stateDict(): Record<string, Tensor<Float32Array>>; dispose(): void };
// [what, seed, make, recorded hash, bound = 1/sqrt(hiddenSize) (Linear: 1/sqrt(inFeatures))]
const cases: Array<[string, number, (seed: number) => Made, string, number]> = [
  ['LSTM 3->4 x2', 7, (seed) => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed }), '8e4faed9', 1 / Math.sqrt(4)],
  ['LSTM proj bidir', 0, (seed) => new LSTM({ inputSize: 5, hiddenSize: 6, projSize: 3, bidirectional: true, seed }), 'f0ec38c0', 1 / Math.sqrt(6)],
  ['GRU 128->256', 1, (seed) => new GRU({ inputSize: 128, hiddenSize: 256, seed }), '9f225076', 1 / Math.sqrt(256)],
  ['RNN relu no bias', 2 ** 32 - 1, (seed) => new RNN({ inputSize: 7, hiddenSize: 9, bias: false, nonlinearity: 'relu', seed }), '494c0e60', 1 / Math.sqrt(9)],
  ['LSTM 128->256', 1, (seed) => new LSTM({ inputSize: 128, hiddenSize: 256, seed }), 'c742c0ca', 1 / Math.sqrt(256)],
  ['Linear 256->96', 3, (seed) => new Linear(256, 96, true, { seed }), '8407d000', 1 / Math.sqrt(256)],
];

describe.each(supportedBuilds())('seeded initialisation [%s build]', (build) => {
  it('matches the JS Rng stream in parameter order and the recorded hashes', async () => {
    await ready({ build });
    for (const [name, seed, make, expected, bound] of cases) {
      const what = `${name} seed ${seed}`;
      const layer = make(seed);
      const sd = layer.stateDict();
      expect(hash(sd), what).toBe(expected);
      // the definition, in the order the layer lists its parameters (stateDict keeps it)
      const rng = new Rng(seed);
      for (const [k, t] of Object.entries(sd)) {
        const ref = new Float32Array(t.data.length);
        for (let i = 0; i < ref.length; i++) ref[i] = (rng.next() * 2 - 1) * bound;
        expect(new Uint32Array(t.data.buffer), `${what}: ${k}`).toEqual(new Uint32Array(ref.buffer));
      }
      layer.dispose();
    }
  });
});
