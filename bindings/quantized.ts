/**
 * int8 weights in wasm memory (docs/quantization.md): packing quantized matrices for
 * qd8_f32_qc8w_gemm and reading them back. (Whether the relaxed build may use the relaxed i8 x i7
 * dot product on this engine the kernel decides itself, at its first product.)
 */
import type { WasmRuntime } from './wasm.js';
import type { WasmBlocks } from './ownership.js';

/** Packs an int8 matrix [n, k] with a scale per row (qc8w_packw) into a block `blocks` owns; returns its address. */
export function packQc8w(rt: WasmRuntime, blocks: WasmBlocks, q: Int8Array, scales: Float32Array, n: number, k: number, what: string): number {
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
