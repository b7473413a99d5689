// Helpers for kernel tests: load each build the engine supports, move arrays in and out of wasm
// memory, seeded random data, and error measures against float64 references.
import { instantiate, supportedBuilds, type WasmRuntime, type BuildName } from '../../bindings/wasm.js';
import { Rng } from '../../base/random.js';

export type Kernel = (...args: number[]) => void;

export const builds: BuildName[] = supportedBuilds();

const cache = new Map<string, Promise<WasmRuntime>>();
/**
 * A runtime of `build`'s test build (build/<name>-ref.wasm: the inference build's exports and the
 * kernels' `__scalar` references, assembly/references.ts), or of its training build with
 * `training` (which has the references too).
 */
export function runtimeFor(build: BuildName, training = false): Promise<WasmRuntime> {
  const key = `${build}${training ? '-train' : ''}`;
  let p = cache.get(key);
  if (!p) cache.set(key, (p = training ? instantiate({ build, training }) : instantiate({ build, url: referenceBuildUrl(build) })));
  return p;
}

/** The test build of `build`. */
export function referenceBuildUrl(build: BuildName): URL {
  return new URL(`../../build/${build}-ref.wasm`, import.meta.url);
}

export function kernel(rt: WasmRuntime, name: string): Kernel {
  const f = (rt.exports as unknown as Record<string, unknown>)[name] ?? (rt.isTraining ? (rt.training('test') as unknown as Record<string, unknown>)[name] : undefined);
  if (typeof f !== 'function') throw new Error(`build ${rt.build} has no export ${name}`);
  return f as Kernel;
}

/** Copies `data` into a fresh wasm block with `guard` extra floats set to a sentinel after it. */
export function put(rt: WasmRuntime, data: Float32Array, guard = 8): number {
  const ptr = rt.alloc((data.length + guard) * 4);
  const v = rt.f32(ptr, data.length + guard);
  v.set(data);
  v.fill(GUARD, data.length);
  return ptr;
}

/** A wasm block of n floats filled with the sentinel, plus `guard` more. */
export function blank(rt: WasmRuntime, n: number, guard = 8): number {
  const ptr = rt.alloc((n + guard) * 4);
  rt.f32(ptr, n + guard).fill(GUARD);
  return ptr;
}

export const GUARD = -12345.5;

export function get(rt: WasmRuntime, ptr: number, n: number): Float32Array {
  return rt.f32(ptr, n).slice();
}

export function rand(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r.next();
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > m) m = d;
  }
  return m;
}

export const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));
