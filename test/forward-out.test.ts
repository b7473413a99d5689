/**
 * forward(x, { out }): the output goes into the caller's Float32Array, bitwise what forward
 * returns without it, and the same array comes back as output.data; so a loop that reuses one
 * array allocates no output per call. Errors for a bad `out` are in reliability/validation.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, type RecurrentLayer } from '../src/index.js';
import { expectBitwise, randn, rng } from './reliability/helpers.js';

beforeAll(async () => {
  await ready();
});

const layers: Array<[string, () => RecurrentLayer]> = [
  ['LSTM, 2 layers, bidirectional, batchFirst', () => new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, batchFirst: true, seed: 1 })],
  ['LSTM with projection', () => new LSTM({ inputSize: 5, hiddenSize: 8, projSize: 3, seed: 2 })],
  ['GRU', () => new GRU({ inputSize: 5, hiddenSize: 6, seed: 3 })],
  ['RNN relu, bidirectional', () => new RNN({ inputSize: 5, hiddenSize: 4, nonlinearity: 'relu', bidirectional: true, seed: 4 })],
];

describe('forward with { out }', () => {
  it.each(layers)('%s: bitwise the allocated output, returned as output.data, reusable', (_name, make) => {
    const layer = make();
    const [T, B] = [6, 3];
    const shape = layer.batchFirst ? [B, T, 5] : [T, B, 5];
    const od = layer.spec.numDirections * (layer.projSize || layer.hiddenSize);
    const out = new Float32Array(T * B * od).fill(Number.NaN);
    for (const seed of [1, 2]) {
      const x = { data: randn(T * B * 5, rng(seed)), shape };
      for (const lengths of [undefined, [6, 2, 4]]) {
        const ref = layer.forward(x, { lengths });
        const got = layer.forward(x, { lengths, out });
        expect(got.output.data).toBe(out);
        expect(got.output.shape).toEqual(ref.output.shape);
        expectBitwise(out, ref.output.data, `seed ${seed}, lengths ${lengths}`);
        expectBitwise(got.h.data, ref.h.data, 'h');
      }
    }
    layer.dispose();
  });

  it('out may be the input array itself (the input is read before the output is written)', () => {
    const layer = new GRU({ inputSize: 4, hiddenSize: 4, seed: 5 });
    const x = { data: randn(5 * 2 * 4, rng(9)), shape: [5, 2, 4] };
    const ref = layer.forward(x).output.data;
    const got = layer.forward(x, { out: x.data });
    expect(got.output.data).toBe(x.data);
    expectBitwise(x.data, ref, 'in place');
    layer.dispose();
  });
});
