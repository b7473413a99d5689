/**
 * The options of the recurrent layers (torch.nn.LSTM / GRU / RNN's), their validation, and the
 * model spec they describe; the checks of a forward call's lengths.
 */
import { RnnError, checkOptionKeys } from '../../base/errors.js';
import { type Tensor, checkTensor } from '../../base/tensor.js';
import type { CellKind, RecurrentSpec } from '../../base/spec.js';
import { type WeightFormat, checkWeightFormat } from '../../base/quantize.js';

export { checkWeightFormat };

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Use bias_ih / bias_hh (default true). */
  bias?: boolean;
  /** x and output are [B, T, *] instead of [T, B, *] (default false). h and c are not affected. */
  batchFirst?: boolean;
  /** Run a reverse direction too and concatenate (default false). */
  bidirectional?: boolean;
  /** Accepted for PyTorch compatibility, not applied (a train-mode forward computes what inference does). Must be in [0, 1). */
  dropout?: number;
  /** Seed of the initial weights (uniform in +-1/sqrt(hiddenSize), as PyTorch). Default: random. */
  seed?: number;
  /**
   * How the weight matrices are stored: 'f32' (default) or 'int8' (a scale per row, activations
   * quantized per call; docs/quantization.md). An int8 layer runs but does not train.
   */
  weights?: WeightFormat;
}

export interface LSTMOptions extends RecurrentOptions {
  /** LSTM projection size (0 = none, default); must be < hiddenSize. */
  projSize?: number;
}

export interface RNNOptions extends RecurrentOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Lengths of the sequences in a padded batch, one per batch item, each in [1, T]. */
export type Lengths = number[] | Int32Array | BigInt64Array | Tensor;

export interface ForwardOptions {
  /** [numLayers * D, B, P] (or [numLayers * D, P] for unbatched input); default zeros. */
  h0?: Tensor;
  /** LSTM only: [numLayers * D, B, H] (or [numLayers * D, H]); default zeros. */
  c0?: Tensor;
  /** Packed-sequence semantics: outputs past a length are 0, h/c taken at the last valid step. */
  lengths?: Lengths;
  /**
   * Where to write the output: a Float32Array of exactly T * B * D * P floats (the output's
   * size), which the result's `output.data` then is; calling forward again with the same array
   * reuses it, so a real-time loop allocates no output per call. It is written only once the
   * run has succeeded. Not a view of wasm memory (such as a step's `{ view: true }` output).
   */
  out?: Float32Array;
  /**
   * Also keep what `backward()` needs (the gates, states and, for GRU, recurrent products of
   * every step: docs/training.md). The result is the same as without it. Default false: nothing
   * is kept and inference runs as ever.
   */
  train?: boolean;
}

/** What `backward()` takes: gradients of the loss with respect to the last train-mode forward's results (each optional: zeros). */
export interface BackwardGradients {
  /** Shaped like the forward's output; values at padded positions (past `lengths`) are ignored. */
  output?: Tensor;
  /** Shaped like the forward's h. */
  h?: Tensor;
  /** LSTM only: shaped like the forward's c. */
  c?: Tensor;
}

/** What `backward()` returns: gradients with respect to the forward's inputs. */
export interface BackwardResult {
  /** Shaped like x (zeros at padded positions). */
  x: Tensor<Float32Array>;
  /** Shaped like h0 (also when no h0 was passed: the gradient of the zero initial state). */
  h0: Tensor<Float32Array>;
  /** LSTM only: shaped like c0. */
  c0?: Tensor<Float32Array>;
}

export interface ForwardResult {
  /** [T, B, D*P] ([B, T, D*P] if batchFirst, [T, D*P] if unbatched). */
  output: Tensor<Float32Array>;
  /** [numLayers * D, B, P] ([numLayers * D, P] if unbatched). */
  h: Tensor<Float32Array>;
  /** LSTM only: [numLayers * D, B, H]. */
  c?: Tensor<Float32Array>;
}

export interface LoadOptions {
  /** Only keys starting with this prefix are read, with the prefix removed (e.g. 'encoder.rnn.'). */
  prefix?: string;
  /** Reject keys the layer does not know (default true). */
  strict?: boolean;
}

export const FORWARD_KEYS = ['h0', 'c0', 'lengths', 'out', 'train'];
export const BACKWARD_KEYS = ['output', 'h', 'c'];
const COMMON_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'bidirectional', 'dropout', 'seed', 'weights'];



export function checkInt(v: unknown, name: string, min: number, layer: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new RnnError('INVALID_OPTION', `${layer}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

export function checkBool(v: unknown, name: string, dflt: boolean, layer: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new RnnError('INVALID_OPTION', `${layer}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/** A layer's options, validated: the spec it runs, its layout and its seed (undefined: none given). */
export interface LayerConfig {
  spec: RecurrentSpec;
  batchFirst: boolean;
  seed: number | undefined;
  format: WeightFormat;
}

/**
 * Checks the options of a layer of cell kind `cell` (`extraKeys`: the options its class adds to
 * the common ones; `kind` names it in errors) and returns what they describe.
 */
export function readOptions(cell: CellKind, options: RecurrentOptions & { projSize?: number }, extraKeys: readonly string[], kind: string): LayerConfig {
  if (options === null || typeof options !== 'object') {
    throw new RnnError('INVALID_OPTION', `${kind}: options must be an object with at least inputSize and hiddenSize`);
  }
  checkOptionKeys(options, [...COMMON_KEYS, ...extraKeys], kind);
  const inputSize = checkInt(options.inputSize, 'inputSize', 1, kind);
  const hiddenSize = checkInt(options.hiddenSize, 'hiddenSize', 1, kind);
  const numLayers = checkInt(options.numLayers ?? 1, 'numLayers', 1, kind);
  const bias = checkBool(options.bias, 'bias', true, kind);
  const batchFirst = checkBool(options.batchFirst, 'batchFirst', false, kind);
  const bidirectional = checkBool(options.bidirectional, 'bidirectional', false, kind);
  const projSize = checkInt(options.projSize ?? 0, 'projSize', 0, kind);
  if (projSize >= hiddenSize) {
    throw new RnnError('INVALID_OPTION', `${kind}: projSize must be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
  }
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
    throw new RnnError('INVALID_OPTION', `${kind}: dropout must be a number in [0, 1), got ${String(dropout)}`);
  }
  const seed = options.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
    throw new RnnError('INVALID_OPTION', `${kind}: seed must be a finite number, got ${String(seed)}`);
  }
  const spec: RecurrentSpec = { cell, inputSize, hiddenSize, projSize, numLayers, numDirections: bidirectional ? 2 : 1, bias };
  return { spec, batchFirst, seed, format: checkWeightFormat(options.weights, kind) };
}

/** `lengths` of a forward call as an Int32Array of `batch` values in [1, tLen]. */
export function checkLengths(v: Lengths, batch: number, tLen: number, what: string): Int32Array {
  let values: ArrayLike<number | bigint>;
  if (Array.isArray(v) || v instanceof Int32Array || v instanceof BigInt64Array) values = v;
  else if (v !== null && typeof v === 'object' && 'data' in v) {
    checkTensor(v, `${what}: lengths`);
    if (v.data instanceof Float32Array) throw new RnnError('INVALID_LENGTHS', `${what}: lengths must be integers, got a float32 tensor`);
    values = v.data;
  } else {
    throw new RnnError('INVALID_LENGTHS', `${what}: lengths must be an array, Int32Array, BigInt64Array or integer tensor, got ${typeof v}`);
  }
  if (values.length !== batch) {
    throw new RnnError('INVALID_LENGTHS', `${what}: lengths has ${values.length} entries, expected one per batch item (${batch})`);
  }
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const n = Number(values[b]);
    if (!Number.isInteger(n) || n < 1 || n > tLen) {
      throw new RnnError('INVALID_LENGTHS', `${what}: lengths[${b}] = ${String(values[b])} is outside [1, ${tLen}] (T = ${tLen})`);
    }
    out[b] = n;
  }
  return out;
}
