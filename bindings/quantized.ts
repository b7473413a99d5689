/**
 * int8 weights in wasm memory (docs/quantization.md): packing quantized matrices for
 * qd8_f32_qc8w_gemm, and the probe that decides whether the relaxed build may use the relaxed
 * i8 x i7 dot product on this engine.
 */
import type { WasmRuntime } from './wasm.js';
import type { WasmBlocks } from './ownership.js';

const probed = new WeakMap<WasmRuntime, boolean>();

/**
 * Whether this runtime computes qd8_f32_qc8w_gemm with the relaxed dot product: in the relaxed
 * build, a product with negative weights and activations up to 127 (where the instruction is
 * deterministic by the spec) is compared with the scalar kernel; an engine that computes it
 * otherwise gets the plain SIMD kernel (qd8_set_relaxed_dot(0)). Once per runtime.
 */
export function probeRelaxedDot(rt: WasmRuntime): boolean {
  const known = probed.get(rt);
  if (known !== undefined) return known;
  let usable = false;
  if (rt.build === 'relaxed') {
    const ex = rt.exports;
    const [n, k] = [4, 8];
    const block = rt.alloc(ex.qc8w_packw_size(n, k) + 64 + 16 + 8 + 2 * n * 4, 'relaxed dot product probe');
    try {
      const packed = block;
      const src = packed + ex.qc8w_packw_size(n, k);
      const scales = src + 32;
      const xq = scales + 16;
      const params = xq + 16;
      const out = params + 8;
      const w = new Int8Array(rt.memory.buffer, src, n * k);
      for (let i = 0; i < n * k; i++) w[i] = ((i * 37) % 255) - 127;
      rt.f32(scales, n).fill(1);
      ex.qc8w_packw(packed, src, scales, n, k, k);
      const x = new Uint8Array(rt.memory.buffer, xq, k);
      for (let i = 0; i < k; i++) x[i] = 127 - ((i * 29) % 128);
      rt.f32(params, 1)[0] = 1;
      rt.i32(params + 4, 1)[0] = 0;
      ex.qd8_set_relaxed_dot(1);
      ex.qd8_f32_qc8w_gemm(out, xq, params, packed, 0, 1, n, k, n);
      ex.qd8_f32_qc8w_gemm__scalar(out + n * 4, xq, params, packed, 0, 1, n, k, n);
      const got = rt.f32(out, 2 * n);
      usable = got.subarray(0, n).every((v, i) => v === got[n + i]);
      ex.qd8_set_relaxed_dot(usable ? 1 : 0);
    } finally {
      rt.free(block);
    }
  }
  probed.set(rt, usable);
  return usable;
}

/**
 * Packs an int8 matrix [n, k] with a scale per row (qc8w_packw) into a block `blocks` owns;
 * returns its address. Probes the runtime's relaxed dot product first (probeRelaxedDot).
 */
export function packQc8w(rt: WasmRuntime, blocks: WasmBlocks, q: Int8Array, scales: Float32Array, n: number, k: number, what: string): number {
  probeRelaxedDot(rt);
  const ex = rt.exports;
  const dst = blocks.alloc(ex.qc8w_packw_size(n, k), what);
  const tmp = rt.alloc(q.length + scales.length * 4 + 16, `${what}: staging`);
  try {
    const sc = tmp + Math.ceil(q.length / 16) * 16;
    new Int8Array(rt.memory.buffer, tmp, q.length).set(q);
    rt.f32(sc, scales.length).set(scales);
    ex.qc8w_packw(dst, tmp, sc, n, k, k);
  } finally {
    rt.free(tmp);
  }
  return dst;
}

/** The int8 values and scales of a packed [n, k] qc8w block (what packQc8w was given). */
export function unpackQc8w(rt: WasmRuntime, ptr: number, n: number, k: number): { q: Int8Array; scales: Float32Array } {
  const np = Math.ceil(n / 32) * 32;
  const kp = Math.ceil(k / 4) * 4;
  const bytes = new Int8Array(rt.memory.buffer, ptr, np * kp);
  const q = new Int8Array(n * k);
  for (let row = 0; row < n; row++) {
    const panel = Math.floor(row / 32) * 32 * kp;
    const j = row % 32;
    for (let c = 0; c < k; c++) q[row * k + c] = bytes[panel + (c >> 2) * 128 + j * 4 + (c & 3)];
  }
  return { q, scales: rt.f32(ptr + np * kp, n).slice() };
}

/** Bytes of a packed [n, k] qc8w block. */
export function qc8wBytes(rt: WasmRuntime, n: number, k: number): number {
  return rt.exports.qc8w_packw_size(n, k);
}
