/**
 * Test helpers: loading the real-PyTorch fixtures of test/fixtures/torch (written by
 * tools/gen_torch_fixtures.py) and comparing results.
 *
 * The fixture files are parsed here with a small self-contained safetensors reader, so the
 * reference tests do not depend on src/ at all, and the layer tests can check the public
 * readSafetensors() against it instead of trusting it.
 */
import { rng } from './common.js';
export { rng };
import { readFileSync, readdirSync } from 'node:fs';

export interface AnyTensor {
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
  shape: number[];
}
export interface F32Tensor {
  data: Float32Array;
  shape: number[];
}

export type ModuleKind = 'LSTM' | 'GRU' | 'RNN';

/** Layer options as the wasm-rnn constructors take them (what the fixture's config holds). */
export interface LayerConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  bidirectional: boolean;
  projSize?: number;
  nonlinearity?: 'tanh' | 'relu';
}

export interface Fixture {
  name: string;
  module: ModuleKind;
  config: LayerConfig;
  /** The module's state_dict under torch's keys (weight_ih_l0, ...). */
  stateDict: Record<string, F32Tensor>;
  x: F32Tensor;
  h0?: F32Tensor;
  c0?: F32Tensor;
  lengths?: number[];
  expected: { output: F32Tensor; h: F32Tensor; c?: F32Tensor };
  /** Raw file bytes (for checking the public safetensors reader). */
  bytes: Uint8Array;
  /** Every tensor of the file, including input.* and output.*. */
  tensors: Record<string, AnyTensor>;
  metadata: Record<string, string>;
}

const FIXTURE_DIR = new URL('../fixtures/torch/', import.meta.url);

/** Case names (file names without .safetensors), sorted. */
export function listFixtures(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => f.slice(0, -'.safetensors'.length))
    .sort();
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.safetensors`, FIXTURE_DIR)));
}

/** Minimal safetensors parser (F32, F64, I32, I64), independent of src/. */
export function parseSafetensors(bytes: Uint8Array): { tensors: Record<string, AnyTensor>; metadata: Record<string, string> } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const base = 8 + n;
  const tensors: Record<string, AnyTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [b, e] = data_offsets;
    // Copy into a fresh aligned buffer.
    const raw = bytes.slice(base + b, base + e);
    const ab = raw.buffer;
    let data: AnyTensor['data'];
    switch (dtype) {
      case 'F32': data = new Float32Array(ab); break;
      case 'F64': data = new Float64Array(ab); break;
      case 'I32': data = new Int32Array(ab); break;
      case 'I64': data = new BigInt64Array(ab); break;
      default: throw new Error(`${name}: unsupported dtype ${dtype}`);
    }
    const count = shape.reduce((a, d) => a * d, 1);
    if (data.length !== count) throw new Error(`${name}: shape ${JSON.stringify(shape)} vs ${data.length} elements`);
    tensors[name] = { data, shape: [...shape] };
  }
  return { tensors, metadata };
}

const fixtureCache = new Map<string, Fixture>();

export function loadFixture(name: string): Fixture {
  const hit = fixtureCache.get(name);
  if (hit) return hit;
  const bytes = fixtureBytes(name);
  const { tensors, metadata } = parseSafetensors(bytes);
  const f32 = (k: string): F32Tensor => {
    const t = tensors[k];
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`${name}: ${k} missing or not F32`);
    return t as F32Tensor;
  };
  const opt = (k: string): F32Tensor | undefined => (tensors[k] ? f32(k) : undefined);
  const stateDict: Record<string, F32Tensor> = {};
  for (const k of Object.keys(tensors)) if (!k.startsWith('input.') && !k.startsWith('output.')) stateDict[k] = f32(k);
  const module = metadata.module as ModuleKind;
  const lt = tensors['input.lengths'];
  const fx: Fixture = {
    name,
    module,
    config: JSON.parse(metadata.config) as LayerConfig,
    stateDict,
    x: f32('input.x'),
    h0: opt('input.h0'),
    c0: opt('input.c0'),
    lengths: lt ? Array.from(lt.data as BigInt64Array, Number) : undefined,
    expected: { output: f32('output.output'), h: f32('output.h'), c: opt('output.c') },
    bytes,
    tensors,
    metadata,
  };
  fixtureCache.set(name, fx);
  return fx;
}

/**
 * Max |a[i] - b[i]| over all elements. A NaN (or a differing infinity) on either side counts as
 * an infinite mismatch, so NaN never silently passes a `<= tol` check. Lengths must match.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue; // also equal infinities
    const d = Math.abs(x - y);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Index and values of the worst element, for failure messages. */
export function worstAt(a: ArrayLike<number>, b: ArrayLike<number>): { index: number; got: number; want: number; diff: number } {
  let best = { index: -1, got: NaN, want: NaN, diff: 0 };
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]);
    const dd = Number.isNaN(d) ? Infinity : d;
    if (dd > best.diff || best.index < 0) best = { index: i, got: a[i], want: b[i], diff: dd };
  }
  return best;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Max |v| (NaN -> Infinity). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (!(v <= m)) m = Number.isNaN(v) ? Infinity : v;
  }
  return m;
}

/**
 * The tolerance used for one expected tensor: `tol` absolute, scaled by the tensor's magnitude
 * when that exceeds 1 (tol * max(1, max|want|)). Every bounded output (tanh/sigmoid cells, |h| <= 1
 * without h0/projection) gets exactly `tol`; only unbounded results (RNN relu with large weights,
 * values up to ~1e5 where one float32 ulp is already ~1e-2) get a proportional bound.
 */
export function toleranceFor(want: ArrayLike<number>, tol: number): number {
  return tol * Math.max(1, maxAbs(want));
}

/**
 * Compares result tensors against expected ones (tolerance per tensor: toleranceFor). Returns the
 * max abs error over all of them, the max error relative to each tensor's magnitude
 * (err / max(1, max|want|)), and a description of every problem (shape mismatch, error above
 * tolerance) — empty when all is well.
 */
export function compareResults(
  got: Record<string, { data: ArrayLike<number>; shape: number[] } | undefined>,
  want: Record<string, { data: ArrayLike<number>; shape: number[] } | undefined>,
  tol: number,
): { maxErr: number; maxScaledErr: number; problems: string[]; perKey: Record<string, number> } {
  let maxErr = 0;
  let maxScaledErr = 0;
  const problems: string[] = [];
  const perKey: Record<string, number> = {};
  for (const [k, w] of Object.entries(want)) {
    if (!w) continue;
    const g = got[k];
    if (!g) {
      problems.push(`${k}: missing (expected shape [${w.shape}])`);
      maxErr = maxScaledErr = Infinity;
      continue;
    }
    if (!sameShape(g.shape, w.shape)) {
      problems.push(`${k}: shape [${g.shape}] != expected [${w.shape}]`);
      maxErr = maxScaledErr = Infinity;
      continue;
    }
    const e = maxAbsDiff(g.data, w.data);
    perKey[k] = e;
    if (e > maxErr) maxErr = e;
    const scale = Math.max(1, maxAbs(w.data));
    if (e / scale > maxScaledErr) maxScaledErr = e / scale;
    const t = tol * scale;
    if (!(e <= t)) {
      const wa = worstAt(g.data, w.data);
      problems.push(`${k}: max abs err ${e.toExponential(3)} > ${t.toExponential(3)} at flat index ${wa.index} (got ${wa.got}, expected ${wa.want})`);
    }
  }
  return { maxErr, maxScaledErr, problems, perKey };
}


/** Standard-normal-ish Float32Array of n values from `rand` (Box-Muller). */
export function randn(rand: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
