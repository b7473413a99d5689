/**
 * Recurrent models shaped as applications build them - a conv front-end and a recurrent body -
 * exported by torch.onnx.export (torch 1.13) at opsets 13 and 17 (tools/gen_onnx_torch_architectures.py):
 * an OCR CRNN (Conv2d / BatchNorm / MaxPool, a 2-layer bidirectional LSTM), DeepSpeech2 (a strided
 * Conv2d with Hardtanh, bidirectional GRUs around a BatchNorm1d), keyword spotting with attention
 * pooling (Conv1d, LayerNorm, LSTM, softmax over time and bmm), an LSTM over
 * pack_padded_sequence (sequence_lens), Tacotron's CBHG (a conv bank of even and odd kernels,
 * MaxPool1d, highway layers, a bidirectional GRU), a TransformerEncoderLayer before an LSTM
 * (attention, LayerNorm, ArgMax, TopK; exported in training mode with dropout 0) and a
 * conformer-style GLU / depthwise-conv block before a 2-layer LSTM with a computed h0, a
 * bidirectional ReLU RNN with PReLU / ELU, a dilated causal TCN (Pad modes, GroupNorm,
 * InstanceNorm, a linear Resize) before a GRU, and an unrolled attention decoder. wasm-rnn's outputs against PyTorch's own (<= 1e-5) and
 * against onnxruntime-web (<= 1e-4), on two data sets of other batch and length through the
 * dynamic axes, on the recurrent fast path and on the general one.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RnnError, ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { checkExportedModel } from './exported-models.js';
import { FIXTURES, listDirs, readBytes } from './helpers.js';
import { runOrt } from './ort.js';

const DIR = join(FIXTURES, 'torch-arch');
const models = listDirs(DIR);
const OPSETS = [13, 17];
/** The recurrent layers of each model (a bidirectional layer is one node). */
const RECURRENT: Record<string, { op: 'LSTM' | 'GRU' | 'RNN'; layers: number }> = {
  crnn: { op: 'LSTM', layers: 2 },
  ds2: { op: 'GRU', layers: 2 },
  kws_att: { op: 'LSTM', layers: 1 },
  packed: { op: 'LSTM', layers: 1 },
  cbhg: { op: 'GRU', layers: 1 },
  trans_lstm: { op: 'LSTM', layers: 1 },
  glu_lstm: { op: 'LSTM', layers: 2 },
  rnn_relu_bi: { op: 'RNN', layers: 2 },
  tcn_gru: { op: 'GRU', layers: 1 },
  attn_decoder: { op: 'GRU', layers: 1 }, // the encoder; torch writes the decoder's GRUCell out as MatMuls and gates
};

beforeAll(async () => {
  await ready();
});

describe('conv + recurrent architectures exported by torch.onnx.export', () => {
  it('has ten models at two opsets', () => {
    expect(models).toEqual(Object.keys(RECURRENT).flatMap((m) => OPSETS.map((o) => `${m}_op${o}`)).sort());
  });

  for (const name of models) {
    it(name, () => checkExportedModel(join(DIR, name), RECURRENT[name.replace(/_op\d+$/, '')]));
  }

  it("packed: another batch than the export's is refused as onnxruntime refuses it (torch bakes the batch into the initial states' Expand)", async () => {
    const bytes = readBytes(join(DIR, 'packed_op17', 'model.onnx'));
    const model = loadOnnx(bytes);
    const feeds = { x: { data: new Float32Array(2 * 5 * 6).fill(0.25), shape: [2, 5, 6] }, lengths: { data: BigInt64Array.of(5n, 3n), shape: [2] } };
    let error: unknown;
    try {
      model.run(feeds);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RnnError);
    expect((error as RnnError).code).toBe('SHAPE_MISMATCH');
    expect((error as RnnError).message).toMatch(/Expand node '.*' .*cannot be broadcast/);
    const r = await runOrt(bytes, feeds as never);
    expect(r.error).toMatch(/Expand/);
    model.dispose();
  });
});
