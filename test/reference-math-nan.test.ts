/**
 * The NaN rule of the JS math (base/reference-math.ts): NaN propagates, as PyTorch's relu, the
 * wasm RNN-relu kernel (f32.max), onnxruntime's Relu operator and TF.js's relu do. Checked
 * against onnxruntime (Relu) and TF.js (the Keras relu activation and softmax); an ONNX RNN with
 * a Relu activation now gives the same bits on the JS recurrence (general path) as on the wasm
 * kernels (fast path). onnxruntime's RNN differs: its internal Relu returns 0 for NaN.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../src/index.js';
import { loadOnnx } from '../src/onnx/index.js';
import { resolveActivation } from '../src/keras/activations.js';
import { relu, softmaxF64 } from '../base/reference-math.js';
import { model } from './onnx/encode.js';
import { runOrt } from './onnx/ort.js';
import { tf, useCpu } from './keras/tfjs.js';

const X = new Float32Array([NaN, -1.5, 0, 2.25]);

/** Bits-level equality that tells NaN, -0 and +0 apart. */
function same(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(Array.from(got).map((v) => (Object.is(v, -0) ? '-0' : String(v))), what).toEqual(Array.from(want).map((v) => (Object.is(v, -0) ? '-0' : String(v))));
}

beforeAll(async () => {
  await ready();
  await useCpu();
});

describe('NaN rule: NaN propagates, as onnxruntime and TF.js', () => {
  it('ONNX Relu equals onnxruntime on NaN', async () => {
    const bytes = model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [4] }], outputs: [{ name: 'y', shape: [4] }] });
    const ort = await runOrt(bytes, { x: { data: X, shape: [4] } });
    expect(ort.error).toBeUndefined();
    const m = loadOnnx(bytes);
    const got = m.run({ x: { data: X, shape: [4] } }).y.data as Float32Array;
    m.dispose();
    same(got, ort.outputs!.y.data, 'Relu');
    same(Array.from(X, relu), ort.outputs!.y.data, 'reference-math relu');
  });

  it('an ONNX RNN with activation Relu: the general path (JS recurrence) gives the fast path\'s (wasm) bits, NaN carried through h', () => {
    // H = 2, I = 2, T = 2: both units read the NaN of step 0, and h carries it into step 1
    const bytes = model({
      nodes: [{ op: 'RNN', inputs: ['x', 'W', 'R'], outputs: ['Y'], attrs: [{ name: 'hidden_size', i: 2 }, { name: 'activations', strings: ['Relu'] }] }],
      inputs: [{ name: 'x', shape: [2, 1, 2] }],
      outputs: [{ name: 'Y', shape: [2, 1, 1, 2] }],
      initializers: [
        { name: 'W', dims: [1, 2, 2], data: [1, 0, 0.5, 1] },
        { name: 'R', dims: [1, 2, 2], data: [0.25, 0, 0, 0.5] },
      ],
    });
    const x = new Float32Array([-1, NaN, 3, -2]);
    const outs = [true, false].map((fastPath) => {
      const m = loadOnnx(bytes, { fastPath });
      expect(m.recurrentNodes.map((n) => n.path)).toEqual([fastPath ? 'fast' : 'general']);
      const y = m.run({ x: { data: x, shape: [2, 1, 2] } }).Y.data as Float32Array;
      m.dispose();
      return y;
    });
    same(outs[1], outs[0], 'general vs fast');
    expect(Array.from(outs[1]).every(Number.isNaN)).toBe(true);
  });

  it('Keras relu and softmax equal TF.js on NaN', () => {
    const act = resolveActivation('relu', 'tfjs', 'test');
    same(Array.from(X, act.fn!), tf.relu(tf.tensor1d(X)).dataSync(), 'relu');
    const row = new Float32Array([1, NaN, 2]);
    const got = row.slice();
    softmaxF64(row, got, 0, 3, 1, false);
    same(got, tf.softmax(tf.tensor1d(row)).dataSync(), 'softmax');
  });
});
