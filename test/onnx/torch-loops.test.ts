/**
 * Models with Loop nodes exported by torch.onnx.export from torch.jit.script'ed Python loops
 * (tools/gen_onnx_torch_loops.py, torch 1.13, opsets 14 and 17): a hand-written Elman RNN and GRU
 * cell over time, a loop over nn.LSTMCell, a data-dependent while loop; and Python lists, which
 * export as ONNX sequences: a list of LSTMCell outputs stacked, a list concatenated, read by
 * position and length, popped from both ends, built from a list literal, and torch.split's pieces
 * looped over. Outputs against
 * PyTorch's own (<= 1e-5) and against onnxruntime-web, on two data sets of different shapes
 * run on one model (so the second runs on plans made for the first's shapes too).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { FIXTURES, expectClose, listDirs, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

const DIR = join(FIXTURES, 'torch-loops');
const cases = listDirs(DIR);
const MODELS = [
  'scripted_gru_loop', 'scripted_list_cat', 'scripted_list_construct', 'scripted_list_pop', 'scripted_lstm_cell_loop', 'scripted_lstm_outputs',
  'scripted_rnn_final', 'scripted_split', 'scripted_while',
];

beforeAll(async () => {
  await ready();
});

const numbers = (t: { data: ArrayLike<number | bigint>; shape: readonly number[] }) => ({ data: Array.from(t.data, Number), shape: t.shape });

describe('torch.jit.script loops exported to ONNX', () => {
  it('has nine models at two opsets', () => {
    expect(cases).toEqual(MODELS.flatMap((m) => [`${m}_op14`, `${m}_op17`]));
  });

  for (const name of cases) {
    it(name, async () => {
      const bytes = readBytes(join(DIR, name, 'model.onnx'));
      const model = loadOnnx(bytes);
      // nn.LSTMCell exports as an LSTM node whose weights the body slices from initializers:
      // they fold at load, so it runs packed in wasm
      if (name.startsWith('scripted_lstm_')) expect(model.recurrentNodes.map((r) => r.path)).toEqual(['fast']);
      for (const set of ['test_data_set_0', 'test_data_set_1']) {
        const ins = readDataSet(join(DIR, name, set), 'input');
        const outs = readDataSet(join(DIR, name, set), 'output');
        const feeds: Record<string, Tensor> = Object.fromEntries(model.inputNames.map((n, i) => [n, ins[i]]));
        // three runs: the general plan, a shape-specialised one, its static form
        for (let run = 0; run < 3; run++) {
          const got = model.run(feeds);
          model.outputNames.forEach((n, i) => expectClose(got[n], numbers(outs[i]), 1e-5, `${name} ${set} ${n} (torch)`));
        }
        const ort = await runOrt(bytes, feeds as never);
        expect(ort.error).toBeUndefined();
        const got = model.run(feeds);
        model.outputNames.forEach((n) => expectClose(got[n], numbers(ort.outputs![n]), 1e-5, `${name} ${set} ${n} (onnxruntime)`));
      }
      model.dispose();
    });
  }
});
