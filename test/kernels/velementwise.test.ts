// f32-vunary-exact, f32-vbinary, f32-vlog and f32-maxpool2d (the ONNX static plans' loops in wasm) on
// every build, against the importer's JS arithmetic (float64 on float32 values, rounded once): the same
// bits for every element (any NaN for a NaN), at the edges of the 4-lane loop (n = 0, 1, 3, 4, 5,
// 7, 8, 9, 33), in place, and on the values where float32 arithmetic is easiest to get wrong
// (signed zeros, infinities, NaN, subnormals, the largest and smallest normals).
// Also the dispatch of bindings/plan-arena.ts: only views of one arena go to wasm.
import { describe, expect, it } from 'vitest';
import { builds, rand, runtimeFor } from '../helpers/kernels.js';
import { arenaBinary, arenaBinaryScalar, arenaLog, arenaMaxPool2d, arenaUnary, arenaViews, planArena } from '../../bindings/plan-arena.js';
import { ready, runtime } from '../../bindings/wasm.js';

const UNARY: Record<string, (x: number) => number> = {
  VUNARY_RELU: (x) => (x > 0 || x !== x ? x : 0),
  VUNARY_NEG: (x) => -x,
  VUNARY_ABS: (x) => Math.abs(x),
  VUNARY_SQRT: (x) => Math.sqrt(x),
  VUNARY_SQUARE: (x) => x * x,
};
const BINARY: Record<string, (a: number, b: number) => number> = {
  VBINARY_ADD: (a, b) => a + b,
  VBINARY_SUB: (a, b) => a - b,
  VBINARY_MUL: (a, b) => a * b,
  VBINARY_DIV: (a, b) => a / b,
  // the importer's Max / Min loops (src/onnx/ops/elementwise.ts minMax2): b where it is NaN or beyond a
  VBINARY_MAX: (a, b) => (b > a || b !== b ? b : a),
  VBINARY_MIN: (a, b) => (b < a || b !== b ? b : a),
  // PRelu, and LeakyRelu with the scalar slope alpha (src/onnx/ops/elementwise.ts)
  VBINARY_PRELU: (a, b) => (a < 0 ? b * a : a),
};

const SPECIAL = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38, 0.1, 3, 1e20, -7.5e-30];
const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 33];

/** n values: the special ones first, then random ones of every magnitude. */
function values(n: number, seed: number): Float32Array {
  const r = rand(seed, n, -1, 1);
  return Float32Array.from({ length: n }, (_, i) => (i < SPECIAL.length ? SPECIAL[(i + seed) % SPECIAL.length] : r[i] * 10 ** Math.round(r[(i * 7) % n] * 12)));
}

/** Bits equal, or both NaN. */
function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(want[i])) expect(Number.isNaN(got[i]), `${what} [${i}]: NaN`).toBe(true);
    else expect(g[i], `${what} [${i}]: ${got[i]} vs ${want[i]}`).toBe(w[i]);
  }
}

describe.each(builds)('f32_vunary_exact and f32_vbinary [%s build]', (build) => {
  it('the bits of the JS float64-then-rounded arithmetic, every size, in place too', async () => {
    const rt = await runtimeFor(build);
    const ex = rt.exports;
    for (const n of SIZES) {
      const bytes = 4 * (n + 4);
      const [px, py, pz] = [rt.alloc(bytes), rt.alloc(bytes), rt.alloc(bytes)];
      const x = values(n, n + 1);
      const y = values(n, n + 5).reverse();
      for (const [op, f] of Object.entries(UNARY)) {
        rt.f32(px, n).set(x);
        ex.f32_vunary_exact(rt.constants[op as keyof typeof rt.constants], pz, px, n);
        const want = Float32Array.from(x, f);
        expectSameBits(rt.f32(pz, n), want, `${op} n=${n}`);
        ex.f32_vunary_exact(rt.constants[op as keyof typeof rt.constants], px, px, n);
        expectSameBits(rt.f32(px, n), want, `${op} in place n=${n}`);
      }
      for (const [op, f] of Object.entries(BINARY)) {
        const code = rt.constants[op as keyof typeof rt.constants];
        rt.f32(px, n).set(x);
        rt.f32(py, n).set(y);
        ex.f32_vbinary(code, pz, px, py, n);
        expectSameBits(rt.f32(pz, n), Float32Array.from(x, (v, i) => f(v, y[i])), `${op} n=${n}`);
        for (const s of [y[0] ?? 2, -0, 3.5, NaN, Infinity]) {
          ex.f32_vbinary_scalar(code, pz, px, s, 0, n);
          expectSameBits(rt.f32(pz, n), Float32Array.from(x, (v) => f(v, s)), `${op} x op ${s} n=${n}`);
          ex.f32_vbinary_scalar(code, pz, px, s, 1, n);
          expectSameBits(rt.f32(pz, n), Float32Array.from(x, (v) => f(s, v)), `${op} ${s} op x n=${n}`);
        }
        ex.f32_vbinary(code, px, px, py, n);
        expectSameBits(rt.f32(px, n), Float32Array.from(x, (v, i) => f(v, y[i])), `${op} in place n=${n}`);
      }
      // LeakyRelu's slopes
      for (const alpha of [0.2, 0.01, 1e-30]) {
        const a = Math.fround(alpha);
        rt.f32(px, n).set(x);
        ex.f32_vbinary_scalar(rt.constants.VBINARY_PRELU, pz, px, a, 0, n);
        expectSameBits(rt.f32(pz, n), Float32Array.from(x, (v) => (v < 0 ? a * v : v)), `LeakyRelu alpha=${a} n=${n}`);
      }
      for (const p of [px, py, pz]) rt.free(p);
    }
  });
});

/** MaxPool as the importer's JS loop takes a window: its first tap, then each later one that is greater. */
function maxPoolWant(x: Float32Array, planes: number, ih: number, iw: number, kh: number, kw: number, sh: number, sw: number, oh: number, ow: number): Float32Array {
  const y = new Float32Array(planes * oh * ow);
  for (let p = 0; p < planes; p++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let best = NaN;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const v = x[(p * ih + oy * sh + ky) * iw + ox * sw + kx];
      if ((ky === 0 && kx === 0) || v > best) best = v;
    }
    y[(p * oh + oy) * ow + ox] = best;
  }
  return y;
}

describe.each(builds)('f32_maxpool2d [%s build]', (build) => {
  it("the JS loop's bits (NaN, signed zeros, infinities among the taps) for windows 2 x 2 / 1 x 2 at stride 2 and others, outputs around the 4-wide step", async () => {
    const rt = await runtimeFor(build);
    const shapes: [number, number, number, number, number][] = []; // kh, kw, sh, sw, ow
    for (const ow of [1, 3, 4, 5, 8, 9]) shapes.push([2, 2, 2, 2, ow], [1, 2, 1, 2, ow], [3, 2, 2, 2, ow], [2, 3, 1, 2, ow], [2, 2, 1, 1, ow], [1, 1, 1, 1, ow]);
    shapes.forEach(([kh, kw, sh, sw, ow], t) => {
      const planes = 3;
      const oh = 2;
      const ih = (oh - 1) * sh + kh + (t % 2);
      const iw = (ow - 1) * sw + kw + (t % 3);
      const x = values(planes * ih * iw, 100 + t);
      const want = maxPoolWant(x, planes, ih, iw, kh, kw, sh, sw, oh, ow);
      const px = rt.alloc(4 * x.length);
      rt.f32(px, x.length).set(x);
      for (const name of ['f32_maxpool2d', 'f32_maxpool2d__scalar'] as const) {
        const py = rt.alloc(4 * want.length + 16);
        rt.f32(py, want.length + 4).fill(-12345.5);
        rt.exports[name](py, px, planes, ih, iw, kh, kw, sh, sw, oh, ow);
        expectSameBits(rt.f32(py, want.length), want, `${name} ${kh}x${kw} s${sh}x${sw} ow=${ow}`);
        expect(rt.f32(py + 4 * want.length, 1)[0], `${name}: nothing past the output`).toBe(-12345.5);
        rt.free(py);
      }
      rt.free(px);
    });
  });
});

/**
 * Float32 inputs whose log, by the kernel's method, lies within 256 units in the last place of a
 * float32 rounding tie (found by scanning with the method in JS float64, as tools/verify-vlog.mjs
 * evaluates it): the kernel must leave them to the caller. `ties` is the distance in those units.
 */
const NEAR_TIE_INPUTS = [
  { bits: 0x3f008460, ties: 126 },
  { bits: 0x3f04cbfc, ties: -173 },
  { bits: 0x3f2f24ef, ties: 75 },
  { bits: 0x3f554d38, ties: -71 },
  { bits: 0x3f7ffffe, ties: 21 },
].map(({ bits }) => new Float32Array(Uint32Array.of(bits).buffer)[0]);

/** y = Log(x) as bindings/plan-arena.ts arenaLog runs it: the kernel, then Math.log for each element it leaves. */
function vlogWithCaller(vlog: (y: number, x: number, n: number) => number, y: Float32Array, x: Float32Array, left: number[]): void {
  for (let i = 0; i < y.length; i++) {
    i += vlog(y.byteOffset + 4 * i, x.byteOffset + 4 * i, y.length - i);
    if (i < y.length) {
      left.push(i);
      y[i] = Math.log(x[i]);
    }
  }
}

describe.each(builds)('f32_vlog [%s build]', (build) => {
  it('with Math.log for what it leaves: the JS loop\'s bits, every size, in place too; it leaves exactly the special and near-tie elements', async () => {
    const rt = await runtimeFor(build);
    for (const name of ['f32_vlog', 'f32_vlog__scalar'] as const) {
      const vlog = rt.exports[name];
      for (const n of [...SIZES, 3096]) {
        const px = rt.alloc(4 * n + 16);
        const py = rt.alloc(4 * n + 16);
        // positive values of every magnitude (specials first), with the near-tie inputs spread in
        const x = values(n, n + 2).map(Math.abs);
        NEAR_TIE_INPUTS.forEach((v, j) => {
          if (n > 20) x[20 + j * 97] = v;
        });
        const want = Float32Array.from(x, Math.log);
        const expectedLeft: number[] = [];
        x.forEach((v, i) => {
          const bits = new Uint32Array(Float32Array.of(v).buffer)[0];
          if (!(bits >= 0x00800000 && bits < 0x7f800000) || NEAR_TIE_INPUTS.includes(v)) expectedLeft.push(i);
        });
        for (const inPlace of [false, true]) {
          rt.f32(px, n).set(x);
          const y = inPlace ? rt.f32(px, n) : rt.f32(py, n);
          const left: number[] = [];
          vlogWithCaller(vlog, y, rt.f32(px, n), left);
          expectSameBits(y, want, `${name} n=${n}${inPlace ? ' in place' : ''}`);
          expect(left, `${name} n=${n}: the elements left to the caller`).toEqual(expectedLeft);
        }
        rt.free(px);
        rt.free(py);
      }
    }
  });
});

describe('the plan arena dispatch', () => {
  it('runs in wasm only on views of one arena; JS arrays and other memories are left to the caller', async () => {
    await ready();
    const arena = planArena(runtime())!;
    expect(arena).toBeDefined();
    expect(arena.memory).not.toBe(runtime().memory);
    const p = arena.alloc(3 * 64);
    const buffer = arenaViews(arena);
    const [x, y, z] = [0, 1, 2].map((i) => new Float32Array(buffer, p + i * 64, 13));
    x.set(values(13, 3));
    y.set(values(13, 4));
    expect(arenaUnary('VUNARY_SQRT', x, z)).toBe(true);
    expectSameBits(z, Float32Array.from(x, Math.sqrt), 'sqrt');
    expect(arenaBinary('VBINARY_MUL', x, y, z)).toBe(true);
    expectSameBits(z, Float32Array.from(x, (v, i) => v * y[i]), 'mul');
    expect(arenaBinaryScalar('VBINARY_SUB', x, 0.25, z, true)).toBe(true);
    expectSameBits(z, Float32Array.from(x, (v) => 0.25 - v), 'rsub');
    // Log: the special values (zeros, negatives, inf, NaN) included, and near-tie inputs
    y.set(NEAR_TIE_INPUTS, 8);
    expect(arenaLog(y, z)).toBe(true);
    expectSameBits(z, Float32Array.from(y, Math.log), 'log');
    expect(arenaLog(y, new Float32Array(13))).toBe(false);
    // MaxPool 2 x 2 at stride 2 of one [2, 6] plane (x's first 12 values) into [1, 3]
    expect(arenaMaxPool2d(x, z, 1, 2, 6, 2, 2, 2, 2, 1, 3)).toBe(true);
    expectSameBits(z.subarray(0, 3), maxPoolWant(x, 1, 2, 6, 2, 2, 2, 2, 1, 3), 'maxpool');
    expect(arenaMaxPool2d(x, new Float32Array(3), 1, 2, 6, 2, 2, 2, 2, 1, 3)).toBe(false);
    const js = new Float32Array(13);
    expect(arenaUnary('VUNARY_SQRT', x, js)).toBe(false);
    expect(arenaBinary('VBINARY_MUL', js, y, z)).toBe(false);
    const other = runtime().alloc(64); // the runtime's own memory: not the arena's
    expect(arenaUnary('VUNARY_SQRT', runtime().f32(other, 13), js)).toBe(false);
    expect(arenaUnary('VUNARY_SQRT', x, z.subarray(1))).toBe(false); // lengths differ
    runtime().free(other);
    arena.free(p);
  });
});
