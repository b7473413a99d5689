/**
 * The check torch-models.test.ts and torch-architectures.test.ts run on every exported model: its
 * recurrent nodes on the fast path, and on each data set (tools/onnx_test_data.py) the outputs of
 * the fast and the general path against PyTorch's (1e-5, max |a - b| / (1 + |b|); integer
 * outputs exactly) and onnxruntime-web's (1e-4). Each set runs three times, so the third run is
 * on the static plan the second compiles (model.ts); all three must give the same outputs.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { expectClose, listDirs, maxRelErr, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

export async function checkExportedModel(dir: string, recurrent: { op: 'LSTM' | 'GRU' | 'RNN'; layers: number }): Promise<void> {
  const name = dir.split('/').pop();
  const bytes = readBytes(join(dir, 'model.onnx'));
  const fast = loadOnnx(bytes);
  const general = loadOnnx(bytes, { fastPath: false });
  // one node per torch layer (a bidirectional layer is one node), each on the fast path
  expect(fast.recurrentNodes.map((n) => [n.op, n.path])).toEqual(Array(recurrent.layers).fill([recurrent.op, 'fast']));
  expect(listDirs(dir)).toEqual(['test_data_set_0', 'test_data_set_1']);
  for (const set of listDirs(dir)) {
    const ins = readDataSet(join(dir, set), 'input');
    const want = readDataSet(join(dir, set), 'output');
    const feeds: Record<string, Tensor> = Object.fromEntries(ins.map((t) => [t.name, { data: t.data, shape: t.shape }]));
    expect([...fast.inputNames]).toEqual(ins.map((t) => t.name));
    expect([...fast.outputNames]).toEqual(want.map((t) => t.name));
    const outs = [fast.run(feeds), general.run(feeds)];
    for (const model of [fast, general]) {
      const first = model === fast ? outs[0] : outs[1];
      for (let again = 0; again < 2; again++) {
        const o = model.run(feeds);
        for (const w of want) expect(Array.from(o[w.name].data as ArrayLike<number>), `${name}/${set} ${w.name}: run ${again + 2}`).toEqual(Array.from(first[w.name].data as ArrayLike<number>));
      }
    }
    const r = await runOrt(bytes, feeds as never);
    expect(r.error, 'onnxruntime ran the model').toBeUndefined();
    for (const w of want) {
      const what = `${name}/${set} ${w.name}`;
      if (w.data instanceof BigInt64Array) {
        // indices (ArgMax): exactly PyTorch's and onnxruntime's
        for (const out of outs) expect(Array.from(out[w.name].data as BigInt64Array), what).toEqual(Array.from(w.data));
        expect(Array.from(r.outputs![w.name].data as unknown as BigInt64Array), `${what}: onnxruntime`).toEqual(Array.from(w.data));
        continue;
      }
      for (const out of outs) expectClose(out[w.name], w as never, 1e-5, what);
      const e = maxRelErr(outs[0][w.name], r.outputs![w.name], `${what} vs onnxruntime`);
      expect(e, `${what} vs onnxruntime: ${e}`).toBeLessThanOrEqual(1e-4);
    }
  }
  fast.dispose();
  general.dispose();
}
