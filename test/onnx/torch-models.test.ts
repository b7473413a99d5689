/**
 * Whole models exported by torch.onnx.export (torch 1.13) at opsets 9, 14 and 17
 * (tools/gen_onnx_torch_models.py): wasm-rnn's outputs against PyTorch's own (<= 1e-5) and
 * against onnxruntime-web, on two data sets with different batch and sequence lengths, three runs
 * each (the third on the static plan): exported-models.ts.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { checkExportedModel } from './exported-models.js';
import { FIXTURES, listDirs } from './helpers.js';

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
    it(name, () => checkExportedModel(join(DIR, name), RECURRENT[name.replace(/_op\d+$/, '')]));
  }
});
