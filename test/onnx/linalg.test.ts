/**
 * ONNX MatMul / Gemm (src/onnx/ops/linalg.ts, bindings/matmul.ts): the wasm path (B constant at
 * load, packed once) against the float64 JS path (B fed as an input), on every build, against
 * onnxruntime-web on seeded random cases, and against ONNX's backend node tests with B (and C)
 * fed and as constants.
 *
 * Both paths sum each output's exact float64 products in ascending k from zero and round once
 * (Gemm: alpha * sum + beta * C in float64 first), so they must agree bit for bit - stronger
 * than the one float32 rounding that any two summation orders would allow.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready, runtime } from '../../bindings/wasm.js';
import { PackedMatMul } from '../../bindings/matmul.js';
import { packPanels64, type Accumulation } from '../../bindings/panels.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { LINALG_OPS } from '../../src/onnx/ops/linalg.js';
import type { OTensor } from '../../src/onnx/values.js';
import { builds, runtimeFor } from '../helpers/kernels.js';
import { mem } from '../reliability/helpers.js';
import { model as encodeModel, type Attr } from './encode.js';
import { FIXTURES, absolute, expectClose, expectError, expectFloat32Sums, prepareNode, randTensor, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

type Op = 'MatMul' | 'Gemm';

/** The node of a one-node model, prepared with `consts` as its inputs known at load. */
const prepare = (bytes: Uint8Array, consts: (OTensor | undefined)[], accumulation?: Accumulation) => prepareNode(LINALG_OPS, bytes, consts, accumulation);

/** Same shape and the same value everywhere (NaN where the reference has NaN). */
function expectSameValues(got: OTensor, want: OTensor, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const g = got.data as Float32Array;
  const w = want.data as Float32Array;
  expect(g.length, `${what} length`).toBe(w.length);
  const bad = w.findIndex((v, i) => !(g[i] === v || (Number.isNaN(v) && Number.isNaN(g[i]))));
  expect(bad < 0 ? 'all equal' : `element ${bad}: ${g[bad]} vs ${w[bad]}`, what).toBe('all equal');
}

const f = (name: string, v: number): Attr => ({ name, f: v });
const i = (name: string, v: number): Attr => ({ name, i: v });

function nodeModel(op: Op, names: string[], attrs: Attr[] = []): Uint8Array {
  return encodeModel({
    opset: 13,
    nodes: [{ op, name: `${op.toLowerCase()}_under_test`, inputs: names, outputs: ['Y'], attrs }],
    inputs: names.map((name) => ({ name })),
    outputs: [{ name: 'Y' }],
  });
}

/**
 * One node run three ways on `ins`: with the inputs at `constAt` known at load (the packed path,
 * which it must take) summing in float64 and in float32, and with every input fed (the JS path).
 * The float64 output must equal the JS path's; the float32 one must be within float32
 * summation's bound of it where the node sums in float32 (`absBytes`: the same node with |alpha|,
 * |beta|, run on the inputs' magnitudes for the bound), else equal too. Returns the float32 output.
 */
function packedVsJs(bytes: Uint8Array, ins: OTensor[], constAt: number[], what: string, k: number, absBytes = bytes): OTensor {
  const consts = ins.map((t, j) => (constAt.includes(j) ? t : undefined));
  const packed = prepare(bytes, consts, 'float64');
  const packed32 = prepare(bytes, consts, 'float32');
  const general = prepare(bytes, []);
  expect(general.ctx.resources, `${what}: JS path holds no wasm memory`).toHaveLength(0);
  expect(packed.ctx.resources, `${what}: packed`).toHaveLength(1);
  try {
    const want = general.kernel(ins)[0]!;
    expectSameValues(packed.kernel(ins)[0]!, want, what);
    const got = packed32.kernel(ins)[0]!;
    if ((packed32.ctx.resources[0] as PackedMatMul).float32) {
      // k products and the bias
      expectFloat32Sums(got, want, prepare(absBytes, []).kernel(absolute(ins))[0]!, k + 1, `${what}, float32 sums`);
    } else {
      expectSameValues(got, want, `${what}, float64 sums where alpha or C needs them`);
    }
    return got;
  } finally {
    packed.dispose();
    packed32.dispose();
  }
}

describe('before ready(): the JS path', () => {
  it('a MatMul node prepared before the wasm is loaded runs in JS and holds no wasm memory', async () => {
    const bytes = nodeModel('MatMul', ['A', 'B']);
    const ins = [randTensor(1, [3, 5]), randTensor(2, [5, 4])];
    const before = prepare(bytes, [undefined, ins[1]]);
    expect(before.ctx.resources).toHaveLength(0);
    const y0 = before.kernel(ins)[0]!;
    await ready();
    const y1 = packedVsJs(bytes, ins, [1], 'after ready()', 5);
    expect(y1.shape).toEqual(y0.shape);
  });
});

const EDGES = [1, 7, 8, 9, 16, 17, 33, 64, 65];
// Gemm: every attribute and C shape on a few sizes around the panel and the 2-row tile
const GEMM_SIZES: [number, number, number][] = [[1, 1, 1], [2, 9, 7], [9, 17, 8], [16, 33, 65]]; // M, N, K
const C_SHAPES = (M: number, N: number): (number[] | null)[] => [null, [], [1], [N], [1, N], [1, 1], [M, 1], [M, N]];

for (const build of builds) {
  describe(`packed vs JS path, ${build} build`, () => {
    let baseline: ReturnType<typeof mem>;
    beforeAll(async () => {
      await ready({ build });
      expect(runtime().build).toBe(build);
      baseline = mem();
    });
    afterAll(() => {
      const now = mem();
      expect(now.bytesInUse, 'wasm bytes in use back to the baseline').toBe(baseline.bytesInUse);
      expect(now.liveBlocks, 'live blocks back to the baseline').toBe(baseline.liveBlocks);
    });

    it(`MatMul [M, K] x [K, N] for M, N, K in {${EDGES.join(', ')}} (${EDGES.length ** 3} shapes)`, () => {
      const bytes = nodeModel('MatMul', ['A', 'B']);
      let seed = 1;
      for (const M of EDGES) for (const N of EDGES) for (const K of EDGES) {
        packedVsJs(bytes, [randTensor(seed++, [M, K]), randTensor(seed++, [K, N])], [1], `M=${M} N=${N} K=${K}`, K);
      }
    });

    it('MatMul A of rank 1, 3, 4 (batch dims flattened into rows), B of rank 1 and 2, empty batches', () => {
      const bytes = nodeModel('MatMul', ['A', 'B']);
      const cases: [number[], number[]][] = [
        [[9], [9, 17]], [[9], [9]], [[3, 9], [9]], [[2, 3, 9], [9, 8]], [[2, 1, 5, 9], [9, 7]], [[4, 2, 3, 17], [17]], [[0, 9], [9, 3]], [[2, 0, 9], [9, 3]],
      ];
      cases.forEach(([as, bs], j) => {
        const y = packedVsJs(bytes, [randTensor(10 + j, as), randTensor(20 + j, bs)], [1], `A ${as} x B ${bs}`, as[as.length - 1]);
        expect(y.shape).toEqual([...as.slice(0, -1), ...bs.slice(1)]);
      });
    });

    it(`Gemm: transA, transB, alpha, beta and C of every broadcastable shape, C constant or fed`, () => {
      let seed = 100;
      let count = 0;
      for (const [M, N, K] of GEMM_SIZES) {
        for (const tA of [0, 1]) for (const tB of [0, 1]) for (const [alpha, beta] of [[1, 1], [1, 0], [1, -2.5], [0.25, 1], [1.7, -0.5]]) {
          for (const cs of C_SHAPES(M, N)) for (const constC of cs ? [true, false] : [false]) {
            const names = cs ? ['A', 'B', 'C'] : ['A', 'B'];
            const bytes = nodeModel('Gemm', names, [f('alpha', alpha), f('beta', beta), i('transA', tA), i('transB', tB)]);
            const ins = [randTensor(seed++, tA ? [K, M] : [M, K]), randTensor(seed++, tB ? [N, K] : [K, N]), ...(cs ? [randTensor(seed++, cs)] : [])];
            const absBytes = nodeModel('Gemm', names, [f('alpha', Math.abs(alpha)), f('beta', Math.abs(beta)), i('transA', tA), i('transB', tB)]);
            const y = packedVsJs(bytes, ins, constC ? [1, 2] : [1], `M=${M} N=${N} K=${K} tA=${tA} tB=${tB} alpha=${alpha} beta=${beta} C ${cs ? `[${cs}] ${constC ? 'constant' : 'fed'}` : 'absent'}`, K, absBytes);
            expect(y.shape).toEqual([M, N]);
            count++;
          }
        }
      }
      expect(count).toBe(GEMM_SIZES.length * 4 * 5 * 15);
    });

    it('one node, calls of M = 1, 64, 3, 0, 1: each equals the JS path; a repeated M allocates nothing', () => {
      const bytes = nodeModel('Gemm', ['A', 'B', 'C'], [f('alpha', 0.5), i('transB', 1)]);
      const B = randTensor(1, [17, 33]);
      const C = randTensor(2, [17]);
      const packed = prepare(bytes, [undefined, B, C]);
      const general = prepare(bytes, []);
      const rt = runtime();
      for (const [j, M] of [1, 64, 3, 0, 1].entries()) {
        const ins = [randTensor(10 + j, [M, 33]), B, C];
        expectSameValues(packed.kernel(ins)[0]!, general.kernel(ins)[0]!, `M=${M}`);
        const top = rt.heapTop;
        const blocks = rt.liveBlocks;
        expectSameValues(packed.kernel(ins)[0]!, general.kernel(ins)[0]!, `M=${M} again`);
        expect(rt.heapTop).toBe(top);
        expect(rt.liveBlocks).toBe(blocks);
      }
      packed.dispose();
    });
  });
}

describe('PackedMatMul on every build', () => {
  it('float64: run() and sums() equal the ascending float64 sums (rounded once / as they are) of the same products; float32: run() within their bound; transA; dispose frees everything', async () => {
    const first = new Map<string, Float32Array>();
    for (const build of builds) {
      const rt = await runtimeFor(build);
      const before = mem(rt);
      for (const [m, n, k] of [[1, 1, 1], [3, 9, 17], [5, 16, 64], [2, 65, 33]]) {
        for (const transB of [false, true]) {
          const b = randTensor(m + n + k, transB ? [n, k] : [k, n]).data as Float32Array;
          const a = randTensor(7 * m + k, [m, k]).data as Float32Array;
          const bias = Float64Array.from(randTensor(3, [n]).data as Float32Array, (v) => v * 0.5);
          const bAt = (kk: number, j: number) => (transB ? b[j * k + kk] : b[kk * n + j]);
          const want = new Float64Array(m * n);
          for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) {
            let s = 0;
            for (let kk = 0; kk < k; kk++) s += a[r * k + kk] * bAt(kk, j);
            want[r * n + j] = s;
          }
          const p = new PackedMatMul(rt, b, k, n, transB, bias, `test ${build}`, 'float64');
          const out = new Float32Array(m * n);
          p.run(a, m, false, out);
          const key = `${m},${n},${k},${transB}`;
          expect(out, `${build} run ${key}`).toEqual(Float32Array.from(want, (s, idx) => s + bias[idx % n]));
          expect(p.sums(a, m, false).slice(), `${build} sums ${key}`).toEqual(want);
          // A given as [k, m] with transA
          const aT = new Float32Array(m * k);
          for (let r = 0; r < m; r++) for (let kk = 0; kk < k; kk++) aT[kk * m + r] = a[r * k + kk];
          expect(p.sums(aT, m, true).slice(), `${build} sums transA ${key}`).toEqual(want);
          if (first.has(key)) expect(out, `${build} vs ${builds[0]} ${key}`).toEqual(first.get(key));
          else first.set(key, out);
          p.dispose();
          expect(() => p.run(a, m, false, out)).toThrow(/used after dispose/);
          // float32 sums: within recursive summation's bound of the exact sums plus the float32 bias
          const p32 = new PackedMatMul(rt, b, k, n, transB, bias, `test ${build}`, 'float32');
          const out32 = new Float32Array(m * n);
          for (const transA of [false, true]) {
            p32.run(transA ? aT : a, m, transA, out32);
            for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) {
              let abs = Math.abs(Math.fround(bias[j]));
              for (let kk = 0; kk < k; kk++) abs += Math.abs(a[r * k + kk] * bAt(kk, j));
              const exact = want[r * n + j] + Math.fround(bias[j]);
              expect(Math.abs(out32[r * n + j] - exact), `${build} float32 run ${key} transA=${transA} [${r}, ${j}]`).toBeLessThanOrEqual((k + 2) * 2 ** -24 * abs);
            }
          }
          expect(() => p32.sums(a, m, false)).toThrow(/needs a float64 PackedMatMul/);
          p32.dispose();
        }
      }
      expect(mem(rt).bytesInUse, `${build}: bytes back to baseline`).toBe(before.bytesInUse);
      expect(mem(rt).liveBlocks, `${build}: blocks back to baseline`).toBe(before.liveBlocks);
    }
  });

  it('packPanels64 lays W out as f32_gemm_f64acc reads it, from row-major W and from B read transposed', () => {
    const n = 11;
    const k = 3;
    const w = randTensor(5, [n, k]).data as Float32Array; // W [n, k]
    const bT = new Float32Array(k * n); // B = W^T [k, n]
    for (let j = 0; j < n; j++) for (let kk = 0; kk < k; kk++) bT[kk * n + j] = w[j * k + kk];
    const a = packPanels64(w, n, k, k, 1);
    expect(a).toHaveLength(2 * k * 8);
    for (let j = 0; j < 16; j++) for (let kk = 0; kk < k; kk++) {
      expect(a[(Math.floor(j / 8) * k + kk) * 8 + (j % 8)]).toBe(j < n ? w[j * k + kk] : 0);
    }
    expect(packPanels64(bT, n, k, 1, n)).toEqual(a);
  });
});

describe('MatMul / Gemm vs onnxruntime', () => {
  beforeAll(async () => {
    await ready();
  });
  interface OrtCase {
    name: string;
    op: Op;
    shapes: number[][];
    attrs?: Attr[];
  }
  const CASES: OrtCase[] = [
    { name: 'MatMul char-LM head [1, 80] x [80, 27]', op: 'MatMul', shapes: [[1, 80], [80, 27]] },
    { name: 'MatMul Silero-like [1, 128] x [128, 1]', op: 'MatMul', shapes: [[1, 128], [128, 1]] },
    { name: 'MatMul 3-D A [2, 5, 33] x [33, 17]', op: 'MatMul', shapes: [[2, 5, 33], [33, 17]] },
    { name: 'MatMul 1-D A [65] x [65, 9]', op: 'MatMul', shapes: [[65], [65, 9]] },
    { name: 'Gemm transB, vector C', op: 'Gemm', shapes: [[4, 64], [16, 64], [16]], attrs: [i('transB', 1)] },
    { name: 'Gemm all attributes, C [M, 1]', op: 'Gemm', shapes: [[9, 3], [9, 8], [3, 1]], attrs: [i('transA', 1), i('transB', 0), f('alpha', 0.25), f('beta', 0.35)] },
    { name: 'Gemm transA transB, C [M, N]', op: 'Gemm', shapes: [[7, 5], [17, 7], [5, 17]], attrs: [i('transA', 1), i('transB', 1), f('alpha', -1.5)] },
  ];
  for (const c of CASES) {
    it(c.name, async () => {
      const names = ['A', 'B', 'C'].slice(0, c.shapes.length);
      const bytes = nodeModel(c.op, names, c.attrs);
      const ins = c.shapes.map((s, j) => randTensor(300 + j, s));
      const transA = c.attrs?.some((a) => a.name === 'transA' && (a as { i: number }).i === 1);
      const k = transA ? c.shapes[0][0] : c.shapes[0][c.shapes[0].length - 1];
      const got = packedVsJs(bytes, ins, c.op === 'Gemm' ? [1, 2] : [1], c.name, k);
      const o = await runOrt(bytes, Object.fromEntries(names.map((n, j) => [n, { data: ins[j].data as Float32Array, shape: ins[j].shape }])));
      expect(o.error).toBeUndefined();
      expectClose({ data: got.data as Float32Array, shape: got.shape }, o.outputs!.Y, 1e-5, `${c.name}: wasm vs onnxruntime`);
    });
  }

  it('a zero in A times an infinite weight is NaN, as in onnxruntime', async () => {
    const bytes = nodeModel('MatMul', ['A', 'B']);
    const A: OTensor = { dtype: 'float32', data: Float32Array.from([0, 1, 2]), shape: [1, 3] };
    const B: OTensor = { dtype: 'float32', data: Float32Array.from([Infinity, 1, 2, 3, 4, 5]), shape: [3, 2] };
    const got = packedVsJs(bytes, [A, B], [1], 'inf weight', 3);
    const o = await runOrt(bytes, { A: { data: A.data as Float32Array, shape: A.shape }, B: { data: B.data as Float32Array, shape: B.shape } });
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(o.outputs!.Y.data));
    expect(Number.isNaN((got.data as Float32Array)[0])).toBe(true);
  });
});

describe('through loadOnnx', () => {
  beforeAll(async () => {
    await ready();
  });
  it('MatMul (B initializer) -> Relu -> Gemm (B, C initializers) matches onnxruntime and frees its wasm memory on dispose', async () => {
    const x = randTensor(1, [2, 3, 16]);
    const w1 = randTensor(2, [16, 33]);
    const w2 = randTensor(3, [9, 33]);
    const c2 = randTensor(4, [9]);
    const init = (name: string, t: OTensor) => ({ name, dims: t.shape, data: Array.from(t.data as Float32Array) });
    const bytes = encodeModel({
      opset: 13,
      nodes: [
        { op: 'MatMul', name: 'm1', inputs: ['X', 'W1'], outputs: ['h'] },
        { op: 'Relu', inputs: ['h'], outputs: ['r'] },
        { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['r2'] },
        { op: 'Gemm', name: 'g1', inputs: ['r2', 'W2', 'C2'], outputs: ['Y'], attrs: [i('transB', 1)] },
      ],
      inputs: [{ name: 'X', shape: [2, 3, 16] }],
      outputs: [{ name: 'Y' }],
      initializers: [init('W1', w1), init('W2', w2), init('C2', c2), { name: 'shape', dims: [2], type: 7, data: [6, 33] }],
    });
    const rt = runtime();
    const before = mem(rt);
    const m = loadOnnx(bytes);
    expect(rt.liveBlocks - before.liveBlocks).toBeGreaterThanOrEqual(2); // both weights packed
    const feeds = { X: { data: x.data as Float32Array, shape: x.shape } };
    const got = m.run(feeds).Y;
    const o = await runOrt(bytes, feeds);
    expect(o.error).toBeUndefined();
    expectClose(got, o.outputs!.Y, 1e-5, 'Y');
    m.dispose();
    expect(mem(rt).bytesInUse).toBe(before.bytesInUse);
    expect(mem(rt).liveBlocks).toBe(before.liveBlocks);
  });
});

/** ONNX's backend node tests (test/fixtures/onnx/node-ops, copied by tools/copy-onnx-node-tests.mjs). */
describe('ONNX backend node tests, B (and C) fed and constant', () => {
  const NODE_OPS = join(FIXTURES, 'node-ops');
  const dirOf = (name: string) => join(NODE_OPS, name);
  const NAMES = [
    'test_matmul_2d', 'test_matmul_3d', 'test_matmul_4d',
    ...['all_attributes', 'alpha', 'beta', 'default_matrix_bias', 'default_no_bias', 'default_scalar_bias', 'default_single_elem_vector_bias',
      'default_vector_bias', 'default_zero_bias', 'transposeA', 'transposeB'].map((s) => `test_gemm_${s}`),
  ];
  beforeAll(async () => {
    await ready();
  });
  for (const name of NAMES) {
    it(name, () => {
      const dir = dirOf(name);
      expect(existsSync(join(dir, 'model.onnx')), `${dir}: copy it with tools/copy-onnx-node-tests.mjs`).toBe(true);
      const bytes = readBytes(join(dir, 'model.onnx'));
      const ins = readDataSet(join(dir, 'test_data_set_0'), 'input').map((t): OTensor => ({ dtype: 'float32', data: t.data as Float32Array, shape: t.shape }));
      const [want] = readDataSet(join(dir, 'test_data_set_0'), 'output');
      // the fed run (as the node test does), then B constant, then B and C constant
      const variants = ins.length === 3 ? [[], [1], [1, 2]] : [[], [1]];
      for (const constAt of variants) {
        // test_matmul_3d / 4d feed a batched B: it stays on the JS path
        const packable = constAt.length > 0 && ins[1].shape.length === 2;
        const built = prepare(bytes, ins.map((t, j) => (constAt.includes(j) ? t : undefined)));
        expect(built.ctx.resources, `${name} constant ${constAt}`).toHaveLength(packable ? 1 : 0);
        const y = built.kernel(ins)[0]!;
        expectClose({ data: y.data as Float32Array, shape: y.shape }, want as never, 2e-6, `${name} constant inputs ${constAt}`);
        built.dispose();
      }
    });
  }
});

describe('bad input', () => {
  beforeAll(async () => {
    await ready();
  });
  it('the packed path reports the JS path errors: inner dims, A rank, C shape, integer A', () => {
    const B = randTensor(1, [4, 3]);
    const mm = prepare(nodeModel('MatMul', ['A', 'B']), [undefined, B]);
    expect(mm.ctx.resources).toHaveLength(1);
    expectError(() => mm.kernel([randTensor(2, [2, 5]), B]), 'SHAPE_MISMATCH', /MatMul node 'matmul_under_test'.*cannot multiply A \[2, 5\] by B \[4, 3\] \(5 columns against 4 rows\)/);
    expectError(() => mm.kernel([{ dtype: 'int32', data: new Int32Array(4), shape: [1, 4] }, B]), 'DTYPE_MISMATCH', /A must be float32, got int32/);
    mm.dispose();
    const g = prepare(nodeModel('Gemm', ['A', 'B', 'C']), [undefined, B]);
    expectError(() => g.kernel([randTensor(2, [2, 4]), B, randTensor(3, [2, 2])]), 'SHAPE_MISMATCH', /C of shape \[2, 2\] does not broadcast to \[2, 3\]/);
    expectError(() => g.kernel([randTensor(2, [2, 2, 4]), B, randTensor(3, [3])]), 'INVALID_INPUT', /Gemm needs 2-D A and B, got \[2, 2, 4\]/);
    expectError(() => g.kernel([randTensor(2, [2, 5]), B, randTensor(3, [3])]), 'SHAPE_MISMATCH', /cannot multiply \[2, 5\] by \[4, 3\] \(transA=0, transB=0\)/);
    g.dispose();
  });
  it('integer or batched B stays on the JS path', () => {
    const batched = prepare(nodeModel('MatMul', ['A', 'B']), [undefined, randTensor(1, [2, 4, 3])]);
    expect(batched.ctx.resources).toHaveLength(0);
    const ints = prepare(nodeModel('MatMul', ['A', 'B']), [undefined, { dtype: 'int32', data: new Int32Array(12), shape: [4, 3] }]);
    expect(ints.ctx.resources).toHaveLength(0);
  });
});
