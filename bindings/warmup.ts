/**
 * Warm-up for cold start. V8 compiles wasm lazily with its baseline compiler (Liftoff) and moves a
 * function to its optimizing compiler (TurboFan) once the function has run enough (a budget of
 * "executed bytes" per function, 1.8 MB in Node 20's V8), compiling it on a background thread; a
 * call that is already running keeps its code, only later calls get the optimized one. A
 * layer's first forward is one long call of the input-projection GEMM and one of the cell's
 * time-loop driver, so in a fresh process they ran start to end in Liftoff code (W1: 11-16 ms,
 * against 4 for the second forward).
 *
 * warmUp runs the kernels of loading and of the forward on tiny problems, just enough calls to
 * use up their budget, when a large layer is built: TurboFan then compiles them while the layer
 * fills / reads and packs its weights. Small layers never call it, so callers who only run small
 * models pay nothing. It works in a block it allocates and frees, only when that block fits in
 * the memory already there (no memory.grow), so it changes neither the memory footprint nor any
 * state; each kernel is warmed once per runtime.
 */
import type { WasmRuntime } from './wasm.js';
import type { CellKind } from '../src/spec.js';

type Fn = (...args: number[]) => number;

/**
 * Packed weight bytes from which a layer warms its kernels up. A layer this large uses up the
 * GEMM's budget within a few time steps of its first forward anyway, so the optimizing compile
 * happens in any case; warming only moves it earlier.
 */
export const WARM_UP_BYTES = 256 * 1024;

const H = 8; // hidden size of the tiny problems
const K = 64;
const T = 50; // time steps per driver call
// calls of T steps that use up each driver's budget: V8 11.3 (Node 20) tiers up after 2, 3, 8 and
// 13-16 calls (seen with --trace-wasm-compilation-times); these are about 1.5x that
const DRIVER: Record<CellKind, [string, number]> = {
  lstm: ['lstm_recurrence', 3],
  gru: ['gru_recurrence', 5],
  rnn_tanh: ['rnn_tanh_recurrence', 12],
  rnn_relu: ['rnn_relu_recurrence', 24],
};

const warmed = new WeakMap<WasmRuntime, Set<string>>();

/**
 * Warms the kernels a layer of `cell` with W_hh [gh, ps] runs: the packers, the GEMM of the input
 * projection, the one of the recurrent product, the cell's driver.
 */
export function warmUp(rt: WasmRuntime, cell: CellKind, gh: number, ps: number): void {
  let done = warmed.get(rt);
  if (!done) warmed.set(rt, (done = new Set()));
  const f = rt.exports as unknown as Record<string, Fn>;
  const [driver, calls] = DRIVER[cell];
  // a W_hh of at most 1 MiB is read in 32-wide panels by f32_gemm_nr32 (recurrent_panel_width)
  const wide = (n: number, k: number) => f.recurrent_panel_width(n, k) === 32;
  const gemms: Array<[string, string]> = [['f32_gemm', 'x32_packw_x8']];
  if (wide(gh, ps)) gemms.push(['f32_gemm_nr32', 'x32_packw_x32']);
  const todo = gemms.filter(([g]) => !done.has(g));
  if (!todo.length && done.has(driver)) return;
  const N = 4 * H; // rows of W: enough for every cell's gates
  const floats = {
    w: N * K, // weights, also the GEMM's A
    packed: N * K,
    c: 4 * N,
    xproj: T * N,
    h: H,
    cell: H,
    out: H,
    scratch: f.recurrence_scratch_size(0, 1, H, H), // for LSTM, the cell with the most gates
  };
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
    for (const [g, p] of todo) {
      for (let i = 0; i < 16; i++) f[p](at.packed, at.w, N, K, K);
      for (let i = 0; i < 32; i++) f[g](at.c, at.w, at.packed, 0, 4, N, K, K, N); // tiers up after ~20
      done.add(g);
    }
    if (done.has(driver)) return;
    // the driver: T steps of one row, W_hh [G*H, H] packed as it reads it, all output rows
    // written to one place (ldo 0)
    (wide(N, H) ? f.x32_packw_x32 : f.x32_packw_x8)(at.packed, at.w, N, H, H);
    const run = f[driver];
    for (let i = 0; i < calls; i++) {
      rt.f32(at.h, 2 * H).fill(0);
      if (cell === 'lstm') run(at.xproj, at.packed, 0, at.h, at.cell, at.out, 0, T, 1, H, H, 0, 0, at.scratch);
      else if (cell === 'gru') run(at.xproj, at.packed, 0, at.h, at.out, 0, T, 1, H, 0, 0, at.scratch);
      else run(at.xproj, at.packed, at.h, at.out, 0, T, 1, H, 0, 0, at.scratch);
    }
    done.add(driver);
  } finally {
    rt.free(block);
  }
}
