/**
 * The wasm layers against the float64 reference (test/reference/recurrent-f64.ts, itself
 * validated against torch in reference.test.ts) on seeded random configurations, with weights
 * from each layer's own seeded init (layer.stateDict()). On every supported build; plus
 * bitwise repeatability, simd-vs-scalar agreement and batch invariance.
 *
 * Tolerance vs the reference: 1e-5 absolute, scaled by max(1, max|expected|) per tensor
 * (toleranceFor), which only matters for unbounded RNN-relu results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready } from '../src/index.js';
import { supportedBuilds } from '../bindings/wasm.js';
import { compareResults, maxAbsDiff, randn, rng, type F32Tensor, type LayerConfig, type ModuleKind } from './helpers/fixtures.js';
import { referenceForward } from './reference/recurrent-f64.js';

const TOL = 1e-5;
const builds = supportedBuilds();

interface Case {
  id: string;
  module: ModuleKind;
  config: LayerConfig;
  seed: number;
  T: number;
  B: number;
  unbatched: boolean;
  withH0: boolean;
  lengths?: number[];
  lengthsAsInt32: boolean;
  /** Multiply the layer's init by this (pushes gates into saturation) and load it back. */
  scale: number;
}

interface Inputs {
  x: F32Tensor;
  h0?: F32Tensor;
  c0?: F32Tensor;
  lengths?: number[] | Int32Array;
}

type LayerResult = { output: F32Tensor; h: F32Tensor; c?: F32Tensor };

function describeCase(c: Omit<Case, 'id'>): string {
  const k = c.config;
  const parts = [
    c.module === 'RNN' ? `RNN-${k.nonlinearity}` : c.module,
    `I${k.inputSize}`,
    `H${k.hiddenSize}`,
  ];
  if (k.projSize) parts.push(`P${k.projSize}`);
  parts.push(`L${k.numLayers}`);
  if (k.bidirectional) parts.push('bidir');
  if (k.batchFirst) parts.push('batchFirst');
  if (!k.bias) parts.push('nobias');
  parts.push(`T${c.T}`, c.unbatched ? 'unbatched' : `B${c.B}`);
  if (c.lengths) parts.push(`len[${c.lengths.join(',')}]`);
  if (c.withH0) parts.push('h0');
  if (c.scale !== 1) parts.push(`x${c.scale}`);
  return parts.join(' ');
}

/** Deterministic random cases; the first ones pin down option combinations explicitly. */
function makeCases(): Case[] {
  const rand = rng(0x5eed_2024);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const kinds: { module: ModuleKind; nonlinearity?: 'tanh' | 'relu' }[] = [
    { module: 'LSTM' },
    { module: 'GRU' },
    { module: 'RNN', nonlinearity: 'tanh' },
    { module: 'RNN', nonlinearity: 'relu' },
  ];
  const out: Case[] = [];
  const add = (kind: (typeof kinds)[number], o: Partial<Omit<Case, 'id' | 'module'>> & { config?: Partial<LayerConfig> }) => {
    const H = o.config?.hiddenSize ?? int(1, 40);
    const config: LayerConfig = {
      inputSize: int(1, 40),
      hiddenSize: H,
      numLayers: int(1, 3),
      bias: rand() < 0.8,
      batchFirst: rand() < 0.5,
      bidirectional: rand() < 0.5,
      ...(kind.module === 'RNN' ? { nonlinearity: kind.nonlinearity } : {}),
      ...(kind.module === 'LSTM' ? { projSize: H > 1 && rand() < 0.4 ? int(1, H - 1) : 0 } : {}),
      ...o.config,
    };
    const T = o.T ?? int(1, 12);
    const unbatched = o.unbatched ?? rand() < 0.15;
    const B = unbatched ? 1 : o.B ?? int(1, 5);
    let lengths = o.lengths;
    if (lengths === undefined && !unbatched && rand() < 0.4) {
      lengths = Array.from({ length: B }, () => int(1, T));
    }
    const c: Omit<Case, 'id'> = {
      module: kind.module,
      config,
      seed: int(1, 1e9),
      T,
      B,
      unbatched,
      withH0: o.withH0 ?? rand() < 0.4,
      lengths,
      lengthsAsInt32: rand() < 0.5,
      scale: o.scale ?? (rand() < 0.15 ? 4 : 1),
    };
    // relu does not saturate: scaled weights only make its outputs explode (1e7 and more),
    // which tests float32 range, not the kernels.
    if (kind.nonlinearity === 'relu') c.scale = 1;
    out.push({ id: `${String(out.length).padStart(2, '0')} ${describeCase(c)}`, ...c });
  };
  for (const kind of kinds) {
    // Everything on at once (LSTM also with projection).
    add(kind, {
      config: { numLayers: 3, bidirectional: true, batchFirst: true, bias: true, hiddenSize: 11, ...(kind.module === 'LSTM' ? { projSize: 5 } : {}) },
      T: 9,
      B: 5,
      unbatched: false,
      withH0: true,
      lengths: [9, 1, 4, 7, 2],
    });
    // Time-major, no bias, bidirectional with lengths and no h0.
    add(kind, { config: { bias: false, bidirectional: true, batchFirst: false, numLayers: 2 }, T: 7, B: 4, unbatched: false, withH0: false, lengths: [3, 7, 1, 6] });
    // Unbatched, multi-layer, bidirectional, h0.
    add(kind, { config: { numLayers: 2, bidirectional: true }, unbatched: true, withH0: true, T: 6 });
    // Size 1 everywhere, T = 1.
    add(kind, { config: { inputSize: 1, hiddenSize: 1, numLayers: 1, ...(kind.module === 'LSTM' ? { projSize: 0 } : {}) }, T: 1, B: 1, unbatched: false });
    // Large-ish sizes at the top of the range, saturating weights.
    add(kind, { config: { inputSize: 40, hiddenSize: 40 }, T: 12, B: 5, scale: 4 });
  }
  // Random ones.
  for (let i = 0; i < 24; i++) add(pick(kinds), {});
  return out;
}

const cases = makeCases();

function makeLayer(c: Case) {
  const k = c.config;
  const common = {
    inputSize: k.inputSize,
    hiddenSize: k.hiddenSize,
    numLayers: k.numLayers,
    bias: k.bias,
    batchFirst: k.batchFirst,
    bidirectional: k.bidirectional,
    seed: c.seed,
  };
  if (c.module === 'LSTM') return new LSTM({ ...common, projSize: k.projSize ?? 0 });
  if (c.module === 'GRU') return new GRU(common);
  return new RNN({ ...common, nonlinearity: k.nonlinearity ?? 'tanh' });
}

function makeInputs(c: Case): Inputs {
  const rand = rng(c.seed ^ 0x9e3779b9);
  const { inputSize: I, hiddenSize: H, numLayers: L } = c.config;
  const P = c.config.projSize || H;
  const D = c.config.bidirectional ? 2 : 1;
  const xShape = c.unbatched ? [c.T, I] : c.config.batchFirst ? [c.B, c.T, I] : [c.T, c.B, I];
  const inputs: Inputs = { x: { data: randn(rand, c.T * c.B * I), shape: xShape } };
  const lead = c.unbatched ? [L * D] : [L * D, c.B];
  if (c.withH0) {
    inputs.h0 = { data: randn(rand, L * D * c.B * P, 0.5), shape: [...lead, P] };
    if (c.module === 'LSTM') inputs.c0 = { data: randn(rand, L * D * c.B * H), shape: [...lead, H] };
  }
  if (c.lengths) inputs.lengths = c.lengthsAsInt32 ? Int32Array.from(c.lengths) : [...c.lengths];
  return inputs;
}

/** Creates the layer (seeded init, optionally scaled) and returns it with its parameters. */
function buildLayer(c: Case, weights?: Record<string, F32Tensor>) {
  const layer = makeLayer(c);
  let sd = weights;
  if (!sd) {
    sd = layer.stateDict() as Record<string, F32Tensor>;
    if (c.scale !== 1) {
      const scaled: Record<string, F32Tensor> = {};
      for (const [k, t] of Object.entries(sd)) scaled[k] = { data: t.data.map((v) => v * c.scale), shape: [...t.shape] };
      sd = scaled;
      layer.loadStateDict(sd);
    }
  } else {
    layer.loadStateDict(sd);
  }
  return { layer, sd };
}

function run(layer: ReturnType<typeof makeLayer>, inp: Inputs): LayerResult {
  const opts: { h0?: F32Tensor; c0?: F32Tensor; lengths?: number[] | Int32Array } = {};
  if (inp.h0) opts.h0 = inp.h0;
  if (inp.c0) opts.c0 = inp.c0;
  if (inp.lengths) opts.lengths = inp.lengths;
  const r = layer.forward(inp.x, opts) as LayerResult;
  // Copy out so later calls on the same layer cannot alias the result.
  const copy = (t: F32Tensor): F32Tensor => ({ data: Float32Array.from(t.data), shape: [...t.shape] });
  return { output: copy(r.output), h: copy(r.h), c: r.c ? copy(r.c) : undefined };
}

function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

const worst: Record<string, { abs: number; absName: string; scaled: number; scaledName: string; bounded: number; boundedName: string }> = {};

describe.each(builds)('build %s vs float64 reference', (build) => {
  beforeAll(async () => {
    await ready({ build });
    worst[build] = { abs: 0, absName: '', scaled: 0, scaledName: '', bounded: 0, boundedName: '' };
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { layer, sd } = buildLayer(c);
    try {
      const inp = makeInputs(c);
      const got = run(layer, inp);
      const ref = referenceForward(c.module, c.config, sd, inp.x, { h0: inp.h0, c0: inp.c0, lengths: inp.lengths });
      const { maxErr, maxScaledErr, problems } = compareResults(
        { output: got.output, h: got.h, c: got.c },
        { output: ref.output, h: ref.h, c: ref.c },
        TOL,
      );
      const w = worst[build];
      if (maxErr > w.abs) Object.assign(w, { abs: maxErr, absName: c.id });
      if (maxScaledErr > w.scaled) Object.assign(w, { scaled: maxScaledErr, scaledName: c.id });
      if (maxErr === maxScaledErr && maxErr > w.bounded) Object.assign(w, { bounded: maxErr, boundedName: c.id });
      expect(problems, `${build} ${c.id}:\n${problems.join('\n')}`).toEqual([]);
      if (c.module === 'LSTM') expect(got.c).toBeDefined();
      else expect(got.c).toBeUndefined();

      // A second forward on the same layer and inputs repeats bit for bit.
      const again = run(layer, inp);
      expect(bitwiseEqual(again.output.data, got.output.data), 'output repeats bitwise').toBe(true);
      expect(bitwiseEqual(again.h.data, got.h.data), 'h repeats bitwise').toBe(true);
      if (got.c) expect(bitwiseEqual(again.c!.data, got.c.data), 'c repeats bitwise').toBe(true);
    } finally {
      layer.dispose();
    }
  });
});

/** Item b of a batched input (and its states / length) as a batch of one. */
function sliceItem(c: Case, inp: Inputs, b: number): Inputs {
  const { inputSize: I, hiddenSize: H, numLayers: L } = c.config;
  const P = c.config.projSize || H;
  const D = c.config.bidirectional ? 2 : 1;
  const T = c.T;
  const x = new Float32Array(T * I);
  for (let t = 0; t < T; t++) {
    const off = c.config.batchFirst ? (b * T + t) * I : (t * c.B + b) * I;
    x.set(inp.x.data.subarray(off, off + I), t * I);
  }
  const state = (s: F32Tensor, n: number): F32Tensor => {
    const d = new Float32Array(L * D * n);
    for (let k = 0; k < L * D; k++) d.set(s.data.subarray((k * c.B + b) * n, (k * c.B + b + 1) * n), k * n);
    return { data: d, shape: [L * D, 1, n] };
  };
  const out: Inputs = { x: { data: x, shape: c.config.batchFirst ? [1, T, I] : [T, 1, I] } };
  if (inp.h0) out.h0 = state(inp.h0, P);
  if (inp.c0) out.c0 = state(inp.c0, H);
  if (inp.lengths) out.lengths = [inp.lengths[b]];
  return out;
}

/** Item b's slice of a batched result, to compare with a batch-of-one run. */
function resultItem(c: Case, r: LayerResult, b: number): LayerResult {
  const { hiddenSize: H, numLayers: L } = c.config;
  const P = c.config.projSize || H;
  const D = c.config.bidirectional ? 2 : 1;
  const F = D * P;
  const T = c.T;
  const o = new Float32Array(T * F);
  for (let t = 0; t < T; t++) {
    const off = c.config.batchFirst ? (b * T + t) * F : (t * c.B + b) * F;
    o.set(r.output.data.subarray(off, off + F), t * F);
  }
  const state = (s: F32Tensor, n: number): F32Tensor => {
    const d = new Float32Array(L * D * n);
    for (let k = 0; k < L * D; k++) d.set(s.data.subarray((k * c.B + b) * n, (k * c.B + b + 1) * n), k * n);
    return { data: d, shape: [L * D, 1, n] };
  };
  return {
    output: { data: o, shape: c.config.batchFirst ? [1, T, F] : [T, 1, F] },
    h: state(r.h, P),
    c: r.c ? state(r.c, H) : undefined,
  };
}

describe.each(builds)('build %s: batch invariance', (build) => {
  beforeAll(async () => {
    await ready({ build });
  });
  const batched = cases.filter((c) => !c.unbatched && c.B > 1);
  it.each(batched.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { layer } = buildLayer(c);
    try {
      const inp = makeInputs(c);
      const all = run(layer, inp);
      for (let b = 0; b < c.B; b++) {
        const alone = run(layer, sliceItem(c, inp, b));
        const want = resultItem(c, all, b);
        const { problems } = compareResults(
          { output: alone.output, h: alone.h, c: alone.c },
          { output: want.output, h: want.h, c: want.c },
          1e-6,
        );
        expect(problems, `${build} ${c.id}, item ${b} alone vs in batch:\n${problems.join('\n')}`).toEqual([]);
      }
    } finally {
      layer.dispose();
    }
  });
});

const hasSimdAndScalar = builds.includes('simd') && builds.includes('scalar');
describe.runIf(hasSimdAndScalar)('simd and scalar builds agree', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    await ready({ build: 'simd' });
    const a = buildLayer(c);
    let resA: LayerResult;
    try {
      resA = run(a.layer, makeInputs(c));
    } finally {
      a.layer.dispose();
    }
    await ready({ build: 'scalar' });
    const b = buildLayer(c, a.sd);
    try {
      const resB = run(b.layer, makeInputs(c));
      const { maxErr, problems } = compareResults(
        { output: resB.output, h: resB.h, c: resB.c },
        { output: resA.output, h: resA.h, c: resA.c },
        TOL,
      );
      expect(problems, `scalar vs simd ${c.id} (max ${maxErr}):\n${problems.join('\n')}`).toEqual([]);
    } finally {
      b.layer.dispose();
    }
  });
});

it('the random cases cover every option', () => {
  const has = (f: (c: Case) => boolean) => cases.some(f);
  for (const m of ['LSTM', 'GRU'] as const) expect(has((c) => c.module === m)).toBe(true);
  expect(has((c) => c.config.nonlinearity === 'relu')).toBe(true);
  expect(has((c) => c.config.nonlinearity === 'tanh')).toBe(true);
  expect(has((c) => !!c.config.projSize && c.config.bidirectional && c.config.numLayers > 1 && !!c.lengths)).toBe(true);
  expect(has((c) => c.config.numLayers === 3)).toBe(true);
  expect(has((c) => !c.config.bias)).toBe(true);
  expect(has((c) => c.config.batchFirst && !!c.lengths && c.withH0)).toBe(true);
  expect(has((c) => c.unbatched && c.withH0)).toBe(true);
  expect(has((c) => c.T === 1)).toBe(true);
  expect(has((c) => c.scale !== 1)).toBe(true);
  expect(has((c) => !!c.lengths && c.lengthsAsInt32)).toBe(true);
  expect(has((c) => !!c.lengths && !c.lengthsAsInt32)).toBe(true);
  expect(maxAbsDiff([0], [0])).toBe(0);
});

afterAll(() => {
  for (const [build, w] of Object.entries(worst)) {
    console.log(
      `layers(${build}) vs f64 reference over ${cases.length} random cases: worst abs err ${w.abs.toExponential(3)} (${w.absName}); ` +
        `worst err/max(1,|want|) ${w.scaled.toExponential(3)} (${w.scaledName}); ` +
        `worst abs err where all |want| <= 1: ${w.bounded.toExponential(3)} (${w.boundedName})`,
    );
  }
});
