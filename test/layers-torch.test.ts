/**
 * Conformance of the wasm layers with real PyTorch: every fixture of test/fixtures/torch (see its
 * README) is run on every build this engine supports and compared with torch's own results.
 *
 * Tolerance: max abs error <= 1e-5 per tensor, scaled by max(1, max|expected|) (toleranceFor) so
 * the unbounded RNN-relu saturate outputs (~1e5, float32 ulp ~1e-2) are judged relatively; every
 * bounded output is held to plain 1e-5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, readSafetensors, readSafetensorsMetadata } from '../src/index.js';
import { supportedBuilds } from '../bindings/wasm.js';
import { compareResults, listFixtures, loadFixture, maxAbsDiff, sameShape, type Fixture } from './helpers/fixtures.js';

const TOL = 1e-5;
const builds = supportedBuilds();
const cases = listFixtures();

function makeLayer(fx: Fixture) {
  const c = fx.config;
  const common = {
    inputSize: c.inputSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bias: c.bias,
    batchFirst: c.batchFirst,
    bidirectional: c.bidirectional,
  };
  if (fx.module === 'LSTM') return new LSTM({ ...common, projSize: c.projSize ?? 0 });
  if (fx.module === 'GRU') return new GRU(common);
  return new RNN({ ...common, nonlinearity: c.nonlinearity ?? 'tanh' });
}

const worst: Record<string, { abs: number; absName: string; scaled: number; scaledName: string; bounded: number; boundedName: string }> = {};

describe('safetensors reader on the torch fixtures', () => {
  it.each(cases)('%s reads the same tensors and metadata as the test parser', (name) => {
    const fx = loadFixture(name);
    const sd = readSafetensors(fx.bytes);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(fx.tensors).sort());
    for (const [k, want] of Object.entries(fx.tensors)) {
      const got = sd[k];
      expect(sameShape(got.shape, want.shape), `${k} shape [${got.shape}] vs [${want.shape}]`).toBe(true);
      expect(got.data.constructor).toBe(want.data.constructor);
      if (want.data instanceof BigInt64Array) {
        expect(Array.from(got.data as BigInt64Array)).toEqual(Array.from(want.data));
      } else {
        expect(maxAbsDiff(got.data as Float32Array, want.data as Float32Array), k).toBe(0);
      }
    }
    expect(readSafetensorsMetadata(fx.bytes)).toEqual(fx.metadata);
  });
});

describe.each(builds)('build %s vs PyTorch', (build) => {
  beforeAll(async () => {
    await ready({ build });
    worst[build] = { abs: 0, absName: '', scaled: 0, scaledName: '', bounded: 0, boundedName: '' };
  });

  it.each(cases)('%s', (name) => {
    const fx = loadFixture(name);
    const layer = makeLayer(fx);
    try {
      layer.loadStateDict(fx.stateDict);
      const opts: { h0?: typeof fx.h0; c0?: typeof fx.c0; lengths?: number[] } = {};
      if (fx.h0) opts.h0 = fx.h0;
      if (fx.c0) opts.c0 = fx.c0;
      if (fx.lengths) opts.lengths = fx.lengths;
      const res = layer.forward(fx.x, opts) as {
        output: { data: Float32Array; shape: number[] };
        h: { data: Float32Array; shape: number[] };
        c?: { data: Float32Array; shape: number[] };
      };
      expect(res.output.data).toBeInstanceOf(Float32Array);
      if (fx.module === 'LSTM') expect(res.c, 'LSTM returns c').toBeDefined();
      else expect(res.c, `${fx.module} returns no c`).toBeUndefined();
      const { maxErr, maxScaledErr, problems } = compareResults(
        { output: res.output, h: res.h, c: res.c },
        { output: fx.expected.output, h: fx.expected.h, c: fx.expected.c },
        TOL,
      );
      const w = worst[build];
      if (maxErr > w.abs) Object.assign(w, { abs: maxErr, absName: name });
      if (maxScaledErr > w.scaled) Object.assign(w, { scaled: maxScaledErr, scaledName: name });
      // All expected |v| <= 1: the tolerance was plain 1e-5.
      if (maxErr === maxScaledErr && maxErr > w.bounded) Object.assign(w, { bounded: maxErr, boundedName: name });
      expect(problems, `${build} ${name}:\n${problems.join('\n')}`).toEqual([]);
    } finally {
      layer.dispose();
    }
  });
});

afterAll(() => {
  for (const [build, w] of Object.entries(worst)) {
    console.log(
      `layers(${build}) vs torch over ${cases.length} fixtures: worst abs err ${w.abs.toExponential(3)} (${w.absName}); ` +
        `worst err/max(1,|want|) ${w.scaled.toExponential(3)} (${w.scaledName}); ` +
        `worst abs err where all |want| <= 1: ${w.bounded.toExponential(3)} (${w.boundedName})`,
    );
  }
});
