/**
 * int8 weights with a scale per output row (docs/quantization.md): the quantization the
 * library applies to float32 matrices, and its inverse.
 */
import { RnnError } from './errors.js';
import { type Tensor, checkTensor, checkFloatTensor, checkShape } from './tensor.js';

/** How a layer's weight matrices are stored in wasm memory. */
export type WeightFormat = 'f32' | 'int8';

export const WEIGHT_FORMATS: readonly WeightFormat[] = ['f32', 'int8'];

/** The `weights` option of a layer or loader (`what` names it): a weight format, 'f32' when not given. */
export function checkWeightFormat(v: unknown, what: string): WeightFormat {
  if (v === undefined) return 'f32';
  if (typeof v !== 'string' || !(WEIGHT_FORMATS as readonly string[]).includes(v)) {
    throw new RnnError('INVALID_OPTION', `${what}: weights must be one of ${WEIGHT_FORMATS.map((f) => `'${f}'`).join(', ')}, got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  }
  return v as WeightFormat;
}

/** A row-major [N, K] int8 matrix and one scale per row: W[n, k] ~ q[n, k] * scales[n]. */
export interface QuantizedMatrix {
  q: Int8Array;
  scales: Float32Array;
}

/** Round half to even (what wasm's nearest does). */
function nearestEven(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d !== 0.5) return d < 0.5 ? fl : fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/**
 * Symmetric per-row quantization of a row-major [n, k] float32 matrix: scale = max |w| / 127
 * (float32), q = nearest(w / scale) in [-127, 127]; an all-zero row gets scale 0 and q 0.
 * Non-finite weights are refused by the caller (they have no int8 value).
 */
export function quantizeRows(w: Float32Array, n: number, k: number): QuantizedMatrix {
  const q = new Int8Array(n * k);
  const scales = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let amax = 0;
    for (let c = 0; c < k; c++) amax = Math.max(amax, Math.abs(w[r * k + c]));
    const scale = Math.fround(amax / 127);
    scales[r] = scale;
    if (scale === 0) continue;
    for (let c = 0; c < k; c++) q[r * k + c] = Math.max(-127, Math.min(127, nearestEven(Math.fround(w[r * k + c] / scale))));
  }
  return { q, scales };
}

/** The float32 values a quantized matrix stands for: q * scale, row by row. */
export function dequantizeRows(m: QuantizedMatrix, n: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) out[r * k + c] = m.q[r * k + c] * m.scales[r];
  return out;
}

/** Whether every row scale is finite and >= 0 (what an int8 matrix's scales must be). */
export function validScales(scales: Float32Array): boolean {
  return scales.every((v) => Number.isFinite(v) && v >= 0);
}

/** The state_dict key of the row scales of the int8 matrix stored under `name`. */
export function scaleKey(name: string): string {
  return `${name}.scale`;
}

/**
 * Matrix `key` [rows, cols] of a state_dict, as stored: a float32 tensor, or an int8 tensor with
 * its row scales under scaleKey(key) (float32 [rows], finite and >= 0; docs/quantization.md).
 * Typed errors name the key and what was expected.
 */
export function readMatrix(stateDict: Record<string, Tensor>, key: string, shape: readonly number[], what: string): Float32Array | QuantizedMatrix {
  const t = stateDict[key];
  checkTensor(t, `${what}: '${key}'`, true);
  checkShape(t, shape, `${what}: '${key}'`);
  if (!(t.data instanceof Int8Array)) {
    checkFloatTensor(t, `${what}: '${key}'`);
    return t.data;
  }
  const sk = scaleKey(key);
  if (!Object.prototype.hasOwnProperty.call(stateDict, sk)) throw new RnnError('MISSING_KEY', `${what}: missing key ${sk} (the row scales of the int8 '${key}')`);
  const s = stateDict[sk];
  checkFloatTensor(s, `${what}: '${sk}'`);
  checkShape(s, [shape[0]], `${what}: '${sk}'`);
  if (!validScales(s.data)) throw new RnnError('INVALID_INPUT', `${what}: '${sk}' holds a scale that is negative or not finite`);
  return { q: t.data, scales: s.data };
}

/** The keys a state_dict holding `names` (matrix or not) as stored uses: each int8 one adds its scales' key. */
export function storedKeys(stateDict: Record<string, Tensor>, names: readonly string[]): string[] {
  return names.flatMap((n) => (stateDict[n]?.data instanceof Int8Array ? [n, scaleKey(n)] : [n]));
}

/** `m` as float32 (dequantized) or as int8 (quantized per row), whichever `format` wants. */
export function matrixAs(m: Float32Array | QuantizedMatrix, format: WeightFormat, n: number, k: number): Float32Array | QuantizedMatrix {
  if (format === 'int8') return m instanceof Float32Array ? quantizeRows(m, n, k) : m;
  return m instanceof Float32Array ? m : dequantizeRows(m, n, k);
}
