/**
 * Weights of a layers model: the TF.js weights manifest (groups of shards, each a list of
 * named tensors in byte order) decoded into a name -> tensor map, and the matching of a layer's
 * weights by layer name and the last part of the weight path (never by order).
 */
import { halfToFloat } from '../../base/half.js';
import { RnnError } from '../../base/errors.js';

export interface WTensor {
  data: Float32Array;
  shape: number[];
}

/** Full weight name (as written by the writer, ':0' suffix removed) -> tensor. */
export type WeightMap = Map<string, WTensor>;

const MAX_ELEMENTS = 2 ** 28;

function fail(msg: string): never {
  throw new RnnError('INVALID_FORMAT', `loadLayersModel: ${msg}`);
}

function checkShape(shape: unknown, what: string): number[] {
  if (!Array.isArray(shape) || shape.length > 8) fail(`${what}: shape must be an array of at most 8 dimensions, got ${JSON.stringify(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(`${what}: shape ${JSON.stringify(shape)} has a dimension that is not a non-negative integer`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new RnnError('OUT_OF_MEMORY', `loadLayersModel: ${what} has ${n} elements (limit ${MAX_ELEMENTS})`);
  return shape as number[];
}

/** Strips the ':0' that Keras 2 appends to variable names. */
export function cleanName(name: string): string {
  return name.replace(/:\d+$/, '');
}

/**
 * Decodes a weights manifest over the concatenated shard bytes. `weights` is one Uint8Array
 * (all shards) or an array with one entry per path of the manifest, in manifest order.
 */
export function decodeManifest(manifest: unknown, weights: Uint8Array | Uint8Array[] | ArrayBuffer): WeightMap {
  if (!Array.isArray(manifest)) fail(`weightsManifest must be an array of groups, got ${manifest === null ? 'null' : typeof manifest}`);
  let paths = 0;
  const specs: Array<{ name: string; shape: number[]; dtype: string; quant?: { dtype: string; scale: number; min: number } }> = [];
  Array.from(manifest).forEach((g, gi) => {
    if (g === null || typeof g !== 'object') fail(`weightsManifest[${gi}] is not an object`);
    const { paths: p, weights: w } = g as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(p) || p.some((x) => typeof x !== 'string')) fail(`weightsManifest[${gi}].paths must be an array of strings`);
    if (!Array.isArray(w)) fail(`weightsManifest[${gi}].weights must be an array`);
    paths += p.length;
    Array.from(w).forEach((s, si) => {
      const what = `weightsManifest[${gi}].weights[${si}]`;
      if (s === null || typeof s !== 'object') fail(`${what} is not an object`);
      const { name, shape, dtype, quantization } = s as Record<string, unknown>;
      if (typeof name !== 'string') fail(`${what}.name must be a string`);
      const dt = dtype ?? 'float32';
      if (dt !== 'float32' && dt !== 'int32') throw new RnnError('UNSUPPORTED', `loadLayersModel: weight '${name}' has dtype ${JSON.stringify(dt)} (float32 and int32 are supported)`);
      let quant: { dtype: string; scale: number; min: number } | undefined;
      if (quantization !== undefined && quantization !== null) {
        const q = quantization as Record<string, unknown>;
        if (typeof q !== 'object' || !['uint8', 'uint16', 'float16'].includes(q.dtype as string)) {
          throw new RnnError('UNSUPPORTED', `loadLayersModel: weight '${name}' has quantization ${JSON.stringify(quantization)} (uint8, uint16 and float16 are supported)`);
        }
        const scale = q.dtype === 'float16' ? 1 : q.scale;
        const min = q.dtype === 'float16' ? 0 : q.min;
        if (typeof scale !== 'number' || typeof min !== 'number' || !Number.isFinite(scale) || !Number.isFinite(min)) {
          fail(`weight '${name}': quantization needs finite numeric scale and min`);
        }
        quant = { dtype: q.dtype as string, scale, min };
      }
      specs.push({ name, shape: checkShape(shape, `weight '${name}'`), dtype: dt as string, quant });
    });
  });
  let bytes: Uint8Array;
  if (weights instanceof ArrayBuffer) bytes = new Uint8Array(weights);
  else if (weights instanceof Uint8Array) bytes = weights;
  else if (Array.isArray(weights)) {
    if (weights.length !== paths) fail(`weights has ${weights.length} shards but the manifest lists ${paths} paths`);
    let n = 0;
    for (const [i, s] of weights.entries()) {
      if (!(s instanceof Uint8Array)) fail(`weights[${i}] is not a Uint8Array`);
      n += s.length;
    }
    bytes = new Uint8Array(n);
    let o = 0;
    for (const s of weights) {
      bytes.set(s, o);
      o += s.length;
    }
  } else {
    throw new RnnError('INVALID_INPUT', `loadLayersModel: weights must be a Uint8Array (all shards) or an array of shards, got ${weights === null ? 'null' : typeof weights}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: WeightMap = new Map();
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const width = s.quant ? (s.quant.dtype === 'uint8' ? 1 : 2) : 4;
    if (off + n * width > bytes.length) fail(`weight data ends at byte ${bytes.length} but '${s.name}' needs bytes ${off}..${off + n * width}`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const p = off + i * width;
      if (!s.quant) data[i] = s.dtype === 'int32' ? view.getInt32(p, true) : view.getFloat32(p, true);
      else if (s.quant.dtype === 'float16') data[i] = halfToFloat(view.getUint16(p, true));
      else data[i] = (s.quant.dtype === 'uint8' ? view.getUint8(p) : view.getUint16(p, true)) * s.quant.scale + s.quant.min;
    }
    off += n * width;
    const key = cleanName(s.name);
    if (out.has(key)) fail(`weight '${s.name}' appears twice in the manifest`);
    out.set(key, { data, shape: s.shape });
  }
  if (off !== bytes.length) fail(`the manifest describes ${off} bytes of weights but ${bytes.length} were given`);
  return out;
}

/**
 * The weights of one layer: those whose first path part is the layer's name (or, failing that,
 * any path part), keyed by the rest of the path.
 */
export function layerWeights(all: WeightMap, layerName: string): Map<string, WTensor> {
  const mine = new Map<string, WTensor>();
  for (const [k, v] of all) {
    const parts = k.split('/');
    if (parts[0] === layerName) mine.set(parts.slice(1).join('/'), v);
  }
  if (mine.size) return mine;
  for (const [k, v] of all) {
    const parts = k.split('/');
    const i = parts.indexOf(layerName);
    if (i > 0) mine.set(parts.slice(i + 1).join('/'), v);
  }
  return mine;
}

/**
 * Picks a weight by its last path part (`kernel`, `recurrent_kernel`, `bias`, `embeddings`),
 * restricted to paths with a part starting with `scope` ('forward' / 'backward') when given.
 * Returns undefined when absent, INVALID_FORMAT when ambiguous or of the wrong shape.
 */
export function pick(
  mine: Map<string, WTensor>,
  role: string,
  shape: number[] | null,
  where: string,
  scope?: 'forward' | 'backward',
): WTensor | undefined {
  const hits: Array<[string, WTensor]> = [];
  for (const [k, v] of mine) {
    const parts = k.split('/');
    if (parts[parts.length - 1] !== role) continue;
    if (scope && !parts.slice(0, -1).some((p) => p.startsWith(scope))) continue;
    hits.push([k, v]);
  }
  if (hits.length > 1) fail(`${where}: more than one weight ends in '${role}'${scope ? ` under '${scope}*'` : ''}: ${hits.map((h) => h[0]).join(', ')}`);
  if (!hits.length) return undefined;
  const t = hits[0][1];
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new RnnError('SHAPE_MISMATCH', `${where}: weight '${hits[0][0]}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t;
}
