// int8 recurrent layers against PyTorch 1.13's dynamically quantized LSTM and GRU
// (tools/make-int8-fixtures.py): PyTorch's own int8 weights and scales loaded as they are
// (PackedRecurrent.fromParams with int8 matrices), the same input and initial states, every output and
// final state compared with PyTorch's quantized results, on every build: whole sequences, and
// unidirectional models as streams (one step per call, each step's input quantized alone).
// Bound: 1e-6 absolute (measured: at most 1.2e-7, float32 rounding; int8 against float32 costs
// 2e-3 to 1.4e-2 on the same cases).
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builds, runtimeFor } from '../helpers/kernels.js';
import { PackedRecurrent, StreamState, type QuantizedLayerDirParams } from '../../bindings/recurrent.js';
import type { RecurrentSpec } from '../../base/spec.js';

const DIR = new URL('../fixtures/int8/', import.meta.url);
const cases = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace('.json', ''));

interface QMatrix { q: number[]; scale: number; shape: [number, number] }
interface Fixture {
  kind: 'LSTM' | 'GRU';
  inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; batchFirst: boolean; T: number; B: number;
  layers: Array<{ wih: QMatrix; whh: QMatrix; bih: number[]; bhh: number[] }>;
  x: number[];
  initial: { h: number[]; c?: number[] } | null;
  quantized: { output: number[]; h: number[]; c?: number[] };
  quantizedSteps: { output: number[]; h: number[]; c?: number[] } | null;
  float: { output: number[]; h: number[]; c?: number[] };
}

const BOUND = 1e-6;
const err = (got: Float32Array, want: number[]) => {
  expect(got.length).toBe(want.length);
  return got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
};
const matrix = (m: QMatrix) => ({ q: Int8Array.from(m.q), scales: new Float32Array(m.shape[0]).fill(m.scale) });

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as Fixture;
}

describe.each(builds)('int8 LSTM / GRU against PyTorch quantize_dynamic [%s build]', (build) => {
  for (const name of cases) {
    it(name, async () => {
      const rt = await runtimeFor(build);
      const fx = loadFixture(name);
      const spec: RecurrentSpec = {
        cell: fx.kind === 'LSTM' ? 'lstm' : 'gru', inputSize: fx.inputSize, hiddenSize: fx.hiddenSize, projSize: 0,
        numLayers: fx.numLayers, numDirections: fx.bidirectional ? 2 : 1, bias: true,
      };
      const params: QuantizedLayerDirParams[] = fx.layers.map((l) => ({
        wih: matrix(l.wih), whh: matrix(l.whh), whr: null, bih: Float32Array.from(l.bih), bhh: Float32Array.from(l.bhh),
      }));
      const packed = PackedRecurrent.fromParams(spec, params, rt, 'int8');
      try {
        const r = packed.run(Float32Array.from(fx.x), fx.T, fx.B, {
          batchFirst: fx.batchFirst,
          h0: fx.initial ? Float32Array.from(fx.initial.h) : null,
          c0: fx.initial?.c ? Float32Array.from(fx.initial.c) : null,
        });
        const e = { output: err(r.output, fx.quantized.output), h: err(r.h, fx.quantized.h), c: r.c ? err(r.c, fx.quantized.c!) : 0 };
        const f32 = err(r.output, fx.float.output);
        console.log(`${name} [${build}]: max |wasm-rnn - PyTorch int8| output ${e.output.toExponential(2)}, h ${e.h.toExponential(2)}, c ${e.c.toExponential(2)}; vs PyTorch float32 ${f32.toExponential(2)}`);
        expect(e).toEqual({ output: expect.any(Number), h: expect.any(Number), c: expect.any(Number) });
        for (const [what, v] of Object.entries(e)) expect(v, what).toBeLessThanOrEqual(BOUND);
        // the int8 model is not the float one: PyTorch's float32 outputs are far outside the bound
        expect(f32).toBeGreaterThan(100 * BOUND);

        if (fx.quantizedSteps) {
          const { T, B, inputSize: I, hiddenSize: H } = fx;
          const stream = new StreamState(rt, packed, B);
          try {
            if (fx.initial) {
              stream.setH(Float32Array.from(fx.initial.h));
              if (fx.initial.c) stream.setC(Float32Array.from(fx.initial.c));
            }
            const out = new Float32Array(T * B * H);
            const xt = new Float32Array(B * I);
            for (let t = 0; t < T; t++) {
              for (let b = 0; b < B; b++) xt.set(fx.x.slice(fx.batchFirst ? (b * T + t) * I : (t * B + b) * I, (fx.batchFirst ? (b * T + t) : (t * B + b)) * I + I), b * I);
              const y = stream.step(xt);
              for (let b = 0; b < B; b++) out.set(y.subarray(b * H, (b + 1) * H), fx.batchFirst ? (b * T + t) * H : (t * B + b) * H);
            }
            const s = { output: err(out, fx.quantizedSteps.output), h: err(stream.getH(), fx.quantizedSteps.h), c: fx.quantizedSteps.c ? err(stream.getC()!, fx.quantizedSteps.c) : 0 };
            for (const [what, v] of Object.entries(s)) expect(v, `stream ${what}`).toBeLessThanOrEqual(BOUND);
          } finally {
            stream.dispose();
          }
        }
      } finally {
        packed.dispose();
      }
    });
  }
});
