/**
 * LSTM, GRU and RNN layers mirroring torch.nn.LSTM / GRU / RNN: the same options, parameter
 * names, gate order, equations and tensor shapes. The layer classes check what a caller passes
 * (options: options.ts; state_dicts: state-dict.ts; inputs: here) and hand the plain model spec
 * and its parameters to the bindings (bindings/recurrent.ts), which pack and run them.
 */
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkFloatTensor, checkShape, numel } from '../../base/tensor.js';
import { type RecurrentSpec, type CellKind, outputSize, gateCount } from '../../base/spec.js';
import { Rng, randomSeed } from '../../base/random.js';
import { runtime, MAX_MEMORY_BYTES, type WasmRuntime } from '../../bindings/wasm.js';
import { PackedRecurrent, StreamState, readQuantizedParams, type QuantizedLayerDirParams } from '../../bindings/recurrent.js';
import type { LayerDirParams } from '../../base/spec.js';
import { RecurrentTrainer } from '../../bindings/recurrent-train.js';
import type { ParamBlock, Trainable } from '../../bindings/trainable.js';
import { DisposeGroup } from '../../bindings/ownership.js';
import { fillUniform } from '../../bindings/fill.js';
import { warmUp, WARM_UP_BYTES } from '../../bindings/warmup.js';
import {
  type RecurrentOptions, type LSTMOptions, type RNNOptions, type ForwardOptions, type ForwardResult, type LoadOptions,
  type BackwardGradients, type BackwardResult,
  FORWARD_KEYS, BACKWARD_KEYS, checkBool, checkInt, checkLengths, readOptions,
} from './options.js';
import { groupParams, parameterList, readStateDict, writeStateDict, writeQuantizedStateDict } from './state-dict.js';
import { RecurrentState } from './state.js';
import type { WeightFormat } from '../../base/quantize.js';

export { RecurrentState };
export type {
  RecurrentOptions, LSTMOptions, RNNOptions, ForwardOptions, ForwardResult, LoadOptions, Lengths, BackwardGradients, BackwardResult,
} from './options.js';

/**
 * The weights a layer starts with when they are known (fromStateDict): a state_dict, read with
 * `load`; `what` names the caller in errors. Without it a layer makes seeded random weights.
 */
export interface InitialWeights {
  stateDict: Record<string, Tensor>;
  load?: LoadOptions;
  what: string;
}

/** Common machinery of LSTM, GRU and RNN. */
export abstract class RecurrentLayer implements Trainable {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /** How the weight matrices are stored ('f32', or 'int8': docs/quantization.md). */
  readonly weights: WeightFormat;
  /** The plain model spec this layer runs. */
  readonly spec: RecurrentSpec;
  /** The packed weights (freed by dispose, or with this layer once it is unreachable). */
  private packed: PackedRecurrent | null = null;
  /** The streams of the states created and not disposed (held for the states, never the states themselves). */
  private readonly streams = new DisposeGroup<StreamState>();
  private disposed = false;
  private readonly rt: WasmRuntime;
  /** Gradients and the train-mode workspace, made at the first use of training. */
  private trainer: RecurrentTrainer | null = null;
  /** The shapes of the last train-mode forward (what backward's gradients must match). */
  private trained: { batched: boolean; tLen: number; batch: number } | null = null;
  protected abstract readonly kind: string;

  /**
   * `weights`: the layer's parameters as a state_dict (fromStateDict), checked completely before
   * anything is allocated; without them the layer makes PyTorch-style random ones from the seed.
   */
  protected constructor(cell: CellKind, options: RecurrentOptions & { projSize?: number }, extraKeys: string[], kind: string, weights: InitialWeights | undefined) {
    const config = readOptions(cell, options, extraKeys, kind);
    const spec = config.spec;
    this.spec = spec;
    this.inputSize = spec.inputSize;
    this.hiddenSize = spec.hiddenSize;
    this.numLayers = spec.numLayers;
    this.bias = spec.bias;
    this.batchFirst = config.batchFirst;
    this.bidirectional = spec.numDirections === 2;
    this.projSize = spec.projSize;
    this.weights = config.format;
    this.rt = runtime();
    // refuse a model that cannot fit before making gigabytes of JS arrays for it
    const need = PackedRecurrent.packedBytes(spec);
    if (need > MAX_MEMORY_BYTES - this.rt.bytesInUse) {
      throw new RnnError(
        'OUT_OF_MEMORY',
        `${kind}: the weights need ${need} bytes of wasm memory, more than the ${MAX_MEMORY_BYTES - this.rt.bytesInUse} left (limit ${MAX_MEMORY_BYTES}); cannot allocate`,
      );
    }
    if (weights) {
      this.install(readStateDict(spec, weights.stateDict, weights.load === undefined ? {} : weights.load, weights.what, this.rt, this.weights));
      return;
    }
    // a large layer's first forward would run in V8's baseline code: start the optimizing
    // compile of its kernels in the background before making the weights (bindings/warmup.ts)
    if (need >= WARM_UP_BYTES) warmUp(this.rt, gateCount(cell) * this.hiddenSize, outputSize(spec));
    // PyTorch's reset_parameters: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)]
    // made in wasm (bindings/fill.ts: the same floats as Rng.fillUniform, but compiled code in a
    // cold process, where the JS loop would run in the interpreter)
    const sizes = parameterList(spec).map(([, , , shape]) => numel(shape));
    const values = fillUniform(this.rt, new Rng(config.seed ?? randomSeed()), sizes, 1 / Math.sqrt(this.hiddenSize), `${kind}: initial weights`);
    this.install(groupParams(spec, values));
  }

  /**
   * Packs a complete, validated parameter set; the old one stays if packing fails. A reload
   * copies the values into the existing blocks, whose addresses an optimizer or a streaming
   * state may hold (and counts a new version: a pending backward then refuses to run).
   */
  private install(params: LayerDirParams[] | QuantizedLayerDirParams[]): void {
    const packed = PackedRecurrent.fromParams(this.spec, params, this.rt, this.weights);
    if (!this.packed) {
      this.packed = packed;
      return;
    }
    this.packed.copyValuesFrom(packed);
    packed.dispose();
  }

  private alive(): PackedRecurrent {
    const packed = this.packed;
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
    this.install(readStateDict(this.spec, stateDict, options, `${this.kind}.loadStateDict`, this.rt, this.weights));
    return this;
  }

  /**
   * The parameters under their PyTorch names, in PyTorch's order (new arrays, read back from
   * wasm memory: the layer keeps no JS copy, docs/design.md "Where the weights live").
   */
  stateDict(): Record<string, Tensor<Float32Array>> {
    const packed = this.alive();
    return writeStateDict(this.spec, (i) => packed.readParams(i));
  }

  /**
   * The parameters as stored: for an int8 layer the weight matrices as int8 (Int8Array) with their
   * row scales under `<name>.scale` (docs/quantization.md), biases float32; for a float32 layer the
   * same as stateDict(). writeSafetensors saves it and loadStateDict / fromStateDict read it back
   * unchanged (a float32 layer dequantizes it).
   */
  quantizedStateDict(): Record<string, Tensor> {
    const packed = this.alive();
    if (this.weights === 'f32') return this.stateDict();
    return writeQuantizedStateDict(this.spec, (i) => readQuantizedParams(packed, i));
  }

  /** Every parameter's state_dict name and shape, in PyTorch's order (what stateDict() returns, without the data). */
  parameterShapes(): Array<[string, number[]]> {
    return parameterList(this.spec).map(([, , name, shape]) => [name, [...shape]]);
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
    const train = checkBool(options.train, 'train', false, what);
    const runOptions = { batchFirst: batched && this.batchFirst, h0, c0, lengths, into: out };
    let r;
    if (train) {
      r = this.training(packed).forward(x.data, tLen, batch, runOptions);
      this.trained = { batched, tLen, batch };
    } else {
      r = packed.run(x.data, tLen, batch, runOptions);
    }
    const result: ForwardResult = {
      output: { data: r.output, shape: batched ? (this.batchFirst ? [batch, tLen, od] : [tLen, batch, od]) : [tLen, od] },
      h: { data: r.h, shape: stateShape(ps) },
    };
    if (r.c) result.c = { data: r.c, shape: stateShape(this.hiddenSize) };
    return result;
  }

  private training(packed: PackedRecurrent): RecurrentTrainer {
    if (this.weights !== 'f32') throw new RnnError('UNSUPPORTED', `${this.kind}: training needs float32 weights; this layer's are ${this.weights} (quantize after training)`);
    if (!this.trainer) this.trainer = new RecurrentTrainer(packed, this.rt);
    return this.trainer;
  }

  /**
   * Back-propagation through time over the last train-mode forward: takes the gradients of the
   * loss with respect to its output, final h and (LSTM) final c (each optional: zeros; at padded
   * positions the output's gradient is ignored), adds the parameters' gradients to gradients()
   * (they accumulate, like PyTorch's .grad), and returns the gradients with respect to x, h0 and
   * (LSTM) c0. Each forward allows one backward. Everything is checked before any gradient
   * changes.
   */
  backward(grads: BackwardGradients = {}): BackwardResult {
    this.alive();
    const what = `${this.kind}.backward`;
    if (grads === null || typeof grads !== 'object') throw new RnnError('INVALID_INPUT', `${what}: expected an object { output, h, c } of gradients, got ${String(grads)}`);
    checkOptionKeys(grads, this.spec.cell === 'lstm' ? BACKWARD_KEYS : BACKWARD_KEYS.filter((k) => k !== 'c'), what);
    const trainer = this.trainer;
    const shapes = this.trained;
    if (!trainer || !shapes) throw new RnnError('INVALID_INPUT', `${what}: no train-mode forward to go back through; call forward(x, { train: true }) first`);
    const pending = trainer.pending(what);
    const { batched, tLen, batch } = shapes;
    const ld = this.numLayers * this.spec.numDirections;
    const ps = outputSize(this.spec);
    const od = this.spec.numDirections * ps;
    const outShape = batched ? (this.batchFirst ? [batch, tLen, od] : [tLen, batch, od]) : [tLen, od];
    const stateShape = (width: number) => (batched ? [ld, batch, width] : [ld, width]);
    const take = (t: Tensor | undefined, shape: number[], name: string, valid?: (i: number) => boolean): Float32Array | null => {
      if (t === undefined) return null;
      checkFloatTensor(t, `${what}: ${name}`);
      checkShape(t, shape, `${what}: ${name} (the gradient of the last train-mode forward's ${name})`);
      const d = t.data;
      for (let i = 0; i < d.length; i++) {
        if (!Number.isFinite(d[i]) && (!valid || valid(i))) {
          throw new RnnError('INVALID_INPUT', `${what}: ${name} has a non-finite value (${d[i]}) at flat index ${i}`);
        }
      }
      return d;
    };
    // a padded position's gradient is ignored, so it may be anything
    const lengths = pending.lengths;
    const bFirst = batched && this.batchFirst;
    const validOutput = lengths ? (i: number) => {
      const row = Math.floor(i / od);
      const [t, b] = bFirst ? [row % tLen, Math.floor(row / tLen)] : [Math.floor(row / batch), row % batch];
      return t < lengths[b];
    } : undefined;
    const dOut = take(grads.output, outShape, 'output', validOutput);
    const dh = take(grads.h, stateShape(ps), 'h');
    const dc = this.spec.cell === 'lstm' ? take(grads.c, stateShape(this.hiddenSize), 'c') : null;
    const r = trainer.backward(dOut, dh, dc, what);
    const result: BackwardResult = {
      x: { data: r.dx, shape: batched ? (this.batchFirst ? [batch, tLen, this.inputSize] : [tLen, batch, this.inputSize]) : [tLen, this.inputSize] },
      h0: { data: r.dh0, shape: stateShape(ps) },
    };
    if (r.dc0) result.c0 = { data: r.dc0, shape: stateShape(this.hiddenSize) };
    return result;
  }

  /** Every parameter with its value and gradient blocks in wasm memory, in PyTorch's order (bindings/trainable.ts). */
  parameters(): readonly ParamBlock[] {
    return this.training(this.alive()).parameters();
  }

  /**
   * The accumulated gradients under the PyTorch parameter names (`weight_ih_l0`,
   * `bias_hh_l1_reverse`, `weight_hr_l0`, ...), in PyTorch's order (new arrays).
   */
  gradients(): Record<string, Tensor<Float32Array>> {
    const out: Record<string, Tensor<Float32Array>> = {};
    for (const p of this.parameters()) out[p.name] = { data: p.readGrad(), shape: [...p.shape] };
    return out;
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    this.training(this.alive()).zeroGrad();
  }

  /**
   * To be called after the values were changed in place in wasm memory (an optimizer step):
   * recomputes the summed input bias and makes a pending backward refuse to run (its forward used
   * the old values).
   */
  parametersChanged(): void {
    this.alive().parametersChanged();
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
    this.streams.add(stream, state);
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
    this.streams.dispose(stream);
  }

  /** Frees the wasm memory. Any later call throws RnnError('DISPOSED'). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.streams.disposeAll(); // their RecurrentStates then throw DISPOSED
    this.trainer?.dispose();
    this.trainer = null;
    this.trained = null;
    this.packed?.dispose();
    this.packed = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

export class LSTM extends RecurrentLayer {
  protected readonly kind = 'LSTM';
  /** `weights`: @internal (fromStateDict). */
  constructor(options: LSTMOptions, weights?: InitialWeights) {
    super('lstm', options, ['projSize'], 'LSTM', weights);
  }

  /**
   * A layer holding the parameters of a PyTorch state_dict: the same layer as
   * `new LSTM(options).loadStateDict(stateDict, load)`, without making the seeded random weights
   * that loadStateDict would replace (options.seed is not used). Options, keys, dtypes and shapes
   * are all checked before any wasm memory is touched: on error nothing is allocated.
   */
  static fromStateDict(stateDict: Record<string, Tensor>, options: LSTMOptions, load?: LoadOptions): LSTM {
    return new LSTM(options, { stateDict, load, what: 'LSTM.fromStateDict' });
  }

  override forward(x: Tensor, options?: ForwardOptions): ForwardResult & { c: Tensor<Float32Array> } {
    return super.forward(x, options) as ForwardResult & { c: Tensor<Float32Array> };
  }
}

export class GRU extends RecurrentLayer {
  protected readonly kind = 'GRU';
  /** `weights`: @internal (fromStateDict). */
  constructor(options: RecurrentOptions, weights?: InitialWeights) {
    super('gru', options, [], 'GRU', weights);
  }

  /**
   * A layer holding the parameters of a PyTorch state_dict: the same layer as
   * `new GRU(options).loadStateDict(stateDict, load)`, without making the seeded random weights
   * that loadStateDict would replace (options.seed is not used). Options, keys, dtypes and shapes
   * are all checked before any wasm memory is touched: on error nothing is allocated.
   */
  static fromStateDict(stateDict: Record<string, Tensor>, options: RecurrentOptions, load?: LoadOptions): GRU {
    return new GRU(options, { stateDict, load, what: 'GRU.fromStateDict' });
  }
}

export class RNN extends RecurrentLayer {
  protected readonly kind = 'RNN';
  readonly nonlinearity: 'tanh' | 'relu';
  /** `weights`: @internal (fromStateDict). */
  constructor(options: RNNOptions, weights?: InitialWeights) {
    const nl = options?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') {
      throw new RnnError('INVALID_OPTION', `RNN: nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    }
    super(nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', options, ['nonlinearity'], 'RNN', weights);
    this.nonlinearity = nl;
  }

  /**
   * A layer holding the parameters of a PyTorch state_dict: the same layer as
   * `new RNN(options).loadStateDict(stateDict, load)`, without making the seeded random weights
   * that loadStateDict would replace (options.seed is not used). Options, keys, dtypes and shapes
   * are all checked before any wasm memory is touched: on error nothing is allocated.
   */
  static fromStateDict(stateDict: Record<string, Tensor>, options: RNNOptions, load?: LoadOptions): RNN {
    return new RNN(options, { stateDict, load, what: 'RNN.fromStateDict' });
  }
}
