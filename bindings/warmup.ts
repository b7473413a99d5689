/**
 * Warm-up for cold start. V8 compiles wasm lazily with its baseline compiler (Liftoff) and moves a
 * function to its optimizing compiler (TurboFan) once the function has run enough (a budget of
 * "executed bytes" per function, 1.8 MB in Node 20's V8), compiling it on a background thread; a
 * call that is already running keeps its code, only later calls get the optimized one.
 *
 * warmUp runs the packers and the GEMM kernels a large layer uses (the 4x8 tile of the input
 * projection, the recurrent product's kernel) on tiny problems, just enough calls to use up
 * their budget, when the layer is built: TurboFan then compiles them while the layer fills /
 * reads and packs its weights, and its first forward starts on optimized GEMM code. The cell's
 * time-loop driver and gate kernel are not warmed: the driver is a small loop of calls, and the
 * gate kernel (called once per row and step) tiers up during the first forward by itself;
 * warming them on tiny problems cost 1-2 ms and gained nothing (docs/performance.md, cold start).
 *
 * Small layers never call it, so callers who only run small models pay nothing. It works in a
 * block it allocates and frees, only when that block fits in the memory already there (no
 * memory.grow), so it changes neither the memory footprint nor any state; each kernel is warmed
 * once per runtime.
 */
import type { WasmRuntime } from './wasm.js';

type Fn = (...args: number[]) => number;

/**
 * Packed weight bytes from which a layer warms its kernels up. A layer this large uses up the
 * GEMM's budget within a few time steps of its first forward anyway, so the optimizing compile
 * happens in any case; warming only moves it earlier.
 */
export const WARM_UP_BYTES = 256 * 1024;

/**
 * Whether warming up can pay in this engine: V8 up to 11.x (Node 18 and 20), whose tier-up budget
 * is 1.8 MB of executed bytes. V8 12+ (Node 22+, current Chromium, Deno) raised it to 13 MB, so
 * the same calls no longer trigger the optimizing compile and reaching it would cost the 7x longer
 * Liftoff run that warming is meant to avoid; there, and in other engines, warmUp does nothing.
 * Measured on this machine (fresh processes, core entry, LSTM.fromStateDict, first W1 result):
 * Node 20 19.9 -> 17.1 ms with the warm-up, Node 24 16.7 -> 18.2 ms, hence the gate.
 */
export const WARM_UP_PAYS: boolean = (() => {
  const v8 = (globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8;
  const major = v8 ? Number.parseInt(v8, 10) : NaN;
  return major > 0 && major <= 11;
})();

const N = 32; // rows of W: one 32-wide panel (four 8-wide ones)
const K = 64;
const M = 4; // rows of A: one block of the 4x8 tile

const warmed = new WeakMap<WasmRuntime, Set<string>>();

/**
 * Warms the kernels a layer with W_hh [gh, ps] runs its GEMMs with: x32_packw_x8 + f32_gemm (input
 * projection, 4x8 tile), and for a W_hh read in 32-wide panels (recurrent_panel_width)
 * x32_packw_x32 + f32_gemm_nr32 with one row (the batch-1 recurrent product's 1x32 kernel).
 */
export function warmUp(rt: WasmRuntime, gh: number, ps: number): void {
  if (!WARM_UP_PAYS) return;
  let done = warmed.get(rt);
  if (!done) warmed.set(rt, (done = new Set()));
  const f = rt.exports as unknown as Record<string, Fn>;
  // [gemm, packer, rows of A per call, calls]: about 1.5x the calls after which Node 20's V8
  // starts the optimizing compile (--trace-wasm-compilation-times): the 4x8 tile after 21-24
  // calls of 4 x 32 x 64, f32_gemm_nr32 (with the 1x32 kernel inlined) after 73-80 of 1 x 32 x 64
  const gemms: Array<[string, string, number, number]> = [['f32_gemm', 'x32_packw_x8', M, 36]];
  if (f.recurrent_panel_width(gh, ps) === 32) gemms.push(['f32_gemm_nr32', 'x32_packw_x32', 1, 120]);
  const todo = gemms.filter(([g]) => !done.has(g));
  if (!todo.length) return;
  const floats = { w: N * K, packed: N * K, a: M * K, c: M * N };
  let bytes = 0;
  const at = {} as Record<keyof typeof floats, number>;
  for (const k of Object.keys(floats) as Array<keyof typeof floats>) {
    at[k] = bytes;
    bytes += Math.ceil(floats[k] / 4) * 16;
  }
  if (rt.memoryBytes - rt.heapTop < bytes) return; // not without growing the memory
  const block = rt.alloc(bytes, 'warm-up');
  try {
    for (const k of Object.keys(at) as Array<keyof typeof floats>) at[k] += block;
    const all = rt.f32(block, bytes / 4);
    for (let i = 0; i < all.length; i++) all[i] = ((i * 7919) % 17) / 64 - 0.125; // small values, no denormals
    for (const [g, p, m, calls] of todo) {
      for (let i = 0; i < 16; i++) f[p](at.packed, at.w, N, K, K);
      for (let i = 0; i < calls; i++) f[g](at.c, at.a, at.packed, 0, m, N, K, K, N);
      done.add(g);
    }
  } finally {
    rt.free(block);
  }
}
