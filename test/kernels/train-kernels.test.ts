// The training kernels at edge sizes on every build: f32_gemm_dx / f32_wgrad_acc / f32_colsum_acc
// against a float64 reference (and bitwise against their __scalar twins, which share their
// summation order; f32_wgrad_acc's relaxed variant fuses multiply-adds), the gradient's panel padding left at zero even when X holds infinities; the
// optimizer updates bitwise against their twins (elementwise, IEEE-exact operations) and against a
// float64 transcription of PyTorch's update rule.
import { describe, expect, it } from 'vitest';
import { builds, get, kernel, put, rand, runtimeFor } from '../helpers/kernels.js';
import type { WasmRuntime } from '../../bindings/wasm.js';

/** Packs W [n, k] into 8-wide panels (the x32_packw_x8 layout) in JS. */
function pack8(w: Float32Array, n: number, k: number): Float32Array {
  const panels = Math.ceil(n / 8);
  const out = new Float32Array(panels * 8 * k);
  for (let j = 0; j < n; j++) for (let kk = 0; kk < k; kk++) out[((j >> 3) * k + kk) * 8 + (j & 7)] = w[j * k + kk];
  return out;
}

const SIZES: Array<[number, number, number]> = [
  [1, 1, 1], [1, 8, 4], [3, 7, 5], [4, 9, 3], [5, 16, 8], [7, 17, 13], [2, 33, 1], [13, 24, 31], [1, 65, 256], [64, 23, 6],
];

function within(actual: Float32Array, ref: Float64Array, scale: number): void {
  for (let i = 0; i < ref.length; i++) expect(Math.abs(actual[i] - ref[i])).toBeLessThanOrEqual(1e-5 * scale);
}

describe.each(builds)('linear backward kernels [%s build]', (build) => {
  it.each(SIZES)('m=%i n=%i k=%i: dX = dY W, dW += dY^T X (panels, zero padding), db += colsum(dY)', async (m, n, k) => {
    const rt: WasmRuntime = await runtimeFor(build, true);
    const w = rand(1 + m, n * k);
    const dy = rand(2 + n, m * n);
    const x = rand(3 + k, m * k);
    const packed = pack8(w, n, k);
    const g0 = pack8(rand(4, n * k), n, k); // an existing gradient to accumulate into
    // float64 references
    const dx64 = new Float64Array(m * k);
    const dw64 = new Float64Array(n * k);
    const db64 = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        db64[j] += dy[i * n + j];
        for (let kk = 0; kk < k; kk++) {
          dx64[i * k + kk] += dy[i * n + j] * w[j * k + kk];
          dw64[j * k + kk] += dy[i * n + j] * x[i * k + kk];
        }
      }
    }
    const results: Record<string, { dx: Float32Array; dw: Float32Array; db: Float32Array }> = {};
    for (const suffix of ['', '__scalar']) {
      const wPtr = put(rt, packed);
      const dyPtr = put(rt, dy);
      const xPtr = put(rt, x);
      const dxPtr = put(rt, new Float32Array(m * k).fill(NaN));
      const dwPtr = put(rt, g0);
      const db0 = rand(5, n);
      const dbPtr = put(rt, db0);
      kernel(rt, `f32_gemm_dx${suffix}`)(dxPtr, dyPtr, wPtr, m, n, k, n, k);
      kernel(rt, `f32_wgrad_acc${suffix}`)(dwPtr, dyPtr, xPtr, n, k, m, n, k, 8);
      kernel(rt, `f32_colsum_acc${suffix}`)(dbPtr, dyPtr, m, n, n);
      const dx = get(rt, dxPtr, m * k + 8);
      const dw = get(rt, dwPtr, packed.length + 8);
      const db = get(rt, dbPtr, n + 8);
      // nothing written past the outputs (the guard floats of put)
      expect(Array.from(dx.subarray(m * k))).toEqual(Array(8).fill(-12345.5));
      expect(Array.from(dw.subarray(packed.length))).toEqual(Array(8).fill(-12345.5));
      expect(Array.from(db.subarray(n))).toEqual(Array(8).fill(-12345.5));
      within(dx.subarray(0, m * k), dx64, Math.max(1, n));
      const dwRef = new Float64Array(packed.length);
      const dwAdded = pack8(Float32Array.from(dw64), n, k); // reference gradient in the panel layout
      for (let i = 0; i < packed.length; i++) dwRef[i] = g0[i] + dwAdded[i];
      within(dw.subarray(0, packed.length), dwRef, Math.max(1, m));
      // padding columns of the panels stay exactly zero
      const last = Math.ceil(n / 8) - 1;
      for (let kk = 0; kk < k; kk++) for (let j = n - last * 8; j < 8; j++) expect(dw[(last * k + kk) * 8 + j]).toBe(0);
      within(db.subarray(0, n), Float64Array.from(db64, (v, j) => v + db0[j]), Math.max(1, m));
      results[suffix] = { dx: dx.slice(0, m * k), dw: dw.slice(0, packed.length), db: db.slice(0, n) };
      for (const p of [wPtr, dyPtr, xPtr, dxPtr, dwPtr, dbPtr]) rt.free(p);
    }
    expect(results[''].dx).toEqual(results.__scalar.dx);
    // f32_wgrad_acc fuses its multiply-adds in the relaxed build (FMA): within the float64 bound above, not the twin's bits
    if (build !== 'relaxed') expect(results[''].dw).toEqual(results.__scalar.dw);
    expect(results[''].db).toEqual(results.__scalar.db);
  });

  it('an infinite input leaves the weight gradient padding at zero', async () => {
    const rt = await runtimeFor(build, true);
    const [m, n, k] = [3, 5, 4];
    const x = rand(6, m * k);
    x[2] = Infinity;
    for (const suffix of ['', '__scalar']) {
      const dwPtr = put(rt, new Float32Array(8 * k));
      const dyPtr = put(rt, rand(7, m * n));
      const xPtr = put(rt, x);
      kernel(rt, `f32_wgrad_acc${suffix}`)(dwPtr, dyPtr, xPtr, n, k, m, n, k, 8);
      const dw = get(rt, dwPtr, 8 * k);
      for (let kk = 0; kk < k; kk++) for (let j = n; j < 8; j++) expect(dw[kk * 8 + j]).toBe(0);
      for (const p of [dwPtr, dyPtr, xPtr]) rt.free(p);
    }
  });
});

/** Runs an optimizer kernel (and its twin) on fresh copies of the blocks; returns the blocks after. */
function runStep(rt: WasmRuntime, name: string, blocks: Float32Array[], scalars: (ptrs: number[]) => number[]): Float32Array[] {
  const ptrs = blocks.map((b) => put(rt, b));
  kernel(rt, name)(...scalars(ptrs));
  const out = ptrs.map((p, i) => get(rt, p, blocks[i].length));
  for (const p of ptrs) rt.free(p);
  return out;
}

const f = Math.fround;

describe.each(builds)('optimizer kernels [%s build]', (build) => {
  const N = [1, 3, 4, 5, 8, 13, 64];

  it.each(N)('f32_sgd_step, n=%i: momentum, dampening, Nesterov and weight decay as torch.optim.SGD', async (n) => {
    const rt = await runtimeFor(build, true);
    const [w, g, buf] = [rand(1, n), rand(2, n), rand(3, n)];
    const [lr, mom, damp, wd] = [0.1, 0.9, 0.2, 0.01];
    for (const nesterov of [0, 1]) {
      for (const first of [0, 1]) {
        const args = (p: number[]) => [p[0], p[1], p[2], n, lr, mom, 1 - damp, wd, nesterov, first];
        const [w1, , b1] = runStep(rt, 'f32_sgd_step', [w, g, buf], args);
        const [w2, , b2] = runStep(rt, 'f32_sgd_step__scalar', [w, g, buf], args);
        expect(w1).toEqual(w2);
        expect(b1).toEqual(b2);
        for (let i = 0; i < n; i++) {
          const d = g[i] + wd * w[i];
          const b = first ? d : buf[i] * mom + (1 - damp) * d;
          const step = nesterov ? d + mom * b : b;
          expect(Math.abs(w1[i] - (w[i] - lr * step))).toBeLessThanOrEqual(1e-6);
          expect(Math.abs(b1[i] - b)).toBeLessThanOrEqual(1e-6);
        }
      }
    }
  });

  it.each(N)('f32_adam_step, n=%i: Adam / AdamW / amsgrad as torch.optim', async (n) => {
    const rt = await runtimeFor(build, true);
    const w = rand(1, n);
    const g = rand(2, n);
    const m = rand(3, n, -0.1, 0.1);
    const v = rand(4, n, 0, 0.01);
    const vmax = rand(5, n, 0, 0.01);
    const [lr, b1, b2, eps, t] = [0.01, 0.9, 0.999, 1e-8, 3];
    const stepSize = lr / (1 - b1 ** t);
    const bc2 = Math.sqrt(1 - b2 ** t);
    for (const [wd, decay, ams] of [[0.01, 1, 0], [0, 1 - lr * 0.1, 1], [0, 1, 1]]) {
      const args = (p: number[]) => [p[0], p[1], p[2], p[3], p[4], n, -stepSize, b1, 1 - b1, b2, 1 - b2, bc2, eps, wd, decay, ams];
      const a = runStep(rt, 'f32_adam_step', [w, g, m, v, vmax], args);
      const s = runStep(rt, 'f32_adam_step__scalar', [w, g, m, v, vmax], args);
      for (let j = 0; j < 5; j++) expect(a[j]).toEqual(s[j]);
      for (let i = 0; i < n; i++) {
        const w0 = w[i] * decay;
        const gg = g[i] + wd * w0;
        const m1 = m[i] * b1 + (1 - b1) * gg;
        const v1 = v[i] * b2 + (1 - b2) * gg * gg;
        const vv = ams ? Math.max(vmax[i], v1) : v1;
        const w1 = w0 - (stepSize * m1) / (Math.sqrt(vv) / bc2 + eps);
        expect(Math.abs(a[0][i] - w1)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(a[2][i] - m1)).toBeLessThanOrEqual(1e-7);
        expect(Math.abs(a[3][i] - v1)).toBeLessThanOrEqual(1e-8);
      }
    }
  });

  it.each(N)('f32_rmsprop_step, n=%i: centered, momentum and weight decay as torch.optim.RMSprop', async (n) => {
    const rt = await runtimeFor(build, true);
    const w = rand(1, n);
    const g = rand(2, n);
    const sq = rand(3, n, 0.5, 1);
    const ga = rand(4, n, -0.1, 0.1);
    const buf = rand(5, n, -0.1, 0.1);
    const [lr, alpha, eps, wd] = [0.01, 0.9, 1e-8, 0.01];
    for (const [mom, centered] of [[0, 0], [0.5, 1], [0.5, 0]]) {
      const args = (p: number[]) => [p[0], p[1], p[2], p[3], p[4], n, lr, alpha, 1 - alpha, eps, wd, mom, centered];
      const a = runStep(rt, 'f32_rmsprop_step', [w, g, sq, ga, buf], args);
      const s = runStep(rt, 'f32_rmsprop_step__scalar', [w, g, sq, ga, buf], args);
      for (let j = 0; j < 5; j++) expect(a[j]).toEqual(s[j]);
      for (let i = 0; i < n; i++) {
        const gg = g[i] + wd * w[i];
        const s1 = sq[i] * alpha + (1 - alpha) * gg * gg;
        const ga1 = ga[i] * alpha + (1 - alpha) * gg;
        const avg = Math.sqrt(centered ? s1 - ga1 * ga1 : s1) + eps;
        const w1 = mom > 0 ? w[i] - lr * (buf[i] * mom + gg / avg) : w[i] - (lr * gg) / avg;
        expect(Math.abs(a[0][i] - w1)).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('f32_sumsq_f64 and f32_vscale: float64 sum of squares, scaling in place', async () => {
    const rt = await runtimeFor(build, true);
    for (const n of N) {
      const x = rand(9, n);
      const p = put(rt, x);
      let ref = 0;
      for (let i = 0; i < n; i++) ref += x[i] * x[i];
      expect(rt.exports.f32_sumsq_f64(p, n)).toBe(ref);
      rt.exports.f32_vscale(p, n, 0.3);
      const q = put(rt, x);
      rt.exports.f32_vscale__scalar(q, n, 0.3);
      expect(get(rt, p, n + 8)).toEqual(get(rt, q, n + 8));
      expect(get(rt, p, n)).toEqual(Float32Array.from(x, (v) => f(v * f(0.3))));
      rt.free(p);
      rt.free(q);
    }
  });

  it('padding (zero value, gradient and state) stays zero under every update', async () => {
    const rt = await runtimeFor(build, true);
    const z = new Float32Array(5);
    const sgd = runStep(rt, 'f32_sgd_step', [z, z, z], (p) => [p[0], p[1], p[2], 5, 0.1, 0.9, 0.9, 0.1, 1, 0]);
    const adamw = runStep(rt, 'f32_adam_step', [z, z, z, z, z], (p) => [p[0], p[1], p[2], p[3], p[4], 5, -0.01, 0.9, 0.1, 0.999, 0.001, 0.03, 1e-8, 0.1, 0.99, 1]);
    const rms = runStep(rt, 'f32_rmsprop_step', [z, z, z, z, z], (p) => [p[0], p[1], p[2], p[3], p[4], 5, 0.01, 0.99, 0.01, 1e-8, 0.1, 0.5, 1]);
    for (const blocks of [sgd, adamw, rms]) for (const b of blocks) expect(Array.from(b)).toEqual([0, 0, 0, 0, 0]);
  });
});
