/**
 * Keras files: Keras 3 `.keras` archives (a zip with config.json, metadata.json and
 * model.weights.h5) and Keras 2 `.h5` files (model_config attribute + model_weights group).
 * Both are read with wasm-rnn's own HDF5 reader (hdf5.ts) and zip reader (below).
 */
import { RnnError } from '../../base/errors.js';
import { type Writer } from './activations.js';
import { H5File } from './hdf5.js';
import { type KerasModel, type LoadLayersModelOptions, buildKerasModel, detectWriter } from './model.js';
import { type WeightMap, cleanName } from './weights.js';

function fail(msg: string): never {
  throw new RnnError('INVALID_FORMAT', `loadKerasModel: ${msg}`);
}

/** The members of a zip archive (stored entries only; Keras writes `.keras` files uncompressed). */
export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 65535); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('not a zip archive (no end of central directory)');
  const count = dv.getUint16(eocd + 10, true);
  const cdOff = dv.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) fail(`zip central directory entry ${i} is malformed`);
    const method = dv.getUint16(p + 10, true);
    const csize = dv.getUint32(p + 20, true);
    const usize = dv.getUint32(p + 24, true);
    const nlen = dv.getUint16(p + 28, true);
    const elen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    const lho = dv.getUint32(p + 42, true);
    if (p + 46 + nlen > bytes.length) fail('zip entry name runs past the end');
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nlen));
    p += 46 + nlen + elen + clen;
    if (csize === 0xffffffff || lho === 0xffffffff) throw new RnnError('UNSUPPORTED', `loadKerasModel: zip64 entry '${name}'`);
    if (lho + 30 > bytes.length || dv.getUint32(lho, true) !== 0x04034b50) fail(`zip local header of '${name}' is malformed`);
    const data = lho + 30 + dv.getUint16(lho + 26, true) + dv.getUint16(lho + 28, true);
    if (data + csize > bytes.length) fail(`zip entry '${name}' runs past the end`);
    if (method !== 0) {
      out.set(name, new Uint8Array(0));
      if (name === 'model.weights.h5' || name === 'config.json' || name === 'metadata.json') {
        throw new RnnError('UNSUPPORTED', `loadKerasModel: zip entry '${name}' is compressed (method ${method}); only stored entries are supported, as Keras writes them`);
      }
      continue;
    }
    if (csize !== usize) fail(`stored zip entry '${name}' has different sizes`);
    out.set(name, bytes.subarray(data, data + csize));
  }
  return out;
}

function parseJsonBytes(b: Uint8Array | undefined, what: string): Record<string, unknown> {
  if (!b) fail(`the archive has no ${what}`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(b));
  } catch (e) {
    fail(`${what} is not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Keras' naming.to_snake_case. */
export function toSnakeCase(name: string): string {
  let s = name.replace(/\W+/g, '');
  s = s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  s = s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return s;
}

const VAR_ROLES: Record<string, string[]> = {
  Dense: ['kernel', 'bias'],
  TimeDistributed: ['kernel', 'bias'],
  Embedding: ['embeddings'],
  LSTM: ['kernel', 'recurrent_kernel', 'bias'],
  GRU: ['kernel', 'recurrent_kernel', 'bias'],
  SimpleRNN: ['kernel', 'recurrent_kernel', 'bias'],
  Bidirectional: ['kernel', 'recurrent_kernel', 'bias'],
};

function f32(h5: H5File, path: string): { data: Float32Array; shape: number[] } {
  const v = h5.read(path);
  if (Array.isArray(v.value)) fail(`'${path}' holds strings, not numbers`);
  return { data: v.f32 ?? Float32Array.from(v.value as Float64Array), shape: v.shape };
}

/**
 * Keras 3 weights: `layers/<class in snake case>[_n]/.../vars/<i>`, addressed by class and
 * position in model.layers (Keras' own rule), named here `<layer>/<sub-path>/<role>`.
 */
function keras3Weights(h5: H5File, model: Record<string, unknown>): WeightMap {
  const cfg = model.config as Record<string, unknown> | undefined;
  const layers = Array.isArray(cfg?.layers) ? (cfg!.layers as unknown[]) : [];
  const map: WeightMap = new Map();
  const used = new Map<string, number>();
  const isSeq = model.class_name === 'Sequential';
  for (const l of layers) {
    if (l === null || typeof l !== 'object') continue;
    const { class_name: cls, config } = l as { class_name?: unknown; config?: Record<string, unknown> };
    if (typeof cls !== 'string') continue;
    if (isSeq && cls === 'InputLayer') continue; // Sequential.layers leaves out its InputLayer
    let key = toSnakeCase(cls);
    const n = used.get(key);
    used.set(key, n === undefined ? 0 : n + 1);
    if (n !== undefined) key = `${key}_${n + 1}`;
    const roles = VAR_ROLES[cls];
    const name = (l as { name?: unknown }).name ?? config?.name;
    if (!roles || typeof name !== 'string') continue;
    const root = `layers/${key}`;
    if (!h5.has(root)) continue;
    // every 'vars' group below the layer's group
    const stack: string[] = [root];
    let guard = 0;
    while (stack.length && guard++ < 1000) {
      const g = stack.pop()!;
      if (h5.isDataset(g)) continue;
      for (const k of h5.keys(g)) {
        const p = `${g}/${k}`;
        if (k === 'vars' && !h5.isDataset(p)) {
          const sub = g.slice(root.length + 1);
          for (const v of h5.keys(p)) {
            const i = Number(v);
            if (!Number.isInteger(i) || i < 0 || i >= roles.length) fail(`unexpected variable '${p}/${v}' for ${cls} '${name}'`);
            map.set([name, sub, roles[i]].filter((s) => s).join('/'), f32(h5, `${p}/${v}`));
          }
        } else stack.push(p);
      }
    }
  }
  return map;
}

function strings(v: { value: Float64Array | string[] } | undefined, what: string): string[] {
  if (!v || !Array.isArray(v.value)) fail(`${what} is missing or not a list of strings`);
  return v.value;
}

/** Keras 2 `.h5`: attribute names split as name0, name1, ... when large (save_attributes_to_hdf5_group). */
function listAttr(h5: H5File, path: string, name: string): string[] {
  const direct = h5.attr(path, name);
  if (direct) return strings(direct, `attribute '${name}' of '${path || '/'}'`);
  const out: string[] = [];
  for (let i = 0; h5.attrNames(path).includes(`${name}${i}`); i++) out.push(...strings(h5.attr(path, `${name}${i}`), `attribute '${name}${i}'`));
  return out;
}

function keras2Weights(h5: H5File): WeightMap {
  const map: WeightMap = new Map();
  const root = h5.has('model_weights') ? 'model_weights' : '';
  for (const layer of listAttr(h5, root, 'layer_names')) {
    const g = root ? `${root}/${layer}` : layer;
    for (const w of listAttr(h5, g, 'weight_names')) {
      const clean = cleanName(w);
      const key = clean.split('/')[0] === layer ? clean : `${layer}/${clean}`;
      map.set(key, f32(h5, `${g}/${w}`));
    }
  }
  return map;
}

function attrString(h5: H5File, name: string): string | undefined {
  const v = h5.attr('', name);
  if (!v) return undefined;
  if (!Array.isArray(v.value) || v.value.length !== 1) fail(`attribute '${name}' is not a string`);
  return v.value[0];
}

/**
 * Loads a Keras 3 `.keras` archive or a Keras 2 `.h5` model file (the bytes of the file).
 * Needs ready() when a recurrent layer takes the fast path.
 */
export function loadKerasModel(bytes: Uint8Array, options: LoadLayersModelOptions = {}): KerasModel {
  if (!(bytes instanceof Uint8Array)) throw new RnnError('INVALID_INPUT', 'loadKerasModel: expected the file bytes as a Uint8Array');
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    const zip = readZip(bytes);
    const config = parseJsonBytes(zip.get('config.json'), 'config.json');
    const meta = zip.has('metadata.json') ? parseJsonBytes(zip.get('metadata.json'), 'metadata.json') : {};
    const wbytes = zip.get('model.weights.h5');
    if (!wbytes) {
      if (zip.has('model.weights.npz')) throw new RnnError('UNSUPPORTED', 'loadKerasModel: npz weights are not supported (model.weights.h5 is)');
      fail('the archive has no model.weights.h5');
    }
    const det = detectWriter({ keras_version: meta.keras_version ?? '3.0' }, config);
    const writer: Writer = options.writer ?? det.writer;
    return buildKerasModel(config, keras3Weights(new H5File(wbytes), config), writer, det.version, options);
  }
  const h5 = new H5File(bytes);
  const mc = attrString(h5, 'model_config');
  if (mc === undefined) fail("the HDF5 file has no 'model_config' attribute (a weights-only file?)");
  let model: unknown;
  try {
    model = JSON.parse(mc);
  } catch (e) {
    fail(`model_config is not valid JSON (${(e as Error).message})`);
  }
  if (model === null || typeof model !== 'object') fail('model_config is not a JSON object');
  const kv = attrString(h5, 'keras_version') ?? '';
  const det = detectWriter({ keras_version: kv, backend: attrString(h5, 'backend') }, model as Record<string, unknown>);
  // Keras 3 can still write legacy .h5 files: its weights use the Keras 2 layout
  return buildKerasModel(model, keras2Weights(h5), options.writer ?? det.writer, det.version, options);
}
