/** Shared helpers of the reliability tests: seeded RNG, the runtime's memory counters, gc. */
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'vitest';
import { RnnError, type RnnErrorCode } from '../../src/index.js';
import { runtime, type WasmRuntime } from '../../bindings/wasm.js';
import { rng, codeOf } from '../helpers/common.js';
export { rng, codeOf };
import { model } from '../onnx/encode.js';


/** n floats uniform in [-scale, scale) from `r`. */
export function randn(n: number, r: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}

export interface MemSnapshot {
  bytesInUse: number;
  liveBlocks: number;
  memoryBytes: number;
}

export function mem(rt: WasmRuntime = runtime()): MemSnapshot {
  return { bytesInUse: rt.bytesInUse, liveBlocks: rt.liveBlocks, memoryBytes: rt.memoryBytes };
}

/**
 * The engine's gc() without a command-line flag: V8 exposes it to contexts created after the
 * flag is set, so `vitest.config.ts` need not pass --expose-gc to every test file.
 */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Full gc, then a few macrotask turns so FinalizationRegistry callbacks get to run. */
export async function collect(gc: () => void, rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 0));
  }
}


export function expectCode(fn: () => unknown, code: RnnErrorCode, what = ''): void {
  expect(codeOf(fn), what).toBe(code);
}

/** Bitwise equality of two float arrays (NaN payloads and -0 included). */
export function expectBitwise(a: Float32Array, b: Float32Array, what = ''): void {
  expect(a.length, `${what} length`).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) expect.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]} (0x${ua[i].toString(16)} vs 0x${ub[i].toString(16)})`);
  }
}

/**
 * A one-node ONNX model (LSTM / GRU / RNN, forward, PyTorch's attribute set so it takes the fast
 * path) with seeded weights; input x is [T, B, I] with symbolic T and B.
 */
export function recurrentOnnx(op: 'LSTM' | 'GRU' | 'RNN', I: number, H: number, seed: number): Uint8Array {
  const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
  const r = rng(seed);
  const vals = (n: number) => Array.from(randn(n, r, 0.5));
  return model({
    opset: 14,
    nodes: [{
      op, name: op.toLowerCase(), inputs: ['x', 'W', 'R', 'B'], outputs: ['y', 'yh'],
      attrs: [{ name: 'hidden_size', i: H }, ...(op === 'GRU' ? [{ name: 'linear_before_reset', i: 1 }] : [])],
    }],
    inputs: [{ name: 'x', shape: ['T', 'B', I] }],
    initializers: [
      { name: 'W', dims: [1, G * H, I], data: vals(G * H * I) },
      { name: 'R', dims: [1, G * H, H], data: vals(G * H * H) },
      { name: 'B', dims: [1, 2 * G * H], data: vals(2 * G * H) },
    ],
    outputs: [{ name: 'y' }, { name: 'yh' }],
  });
}
