/**
 * The non-recurrent operators across the opsets that change their signatures
 * (tools/gen_onnx_op_fixtures.py), against onnxruntime-web: floats to 1e-5, integers exactly.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import { decodeModel } from '../../src/onnx/proto.js';
import type { Tensor } from '../../base/tensor.js';
import { FIXTURES, expectClose, listDirs, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

const DIR = join(FIXTURES, 'ops');
const cases = listDirs(DIR);

/** Each operator the generator covers, with the opsets its cases declare (the signature changes). */
const OPSETS_COVERED: Record<string, number[]> = {
  Add: [9, 13, 14], Sub: [9, 13], Mul: [9, 13, 14], Div: [9, 13, 14],
  Relu: [14], Sigmoid: [13], Tanh: [13],
  Softmax: [9, 13], LogSoftmax: [9, 13],
  MatMul: [13], Gemm: [9, 13],
  ReduceMax: [11, 18], ReduceMean: [11, 18], ReduceSum: [11, 13], ArgMax: [11, 13],
  Squeeze: [11, 13], Unsqueeze: [9, 11, 13], Slice: [9, 10, 13], Concat: [9, 13],
  Reshape: [13, 14], Flatten: [13], Transpose: [13], Expand: [13], Gather: [13],
  Shape: [13, 15], ConstantOfShape: [9, 13], Constant: [13], Cast: [13], Identity: [13], Dropout: [9, 13],
};

describe('operators vs onnxruntime', () => {
  it('the cases cover every operator at every opset listed, and nothing else', () => {
    const covered: Record<string, number[]> = {};
    for (const c of cases) {
      const m = decodeModel(readBytes(join(DIR, c, 'model.onnx')));
      expect(m.graph!.nodes.map((n) => n.opType), `${c}: one node`).toHaveLength(1);
      const opset = m.opsets.get('') ?? 0;
      expect(c, 'the case name ends with its opset').toMatch(new RegExp(`_op${opset}$`));
      const op = m.graph!.nodes[0].opType;
      covered[op] = [...new Set([...(covered[op] ?? []), opset])].sort((a, b) => a - b);
    }
    expect(covered).toEqual(OPSETS_COVERED);
  });
  for (const c of cases) {
    it(c, async () => {
      const bytes = readBytes(join(DIR, c, 'model.onnx'));
      const model = loadOnnx(bytes);
      const ins = readDataSet(join(DIR, c, 'test_data_set_0'), 'input');
      const feeds: Record<string, Tensor> = Object.fromEntries(ins.map((t) => [t.name, { data: t.data, shape: t.shape }]));
      const got = model.run(feeds);
      const r = await runOrt(bytes, feeds as never);
      expect(r.error).toBeUndefined();
      for (const n of model.outputNames) {
        const w = r.outputs![n] as unknown as { data: ArrayLike<number | bigint | boolean>; shape: number[] };
        const g = got[n];
        if (c === 'dropout_legacy_op9' && n === 'out1') {
          // onnxruntime's opset-7..9 Dropout writes a zero mask; the spec (and wasm-rnn) say
          // nothing is dropped at inference: ones.
          expect(Array.from(g.data as Float32Array)).toEqual(new Array(12).fill(1));
          continue;
        }
        if (w.data instanceof Float32Array) {
          expect(g.data).toBeInstanceOf(Float32Array);
          expectClose(g, w as never, 1e-5, `${c} ${n}`);
        } else {
          expect(g.shape, `${c} ${n} shape`).toEqual(w.shape);
          const wantKind = w.data instanceof BigInt64Array ? BigInt64Array : Int32Array; // bool -> Int32Array 0/1
          expect(g.data).toBeInstanceOf(wantKind);
          expect(Array.from(g.data as ArrayLike<number | bigint>, Number), `${c} ${n}`).toEqual(Array.from(w.data as ArrayLike<number>, Number));
        }
      }
    });
  }
});
