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

beforeAll(async () => {
  await ready();
});

describe('models exported by torch.onnx.export', () => {
  it('has three models at three opsets', () => {
    expect(models.length).toBe(9);
    for (const op of [9, 14, 17]) expect(models.filter((m) => m.endsWith(`_op${op}`)).length).toBe(3);
  });

  for (const name of models) {
    it(name, async () => {
      const bytes = readBytes(join(DIR, name, 'model.onnx'));
      const fast = loadOnnx(bytes);
      const general = loadOnnx(bytes, { fastPath: false });
      expect(fast.recurrentNodes.length).toBeGreaterThan(0);
      // Every recurrent node torch exports computes what a torch layer does: all on the fast path.
      for (const n of fast.recurrentNodes) expect(n.path, n.name).toBe('fast');
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
