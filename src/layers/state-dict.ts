/**
 * PyTorch state_dicts of the recurrent layers: the names and shapes of a spec's parameters,
 * reading a state_dict into the canonical per-layer-direction parameters (base/spec.ts), and
 * writing them back under their names.
 */
import { RnnError } from '../../base/errors.js';
import { type Tensor, checkFloatTensor, checkShape } from '../../base/tensor.js';
import { type RecurrentSpec, type LayerDirParams, parameterShapes } from '../../base/spec.js';
import { type WeightFormat, type QuantizedMatrix, readMatrix, storedKeys, matrixAs, scaleKey } from '../../base/quantize.js';
import type { WasmRuntime } from '../../bindings/wasm.js';
import type { QuantizedLayerDirParams } from '../../bindings/recurrent.js';
import { checkBool, type LoadOptions } from './options.js';

/** Every parameter of `spec`: [layer-direction index, field, state_dict name, shape], in PyTorch's order. */
export function parameterList(spec: RecurrentSpec): Array<[number, keyof LayerDirParams, string, number[]]> {
  const out: Array<[number, keyof LayerDirParams, string, number[]]> = [];
  for (let l = 0; l < spec.numLayers; l++) {
    for (let d = 0; d < spec.numDirections; d++) {
      for (const [field, name, shape] of parameterShapes(spec, l, d)) out.push([l * spec.numDirections + d, field, name, shape]);
    }
  }
  return out;
}

/** Parameters in parameterList order (values[i] for entry i) grouped per layer-direction. */
export function groupParams(spec: RecurrentSpec, values: readonly Float32Array[]): LayerDirParams[] {
  const dirs: LayerDirParams[] = [];
  for (let i = 0; i < spec.numLayers * spec.numDirections; i++) {
    dirs.push({ wih: new Float32Array(0), whh: new Float32Array(0), bih: null, bhh: null, whr: null });
  }
  parameterList(spec).forEach(([i, field], k) => {
    dirs[i][field] = values[k];
  });
  return dirs;
}

/**
 * Checks every key, dtype and shape of a state_dict against `spec` (`what` names the caller in
 * errors) and returns its parameters in `format`: float32 (an int8 matrix given with its row
 * scales is dequantized) or int8 (a float32 matrix is quantized per row; an int8 one is taken as
 * it is). Changes nothing. The arrays are the caller's own (packing copies them), except views of
 * wasm memory, which are copied since packing may grow the memory and detach them.
 */
export function readStateDict(
  spec: RecurrentSpec, stateDict: Record<string, Tensor>, options: LoadOptions, what: string, rt: WasmRuntime, format: WeightFormat = 'f32',
): LayerDirParams[] | QuantizedLayerDirParams[] {
  if (stateDict === null || typeof stateDict !== 'object') {
    throw new RnnError('INVALID_INPUT', `${what}: expected an object of tensors, got ${String(stateDict)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new RnnError('INVALID_OPTION', `${what}: options must be an object`);
  }
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') {
    throw new RnnError('INVALID_OPTION', `${what}: prefix must be a string, got ${typeof prefix}`);
  }
  const strict = checkBool(options.strict, 'strict', true, what);
  const wanted = parameterList(spec);
  const missing = wanted.filter(([, , n]) => !Object.prototype.hasOwnProperty.call(stateDict, prefix + n)).map(([, , n]) => prefix + n);
  if (missing.length) {
    throw new RnnError('MISSING_KEY', `${what}: missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  if (strict) {
    const keys = new Set(storedKeys(stateDict, wanted.map(([, , n]) => prefix + n)));
    const unexpected = Object.keys(stateDict).filter((k) => k.startsWith(prefix) && !keys.has(k));
    if (unexpected.length) {
      throw new RnnError(
        'UNEXPECTED_KEY',
        `${what}: unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')} (pass { strict: false } to ignore)`,
      );
    }
  }
  const values = wanted.map(([, field, name, shape]) => {
    const key = prefix + name;
    if (field === 'wih' || field === 'whh' || field === 'whr') {
      const m = readMatrix(stateDict, key, shape, what);
      return matrixAs(m instanceof Float32Array ? rt.detachSafe(m) : m, format, shape[0], shape[1]);
    }
    const t = stateDict[key];
    checkFloatTensor(t, `${what}: '${key}'`);
    checkShape(t, shape, `${what}: '${key}'`);
    return rt.detachSafe(t.data);
  });
  const dirs: Array<Record<string, Float32Array | QuantizedMatrix | null>> = [];
  for (let i = 0; i < spec.numLayers * spec.numDirections; i++) dirs.push({ wih: null, whh: null, bih: null, bhh: null, whr: null });
  wanted.forEach(([i, field], k) => {
    dirs[i][field] = values[k];
  });
  return dirs as unknown as LayerDirParams[] | QuantizedLayerDirParams[];
}

/**
 * The parameters as stored, under their PyTorch names: int8 matrices (Int8Array) with their row
 * scales under scaleKey(name), float32 biases.
 */
export function writeQuantizedStateDict(spec: RecurrentSpec, params: (i: number) => QuantizedLayerDirParams): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  let current = -1;
  let p: QuantizedLayerDirParams | undefined;
  for (const [i, field, name, shape] of parameterList(spec)) {
    if (i !== current) [current, p] = [i, params(i)];
    const v = p![field]!;
    if (v instanceof Float32Array) {
      out[name] = { data: v, shape: [...shape] };
    } else {
      out[name] = { data: v.q, shape: [...shape] };
      out[scaleKey(name)] = { data: v.scales, shape: [shape[0]] };
    }
  }
  return out;
}

/** The parameters of every layer-direction (`params(i)`, i = l * D + d) under their PyTorch names, in PyTorch's order. */
export function writeStateDict(spec: RecurrentSpec, params: (i: number) => LayerDirParams): Record<string, Tensor<Float32Array>> {
  const out: Record<string, Tensor<Float32Array>> = {};
  let current = -1;
  let p: LayerDirParams | undefined;
  for (const [i, field, name, shape] of parameterList(spec)) {
    if (i !== current) [current, p] = [i, params(i)];
    out[name] = { data: p![field]!, shape: [...shape] };
  }
  return out;
}
