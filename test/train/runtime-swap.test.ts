/**
 * ready({ training: true }) after ready() makes the training build the current runtime, while the
 * objects made before keep their memory in the first one. Everything that creates wasm state for
 * an existing object at run time must use that object's runtime: an ONNX LSTM's stream state for a
 * new batch size, a Sequential's step buffers, an optimizer's state. Checked against the same
 * objects made fresh on the new runtime (bitwise), and a mix of runtimes in one optimizer is a
 * typed error.
 */
import { describe, expect, it } from 'vitest';
import { Adam, Linear, Sequential, loadOnnx, ready } from '../../src/index.js';
import { rng } from '../helpers/common.js';
import { model } from '../onnx/encode.js';

const r = rng(21);
const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
const H = 5;
const I = 3;
const lstmBytes = model({
  nodes: [{ op: 'LSTM', inputs: ['x', 'W', 'R', 'B'], outputs: ['y'], attrs: [{ name: 'hidden_size', i: H }] }],
  initializers: [
    { name: 'W', dims: [1, 4 * H, I], data: w(4 * H * I) },
    { name: 'R', dims: [1, 4 * H, H], data: w(4 * H * H) },
    { name: 'B', dims: [1, 8 * H], data: w(8 * H) },
  ],
  inputs: [{ name: 'x', shape: [1, 'b', I] }],
  outputs: [{ name: 'y' }],
  opset: 17,
});
const x = (b: number) => ({ data: Float32Array.from(w(b * I)), shape: [1, b, I] });

describe('objects made before ready({ training: true }) keep their runtime', () => {
  it('an ONNX LSTM streams a new batch size, and a Sequential steps, on the memory of their weights', async () => {
    expect((await ready({ build: 'simd' })).training).toBe(false);
    const m = loadOnnx(lstmBytes);
    const x1 = x(1);
    const x2 = x(2);
    m.run({ x: x1 }); // packs the weights and makes a one-row stream on the first runtime
    const lin = new Linear(I, 4, true, { seed: 3 });
    const seq = new Sequential([['lin', lin]]);

    expect(await ready({ build: 'simd', training: true })).toEqual({ build: 'simd', training: true, threads: 1 });
    // a new batch size: a new stream, which must sit next to the weights
    const got = m.run({ x: x2 }).y.data;
    const want = loadOnnx(lstmBytes).run({ x: x2 }).y.data;
    expect(got).toEqual(want);
    const state = seq.createState({ batch: 1 });
    const stepped = seq.step({ data: x1.data, shape: [1, I] }, state);
    expect(stepped.data).toEqual(lin.forward({ data: x1.data, shape: [1, I] }).data);
  });

  it('an optimizer over parameters in two runtimes is INVALID_INPUT naming them', async () => {
    // another build than the first test's, so that this one starts on an inference runtime
    expect(await ready({ build: 'scalar' })).toEqual({ build: 'scalar', training: false, threads: 1 });
    const before = new Linear(3, 3, true, { seed: 1 });
    await ready({ build: 'scalar', training: true });
    const after = new Linear(3, 2, true, { seed: 2 });
    const both = new Sequential([['a', before], ['b', after]]);
    expect(() => new Adam(both)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/another wasm runtime/) }));
  });
});
