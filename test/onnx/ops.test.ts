/**
 * The non-recurrent operators across the opsets that change their signatures
 * (tools/gen_onnx_op_fixtures.py), against onnxruntime-web: floats to 1e-5, integers exactly.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { FIXTURES, expectClose, listDirs, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

const DIR = join(FIXTURES, 'ops');
const cases = listDirs(DIR);

describe('operators vs onnxruntime', () => {
  it('has the op cases', () => expect(cases.length).toBeGreaterThanOrEqual(100));
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
