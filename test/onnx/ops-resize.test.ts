/**
 * Resize (opsets 10, 11, 13, 18, 19) and Upsample (7-9), src/onnx/ops/resize.ts:
 *
 * 1. ONNX's backend node tests (ONNX 1.12's, copied by tools/copy-onnx-node-tests.mjs): every
 *    test_resize_* case and test_upsample_nearest, bit for bit (node-conformance.test.ts runs them
 *    too, to its float tolerance).
 * 2. Single-node graphs on seeded random inputs against onnxruntime-web: 1-D, 2-D and 3-D spatial
 *    ([N, C, W], [N, C, H, W], [N, C, D, H, W]), up and down, every mode, coordinate mode and
 *    nearest mode, scales and sizes (as initializers and as graph inputs), axes,
 *    keep_aspect_ratio_policy, antialias, exclude_outside, cubic_coeff_a, extrapolation, at
 *    opsets 10, 11, 13, 18 and 19 (and Upsample 7-9); floats within ORT_TOL, integers exact.
 *    Where onnxruntime departs from the spec or does not run a case (cubic other than 2-D, linear
 *    over other axes than the outermost ones, int64 / bool, integer linear and cubic), the
 *    results are compared with `resizeRef` below, a direct implementation of the spec's formulas
 *    (coordinates in exact rational arithmetic, each value a sum over the product of the per-axis
 *    taps, not separable passes), and the departures are shown next to onnxruntime's results.
 *    The examples of the spec's operator page for opsets 18-19 (ONNX's later node tests:
 *    antialias, axes, keep_aspect_ratio_policy, half_pixel_symmetric) run with their outputs.
 * 3. The typed errors, with their codes and messages.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { rng } from '../helpers/common.js';
import { model, type Attr, type NodeSpec, type TensorSpec } from './encode.js';
import { FIXTURES, expectError, maxRelErr, prepareNode, readBytes, readDataSet } from './helpers.js';
import { RESIZE_OPS } from '../../src/onnx/ops/resize.js';
import { alloc, type OTensor } from '../../src/onnx/values.js';
import { runOrt } from './ort.js';

// ---------------------------------------------------------------------------------------------
// 1. ONNX's node tests

const NODE_DIR = join(FIXTURES, 'node-ops');
/** Every Resize / Upsample case of ONNX 1.12's node tests (the copy tool's allowlist). */
const NODE_CASES = (JSON.parse(readFileSync(join(NODE_DIR, 'cases.json'), 'utf8')) as { cases: { name: string; op: string }[] }).cases
  .filter((c) => c.op === 'Resize' || c.op === 'Upsample').map((c) => c.name).sort();

describe('ONNX backend node tests (ONNX 1.12 test data)', () => {
  it('the copied test data holds every Resize / Upsample case of ONNX 1.12 (24)', () => {
    expect(readdirSync(NODE_DIR).filter((n) => /^test_(resize|upsample)/.test(n)).sort()).toEqual(NODE_CASES);
    expect(NODE_CASES).toHaveLength(24);
  });
  for (const name of NODE_CASES) {
    it(name, () => {
      const dir = join(NODE_DIR, name);
      const m = loadOnnx(readBytes(join(dir, 'model.onnx')));
      // input_K.pb is the model's K-th graph input (an omitted optional input has no graph input, no file)
      const ins = readDataSet(join(dir, 'test_data_set_0'), 'input');
      expect(ins.length).toBe(m.inputNames.length);
      const [want] = readDataSet(join(dir, 'test_data_set_0'), 'output');
      const got = m.run(Object.fromEntries(m.inputNames.map((n, i) => [n, ins[i]])))[m.outputNames[0]];
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
      m.dispose();
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The spec's Resize, written out directly (the reference for what onnxruntime does not run or
// does otherwise)

interface RefSpec {
  mode: 'nearest' | 'linear' | 'cubic';
  coord: string;
  /** undefined: Upsample / Resize-10 (floor when an axis grows, ceil when it shrinks) */
  nearest: string | undefined;
  a: number;
  exclude: boolean;
  antialias: boolean;
  extrapolation: number;
  axes: number[] | undefined;
  policy: string;
  scales?: number[];
  sizes?: number[];
  roi?: number[];
}

/** Exact rationals (BigInt numerator and positive denominator) for the reference's coordinates. */
interface Q {
  n: bigint;
  d: bigint;
}
const q = (n: number | bigint, d: number | bigint = 1n): Q => {
  let [a, b] = [BigInt(n), BigInt(d)];
  if (b < 0n) [a, b] = [-a, -b];
  return { n: a, d: b };
};
/** The exact value of a double. */
const qOf = (v: number): Q => {
  let k = 0n;
  for (; !Number.isInteger(v); k++) v *= 2;
  return q(BigInt(v), 2n ** k);
};
const qAdd = (a: Q, b: Q) => q(a.n * b.d + b.n * a.d, a.d * b.d);
const qSub = (a: Q, b: Q) => q(a.n * b.d - b.n * a.d, a.d * b.d);
const qMul = (a: Q, b: Q) => q(a.n * b.n, a.d * b.d);
const qDiv = (a: Q, b: Q) => q(a.n * b.d, a.d * b.n);
const cmp = (a: Q, b: Q) => Math.sign(Number(a.n * b.d - b.n * a.d));
const floorQ = (a: Q): bigint => (a.n >= 0n ? a.n / a.d : -((-a.n + a.d - 1n) / a.d));
const HALF = q(1, 2);

/**
 * The spec's output of `x` (float64 values): per axis the scale and output length, each output
 * index's coordinate in exact rational arithmetic (the spec's formulas as written, the target
 * length scale x input length in the denominators), nearest positions decided exactly, and each
 * output value the sum over the product of the per-axis taps (the kernel at the taps' distances
 * from the coordinate, edge-clamped or dropped and renormalised).
 */
function resizeRef(x: ArrayLike<number>, shape: readonly number[], r: RefSpec): { data: number[]; shape: number[] } {
  const rank = shape.length;
  const axes = (r.axes ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const s = shape.map(() => q(1));
  const out = shape.slice();
  const start = shape.map(() => q(0));
  const end = shape.map(() => q(1));
  if (r.scales) {
    axes.forEach((d, i) => {
      s[d] = qOf(Math.fround(r.scales![i]));
      out[d] = Number(floorQ(qMul(s[d], q(shape[d]))));
    });
  } else if (r.policy === 'stretch') {
    axes.forEach((d, i) => {
      out[d] = r.sizes![i];
      s[d] = q(r.sizes![i], shape[d]);
    });
  } else {
    const ratios = axes.map((d, i) => q(r.sizes![i], shape[d]));
    const k = ratios.reduce((m, v) => (cmp(v, m) === (r.policy === 'not_larger' ? -1 : 1) ? v : m));
    for (const d of axes) {
      s[d] = k;
      out[d] = Number(floorQ(qAdd(qMul(k, q(shape[d])), HALF))); // halves up
    }
  }
  if (r.roi) axes.forEach((d, i) => {
    start[d] = qOf(Math.fround(r.roi![i]));
    end[d] = qOf(Math.fround(r.roi![axes.length + i]));
  });
  const a = r.a;
  const keys = (t: number) => {
    const u = Math.abs(t);
    return u <= 1 ? (a + 2) * u ** 3 - (a + 3) * u ** 2 + 1 : u < 2 ? a * u ** 3 - 5 * a * u ** 2 + 8 * a * u - 4 * a : 0;
  };
  const tri = (t: number) => Math.max(0, 1 - Math.abs(t));
  // per axis and output index: the taps [input index, weight], or undefined where extrapolated
  const taps = shape.map((L, d) => Array.from({ length: out[d] }, (_, o): [number, number][] | undefined => {
    const O = out[d];
    const W = qMul(s[d], q(L));
    const xo = q(o);
    const xh = qAdd(xo, HALF);
    let c: Q;
    switch (r.coord) {
      case 'half_pixel': c = qSub(qDiv(xh, s[d]), HALF); break;
      case 'half_pixel_symmetric': c = qAdd(qMul(q(L, 2), qSub(q(1), qDiv(q(O), W))), qSub(qDiv(xh, s[d]), HALF)); break;
      case 'pytorch_half_pixel': c = O > 1 ? qSub(qDiv(xh, s[d]), HALF) : q(0); break;
      case 'align_corners': c = O > 1 ? qDiv(qMul(xo, q(L - 1)), qSub(W, q(1))) : q(0); break;
      case 'asymmetric': c = qDiv(xo, s[d]); break;
      // (an axis that keeps its length and scale is not shifted: see resize.ts)
      case 'tf_half_pixel_for_nn': c = cmp(s[d], q(1)) === 0 && O === L ? xo : qDiv(xh, s[d]); break;
      case 'tf_crop_and_resize':
        c = O > 1 ? qAdd(qMul(start[d], q(L - 1)), qDiv(qMul(qMul(xo, qSub(end[d], start[d])), q(L - 1)), qSub(W, q(1)))) : qMul(qMul(qAdd(start[d], end[d]), HALF), q(L - 1));
        if (cmp(c, q(0)) < 0 || cmp(c, q(L - 1)) > 0) return undefined;
        break;
      default: throw new Error(r.coord);
    }
    const clamp = (p: number) => Math.min(L - 1, Math.max(0, p));
    const f = Number(floorQ(c));
    const frac = qSub(c, q(f));
    if (r.mode === 'nearest') {
      let p: number;
      const half = cmp(frac, HALF);
      if (frac.n === 0n) p = f;
      else if (r.nearest === undefined) p = cmp(s[d], q(1)) < 0 ? f + 1 : f;
      else p = { round_prefer_floor: half <= 0 ? f : f + 1, round_prefer_ceil: half < 0 ? f : f + 1, floor: f, ceil: f + 1 }[r.nearest]!;
      return [[clamp(p), 1]];
    }
    const cf = f + Number(frac.n) / Number(frac.d);
    const kernel = r.mode === 'linear' ? tri : keys;
    const k = r.antialias ? Math.min(Number(s[d].n) / Number(s[d].d), 1) : 1;
    const support = (r.mode === 'linear' ? 1 : 2) / k;
    let list: [number, number][] = [];
    for (let p = Math.floor(cf - support); p <= Math.ceil(cf + support); p++) list.push([p, kernel((p - cf) * k)]);
    const norm = (l: [number, number][]) => {
      const sum = l.reduce((acc, [, w]) => acc + w, 0);
      return l.map(([p, w]): [number, number] => [p, w / sum]);
    };
    if (r.antialias) list = norm(list);
    if (r.exclude) list = norm(list.filter(([p]) => p >= 0 && p < L));
    return list.map(([p, w]) => [clamp(p), w]);
  }));
  const n = out.reduce((p, v) => p * v, 1);
  const data = new Array<number>(n);
  const stride = shape.map((_, d) => shape.slice(d + 1).reduce((p, v) => p * v, 1));
  const idx = out.map(() => 0);
  for (let i = 0; i < n; i++) {
    const per = idx.map((o, d) => taps[d][o]);
    if (per.some((t) => t === undefined)) data[i] = r.extrapolation;
    else {
      // every combination of one tap per axis
      let acc = 0;
      const pick = (d: number, off: number, w: number): void => {
        if (d === rank) {
          acc += w * x[off];
          return;
        }
        for (const [p, tw] of per[d]!) pick(d + 1, off + p * stride[d], w * tw);
      };
      pick(0, 0, 1);
      data[i] = acc;
    }
    for (let d = rank - 1; d >= 0 && ++idx[d] === out[d]; d--) idx[d] = 0;
  }
  return { data, shape: out };
}

// ---------------------------------------------------------------------------------------------
// Graphs

type DType = 'float32' | 'int32' | 'int8' | 'uint8' | 'int64' | 'bool';
const ONNX_TYPE: Record<DType, number> = { float32: 1, int32: 6, int8: 3, uint8: 2, int64: 7, bool: 9 };
const RANGE: Record<DType, [number, number]> = { float32: [-4, 4], int32: [-1000, 1000], int8: [-128, 128], uint8: [0, 256], int64: [-1000, 1000], bool: [0, 2] };
const FLOAT_ATTRS = new Set(['cubic_coeff_a', 'extrapolation_value']);

interface RCase {
  name: string;
  op?: 'Resize' | 'Upsample';
  opset: number;
  shape: number[];
  dtype?: DType;
  attrs?: Record<string, string | number | number[]>;
  scales?: number[];
  sizes?: number[];
  roi?: number[];
  /** scales / sizes / roi as graph inputs fed at run (else initializers) */
  fed?: boolean;
  /** fixed X values (else seeded random) */
  x?: number[];
}

function attrsOf(c: RCase): Attr[] {
  return Object.entries(c.attrs ?? {}).map(([name, v]): Attr => {
    if (typeof v === 'string') return { name, s: v };
    if (Array.isArray(v)) return name === 'scales' ? { name, floats: v } : { name, ints: v };
    return FLOAT_ATTRS.has(name) ? { name, f: v } : { name, i: v };
  });
}

/** The node under test fed from graph input x (int8 / uint8 / bool: cast from int32 in the graph, as onnxruntime-web takes those feeds). */
function build(c: RCase, seed = 7): { bytes: Uint8Array; feeds: Record<string, Tensor>; x: number[] } {
  const rand = rng(seed);
  const dtype = c.dtype ?? 'float32';
  const n = c.shape.reduce((p, q) => p * q, 1);
  const [lo, hi] = RANGE[dtype];
  const x = c.x ?? Array.from({ length: n }, () => (dtype === 'float32' ? Math.fround(lo + (hi - lo) * rand()) : Math.floor(lo + (hi - lo) * rand())));
  const nodes: NodeSpec[] = [];
  const inputs: { name: string; type: number; shape: number[] }[] = [];
  const initializers: TensorSpec[] = [];
  const feeds: Record<string, Tensor> = {};
  const cast = dtype === 'int8' || dtype === 'uint8' || dtype === 'bool';
  inputs.push({ name: cast ? 'x32' : 'x', type: cast ? 6 : ONNX_TYPE[dtype], shape: c.shape });
  feeds[cast ? 'x32' : 'x'] = { data: dtype === 'float32' ? Float32Array.from(x) : dtype === 'int64' ? BigInt64Array.from(x, BigInt) : Int32Array.from(x), shape: c.shape };
  if (cast) nodes.push({ op: 'Cast', inputs: ['x32'], outputs: ['x'], attrs: [{ name: 'to', i: ONNX_TYPE[dtype] }] });
  const op = c.op ?? 'Resize';
  const value = (name: string, data: number[] | undefined, type: number): string => {
    if (data === undefined) return '';
    if (c.fed) {
      inputs.push({ name, type, shape: [data.length] });
      feeds[name] = { data: type === 7 ? BigInt64Array.from(data, BigInt) : Float32Array.from(data), shape: [data.length] };
    } else initializers.push({ name, dims: [data.length], type, data });
    return name;
  };
  let names: string[];
  if (op === 'Upsample') names = c.opset >= 9 ? ['x', value('scales', c.scales, 1)] : ['x'];
  else if (c.opset === 10) names = ['x', value('scales', c.scales, 1)];
  else {
    names = ['x', value('roi', c.roi, 1), value('scales', c.scales, 1), value('sizes', c.sizes, 7)];
    // opset 11's roi and scales are not optional: empty tensors stand for "not given"
    if (c.opset === 11) {
      for (const i of [1, 2]) {
        if (names[i] !== '') continue;
        names[i] = `empty${i}`;
        initializers.push({ name: names[i], dims: [0], data: [] });
      }
    }
    while (names[names.length - 1] === '') names.pop();
  }
  nodes.push({ op, name: 'node_under_test', inputs: names, outputs: ['y'], attrs: attrsOf(c) });
  return { bytes: model({ opset: c.opset, nodes, inputs, outputs: [{ name: 'y', type: ONNX_TYPE[dtype] }], initializers }), feeds, x };
}

function refSpecOf(c: RCase): RefSpec {
  const at = c.attrs ?? {};
  const legacy = c.op === 'Upsample' || c.opset < 11;
  return {
    mode: (at.mode ?? 'nearest') as RefSpec['mode'],
    coord: legacy ? 'asymmetric' : ((at.coordinate_transformation_mode as string) ?? 'half_pixel'),
    nearest: legacy ? undefined : ((at.nearest_mode as string) ?? 'round_prefer_floor'),
    a: Math.fround((at.cubic_coeff_a as number) ?? -0.75),
    exclude: at.exclude_outside === 1,
    antialias: at.antialias === 1,
    extrapolation: Math.fround((at.extrapolation_value as number) ?? 0),
    axes: at.axes as number[] | undefined,
    policy: (at.keep_aspect_ratio_policy as string) ?? 'stretch',
    scales: c.op === 'Upsample' && c.opset < 9 ? (at.scales as number[]) : c.scales,
    sizes: c.sizes,
    roi: c.roi,
  };
}

/** The spec's output for case c as the output type holds it (integers rounded half to even, saturated). */
function expected(c: RCase, x: number[]): { data: number[]; shape: number[] } {
  const want = resizeRef(x, c.shape, refSpecOf(c));
  const dtype = c.dtype ?? 'float32';
  if (dtype === 'float32' || dtype === 'bool') return want;
  const [lo, hi] = { int32: [-(2 ** 31), 2 ** 31 - 1], int8: [-128, 127], uint8: [0, 255], int64: [-(2 ** 63), 2 ** 63] }[dtype];
  const even = (v: number) => {
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  return { data: want.data.map((v) => Math.min(hi, Math.max(lo, even(v))) + 0), shape: want.shape }; // (+ 0: no -0)
}

const values = (t: Tensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

// ---------------------------------------------------------------------------------------------
// 2. Against onnxruntime-web, and the spec reference where onnxruntime does not run a case

/**
 * max |a - b| / (1 + |b|) asserted against onnxruntime-web, which computes coordinates and cubic
 * coefficients in float32.
 */
const ORT_TOL = 1e-5;
/** ... and against resizeRef, float64 like the implementation (the sums in another order). */
const REF_TOL = 1e-6;
const measured = { ort: 0, ref: 0, ortCases: 0, refCases: 0 };
afterAll(() => {
  console.log(`Resize: ${measured.ortCases} cases against onnxruntime-web, max error ${measured.ort}; ${measured.refCases} against the spec reference, max error ${measured.ref}`);
});

const ORT_CASES: RCase[] = [];
const REF_CASES: RCase[] = [];
const ort = (c: RCase) => ORT_CASES.push(c);
const spec = (c: RCase) => REF_CASES.push(c);

// [N, C, spatial...], 1-D, 2-D and 3-D spatial. The scales below give integer target lengths on
// these (onnxruntime's align_corners / tf_crop_and_resize divide by the output length, the spec
// by the target length: see the departures), and are binary fractions, as are the rois, so that
// onnxruntime's float32 coordinates put nearest on the same side of each rounding boundary.
const SPATIAL: [string, number[]][] = [['1-D', [2, 3, 6]], ['2-D', [1, 2, 4, 6]], ['3-D', [1, 2, 4, 2, 6]]];
const SCALES: Record<string, number[][]> = {
  '1-D': [[2], [0.5], [1.5]],
  '2-D': [[2, 1.5], [0.5, 0.5], [0.5, 2]],
  '3-D': [[1.5, 2, 0.5], [0.5, 1.5, 2], [2, 2, 1.5]],
};
const SIZES: Record<string, number[][]> = {
  '1-D': [[13], [4], [3]],
  '2-D': [[7, 9], [3, 4], [2, 11]],
  '3-D': [[3, 5, 7], [5, 1, 4], [2, 3, 2]],
};
const ROI: Record<string, [number[], number[]]> = {
  '1-D': [[0.25], [0.875]],
  '2-D': [[0.125, 0.375], [1.125, 0.75]],
  '3-D': [[0.25, 0, 0.125], [0.75, 1, 1.25]],
};
/** scales / sizes / roi over every axis: the leading (batch, channel) axes kept. */
const lead = (rank: number, sp: number[], v: number) => [...Array(rank - sp.length).fill(v), ...sp];
const roiOf = (rank: number, [st, en]: [number[], number[]]) => [...lead(rank, st, 0), ...lead(rank, en, 1)];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

// Upsample 7-9 and Resize-10 (asymmetric coordinates, floor when growing and ceil when shrinking)
for (const [dim, shape] of SPATIAL) {
  for (const mode of ['nearest', 'linear']) {
    for (const sp of SCALES[dim].filter((v) => v.every((k) => k >= 1))) {
      const scales = lead(shape.length, sp, 1);
      ort({ name: `Upsample-7 ${dim} ${mode} scales ${sp}`, op: 'Upsample', opset: 7, shape, attrs: { mode, scales } });
      ort({ name: `Upsample-8 ${dim} ${mode} scales ${sp}`, op: 'Upsample', opset: 8, shape, attrs: { mode, scales } });
      ort({ name: `Upsample-9 ${dim} ${mode} scales ${sp}`, op: 'Upsample', opset: 9, shape, attrs: { mode }, scales, fed: sp[0] === 2 });
    }
    const extra = mode === 'linear' ? { '1-D': [0.7], '2-D': [0.6, 1.7], '3-D': [0.6, 1.3, 2.2] }[dim]! : { '1-D': [0.625], '2-D': [0.625, 1.25], '3-D': [0.625, 1.25, 2.25] }[dim]!;
    for (const sp of [...SCALES[dim], extra]) {
      ort({ name: `Resize-10 ${dim} ${mode} scales ${sp}`, opset: 10, shape, attrs: { mode }, scales: lead(shape.length, sp, 1), fed: sp === extra });
    }
  }
}

// opsets 11, 13, 18, 19: every mode x coordinate mode, scales and sizes, up and down
const COORDS_OF = (opset: number) => [
  'half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize',
  ...(opset <= 18 ? ['tf_half_pixel_for_nn'] : []), ...(opset >= 19 ? ['half_pixel_symmetric'] : []),
];
for (const opset of [11, 13, 18, 19]) {
  for (const [dim, base] of SPATIAL) {
    for (const mode of ['nearest', 'linear', 'cubic']) {
      // onnxruntime runs cubic on [N, C, H, W] only: 1-D as [N, C, 1, W], 3-D against the reference
      const shape = mode === 'cubic' && dim === '1-D' ? [2, 3, 1, 6] : base;
      const to = mode === 'cubic' && dim === '3-D' ? spec : ort;
      const r = shape.length;
      for (const coord of COORDS_OF(opset)) {
        const crop = coord === 'tf_crop_and_resize';
        const common: Partial<RCase> = { opset, shape, roi: crop ? roiOf(r, ROI[dim]) : undefined };
        const attrs = { mode, coordinate_transformation_mode: coord, ...(crop ? { extrapolation_value: -1.5 } : {}) };
        SCALES[dim].forEach((sp, k) => {
          const c: RCase = { ...common, name: `opset ${opset} ${dim} ${mode} ${coord} scales ${sp}`, attrs, scales: lead(r, sp, 1), fed: k === 1 } as RCase;
          if (mode === 'nearest') for (const nm of NEAREST_MODES) to({ ...c, name: `${c.name} ${nm}`, attrs: { ...attrs, nearest_mode: nm } });
          else to(c);
          if (mode === 'cubic' && k === 0) to({ ...c, name: `${c.name}, A -0.5, exclude_outside`, attrs: { ...attrs, cubic_coeff_a: -0.5, exclude_outside: 1 } });
        });
        SIZES[dim].forEach((sp, k) => {
          // (nearest: the round modes; sizes give coordinates in thirds, sevenths..., whose float32
          // values fall either side of the integers floor and ceil decide at)
          const nm = mode === 'nearest' ? { nearest_mode: NEAREST_MODES[k % 2] } : {};
          to({ ...common, name: `opset ${opset} ${dim} ${mode} ${coord} sizes ${sp}`, attrs: { ...attrs, ...nm }, sizes: lead(r, sp, 1).map((v, i) => (i < r - sp.length ? shape[i] : v)), fed: k === 2 } as RCase);
        });
      }
    }
  }
}

// fractional scales (a fractional target length) with the modes that use only the scale
for (const opset of [11, 19]) {
  for (const mode of ['nearest', 'linear', 'cubic']) {
    for (const coord of ['half_pixel', 'pytorch_half_pixel', 'asymmetric', ...(opset >= 19 ? ['half_pixel_symmetric'] : [])]) {
      for (const sp of [[0.6, 1.7], [2.3, 0.45], [1.25, 0.8]]) {
        // (nearest at 0.8's half_pixel_symmetric coordinate 0.50000004, which onnxruntime's float32
        // arithmetic puts at or below 0.5: see the departures)
        if (mode === 'nearest' && sp[1] === 0.8 && coord === 'half_pixel_symmetric') continue;
        ort({ name: `opset ${opset} ${mode} ${coord} fractional scales ${sp}`, opset, shape: [1, 2, 5, 7], attrs: { mode, coordinate_transformation_mode: coord }, scales: [1, 1, ...sp] });
      }
    }
  }
}

// an output length of 1 (pytorch_half_pixel's coordinate 0, tf_crop_and_resize's roi center)
for (const mode of ['nearest', 'linear', 'cubic']) {
  ort({ name: `opset 13 ${mode} pytorch_half_pixel to length 1`, opset: 13, shape: [1, 2, 5, 6], attrs: { mode, coordinate_transformation_mode: 'pytorch_half_pixel' }, sizes: [1, 2, 1, 3] });
  ort({ name: `opset 13 ${mode} tf_crop_and_resize to length 1`, opset: 13, shape: [1, 2, 5, 6], attrs: { mode, coordinate_transformation_mode: 'tf_crop_and_resize' }, sizes: [1, 2, 1, 3], roi: [0, 0, 0.25, 0, 1, 1, 0.5, 1] });
}

// axes (18): a subset, in any order, negative
for (const opset of [18, 19]) {
  for (const mode of ['nearest', 'linear', 'cubic']) {
    for (const [axes, sp] of [[[2, 3], [2, 0.5]], [[3, 2], [1.5, 2]], [[-1, -2], [0.5, 1.5]], [[3], [3]]] as [number[], number[]][]) {
      ort({ name: `opset ${opset} ${mode} axes ${axes} scales ${sp}`, opset, shape: [2, 3, 4, 6], attrs: { mode, axes }, scales: sp });
      const sizes = axes.map((ax, i) => Math.round(sp[i] * (ax % 2 === 0 ? 4 : 6)) + 1);
      ort({ name: `opset ${opset} ${mode} axes ${axes} sizes ${sizes}`, opset, shape: [2, 3, 4, 6], attrs: { mode, axes }, sizes, fed: true });
    }
    ort({ name: `opset ${opset} ${mode} axes [2, 3] tf_crop_and_resize`, opset, shape: [1, 2, 4, 6], attrs: { mode, axes: [2, 3], coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 3 }, roi: [0.125, -0.25, 0.75, 0.875], sizes: [5, 4] });
  }
  // keep_aspect_ratio_policy (sizes over some axes; over all axes onnxruntime runs nearest only)
  for (const policy of ['stretch', 'not_larger', 'not_smaller']) {
    for (const mode of ['nearest', 'linear', 'cubic']) {
      ort({ name: `opset ${opset} ${mode} ${policy} axes [2, 3] sizes [7, 8]`, opset, shape: [1, 2, 4, 6], attrs: { mode, axes: [2, 3], keep_aspect_ratio_policy: policy }, sizes: [7, 8] });
      ort({ name: `opset ${opset} ${mode} ${policy} axes [3, 2] sizes [5, 3] (a half rounded up)`, opset, shape: [1, 2, 2, 6], attrs: { mode, axes: [3, 2], keep_aspect_ratio_policy: policy }, sizes: [5, 3] });
      (mode === 'nearest' ? ort : spec)({ name: `opset ${opset} ${mode} ${policy} sizes [1, 2, 3, 5] (every axis)`, opset, shape: [1, 2, 4, 6], attrs: { mode, keep_aspect_ratio_policy: policy }, sizes: [1, 2, 3, 5] });
    }
  }
  // antialias: linear and cubic, down (the filter stretched) and up (no effect), exclude_outside
  for (const mode of ['linear', 'cubic']) {
    for (const coord of ['half_pixel', 'pytorch_half_pixel', 'asymmetric', 'align_corners', 'tf_crop_and_resize', ...(opset >= 19 ? ['half_pixel_symmetric'] : [])]) {
      const crop = coord === 'tf_crop_and_resize' ? { roi: [0, 0, 0.125, 0.25, 1, 1, 0.875, 1.125] } : {};
      for (const sp of [[0.5, 0.25], [0.625, 0.375], [2, 0.5], [0.6, 0.35]]) {
        for (const exclude of [0, 1]) {
          // (a fractional target length, 0.6 x 8 or 0.375 x 12: align_corners and tf_crop_and_resize against the reference)
          const fractional = !Number.isInteger(sp[0] * 8) || !Number.isInteger(sp[1] * 12);
          const to = fractional && (coord === 'align_corners' || coord === 'tf_crop_and_resize') ? spec : ort;
          to({ name: `opset ${opset} ${mode} antialias ${coord} scales ${sp} exclude_outside ${exclude}`, opset, shape: [1, 2, 8, 12], attrs: { mode, antialias: 1, coordinate_transformation_mode: coord, exclude_outside: exclude }, scales: [1, 1, ...sp], ...crop });
        }
      }
      ort({ name: `opset ${opset} ${mode} antialias ${coord} sizes [3, 5]`, opset, shape: [1, 2, 8, 12], attrs: { mode, antialias: 1, coordinate_transformation_mode: coord }, sizes: [1, 2, 3, 5], ...crop });
    }
    ort({ name: `opset ${opset} ${mode} antialias axes [2, 3] not_larger`, opset, shape: [1, 2, 8, 12], attrs: { mode, antialias: 1, axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, sizes: [3, 5] });
    ort({ name: `opset ${opset} ${mode} antialias cubic_coeff_a -0.5 exclude_outside`, opset, shape: [1, 1, 9, 7], attrs: { mode, antialias: 1, cubic_coeff_a: -0.5, exclude_outside: 1 }, sizes: [1, 1, 2, 3] });
  }
}

// element types: nearest copies every type (onnxruntime: int32, int8, uint8)
for (const dtype of ['int32', 'int8', 'uint8'] as DType[]) {
  for (const opset of [10, 13, 19]) {
    ort({ name: `opset ${opset} nearest of ${dtype}`, opset, dtype, shape: [1, 2, 3, 4], attrs: { mode: 'nearest' }, scales: [1, 1, 2.5, 0.75] });
  }
  ort({ name: `opset 13 nearest of ${dtype}, tf_crop_and_resize extrapolation`, opset: 13, dtype, shape: [1, 1, 4, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 7 }, roi: [0, 0, -0.25, 0.125, 1, 1, 0.875, 1.25], sizes: [1, 1, 5, 5] });
  ort({ name: `Upsample-9 nearest of ${dtype}`, op: 'Upsample', opset: 9, dtype, shape: [1, 2, 3, 4], attrs: { mode: 'nearest' }, scales: [1, 1, 2, 3] });
}

// what onnxruntime does not run: n-cubic and n-linear over any axes, any rank, other types
for (const mode of ['nearest', 'linear', 'cubic']) {
  for (const [shape, scales] of [[[9], [0.5]], [[5], [2.5]], [[4, 5], [1.5, 0.75]], [[3, 4, 5], [2, 0.75, 1.5]], [[2, 3, 4, 5], [1.5, 0.5, 2, 0.75]], [[1, 2, 3, 2, 2, 3], [1, 1.5, 2, 2.5, 1, 0.5]]] as [number[], number[]][]) {
    for (const coord of ['half_pixel', 'align_corners', 'tf_crop_and_resize']) {
      const roi = coord === 'tf_crop_and_resize' ? [...shape.map((_, i) => [0.1, -0.2, 0.3][i % 3]), ...shape.map((_, i) => [0.9, 1.1, 0.7][i % 3])] : undefined;
      spec({ name: `${mode} ${coord} rank ${shape.length} ${JSON.stringify(shape)} scales ${scales}`, opset: 13, shape, attrs: { mode, coordinate_transformation_mode: coord, extrapolation_value: 0.5 }, scales, roi });
    }
    spec({ name: `${mode} antialias exclude_outside rank ${shape.length}`, opset: 18, shape, attrs: { mode, coordinate_transformation_mode: 'pytorch_half_pixel', exclude_outside: 1, ...(mode === 'nearest' ? {} : { antialias: 1 }) }, scales });
  }
  spec({ name: `${mode} over the batch and channel axes`, opset: 18, shape: [4, 6, 3], attrs: { mode, axes: [0, 1] }, scales: [0.5, 1.5] });
  spec({ name: `${mode} sizes [N, C] only (opset 13)`, opset: 13, shape: [5, 3, 2], attrs: { mode, coordinate_transformation_mode: 'asymmetric' }, sizes: [7, 2, 2] });
}
for (const dtype of ['int32', 'int8', 'uint8', 'int64'] as DType[]) {
  for (const mode of ['linear', 'cubic']) {
    spec({ name: `${mode} of ${dtype} (rounded half to even, saturated)`, opset: 19, dtype, shape: [1, 2, 5, 6], attrs: { mode, coordinate_transformation_mode: 'half_pixel_symmetric', exclude_outside: 0 }, scales: [1, 1, 1.5, 0.6] });
    spec({ name: `${mode} of ${dtype}, antialias`, opset: 18, dtype, shape: [1, 2, 8, 6], attrs: { mode, antialias: 1 }, sizes: [1, 2, 3, 4] });
  }
}
for (const dtype of ['int64', 'bool'] as DType[]) {
  spec({ name: `nearest of ${dtype}`, opset: 19, dtype, shape: [2, 3, 4], attrs: { mode: 'nearest' }, scales: [1.5, 0.5, 2] });
  spec({ name: `nearest of ${dtype}, tf_crop_and_resize`, opset: 13, dtype, shape: [2, 3, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 1 }, sizes: [3, 3, 5], roi: [0, 0.25, -0.25, 1, 1.25, 1] });
}

describe('Resize and Upsample match onnxruntime-web', () => {
  for (const c of ORT_CASES) {
    it(c.name, async () => {
      const { bytes, feeds } = build(c);
      const got = loadOnnx(bytes).run(feeds).y;
      const res = await runOrt(bytes, feeds as never);
      expect(res.error).toBeUndefined();
      const want = res.outputs!.y;
      if ((c.dtype ?? 'float32') === 'float32') {
        const e = maxRelErr(got, { data: Array.from(want.data), shape: want.shape }, c.name);
        measured.ort = Math.max(measured.ort, e);
        expect(e).toBeLessThanOrEqual(ORT_TOL);
      } else {
        expect(got.shape).toEqual(want.shape);
        expect(values(got)).toEqual(Array.from(want.data as ArrayLike<number>, Number));
      }
      measured.ortCases++;
    });
  }
});

describe('Resize follows the spec reference where onnxruntime does not run the case', () => {
  for (const c of REF_CASES) {
    it(c.name, () => {
      const { bytes, feeds, x } = build(c);
      const got = loadOnnx(bytes).run(feeds).y;
      const want = expected(c, x);
      if ((c.dtype ?? 'float32') === 'float32') {
        const e = maxRelErr(got, want, c.name);
        measured.ref = Math.max(measured.ref, e);
        expect(e).toBeLessThanOrEqual(REF_TOL);
      } else {
        expect(got.shape).toEqual(want.shape);
        expect(values(got)).toEqual(want.data);
      }
      measured.refCases++;
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The examples of the spec's operator page for opsets 18 and 19 (ONNX's later node tests), with
// the outputs the page gives

const GRID4 = Array.from({ length: 16 }, (_, i) => i + 1);
const GRID2 = [1, 2, 3, 4];
const SPEC_EXAMPLES: { name: string; c: RCase; want: number[]; shape: number[] }[] = [
  { name: 'resize_downsample_scales_linear_antialias', c: { name: '', opset: 18, shape: [1, 1, 4, 4], x: GRID4, attrs: { mode: 'linear', antialias: 1 }, scales: [1, 1, 0.6, 0.6] },
    shape: [1, 1, 2, 2], want: [2.875, 4.5, 9.375, 11] },
  { name: 'resize_downsample_sizes_linear_antialias', c: { name: '', opset: 18, shape: [1, 1, 4, 4], x: GRID4, attrs: { mode: 'linear', antialias: 1 }, sizes: [1, 1, 3, 3] },
    shape: [1, 1, 3, 3], want: [2.3636363, 3.590909, 4.818182, 7.2727275, 8.5, 9.727273, 12.181818, 13.409091, 14.636364] },
  { name: 'resize_downsample_scales_cubic_antialias', c: { name: '', opset: 18, shape: [1, 1, 4, 4], x: GRID4, attrs: { mode: 'cubic', antialias: 1 }, scales: [1, 1, 0.6, 0.6] },
    shape: [1, 1, 2, 2], want: [2.5180721, 4.2858863, 9.589329, 11.357142] },
  { name: 'resize_downsample_sizes_cubic_antialias', c: { name: '', opset: 18, shape: [1, 1, 4, 4], x: GRID4, attrs: { mode: 'cubic', antialias: 1 }, sizes: [1, 1, 3, 3] },
    shape: [1, 1, 3, 3], want: [1.7750092, 3.1200073, 4.4650054, 7.1550016, 8.5, 9.844998, 12.534994, 13.8799925, 15.224991] },
  { name: 'resize_upsample_scales_nearest_axes_2_3', c: { name: '', opset: 18, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'nearest', axes: [2, 3] }, scales: [2, 3] },
    shape: [1, 1, 4, 6], want: [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4] },
  { name: 'resize_upsample_scales_nearest_axes_3_2', c: { name: '', opset: 18, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'nearest', axes: [3, 2] }, scales: [3, 2] },
    shape: [1, 1, 4, 6], want: [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4] },
  { name: 'resize_upsample_sizes_nearest_axes_2_3', c: { name: '', opset: 18, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'nearest', axes: [2, 3] }, sizes: [7, 8] },
    shape: [1, 1, 7, 8], want: [...Array(4).fill([1, 1, 1, 1, 2, 2, 2, 2]).flat(), ...Array(3).fill([3, 3, 3, 3, 4, 4, 4, 4]).flat()] },
  { name: 'resize_upsample_sizes_nearest_axes_3_2', c: { name: '', opset: 18, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'nearest', axes: [3, 2] }, sizes: [8, 7] },
    shape: [1, 1, 7, 8], want: [...Array(4).fill([1, 1, 1, 1, 2, 2, 2, 2]).flat(), ...Array(3).fill([3, 3, 3, 3, 4, 4, 4, 4]).flat()] },
  { name: 'resize_tf_crop_and_resize_axes_2_3', c: { name: '', opset: 18, shape: [1, 1, 4, 4], x: GRID4, attrs: { mode: 'linear', axes: [2, 3], coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0.4, 0.6, 0.6, 0.8], sizes: [3, 3] },
    shape: [1, 1, 3, 3], want: [7.6000004, 7.9, 8.2, 8.8, 9.1, 9.400001, 10, 10.3, 10.6] },
  { name: 'resize_tf_crop_and_resize_axes_3_2', c: { name: '', opset: 18, shape: [1, 1, 4, 4], x: GRID4, attrs: { mode: 'linear', axes: [3, 2], coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0.6, 0.4, 0.8, 0.6], sizes: [3, 3] },
    shape: [1, 1, 3, 3], want: [7.6000004, 7.9, 8.2, 8.8, 9.1, 9.400001, 10, 10.3, 10.6] },
  { name: 'resize_upsample_sizes_nearest_not_larger', c: { name: '', opset: 18, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, sizes: [7, 8] },
    shape: [1, 1, 7, 7], want: [...Array(4).fill([1, 1, 1, 1, 2, 2, 2]).flat(), ...Array(3).fill([3, 3, 3, 3, 4, 4, 4]).flat()] },
  { name: 'resize_upsample_sizes_nearest_not_smaller', c: { name: '', opset: 18, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' }, sizes: [7, 8] },
    shape: [1, 1, 8, 8], want: [...Array(4).fill([1, 1, 1, 1, 2, 2, 2, 2]).flat(), ...Array(4).fill([3, 3, 3, 3, 4, 4, 4, 4]).flat()] },
  { name: 'resize_downsample_sizes_nearest_not_larger', c: { name: '', opset: 18, shape: [1, 1, 2, 4], x: [1, 2, 3, 4, 5, 6, 7, 8], attrs: { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, sizes: [1, 3] },
    shape: [1, 1, 1, 2], want: [1, 3] },
  { name: 'resize_downsample_sizes_nearest_not_smaller', c: { name: '', opset: 18, shape: [1, 1, 2, 4], x: [1, 2, 3, 4, 5, 6, 7, 8], attrs: { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' }, sizes: [1, 3] },
    shape: [1, 1, 2, 3], want: [1, 2, 4, 5, 6, 8] },
  { name: 'resize_downsample_scales_linear_half_pixel_symmetric', c: { name: '', opset: 19, shape: [1, 1, 1, 4], x: [1, 2, 3, 4], attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }, scales: [1, 1, 1, 0.6] },
    shape: [1, 1, 1, 2], want: [1.6666667, 3.3333333] },
  { name: 'resize_upsample_scales_linear_half_pixel_symmetric', c: { name: '', opset: 19, shape: [1, 1, 2, 2], x: GRID2, attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }, scales: [1, 1, 2.3, 2.94] },
    shape: [1, 1, 4, 5], want: [1, 1.15986395, 1.5, 1.84013605, 2, 1.56521738, 1.72508133, 2.06521738, 2.40535343, 2.56521738, 2.43478262, 2.59464657, 2.93478262, 3.27491867, 3.43478262, 3, 3.15986395, 3.5, 3.84013605, 4] },
];

describe("the examples of the spec's operator page (opsets 18, 19)", () => {
  for (const { name, c, want, shape } of SPEC_EXAMPLES) {
    it(name, () => {
      const { bytes, feeds } = build(c);
      const got = loadOnnx(bytes).run(feeds).y;
      // the page prints 8 significant digits
      expect(maxRelErr(got, { data: want, shape }, name)).toBeLessThanOrEqual(1e-7);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Where onnxruntime departs from the spec: the spec reference decides, onnxruntime's result shown

describe('departures of onnxruntime from the spec', () => {
  const both = async (c: RCase) => {
    const { bytes, feeds, x } = build(c);
    const got = loadOnnx(bytes).run(feeds).y;
    const want = expected(c, x);
    const res = await runOrt(bytes, feeds as never);
    expect(res.error).toBeUndefined();
    return { got: values(got), want, ort: Array.from(res.outputs!.y.data as ArrayLike<number>, Number) };
  };
  const r = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('align_corners divides by the target length scale x input (fractional), onnxruntime by the output length', async () => {
    // ONNX's test_resize_downsample_scales_linear_align_corners: 4 x 0.6 = 2.4, x = 1 maps to 3 / 1.4
    const { got, want, ort } = await both({ name: '', opset: 13, shape: [1, 1, 2, 4], x: r(8), attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, scales: [1, 1, 0.6, 0.6] });
    expect(got).toEqual(want.data.map(Math.fround));
    expect(got).toEqual([1, Math.fround(1 + 3 / 1.4)]);
    expect(ort).toEqual([1, 4]);
  });

  it('tf_crop_and_resize likewise (4 x 0.625 = 2.5)', async () => {
    const { got, want, ort } = await both({ name: '', opset: 13, shape: [1, 1, 1, 4], x: r(4), attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0, 0, 0, 0.25, 1, 1, 1, 0.75], scales: [1, 1, 1, 0.625] });
    expect(got).toEqual([1.75, 2.75]);
    expect(want.data).toEqual([1.75, 2.75]);
    expect(ort).toEqual([1.75, 3.25]);
  });

  it('a resize that keeps every length but not the scale resamples (onnxruntime copies the input)', async () => {
    const { got, want, ort } = await both({ name: '', opset: 13, shape: [1, 1, 1, 4], x: r(4), attrs: { mode: 'linear' }, scales: [1, 1, 1, 1.2] });
    expect(maxRelErr({ data: Float32Array.from(got), shape: [1, 1, 1, 4] }, want, 'same shape')).toBeLessThanOrEqual(REF_TOL);
    expect(got.map((v) => +v.toFixed(5))).toEqual([1, 1.75, 2.58333, 3.41667]);
    expect(ort).toEqual([1, 2, 3, 4]);
  });

  it("tf_crop_and_resize crops an axis whose length stays (onnxruntime ignores that axis's roi)", async () => {
    const { got, want, ort } = await both({ name: '', opset: 13, shape: [1, 1, 4, 2], x: r(8), attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0, 0, 0.25, 0, 1, 1, 0.75, 1], sizes: [1, 1, 4, 3] });
    expect(got).toEqual(want.data);
    expect(got).toEqual([2.5, 3, 3.5, 3.5, 4, 4.5, 4.5, 5, 5.5, 5.5, 6, 6.5]);
    expect(ort).toEqual([1, 1.5, 2, 3, 3.5, 4, 5, 5.5, 6, 7, 7.5, 8]);
  });

  it('nearest takes the exact coordinate of the float32 scale / roi (onnxruntime rounds it to float32 first)', async () => {
    // 11 / 2.2f = 4.99999989: floor 4 (float32: 5)
    let res = await both({ name: '', opset: 10, shape: [1, 1, 1, 6], x: r(6), attrs: { mode: 'nearest' }, scales: [1, 1, 1, 2.2] });
    expect(res.got).toEqual(res.want.data);
    expect(res.got[11]).toBe(5);
    expect(res.ort[11]).toBe(6);
    // 0.3f x 5 = 1.50000006: round_prefer_floor 2 (float32: the tie 1.5, 1)
    res = await both({ name: '', opset: 13, shape: [1, 1, 1, 6], x: r(6), attrs: { coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0, 0, 0, 0.3, 1, 1, 1, 0.8], sizes: [1, 1, 1, 3] });
    expect(res.got).toEqual(res.want.data);
    expect(res.got).toEqual([3, 4, 5]);
    expect(res.ort).toEqual([2, 4, 5]);
    // half_pixel_symmetric at 0.8f: 0.50000004, round_prefer_floor 1 (float32: 0)
    res = await both({ name: '', opset: 19, shape: [1, 7], x: r(7), attrs: { coordinate_transformation_mode: 'half_pixel_symmetric' }, scales: [1, 0.8] });
    expect(res.got).toEqual(res.want.data);
    expect(res.got).toEqual([2, 3, 4, 5, 6]);
    expect(res.ort).toEqual([1, 3, 4, 5, 6]);
  });

  it('integer linear results round half to even (the reference casts so; onnxruntime truncates)', async () => {
    // asymmetric x2 of [0, 1, 2, -3]: 0, 0.5, 1, 1.5, 2, -0.5, -3, -3
    const { got, want, ort } = await both({ name: '', opset: 13, dtype: 'int32', shape: [1, 1, 1, 4], x: [0, 1, 2, -3], attrs: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, scales: [1, 1, 1, 2] });
    expect(got).toEqual(want.data);
    expect(got).toEqual([0, 0, 1, 2, 2, 0, -3, -3]);
    expect(ort).toEqual([0, 0, 1, 1, 2, 0, -3, -3]);
  });
});

// ---------------------------------------------------------------------------------------------
// Semantics

describe('Resize semantics', () => {
  const run = (c: RCase) => {
    const { bytes, feeds } = build(c);
    return loadOnnx(bytes).run(feeds).y;
  };

  it('prepared for constant scales / sizes / roi, runs into the given output as the kernel does', () => {
    for (const c of [
      { name: '', opset: 19, shape: [1, 2, 5, 6], attrs: { mode: 'cubic', antialias: 1 }, scales: [1, 1, 0.5, 1.5] },
      { name: '', opset: 13, shape: [2, 3, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 9 }, roi: [0, 0, -0.25, 1, 1, 1.25], sizes: [2, 3, 7] },
      { name: '', opset: 18, shape: [3, 4, 5], dtype: 'int32', attrs: { mode: 'linear', axes: [2, 0] }, sizes: [3, 5] },
    ] as RCase[]) {
      const { bytes, feeds } = build(c);
      const { x } = feeds as Record<string, Tensor>;
      const xt: OTensor = { dtype: c.dtype ?? 'float32', data: x.data as Float32Array, shape: x.shape };
      const consts = [undefined, ...['roi', 'scales', 'sizes'].map((n) => {
        const d = c[n as 'roi'];
        return d === undefined ? undefined : ({ dtype: n === 'sizes' ? 'int64' : 'float32', data: n === 'sizes' ? BigInt64Array.from(d, BigInt) : Float32Array.from(d), shape: [d.length] } as OTensor);
      })];
      const { kernel } = prepareNode(RESIZE_OPS, bytes, consts);
      const want = kernel([xt, ...consts.slice(1)])[0]!;
      const prepared = kernel.prepare!([{ dtype: xt.dtype, shape: xt.shape }, ...consts.slice(1)])!;
      expect(prepared.outputs).toEqual([{ dtype: want.dtype, shape: want.shape }]);
      const out = alloc(want.dtype, want.shape.slice(), 'test');
      (out.data as Float32Array).fill(123);
      prepared.run([xt, ...consts.slice(1)], [out]);
      expect(Array.from(out.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
    }
  });

  it('is not prepared when scales or sizes are not known', () => {
    const c: RCase = { name: '', opset: 13, shape: [1, 1, 2, 2], attrs: { mode: 'linear' }, scales: [1, 1, 2, 2], fed: true };
    const { kernel } = prepareNode(RESIZE_OPS, build(c).bytes, []);
    expect(kernel.prepare!([{ dtype: 'float32', shape: [1, 1, 2, 2] }, undefined, { dtype: 'float32', shape: [4] }])).toBeUndefined();
  });

  it('a node of constants is evaluated at load', () => {
    const m = loadOnnx(model({ opset: 13, nodes: [{ op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs: [{ name: 'mode', s: 'linear' }] }], inputs: [], outputs: [{ name: 'y' }],
      initializers: [{ name: 'x', dims: [1, 2], data: [1, 3] }, { name: 's', dims: [2], data: [1, 2] }] }));
    expect(values(m.run({}).y)).toEqual([1, 1.5, 2.5, 3]);
  });

  it('follows a change of input shape between runs (dynamic dims)', () => {
    const m = loadOnnx(model({ opset: 13, nodes: [{ op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs: [{ name: 'mode', s: 'nearest' }] }], inputs: [{ name: 'x', shape: ['n', 'w'] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 's', dims: [2], data: [1, 2] }] }));
    expect(values(m.run({ x: { data: Float32Array.of(1, 2), shape: [1, 2] } }).y)).toEqual([1, 1, 2, 2]);
    const y = m.run({ x: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] } }).y;
    expect(y.shape).toEqual([2, 6]);
    expect(values(y)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  });

  it('an output length of 0 gives an empty tensor', () => {
    const y = run({ name: '', opset: 13, shape: [1, 2, 4, 3], attrs: { mode: 'cubic' }, scales: [1, 1, 0.2, 2] });
    expect(y.shape).toEqual([1, 2, 0, 6]);
    expect(y.data.length).toBe(0);
    expect(run({ name: '', opset: 13, shape: [0, 3], attrs: { mode: 'linear' }, sizes: [0, 5] }).shape).toEqual([0, 5]);
  });

  it('scales set empty stand for "not given" at opset 13 too (the exporters\' form), as an omitted roi does', () => {
    const m = loadOnnx(model({ opset: 13, nodes: [{ op: 'Resize', inputs: ['x', 'r', 's', 'z'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'r', dims: [0], data: [] }, { name: 's', dims: [0], data: [] }, { name: 'z', dims: [2], type: 7, data: [1, 4] }] }));
    expect(values(m.run({ x: { data: Float32Array.of(1, 2), shape: [1, 2] } }).y)).toEqual([1, 1, 2, 2]);
  });

  it('roi is ignored unless tf_crop_and_resize (the spec: it only takes effect then)', () => {
    const base: RCase = { name: '', opset: 13, shape: [1, 1, 3, 4], attrs: { mode: 'linear' }, scales: [1, 1, 2, 0.5] };
    expect(values(run({ ...base, roi: [0.5, 0.25, 9] }))).toEqual(values(run(base)));
  });

  it('keep_aspect_ratio_policy does not apply to scales; exclude_outside changes nothing for nearest and plain linear', () => {
    const base: RCase = { name: '', opset: 18, shape: [1, 1, 3, 4], attrs: { mode: 'nearest' }, scales: [1, 1, 2, 0.5] };
    expect(values(run({ ...base, attrs: { mode: 'nearest', keep_aspect_ratio_policy: 'not_larger' } }))).toEqual(values(run(base)));
    expect(values(run({ ...base, attrs: { mode: 'nearest', exclude_outside: 1 } }))).toEqual(values(run(base)));
    const lin: RCase = { ...base, attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, scales: [1, 1, 2.5, 0.75] };
    const e = maxRelErr(run({ ...lin, attrs: { ...lin.attrs, exclude_outside: 1 } }), { data: values(run(lin)), shape: [1, 1, 7, 3] }, 'exclude_outside');
    expect(e).toBeLessThanOrEqual(1e-7);
  });

  it('antialias changes nothing when upsampling', () => {
    for (const mode of ['linear', 'cubic']) {
      const base: RCase = { name: '', opset: 18, shape: [1, 1, 3, 4], attrs: { mode }, scales: [1, 1, 2, 1.5] };
      const e = maxRelErr(run({ ...base, attrs: { mode, antialias: 1 } }), { data: values(run(base)), shape: [1, 1, 6, 6] }, mode);
      expect(e).toBeLessThanOrEqual(1e-7);
    }
  });

  it('an exact halfway coordinate goes the way nearest_mode says (6 -> 13: output 6 at 2.5)', () => {
    const c = (nearest_mode: string): RCase => ({ name: '', opset: 13, shape: [6], x: [0, 1, 2, 3, 4, 5], attrs: { nearest_mode }, sizes: [13] });
    expect(values(run(c('round_prefer_floor')))[6]).toBe(2);
    expect(values(run(c('round_prefer_ceil')))[6]).toBe(3);
  });

  it('integers saturate, linear of int64 and nearest of bool work', () => {
    const y = run({ name: '', opset: 13, dtype: 'uint8', shape: [4], x: [0, 255, 255, 0], attrs: { mode: 'cubic' }, scales: [2] });
    expect(values(y).every((v) => v >= 0 && v <= 255)).toBe(true);
    expect(values(y)).toContain(255);
    expect(values(y)).toContain(0);
    expect(values(run({ name: '', opset: 13, dtype: 'int64', shape: [2], x: [10, 21], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, sizes: [3] }))).toEqual([10, 16, 21]);
    expect(values(run({ name: '', opset: 13, dtype: 'bool', shape: [3], x: [1, 0, 1], attrs: {}, scales: [2] }))).toEqual([1, 1, 0, 0, 1, 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Typed errors

describe('typed errors', () => {
  const NODE = "node 'node_under_test'";
  const f = (...shape: number[]) => shape;
  const load = (c: RCase) => loadOnnx(build(c).bytes);

  it.each([
    ['Resize before opset 10', 'UNSUPPORTED', { opset: 9, attrs: {}, scales: [1, 2] }, "operator 'Resize' exists from opset 10"],
    ['Upsample from opset 10', 'UNSUPPORTED', { op: 'Upsample', opset: 10, attrs: {}, scales: [1, 2] }, "operator 'Upsample' is deprecated from opset 10 (Resize replaces it); the model imports opset 10"],
    ['an unknown mode', 'INVALID_FORMAT', { opset: 13, attrs: { mode: 'bicubic' }, scales: [1, 2] }, "attribute 'mode' must be nearest, linear, cubic, got 'bicubic'"],
    ['cubic at opset 10', 'UNSUPPORTED', { opset: 10, attrs: { mode: 'cubic' }, scales: [1, 2] }, "attribute 'mode' = 'cubic' exists from opset 11"],
    ['Upsample cubic', 'INVALID_FORMAT', { op: 'Upsample', opset: 9, attrs: { mode: 'cubic' }, scales: [1, 2] }, "attribute 'mode' must be nearest, linear, got 'cubic'"],
    ['an unknown coordinate mode', 'INVALID_FORMAT', { opset: 13, attrs: { coordinate_transformation_mode: 'center' }, scales: [1, 2] }, "attribute 'coordinate_transformation_mode' must be half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize, got 'center'"],
    ['half_pixel_symmetric before opset 19', 'UNSUPPORTED', { opset: 18, attrs: { coordinate_transformation_mode: 'half_pixel_symmetric' }, scales: [1, 2] }, "attribute 'coordinate_transformation_mode' = 'half_pixel_symmetric' exists from opset 19"],
    ['tf_half_pixel_for_nn at opset 19', 'UNSUPPORTED', { opset: 19, attrs: { coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, scales: [1, 2] }, "attribute 'coordinate_transformation_mode' = 'tf_half_pixel_for_nn' exists in opsets 11 to 18 only"],
    ['an unknown nearest_mode', 'INVALID_FORMAT', { opset: 13, attrs: { nearest_mode: 'round' }, scales: [1, 2] }, "attribute 'nearest_mode' must be round_prefer_floor, round_prefer_ceil, floor, ceil, got 'round'"],
    ['an unknown keep_aspect_ratio_policy', 'INVALID_FORMAT', { opset: 18, attrs: { keep_aspect_ratio_policy: 'fit' }, sizes: [1, 2] }, "attribute 'keep_aspect_ratio_policy' must be stretch, not_larger, not_smaller, got 'fit'"],
    ['antialias 2', 'INVALID_FORMAT', { opset: 18, attrs: { mode: 'linear', antialias: 2 }, scales: [1, 2] }, "attribute 'antialias' must be 0 or 1, got 2"],
    ['exclude_outside -1', 'INVALID_FORMAT', { opset: 13, attrs: { mode: 'cubic', exclude_outside: -1 }, scales: [1, 2] }, "attribute 'exclude_outside' must be 0 or 1, got -1"],
    ['antialias with nearest', 'INVALID_FORMAT', { opset: 18, attrs: { antialias: 1 }, scales: [1, 2] }, "attribute 'antialias' = 1 applies to modes linear and cubic, not nearest"],
    ['antialias before opset 18', 'UNSUPPORTED', { opset: 13, attrs: { mode: 'linear', antialias: 1 }, scales: [1, 2] }, "attribute 'antialias' is not supported"],
    ['axes before opset 18', 'UNSUPPORTED', { opset: 13, attrs: { axes: [1] }, scales: [2] }, "attribute 'axes' is not supported"],
    ['coordinate_transformation_mode at opset 10', 'UNSUPPORTED', { opset: 10, attrs: { coordinate_transformation_mode: 'asymmetric' }, scales: [1, 2] }, "attribute 'coordinate_transformation_mode' is not supported"],
    ['Upsample-7 without scales', 'INVALID_FORMAT', { op: 'Upsample', opset: 7, attrs: {} }, "attribute 'scales' is required"],
    ['Upsample-8 scales below 1', 'INVALID_FORMAT', { op: 'Upsample', opset: 8, attrs: { scales: [1, 0.5] } }, "attribute 'scales' must hold finite values >= 1, got scales[1] = 0.5"],
    ['Upsample-9 scales attribute', 'UNSUPPORTED', { op: 'Upsample', opset: 9, attrs: { scales: [1, 2] }, scales: [1, 2] }, "attribute 'scales' is not supported"],
  ] as [string, string, Partial<RCase>, string][])('%s: %s at load', (_, code, c, message) => {
    const full: RCase = { name: '', shape: f(1, 2), ...c } as RCase;
    expectError(() => load(full), code, `${full.op ?? 'Resize'} ${NODE} (opset ${full.opset})`, message);
  });

  it.each([
    ['scales and sizes both', 'INVALID_INPUT', { opset: 13, shape: f(1, 2), scales: [1, 2], sizes: [1, 4] }, 'only one of scales and sizes may be given (the other empty or omitted), got both'],
    ['neither scales nor sizes', 'INVALID_INPUT', { opset: 11, shape: f(1, 2) }, 'one of scales and sizes must be given (non-empty), got neither'],
    ['scales of another length', 'SHAPE_MISMATCH', { opset: 13, shape: f(1, 1, 2, 2), scales: [1, 2, 2] }, 'scales must hold 4 values (one per axis of X [1, 1, 2, 2]), got 3'],
    ['scales of another length than axes', 'SHAPE_MISMATCH', { opset: 18, shape: f(1, 1, 2, 2), attrs: { axes: [2, 3] }, scales: [1, 1, 2, 2] }, "scales must hold 2 values (one per axis of 'axes' [2, 3]), got 4"],
    ['sizes of another length', 'SHAPE_MISMATCH', { opset: 13, shape: f(1, 2), sizes: [4] }, 'sizes must hold 2 values (one per axis of X [1, 2]), got 1'],
    ['a scale of 0', 'INVALID_INPUT', { opset: 13, shape: f(1, 2), scales: [1, 0] }, 'scales[1] = 0 must be a finite number > 0'],
    ['a negative scale', 'INVALID_INPUT', { opset: 11, shape: f(1, 2), scales: [-2, 1] }, 'scales[0] = -2 must be a finite number > 0'],
    ['an infinite scale', 'INVALID_INPUT', { opset: 13, shape: f(1, 2), scales: [1, Infinity], fed: true }, 'scales[1] = Infinity must be a finite number > 0'],
    ['Upsample-9 scale below 1', 'INVALID_INPUT', { op: 'Upsample', opset: 9, shape: f(1, 2), scales: [1, 0.5] }, 'scales[1] = 0.5 must be a finite number >= 1'],
    ['a negative size', 'INVALID_INPUT', { opset: 13, shape: f(1, 2), sizes: [1, -3] }, 'sizes[1] = -3 must be >= 0'],
    ['a size for an empty axis', 'INVALID_INPUT', { opset: 13, shape: f(0, 2), sizes: [2, 2] }, 'sizes[0] = 2: axis 0 of X [0, 2] is empty and can only be resized to 0'],
    ['sizes of int32', 'DTYPE_MISMATCH', { opset: 13, shape: f(1, 2), fed: true, sizes: [1, 4], sizesType: 6 }, 'sizes must be int64, got int32'],
    ['2-D sizes', 'SHAPE_MISMATCH', { opset: 13, shape: f(1, 2), sizes2d: true, sizes: [1, 4, 1, 4] }, 'sizes must be a 1-D tensor, got shape [2, 2]'],
    ['tf_crop_and_resize without roi', 'INVALID_INPUT', { opset: 13, shape: f(1, 2), attrs: { coordinate_transformation_mode: 'tf_crop_and_resize' }, scales: [1, 2] }, "coordinate_transformation_mode 'tf_crop_and_resize' needs the roi input (given empty or omitted)"],
    ['roi of another length', 'SHAPE_MISMATCH', { opset: 13, shape: f(1, 1, 2, 2), attrs: { coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0, 0, 1, 1], scales: [1, 1, 2, 2] }, 'roi must hold 8 values (the starts, then the ends, of the 4 axes of X [1, 1, 2, 2]), got 4'],
    ['roi of another length than axes', 'SHAPE_MISMATCH', { opset: 18, shape: f(1, 1, 2, 2), attrs: { axes: [3], coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0, 0, 1, 1], scales: [2] }, "roi must hold 2 values (the starts, then the ends, of the 1 axes in 'axes' [3]), got 4"],
    ['an axis out of range', 'INVALID_INPUT', { opset: 18, shape: f(1, 2), attrs: { axes: [2] }, scales: [2] }, 'axes 2 is out of range for rank 2'],
    ['a repeated axis', 'INVALID_INPUT', { opset: 18, shape: f(1, 2), attrs: { axes: [1, -1] }, scales: [2, 2] }, 'axes [1, -1] repeat an axis'],
    ['linear of bool', 'DTYPE_MISMATCH', { opset: 13, shape: f(1, 2), dtype: 'bool', attrs: { mode: 'linear' }, scales: [1, 2] }, "X must be float32 or an integer type for mode 'linear', got bool"],
    ['a scalar X', 'SHAPE_MISMATCH', { opset: 13, shape: f(), sizes: [] , scalarSizes: true }, 'X must have rank >= 1, got a scalar'],
    ['an output too large', 'OUT_OF_MEMORY', { opset: 13, shape: f(1, 2), scales: [1e6, 1e6] }, 'a tensor of shape [1000000, 2000000]'],
    ['Resize-10 without scales', 'INVALID_FORMAT', { opset: 10, shape: f(1, 2), noScales: true }, 'required input 1 (scales) is missing'],
  ] as [string, string, Partial<RCase> & Record<string, unknown>, string][])('%s: %s at run', (_, code, c, message) => {
    const full = { name: '', attrs: {}, ...c } as RCase & Record<string, unknown>;
    const { bytes, feeds } = buildOdd(full);
    expectError(() => loadOnnx(bytes).run(feeds), code, `${full.op ?? 'Resize'} ${NODE} (opset ${full.opset})`, message);
  });

  /** build(), with the odd inputs the error cases need (int32 sizes, 2-D sizes, a scalar X, no scales at all). */
  function buildOdd(c: RCase & Record<string, unknown>): { bytes: Uint8Array; feeds: Record<string, Tensor> } {
    if (c.sizesType === 6) {
      const b = build({ ...c, sizes: undefined, fed: false });
      const bytes = model({ opset: c.opset, nodes: [{ op: 'Resize', name: 'node_under_test', inputs: ['x', '', '', 'sz'], outputs: ['y'] }],
        inputs: [{ name: 'x', shape: c.shape }, { name: 'sz', type: 6, shape: [2] }], outputs: [{ name: 'y' }] });
      return { bytes, feeds: { ...b.feeds, sz: { data: Int32Array.from(c.sizes!), shape: [2] } } };
    }
    if (c.sizes2d || c.scalarSizes || c.noScales) {
      const b = build({ ...c, sizes: undefined });
      const inputs = c.noScales ? ['x', ''] : ['x', '', '', 'sz'];
      const initializers: TensorSpec[] = c.noScales ? [] : [{ name: 'sz', dims: c.sizes2d ? [2, 2] : [0], type: 7, data: c.sizes! }];
      const bytes = model({ opset: c.opset, nodes: [{ op: 'Resize', name: 'node_under_test', inputs, outputs: ['y'] }],
        inputs: [{ name: 'x', shape: c.shape }], outputs: [{ name: 'y' }], initializers });
      return { bytes, feeds: b.feeds };
    }
    return build(c);
  }
});
