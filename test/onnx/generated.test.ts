/**
 * Single-node LSTM / GRU / RNN models over the attribute space (tools/gen_onnx_fixtures.py):
 * wasm-rnn (fast path where eligible, and the general path forced) against the float64 reference
 * of the ONNX equations, and against onnxruntime-web where it runs the case.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { FIXTURES, expectClose, listDirs, maxRelErr, readBytes } from './helpers.js';
import { runOrt } from './ort.js';
import { referenceRecurrent, type RefAttrs, type RefInputs } from './reference-f64.js';

const DIR = join(FIXTURES, 'generated');
const cases = listDirs(DIR);

interface Meta {
  kind: 'LSTM' | 'GRU' | 'RNN';
  attrs: RefAttrs;
  layout: number;
  opset: number;
  nodeInputs: string[];
  nodeOutputs: string[];
  ortComparable: boolean;
  torchCompatible: boolean;
  weights: string;
  tensors: Record<string, { shape: number[]; dtype: string; data: number[] }>;
}

const metas: Record<string, Meta> = Object.fromEntries(cases.map((c) => [c, JSON.parse(readFileSync(join(DIR, c, 'meta.json'), 'utf8')) as Meta]));
const pathFor = (meta: Meta) => (meta.torchCompatible && meta.weights === 'initializer' ? 'fast' : 'general');

const KINDS = ['LSTM', 'GRU', 'RNN'] as const;
const ACTIVATIONS = ['Relu', 'Tanh', 'Sigmoid', 'Affine', 'LeakyRelu', 'ThresholdedRelu', 'ScaledTanh', 'HardSigmoid', 'Elu', 'Softsign', 'Softplus'];
const ALL_OUTPUTS = { LSTM: 3, GRU: 2, RNN: 2 };

/** What one case exercises, in the words of the space tools/gen_onnx_fixtures.py describes. */
function features(m: Meta): string[] {
  const k = m.kind;
  const a = m.attrs;
  const given = new Set(m.nodeInputs.filter((n) => n !== ''));
  const out = [`${k} ${a.direction} layout ${m.layout}`, `${k} opset ${m.opset}`, `${k} weights as ${m.weights === 'input' ? 'graph inputs' : 'initializers'}`, `${k} ${pathFor(m)} path`];
  for (const act of a.activations ?? []) out.push(`${k} activation ${act}`);
  if (a.activations) out.push(`${k} activations with ${a.activation_alpha ? 'explicit' : "the spec's default"} alpha/beta`);
  if (a.clip !== undefined) out.push(`${k} clip`);
  if (given.has('sequence_lens') && m.tensors.sequence_lens.data.includes(0)) out.push(`${k} a sequence length of 0`);
  if (given.has('initial_h')) out.push(`${k} initial state`);
  if (!given.has('B')) out.push(`${k} no bias`);
  if (m.nodeOutputs.filter((n) => n !== '').length < ALL_OUTPUTS[k]) out.push(`${k} an omitted output`);
  if (given.has('P')) out.push(`LSTM peepholes ${m.tensors.P.data.every((v) => v === 0) ? 'all-zero' : 'random'}`);
  if (a.input_forget === 1) out.push('LSTM input_forget');
  if (k === 'GRU') out.push(`GRU linear_before_reset ${a.linear_before_reset ?? 0}`);
  return out;
}

const SPACE = [
  ...KINDS.flatMap((k) => ['forward', 'reverse', 'bidirectional'].flatMap((d) => [0, 1].map((l) => `${k} ${d} layout ${l}`))),
  ...KINDS.flatMap((k) => [9, 14, 17].map((o) => `${k} opset ${o}`)),
  ...KINDS.flatMap((k) => ACTIVATIONS.map((act) => `${k} activation ${act}`)),
  ...KINDS.flatMap((k) =>
    ['activations with explicit alpha/beta', "activations with the spec's default alpha/beta", 'clip', 'a sequence length of 0', 'initial state', 'no bias',
      'an omitted output', 'weights as initializers', 'weights as graph inputs', 'fast path', 'general path'].map((f) => `${k} ${f}`),
  ),
  'LSTM peepholes random', 'LSTM peepholes all-zero', 'LSTM input_forget', 'GRU linear_before_reset 0', 'GRU linear_before_reset 1',
];

/** The cases onnxruntime ran and compared, and those it refused (with its message). */
const ortStats = { compared: [] as string[], rejected: [] as string[] };

beforeAll(async () => {
  await ready();
});

afterAll(() => {
  // Visible in the test log: which cases onnxruntime could not run.
  if (ortStats.rejected.length) console.log(`onnxruntime rejected ${ortStats.rejected.length} cases: ${ortStats.rejected.join('; ')}`);
});

describe('generated single-node models', () => {
  it('covers the attribute space: every kind, direction, layout, opset, activation and optional input, on both paths', () => {
    const covered = new Set(cases.flatMap((c) => features(metas[c])));
    expect(SPACE.filter((f) => !covered.has(f)), 'not covered by any case').toEqual([]);
  });

  for (const c of cases) {
    it(c, async () => {
      const meta = metas[c];
      const bytes = readBytes(join(DIR, c, 'model.onnx'));
      const ref = referenceRecurrent(meta.kind, meta.attrs, meta.tensors as unknown as RefInputs);
      const fast = loadOnnx(bytes);
      const general = loadOnnx(bytes, { fastPath: false });
      const feeds: Record<string, Tensor> = {};
      for (const n of fast.inputNames) {
        const t = meta.tensors[n];
        feeds[n] = { data: t.dtype === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data), shape: t.shape };
      }
      expect(fast.recurrentNodes.map((n) => n.path)).toEqual([pathFor(meta)]);
      expect(general.recurrentNodes.map((n) => n.path)).toEqual(['general']);
      const outs = [fast.run(feeds), general.run(feeds)];
      const names = meta.nodeOutputs.filter((n) => n !== '');
      for (const out of outs) {
        expect(Object.keys(out).sort()).toEqual([...names].sort());
        for (const n of names) expectClose(out[n], ref[n as 'Y'] as never, 1e-5, `${c} ${n}`);
      }
      fast.dispose();
      general.dispose();

      if (meta.ortComparable) {
        const r = await runOrt(bytes, feeds as never);
        if (r.error) {
          // onnxruntime implements only layout 0 (batch second); anything else it refuses is a failure
          expect({ layout: meta.layout, error: r.error }, `${c}: refused by onnxruntime`).toEqual({ layout: 1, error: expect.stringMatching(/layout/i) });
          ortStats.rejected.push(`${c} (layout)`);
        } else {
          ortStats.compared.push(c);
          for (const n of names) {
            const e = maxRelErr(outs[1][n], r.outputs![n], `${c} ${n} vs onnxruntime`);
            expect(e, `${c} ${n} vs onnxruntime: ${e}`).toBeLessThanOrEqual(1e-4);
          }
        }
      }
    });
  }

  it('compared every comparable layout-0 case with onnxruntime too', () => {
    const layout0 = cases.filter((c) => metas[c].ortComparable && metas[c].layout === 0);
    expect(layout0.filter((c) => !ortStats.compared.includes(c)), 'not compared with onnxruntime').toEqual([]);
  });
});
