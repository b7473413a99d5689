/**
 * Back-propagation through time of LSTM / GRU / RNN (tanh, relu) against PyTorch 1.13 autograd in
 * float64 (test/fixtures/grad, made by tools/make-grad-fixtures.py, which checks every reference
 * against finite differences). Every case runs on every build this engine supports.
 *
 * The fixtures' weights, inputs and upstream gradients are float32 values, so both sides start
 * from the same numbers; the reference then computes in float64 and the library in float32.
 * Tolerance, per element: |got - want| <= 1e-4 * |want| + 1e-6 * max(1, max |want| of the
 * tensor). The absolute term only matters for elements near zero (a gradient that is the sum of
 * terms of both signs, or one through a saturated gate, where float32's rounding of 1 - sigmoid
 * is the error: about 1e-7 absolute); for every other element the bound is 1e-4 relative.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, type Tensor } from '../../src/index.js';
import { supportedBuilds } from '../../bindings/wasm.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Pass {
  inputs: { x: Arr; h0?: Arr; c0?: Arr; lengths?: number[] };
  grads: { output?: Arr; h?: Arr; c?: Arr };
  expected: Record<'output' | 'h' | 'c' | 'grad_x' | 'grad_h0' | 'grad_c0', Arr>;
}
interface Fixture {
  name: string;
  module: 'LSTM' | 'GRU' | 'RNN';
  config: Record<string, number | boolean | string>;
  stateDict: Record<string, Arr>;
  passes: Pass[];
  paramGrads: Record<string, Arr>;
}

const dir = new URL('../fixtures/grad/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { cases: string[] };
const load = (name: string): Fixture => JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as Fixture;
const f32 = (a: Arr): Tensor<Float32Array> => ({ data: Float32Array.from(a.data), shape: a.shape });

function makeLayer(fx: Fixture): LSTM | GRU | RNN {
  const sd = Object.fromEntries(Object.entries(fx.stateDict).map(([k, v]) => [k, f32(v)]));
  const c = fx.config;
  const common = {
    inputSize: c.inputSize as number,
    hiddenSize: c.hiddenSize as number,
    numLayers: (c.numLayers as number) ?? 1,
    bias: (c.bias as boolean) ?? true,
    batchFirst: (c.batchFirst as boolean) ?? false,
    bidirectional: (c.bidirectional as boolean) ?? false,
  };
  if (fx.module === 'LSTM') return LSTM.fromStateDict(sd, { ...common, projSize: (c.projSize as number) ?? 0 });
  if (fx.module === 'GRU') return GRU.fromStateDict(sd, common);
  return RNN.fromStateDict(sd, { ...common, nonlinearity: (c.nonlinearity as 'tanh' | 'relu') ?? 'tanh' });
}

/** Elements outside the tolerance (see the file comment), and the worst |got - want| / |want| among elements with |want| >= 1e-3 * max. */
function compare(got: Tensor<Float32Array>, want: Arr, what: string): { problems: string[]; worstRel: number } {
  const problems: string[] = [];
  if (got.shape.join() !== want.shape.join()) return { problems: [`${what}: shape [${got.shape}] vs [${want.shape}]`], worstRel: Infinity };
  let max = 0;
  for (const v of want.data) max = Math.max(max, Math.abs(v));
  const atol = 1e-6 * Math.max(1, max);
  let worstRel = 0;
  want.data.forEach((w, i) => {
    const g = got.data[i];
    const err = Math.abs(g - w);
    if (!(err <= 1e-4 * Math.abs(w) + atol)) problems.push(`${what}[${i}]: got ${g}, want ${w}`);
    if (Math.abs(w) >= 1e-3 * max && w !== 0) worstRel = Math.max(worstRel, err / Math.abs(w));
  });
  return { problems: problems.slice(0, 5), worstRel };
}

const builds = supportedBuilds();
const worst: Record<string, { rel: number; name: string }> = {};

describe.each(builds)('recurrent backward on build %s vs PyTorch autograd (float64)', (build) => {
  beforeAll(async () => {
    await ready({ build, training: true });
    worst[build] = { rel: 0, name: '' };
  });

  it.each(index.cases)('%s', (name) => {
    const fx = load(name);
    const layer = makeLayer(fx);
    try {
      const problems: string[] = [];
      const check = (got: Tensor<Float32Array> | undefined, want: Arr, what: string) => {
        if (!got) return problems.push(`${what}: missing`);
        const r = compare(got, want, what);
        problems.push(...r.problems);
        if (r.worstRel > worst[build].rel) worst[build] = { rel: r.worstRel, name: `${name} ${what}` };
      };
      fx.passes.forEach((p, k) => {
        const opts: Record<string, unknown> = {};
        if (p.inputs.h0) opts.h0 = f32(p.inputs.h0);
        if (p.inputs.c0) opts.c0 = f32(p.inputs.c0);
        if (p.inputs.lengths) opts.lengths = p.inputs.lengths;
        const x = f32(p.inputs.x);
        const inference = layer.forward(x, opts);
        const trained = layer.forward(x, { ...opts, train: true });
        // train mode computes the same floats as inference
        expect(Array.from(trained.output.data)).toEqual(Array.from(inference.output.data));
        expect(Array.from(trained.h.data)).toEqual(Array.from(inference.h.data));
        if (inference.c) expect(Array.from(trained.c!.data)).toEqual(Array.from(inference.c.data));
        const tol = (t: Tensor<Float32Array>, a: Arr, what: string) => {
          // the forward against torch's at the forward tests' tolerance (test/layers-torch.test.ts)
          const m = Math.max(1, ...a.data.map(Math.abs));
          const bad = a.data.findIndex((w, i) => !(Math.abs(t.data[i] - w) <= 1e-5 * m));
          if (bad >= 0) problems.push(`pass ${k} ${what}[${bad}]: got ${t.data[bad]}, want ${a.data[bad]}`);
        };
        tol(trained.output, p.expected.output, 'output');
        tol(trained.h, p.expected.h, 'h');
        if (p.expected.c) tol(trained.c!, p.expected.c, 'c');
        const grads: Record<string, Tensor> = {};
        for (const [key, v] of Object.entries(p.grads)) grads[key] = f32(v);
        const r = layer.backward(grads);
        check(r.x, p.expected.grad_x, `pass ${k} grad x`);
        check(r.h0, p.expected.grad_h0, `pass ${k} grad h0`);
        if (fx.module === 'LSTM') check(r.c0, p.expected.grad_c0, `pass ${k} grad c0`);
        else expect(r.c0).toBeUndefined();
      });
      const g = layer.gradients();
      expect(Object.keys(g)).toEqual(Object.keys(fx.paramGrads));
      for (const [key, want] of Object.entries(fx.paramGrads)) check(g[key], want, `grad ${key}`);
      expect(problems, `${build} ${name}:\n${problems.join('\n')}`).toEqual([]);
    } finally {
      layer.dispose();
    }
  });
});

afterAll(() => {
  for (const [build, w] of Object.entries(worst)) {
    console.log(`recurrent backward (${build}) vs torch float64: worst relative error ${w.rel.toExponential(2)} (${w.name}) over elements >= 1e-3 of their tensor's max`);
  }
});
