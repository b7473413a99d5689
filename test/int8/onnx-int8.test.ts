// loadOnnx(bytes, { weights: 'int8' }): the LSTM / GRU nodes that run on the wasm layers store
// int8 matrices, and compute bit for bit what the same weights in an int8 layer compute
// (quantize(GRU / LSTM) with the gate blocks in PyTorch's order), in one call and as a stream.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, loadOnnx, quantize, LSTM, GRU } from '../../src/index.js';
import { model } from '../onnx/encode.js';
import { codeOf, rng } from '../helpers/common.js';

beforeAll(async () => {
  await ready();
});

const randn = (n: number, r: () => number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * 0.6);

/** ONNX gate blocks -> PyTorch's: LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n. */
function reorder(a: Float32Array, op: 'LSTM' | 'GRU', H: number, cols: number): Float32Array {
  const order = op === 'LSTM' ? [0, 2, 3, 1] : [1, 0, 2];
  const out = new Float32Array(a.length);
  order.forEach((o, k) => out.set(a.subarray(o * H * cols, (o + 1) * H * cols), k * H * cols));
  return out;
}

describe('ONNX recurrent nodes with int8 weights', () => {
  for (const op of ['LSTM', 'GRU'] as const) {
    it(`${op}: the same bits as the int8 layer of the same weights; float32 differs within the int8 error`, () => {
      const [I, H, T, B] = [6, 20, 5, 3];
      const G = op === 'LSTM' ? 4 : 3;
      const r = rng(op === 'LSTM' ? 21 : 22);
      const W = randn(G * H * I, r);
      const R = randn(G * H * H, r);
      const Bias = randn(2 * G * H, r);
      const bytes = model({
        opset: 14,
        nodes: [{ op, name: 'rnn', inputs: ['x', 'W', 'R', 'B'], outputs: ['y', 'yh'], attrs: [{ name: 'hidden_size', i: H }, ...(op === 'GRU' ? [{ name: 'linear_before_reset', i: 1 }] : [])] }],
        inputs: [{ name: 'x', shape: ['T', 'B', I] }],
        initializers: [
          { name: 'W', dims: [1, G * H, I], data: Array.from(W) },
          { name: 'R', dims: [1, G * H, H], data: Array.from(R) },
          { name: 'B', dims: [1, 2 * G * H], data: Array.from(Bias) },
        ],
        outputs: [{ name: 'y' }, { name: 'yh' }],
      });
      const x = { data: randn(T * B * I, r), shape: [T, B, I] };
      const m8 = loadOnnx(bytes, { weights: 'int8' });
      const m32 = loadOnnx(bytes);
      expect(m8.recurrentNodes.map((n) => n.path)).toEqual(['fast']);
      const y8 = m8.run({ x }).y.data as Float32Array;
      const y32 = m32.run({ x }).y.data as Float32Array;

      const sd = {
        weight_ih_l0: { data: reorder(W, op, H, I), shape: [G * H, I] },
        weight_hh_l0: { data: reorder(R, op, H, H), shape: [G * H, H] },
        bias_ih_l0: { data: reorder(Bias.subarray(0, G * H), op, H, 1), shape: [G * H] },
        bias_hh_l0: { data: reorder(Bias.subarray(G * H), op, H, 1), shape: [G * H] },
      };
      const layer = op === 'LSTM' ? LSTM.fromStateDict(sd, { inputSize: I, hiddenSize: H }) : GRU.fromStateDict(sd, { inputSize: I, hiddenSize: H });
      const q = quantize(layer, { weights: 'int8' });
      expect(y8, 'ONNX int8 = int8 layer').toEqual(q.forward(x).output.data);
      expect(y32, 'ONNX float32 = float32 layer').toEqual(layer.forward(x).output.data);
      const d = y8.reduce((m, v, i) => Math.max(m, Math.abs(v - y32[i])), 0);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(0.05);

      // one step per call runs the node's stream: the int8 layer's step
      const x1 = { data: x.data.subarray(0, B * I), shape: [1, B, I] };
      const s = q.createState({ batch: B });
      expect(m8.run({ x: x1 }).y.data).toEqual(q.step({ data: x1.data, shape: [B, I] }, s).data);
      s.dispose();
      for (const o of [m8, m32, layer, q]) o.dispose();
    });
  }

  it('an unknown weights option is INVALID_OPTION', () => {
    expect(codeOf(() => loadOnnx(new Uint8Array(8), { weights: 'int4' as never }))).toBe('INVALID_OPTION');
  });
});
