// The int8 kernels (qc8w_packw, qd8_quantize_u7, qd8_f32_qc8w_gemm; docs/quantization.md) at the
// edges of their tiles (N: 4-output groups, 16-output half panels, 32-output panels; K: the k-quad;
// M: single and several rows), on every build (the scalar build runs the scalar variants), bit for
// bit against a JS reference of the same arithmetic (the integer sums are exact, the float
// epilogue is the same operations). The relaxed build's two kernels (the relaxed dot product and
// the plain-SIMD one) give the same bits.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor, rand } from '../helpers/kernels.js';
import { Rng } from '../../base/random.js';
import type { WasmRuntime } from '../../bindings/wasm.js';

const f = Math.fround;

/** Round half to even, as wasm's nearest. */
function nearest(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d < 0.5) return fl;
  if (d > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

interface Quantized {
  q: Uint8Array;
  scale: number;
  zp: number;
}

function quantizeRef(x: Float32Array, rows: number, k: number, ldx: number, kp: number): Quantized {
  let lo = 0;
  let hi = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) {
      lo = Math.min(lo, x[r * ldx + c]);
      hi = Math.max(hi, x[r * ldx + c]);
    }
  }
  const q = new Uint8Array(rows * kp);
  // PyTorch's ChooseQuantizationParams with reduce_range (what qd8_quantize_u7 follows)
  let scale = f((hi - lo) / 127);
  if (!Number.isFinite(scale)) return { q, scale, zp: 0 };
  if (scale === 0 || !Number.isFinite(f(1 / scale))) scale = f(0.1);
  const z = -Math.abs(lo / scale) < 127 - Math.abs(hi / scale) ? -lo / scale : 127 - hi / scale;
  const zp = Math.min(Math.max(nearest(z), 0), 127);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) q[r * kp + c] = Math.min(Math.max(f(nearest(f(x[r * ldx + c] / scale)) + zp), 0), 127);
  }
  return { q, scale, zp };
}

function gemmRef(a: Quantized, w: Int8Array, scales: Float32Array, bias: Float32Array | null, m: number, n: number, k: number, kp: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let j = 0; j < n; j++) {
    let rowsum = 0;
    for (let c = 0; c < k; c++) rowsum += w[j * k + c];
    const s = f(a.scale * scales[j]);
    for (let i = 0; i < m; i++) {
      let acc = 0;
      for (let c = 0; c < k; c++) acc += a.q[i * kp + c] * w[j * k + c];
      out[i * n + j] = f(f(f(acc - a.zp * rowsum) * s) + (bias ? bias[j] : 0));
    }
  }
  return out;
}

function randInt8(r: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r.next() * 256) - 128;
  return out;
}

interface Setup {
  rt: WasmRuntime;
  packed: number;
  xq: number;
  params: number;
  c: number;
  bias: number;
}

/** Packs w, quantizes x and runs `gemm`; returns the outputs and the quantized activations. */
function run(rt: WasmRuntime, gemm: string, quantize: string, w: Int8Array, scales: Float32Array, bias: Float32Array | null, x: Float32Array, m: number, n: number, k: number, ldx: number) {
  const ex = rt.exports as unknown as Record<string, (...a: number[]) => number>;
  const kp = Math.ceil(k / 4) * 4;
  const s: Partial<Setup> = { rt };
  const blocks: number[] = [];
  const alloc = (bytes: number) => {
    const p = rt.alloc(Math.max(16, bytes));
    blocks.push(p);
    return p;
  };
  try {
    const src = alloc(w.length);
    new Int8Array(rt.memory.buffer, src, w.length).set(w);
    const sc = alloc(scales.length * 4);
    rt.f32(sc, scales.length).set(scales);
    s.packed = alloc(ex.qc8w_packw_size(n, k));
    ex.qc8w_packw(s.packed, src, sc, n, k, k);
    const xp = alloc(x.length * 4);
    rt.f32(xp, x.length).set(x);
    s.xq = alloc(m * kp);
    s.params = alloc(8);
    ex[quantize](s.xq, xp, m, k, ldx, kp, s.params);
    s.bias = bias ? alloc(n * 4) : 0;
    if (bias) rt.f32(s.bias, n).set(bias);
    // the output rows are n + 3 floats apart; the gap must stay untouched
    const ldc = n + 3;
    s.c = alloc(m * ldc * 4);
    rt.f32(s.c, m * ldc).fill(7);
    ex[gemm](s.c, s.xq, s.params, s.packed, s.bias, m, n, k, ldc);
    const all = rt.f32(s.c, m * ldc).slice();
    const out = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      out.set(all.subarray(i * ldc, i * ldc + n), i * n);
      for (let g = n; g < ldc; g++) expect(all[i * ldc + g], `gap after row ${i}`).toBe(7);
    }
    return {
      out,
      q: new Uint8Array(rt.memory.buffer, s.xq, m * kp).slice(),
      scale: rt.f32(s.params, 1)[0],
      zp: rt.i32(s.params + 4, 1)[0],
    };
  } finally {
    for (const p of blocks) rt.free(p);
  }
}

const MS = [1, 2, 3, 5];
const NS = [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 48, 65];
const KS = [1, 3, 4, 5, 8, 17, 64];

describe.each(builds)('int8 kernels [%s build]', (build) => {
  it('qd8_f32_qc8w_gemm and qd8_quantize_u7 equal the reference bit for bit at every edge size', async () => {
    const rt = await runtimeFor(build);
    const r = new Rng(7);
    for (const m of MS) {
      for (const n of NS) {
        for (const k of KS) {
          const w = randInt8(r, n * k);
          const scales = rand(r, n, 0.05).map(Math.abs);
          const bias = n % 2 ? rand(r, n) : null;
          const ldx = k + (m % 2);
          // activations with an offset so that the zero point is not always at an end
          const x = rand(r, m * ldx, 2).map((v) => v + (k % 3) - 1);
          const kp = Math.ceil(k / 4) * 4;
          const what = `m ${m} n ${n} k ${k}`;
          const ref = quantizeRef(x, m, k, ldx, kp);
          const want = gemmRef(ref, w, scales, bias, m, n, k, kp);
          const got = run(rt, 'qd8_f32_qc8w_gemm', 'qd8_quantize_u7', w, scales, bias, x, m, n, k, ldx);
          expect(got.q, `${what} quantized activations`).toEqual(ref.q);
          expect([got.scale, got.zp], `${what} scale and zero point`).toEqual([ref.scale, ref.zp]);
          expect(got.out, `${what} product`).toEqual(want);
        }
      }
    }
  });

  it('the relaxed build gives the same bits with the relaxed dot product and without', async () => {
    const rt = await runtimeFor(build);
    if (build !== 'relaxed') return;
    const ex = rt.exports;
    const usable = ex.qd8_relaxed_dot() === 1;
    const r = new Rng(8);
    const [m, n, k] = [3, 70, 37];
    const w = randInt8(r, n * k);
    const scales = rand(r, n, 0.05).map(Math.abs);
    const x = rand(r, m * k, 1);
    ex.qd8_set_relaxed_dot(0);
    const plain = run(rt, 'qd8_f32_qc8w_gemm', 'qd8_quantize_u7', w, scales, null, x, m, n, k, k).out;
    ex.qd8_set_relaxed_dot(usable ? 1 : 0);
    const chosen = run(rt, 'qd8_f32_qc8w_gemm', 'qd8_quantize_u7', w, scales, null, x, m, n, k, k).out;
    expect(chosen).toEqual(plain);
    // where the engine computes the instruction as the spec defines it, it was kept
    console.log(`relaxed i8 x i7 dot product on this engine: ${usable ? 'correct, used' : 'other semantics, replaced by dot_i16x8_s'}`);
  });

  it('non-finite activations make every output of the product non-finite', async () => {
    const rt = await runtimeFor(build);
    const r = new Rng(9);
    const [m, n, k] = [2, 9, 6];
    const w = randInt8(r, n * k);
    const scales = rand(r, n, 0.05).map(Math.abs);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = rand(r, m * k, 1);
      x[4] = bad;
      const got = run(rt, 'qd8_f32_qc8w_gemm', 'qd8_quantize_u7', w, scales, null, x, m, n, k, k).out;
      for (const v of got) expect(Number.isFinite(v), `x holds ${bad}`).toBe(false);
    }
  });
});
