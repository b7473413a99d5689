/**
 * LSTM, GRU and RNN layers mirroring torch.nn.LSTM / GRU / RNN: the same options, parameter
 * names, gate order, equations and tensor shapes. This module validates everything a caller
 * passes (options, state_dicts, inputs) and turns it into the plain model spec; the packing and
 * the kernel calls live in bindings/recurrent.ts.
 */
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkFloatTensor, checkShape, checkTensor, numel } from '../../base/tensor.js';
import { type RecurrentSpec, type LayerDirParams, type CellKind, parameterShapes, outputSize, gateCount } from '../../base/spec.js';
import { Rng, randomSeed } from '../../base/random.js';
import { runtime, MAX_MEMORY_BYTES, type WasmRuntime } from '../../bindings/wasm.js';
import { PackedRecurrent, StreamState } from '../../bindings/recurrent.js';
import { fillUniform } from '../../bindings/fill.js';
import { warmUp, WARM_UP_BYTES } from '../../bindings/warmup.js';

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
  /** Accepted for PyTorch compatibility; inference ignores dropout. Must be in [0, 1). */
  dropout?: number;
  /** Seed of the initial weights (uniform in +-1/sqrt(hiddenSize), as PyTorch). Default: random. */
  seed?: number;
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

const FORWARD_KEYS = ['h0', 'c0', 'lengths', 'out'];
const COMMON_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'bidirectional', 'dropout', 'seed'];

function checkInt(v: unknown, name: string, min: number, layer: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new RnnError('INVALID_OPTION', `${layer}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

function checkBool(v: unknown, name: string, dflt: boolean, layer: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new RnnError('INVALID_OPTION', `${layer}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/**
 * What a layer owns in wasm memory: its packed weights and the streams of its states. It holds
 * no reference to the layer or its states, so it can be the held value of the finalizers below.
 */
interface Owned {
  packed: PackedRecurrent | null;
  streams: Set<StreamState>;
}

function freeOwned(o: Owned): void {
  for (const s of o.streams) s.dispose();
  o.streams.clear();
  o.packed?.dispose();
  o.packed = null;
}

// frees the wasm memory of layers that were never disposed (weights and every state's stream),
// once they are unreachable
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Owned>(freeOwned) : undefined;

// frees the stream of a state that was never disposed, once the state is unreachable (its layer
// may live on: the layer keeps the stream, never the state)
const stateFinalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ stream: StreamState; streams: Set<StreamState> }>(({ stream, streams }) => {
        if (streams.delete(stream)) stream.dispose();
      })
    : undefined;

/**
 * Weights handed to the constructor by a static fromStateDict, for the duration of that one
 * `new`: the constructor then installs them instead of making seeded random ones.
 */
let givenWeights: { stateDict: Record<string, Tensor>; options: LoadOptions; what: string } | undefined;

function withWeights<T>(stateDict: Record<string, Tensor>, options: LoadOptions | undefined, what: string, make: () => T): T {
  givenWeights = { stateDict, options: options === undefined ? {} : options, what };
  try {
    return make();
  } finally {
    givenWeights = undefined;
  }
}

/** Biases stay in JS (b_ih + b_hh are packed as one sum); the matrices only in wasm memory. */
const isBias = (field: keyof LayerDirParams): field is 'bih' | 'bhh' => field === 'bih' || field === 'bhh';

/** Common machinery of LSTM, GRU and RNN. */
export abstract class RecurrentLayer {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /** The plain model spec this layer runs. */
  readonly spec: RecurrentSpec;
  /**
   * The biases under their state_dict names (copies). The weight matrices are not kept in JS:
   * stateDict() reads them back from the packed panels, so a model's weights live once, in wasm
   * memory (docs/design.md, "Where the weights live").
   */
  private biases: Map<string, Float32Array> = new Map();
  private readonly owned: Owned = { packed: null, streams: new Set() };
  private disposed = false;
  private readonly rt: WasmRuntime;
  protected abstract readonly kind: string;

  protected constructor(cell: CellKind, options: RecurrentOptions & { projSize?: number }, extraKeys: string[], kind: string) {
    const given = givenWeights;
    givenWeights = undefined;
    if (options === null || typeof options !== 'object') {
      throw new RnnError('INVALID_OPTION', `${kind}: options must be an object with at least inputSize and hiddenSize`);
    }
    checkOptionKeys(options, [...COMMON_KEYS, ...extraKeys], kind);
    this.inputSize = checkInt(options.inputSize, 'inputSize', 1, kind);
    this.hiddenSize = checkInt(options.hiddenSize, 'hiddenSize', 1, kind);
    this.numLayers = checkInt(options.numLayers ?? 1, 'numLayers', 1, kind);
    this.bias = checkBool(options.bias, 'bias', true, kind);
    this.batchFirst = checkBool(options.batchFirst, 'batchFirst', false, kind);
    this.bidirectional = checkBool(options.bidirectional, 'bidirectional', false, kind);
    this.projSize = checkInt(options.projSize ?? 0, 'projSize', 0, kind);
    if (this.projSize >= this.hiddenSize) {
      throw new RnnError('INVALID_OPTION', `${kind}: projSize must be smaller than hiddenSize (${this.hiddenSize}), got ${this.projSize}`);
    }
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
      throw new RnnError('INVALID_OPTION', `${kind}: dropout must be a number in [0, 1), got ${String(dropout)}`);
    }
    const seed = options.seed ?? (given ? 0 : randomSeed());
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new RnnError('INVALID_OPTION', `${kind}: seed must be a finite number, got ${String(seed)}`);
    }
    this.rt = runtime();
    this.spec = {
      cell,
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      projSize: this.projSize,
      numLayers: this.numLayers,
      numDirections: this.bidirectional ? 2 : 1,
      bias: this.bias,
    };
    // refuse a model that cannot fit before making gigabytes of JS arrays for it
    const need = PackedRecurrent.packedBytes(this.spec);
    if (need > MAX_MEMORY_BYTES - this.rt.bytesInUse) {
      throw new RnnError(
        'OUT_OF_MEMORY',
        `${kind}: the weights need ${need} bytes of wasm memory, more than the ${MAX_MEMORY_BYTES - this.rt.bytesInUse} left (limit ${MAX_MEMORY_BYTES}); cannot allocate`,
      );
    }
    // a large layer's first forward would run in V8's baseline code: start the optimizing
    // compile of its kernels in the background before packing (bindings/warmup.ts; no state or
    // memory change). For fromStateDict only once the weights are known to be valid.
    const warm = () => {
      if (need >= WARM_UP_BYTES) warmUp(this.rt, gateCount(cell) * this.hiddenSize, outputSize(this.spec));
    };
    if (given) {
      // fromStateDict: validated completely (readStateDict) before anything is allocated
      const params = this.readStateDict(given.stateDict, given.options, given.what);
      warm();
      this.install(params);
      return;
    }
    warm();
    // PyTorch's reset_parameters: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)]
    // made in wasm (bindings/fill.ts: the same floats as Rng.fillUniform, but compiled code in a
    // cold process, where the JS loop would run in the interpreter)
    const list = this.parameterList();
    const sizes = list.map(([, , shape]) => numel(shape));
    const values = fillUniform(this.rt, new Rng(seed), sizes, 1 / Math.sqrt(this.hiddenSize), `${kind}: initial weights`);
    const params = new Map<string, Float32Array>();
    list.forEach(([, name], i) => params.set(name, values[i]));
    this.install(params);
  }

  /** Every parameter of this layer: [field, state_dict name, shape], in PyTorch's order. */
  private parameterList(): Array<[keyof LayerDirParams, string, number[]]> {
    const out: Array<[keyof LayerDirParams, string, number[]]> = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < this.spec.numDirections; d++) out.push(...parameterShapes(this.spec, l, d));
    }
    return out;
  }

  /** Packs a complete, validated parameter set; the old one stays if packing fails. */
  private install(params: Map<string, Float32Array>): void {
    const nd = this.spec.numDirections;
    const dirs: LayerDirParams[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < nd; d++) {
        const p: LayerDirParams = { wih: new Float32Array(0), whh: new Float32Array(0), bih: null, bhh: null, whr: null };
        for (const [field, name] of parameterShapes(this.spec, l, d)) p[field] = params.get(name)!;
        dirs.push(p);
      }
    }
    const packed = new PackedRecurrent(this.rt, this.spec, dirs);
    const biases = new Map<string, Float32Array>();
    for (const [field, name] of this.parameterList()) {
      if (isBias(field)) biases.set(name, params.get(name)!.slice());
    }
    const old = this.owned.packed;
    this.owned.packed = packed;
    this.biases = biases;
    if (old) old.dispose();
    else finalizer?.register(this, this.owned, this);
  }

  private alive(): PackedRecurrent {
    const packed = this.owned.packed;
    if (this.disposed || !packed) throw new RnnError('DISPOSED', `${this.kind}: used after dispose()`);
    return packed;
  }

  /**
   * Loads PyTorch parameters by their state_dict names (weight_ih_l0, bias_hh_l1_reverse, ...).
   * Every key and shape is checked before anything changes: on error the layer keeps its
   * previous weights. Float tensors must be float32 (readSafetensors converts F16/BF16/F64).
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: LoadOptions = {}): this {
    this.alive();
    this.install(this.readStateDict(stateDict, options, `${this.kind}.loadStateDict`));
    return this;
  }

  /**
   * Checks every key, dtype and shape of a state_dict against this layer (`what` names the
   * caller in errors) and returns its parameters; changes nothing. The arrays are the caller's
   * own (install copies what it keeps), except views of wasm memory, which are copied since
   * packing may grow the memory and detach them.
   */
  private readStateDict(stateDict: Record<string, Tensor>, options: LoadOptions, what: string): Map<string, Float32Array> {
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
    const wanted = this.parameterList();
    const names = new Set(wanted.map(([, n]) => n));
    const missing = wanted.filter(([, n]) => !Object.prototype.hasOwnProperty.call(stateDict, prefix + n)).map(([, n]) => prefix + n);
    if (missing.length) {
      throw new RnnError('MISSING_KEY', `${what}: missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    }
    if (strict) {
      const unexpected = Object.keys(stateDict).filter((k) => k.startsWith(prefix) && !names.has(k.slice(prefix.length)));
      if (unexpected.length) {
        throw new RnnError(
          'UNEXPECTED_KEY',
          `${what}: unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')} (pass { strict: false } to ignore)`,
        );
      }
    }
    const params = new Map<string, Float32Array>();
    for (const [, name, shape] of wanted) {
      const t = stateDict[prefix + name];
      checkFloatTensor(t, `${what}: '${prefix + name}'`);
      checkShape(t, shape, `${what}: '${prefix + name}'`);
      params.set(name, this.rt.detachSafe(t.data));
    }
    return params;
  }

  /** The parameters under their PyTorch names, in PyTorch's order (new arrays). */
  stateDict(): Record<string, Tensor<Float32Array>> {
    const packed = this.alive();
    const out: Record<string, Tensor<Float32Array>> = {};
    const nd = this.spec.numDirections;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < nd; d++) {
        const matrices = packed.readMatrices(l * nd + d);
        for (const [field, name, shape] of parameterShapes(this.spec, l, d)) {
          const data = isBias(field) ? this.biases.get(name)!.slice() : matrices[field]!;
          out[name] = { data, shape: [...shape] };
        }
      }
    }
    return out;
  }

  /** Every parameter's state_dict name and shape, in PyTorch's order (what stateDict() returns, without the data). */
  parameterShapes(): Array<[string, number[]]> {
    return this.parameterList().map(([, name, shape]) => [name, [...shape]]);
  }

  /** Runs the whole sequence. Synchronous; needs ready() to have resolved before construction. */
  forward(x: Tensor, options: ForwardOptions = {}): ForwardResult {
    const packed = this.alive();
    const what = `${this.kind}.forward`;
    checkFloatTensor(x, `${what}: x`);
    const rank = x.shape.length;
    if (rank !== 2 && rank !== 3) {
      throw new RnnError('INVALID_INPUT', `${what}: x must be 3-D ${this.batchFirst ? '[B, T, I]' : '[T, B, I]'} or 2-D unbatched [T, I], got shape ${fmtShape(x.shape)}`);
    }
    const batched = rank === 3;
    const tLen = batched ? x.shape[this.batchFirst ? 1 : 0] : x.shape[0];
    const batch = batched ? x.shape[this.batchFirst ? 0 : 1] : 1;
    const inSize = x.shape[rank - 1];
    if (inSize !== this.inputSize) {
      throw new RnnError('SHAPE_MISMATCH', `${what}: x has input size ${inSize} (shape ${fmtShape(x.shape)}), expected inputSize ${this.inputSize}`);
    }
    if (tLen < 1 || batch < 1) {
      throw new RnnError('INVALID_INPUT', `${what}: x must have at least one time step and one batch item, got shape ${fmtShape(x.shape)}`);
    }
    if (options === null || typeof options !== 'object') {
      throw new RnnError('INVALID_OPTION', `${what}: options must be an object`);
    }
    checkOptionKeys(options, FORWARD_KEYS, what);
    const ld = this.numLayers * this.spec.numDirections;
    const ps = outputSize(this.spec);
    const stateShape = (width: number) => (batched ? [ld, batch, width] : [ld, width]);
    let h0: Float32Array | null = null;
    let c0: Float32Array | null = null;
    if (options.h0 !== undefined) {
      checkFloatTensor(options.h0, `${what}: h0`);
      checkShape(options.h0, stateShape(ps), `${what}: h0`);
      h0 = options.h0.data;
    }
    if (options.c0 !== undefined) {
      if (this.spec.cell !== 'lstm') throw new RnnError('INVALID_OPTION', `${what}: c0 is only for LSTM`);
      checkFloatTensor(options.c0, `${what}: c0`);
      checkShape(options.c0, stateShape(this.hiddenSize), `${what}: c0`);
      c0 = options.c0.data;
    }
    const lengths = options.lengths === undefined ? null : checkLengths(options.lengths, batch, tLen, what);
    const od = this.spec.numDirections * ps;
    let out: Float32Array | null = null;
    if (options.out !== undefined) {
      if (!(options.out instanceof Float32Array)) {
        const got = options.out === null ? 'null' : typeof options.out === 'object' ? (options.out as object).constructor?.name ?? 'object' : typeof options.out;
        throw new RnnError('INVALID_OPTION', `${what}: out must be a Float32Array, got ${got}`);
      }
      if (options.out.length !== tLen * batch * od) {
        throw new RnnError('SHAPE_MISMATCH', `${what}: out has ${options.out.length} floats, expected ${tLen * batch * od} (the output's size, T * B * ${od})`);
      }
      if (this.rt.isView(options.out)) {
        throw new RnnError('INVALID_OPTION', `${what}: out is a view of wasm memory (e.g. a step output with { view: true }), which a run can move or overwrite; pass an array of your own`);
      }
      out = options.out;
    }
    const r = packed.run(x.data, tLen, batch, batched && this.batchFirst, h0, c0, lengths, out);
    const result: ForwardResult = {
      output: { data: r.output, shape: batched ? (this.batchFirst ? [batch, tLen, od] : [tLen, batch, od]) : [tLen, od] },
      h: { data: r.h, shape: stateShape(ps) },
    };
    if (r.c) result.c = { data: r.c, shape: stateShape(this.hiddenSize) };
    return result;
  }

  /**
   * A streaming state for `batch` sequences (default 1): h (and c) live in wasm memory, zeros
   * at first. Unidirectional layers only (a reverse direction needs the whole sequence).
   */
  createState(options: { batch?: number } = {}): RecurrentState {
    const packed = this.alive();
    if (this.bidirectional) {
      throw new RnnError('UNSUPPORTED', `${this.kind}.createState: a bidirectional layer cannot be stepped (its reverse direction needs the whole sequence); use forward`);
    }
    const batch = checkInt(options?.batch ?? 1, 'batch', 1, `${this.kind}.createState`);
    const stream = new StreamState(this.rt, packed, batch);
    const state = new RecurrentState(this, stream);
    this.owned.streams.add(stream);
    stateFinalizer?.register(state, { stream, streams: this.owned.streams }, state);
    return state;
  }

  /**
   * One time step through every layer: x is [B, inputSize] (B = the state's batch). Returns the
   * last layer's output [B, P] as a copy, or with `{ view: true }` a view into wasm memory that
   * is valid until the next call on this layer or state (zero-copy; the same tensor object is
   * returned by every view step of a state, so a view step allocates nothing). `step` over N
   * frames gives the same result as `forward` over the N-frame sequence.
   */
  step(x: Tensor, state: RecurrentState, options?: { view?: boolean }): Tensor<Float32Array> {
    const packed = this.alive();
    if (!(state instanceof RecurrentState) || state.layer !== this) {
      throw new RnnError('INVALID_INPUT', `${this.kind}.step: state was not created by this layer's createState()`);
    }
    const stream = state.stream();
    const what = `${this.kind}.step: x`;
    checkFloatTensor(x, what);
    if (x.shape.length !== 2 || x.shape[0] !== stream.batch || x.shape[1] !== this.inputSize) {
      throw new RnnError('SHAPE_MISMATCH', `${what}: expected shape [${stream.batch}, ${this.inputSize}] (state batch, inputSize), got ${fmtShape(x.shape)}`);
    }
    stream.bind(packed);
    const out = stream.step(x.data);
    if (!options?.view) return { data: out.slice(), shape: [stream.batch, outputSize(this.spec)] };
    return state.viewResult(out);
  }

  /** @internal Frees the stream of a state disposed by its owner. */
  forgetState(state: RecurrentState, stream: StreamState): void {
    stateFinalizer?.unregister(state);
    if (this.owned.streams.delete(stream)) stream.dispose();
  }

  /** Frees the wasm memory. Any later call throws RnnError('DISPOSED'). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer?.unregister(this);
    freeOwned(this.owned); // the states' streams too: their RecurrentStates then throw DISPOSED
    this.biases = new Map();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** The streaming state of a layer (see RecurrentLayer.createState). */
export class RecurrentState {
  private inner: StreamState | null;
  /** @internal */
  constructor(
    readonly layer: RecurrentLayer,
    stream: StreamState,
  ) {
    this.inner = stream;
  }

  private view: Tensor<Float32Array> | null = null;

  /** @internal The tensor returned by view steps: one object per state, its data the live view. */
  viewResult(out: Float32Array): Tensor<Float32Array> {
    if (!this.view) this.view = { data: out, shape: [this.batch, outputSize(this.layer.spec)] };
    else this.view.data = out;
    return this.view;
  }

  /** @internal */
  stream(): StreamState {
    if (!this.inner || this.inner.isDisposed) throw new RnnError('DISPOSED', 'RecurrentState: used after dispose()');
    return this.inner;
  }

  get batch(): number {
    return this.stream().batch;
  }

  /** Back to zeros. */
  reset(): void {
    this.stream().reset();
  }

  /** Copies of h [numLayers, B, P] and (LSTM) c [numLayers, B, H]. */
  get(): { h: Tensor<Float32Array>; c?: Tensor<Float32Array> } {
    const s = this.stream();
    const spec = this.layer.spec;
    const out: { h: Tensor<Float32Array>; c?: Tensor<Float32Array> } = {
      h: { data: s.getH(), shape: [spec.numLayers, s.batch, outputSize(spec)] },
    };
    const c = s.getC();
    if (c) out.c = { data: c, shape: [spec.numLayers, s.batch, spec.hiddenSize] };
    return out;
  }

  /**
   * Copies h [numLayers, B, P] (and, for LSTM, c [numLayers, B, H]) into the caller's arrays, as
   * get() without allocating (a streaming loop can reuse its arrays). Lengths are checked.
   */
  copyTo(h: Float32Array, c?: Float32Array): void {
    const s = this.stream();
    const spec = this.layer.spec;
    const hLen = spec.numLayers * s.batch * outputSize(spec);
    if (!(h instanceof Float32Array) || h.length !== hLen) {
      throw new RnnError('SHAPE_MISMATCH', `RecurrentState.copyTo: h must be a Float32Array of ${hLen} floats, got ${h instanceof Float32Array ? h.length : typeof h}`);
    }
    if (c !== undefined) {
      const cLen = spec.numLayers * s.batch * spec.hiddenSize;
      if (spec.cell !== 'lstm') throw new RnnError('INVALID_OPTION', 'RecurrentState.copyTo: c is only for LSTM');
      if (!(c instanceof Float32Array) || c.length !== cLen) {
        throw new RnnError('SHAPE_MISMATCH', `RecurrentState.copyTo: c must be a Float32Array of ${cLen} floats, got ${c instanceof Float32Array ? c.length : typeof c}`);
      }
    }
    s.copyTo(h, c);
  }

  /** Sets h (and c for LSTM; omitted = unchanged), shapes as get(). Validated before writing. */
  set(h: Tensor, c?: Tensor): void {
    const s = this.stream();
    const spec = this.layer.spec;
    checkFloatTensor(h, 'RecurrentState.set: h');
    checkShape(h, [spec.numLayers, s.batch, outputSize(spec)], 'RecurrentState.set: h');
    if (c !== undefined) {
      if (spec.cell !== 'lstm') throw new RnnError('INVALID_OPTION', 'RecurrentState.set: c is only for LSTM');
      checkFloatTensor(c, 'RecurrentState.set: c');
      checkShape(c, [spec.numLayers, s.batch, spec.hiddenSize], 'RecurrentState.set: c');
    }
    s.setH(h.data);
    if (c) s.setC(c.data as Float32Array);
  }

  /** Frees the state's wasm memory. Safe to call twice. */
  dispose(): void {
    if (!this.inner) return;
    const stream = this.inner;
    this.inner = null;
    this.layer.forgetState(this, stream);
  }
}

function checkLengths(v: Lengths, batch: number, tLen: number, what: string): Int32Array {
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

export class LSTM extends RecurrentLayer {
  protected readonly kind = 'LSTM';
  constructor(options: LSTMOptions) {
    super('lstm', options, ['projSize'], 'LSTM');
  }

  /**
   * A layer holding the parameters of a PyTorch state_dict: the same layer as
   * `new LSTM(options).loadStateDict(stateDict, load)`, without making the seeded random weights
   * that loadStateDict would replace (options.seed is not used). Options, keys, dtypes and shapes
   * are all checked before any wasm memory is touched: on error nothing is allocated.
   */
  static fromStateDict(stateDict: Record<string, Tensor>, options: LSTMOptions, load?: LoadOptions): LSTM {
    return withWeights(stateDict, load, 'LSTM.fromStateDict', () => new LSTM(options));
  }

  override forward(x: Tensor, options?: ForwardOptions): ForwardResult & { c: Tensor<Float32Array> } {
    return super.forward(x, options) as ForwardResult & { c: Tensor<Float32Array> };
  }
}

export class GRU extends RecurrentLayer {
  protected readonly kind = 'GRU';
  constructor(options: RecurrentOptions) {
    super('gru', options, [], 'GRU');
  }

  /**
   * A layer holding the parameters of a PyTorch state_dict: the same layer as
   * `new GRU(options).loadStateDict(stateDict, load)`, without making the seeded random weights
   * that loadStateDict would replace (options.seed is not used). Options, keys, dtypes and shapes
   * are all checked before any wasm memory is touched: on error nothing is allocated.
   */
  static fromStateDict(stateDict: Record<string, Tensor>, options: RecurrentOptions, load?: LoadOptions): GRU {
    return withWeights(stateDict, load, 'GRU.fromStateDict', () => new GRU(options));
  }
}

export class RNN extends RecurrentLayer {
  protected readonly kind = 'RNN';
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(options: RNNOptions) {
    const nl = options?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') {
      throw new RnnError('INVALID_OPTION', `RNN: nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    }
    super(nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', options, ['nonlinearity'], 'RNN');
    this.nonlinearity = nl;
  }

  /**
   * A layer holding the parameters of a PyTorch state_dict: the same layer as
   * `new RNN(options).loadStateDict(stateDict, load)`, without making the seeded random weights
   * that loadStateDict would replace (options.seed is not used). Options, keys, dtypes and shapes
   * are all checked before any wasm memory is touched: on error nothing is allocated.
   */
  static fromStateDict(stateDict: Record<string, Tensor>, options: RNNOptions, load?: LoadOptions): RNN {
    return withWeights(stateDict, load, 'RNN.fromStateDict', () => new RNN(options));
  }
}

/**
 * The layer of cell kind `cell` built from `stateDict` (LSTM / GRU / RNN.fromStateDict; for the
 * RNN kinds the nonlinearity comes from the kind): what importers call once they have written a
 * model's weights under PyTorch's names.
 */
export function recurrentFromStateDict(cell: CellKind, stateDict: Record<string, Tensor>, options: RecurrentOptions): RecurrentLayer {
  switch (cell) {
    case 'lstm':
      return LSTM.fromStateDict(stateDict, options);
    case 'gru':
      return GRU.fromStateDict(stateDict, options);
    default:
      return RNN.fromStateDict(stateDict, { ...options, nonlinearity: cell === 'rnn_relu' ? 'relu' : 'tanh' });
  }
}
