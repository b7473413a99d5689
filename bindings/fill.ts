/**
 * Seeded weight initialisation in wasm: the same floats as Rng.fillUniform (base/random.ts),
 * continuing the same stream, made by the f32_fill_uniform kernel. In a fresh process the JS loop
 * runs in V8's interpreter until it is optimized on the stack, the kernel is compiled code from
 * its first call: several times faster for a layer's initial weights (docs/performance.md,
 * "Cold start").
 */
import type { WasmRuntime } from './wasm.js';
import type { Rng } from '../base/random.js';

// Floats per kernel call. V8 moves a wasm function to optimized code only for calls made after it
// has run enough (a running call keeps its code), so a large parameter is filled in several calls:
// the first two run in baseline code (Liftoff, about 2x slower here) and trigger the tier-up, the
// rest run optimized once the background compile is done.
const CHUNK = 16384;

/**
 * One Float32Array per entry of `lengths`, filled in order from `rng` with values uniform in
 * [-bound, bound); `rng` ends where the JS fill would have left it. Uses one temporary wasm block
 * (freed before returning, also on error). Throws OUT_OF_MEMORY, naming `what`, if even that
 * block does not fit; nothing is allocated then.
 */
export function fillUniform(rt: WasmRuntime, rng: Rng, lengths: readonly number[], bound: number, what: string): Float32Array[] {
  const fill = rt.exports.f32_fill_uniform;
  const most = lengths.reduce((m, n) => Math.max(m, n), 0);
  const block = rt.alloc(16 + most * 4, what);
  try {
    const state = new Uint32Array(4);
    rng.saveState(state);
    rt.i32(block, 4).set(state);
    const out = lengths.map((n) => {
      for (let i = 0; i < n; i += CHUNK) fill(block, block + 16 + i * 4, Math.min(CHUNK, n - i), bound);
      return rt.f32(block + 16, n).slice();
    });
    state.set(rt.i32(block, 4));
    rng.loadState(state);
    return out;
  } finally {
    rt.free(block);
  }
}
