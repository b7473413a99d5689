/**
 * Whole models exported by torch.onnx.export (torch 1.13) at opsets 9, 14 and 17
 * (tools/gen_onnx_torch_models.py): wasm-rnn's outputs against PyTorch's own (<= 1e-5) and
 * against onnxruntime-web, on two data sets with different batch and sequence lengths.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { FIXTURES, expectClose, listDirs, maxRelErr, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

const DIR = join(FIXTURES, 'torch');
const models = listDirs(DIR);
const OPSETS = [9, 14, 17];
/** The recurrent layers of each model of tools/gen_onnx_torch_models.py. */
const RECURRENT: Record<string, { op: 'LSTM' | 'GRU' | 'RNN'; layers: number }> = {
  bigru_cls: { op: 'GRU', layers: 1 }, // bidirectional
  char_lstm: { op: 'LSTM', layers: 2 },
  stacked_rnn: { op: 'RNN', layers: 3 },
};

beforeAll(async () => {
  await ready();
});

describe('models exported by torch.onnx.export', () => {
  it('has three models at three opsets', () => {
    expect(models).toEqual(Object.keys(RECURRENT).flatMap((m) => OPSETS.map((o) => `${m}_op${o}`)).sort());
  });

  for (const name of models) {
    it(name, async () => {
      const bytes = readBytes(join(DIR, name, 'model.onnx'));
      const fast = loadOnnx(bytes);
      const general = loadOnnx(bytes, { fastPath: false });
      // One node per torch layer (a bidirectional layer is one node), each computing what the
      // torch layer does: all on the fast path.
      const { op, layers } = RECURRENT[name.replace(/_op\d+$/, '')];
      expect(fast.recurrentNodes.map((n) => [n.op, n.path])).toEqual(Array(layers).fill([op, 'fast']));
      // the two input sets tools/gen_onnx_torch_models.py writes (batch 2 x 7 steps, 3 x 4)
      expect(listDirs(join(DIR, name))).toEqual(['test_data_set_0', 'test_data_set_1']);
      for (const set of listDirs(join(DIR, name))) {
        const ins = readDataSet(join(DIR, name, set), 'input');
        const want = readDataSet(join(DIR, name, set), 'output');
        const feeds: Record<string, Tensor> = Object.fromEntries(ins.map((t) => [t.name, { data: t.data, shape: t.shape }]));
        expect([...fast.inputNames]).toEqual(ins.map((t) => t.name));
        expect([...fast.outputNames]).toEqual(want.map((t) => t.name));
        const outs = [fast.run(feeds), general.run(feeds)];
        for (const out of outs) for (const w of want) expectClose(out[w.name], w as never, 1e-5, `${name}/${set} ${w.name}`);
        const r = await runOrt(bytes, feeds as never);
        expect(r.error, 'onnxruntime ran the model').toBeUndefined();
        for (const w of want) {
          const e = maxRelErr(outs[0][w.name], r.outputs![w.name], `${name}/${set} ${w.name} vs onnxruntime`);
          expect(e, `${name}/${set} ${w.name} vs onnxruntime: ${e}`).toBeLessThanOrEqual(1e-4);
        }
      }
      fast.dispose();
      general.dispose();
    });
  }
});
