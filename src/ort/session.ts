/**
 * InferenceSession of the onnxruntime-web-compatible entry: the part of onnxruntime's session API
 * that inference code calls (create, run, inputNames, outputNames, release), over loadOnnx.
 */
import { ready } from '../core.js';
import { RnnError } from '../../base/errors.js';
import { loadOnnx, type OnnxModel } from '../onnx/index.js';
import type { Tensor as PlainTensor, TensorData } from '../../base/tensor.js';
import { readModelSource } from './source.js';
import { Float16ArrayOf, Tensor, kindOf, type TensorDataType, type TensorType } from './tensor.js';
import { floatToHalfBits, halfToFloat } from '../../base/half.js';

/**
 * onnxruntime's session options. All are accepted; only `freeDimensionOverrides` changes what
 * loads (named input dims sized at load, loadOnnx's `freeDimensions`): wasm-rnn always runs the
 * whole graph on its own wasm, one thread, with its own load-time optimisations.
 */
export interface SessionOptions {
  freeDimensionOverrides?: Record<string, number>;
  executionProviders?: readonly unknown[];
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  [key: string]: unknown;
}

/** onnxruntime's run options (logging, tags, termination); accepted, not used. */
export interface RunOptions {
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  tag?: string;
  [key: string]: unknown;
}

/** An onnxruntime-like tensor: this entry's Tensor, or another implementation's with the same fields. */
export interface TensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

export type FeedsType = Record<string, TensorLike>;
/** Output names to compute, or an object whose keys name them (preallocated values are not written into). */
export type FetchesType = readonly string[] | Record<string, TensorLike | null>;
export type OutputsType = Record<string, Tensor>;

export interface ValueMetadata {
  name: string;
  isTensor: true;
  type: TensorType;
  /** Dims: numbers, symbolic names, or -1 where the model leaves them unnamed. */
  shape: (number | string)[];
}

export class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Name, type and declared shape of each input (onnxruntime >= 1.21 has this too). */
  readonly inputMetadata: readonly ValueMetadata[];
  /** Name, type and shape of each output: as declared, completed by wasm-rnn's shape inference at load. */
  readonly outputMetadata: readonly ValueMetadata[];
  private model: OnnxModel | undefined;
  /** Each input's and output's type by name (the metadata's), looked up by run(). */
  private readonly inputTypes: ReadonlyMap<string, string>;
  private readonly outputTypes: ReadonlyMap<string, string>;

  private constructor(model: OnnxModel) {
    this.model = model;
    this.inputNames = model.inputNames;
    this.outputNames = model.outputNames;
    const metadata = (i: { name: string; dtype: TensorType | undefined; declaredType?: TensorType; shape: (number | string | null)[] | undefined }): ValueMetadata => ({
      name: i.name,
      isTensor: true,
      type: i.declaredType ?? i.dtype ?? 'float32',
      shape: (i.shape ?? []).map((d) => (d === null ? -1 : d)),
    });
    this.inputMetadata = model.inputs.map(metadata);
    this.outputMetadata = model.outputs.map(metadata);
    this.inputTypes = new Map(this.inputMetadata.map((m) => [m.name, m.type]));
    this.outputTypes = new Map(this.outputMetadata.map((m) => [m.name, m.type]));
  }

  /**
   * Loads a model: its bytes (Uint8Array, or an ArrayBuffer with an optional byte range), or a URL
   * (fetched), or in Node a file path or file: URL. Resolves after wasm-rnn's ready().
   */
  static async create(model: string | Uint8Array | ArrayBufferLike, options?: SessionOptions): Promise<InferenceSession>;
  static async create(buffer: ArrayBufferLike, byteOffset: number, byteLength?: number, options?: SessionOptions): Promise<InferenceSession>;
  static async create(model: unknown, arg1?: unknown, arg2?: unknown, arg3?: unknown): Promise<InferenceSession> {
    let bytes: Uint8Array;
    let options: unknown = arg1;
    if (typeof model === 'string') bytes = await readModelSource(model);
    else if (model instanceof Uint8Array) bytes = model;
    else if (model instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && model instanceof SharedArrayBuffer)) {
      if (typeof arg1 === 'number') {
        if (arg2 !== undefined && typeof arg2 !== 'number') throw new RnnError('INVALID_OPTION', `InferenceSession.create: byteLength must be a number, got ${typeof arg2}`);
        if (!Number.isSafeInteger(arg1) || arg1 < 0 || arg1 > model.byteLength || (arg2 !== undefined && (!Number.isSafeInteger(arg2) || arg2 < 0 || arg1 + arg2 > model.byteLength))) {
          throw new RnnError('INVALID_OPTION', `InferenceSession.create: byte range ${arg1}+${arg2 ?? 'rest'} is outside the ${model.byteLength}-byte buffer`);
        }
        bytes = new Uint8Array(model, arg1, arg2 ?? model.byteLength - arg1);
        options = arg3;
      } else bytes = new Uint8Array(model);
    } else {
      throw new RnnError('INVALID_INPUT', `InferenceSession.create: expected the model as a Uint8Array, ArrayBuffer, URL or path, got ${kindOf(model)}`);
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new RnnError('INVALID_OPTION', `InferenceSession.create: options must be an object, got ${kindOf(options)}`);
    }
    await ready();
    return new InferenceSession(loadOnnx(bytes, { freeDimensions: (options as SessionOptions | undefined)?.freeDimensionOverrides }));
  }

  /**
   * Runs the model. `fetches` (names, or an object whose keys are names) picks the outputs;
   * without it every output is returned. A second argument that names no output is taken as
   * run options, as onnxruntime does.
   */
  async run(feeds: FeedsType, fetchesOrOptions?: FetchesType | RunOptions, _options?: RunOptions): Promise<OutputsType> {
    const model = this.model;
    if (!model) throw new RnnError('DISPOSED', 'InferenceSession.run: the session was released');
    const wanted = this.outputsWanted(fetchesOrOptions);
    if (feeds === null || typeof feeds !== 'object' || Array.isArray(feeds)) {
      throw new RnnError('INVALID_INPUT', `InferenceSession.run: feeds must be an object mapping input names to tensors, got ${kindOf(feeds)}`);
    }
    const inputs: Record<string, PlainTensor> = {};
    for (const [name, value] of Object.entries(feeds)) {
      const type = this.inputTypes.get(name);
      if (type === undefined) {
        throw new RnnError('INVALID_INPUT', `InferenceSession.run: '${name}' is not an input of the model; its inputs are ${this.inputNames.map((n) => `'${n}'`).join(', ') || '(none)'}`);
      }
      const t = asTensor(value, name);
      if (t.type !== type) {
        throw new RnnError('DTYPE_MISMATCH', `InferenceSession.run: input '${name}' must be of type ${type}, got ${t.type}`);
      }
      inputs[name] = plain(t);
    }
    const results = model.run(inputs);
    const out: OutputsType = {};
    for (const name of wanted) out[name] = fromPlain(results[name], this.outputTypes.get(name));
    return out;
  }

  /** Frees the model's wasm memory; later run() calls reject with DISPOSED. Idempotent. */
  async release(): Promise<void> {
    this.model?.dispose();
    this.model = undefined;
  }

  /** onnxruntime's profiling hooks: wasm-rnn has no profiler, so these do nothing. */
  startProfiling(): void {}
  endProfiling(): void {}

  private outputsWanted(arg: unknown): readonly string[] {
    if (arg === undefined) return this.outputNames;
    if (arg === null || typeof arg !== 'object') {
      throw new RnnError('INVALID_OPTION', `InferenceSession.run: the second argument must be output names, an object of them, or run options; got ${kindOf(arg)}`);
    }
    const check = (names: string[]) => {
      for (const n of names) {
        if (typeof n !== 'string' || !this.outputNames.includes(n)) {
          throw new RnnError('INVALID_INPUT', `InferenceSession.run: fetch ${JSON.stringify(n)} is not an output of the model; its outputs are ${this.outputNames.map((o) => `'${o}'`).join(', ')}`);
        }
      }
      return names;
    };
    if (Array.isArray(arg)) {
      if (arg.length === 0) throw new RnnError('INVALID_INPUT', 'InferenceSession.run: the fetches list is empty');
      return check(arg);
    }
    const named = Object.keys(arg).filter((k) => this.outputNames.includes(k));
    return named.length > 0 ? named : this.outputNames; // no output names: run options
  }
}

/** A feed as this entry's Tensor, validating tensors of other implementations. */
function asTensor(value: unknown, name: string): Tensor {
  if (value instanceof Tensor) return value;
  if (value === null || typeof value !== 'object' || !('type' in value) || !('data' in value) || !('dims' in value)) {
    throw new RnnError('INVALID_INPUT', `InferenceSession.run: input '${name}' must be a Tensor (type, data, dims), got ${kindOf(value)}`);
  }
  const v = value as TensorLike;
  return new Tensor(v.type as TensorType, v.data as Float32Array, v.dims);
}

/**
 * An ort Tensor as wasm-rnn's public tensor, in the dtype the executor holds it as: bool and the
 * integers narrower than 32 bits as Int32Array; float64 and float16 (binary16 bits, or a
 * Float16Array) as Float32Array, rounded; uint32 and uint64 as BigInt64Array (uint64 from 2^63 on
 * wraps, as the executor's int64 holds it).
 */
function plain(t: Tensor): PlainTensor {
  const d = t.data as TensorDataType | ArrayLike<number>;
  let data: TensorData;
  if (d instanceof Float32Array || d instanceof BigInt64Array || d instanceof Int32Array) data = d;
  else if (t.type === 'float16' && d instanceof Uint16Array) data = Float32Array.from(d, halfToFloat);
  else if (t.type === 'float16' || d instanceof Float64Array) data = Float32Array.from(d as ArrayLike<number>);
  else if (d instanceof Uint32Array) data = BigInt64Array.from(d, BigInt);
  else if (d instanceof BigUint64Array) data = BigInt64Array.from(d, (v) => BigInt.asIntN(64, v));
  else data = Int32Array.from(d as ArrayLike<number>);
  return { data, shape: t.dims.slice() };
}

/**
 * wasm-rnn's outputs as onnxruntime Tensors of the type the graph declares: bool, int8... (held as
 * Int32Array) in their own arrays; float64, float16 (a Float16Array where the engine has one, as
 * onnxruntime returns it, else binary16 bits), uint32 and uint64 from the dtype they are held as.
 */
function fromPlain(t: PlainTensor, declared: string | undefined): Tensor {
  if (t.data instanceof Int32Array && declared !== undefined && declared !== 'int32' && NARROW.has(declared)) {
    const type = declared as keyof typeof NARROW_ARRAY;
    return new Tensor(type, NARROW_ARRAY[type].from(t.data), t.shape);
  }
  if (t.data instanceof Float32Array && declared === 'float64') return new Tensor('float64', Float64Array.from(t.data), t.shape);
  if (t.data instanceof Float32Array && declared === 'float16') {
    return new Tensor('float16', Float16ArrayOf ? Float16ArrayOf.from(t.data) : Uint16Array.from(t.data, floatToHalfBits), t.shape);
  }
  if (t.data instanceof BigInt64Array && declared === 'uint32') return new Tensor('uint32', Uint32Array.from(t.data, (v) => Number(BigInt.asUintN(32, v))), t.shape);
  if (t.data instanceof BigInt64Array && declared === 'uint64') return new Tensor('uint64', BigUint64Array.from(t.data, (v) => BigInt.asUintN(64, v)), t.shape);
  const type: TensorType = t.data instanceof Float32Array ? 'float32' : t.data instanceof BigInt64Array ? 'int64' : 'int32';
  return new Tensor(type, t.data, t.shape);
}

const NARROW_ARRAY = { bool: Uint8Array, int16: Int16Array, int8: Int8Array, uint16: Uint16Array, uint8: Uint8Array };
const NARROW = new Set(Object.keys(NARROW_ARRAY));

/** The type names onnxruntime code refers to as InferenceSession.FeedsType etc. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace InferenceSession {
  export type { FeedsType, FetchesType, OutputsType as ReturnType, SessionOptions, RunOptions, ValueMetadata };
}
