/**
 * Warm-up for cold start. V8 runs a wasm function in baseline code (Liftoff) until it has run
 * enough (its tier-up budget), then compiles it with TurboFan in the background; a call already
 * running keeps its code. warmUp runs the packers and the GEMM kernels of a large layer (the 4x8
 * tile of the input projection, the 1x32 kernel of the batch-1 recurrent product) on tiny
 * problems just past that budget when the layer is built, so the compile overlaps the packing and
 * the first forward starts on optimized GEMM code. The drivers and gate kernels are not warmed
 * (small loops of calls, they tier up inside the first forward). Measurements and what was tried:
 * docs/performance.md, "Cold start".
 *
 * Rules: only layers with at least WARM_UP_BYTES of packed weights warm up, only on engines where
 * it pays (WARM_UP_PAYS), each kernel once per runtime, in a block allocated and freed here and
 * only when it fits in the memory already there (no memory.grow): no footprint, no state changed.
 */
import type { Kernels } from './kernels.js';
import type { WasmRuntime } from './wasm.js';
import { layoutRegions } from './workspace.js';

/**
 * Packed weight bytes from which a layer warms its kernels up. A layer this large uses up the
 * GEMM's budget within a few time steps of its first forward anyway, so the optimizing compile
 * happens in any case; warming only moves it earlier.
 */
export const WARM_UP_BYTES = 256 * 1024;

/**
 * Whether warming up can pay in this engine: V8 up to 11.x (Node 18 and 20), whose tier-up budget
 * (1.8 MB of executed bytes) the warm-up calls use up. V8 12+ (Node 22+, current Chromium, Deno)
 * has a 13 MB budget: the same calls trigger nothing there, and reaching it would cost more
 * Liftoff time than it saves (docs/performance.md, "Cold start: bundled entries, the warm-up compile and fromStateDict"). Other engines:
 * no warm-up.
 */
export const WARM_UP_PAYS: boolean = (() => {
  const v8 = (globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8;
  const major = v8 ? Number.parseInt(v8, 10) : NaN;
  return major > 0 && major <= 11;
})();

const N = 32; // rows of W: one 32-wide panel (four 8-wide ones)
const K = 64;
const M = 4; // rows of A: one block of the 4x8 tile

type Gemm = 'f32_gemm' | 'f32_gemm_nr32';
type Packer = 'x32_packw_x8' | 'x32_packw_x32';

const warmed = new WeakMap<WasmRuntime, Set<Gemm>>();

/**
 * Warms the kernels a layer with W_hh [gh, ps] runs its GEMMs with: x32_packw_x8 + f32_gemm (input
 * projection, 4x8 tile), and for a W_hh read in 32-wide panels (recurrent_panel_width)
 * x32_packw_x32 + f32_gemm_nr32 with one row (the batch-1 recurrent product's 1x32 kernel).
 */
export function warmUp(rt: WasmRuntime, gh: number, ps: number): void {
  if (!WARM_UP_PAYS) return;
  let done = warmed.get(rt);
  if (!done) warmed.set(rt, (done = new Set()));
  const f: Kernels = rt.exports;
  // [gemm, packer, rows of A per call, calls]: about 1.5x the calls after which V8 11 starts the
  // optimizing compile (docs/performance.md, "Cold start: bundled entries, the warm-up compile and fromStateDict")
  const gemms: Array<[Gemm, Packer, number, number]> = [['f32_gemm', 'x32_packw_x8', M, 36]];
  if (f.recurrent_panel_width(gh, ps) === 32) gemms.push(['f32_gemm_nr32', 'x32_packw_x32', 1, 120]);
  const todo = gemms.filter(([g]) => !done.has(g));
  if (!todo.length) return;
  // W, its packed form, A, C
  const { offsets, bytes } = layoutRegions([N * K, N * K, M * K, M * N]);
  if (rt.memoryBytes - rt.heapTop < bytes) return; // not without growing the memory
  const block = rt.alloc(bytes, 'warm-up');
  try {
    const [w, packed, a, c] = offsets.map((o) => block + o);
    const all = rt.f32(block, bytes / 4);
    for (let i = 0; i < all.length; i++) all[i] = ((i * 7919) % 17) / 64 - 0.125; // small values, no denormals
    for (const [g, p, m, calls] of todo) {
      for (let i = 0; i < 16; i++) f[p](packed, w, N, K, K);
      for (let i = 0; i < calls; i++) f[g](c, a, packed, 0, m, N, K, K, N);
      done.add(g);
    }
  } finally {
    rt.free(block);
  }
}
