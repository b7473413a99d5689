/**
 * The signal operators (src/onnx/ops/signal.ts): HannWindow, HammingWindow, BlackmanWindow, DFT,
 * STFT, MelWeightMatrix.
 *
 * 1. ONNX's backend node tests (run in node-conformance.test.ts) checked here against exact
 *    float64 results: their own expected values are less exact.
 * 2. Graphs built here against onnxruntime-web on random inputs at opset 17 (and DFT-20's axis
 *    input), and against a float64 direct DFT written here (`refDft`): our outputs must be within
 *    one float32 rounding of it, which onnxruntime's float32 FFT is not (see ORT_TOL).
 * 3. The typed errors.
 *
 * Errors are max |a - b| / (1 + |b|) over the elements (helpers.ts maxRelErr); the measured
 * maxima are printed at the end.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx, readTensorProto } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { model, type Attr, type NodeSpec, type TensorSpec, type ValueSpec } from './encode.js';
import { FIXTURES, expectError, maxRelErr, readBytes, readDataSet, randn } from './helpers.js';
import { runOrt } from './ort.js';

beforeAll(async () => {
  await ready();
});

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT16 = 5;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

/** Largest error measured per group, printed at the end. */
const measured = new Map<string, number>();
function note(group: string, e: number): number {
  measured.set(group, Math.max(measured.get(group) ?? 0, e));
  return e;
}
afterAll(() => {
  const rows = [...measured].map(([k, v]) => `  ${k}: ${v.toExponential(2)}`);
  console.log(`signal operators, max |a - b| / (1 + |b|):\n${rows.join('\n')}`);
});

const f32 = (shape: number[], seed: number): Tensor => ({ data: randn(shape.reduce((a, b) => a * b, 1), seed), shape });
const i64 = (v: number): Tensor => ({ data: BigInt64Array.of(BigInt(v)), shape: [] });
const i32 = (v: number): Tensor => ({ data: Int32Array.of(v), shape: [] });
const scalarF = (v: number): Tensor => ({ data: Float32Array.of(v), shape: [] });

/** A one-node model: inputs are graph inputs (fed at run) unless given as initializers. */
function oneNode(op: string, inputs: (ValueSpec | '')[], attrs: Attr[] = [], opts: { opset?: number; outType?: number; initializers?: TensorSpec[] } = {}): Uint8Array {
  const names = inputs.map((v) => (v === '' ? '' : v.name));
  const node: NodeSpec = { op, name: op.toLowerCase(), inputs: names, outputs: ['y'], attrs };
  const init = new Set((opts.initializers ?? []).map((t) => t.name));
  return model({
    opset: opts.opset ?? 17,
    nodes: [node],
    inputs: inputs.filter((v): v is ValueSpec => v !== '' && !init.has(v.name)),
    outputs: [{ name: 'y', type: opts.outType ?? FLOAT }],
    initializers: opts.initializers,
  });
}

/** Runs `bytes` on both engines; asserts each output within `tol` of onnxruntime's; returns ours. */
async function vsOrt(group: string, bytes: Uint8Array, feeds: Record<string, Tensor>, tol: number): Promise<Tensor> {
  const got = loadOnnx(bytes).run(feeds);
  const ort = await runOrt(bytes, feeds as never);
  expect(ort.error).toBeUndefined();
  const want = ort.outputs!.y;
  const e = note(group, maxRelErr(got.y, { data: Array.from(want.data as ArrayLike<number | bigint>, Number), shape: want.shape }, group));
  expect(e, `${group}: max error ${e} vs onnxruntime`).toBeLessThanOrEqual(tol);
  return got.y;
}

// ---------------------------------------------------------------------------------------------
// float64 references written here

/** sum_j x[j] e^(-+2 pi i j k / n) over the first min(len, n) samples, angles reduced exactly. */
function refDft(re: ArrayLike<number>, im: ArrayLike<number>, n: number, inverse: boolean): [Float64Array, Float64Array] {
  const outR = new Float64Array(n);
  const outI = new Float64Array(n);
  const take = Math.min(re.length, n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let ar = 0;
    let ai = 0;
    for (let j = 0; j < take; j++) {
      const t = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(t);
      const s = Math.sin(t);
      ar += re[j] * c - im[j] * s;
      ai += re[j] * s + im[j] * c;
    }
    outR[k] = inverse ? ar / n : ar;
    outI[k] = inverse ? ai / n : ai;
  }
  return [outR, outI];
}

/**
 * The DFT operator's definition computed with refDft: x [..., len, ..., c] along `axis`, output
 * bins 0..outLen-1 as [re, im] pairs (or the IRFFT's real values).
 */
function refDftOp(x: Tensor, axis: number, o: { n?: number; inverse?: boolean; onesided?: boolean }): { data: Float64Array; shape: number[] } {
  const shape = x.shape;
  const r = shape.length;
  const a = axis < 0 ? axis + r : axis;
  const c = shape[r - 1];
  const len = shape[a];
  const irfft = !!o.inverse && !!o.onesided;
  const n = o.n ?? (irfft ? 2 * (len - 1) : len);
  const outLen = irfft ? n : o.onesided ? Math.floor(n / 2) + 1 : n;
  const oc = irfft ? 1 : 2;
  const outShape = shape.slice();
  outShape[a] = outLen;
  outShape[r - 1] = oc;
  const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
  const inner = shape.slice(a + 1, r - 1).reduce((p, q) => p * q, 1);
  const out = new Float64Array(outer * outLen * inner * oc);
  const src = x.data as Float32Array;
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => ((p * len + j) * inner + i) * c;
      const re: number[] = [];
      const im: number[] = [];
      if (irfft) {
        // numpy's irfft: bins 0..n/2 of a Hermitian spectrum, imaginary parts of bins 0 and n/2 dropped
        for (let k = 0; k < n; k++) {
          const m = k <= n / 2 ? k : n - k;
          const have = m < len;
          re.push(have ? src[at(m)] : 0);
          const imag = have && m !== 0 && 2 * m !== n ? src[at(m) + 1] : 0;
          im.push(k <= n / 2 ? imag : -imag);
        }
      } else {
        for (let j = 0; j < len; j++) {
          re.push(src[at(j)]);
          im.push(c === 2 ? src[at(j) + 1] : 0);
        }
      }
      const [yr, yi] = refDft(re, im, n, !!o.inverse);
      for (let k = 0; k < outLen; k++) {
        const y = ((p * outLen + k) * inner + i) * oc;
        out[y] = yr[k];
        if (oc === 2) out[y + 1] = yi[k];
      }
    }
  }
  return { data: out, shape: outShape };
}

/** STFT by its definition with refDft. */
function refStft(x: Tensor, step: number, W: number, window: Float32Array | undefined, onesided: boolean): { data: Float64Array; shape: number[] } {
  const [batch, length] = x.shape;
  const c = x.shape.length === 3 ? x.shape[2] : 1;
  const frames = Math.floor((length - W) / step) + 1;
  const bins = onesided ? Math.floor(W / 2) + 1 : W;
  const out = new Float64Array(batch * frames * bins * 2);
  const src = x.data as Float32Array;
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < frames; f++) {
      const re: number[] = [];
      const im: number[] = [];
      for (let k = 0; k < W; k++) {
        const at = (b * length + f * step + k) * c;
        const w = window ? window[k] : 1;
        re.push(src[at] * w);
        im.push(c === 2 ? src[at + 1] * w : 0);
      }
      const [yr, yi] = refDft(re, im, W, false);
      for (let k = 0; k < bins; k++) {
        out[((b * frames + f) * bins + k) * 2] = yr[k];
        out[((b * frames + f) * bins + k) * 2 + 1] = yi[k];
      }
    }
  }
  return { data: out, shape: [batch, frames, bins, 2] };
}

/** A cosine-sum window by its definition. */
function refWindow(a: [number, number, number], size: number, periodic: boolean): Float64Array {
  const N = periodic ? size : size - 1;
  return Float64Array.from({ length: size }, (_, i) => {
    const t = N === 0 ? 0 : (2 * Math.PI * i) / N;
    return a[0] - a[1] * Math.cos(t) + a[2] * Math.cos(2 * t);
  });
}

/** Within one float32 rounding of the float64 reference (plus the reference's own float64 error). */
const F64_TOL = 2 ** -23;

/**
 * Against onnxruntime-web, whose DFT runs in float32 (twiddles from float32 angles; Bluestein's
 * chirp angle pi k^2 / n in float32 for lengths that are not powers of two), so its error, not
 * ours, sets these. Measured maxima are printed at the end.
 */
const ORT_TOL = { pow2: 2e-5, other: 2e-3, window: 2e-7 };

// ---------------------------------------------------------------------------------------------
// 1. ONNX backend node tests

// copied into the repository by tools/copy-onnx-node-tests.mjs; node-conformance.test.ts runs
// them all (the windows' and test_stft_with_window's tolerances are in cases.json, with why)
const NODE = join(FIXTURES, 'node-ops');

describe('ONNX backend node tests against the exact results', () => {
  it('test_stft_with_window matches the float64 STFT of its inputs to one float32 rounding', () => {
    const dir = join(NODE, 'test_stft_with_window', 'test_data_set_0');
    const [signal, step, window] = readDataSet(dir, 'input');
    const got = loadOnnx(readBytes(join(NODE, 'test_stft_with_window', 'model.onnx'))).run({ signal, frame_step: step, window }).output;
    const ref = refStft(signal, Number(step.data[0]), window.shape[0], window.data as Float32Array, true);
    expect(note('STFT vs float64 reference', maxRelErr(got, ref, 'test_stft_with_window'))).toBeLessThanOrEqual(F64_TOL);
  });

  it('the window node tests match the exact windows to one float32 rounding', () => {
    const coef: Record<string, [number, number, number]> = { hann: [0.5, 0.5, 0], hamming: [25 / 46, 21 / 46, 0], blackman: [0.42, 0.5, 0.08] };
    for (const [w, a] of Object.entries(coef)) {
      for (const sym of [false, true]) {
        const name = `test_${w}window${sym ? '_symmetric' : ''}`;
        const m = loadOnnx(readBytes(join(NODE, name, 'model.onnx')));
        const size = readTensorProto(readBytes(join(NODE, name, 'test_data_set_0', 'input_0.pb')));
        const got = m.run({ [m.inputNames[0]]: size }).y;
        const e = note('windows vs exact float64', maxRelErr(got, { data: refWindow(a, Number(size.data[0]), !sym), shape: got.shape }, name));
        expect(e).toBeLessThanOrEqual(F64_TOL);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. against onnxruntime-web and the float64 references

describe('windows against onnxruntime', () => {
  const ops: [string, [number, number, number]][] = [['HannWindow', [0.5, 0.5, 0]], ['HammingWindow', [25 / 46, 21 / 46, 0]], ['BlackmanWindow', [0.42, 0.5, 0.08]]];
  for (const [op, a] of ops) {
    for (const periodic of [1, 0]) {
      it(`${op} periodic=${periodic}, sizes 1 to 512, int64 and int32 sizes`, async () => {
        for (const size of [1, 2, 3, 10, 31, 64, 400, 512]) {
          if (size === 1 && periodic === 0) continue; // onnxruntime: 0/0 -> NaN (ours: [a0 - a1 + a2], below)
          const asInt32 = size % 2 === 1;
          const bytes = oneNode(op, [{ name: 'size', type: asInt32 ? INT32 : INT64, shape: [] }], [{ name: 'periodic', i: periodic }]);
          const got = await vsOrt('windows vs onnxruntime', bytes, { size: asInt32 ? i32(size) : i64(size) }, ORT_TOL.window);
          const e = note('windows vs exact float64', maxRelErr(got, { data: refWindow(a, size, periodic === 1), shape: [size] }, op));
          expect(e).toBeLessThanOrEqual(F64_TOL);
        }
      });
    }
    it(`${op} output_datatype double, int32, int64, int16, int8, uint8 (truncated as by Cast)`, async () => {
      for (const [type, size] of [[DOUBLE, 16], [INT32, 16], [INT64, 17], [INT16, 8], [INT8, 9], [UINT8, 32]]) {
        const bytes = oneNode(op, [{ name: 'size', type: INT64, shape: [] }], [{ name: 'output_datatype', i: type }], { outType: type });
        await vsOrt('windows vs onnxruntime', bytes, { size: i64(size) }, ORT_TOL.window);
      }
    });
  }

  it('a symmetric window of one sample is a0 - a1 + a2 (onnxruntime: NaN)', () => {
    for (const [op, want] of [['HannWindow', 0], ['HammingWindow', 25 / 46 - 21 / 46], ['BlackmanWindow', 0]] as const) {
      const got = loadOnnx(oneNode(op, [{ name: 'size', type: INT64, shape: [] }], [{ name: 'periodic', i: 0 }])).run({ size: i64(1) }).y;
      expect(got.shape).toEqual([1]);
      expect(got.data[0]).toBeCloseTo(want, 7);
    }
  });
});

/** DFT configurations: input shape, axis, and the optional dft_length / inverse / onesided. */
interface DftCase {
  shape: number[];
  axis: number;
  n?: number;
  inverse?: 0 | 1;
  onesided?: 0 | 1;
}

function dftModel(c: DftCase, opset = 17, axisAsInput = false): Uint8Array {
  const attrs: Attr[] = [];
  if (!axisAsInput) attrs.push({ name: 'axis', i: c.axis });
  if (c.inverse !== undefined) attrs.push({ name: 'inverse', i: c.inverse });
  if (c.onesided !== undefined) attrs.push({ name: 'onesided', i: c.onesided });
  const inputs: (ValueSpec | '')[] = [{ name: 'x', shape: c.shape }];
  inputs.push(c.n !== undefined ? { name: 'n', type: INT64, shape: [] } : '');
  if (axisAsInput) inputs.push({ name: 'axis', type: INT64, shape: [] });
  return oneNode('DFT', inputs, attrs, { opset });
}

const isPow2 = (n: number) => (n & (n - 1)) === 0;

async function checkDft(c: DftCase, seed: number, opset = 17, axisAsInput = false): Promise<void> {
  const x = f32(c.shape, seed);
  const feeds: Record<string, Tensor> = { x };
  if (c.n !== undefined) feeds.n = i64(c.n);
  if (axisAsInput) feeds.axis = i64(c.axis);
  const bytes = dftModel(c, opset, axisAsInput);
  const r = c.shape.length;
  const n = c.n ?? c.shape[c.axis < 0 ? c.axis + r : c.axis];
  const got = await vsOrt(`DFT vs onnxruntime (${isPow2(n) ? 'powers of two' : 'other lengths'})`, bytes, feeds, isPow2(n) ? ORT_TOL.pow2 : ORT_TOL.other);
  const ref = refDftOp(x, c.axis, { n: c.n, inverse: c.inverse === 1, onesided: c.onesided === 1 });
  const e = note('DFT vs float64 reference', maxRelErr(got, ref, JSON.stringify(c)));
  expect(e, `${JSON.stringify(c)}: ${e} from the float64 DFT`).toBeLessThanOrEqual(F64_TOL);
}

describe('DFT against onnxruntime and a float64 DFT', () => {
  const lengths = [1, 2, 4, 8, 64, 512, 3, 10, 15, 63, 65, 97, 400];
  it('real input, forward, full and onesided, lengths 1 to 512 (powers of two and not, odd)', async () => {
    for (const [i, len] of lengths.entries()) {
      for (const onesided of [0, 1] as const) await checkDft({ shape: [2, len, 1], axis: 1, onesided }, 10 + i);
    }
  });

  it('complex input, forward and inverse', async () => {
    for (const [i, len] of [2, 8, 256, 5, 12, 100, 129].entries()) {
      for (const inverse of [0, 1] as const) await checkDft({ shape: [2, len, 2], axis: 1, inverse }, 30 + i);
    }
  });

  it('real input, inverse (two-sided)', async () => {
    for (const [i, len] of [8, 9, 70].entries()) await checkDft({ shape: [3, len, 1], axis: 1, inverse: 1 }, 40 + i);
  });

  it('dft_length shorter and longer than the signal (truncation and zero padding)', async () => {
    const cases: DftCase[] = [
      { shape: [2, 16, 1], axis: 1, n: 8 },
      { shape: [2, 16, 1], axis: 1, n: 32 },
      { shape: [2, 16, 1], axis: 1, n: 10, onesided: 1 },
      { shape: [2, 16, 1], axis: 1, n: 21 },
      { shape: [2, 100, 1], axis: 1, n: 80, onesided: 1 },
      { shape: [2, 100, 1], axis: 1, n: 128, onesided: 1 },
      { shape: [2, 16, 2], axis: 1, n: 12 },
      { shape: [2, 16, 2], axis: 1, n: 64, inverse: 1 },
      { shape: [1, 7, 2], axis: 1, n: 9, inverse: 1 },
    ];
    for (const [i, c] of cases.entries()) await checkDft(c, 50 + i);
  });

  it('axis choices on rank 4 and 5 inputs, negative axes', async () => {
    const cases: DftCase[] = [
      { shape: [3, 8, 5, 1], axis: 1 },
      { shape: [3, 8, 5, 1], axis: 2, onesided: 1 },
      { shape: [3, 8, 5, 2], axis: 2 },
      { shape: [3, 8, 5, 2], axis: -2, inverse: 1 },
      { shape: [3, 8, 5, 1], axis: -3 },
      { shape: [4, 6, 1], axis: 0 },
      { shape: [2, 3, 12, 4, 2], axis: 2, n: 16 },
      { shape: [2, 3, 12, 4, 1], axis: -3, onesided: 1 },
    ];
    for (const [i, c] of cases.entries()) await checkDft(c, 70 + i);
  });

  it('opset 20: the axis as input 2 (default -2)', async () => {
    await checkDft({ shape: [3, 8, 5, 1], axis: 1 }, 90, 20, true);
    await checkDft({ shape: [3, 8, 6, 2], axis: -2, n: 12, inverse: 1 }, 91, 20, true);
    // without the axis input: the last signal axis
    const x = f32([2, 5, 16, 1], 92);
    const bytes = oneNode('DFT', [{ name: 'x', shape: x.shape }], [{ name: 'onesided', i: 1 }], { opset: 20 });
    const got = await vsOrt('DFT vs onnxruntime (powers of two)', bytes, { x }, ORT_TOL.pow2);
    expect(got.shape).toEqual([2, 5, 9, 2]);
    expect(maxRelErr(got, refDftOp(x, -2, { onesided: true }), 'DFT-20')).toBeLessThanOrEqual(F64_TOL);
  });

  // onnxruntime returns the first floor(n/2) + 1 bins of the complex inverse instead: only the
  // reference here (numpy's irfft, as ONNX's reference implementation) applies.
  it('IRFFT (onesided=1, inverse=1): real output of dft_length, default 2 (m - 1)', () => {
    const cases: DftCase[] = [
      { shape: [2, 9, 2], axis: 1, inverse: 1, onesided: 1 },
      { shape: [2, 9, 2], axis: 1, n: 17, inverse: 1, onesided: 1 },
      { shape: [2, 9, 2], axis: 1, n: 10, inverse: 1, onesided: 1 },
      { shape: [2, 5, 2], axis: 1, n: 20, inverse: 1, onesided: 1 },
      { shape: [3, 6, 4, 2], axis: 1, n: 7, inverse: 1, onesided: 1 },
      { shape: [1, 201, 2], axis: 1, inverse: 1, onesided: 1 },
    ];
    for (const [i, c] of cases.entries()) {
      const x = f32(c.shape, 100 + i);
      const feeds: Record<string, Tensor> = { x };
      if (c.n !== undefined) feeds.n = i64(c.n);
      const got = loadOnnx(dftModel(c)).run(feeds).y;
      const e = note('DFT vs float64 reference', maxRelErr(got, refDftOp(x, c.axis, { n: c.n, inverse: true, onesided: true }), JSON.stringify(c)));
      expect(e).toBeLessThanOrEqual(F64_TOL);
    }
  });

  it('IRFFT inverts the onesided forward transform of a real signal', () => {
    for (const len of [16, 15, 400]) {
      const x = f32([2, len, 1], len);
      const fwd = loadOnnx(dftModel({ shape: x.shape, axis: 1, onesided: 1 })).run({ x }).y;
      const back = loadOnnx(dftModel({ shape: fwd.shape, axis: 1, n: len, inverse: 1, onesided: 1 })).run({ x: fwd, n: i64(len) }).y;
      expect(back.shape).toEqual(x.shape);
      expect(maxRelErr(back, x as never, 'round trip')).toBeLessThan(1e-6);
    }
  });
});

describe('STFT against onnxruntime and a float64 STFT', () => {
  /** signal shape, frame_step, frame length, window given?, frame_length given?, onesided */
  const cases: [number[], number, number, boolean, boolean, 0 | 1 | undefined][] = [
    [[2, 200, 1], 16, 64, true, false, undefined],
    [[2, 200, 1], 16, 64, true, true, 0],
    [[1, 128, 1], 8, 16, false, true, 1],
    [[2, 100, 1], 1, 10, false, true, 1],
    [[2, 100, 1], 7, 25, true, false, 0],
    [[1, 300, 1], 40, 100, true, false, 1],
    [[1, 1600, 1], 160, 400, true, true, 1], // Whisper's n_fft 400, hop 160
    [[2, 90, 1], 30, 30, false, true, 1], // frames end to end
    [[2, 90, 1], 40, 20, true, false, 1], // gaps between frames
    [[2, 64, 1], 5, 64, true, false, 1], // one frame, the whole signal
    [[2, 300], 32, 128, true, false, 1], // rank 2 (torch's export): real
    [[1, 100, 2], 10, 32, true, false, 0], // complex signal
    [[1, 100, 2], 10, 20, false, true, 0],
    [[1, 100, 2], 10, 16, true, false, 1], // complex, onesided: the first W/2 + 1 bins (as onnxruntime)
  ];
  for (const [i, [shape, step, W, withWindow, withLength, onesided]] of cases.entries()) {
    const what = `signal ${JSON.stringify(shape)}, step ${step}, ${withWindow ? 'window' : 'no window'} ${W}${withLength ? ', frame_length' : ''}, onesided ${onesided ?? 'default'}`;
    it(what, async () => {
      const x = f32(shape, 200 + i);
      const window = withWindow ? (randn(W, 300 + i).map((v) => 0.5 + 0.5 * v) as Float32Array) : undefined;
      const inputs: (ValueSpec | '')[] = [{ name: 'signal', shape }, { name: 'step', type: INT64, shape: [] }];
      inputs.push(window ? { name: 'window', shape: [W] } : '');
      if (withLength) inputs.push({ name: 'length', type: INT64, shape: [] });
      const feeds: Record<string, Tensor> = { signal: x, step: i64(step) };
      if (window) feeds.window = { data: window, shape: [W] };
      if (withLength) feeds.length = i64(W);
      const bytes = oneNode('STFT', inputs, onesided === undefined ? [] : [{ name: 'onesided', i: onesided }]);
      const got = await vsOrt(`STFT vs onnxruntime (${isPow2(W) ? 'powers of two' : 'other lengths'})`, bytes, feeds, isPow2(W) ? ORT_TOL.pow2 : ORT_TOL.other);
      const ref = refStft(x, step, W, window, onesided !== 0);
      const e = note('STFT vs float64 reference', maxRelErr(got, ref, what));
      expect(e).toBeLessThanOrEqual(F64_TOL);
    });
  }

  it('a log-mel front-end: HannWindow + STFT + power + MelWeightMatrix + MatMul + Log, windows and filters folded at load, two lengths of one model', async () => {
    const bytes = model({
      opset: 17,
      nodes: [
        { op: 'HannWindow', inputs: ['win_size'], outputs: ['window'] },
        { op: 'STFT', inputs: ['audio', 'hop', 'window'], outputs: ['spec'] },
        { op: 'Mul', inputs: ['spec', 'spec'], outputs: ['sq'] },
        { op: 'ReduceSum', inputs: ['sq', 'last'], outputs: ['power'], attrs: [{ name: 'keepdims', i: 0 }] },
        { op: 'MelWeightMatrix', inputs: ['mels', 'nfft', 'rate', 'lo', 'hi'], outputs: ['filters'] },
        { op: 'MatMul', inputs: ['power', 'filters'], outputs: ['mel'] },
        { op: 'Add', inputs: ['mel', 'eps'], outputs: ['mel_eps'] },
        { op: 'Log', inputs: ['mel_eps'], outputs: ['y'] },
      ],
      inputs: [{ name: 'audio', shape: [1, 'T', 1] }],
      outputs: [{ name: 'y' }],
      initializers: [
        { name: 'win_size', dims: [], type: INT64, data: [512] },
        { name: 'hop', dims: [], type: INT64, data: [160] },
        { name: 'last', dims: [1], type: INT64, data: [-1] },
        { name: 'mels', dims: [], type: INT64, data: [40] },
        { name: 'nfft', dims: [], type: INT64, data: [512] },
        { name: 'rate', dims: [], type: INT64, data: [16000] },
        { name: 'lo', dims: [], data: [20] },
        { name: 'hi', dims: [], data: [7600] },
        { name: 'eps', dims: [], data: [1e-6] },
      ],
    });
    const got = await vsOrt('log-mel front-end vs onnxruntime', bytes, { audio: f32([1, 4000, 1], 400) }, 1e-5);
    expect(got.shape).toEqual([1, 22, 40]);
    // one model, run after run at two lengths (specialised plans, values from the run arena)
    const m = loadOnnx(bytes);
    for (const [i, len] of [16000, 4000, 16000].entries()) {
      const audio = f32([1, len, 1], 401 + i);
      const mine = m.run({ audio }).y;
      const ort = await runOrt(bytes, { audio } as never);
      const want = ort.outputs!.y;
      expect(mine.shape).toEqual([1, Math.floor((len - 512) / 160) + 1, 40]);
      expect(note('log-mel front-end vs onnxruntime', maxRelErr(mine, { data: Array.from(want.data), shape: want.shape }, 'log-mel'))).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('MelWeightMatrix against onnxruntime', () => {
  const cases: [number, number, number, number, number][] = [
    [8, 16, 8192, 0, 4096],
    [40, 512, 16000, 20, 7600],
    [80, 400, 16000, 0, 8000],
    [64, 1024, 22050, 125, 11025],
    [10, 64, 8000, 300, 300], // lower = upper: every filter a single 1
    [13, 255, 44100, 50.5, 20000], // odd dft_length, fractional edge
  ];
  for (const [mels, n, rate, lo, hi] of cases) {
    it(`${mels} bins, dft_length ${n}, ${rate} Hz, ${lo}-${hi} Hz`, async () => {
      const bytes = oneNode('MelWeightMatrix', [
        { name: 'mels', type: INT64, shape: [] }, { name: 'n', type: INT64, shape: [] }, { name: 'rate', type: INT64, shape: [] },
        { name: 'lo', shape: [] }, { name: 'hi', shape: [] },
      ]);
      const got = await vsOrt('MelWeightMatrix vs onnxruntime', bytes, { mels: i64(mels), n: i64(n), rate: i64(rate), lo: scalarF(lo), hi: scalarF(hi) }, 0);
      expect(got.shape).toEqual([Math.floor(n / 2) + 1, mels]);
    });
  }

  // double: onnxruntime's weights are float64 (ours float32); int32: truncated, exact
  it('output_datatype int32 and double', async () => {
    for (const type of [INT32, DOUBLE]) {
      const bytes = oneNode('MelWeightMatrix', [
        { name: 'mels', type: INT32, shape: [] }, { name: 'n', type: INT32, shape: [] }, { name: 'rate', type: INT32, shape: [] },
        { name: 'lo', shape: [] }, { name: 'hi', shape: [] },
      ], [{ name: 'output_datatype', i: type }], { outType: type });
      await vsOrt('MelWeightMatrix vs onnxruntime (double output)', bytes, { mels: i32(20), n: i32(256), rate: i32(16000), lo: scalarF(0), hi: scalarF(8000) }, type === DOUBLE ? F64_TOL : 0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. typed errors

describe('typed errors', () => {
  const sizeIn: ValueSpec = { name: 'size', type: INT64, shape: [] };

  it('the operators before opset 17, unknown attributes and bad attribute values fail at load', () => {
    expectError(() => loadOnnx(oneNode('HannWindow', [sizeIn], [], { opset: 16 })), 'UNSUPPORTED', /exists from opset 17/);
    expectError(() => loadOnnx(oneNode('DFT', [{ name: 'x', shape: [1, 4, 1] }], [], { opset: 16 })), 'UNSUPPORTED', /exists from opset 17/);
    expectError(() => loadOnnx(oneNode('HammingWindow', [sizeIn], [{ name: 'alpha', f: 0.5 }])), 'UNSUPPORTED', /attribute 'alpha'/);
    expectError(() => loadOnnx(oneNode('BlackmanWindow', [sizeIn], [{ name: 'periodic', i: 2 }])), 'INVALID_FORMAT', /'periodic' must be 0 or 1, got 2/);
    expectError(() => loadOnnx(oneNode('HannWindow', [sizeIn], [{ name: 'output_datatype', i: 8 }])), 'INVALID_FORMAT', /numeric data type.*STRING/);
    expectError(() => loadOnnx(oneNode('HannWindow', [sizeIn], [{ name: 'output_datatype', i: 9 }])), 'INVALID_FORMAT', /numeric data type.*BOOL/);
    expectError(() => loadOnnx(oneNode('DFT', [{ name: 'x', shape: [1, 4, 1] }], [{ name: 'inverse', i: -1 }])), 'INVALID_FORMAT', /'inverse' must be 0 or 1/);
    expectError(() => loadOnnx(oneNode('STFT', [{ name: 'x', shape: [1, 4, 1] }, { name: 's', type: INT64, shape: [] }], [{ name: 'onesided', i: 3 }])), 'INVALID_FORMAT', /'onesided' must be 0 or 1/);
    // opset 20 moved DFT's axis to an input
    expectError(() => loadOnnx(oneNode('DFT', [{ name: 'x', shape: [1, 4, 1] }], [{ name: 'axis', i: 1 }], { opset: 20 })), 'INVALID_FORMAT', /attribute 'axis' is DFT-17's: from opset 20 the axis is input 2/);
    expectError(() => loadOnnx(oneNode('MelWeightMatrix', [sizeIn], [{ name: 'output_datatype', i: 14 }])), 'INVALID_FORMAT', /COMPLEX64/);
  });

  it('windows: size type, shape and value', () => {
    const m = loadOnnx(oneNode('HannWindow', [sizeIn]));
    expectError(() => m.run({ size: i64(0) }), 'INVALID_INPUT', /size must be at least 1, got 0/);
    expectError(() => m.run({ size: i64(-3) }), 'INVALID_INPUT', /got -3/);
    expectError(() => m.run({ size: i64(2 ** 40) }), 'OUT_OF_MEMORY');
    const v = loadOnnx(oneNode('HannWindow', [{ name: 'size', type: INT64, shape: [2] }]));
    expectError(() => v.run({ size: { data: BigInt64Array.of(4n, 4n), shape: [2] } }), 'SHAPE_MISMATCH', /size must hold one element, got shape \[2\]/);
    const f = loadOnnx(oneNode('HannWindow', [{ name: 'size', shape: [] }]));
    expectError(() => f.run({ size: scalarF(4) }), 'DTYPE_MISMATCH', /size must be int32 or int64, got float32/);
    // a constant size is evaluated (and checked) at load
    expectError(() => loadOnnx(oneNode('HannWindow', [sizeIn], [], { initializers: [{ name: 'size', dims: [], type: INT64, data: [0] }] })), 'INVALID_INPUT', /at least 1/);
  });

  it('DFT: input rank, last dim, dtype, axis, dft_length, IRFFT of a real input', () => {
    const run = (c: DftCase, x: Tensor, n?: Tensor) => loadOnnx(dftModel(c)).run(n ? { x, n } : { x });
    expectError(() => run({ shape: [4, 3], axis: 0 }, f32([4, 3], 1)), 'SHAPE_MISMATCH', /last dim must be 1 \(real\) or 2 \(complex\), got shape \[4, 3\]/);
    expectError(() => run({ shape: [4], axis: 0 }, f32([4], 1)), 'SHAPE_MISMATCH', /rank >= 2/);
    expectError(() => run({ shape: [2, 4, 1], axis: 2 }, f32([2, 4, 1], 1)), 'INVALID_INPUT', /axis 2 is out of range for an input of rank 3 \(valid: \[-3, -2\] or \[0, 1\]/);
    expectError(() => run({ shape: [2, 4, 1], axis: -1 }, f32([2, 4, 1], 1)), 'INVALID_INPUT', /axis -1 is out of range/);
    expectError(() => run({ shape: [2, 4, 1], axis: -4 }, f32([2, 4, 1], 1)), 'INVALID_INPUT', /axis -4/);
    expectError(() => run({ shape: [2, 4, 1], axis: 1, n: 0 }, f32([2, 4, 1], 1), i64(0)), 'INVALID_INPUT', /dft_length must be at least 1, got 0/);
    const fn = loadOnnx(oneNode('DFT', [{ name: 'x', shape: [2, 4, 1] }, { name: 'n', shape: [] }]));
    expectError(() => fn.run({ x: f32([2, 4, 1], 1), n: scalarF(4) }), 'DTYPE_MISMATCH', /dft_length must be int32 or int64, got float32/);
    expectError(() => run({ shape: [2, 4, 1], axis: 1, inverse: 1, onesided: 1 }, f32([2, 4, 1], 1)), 'SHAPE_MISMATCH', /IRFFT\) takes a complex input \(last dim 2\), got shape \[2, 4, 1\]/);
    expectError(() => run({ shape: [2, 4, 2], axis: 1, onesided: 1 }, f32([2, 4, 2], 1)), 'SHAPE_MISMATCH', /onesided=1 \(forward\) takes a real input \(last dim 1\), got shape \[2, 4, 2\]/);
    expectError(() => run({ shape: [2, 1, 2], axis: 1, inverse: 1, onesided: 1 }, f32([2, 1, 2], 1)), 'INVALID_INPUT', /length 1, which gives a transform of length 0/);
    expectError(() => run({ shape: [2, 0, 1], axis: 1 }, f32([2, 0, 1], 1)), 'INVALID_INPUT', /length 0/);
    const int = loadOnnx(oneNode('DFT', [{ name: 'x', type: INT32, shape: [2, 4, 1] }], [{ name: 'axis', i: 1 }]));
    expectError(() => int.run({ x: { data: new Int32Array(8), shape: [2, 4, 1] } }), 'DTYPE_MISMATCH', /input must be float32, got int32/);
    // a constant dft_length is checked at load
    expectError(() => loadOnnx(oneNode('DFT', [{ name: 'x', shape: [1, 4, 1] }, { name: 'n', type: INT64, shape: [] }], [], { initializers: [{ name: 'n', dims: [], type: INT64, data: [-2] }] })), 'INVALID_INPUT', /got -2/);
    // opset 20's axis input
    const d20 = loadOnnx(oneNode('DFT', [{ name: 'x', shape: [2, 4, 1] }, '', { name: 'axis', type: INT64 }], [], { opset: 20 }));
    expectError(() => d20.run({ x: f32([2, 4, 1], 1), axis: i64(2) }), 'INVALID_INPUT', /axis 2 is out of range/);
    expectError(() => d20.run({ x: f32([2, 4, 1], 1), axis: { data: BigInt64Array.of(1n, 0n), shape: [2] } }), 'SHAPE_MISMATCH', /axis must hold one element/);
  });

  it('STFT: missing frame length, mismatched window, steps, shapes and types', () => {
    const sig: ValueSpec = { name: 'signal', shape: [1, 64, 1] };
    const step: ValueSpec = { name: 'step', type: INT64, shape: [] };
    const win: ValueSpec = { name: 'window', shape: ['W'] };
    const len: ValueSpec = { name: 'length', type: INT64, shape: [] };
    expectError(() => loadOnnx(oneNode('STFT', [sig, step])), 'INVALID_FORMAT', /input 2 \(window\) or input 3 \(frame_length\); the node has neither/);
    expectError(() => loadOnnx(oneNode('STFT', [sig, step, '', ''])), 'INVALID_FORMAT', /has neither/);
    const both = loadOnnx(oneNode('STFT', [sig, step, win, len]));
    const x = f32([1, 64, 1], 1);
    expectError(() => both.run({ signal: x, step: i64(4), window: f32([16], 2), length: i64(20) }), 'SHAPE_MISMATCH', /frame_length 20 differs from the window's length \(window shape \[16\]\)/);
    expectError(() => both.run({ signal: x, step: i64(0), window: f32([16], 2), length: i64(16) }), 'INVALID_INPUT', /frame_step must be at least 1, got 0/);
    expectError(() => both.run({ signal: x, step: i64(4), window: f32([80], 2), length: i64(80) }), 'SHAPE_MISMATCH', /signal \(length 64, shape \[1, 64, 1\]\) is shorter than one frame \(80 samples\)/);
    const w2 = loadOnnx(oneNode('STFT', [sig, step, { name: 'window', shape: [4, 4] }]));
    expectError(() => w2.run({ signal: x, step: i64(4), window: f32([4, 4], 2) }), 'SHAPE_MISMATCH', /window must have rank 1/);
    const wi = loadOnnx(oneNode('STFT', [sig, step, { name: 'window', type: INT32, shape: [4] }]));
    expectError(() => wi.run({ signal: x, step: i64(4), window: { data: new Int32Array(4), shape: [4] } }), 'DTYPE_MISMATCH', /window must be float32, got int32/);
    const l = loadOnnx(oneNode('STFT', [{ name: 'signal', shape: ['B', 'T', 'C'] }, step, '', len]));
    expectError(() => l.run({ signal: f32([1, 64, 3], 1), step: i64(4), length: i64(16) }), 'SHAPE_MISMATCH', /\[batch, length, 1 \(real\) or 2 \(complex\)\] or \[batch, length\], got shape \[1, 64, 3\]/);
    expectError(() => l.run({ signal: x, step: i64(4), length: i64(0) }), 'INVALID_INPUT', /frame length must be at least 1, got 0/);
    const lf = loadOnnx(oneNode('STFT', [sig, step, '', { name: 'length', shape: [] }]));
    expectError(() => lf.run({ signal: x, step: i64(4), length: scalarF(16) }), 'DTYPE_MISMATCH', /frame_length must be int32 or int64, got float32/);
    const mixed = loadOnnx(oneNode('STFT', [sig, step, '', { name: 'length', type: INT32, shape: [] }]));
    expectError(() => mixed.run({ signal: x, step: i64(4), length: i32(16) }), 'DTYPE_MISMATCH', /frame_step and frame_length must have the same type \(T2\), got int64 and int32/);
    const r4 = loadOnnx(oneNode('STFT', [{ name: 'signal', shape: [1, 2, 64, 1] }, step, '', len]));
    expectError(() => r4.run({ signal: f32([1, 2, 64, 1], 1), step: i64(4), length: i64(16) }), 'SHAPE_MISMATCH', /got shape \[1, 2, 64, 1\]/);
    // a constant frame_step is checked at load
    expectError(() => loadOnnx(oneNode('STFT', [sig, step, '', len], [], { initializers: [{ name: 'step', dims: [], type: INT64, data: [-1] }] })), 'INVALID_INPUT', /frame_step must be at least 1, got -1/);
  });

  it('MelWeightMatrix: counts, edges and types', () => {
    const m = loadOnnx(oneNode('MelWeightMatrix', [
      { name: 'mels', type: INT64, shape: [] }, { name: 'n', type: INT64, shape: [] }, { name: 'rate', type: INT64, shape: [] },
      { name: 'lo', shape: [] }, { name: 'hi', shape: [] },
    ]));
    const feeds = (mels: number, n: number, rate: number, lo: number, hi: number) => ({ mels: i64(mels), n: i64(n), rate: i64(rate), lo: scalarF(lo), hi: scalarF(hi) });
    expectError(() => m.run(feeds(0, 512, 16000, 0, 8000)), 'INVALID_INPUT', /num_mel_bins must be at least 1, got 0/);
    expectError(() => m.run(feeds(8, 0, 16000, 0, 8000)), 'INVALID_INPUT', /dft_length must be at least 1, got 0/);
    expectError(() => m.run(feeds(8, 512, 0, 0, 8000)), 'INVALID_INPUT', /sample_rate must be at least 1, got 0/);
    expectError(() => m.run(feeds(8, 512, 16000, 4000, 3000)), 'INVALID_INPUT', /0 <= lower_edge_hertz <= upper_edge_hertz \(finite\), got 4000 and 3000/);
    expectError(() => m.run(feeds(8, 512, 16000, -1, 3000)), 'INVALID_INPUT', /got -1 and 3000/);
    expectError(() => m.run(feeds(8, 512, 16000, 0, NaN)), 'INVALID_INPUT', /got 0 and NaN/);
    expectError(() => m.run(feeds(8, 512, 16000, 0, 16000)), 'INVALID_INPUT', /upper_edge_hertz 16000 puts the last filter's top point at spectrogram bin \d+, past the 257 bins of a 512-point DFT at sample_rate 16000/);
    const typed = (rateType: number, loType: number) => loadOnnx(oneNode('MelWeightMatrix', [
      { name: 'mels', type: INT64, shape: [] }, { name: 'n', type: INT64, shape: [] }, { name: 'rate', type: rateType, shape: [] },
      { name: 'lo', type: loType, shape: [] }, { name: 'hi', shape: [] },
    ]));
    expectError(() => typed(INT32, FLOAT).run({ mels: i64(8), n: i64(512), rate: i32(16000), lo: scalarF(0), hi: scalarF(8000) }), 'DTYPE_MISMATCH', /must have the same type \(T1\), got int64, int64 and int32/);
    expectError(() => typed(FLOAT, FLOAT).run({ mels: i64(8), n: i64(512), rate: scalarF(16000), lo: scalarF(0), hi: scalarF(8000) }), 'DTYPE_MISMATCH', /sample_rate must be int32 or int64, got float32/);
    expectError(() => typed(INT64, INT64).run({ mels: i64(8), n: i64(512), rate: i64(16000), lo: i64(0), hi: scalarF(8000) }), 'DTYPE_MISMATCH', /lower_edge_hertz must be float32, got int64/);
  });
});
