/**
 * ONNX Conv / ConvTranspose (src/onnx/ops/conv.ts, bindings/conv.ts): the wasm path (weights
 * constant at load, packed once) and the float64 JS reference (weights computed by the graph)
 * against onnxruntime-web on seeded random cases, and against ONNX's backend node tests
 * (test/fixtures/onnx/node-conv, tools/copy-onnx-conv-tests.mjs). Summing in float64
 * (accumulation 'float64') the wasm path and the reference both round one float64 sum per
 * output, so they must agree within one float32 rounding, and the kernels must equal the
 * ascending float64 sum bit for bit on every build. Summing in float32 (the default) the wasm
 * path must be within the error bound of float32 recursive summation of the reference's terms.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, runtime } from '../../bindings/wasm.js';
import { CONV_OPS } from '../../src/onnx/ops/conv.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { OTensor } from '../../src/onnx/values.js';
import { model as encodeModel, type Attr } from './encode.js';
import { FIXTURES, absolute, expectClose, expectError, expectFloat32Sums, listDirs, prepareNode, randTensor, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';
import { GUARD, blank, builds, get, kernel, put, rand, runtimeFor } from '../helpers/kernels.js';
import { rng } from '../helpers/common.js';
import type { WasmRuntime } from '../../bindings/wasm.js';
import { PackedDepthwiseConv, PackedGemmConv, PackedGemmConv64, packGemmConv, packGemmConv64, type Accumulation } from '../../bindings/conv.js';
import { PackedDftConv, packConv, windowedDftBasis } from '../../bindings/conv-dft.js';

type Op = 'Conv' | 'ConvTranspose';

/** The node of a one-node model, prepared with `consts` as its inputs known at load. */
const prepare = (bytes: Uint8Array, consts: (OTensor | undefined)[], accumulation?: Accumulation) => prepareNode(CONV_OPS, bytes, consts, accumulation);

/**
 * The packed path and the float64 reference both round one float64 sum per output; only their
 * summation orders differ, so they agree to within one float32 rounding: |got - want| <=
 * 2^-23 |want| (one ulp), plus 1e-12 for float64 differences of a sum that cancels to ~0.
 */
function expectOneRounding(got: OTensor, want: OTensor, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const g = got.data as Float32Array;
  const w = want.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < w.length; i++) {
    const e = Math.abs(g[i] - w[i]) / (2 ** -23 * Math.abs(w[i]) + 1e-12);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  expect(worst, `${what}: worst |got - want| in units of 2^-23 |want|`).toBeLessThanOrEqual(1);
}

/** Terms an output of a Conv with weight shape `w` sums: cg * taps products and the bias. */
const termsOf = (w: readonly number[]) => w.slice(1).reduce((a, b) => a * b, 1) + 1;

interface Case {
  name: string;
  op: Op;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs?: Attr[];
}

const ints = (name: string, v: number[]): Attr => ({ name, ints: v });
const pads = (v: number[]) => ints('pads', v);
const strides = (v: number[]) => ints('strides', v);
const dil = (v: number[]) => ints('dilations', v);
const group = (g: number): Attr => ({ name: 'group', i: g });
const autoPad = (s: string): Attr => ({ name: 'auto_pad', s });

const CASES: Case[] = [
  // Silero VAD's convolutions (v5 16 kHz branch, v5 8 kHz, legacy)
  { name: 'silero v5 stft k256 s128', op: 'Conv', x: [1, 1, 640], w: [258, 1, 256], attrs: [strides([128]), pads([0, 0]), dil([1]), group(1), ints('kernel_shape', [256])] },
  { name: 'silero legacy stft k256 s64', op: 'Conv', x: [1, 1, 576], w: [258, 1, 256], attrs: [strides([64]), autoPad('NOTSET')] },
  { name: 'silero v5 encoder.0 k3 p1', op: 'Conv', x: [1, 129, 4], w: [128, 129, 3], bias: true, attrs: [pads([1, 1])] },
  { name: 'silero v5 encoder.1 k3 s2 p1', op: 'Conv', x: [1, 128, 4], w: [64, 128, 3], bias: true, attrs: [pads([1, 1]), strides([2])] },
  { name: 'silero v5 encoder.2 k3 s2 p1 on 2', op: 'Conv', x: [1, 64, 2], w: [64, 64, 3], bias: true, attrs: [pads([1, 1]), strides([2])] },
  { name: 'silero v5 encoder.3 k3 p1 on 1', op: 'Conv', x: [1, 64, 1], w: [128, 64, 3], bias: true, attrs: [pads([1, 1])] },
  { name: 'silero v5 decoder k1', op: 'Conv', x: [1, 128, 1], w: [1, 128, 1], bias: true },
  { name: 'silero legacy adaptive norm k7', op: 'Conv', x: [1, 1, 13], w: [1, 1, 7], attrs: [autoPad('NOTSET'), pads([0, 0])] },
  { name: 'silero legacy depthwise k5 p2 g258', op: 'Conv', x: [1, 258, 7], w: [258, 1, 5], bias: true, attrs: [group(258), pads([2, 2])] },
  { name: 'silero legacy depthwise g16', op: 'Conv', x: [1, 16, 4], w: [16, 1, 5], bias: true, attrs: [group(16), pads([2, 2])] },
  { name: 'silero legacy pointwise k1 s2', op: 'Conv', x: [1, 16, 7], w: [32, 16, 1], bias: true, attrs: [strides([2])] },
  // tile edges: output channels around the 8-column panel, pixels around the 4-row tile
  ...[1, 7, 8, 9, 17, 33].map((m): Case => ({ name: `M=${m} k3`, op: 'Conv', x: [1, 5, 9], w: [m, 5, 3], bias: true })),
  ...[1, 3, 4, 5, 8].map((l): Case => ({ name: `out length ${l} k2 p1`, op: 'Conv', x: [1, 3, l - 1 || 1], w: [9, 3, 2], attrs: [pads([1, l === 1 ? 0 : 1])] })),
  { name: 'n=3 odd channels', op: 'Conv', x: [3, 7, 11], w: [5, 7, 3], bias: true, attrs: [pads([2, 1])] },
  { name: 'kernel longer than the input, padded', op: 'Conv', x: [1, 2, 2], w: [3, 2, 5], attrs: [pads([2, 2])] },
  { name: 'outputs that see only padding (the bias alone)', op: 'Conv', x: [1, 2, 2], w: [3, 2, 3], bias: true, attrs: [pads([3, 4])] },
  { name: 'dilated taps on padding, im2col path', op: 'Conv', x: [1, 3, 5], w: [4, 3, 3], bias: true, attrs: [dil([2]), pads([3, 3])] },
  { name: 'one input channel, padded', op: 'Conv', x: [2, 1, 9], w: [4, 1, 3], attrs: [pads([2, 1])] },
  { name: 'input length 1, k3 p1', op: 'Conv', x: [1, 4, 1], w: [6, 4, 3], bias: true, attrs: [pads([1, 1])] },
  { name: 'dilation 2 stride 3', op: 'Conv', x: [2, 3, 20], w: [4, 3, 3], attrs: [dil([2]), strides([3]), pads([1, 2])] },
  { name: 'dilation 3 k1', op: 'Conv', x: [1, 3, 6], w: [4, 3, 1], attrs: [dil([3])] },
  { name: 'groups 2', op: 'Conv', x: [1, 6, 10], w: [4, 3, 3], bias: true, attrs: [group(2), pads([1, 1])] },
  { name: 'groups 3, 3 outputs per group', op: 'Conv', x: [2, 9, 8], w: [9, 3, 2], attrs: [group(3), strides([2])] },
  { name: 'depthwise multiplier 2', op: 'Conv', x: [1, 3, 8], w: [6, 1, 3], bias: true, attrs: [group(3), pads([1, 1])] },
  { name: 'depthwise k3 dilation 2 p2 over 17 (channels-first kernel)', op: 'Conv', x: [2, 5, 17], w: [5, 1, 3], bias: true, attrs: [group(5), dil([2]), pads([2, 2])] },
  { name: 'depthwise k4 asymmetric pads over 9', op: 'Conv', x: [1, 3, 9], w: [3, 1, 4], attrs: [group(3), pads([3, 0])] },
  { name: 'pointwise M=5 over 9 pixels, batch 2', op: 'Conv', x: [2, 3, 9], w: [5, 3, 1], bias: true },
  { name: 'pointwise k1 padded (channels-last kernels)', op: 'Conv', x: [1, 6, 5], w: [7, 6, 1], bias: true, attrs: [pads([1, 2])] },
  { name: 'depthwise dilation 2 stride 2', op: 'Conv', x: [2, 5, 12], w: [5, 1, 3], attrs: [group(5), dil([2]), strides([2]), pads([2, 2])] },
  { name: 'SAME_UPPER s2', op: 'Conv', x: [1, 3, 10], w: [4, 3, 4], attrs: [autoPad('SAME_UPPER'), strides([2])] },
  { name: 'SAME_LOWER s3', op: 'Conv', x: [1, 3, 10], w: [4, 3, 4], attrs: [autoPad('SAME_LOWER'), strides([3])] },
  { name: 'SAME_UPPER odd padding', op: 'Conv', x: [1, 2, 7], w: [3, 2, 2], attrs: [autoPad('SAME_UPPER')] },
  { name: 'SAME_LOWER odd padding', op: 'Conv', x: [1, 2, 7], w: [3, 2, 2], attrs: [autoPad('SAME_LOWER')] },
  { name: 'VALID s2', op: 'Conv', x: [1, 3, 10], w: [4, 3, 3], attrs: [autoPad('VALID'), strides([2])] },
  // 2-D
  { name: '2-D 3x3 s2 p1', op: 'Conv', x: [1, 3, 7, 6], w: [10, 3, 3, 3], bias: true, attrs: [strides([2, 2]), pads([1, 1, 1, 1])] },
  { name: '2-D 1x1 pointwise', op: 'Conv', x: [2, 5, 3, 4], w: [9, 5, 1, 1], bias: true },
  { name: '2-D 1xk on height 1', op: 'Conv', x: [1, 4, 1, 9], w: [3, 4, 1, 3], attrs: [pads([0, 1, 0, 1])] },
  { name: '2-D asymmetric pads, dilation 2x1', op: 'Conv', x: [1, 2, 6, 5], w: [3, 2, 2, 3], attrs: [pads([1, 0, 2, 1]), dil([2, 1]), strides([1, 2])] },
  { name: '2-D top / bottom pads only', op: 'Conv', x: [2, 3, 4, 5], w: [2, 3, 3, 1], bias: true, attrs: [pads([1, 0, 1, 0])] },
  { name: '2-D one channel, padded', op: 'Conv', x: [1, 1, 4, 5], w: [3, 1, 2, 2], attrs: [pads([0, 1, 1, 1])] },
  { name: '2-D groups 2', op: 'Conv', x: [1, 4, 5, 5], w: [6, 2, 3, 3], bias: true, attrs: [group(2), pads([1, 1, 1, 1])] },
  { name: '2-D depthwise', op: 'Conv', x: [1, 6, 5, 4], w: [6, 1, 3, 3], bias: true, attrs: [group(6), pads([1, 1, 1, 1]), strides([2, 1])] },
  { name: '2-D SAME_LOWER', op: 'Conv', x: [1, 3, 5, 6], w: [4, 3, 2, 3], attrs: [autoPad('SAME_LOWER'), strides([2, 2])] },
  { name: '2-D padding wider than a vector run (10 columns each side)', op: 'Conv', x: [1, 2, 3, 20], w: [3, 2, 1, 3], bias: true, attrs: [pads([0, 10, 0, 10])] },
  { name: '3-D (JS reference)', op: 'Conv', x: [1, 2, 3, 4, 3], w: [3, 2, 2, 2, 2], bias: true, attrs: [pads([1, 0, 1, 0, 1, 1])] },
  // ConvTranspose
  { name: 'T 1-D k3 s2 p1 output_padding 1', op: 'ConvTranspose', x: [1, 4, 5], w: [4, 3, 3], bias: true, attrs: [strides([2]), pads([1, 1]), ints('output_padding', [1])] },
  { name: 'T 1-D groups 2 dilation 2', op: 'ConvTranspose', x: [2, 4, 6], w: [4, 3, 3], bias: true, attrs: [group(2), dil([2]), strides([3])] },
  { name: 'T 1-D output_shape', op: 'ConvTranspose', x: [1, 3, 4], w: [3, 2, 3], attrs: [strides([2]), ints('output_shape', [10])] },
  { name: 'T 1-D SAME_UPPER s2 odd padding', op: 'ConvTranspose', x: [1, 2, 4], w: [2, 2, 3], attrs: [strides([2]), autoPad('SAME_UPPER')] },
  { name: 'T 1-D SAME_LOWER s2 odd padding', op: 'ConvTranspose', x: [1, 2, 4], w: [2, 2, 3], attrs: [strides([2]), autoPad('SAME_LOWER')] },
  { name: 'T 1-D output_shape odd padding', op: 'ConvTranspose', x: [1, 2, 4], w: [2, 2, 3], attrs: [strides([2]), ints('output_shape', [1, 2, 8])] },
  { name: 'T 1-D output_shape past the full output', op: 'ConvTranspose', x: [1, 2, 4], w: [2, 2, 3], bias: true, attrs: [strides([2]), ints('output_shape', [10])] },
  { name: 'T 1-D SAME_UPPER s2', op: 'ConvTranspose', x: [1, 3, 5], w: [3, 2, 4], attrs: [strides([2]), autoPad('SAME_UPPER')] },
  { name: 'T 1-D SAME_LOWER s2', op: 'ConvTranspose', x: [1, 3, 5], w: [3, 2, 4], attrs: [strides([2]), autoPad('SAME_LOWER')] },
  { name: 'T 1-D 9 output channels, length 1', op: 'ConvTranspose', x: [1, 2, 1], w: [2, 9, 2], bias: true },
  { name: 'T 2-D k3 s2 p1', op: 'ConvTranspose', x: [1, 3, 4, 3], w: [3, 5, 3, 3], bias: true, attrs: [strides([2, 2]), pads([1, 1, 1, 1]), ints('output_padding', [1, 0])] },
  { name: 'T 2-D depthwise', op: 'ConvTranspose', x: [1, 4, 3, 3], w: [4, 1, 2, 2], attrs: [group(4), strides([2, 1])] },
];

function caseModel(c: Case): Uint8Array {
  const names = c.bias ? ['X', 'W', 'B'] : ['X', 'W'];
  return encodeModel({
    opset: 11,
    nodes: [{ op: c.op, name: 'conv_under_test', inputs: names, outputs: ['Y'], attrs: c.attrs }],
    inputs: names.map((name) => ({ name })),
    outputs: [{ name: 'Y' }],
  });
}

function caseInputs(c: Case, seed: number): OTensor[] {
  const g = (c.attrs?.find((a) => a.name === 'group') as { i: number } | undefined)?.i ?? 1;
  const cout = c.op === 'Conv' ? c.w[0] : c.w[1] * g;
  const ins = [randTensor(seed, c.x), randTensor(seed + 1, c.w)];
  if (c.bias) ins.push(randTensor(seed + 2, [cout]));
  return ins;
}

describe('before ready(): the JS reference', () => {
  it('a Conv node prepared before the wasm is loaded runs in JS and holds no wasm memory', async () => {
    const c = CASES[2];
    const ins = caseInputs(c, 7);
    const before = prepare(caseModel(c), [undefined, ins[1], ins[2]]);
    expect(before.ctx.resources).toHaveLength(0);
    const y0 = before.kernel(ins)[0]!;
    const absSum = before.kernel(absolute(ins))[0]!;
    await ready();
    const after = prepare(caseModel(c), [undefined, ins[1], ins[2]]);
    expect(after.ctx.resources).toHaveLength(1);
    const y1 = after.kernel(ins)[0]!;
    expectFloat32Sums(y1, y0, absSum, termsOf(c.w), 'packed vs JS');
    after.dispose();
  });
});

describe('Conv / ConvTranspose vs onnxruntime', () => {
  beforeAll(async () => {
    await ready();
  });
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const bytes = caseModel(c);
      const ins = caseInputs(c, 1000 + 10 * ci);
      const rt = runtime();
      const blocksBefore = rt.liveBlocks;
      const general = prepare(bytes, []);
      const packed = prepare(bytes, [undefined, ...ins.slice(1)], 'float64');
      const packed32 = prepare(bytes, [undefined, ...ins.slice(1)], 'float32');
      expect(general.ctx.resources).toHaveLength(0);
      expect(packed.ctx.resources).toHaveLength(c.x.length <= 4 ? 1 : 0);
      const ref = general.kernel(ins)[0]!;
      const got = packed.kernel(ins)[0]!;
      const got32 = packed32.kernel(ins)[0]!;
      expect(packed32.kernel(ins)[0]!.data).toEqual(got32.data);
      // the shapes plan specialisation takes from inferShapes are the ones a run gives
      expect(packed.kernel.inferShapes!(ins)).toEqual([{ dtype: 'float32', shape: got.shape }]);
      expect(general.kernel.inferShapes!(ins)).toEqual([{ dtype: 'float32', shape: ref.shape }]);
      // a second call of the same shape allocates no wasm memory
      const top = rt.heapTop;
      const blocks = rt.liveBlocks;
      const again = packed.kernel(ins)[0]!;
      expect(rt.heapTop).toBe(top);
      expect(rt.liveBlocks).toBe(blocks);
      expect(again.data).toEqual(got.data);
      packed.dispose();
      packed32.dispose();
      expect(rt.liveBlocks).toBe(blocksBefore);

      const feeds = Object.fromEntries(['X', 'W', 'B'].slice(0, ins.length).map((n, i) => [n, { data: ins[i].data as Float32Array, shape: ins[i].shape }]));
      const o = await runOrt(bytes, feeds);
      expect(o.error).toBeUndefined();
      const want = o.outputs!.Y;
      const pub = (t: OTensor) => ({ data: t.data as Float32Array, shape: t.shape });
      expectClose(pub(ref), want, 1e-5, `${c.name}: JS reference vs onnxruntime`);
      expectClose(pub(got), want, 1e-5, `${c.name}: wasm vs onnxruntime`);
      expectClose(pub(got32), want, 1e-5, `${c.name}: wasm, float32 sums, vs onnxruntime`);
      expectOneRounding(got, ref, `${c.name}: wasm vs JS reference`);
      if (c.op === 'Conv') expectFloat32Sums(got32, ref, general.kernel(absolute(ins))[0]!, termsOf(c.w), `${c.name}: wasm, float32 sums, vs JS reference`);
      else expectOneRounding(got32, ref, `${c.name}: ConvTranspose sums in float64 either way`);
    });
  });
});

describe('random geometries: both accumulations against the JS reference', () => {
  beforeAll(async () => {
    await ready();
  });
  // 1-D and 2-D, groups (depthwise among them), strides, dilations, padding, batch; sizes around
  // the float32 path's 8-pixel panels and its 32-pixel switch between rows and panels
  it('300 seeded convolutions: float64 sums within one rounding, float32 sums within their bound', () => {
    const groupAttr = group;
    const r = rng(20261206);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    for (let t = 0; t < 300; t++) {
      const twoD = r() < 0.5;
      const g = pick([1, 1, 1, 2, 3]);
      const depthwise = r() < 0.15;
      const cg = depthwise ? 1 : pick([1, 2, 3, 5, 8]);
      const C = depthwise ? pick([1, 4, 7]) : cg * g;
      const M = depthwise ? C : g * pick([1, 2, 3, 8, 9]);
      const k = twoD ? [pick([1, 2, 3]), pick([1, 3, 5])] : [pick([1, 2, 3, 5])];
      const st = k.map(() => pick([1, 1, 2, 3]));
      const dl = k.map(() => pick([1, 1, 2]));
      const pd = [...k.map(() => pick([0, 1, 2])), ...k.map(() => pick([0, 1, 2]))];
      const spatial = k.map((kk, i) => Math.max((kk - 1) * dl[i] + 1 - pd[i] - pd[i + k.length], 1) + pick([0, 1, 5, 7, 8, 9, 16, 31, 33, 40]));
      const c: Case = {
        name: `random ${t}`, op: 'Conv', x: [pick([1, 1, 2]), C, ...spatial], w: [M, depthwise ? 1 : cg, ...k], bias: r() < 0.7,
        attrs: [groupAttr(depthwise ? C : g), strides(st), dil(dl), pads(pd)],
      };
      const bytes = caseModel(c);
      const ins = caseInputs(c, 7000 + t);
      const general = prepare(bytes, []);
      const ref = general.kernel(ins)[0]!;
      const absSum = general.kernel(absolute(ins))[0]!;
      for (const accumulation of ['float64', 'float32'] as const) {
        const packed = prepare(bytes, [undefined, ...ins.slice(1)], accumulation);
        const got = packed.kernel(ins)[0]!;
        const what = `${c.name} ${JSON.stringify({ x: c.x, w: c.w, g, st, dl, pd })} ${accumulation}`;
        if (accumulation === 'float64' || depthwise) expectOneRounding(got, ref, what);
        else expectFloat32Sums(got, ref, absSum, termsOf(c.w), what);
        packed.dispose();
      }
    }
  });
});

describe('one node, calls of different shapes', () => {
  beforeAll(async () => {
    await ready();
  });
  for (const c of [CASES.find((k) => k.name === 'groups 2')!, CASES.find((k) => k.name === 'T 1-D k3 s2 p1 output_padding 1')!, CASES.find((k) => k.name === 'silero legacy depthwise g16')!]) {
    it(`${c.op} ${c.name}: lengths 9, 30, 1, 40 and 9 again match the JS reference`, () => {
      const ins = caseInputs(c, 77);
      const packed = prepare(caseModel(c), [undefined, ...ins.slice(1)], 'float64');
      const packed32 = prepare(caseModel(c), [undefined, ...ins.slice(1)], 'float32');
      const general = prepare(caseModel(c), []);
      expect(packed.ctx.resources).toHaveLength(1);
      // 30 pixels run with the pixels as the GEMM's rows, 40 as its panels (bindings/conv.ts)
      [9, 30, 1, 40, 9].forEach((len, i) => {
        const x = randTensor(500 + i, [c.x[0], c.x[1], len]);
        const ins2 = [x, ...ins.slice(1)];
        const b = general.kernel(ins2)[0]!;
        expectOneRounding(packed.kernel(ins2)[0]!, b, `length ${len}`);
        const got32 = packed32.kernel(ins2)[0]!;
        if (c.op === 'Conv') expectFloat32Sums(got32, b, general.kernel(absolute(ins2))[0]!, termsOf(c.w), `length ${len}, float32 sums`);
        else expectOneRounding(got32, b, `length ${len}, ConvTranspose`);
      });
      packed.dispose();
      packed32.dispose();
    });
  }
});

describe('through loadOnnx', () => {
  beforeAll(async () => {
    await ready();
  });
  // Conv (weights and bias initializers: wasm) -> Relu -> ConvTranspose (weight a graph input: JS)
  const x = randTensor(1, [1, 6, 11]);
  const w1 = randTensor(2, [8, 3, 3]);
  const b1 = randTensor(3, [8]);
  const w2 = randTensor(4, [8, 2, 4]);
  const bytes = encodeModel({
    opset: 13,
    nodes: [
      { op: 'Conv', name: 'c1', inputs: ['X', 'W1', 'B1'], outputs: ['h'], attrs: [group(2), pads([1, 1])] },
      { op: 'Relu', inputs: ['h'], outputs: ['r'] },
      { op: 'ConvTranspose', name: 't1', inputs: ['r', 'W2'], outputs: ['Y'], attrs: [strides([2]), pads([1, 0])] },
    ],
    inputs: [{ name: 'X', shape: [1, 6, 11] }, { name: 'W2', shape: [8, 2, 4] }],
    outputs: [{ name: 'Y' }],
    initializers: [
      { name: 'W1', dims: w1.shape, data: Array.from(w1.data as Float32Array) },
      { name: 'B1', dims: b1.shape, data: Array.from(b1.data as Float32Array) },
    ],
  });
  it("accumulation: 'float64' sums as the JS reference (within one rounding), the default within float32 summation's bound; anything else is INVALID_OPTION", () => {
    const convOnly = encodeModel({
      opset: 13,
      nodes: [{ op: 'Conv', name: 'c1', inputs: ['X', 'W1', 'B1'], outputs: ['Y'], attrs: [group(2), pads([1, 1])] }],
      inputs: [{ name: 'X', shape: [1, 6, 11] }],
      outputs: [{ name: 'Y' }],
      initializers: [
        { name: 'W1', dims: w1.shape, data: Array.from(w1.data as Float32Array) },
        { name: 'B1', dims: b1.shape, data: Array.from(b1.data as Float32Array) },
      ],
    });
    const ins = [x, w1, b1];
    const general = prepare(convOnly, []);
    const ref = general.kernel(ins)[0]!;
    const feeds = { X: { data: x.data as Float32Array, shape: x.shape } };
    const run = (options?: { accumulation: Accumulation }) => {
      const m = loadOnnx(convOnly, options);
      const y = m.run(feeds).Y;
      m.dispose();
      return { dtype: 'float32', data: y.data, shape: y.shape } as OTensor;
    };
    expectOneRounding(run({ accumulation: 'float64' }), ref, 'float64 sums');
    expectFloat32Sums(run(), ref, general.kernel(absolute(ins))[0]!, termsOf(w1.shape), 'default (float32 sums)');
    expect(run()).toEqual(run({ accumulation: 'float32' }));
    for (const bad of ['float16', 'FLOAT32', 1]) {
      expectError(() => loadOnnx(convOnly, { accumulation: bad as never }), 'INVALID_OPTION', /accumulation must be 'float32' or 'float64'/);
    }
  });

  it('a Conv -> Relu -> ConvTranspose graph matches onnxruntime and frees its wasm memory on dispose', async () => {
    const rt = runtime();
    const blocks = rt.liveBlocks;
    const m = loadOnnx(bytes);
    const feeds = { X: { data: x.data as Float32Array, shape: x.shape }, W2: { data: w2.data as Float32Array, shape: w2.shape } };
    const got = m.run(feeds).Y;
    expect(rt.liveBlocks).toBeGreaterThan(blocks); // c1's weights, packed at its first run
    const o = await runOrt(bytes, feeds);
    expect(o.error).toBeUndefined();
    expectClose(got, o.outputs!.Y, 1e-5, 'Y');
    m.dispose();
    expect(rt.liveBlocks).toBe(blocks);
  });
});

describe('ONNX backend node tests', () => {
  const DIR = join(FIXTURES, 'node-conv');
  const cases = listDirs(DIR);
  beforeAll(async () => {
    await ready();
  });
  it('has the 16 Conv / ConvTranspose cases', () => expect(cases).toHaveLength(16));
  for (const c of cases) {
    for (const constWeights of [true, false]) {
      it(`${c} (weights ${constWeights ? 'constant: wasm' : 'inputs: JS reference'})`, () => {
        const bytes = readBytes(join(DIR, c, 'model.onnx'));
        const ins = readDataSet(join(DIR, c, 'test_data_set_0'), 'input').map((t): OTensor => ({ dtype: 'float32', data: t.data as Float32Array, shape: t.shape }));
        const [want] = readDataSet(join(DIR, c, 'test_data_set_0'), 'output');
        const built = prepare(bytes, constWeights ? [undefined, ...ins.slice(1)] : []);
        const spatial = ins[1].shape.length - 2;
        expect(built.ctx.resources).toHaveLength(constWeights && spatial <= 2 ? 1 : 0);
        const y = built.kernel(ins)[0]!;
        expectClose({ data: y.data as Float32Array, shape: y.shape }, want as never, 1e-5, c);
        built.dispose();
      });
    }
  }
});

describe('kernel variants', () => {
  const data = (n: number, seed: number) => randTensor(seed, [n]).data as Float32Array;
  /** A wasm block holding `v` as doubles (or floats). */
  const put64 = (rt: WasmRuntime, v: ArrayLike<number>): number => {
    const p = rt.alloc(v.length * 8 + 16);
    new Float64Array(rt.memory.buffer, p, v.length).set(v);
    return p;
  };
  const get64 = (rt: WasmRuntime, p: number, n: number) => new Float64Array(rt.memory.buffer, p, n).slice();

  /**
   * f32_gemm_f64acc(_f64out) on one shape: every variant must equal, bit for bit, the float64 sum
   * in ascending k plus the bias (rounded once to float32 unless f64out), which is what the kernel
   * header promises (exact products, one summation order) - on every build.
   */
  function gemmCase(rt: WasmRuntime, m: number, n: number, k: number, withBias: boolean, f64out: boolean, seed: number): Float64Array {
    const k0 = 2; // W rows k0 .. k0 + k - 1 of panels of wk rows: the tap-skipping form
    const wk = k + k0 + 1;
    const lda = k + 3;
    const ldc = n + 2;
    const a = data(m * lda, seed);
    const w = data(n * wk, seed + 1); // W [n][wk]
    const bias = withBias ? data(n, seed + 2) : undefined;
    const panels = new Float64Array(Math.ceil(n / 8) * wk * 8);
    for (let j = 0; j < n; j++) for (let kk = 0; kk < wk; kk++) panels[(Math.floor(j / 8) * wk + kk) * 8 + (j % 8)] = w[j * wk + kk];
    const want = new Float64Array(m * ldc);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let kk = 0; kk < k; kk++) s += a[i * lda + kk] * w[j * wk + k0 + kk];
        if (bias) s += bias[j];
        want[i * ldc + j] = f64out ? s : Math.fround(s);
      }
    }
    const esize = f64out ? 8 : 4;
    const pa = put64(rt, a);
    const pw = put64(rt, panels);
    const pb = bias ? put64(rt, bias) : 0;
    const pc = rt.alloc(m * ldc * esize);
    const name = f64out ? 'f32_gemm_f64acc_f64out' : 'f32_gemm_f64acc';
    let got = new Float64Array(0);
    for (const variant of [name, `${name}__scalar`]) {
      const sentinel = f64out ? new Float64Array(rt.memory.buffer, pc, m * ldc) : rt.f32(pc, m * ldc);
      sentinel.fill(GUARD);
      kernel(rt, variant)(pc, pa, pw + k0 * 64, pb, m, n, k, wk, lda, ldc);
      got = f64out ? get64(rt, pc, m * ldc) : Float64Array.from(rt.f32(pc, m * ldc));
      for (let i = 0; i < m; i++) {
        const row = (v: Float64Array) => Array.from(v.subarray(i * ldc, i * ldc + n));
        expect(row(got), `${variant} m=${m} n=${n} k=${k} row ${i}`).toEqual(row(want));
        // columns past n are not written
        expect(Array.from(got.subarray(i * ldc + n, i * ldc + ldc)), `${variant} row ${i} past n`).toEqual([GUARD, GUARD]);
      }
    }
    for (const p of [pa, pw, pb, pc]) rt.free(p);
    return got;
  }

  // rows around the 2-row tile and the 1 x 16 odd row, columns around the 8-wide panel and the
  // panel pairs, K of 0 (the bias alone), 1, odd and long; 19 rows of K = 1000 span three row blocks
  const SHAPES: [number, number, number][] = [];
  for (const m of [1, 2, 3, 4, 5]) for (const n of [1, 7, 8, 9, 16, 17, 33]) for (const k of [0, 1, 5, 64]) SHAPES.push([m, n, k]);
  SHAPES.push([19, 9, 1000], [4, 258, 256]);

  for (const f64out of [false, true]) {
    it(`f32_gemm_f64acc${f64out ? '_f64out' : ''}: every build and variant equals the ascending float64 sum exactly (${SHAPES.length} shapes, with and without bias)`, async () => {
      const first = new Map<string, Float64Array>();
      for (const build of builds) {
        const rt = await runtimeFor(build);
        SHAPES.forEach(([m, n, k], i) => {
          for (const withBias of [true, false]) {
            const got = gemmCase(rt, m, n, k, withBias, f64out, 100 + i);
            const key = `${m},${n},${k},${withBias}`;
            if (first.has(key)) expect(got, `${build} vs ${builds[0]} ${key}`).toEqual(first.get(key));
            else first.set(key, got);
          }
        });
      }
    });
  }

  it('f32_dwconv_f64acc: every build and variant equals the float64 sum over the taps plus the bias, rounded once', async () => {
    // channels-last padded image 5 x 7 x C, 2x3 kernel, strides 2 x 1, dilations 1 x 2
    for (const build of builds) {
      const rt = await runtimeFor(build);
      for (const C of [1, 2, 3, 4, 5, 6, 9]) {
        const [hp, wp, kh, kw, sh, sw, dh, dw] = [5, 7, 2, 3, 2, 1, 1, 2];
        const oh = Math.floor((hp - (kh - 1) * dh - 1) / sh) + 1;
        const ow = Math.floor((wp - (kw - 1) * dw - 1) / sw) + 1;
        const img = data(hp * wp * C, C);
        const w = data(kh * kw * C, C + 1);
        for (const withBias of [true, false]) {
          const bias = data(C, C + 2);
          const want = new Float32Array(oh * ow * C);
          for (let oy = 0; oy < oh; oy++) {
            for (let ox = 0; ox < ow; ox++) {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let ky = 0; ky < kh; ky++) {
                  for (let kx = 0; kx < kw; kx++) s += img[((oy * sh + ky * dh) * wp + ox * sw + kx * dw) * C + c] * w[(ky * kw + kx) * C + c];
                }
                want[(oy * ow + ox) * C + c] = withBias ? s + bias[c] : s;
              }
            }
          }
          const [px, pw, pb] = [put64(rt, img), put64(rt, w), withBias ? put64(rt, bias) : 0];
          const out = blank(rt, oh * ow * C);
          for (const variant of ['f32_dwconv_f64acc', 'f32_dwconv_f64acc__scalar']) {
            kernel(rt, variant)(out, px, pw, pb, C, wp, kh, kw, sh, sw, dh, dw, oh, ow);
            expect(get(rt, out, oh * ow * C), `${build} ${variant} C=${C}`).toEqual(want);
            expect(get(rt, out + oh * ow * C * 4, 1)[0], 'past the output').toBe(GUARD);
          }
          for (const p of [px, pw, pb, out]) rt.free(p);
        }
      }
    }
  });

  it('f32_dwconv1d_ncw_f64acc: every build and variant equals the float64 sum over the taps inside the row plus the bias, rounded once', async () => {
    // lengths around the 8- and 2-output steps, kernel widths 1 / 3 / 5, dilations, pads that
    // leave outputs seeing only padding
    const geometries: [number, number, number, number, number][] = []; // inW, kw, dw, padLeft, padRight
    for (const inW of [1, 2, 7, 8, 9, 17]) geometries.push([inW, 1, 1, 0, 0], [inW, 3, 1, 1, 1], [inW, 5, 1, 2, 2], [inW, 3, 2, 2, 3]);
    geometries.push([4, 2, 1, 5, 0], [24, 5, 1, 2, 2]);
    for (const build of builds) {
      const rt = await runtimeFor(build);
      geometries.forEach(([inW, kw, dw, padLeft, padRight], gi) => {
        const outW = inW + padLeft + padRight - (kw - 1) * dw;
        if (outW < 1) return;
        for (const C of [1, 3]) {
          const x = data(C * inW, gi + C);
          const w = data(kw * C, gi + C + 1); // taps-major [kw][C]
          const bias = data(C, gi + C + 2);
          for (const withBias of [true, false]) {
            const want = new Float32Array(C * outW);
            for (let c = 0; c < C; c++) {
              for (let o = 0; o < outW; o++) {
                let s = 0;
                for (let k = 0; k < kw; k++) {
                  const i = o + k * dw - padLeft;
                  if (i >= 0 && i < inW) s += x[c * inW + i] * w[k * C + c];
                }
                want[c * outW + o] = withBias ? s + bias[c] : s;
              }
            }
            const px = rt.alloc(4 * x.length + 16);
            rt.f32(px, x.length).set(x);
            const [pw, pb] = [put64(rt, w), withBias ? put64(rt, bias) : 0];
            const row = rt.alloc(8 * (padLeft + inW + padRight) + 16);
            const out = blank(rt, C * outW);
            for (const variant of ['f32_dwconv1d_ncw_f64acc', 'f32_dwconv1d_ncw_f64acc__scalar']) {
              kernel(rt, variant)(out, px, pw, pb, C, inW, kw, dw, padLeft, padRight, outW, row);
              const what = `${build} ${variant} C=${C} inW=${inW} kw=${kw} dw=${dw} pads ${padLeft},${padRight}`;
              expect(get(rt, out, C * outW), what).toEqual(want);
              expect(get(rt, out + C * outW * 4, 1)[0], `${what}: past the output`).toBe(GUARD);
            }
            for (const p of [px, pw, pb, row, out]) rt.free(p);
          }
        }
      });
    }
  });

  /**
   * The patches x32_im2col_panels promises, from its header: panels of nr pixels, K rows in
   * (c, ky, kx) order, the input where the tap falls inside the image, else zero, and zero lanes
   * past the last pixel.
   */
  function panelsWant(img: Float32Array, g: { cg: number; ih: number; iw: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pl: number; oh: number; ow: number }, nr: number, p0: number, panels: number): number[] {
    const want: number[] = [];
    for (let p = p0; p < p0 + panels; p++) {
      for (let c = 0; c < g.cg; c++) {
        for (let ky = 0; ky < g.kh; ky++) {
          for (let kx = 0; kx < g.kw; kx++) {
            for (let j = 0; j < nr; j++) {
              const q = p * nr + j;
              const oy = Math.floor(q / g.ow);
              const iy = oy * g.sh + ky * g.dh - g.pt;
              const ix = (q % g.ow) * g.sw + kx * g.dw - g.pl;
              const inside = q < g.oh * g.ow && iy >= 0 && iy < g.ih && ix >= 0 && ix < g.iw;
              want.push(inside ? img[(c * g.ih + iy) * g.iw + ix] : 0);
            }
          }
        }
      }
    }
    return want;
  }

  it('x32_im2col_panels equals its scalar variant and the patches its header describes (panels of 8 and rows, edges, strides, dilations, padding)', async () => {
    // output widths around the 8-pixel panel and below it (1, 2, 4, 6, 7, 8, 9, 12, 17), so that panels
    // start mid-row and cross one or several rows;
    // stride 1 with padding (the two-load runs and their edges), stride 2, dilation 2
    const geometries = [];
    for (const ow of [1, 2, 4, 6, 7, 8, 9, 12, 17]) {
      geometries.push({ cg: 3, ih: 4, iw: ow + 2, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, oh: 4, ow });
      geometries.push({ cg: 2, ih: 5, iw: 2 * ow + 1, kh: 2, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 1, oh: 2, ow });
      geometries.push({ cg: 1, ih: 3, iw: ow + 4, kh: 1, kw: 3, sh: 1, sw: 1, dh: 1, dw: 2, pt: 0, pl: 0, oh: 3, ow });
    }
    for (const build of builds) {
      const rt = await runtimeFor(build);
      geometries.forEach((g, gi) => {
        const img = data(g.cg * g.ih * g.iw, 40 + gi);
        const src = put(rt, img);
        const k = g.cg * g.kh * g.kw;
        for (const nr of [8, 1]) {
          const all = Math.ceil((g.oh * g.ow) / nr);
          // every panel at once, and the last ones alone (p0 > 0)
          for (const [p0, panels] of [[0, all], [Math.floor(all / 2), all - Math.floor(all / 2)]]) {
            const n = panels * nr * k;
            const want = panelsWant(img, g, nr, p0, panels);
            for (const variant of ['x32_im2col_panels', 'x32_im2col_panels__scalar']) {
              const dst = blank(rt, n);
              kernel(rt, variant)(dst, src, g.cg, g.ih, g.iw, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow, nr, p0, panels);
              const got = get(rt, dst, n + 8);
              expect(Array.from(got.subarray(0, n)), `${build} ${variant} geometry ${gi} nr=${nr} panels ${p0}+${panels}`).toEqual(want);
              expect(Array.from(got.subarray(n)), `${build} ${variant}: nothing written past the panels`).toEqual(new Array(8).fill(GUARD));
              rt.free(dst);
            }
          }
        }
        rt.free(src);
      });
    }
  });

  it('f32_vadd_rows equals its scalar variant and adds bias[r] to row r once (odd widths, strided rows)', async () => {
    for (const build of builds) {
      const rt = await runtimeFor(build);
      for (const [rows, cols] of [[1, 1], [3, 3], [2, 4], [5, 5], [4, 9], [1, 17]]) {
        const ld = cols + 2;
        const y = data(rows * ld, rows * 31 + cols);
        const bias = data(rows, rows + cols);
        const want = Float32Array.from(y);
        for (let r = 0; r < rows; r++) for (let i = 0; i < cols; i++) want[r * ld + i] = Math.fround(y[r * ld + i] + bias[r]);
        const pb = put(rt, bias);
        for (const variant of ['f32_vadd_rows', 'f32_vadd_rows__scalar']) {
          const py = put(rt, y);
          kernel(rt, variant)(py, pb, rows, cols, ld);
          expect(get(rt, py, rows * ld), `${build} ${variant} ${rows}x${cols}`).toEqual(want);
          rt.free(py);
        }
        rt.free(pb);
      }
    }
  });

  it('x64_im2col equals x64_im2col__scalar and gathers (ky, kx, c) patches; f32_f64_vcvt widens exactly', async () => {
    for (const build of builds) {
      const rt = await runtimeFor(build);
      // channels-last image 5 x 7 x 13 channels, group of 5 channels at channel 5 (odd: a scalar tail), 2x3 kernel
      const C = 13;
      const cg = 5;
      const img = data(5 * 7 * C, 3);
      const src = put64(rt, img);
      const [oh, ow, kh, kw] = [2, 3, 2, 3];
      const n = oh * ow * kh * kw * cg;
      const a = rt.alloc(n * 8);
      const b = rt.alloc(n * 8);
      const args = [C, cg, 7, kh, kw, 2, 2, 1, 1, oh, ow];
      kernel(rt, 'x64_im2col')(a, src + 5 * 8, ...args);
      kernel(rt, 'x64_im2col__scalar')(b, src + 5 * 8, ...args);
      expect(get64(rt, a, n)).toEqual(get64(rt, b, n));
      const want: number[] = [];
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) for (let c = 0; c < cg; c++) want.push(img[((oy * 2 + ky) * 7 + ox * 2 + kx) * C + 5 + c]);
        }
      }
      expect(Array.from(get64(rt, b, n))).toEqual(want);

      for (const len of [0, 1, 3, 4, 5, 8, 11]) {
        const x = put(rt, data(len, len));
        const d = rt.alloc(len * 8 + 16);
        for (const variant of ['f32_f64_vcvt', 'f32_f64_vcvt__scalar']) {
          new Float64Array(rt.memory.buffer, d, len + 1).fill(GUARD);
          kernel(rt, variant)(d, x, len);
          expect(get64(rt, d, len + 1), `${build} ${variant} n=${len}`).toEqual(Float64Array.from([...data(len, len), GUARD]));
        }
        rt.free(x);
        rt.free(d);
      }
      for (const p of [src, a, b]) rt.free(p);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// an STFT written as a Conv (bindings/conv-dft.ts): weights [n + 2, 1, n] holding a windowed DFT
// basis run as an FFT

/** The basis torch.stft-style exporters write: rows win cos(2 pi f k / n), then -win sin, computed in float64, stored as float32. */
function dftBasis(n: number, window: (k: number) => number): Float32Array {
  const rows = n / 2 + 1;
  const w = new Float32Array(2 * rows * n);
  for (let f = 0; f < rows; f++) {
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * f * k) / n;
      w[f * n + k] = window(k) * Math.cos(a);
      w[(rows + f) * n + k] = -window(k) * Math.sin(a);
    }
  }
  return w;
}
const hann = (n: number) => (k: number) => 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n);
const hamming = (n: number) => (k: number) => 0.54 - 0.46 * Math.cos((2 * Math.PI * k) / n);

interface StftCase {
  name: string;
  n: number;
  x: number[];
  window: (n: number) => (k: number) => number;
  bias?: boolean;
  attrs: Attr[];
}

const STFT_CASES: StftCase[] = [
  { name: 'Silero v4: n 256, hop 64, 25 frames', n: 256, x: [1, 1, 1792], window: hann, attrs: [strides([64]), pads([0, 0])] },
  { name: 'Silero v5: n 256, hop 128, 4 frames', n: 256, x: [1, 1, 640], window: hann, attrs: [strides([128])] },
  { name: 'Silero v5 at 8 kHz: n 128, hop 64', n: 128, x: [1, 1, 320], window: hann, attrs: [strides([64])] },
  { name: 'n 4 (the smallest), hop 1, one frame', n: 4, x: [1, 1, 4], window: hann, attrs: [] },
  { name: 'n 8, hop 3, zero padding, bias, batch 2', n: 8, x: [2, 1, 17], window: hamming, bias: true, attrs: [strides([3]), pads([3, 2])] },
  { name: 'n 512, hop 160, SAME_UPPER, Hamming window', n: 512, x: [1, 1, 800], window: hamming, attrs: [strides([160]), autoPad('SAME_UPPER')] },
];

describe('a Conv whose weights are a windowed DFT basis (an STFT) runs as an FFT', () => {
  beforeAll(async () => {
    await ready();
  });
  const stftModel = (c: StftCase) => caseModel({ name: c.name, op: 'Conv', x: c.x, w: [c.n + 2, 1, c.n], bias: c.bias, attrs: c.attrs });
  const stftInputs = (c: StftCase, seed: number): OTensor[] => {
    const w: OTensor = { dtype: 'float32', data: dftBasis(c.n, c.window(c.n)), shape: [c.n + 2, 1, c.n] };
    return [randTensor(seed, c.x), w, ...(c.bias ? [randTensor(seed + 2, [c.n + 2])] : [])];
  };

  it('recognises the basis whatever the window, and nothing else', () => {
    const shape = (n: number) => ({ cout: n + 2, cinPerGroup: 1, group: 1, kh: 1, kw: n });
    for (const n of [4, 8, 256, 512]) {
      for (const win of [hann, hamming]) {
        const basis = windowedDftBasis(runtime(), dftBasis(n, win(n)), shape(n));
        expect(basis?.n, `n ${n}`).toBe(n);
        expect(basis!.deviation).toBeLessThanOrEqual(2 ** -23);
        // the deviation is the largest |stored - exact| weight, as measured here in float64
        const wts = dftBasis(n, win(n));
        let want = 0;
        for (let f = 0; f <= n / 2; f++) {
          for (let k = 0; k < n; k++) {
            const m = (f * k) % n;
            want = Math.max(want, Math.abs(wts[f * n + k] - wts[k] * Math.cos((2 * Math.PI * m) / n)), Math.abs(wts[(n / 2 + 1 + f) * n + k] + wts[k] * Math.sin((2 * Math.PI * m) / n)));
          }
        }
        expect(basis!.deviation, `n ${n}: deviation`).toBe(want);
      }
    }
    const w = dftBasis(256, hann(256));
    // one weight 4 units of 2^-24 off (a filter that is not the basis: a trained one, another transform)
    const off = w.slice();
    off[5 * 256 + 77] += 4 * 2 ** -24;
    expect(windowedDftBasis(runtime(), off, shape(256))).toBeUndefined();
    // the imaginary rows with +sin (another sign convention): not this basis
    const flipped = w.slice();
    for (let i = 129 * 256; i < flipped.length; i++) flipped[i] = -flipped[i];
    expect(windowedDftBasis(runtime(), flipped, shape(256))).toBeUndefined();
    expect(windowedDftBasis(runtime(), w, { ...shape(256), cout: 257 })).toBeUndefined();
    expect(windowedDftBasis(runtime(), dftBasis(6, hann(6)), shape(6)), 'n not a power of two').toBeUndefined();
    expect(windowedDftBasis(runtime(), new Float32Array(258 * 256), shape(256)), 'a zero window').toBeUndefined();
    expect(windowedDftBasis(runtime(), w.slice(0, 258 * 128), { ...shape(128), cinPerGroup: 2 }), 'two input channels').toBeUndefined();
  });

  it('a basis packs as PackedDftConv only when 1-D and undilated; other weights for the GEMM given; depthwise ones for their kernels', () => {
    const rt = runtime();
    const w = dftBasis(8, hann(8));
    const shape = { cout: 10, cinPerGroup: 1, group: 1, kh: 1, kw: 8 };
    const fft = packConv(rt, w, null, shape, true, 'test', packGemmConv);
    const gemm = packConv(rt, w, null, shape, false, 'test', packGemmConv);
    const other = packConv(rt, rand(3, w.length), null, shape, true, 'test', packGemmConv64);
    const depthwise = packConv(rt, rand(4, 10 * 8), null, { ...shape, group: 10 }, true, 'test', packGemmConv);
    expect(fft).toBeInstanceOf(PackedDftConv);
    expect(gemm).toBeInstanceOf(PackedGemmConv);
    expect(other).toBeInstanceOf(PackedGemmConv64);
    expect(depthwise).toBeInstanceOf(PackedDepthwiseConv);
    for (const p of [fft, gemm, other, depthwise]) p.dispose();
  });

  STFT_CASES.forEach((c, ci) => {
    it(`${c.name}: within the documented bound of the float64 direct convolution, and of onnxruntime`, async () => {
      const bytes = stftModel(c);
      const ins = stftInputs(c, 500 + ci);
      const rt = runtime();
      const blocksBefore = rt.liveBlocks;
      const general = prepare(bytes, []);
      const packed = prepare(bytes, [undefined, ...ins.slice(1)]);
      const ref = general.kernel(ins)[0]!;
      const got = packed.kernel(ins)[0]!;
      expect(got.shape).toEqual(ref.shape);
      // the bound of bindings/conv-dft.ts: sum |x| * deviation over a frame's taps, plus one
      // float32 rounding of the result and float64 rounding of sums of that size
      const basis = windowedDftBasis(runtime(), ins[1].data as Float32Array, { cout: c.n + 2, cinPerGroup: 1, group: 1, kh: 1, kw: c.n })!;
      const x = ins[0].data as Float32Array;
      const sumAbsX = x.reduce((s, v) => s + Math.abs(v), 0); // >= any frame's sum over its taps
      const g = got.data as Float32Array;
      const r = ref.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < r.length; i++) {
        const bound = sumAbsX * basis.deviation + 2 ** -23 * Math.abs(r[i]) + 1e-12 * sumAbsX;
        worst = Math.max(worst, Math.abs(g[i] - r[i]) / bound);
      }
      expect(worst, 'worst |FFT - direct| / bound').toBeLessThanOrEqual(1);
      // repeated calls allocate nothing and give the same bits
      const top = rt.heapTop;
      expect(packed.kernel(ins)[0]!.data).toEqual(got.data);
      expect(rt.heapTop).toBe(top);
      packed.dispose();
      expect(rt.liveBlocks).toBe(blocksBefore);

      const feeds = Object.fromEntries(['X', 'W', 'B'].slice(0, ins.length).map((n, i) => [n, { data: ins[i].data as Float32Array, shape: ins[i].shape }]));
      const o = await runOrt(bytes, feeds);
      expect(o.error).toBeUndefined();
      expectClose({ data: g, shape: got.shape }, o.outputs!.Y, 1e-5, `${c.name}: FFT vs onnxruntime`);
    });
  });
});

describe('bad input', () => {
  beforeAll(async () => {
    await ready();
  });
  const node = (op: Op, attrs: Attr[], w: number[], bias?: number[]) => {
    const c: Case = { name: '', op, x: [1, 1, 1], w, attrs, bias: bias !== undefined };
    const wT = randTensor(1, w);
    const consts = [undefined, wT, ...(bias ? [randTensor(2, bias)] : [])];
    return { bytes: caseModel(c), consts, wT };
  };

  it('weight / input channel mismatch (at run, both paths)', () => {
    const { bytes, consts, wT } = node('Conv', [], [4, 3, 3]);
    for (const k of [prepare(bytes, consts), prepare(bytes, [])]) {
      expectError(() => k.kernel([randTensor(3, [1, 5, 8]), wT]), 'SHAPE_MISMATCH', "Conv node 'conv_under_test'", /X has 5 channels but the weight expects 3/);
      k.dispose();
    }
  });
  it('group not dividing the channels', () => {
    const { bytes, wT } = node('Conv', [group(4)], [4, 1, 3]);
    const k = prepare(bytes, []);
    expectError(() => k.kernel([randTensor(3, [1, 6, 8]), wT]), 'SHAPE_MISMATCH', "attribute 'group' (4) must divide the input channels (X dim 1 = 6)");
  });
  it('group not dividing the output channels (at load)', () => {
    const { bytes, consts } = node('Conv', [group(2)], [3, 2, 3]);
    expectError(() => prepare(bytes, consts), 'SHAPE_MISMATCH', "attribute 'group' (2) must divide the output channels (W dim 0 = 3)");
  });
  it('ConvTranspose: group not dividing the input channels (at load)', () => {
    const { bytes, consts } = node('ConvTranspose', [group(2)], [3, 2, 3]);
    expectError(() => prepare(bytes, consts), 'SHAPE_MISMATCH', "attribute 'group' (2) must divide the input channels (W dim 0 = 3)");
  });
  it('bad pads / strides / dilations / kernel_shape lengths (at load when W is constant)', () => {
    for (const [a, name, want] of [[pads([1, 1, 1]), 'pads', 2], [strides([1, 1]), 'strides', 1], [dil([1, 1]), 'dilations', 1], [ints('kernel_shape', [3, 3]), 'kernel_shape', 1]] as const) {
      const { bytes, consts } = node('Conv', [a], [4, 3, 3]);
      expectError(() => prepare(bytes, consts), 'INVALID_FORMAT', `attribute '${name}' must have ${want} values for a 1-D convolution`);
    }
  });
  it('bad pads length with a weight known only at run time', () => {
    const { bytes, wT } = node('Conv', [pads([1, 1, 1, 1])], [4, 3, 3]);
    const k = prepare(bytes, []);
    expectError(() => k.kernel([randTensor(3, [1, 3, 8]), wT]), 'INVALID_FORMAT', "attribute 'pads' must have 2 values", /got 4/);
  });
  it('kernel_shape that disagrees with W', () => {
    const { bytes, consts } = node('Conv', [ints('kernel_shape', [5])], [4, 3, 3]);
    expectError(() => prepare(bytes, consts), 'SHAPE_MISMATCH', "attribute 'kernel_shape' [5] does not match the weight's kernel dims [3]");
  });
  it('negative pads, zero strides, group 0, unknown auto_pad, pads with auto_pad', () => {
    const cases: [Attr[], RegExp][] = [
      [[pads([-1, 0])], /'pads' must hold values >= 0, got \[-1, 0\]/],
      [[strides([0])], /'strides' must hold values >= 1/],
      [[group(0)], /'group' must be at least 1, got 0/],
      [[autoPad('SAME')], /'auto_pad' must be one of NOTSET, SAME_UPPER, SAME_LOWER, VALID, got 'SAME'/],
      [[autoPad('VALID'), pads([1, 1])], /'pads' cannot be used with auto_pad=VALID/],
    ];
    for (const [attrs, re] of cases) {
      const { bytes, consts } = node('Conv', attrs, [4, 3, 3]);
      expectError(() => prepare(bytes, consts), 'INVALID_FORMAT', re);
    }
  });
  it('an unknown attribute', () => {
    const { bytes, consts } = node('Conv', [ints('output_padding', [1])], [4, 3, 3]);
    expectError(() => prepare(bytes, consts), 'UNSUPPORTED', "attribute 'output_padding' is not supported");
  });
  it('bias of the wrong shape, at load and at run', () => {
    const { bytes, consts, wT } = node('Conv', [], [4, 3, 3], [5]);
    expectError(() => prepare(bytes, consts), 'SHAPE_MISMATCH', /bias B must have shape \[4\].*got \[5\]/);
    const k = prepare(bytes, []);
    expectError(() => k.kernel([randTensor(3, [1, 3, 8]), wT, randTensor(4, [5])]), 'SHAPE_MISMATCH', /bias B must have shape \[4\]/);
  });
  it('input rank that does not match the weight', () => {
    const { bytes, consts, wT } = node('Conv', [], [4, 3, 3]);
    const k = prepare(bytes, consts);
    expectError(() => k.kernel([randTensor(3, [1, 3, 4, 4]), wT]), 'SHAPE_MISMATCH', /input X must have rank 3/);
    k.dispose();
  });
  it('a padded input shorter than the dilated kernel', () => {
    const { bytes, consts, wT } = node('Conv', [dil([2]), pads([1, 0])], [4, 3, 3]);
    const k = prepare(bytes, consts);
    expectError(() => k.kernel([randTensor(3, [1, 3, 3]), wT]), 'SHAPE_MISMATCH', /spatial dim 0: the padded input \(3 \+ pads 1, 0 = 4\) is smaller than the dilated kernel \(5\)/);
    k.dispose();
  });
  it('zero-length dims: an empty batch gives an empty output, zero channels or length are errors', () => {
    const { bytes, consts, wT } = node('Conv', [], [4, 3, 3]);
    const k = prepare(bytes, consts);
    const y = k.kernel([{ dtype: 'float32', data: new Float32Array(0), shape: [0, 3, 5] }, wT])[0]!;
    expect(y.shape).toEqual([0, 4, 3]);
    expect(y.data).toHaveLength(0);
    expectError(() => k.kernel([{ dtype: 'float32', data: new Float32Array(0), shape: [1, 3, 0] }, wT]), 'INVALID_INPUT', /zero-length channel or spatial dimension: shape \[1, 3, 0\]/);
    k.dispose();
    const z = node('Conv', [], [0, 3, 3]);
    expectError(() => prepare(z.bytes, z.consts), 'SHAPE_MISMATCH', /weight W has a zero-length dimension/);
  });
  it('ConvTranspose: channel mismatch and a non-positive output size', () => {
    const { bytes, consts, wT } = node('ConvTranspose', [pads([3, 3])], [4, 2, 3]);
    const k = prepare(bytes, consts);
    expectError(() => k.kernel([randTensor(3, [1, 3, 4]), wT]), 'SHAPE_MISMATCH', /X has 3 channels but the weight expects 4 \(W dim 0 = 4\)/);
    expectError(() => k.kernel([randTensor(3, [1, 4, 1]), wT]), 'SHAPE_MISMATCH', /output size would be -3/);
    k.dispose();
  });
  it('integer inputs', () => {
    const { bytes, consts } = node('Conv', [], [4, 3, 3]);
    const k = prepare(bytes, consts);
    expectError(() => k.kernel([{ dtype: 'int32', data: new Int32Array(24), shape: [1, 3, 8] }, consts[1]!]), 'DTYPE_MISMATCH', /input X must be float32, got int32/);
    k.dispose();
  });
});
