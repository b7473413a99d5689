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
  nodeInputs: string[];
  nodeOutputs: string[];
  ortComparable: boolean;
  torchCompatible: boolean;
  weights: string;
  tensors: Record<string, { shape: number[]; dtype: string; data: number[] }>;
}

const ortStats = { compared: 0, rejected: [] as string[] };

beforeAll(async () => {
  await ready();
});

afterAll(() => {
  // Visible in the test log: which cases onnxruntime could not run.
  if (ortStats.rejected.length) console.log(`onnxruntime rejected ${ortStats.rejected.length} cases: ${ortStats.rejected.join('; ')}`);
});

describe('generated single-node models', () => {
  it('covers the attribute space', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  for (const c of cases) {
    it(c, async () => {
      const meta = JSON.parse(readFileSync(join(DIR, c, 'meta.json'), 'utf8')) as Meta;
      const bytes = readBytes(join(DIR, c, 'model.onnx'));
      const ref = referenceRecurrent(meta.kind, meta.attrs, meta.tensors as unknown as RefInputs);
      const fast = loadOnnx(bytes);
      const general = loadOnnx(bytes, { fastPath: false });
      const feeds: Record<string, Tensor> = {};
      for (const n of fast.inputNames) {
        const t = meta.tensors[n];
        feeds[n] = { data: t.dtype === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data), shape: t.shape };
      }
      const wantPath = meta.torchCompatible && meta.weights === 'initializer' ? 'fast' : 'general';
      expect(fast.recurrentNodes.map((n) => n.path)).toEqual([wantPath]);
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
        if (r.error) ortStats.rejected.push(`${c}${/layout/i.test(r.error) ? ' (layout)' : `: ${r.error.slice(0, 200)}`}`);
        else {
          ortStats.compared++;
          for (const n of names) {
            const e = maxRelErr(outs[1][n], r.outputs![n], `${c} ${n} vs onnxruntime`);
            expect(e, `${c} ${n} vs onnxruntime: ${e}`).toBeLessThanOrEqual(1e-4);
          }
        }
      }
    });
  }

  it('compared most cases with onnxruntime too', () => {
    expect(ortStats.compared).toBeGreaterThanOrEqual(30);
  });
});
