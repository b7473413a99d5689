// f32_vsigmoid / f32_vtanh (dispatched and __scalar variants) on every build this engine runs:
// sizes at the edges of the 4-lane x 2 tile, in place, no writes past n, max abs error vs
// float64 on random and special inputs, dispatched vs scalar agreement, saturation, NaN, and
// tanh's odd symmetry. The error bound is the measured one (tools/measure-activations.mjs,
// docs/activations.md): <= 9.4e-8 everywhere, asserted as 1e-7.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor } from '../helpers/kernels.js';
import type { WasmRuntime } from '../../bindings/wasm.js';

type Kernel = (y: number, x: number, n: number) => void;

const TOL = 1e-7;
const GUARD = -12345.5;
const NG = 8; // guard floats after each block
const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 37, 1000];
const FLT_MAX = 3.4028234663852886e38;
const FLT_MIN = 1.1754943508222875e-38;
const SUB_MIN = 1.401298464324817e-45;
const SUB_MAX = FLT_MIN - SUB_MIN;

const FUNCS = [
  { name: 'sigmoid', ref: (x: number) => 1 / (1 + Math.exp(-x)), lo: 0 },
  { name: 'tanh', ref: Math.tanh, lo: -1 },
] as const;


function kernel(rt: WasmRuntime, name: string): Kernel {
  const f = rt.exports[name];
  if (typeof f !== 'function') throw new Error(`build ${rt.build} has no export ${name}`);
  return f as Kernel;
}

/** Deterministic floats in [lo, hi) (mulberry32). */
function rand(seed: number, n: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

const SPECIALS = new Float32Array([
  0, -0, Infinity, -Infinity, NaN, 88.7, -88.7, 1e-30, -1e-30, SUB_MIN, -SUB_MIN, SUB_MAX, -SUB_MAX,
  FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX, 0.55, -0.55, 0.5499999, 0.5500001, 9, -9, 9.1, -9.1, 16.7, -16.7,
  87.3, -87.3, 103.9, -103.9, 104, -104, 120, -120, 1e10, -1e10, 2 ** -12, -(2 ** -12), 2 ** -25, 1, -1, 0.5,
]);

/**
 * Runs kernel `f` on `x` out of place (y has guards after n) and returns y[0 .. n + NG).
 * With `inPlace`, x's block is overwritten and returned instead.
 */
function run(rt: WasmRuntime, f: Kernel, x: Float32Array, inPlace = false): Float32Array {
  const n = x.length;
  const px = rt.allocF32(n + NG);
  const vx = rt.f32(px, n + NG);
  vx.set(x);
  vx.fill(GUARD, n);
  let py = px;
  if (!inPlace) {
    py = rt.allocF32(n + NG);
    rt.f32(py, n + NG).fill(GUARD);
  }
  f(py, px, n);
  const out = rt.f32(py, n + NG).slice();
  if (!inPlace) {
    // the input is not modified
    expect(rt.f32(px, n + NG)).toEqual(Float32Array.from([...x, ...new Array<number>(NG).fill(GUARD)]));
    rt.free(py);
  }
  rt.free(px);
  return out;
}

function bits(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

function ulpOrder(b: number): number {
  return b < 0 ? -0x80000000 - b : b;
}

/** Largest distance in ulps between two arrays (NaN vs NaN counts as equal). */
function maxUlp(a: Float32Array, b: Float32Array): number {
  const ia = bits(a);
  const ib = bits(b);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    m = Math.max(m, Math.abs(ulpOrder(ia[i]) - ulpOrder(ib[i])));
  }
  return m;
}

function maxErr(x: Float32Array, y: Float32Array, ref: (x: number) => number): { err: number; at: number } {
  let err = 0;
  let at = NaN;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) continue;
    const e = Math.abs(y[i] - ref(x[i]));
    if (!(e <= err)) {
      err = e;
      at = x[i];
    }
  }
  return { err, at };
}

describe.each(builds)('activation kernels [%s build]', (build) => {
  for (const fn of FUNCS) {
    for (const variant of ['', '__scalar']) {
      const name = `f32_v${fn.name}${variant}`;

      it(`${name}: edge sizes, guards, in place`, async () => {
        const rt = await runtimeFor(build);
        const f = kernel(rt, name);
        for (const n of SIZES) {
          const x = rand(n + 1, n, -10, 10);
          const y = run(rt, f, x);
          const { err, at } = maxErr(x, y.subarray(0, n), fn.ref);
          expect(err, `n=${n} worst at x=${at}`).toBeLessThanOrEqual(TOL);
          expect(y.subarray(n), `n=${n}: written past n`).toEqual(new Float32Array(NG).fill(GUARD));
          const z = run(rt, f, x, true);
          expect(bits(z.subarray(0, n)), `n=${n}: in place differs`).toEqual(bits(y.subarray(0, n)));
          expect(z.subarray(n), `n=${n}: in place wrote past n`).toEqual(new Float32Array(NG).fill(GUARD));
        }
      });

      it(`${name}: max abs error vs float64 <= ${TOL} on random and special inputs`, async () => {
        const rt = await runtimeFor(build);
        const f = kernel(rt, name);
        const cases: [string, Float32Array][] = [
          ['[-1, 1]', rand(11, 20000, -1, 1)],
          ['[-10, 10]', rand(12, 20000, -10, 10)],
          ['[-100, 100]', rand(13, 20000, -100, 100)],
          ['specials', SPECIALS],
        ];
        for (const [label, x] of cases) {
          const y = run(rt, f, x).subarray(0, x.length);
          const { err, at } = maxErr(x, y, fn.ref);
          expect(err, `${label}: worst at x=${at}`).toBeLessThanOrEqual(TOL);
          const bad: number[] = [];
          for (let i = 0; i < x.length; i++) {
            const ok = Number.isNaN(x[i]) ? Number.isNaN(y[i]) : y[i] >= fn.lo && y[i] <= 1;
            if (!ok) bad.push(x[i]);
          }
          expect(bad, `${label}: NaN or out of range for these x`).toEqual([]);
        }
      });
    }

    it(`f32_v${fn.name} (dispatched) agrees with f32_v${fn.name}__scalar`, async () => {
      const rt = await runtimeFor(build);
      const fd = kernel(rt, `f32_v${fn.name}`);
      const fs = kernel(rt, `f32_v${fn.name}__scalar`);
      // Same operations in the same order: bitwise, except FMA rounding in the relaxed build.
      const bound = build === 'relaxed' ? 2 : 0;
      for (const n of SIZES) {
        for (const [lo, hi] of [
          [-1, 1],
          [-20, 20],
          [-150, 150],
        ]) {
          const x = rand(1000 + n + hi, n, lo, hi);
          const d = run(rt, fd, x).subarray(0, n);
          const s = run(rt, fs, x).subarray(0, n);
          expect(maxUlp(d, s), `n=${n} range ${hi}`).toBeLessThanOrEqual(bound);
        }
      }
      const d = run(rt, fd, SPECIALS).subarray(0, SPECIALS.length);
      const s = run(rt, fs, SPECIALS).subarray(0, SPECIALS.length);
      expect(maxUlp(d, s)).toBeLessThanOrEqual(bound);
    });

    it(`f32_v${fn.name}: a lane's result does not depend on its neighbours or on n`, async () => {
      const rt = await runtimeFor(build);
      const f = kernel(rt, `f32_v${fn.name}`);
      const x = rand(77, 37, -6, 6);
      x[5] = NaN;
      x[10] = Infinity;
      x[20] = -Infinity;
      const all = run(rt, f, x).subarray(0, 37);
      for (let i = 0; i < 37; i++) {
        const one = run(rt, f, x.subarray(i, i + 1)).subarray(0, 1);
        expect(bits(one)[0], `i=${i}`).toBe(bits(all)[i]);
      }
    });
  }

  it('saturation, exact values and NaN', async () => {
    const rt = await runtimeFor(build);
    for (const variant of ['', '__scalar']) {
      const sig = (v: number[]) => Array.from(run(rt, kernel(rt, `f32_vsigmoid${variant}`), Float32Array.from(v)).subarray(0, v.length));
      const tanh = (v: number[]) => Array.from(run(rt, kernel(rt, `f32_vtanh${variant}`), Float32Array.from(v)).subarray(0, v.length));
      const big = [17.33, 20, 50, 88.7, 104, 1e10, FLT_MAX, Infinity];
      expect(sig(big)).toEqual(big.map(() => 1));
      const low = [-103.98, -104, -120, -1e10, -FLT_MAX, -Infinity];
      expect(sig(low)).toEqual(low.map(() => 0));
      // below 17.33 / above -103.97 the correctly rounded values are not 1 / 0 yet
      expect(sig([17.3])[0]).toBeLessThan(1);
      expect(sig([-103.9])[0]).toBeGreaterThan(0);
      expect(sig([0, -0, 1e-30, -1e-30, SUB_MIN, -SUB_MIN])).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
      const tbig = [9.1, 10, 20, 50, 88.7, 1e10, FLT_MAX, Infinity];
      expect(tanh(tbig)).toEqual(tbig.map(() => 1));
      expect(tanh(tbig.map((v) => -v))).toEqual(tbig.map(() => -1));
      // tiny arguments come back unchanged, signed zeros keep their sign
      const tiny = [Math.fround(1e-30), -Math.fround(1e-30), SUB_MIN, -SUB_MIN, SUB_MAX, FLT_MIN, 2 ** -13];
      expect(tanh(tiny)).toEqual(tiny);
      const z = tanh([0, -0]);
      expect(Object.is(z[0], 0) && Object.is(z[1], -0)).toBe(true);
      // NaN in, NaN out, whatever the lane and whatever the neighbours
      for (let lane = 0; lane < 9; lane++) {
        const v = [0.3, -2, 5, -100, 0.01, 7, -0.6, 40, 1].map((a, i) => (i === lane ? NaN : a));
        const s = sig(v);
        const t = tanh(v);
        for (let i = 0; i < 9; i++) {
          expect(Number.isNaN(s[i]), `sigmoid lane ${i}`).toBe(i === lane);
          expect(Number.isNaN(t[i]), `tanh lane ${i}`).toBe(i === lane);
        }
      }
      // negative-signed NaN as well
      const negNaN = new Float32Array(new Int32Array([0xffc00001 | 0]).buffer);
      expect(sig([negNaN[0]])[0]).toBeNaN();
      expect(tanh([negNaN[0]])[0]).toBeNaN();
    }
  });

  it('tanh is odd bitwise, sigmoid(-x) = 1 - sigmoid(x) to 1e-7', async () => {
    const rt = await runtimeFor(build);
    for (const variant of ['', '__scalar']) {
      const ft = kernel(rt, `f32_vtanh${variant}`);
      const fs = kernel(rt, `f32_vsigmoid${variant}`);
      for (const [lo, hi] of [
        [-1, 1],
        [-10, 10],
        [-100, 100],
      ]) {
        const x = Float32Array.from([...rand(31 + hi, 4001, lo, hi), ...SPECIALS].filter((v) => !Number.isNaN(v)));
        const nx = x.map((v) => -v);
        const tp = bits(run(rt, ft, x).subarray(0, x.length));
        const tn = bits(run(rt, ft, nx).subarray(0, x.length));
        const sp = run(rt, fs, x).subarray(0, x.length);
        const sn = run(rt, fs, nx).subarray(0, x.length);
        const notOdd: number[] = [];
        const notSym: number[] = [];
        for (let i = 0; i < x.length; i++) {
          if (tn[i] !== (tp[i] ^ 0x80000000)) notOdd.push(x[i]);
          if (!(Math.abs(sp[i] + sn[i] - 1) <= TOL)) notSym.push(x[i]);
        }
        expect(notOdd, 'tanh(-x) != -tanh(x) for these x').toEqual([]);
        expect(notSym, '|sigmoid(x) + sigmoid(-x) - 1| > 1e-7 for these x').toEqual([]);
      }
    }
  });
});
