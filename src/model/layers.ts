/**
 * The non-recurrent layers a Sequential composes with LSTM / GRU / RNN, mirroring PyTorch:
 * Embedding (torch.nn.Embedding), Linear (torch.nn.Linear), Softmax / LogSoftmax over the last
 * dimension, and LastStep (the `out[-1]` of a many-to-one model).
 *
 * Each works on the last dimension and treats every leading dimension as rows, so it is the same
 * code for a whole sequence ([T, B, F], [B, T, F], [T, F]) and for one streaming step ([B, F]).
 *
 * Where the arithmetic runs:
 * - Linear runs in wasm: its weight is packed once (x32_packw_x8 panels) and every call is one
 *   f32_gemm over all rows (T * B rows for a sequence, B rows for a step); when the input already
 *   lives in wasm memory (a streaming step of the preceding recurrent layer) it is read in place.
 *   The product sums in float32 in ascending k order; PyTorch's BLAS sums in another order, so
 *   results agree to float32 rounding (~1e-6 relative), not bitwise.
 * - Embedding is a row gather out of its table in wasm memory (a copy, no arithmetic: bitwise
 *   equal to PyTorch).
 * - Softmax / LogSoftmax run in JS in float64 and round once to float32 (within 1 ulp of
 *   PyTorch's float32 kernels).
 *
 * Training (docs/training.md): `forward(x, { train: true })` records what `backward(gradOut)`
 * needs; backward returns the input gradient (Embedding: null) and adds the parameter gradients
 * to `gradients()` (PyTorch's `.grad` accumulation) until `zeroGrad()`. Parameter values and
 * gradients live in wasm memory and are what an optimizer updates (`parameters()`, the Trainable
 * contract of bindings/trainable.ts). Linear's backward GEMMs run in wasm (f32_gemm_dx,
 * f32_wgrad_acc, f32_colsum_acc); Softmax / LogSoftmax backward runs in JS in float64 from the float32
 * output, as PyTorch's backward reads the output.
 */
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkFloatTensor, checkShape, checkTensor, numel } from '../../base/tensor.js';
import { Rng, randomSeed } from '../../base/random.js';
import { runtime, type WasmRuntime } from '../../bindings/wasm.js';
import { fillUniform } from '../../bindings/fill.js';
import { PackedLinear } from '../../bindings/linear.js';
import { EmbeddingTable } from '../../bindings/embedding.js';
import type { ParamBlock, Trainable } from '../../bindings/trainable.js';
import { ForwardRecord, type TrainOptions, trainFlag } from './train-record.js';
import { type WeightFormat, type QuantizedMatrix, readMatrix, storedKeys, scaleKey } from '../../base/quantize.js';
import { checkWeightFormat } from '../layers/options.js';

export interface LayerLoadOptions {
  /** Only keys starting with this prefix are read, with the prefix removed (e.g. 'head.'). */
  prefix?: string;
  /** Reject keys under the prefix that the layer does not know (default true). */
  strict?: boolean;
}

/** What every non-recurrent layer of a Sequential provides. */
export interface FeatureLayer extends Trainable {
  /** Class name, for messages. */
  readonly kind: string;
  /** Parameter names and shapes, in PyTorch's order. */
  parameterShapes(): Array<[string, number[]]>;
  /** Output feature size for an input feature size (Embedding: the input is one id per row). */
  outputSize(inFeatures: number): number;
  loadStateDict(stateDict: Record<string, Tensor>, options?: LayerLoadOptions): this;
  stateDict(): Record<string, Tensor<Float32Array>>;
  /** The accumulated parameter gradients by PyTorch name (new arrays, PyTorch layout). */
  gradients(): Record<string, Tensor<Float32Array>>;
  dispose(): void;
}

/** gradients() of a layer: every parameter's readGrad() under its name. */
function gradientsOf(params: readonly ParamBlock[]): Record<string, Tensor<Float32Array>> {
  const out: Record<string, Tensor<Float32Array>> = {};
  for (const p of params) out[p.name] = { data: p.readGrad(), shape: [...p.shape] };
  return out;
}

function checkInt(v: unknown, name: string, min: number, layer: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new RnnError('INVALID_OPTION', `${layer}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Shared loadStateDict: checks every key and shape before returning the tensors' arrays (the caller's own: a layer copies what it keeps). */
function readParams(
  kind: string,
  wanted: Array<[string, number[]]>,
  stateDict: Record<string, Tensor>,
  options: LayerLoadOptions,
  matrices: readonly string[] = [],
): Map<string, Float32Array | QuantizedMatrix> {
  if (stateDict === null || typeof stateDict !== 'object') {
    throw new RnnError('INVALID_INPUT', `${kind}.loadStateDict: expected an object of tensors, got ${String(stateDict)}`);
  }
  const prefix = options.prefix ?? '';
  const strict = options.strict ?? true;
  const missing = wanted.filter(([n]) => !Object.prototype.hasOwnProperty.call(stateDict, prefix + n)).map(([n]) => prefix + n);
  if (missing.length) {
    throw new RnnError('MISSING_KEY', `${kind}.loadStateDict: missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  if (strict) {
    // an int8 matrix (docs/quantization.md) brings its scales' key
    const keys = new Set(storedKeys(stateDict, wanted.map(([n]) => prefix + n)));
    const unexpected = Object.keys(stateDict).filter((k) => k.startsWith(prefix) && !keys.has(k));
    if (unexpected.length) {
      throw new RnnError(
        'UNEXPECTED_KEY',
        `${kind}.loadStateDict: unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')} (pass { strict: false } to ignore)`,
      );
    }
  }
  const out = new Map<string, Float32Array | QuantizedMatrix>();
  for (const [name, shape] of wanted) {
    if (matrices.includes(name)) {
      out.set(name, readMatrix(stateDict, prefix + name, shape, `${kind}.loadStateDict`));
      continue;
    }
    const t = stateDict[prefix + name];
    checkFloatTensor(t, `${kind}.loadStateDict: '${prefix + name}'`);
    checkShape(t, shape, `${kind}.loadStateDict: '${prefix + name}'`);
    out.set(name, t.data);
  }
  return out;
}

function lastDim(x: Tensor, what: string): number {
  if (x.shape.length < 1) throw new RnnError('INVALID_INPUT', `${what}: expected at least 1 dimension, got a scalar`);
  return x.shape[x.shape.length - 1];
}

// ---------------------------------------------------------------------------------------------

export interface EmbeddingOptions {
  /** Seed of the initial weights (standard normal, as PyTorch). Default: random. */
  seed?: number;
  /** How the table is stored: 'f32' (default) or 'int8' (a scale per row; docs/quantization.md). An int8 table does not train. */
  weights?: WeightFormat;
}

/**
 * torch.nn.Embedding(numEmbeddings, embeddingDim): token ids -> rows of `weight`. The table lives
 * in wasm memory (bindings/embedding.ts); needs ready() to have resolved before construction.
 */
export class Embedding implements FeatureLayer {
  readonly kind = 'Embedding';
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** How the table is stored ('f32' or 'int8': docs/quantization.md). */
  readonly weights: WeightFormat;
  private readonly table: EmbeddingTable;
  private readonly record = new ForwardRecord<Int32Array>();
  private disposed = false;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    this.numEmbeddings = checkInt(numEmbeddings, 'numEmbeddings', 1, 'Embedding');
    this.embeddingDim = checkInt(embeddingDim, 'embeddingDim', 1, 'Embedding');
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'Embedding: options must be an object');
    checkOptionKeys(options, ['seed', 'weights'], 'Embedding');
    this.weights = checkWeightFormat(options.weights, 'Embedding');
    const rt = runtime();
    const rng = new Rng(options.seed ?? randomSeed());
    const weight = new Float32Array(this.numEmbeddings * this.embeddingDim);
    for (let i = 0; i < weight.length; i += 2) {
      // Box-Muller: N(0, 1) like torch.nn.init.normal_
      const u = 1 - rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      const a = 2 * Math.PI * rng.next();
      weight[i] = r * Math.cos(a);
      if (i + 1 < weight.length) weight[i + 1] = r * Math.sin(a);
    }
    this.table = new EmbeddingTable(rt, this.numEmbeddings, this.embeddingDim, weight, 'Embedding', this.weights);
  }

  parameterShapes(): Array<[string, number[]]> {
    return [['weight', [this.numEmbeddings, this.embeddingDim]]];
  }

  outputSize(): number {
    return this.embeddingDim;
  }

  private alive(): void {
    if (this.disposed) throw new RnnError('DISPOSED', 'Embedding: used after dispose()');
  }

  /** Loads `weight` into the table in place; nothing changes on error. */
  loadStateDict(stateDict: Record<string, Tensor>, options: LayerLoadOptions = {}): this {
    this.alive();
    this.table.load(readParams('Embedding', this.parameterShapes(), stateDict, options, ['weight']).get('weight')!);
    this.parametersChanged();
    return this;
  }

  stateDict(): Record<string, Tensor<Float32Array>> {
    this.alive();
    return { weight: { data: this.table.read(), shape: [this.numEmbeddings, this.embeddingDim] } };
  }

  /**
   * The table as stored: for an int8 table `weight` as int8 (Int8Array) with its row scales under
   * `weight.scale` (docs/quantization.md); else the same as stateDict().
   */
  quantizedStateDict(): Record<string, Tensor> {
    this.alive();
    if (this.weights === 'f32') return this.stateDict();
    const m = this.table.readQuantized();
    return { weight: { data: m.q, shape: [this.numEmbeddings, this.embeddingDim] }, [scaleKey('weight')]: { data: m.scales, shape: [this.numEmbeddings] } };
  }

  /**
   * ids (Int32Array / BigInt64Array tensor of any shape) -> float32 [...shape, embeddingDim].
   * With `{ train: true }` the ids are kept for backward().
   */
  forward(ids: Tensor, options?: TrainOptions): Tensor<Float32Array> {
    this.alive();
    const train = trainFlag(options, 'Embedding.forward');
    checkTensor(ids, 'Embedding.forward: ids');
    if (ids.data instanceof Float32Array) {
      throw new RnnError('DTYPE_MISMATCH', 'Embedding.forward: ids must be integers (Int32Array or BigInt64Array), got float32');
    }
    const n = ids.data.length;
    const out = new Float32Array(n * this.embeddingDim);
    this.gather(ids.data, n, out, 'Embedding.forward');
    const shape = [...ids.shape, this.embeddingDim];
    if (train) {
      this.table.ensureGrads();
      this.record.keep(shape, Int32Array.from(ids.data as ArrayLike<number | bigint>, Number));
    }
    return { data: out, shape };
  }

  /**
   * Adds gradOut's rows ([...ids shape, embeddingDim], the gradient of the last train-mode
   * forward's output) to the gradient rows of their ids. Returns null: ids have no gradient.
   */
  backward(gradOut: Tensor): null {
    this.alive();
    const { data: ids, grad } = this.record.take(gradOut, 'Embedding.backward');
    this.table.accumulateGrad(ids, ids.length, grad.data);
    return null;
  }

  /** @internal Writes rows weight[ids[i]] to out[i * E ..]. Checks every id first. */
  gather(ids: ArrayLike<number | bigint>, n: number, out: Float32Array, what: string): void {
    for (let i = 0; i < n; i++) {
      const id = Number(ids[i]);
      if (!(id >= 0 && id < this.numEmbeddings) || !Number.isInteger(id)) {
        throw new RnnError('INVALID_INPUT', `${what}: token id ${String(ids[i])} at index ${i} is outside [0, ${this.numEmbeddings})`);
      }
    }
    this.table.gather(ids, n, out);
  }

  parameters(): readonly ParamBlock[] {
    this.alive();
    return this.table.parameters();
  }

  gradients(): Record<string, Tensor<Float32Array>> {
    return gradientsOf(this.parameters());
  }

  zeroGrad(): void {
    this.alive();
    this.table.zeroGrad();
  }

  parametersChanged(): void {
    this.record.bump();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.record.clear();
    this.table.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

export interface LinearOptions {
  /** Seed of the initial weights (uniform in +-1/sqrt(inFeatures), as PyTorch). Default: random. */
  seed?: number;
  /**
   * How W is stored: 'f32' (default) or 'int8' (a scale per output row, the input quantized per
   * call; docs/quantization.md). An int8 layer runs but does not train.
   */
  weights?: WeightFormat;
}

/**
 * torch.nn.Linear(inFeatures, outFeatures, bias): y = x W^T + b on the last dimension, one wasm
 * f32_gemm per call (bindings/linear.ts). Needs ready() to have resolved before construction.
 */
export class Linear implements FeatureLayer {
  readonly kind = 'Linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
  /** How W is stored ('f32' or 'int8'). */
  readonly weights: WeightFormat;
  private readonly rt: WasmRuntime;

  /** The runtime whose memory holds the weights (the one current when the layer was made). */
  get runtime(): WasmRuntime {
    return this.rt;
  }
  private readonly packedWeights: PackedLinear;
  private readonly record = new ForwardRecord<{ rows: number; inShape: number[] }>();
  private disposed = false;

  constructor(inFeatures: number, outFeatures: number, bias = true, options: LinearOptions = {}) {
    this.inFeatures = checkInt(inFeatures, 'inFeatures', 1, 'Linear');
    this.outFeatures = checkInt(outFeatures, 'outFeatures', 1, 'Linear');
    if (typeof bias !== 'boolean') throw new RnnError('INVALID_OPTION', `Linear: bias must be a boolean, got ${String(bias)}`);
    this.bias = bias;
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'Linear: options must be an object');
    checkOptionKeys(options, ['seed', 'weights'], 'Linear');
    this.weights = checkWeightFormat(options.weights, 'Linear');
    this.rt = runtime();
    // PyTorch's reset_parameters: kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(in)), bias U(+-1/sqrt(in))
    // (made in wasm: bindings/fill.ts; the same floats as Rng.fillUniform)
    const shapes = this.parameterShapes();
    const values = fillUniform(this.rt, new Rng(options.seed ?? randomSeed()), shapes.map(([, shape]) => numel(shape)), 1 / Math.sqrt(this.inFeatures), 'Linear: initial weights');
    this.packedWeights = this.pack(values[0], bias ? values[1] : null);
  }

  parameterShapes(): Array<[string, number[]]> {
    const out: Array<[string, number[]]> = [['weight', [this.outFeatures, this.inFeatures]]];
    if (this.bias) out.push(['bias', [this.outFeatures]]);
    return out;
  }

  outputSize(): number {
    return this.outFeatures;
  }

  private pack(weight: Float32Array, bias: Float32Array | null): PackedLinear {
    return new PackedLinear(this.rt, this.inFeatures, this.outFeatures, weight, bias, 'Linear', this.weights);
  }

  private alive(): void {
    if (this.disposed) throw new RnnError('DISPOSED', 'Linear: used after dispose()');
  }

  /** Loads `weight` [out, in] and `bias` [out] into the existing blocks; nothing changes on error. */
  loadStateDict(stateDict: Record<string, Tensor>, options: LayerLoadOptions = {}): this {
    this.alive();
    const params = readParams('Linear', this.parameterShapes(), stateDict, options, ['weight']);
    this.packedWeights.load(params.get('weight')!, this.bias ? (params.get('bias') as Float32Array) : null);
    this.parametersChanged();
    return this;
  }

  /** weight and bias read back from wasm memory (new arrays, bit for bit what was loaded). */
  stateDict(): Record<string, Tensor<Float32Array>> {
    this.alive();
    const n = this.outFeatures;
    const out: Record<string, Tensor<Float32Array>> = { weight: { data: this.packedWeights.readWeight(), shape: [n, this.inFeatures] } };
    const bias = this.packedWeights.readBias();
    if (bias) out.bias = { data: bias, shape: [n] };
    return out;
  }

  /**
   * The parameters as stored: for an int8 layer `weight` as int8 (Int8Array) with its row scales
   * under `weight.scale` (docs/quantization.md) and a float32 bias; else the same as stateDict().
   */
  quantizedStateDict(): Record<string, Tensor> {
    this.alive();
    if (this.weights === 'f32') return this.stateDict();
    const m = this.packedWeights.readQuantizedWeight();
    const out: Record<string, Tensor> = {
      weight: { data: m.q, shape: [this.outFeatures, this.inFeatures] },
      [scaleKey('weight')]: { data: m.scales, shape: [this.outFeatures] },
    };
    const bias = this.packedWeights.readBias();
    if (bias) out.bias = { data: bias, shape: [this.outFeatures] };
    return out;
  }

  /**
   * x [..., inFeatures] float32 -> [..., outFeatures]. With `{ train: true }` the input is kept
   * (in wasm memory) for backward().
   */
  forward(x: Tensor, options?: TrainOptions): Tensor<Float32Array> {
    this.alive();
    const train = trainFlag(options, 'Linear.forward');
    checkFloatTensor(x, 'Linear.forward: x');
    const k = lastDim(x, 'Linear.forward: x');
    if (k !== this.inFeatures) {
      throw new RnnError('SHAPE_MISMATCH', `Linear.forward: x has ${k} features (shape ${fmtShape(x.shape)}), expected inFeatures ${this.inFeatures}`);
    }
    const rows = x.data.length / k;
    const shape = [...x.shape.slice(0, -1), this.outFeatures];
    if (!train) return { data: this.packedWeights.run(x.data, rows), shape };
    const out = this.packedWeights.runTrain(x.data, rows);
    this.record.keep(shape, { rows, inShape: [...x.shape] });
    return { data: out, shape };
  }

  /**
   * gradOut: the gradient of the last train-mode forward's output (its shape). Returns the
   * gradient of its input (dX = dY W) and adds dY^T X to the weight's gradient and dY's column
   * sums to the bias's.
   */
  backward(gradOut: Tensor): Tensor<Float32Array> {
    this.alive();
    const { data: rec, grad } = this.record.take(gradOut, 'Linear.backward');
    return { data: this.packedWeights.backward(grad.data, rec.rows), shape: rec.inShape };
  }

  parameters(): readonly ParamBlock[] {
    this.alive();
    return this.packedWeights.parameters();
  }

  /** weight [out, in] and bias [out] gradients (new arrays). */
  gradients(): Record<string, Tensor<Float32Array>> {
    return gradientsOf(this.parameters());
  }

  zeroGrad(): void {
    this.alive();
    this.packedWeights.zeroGrad();
  }

  parametersChanged(): void {
    this.record.bump();
  }

  /** @internal The packed weights (updated in place by loadStateDict and optimizers): what a streaming step runs. */
  get packed(): PackedLinear {
    this.alive();
    return this.packedWeights;
  }

  /** Frees the wasm memory. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.record.clear();
    this.packedWeights.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

/** A layer without parameters: the Trainable side is empty. */
abstract class ParameterlessLayer {
  parameters(): readonly ParamBlock[] {
    return [];
  }

  gradients(): Record<string, Tensor<Float32Array>> {
    return {};
  }

  zeroGrad(): void {}

  parametersChanged(): void {}
}

/** Softmax over the last dimension (torch.nn.Softmax(dim=-1)). No parameters. */
export class Softmax extends ParameterlessLayer implements FeatureLayer {
  readonly kind: string = 'Softmax';
  protected readonly log: boolean = false;
  private readonly record = new ForwardRecord<Float32Array>();

  parameterShapes(): Array<[string, number[]]> {
    return [];
  }

  outputSize(inFeatures: number): number {
    return inFeatures;
  }

  loadStateDict(stateDict: Record<string, Tensor>, options: LayerLoadOptions = {}): this {
    readParams(this.kind, [], stateDict, options);
    return this;
  }

  stateDict(): Record<string, Tensor<Float32Array>> {
    return {};
  }

  /** With `{ train: true }` the output is kept for backward(). */
  forward(x: Tensor, options?: TrainOptions): Tensor<Float32Array> {
    const train = trainFlag(options, `${this.kind}.forward`);
    checkFloatTensor(x, `${this.kind}.forward: x`);
    const n = lastDim(x, `${this.kind}.forward: x`);
    const out = new Float32Array(x.data.length);
    if (n > 0) this.apply(x.data, out, x.data.length / n, n);
    if (train) this.record.keep(x.shape, out.slice());
    return { data: out, shape: [...x.shape] };
  }

  /**
   * The input gradient from the output gradient, per row in float64 from the float32 output y,
   * as PyTorch's backward: softmax dx = y (dy - sum(dy y)); log-softmax dx = dy - exp(y) sum(dy).
   */
  backward(gradOut: Tensor): Tensor<Float32Array> {
    const { data: y, grad } = this.record.take(gradOut, `${this.kind}.backward`);
    const n = grad.shape[grad.shape.length - 1];
    const dy = grad.data;
    const dx = new Float32Array(dy.length);
    for (let o = 0; n > 0 && o < dy.length; o += n) {
      let s = 0;
      if (this.log) {
        for (let i = 0; i < n; i++) s += dy[o + i];
        for (let i = 0; i < n; i++) dx[o + i] = dy[o + i] - Math.exp(y[o + i]) * s;
      } else {
        for (let i = 0; i < n; i++) s += dy[o + i] * y[o + i];
        for (let i = 0; i < n; i++) dx[o + i] = y[o + i] * (dy[o + i] - s);
      }
    }
    return { data: dx, shape: [...grad.shape] };
  }

  /** @internal rows of n values from src to dst (may be the same array). */
  apply(src: Float32Array, dst: Float32Array, rows: number, n: number): void {
    softmaxRows(src, dst, rows, n, this.log);
  }

  dispose(): void {}
}

/** log(softmax(x)) over the last dimension (torch.nn.LogSoftmax(dim=-1)), computed stably. */
export class LogSoftmax extends Softmax {
  override readonly kind: string = 'LogSoftmax';
  protected override readonly log: boolean = true;
}

/** Stable (log-)softmax of each row: exp(x - max) / sum, in float64, rounded once. */
export function softmaxRows(src: Float32Array, dst: Float32Array, rows: number, n: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (src[o + i] > max) max = src[o + i];
    if (max === -Infinity || Number.isNaN(max)) max = 0; // all -inf rows give NaN like torch
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(src[o + i] - max);
    if (log) {
      const lse = Math.log(sum);
      for (let i = 0; i < n; i++) dst[o + i] = src[o + i] - max - lse;
    } else {
      for (let i = 0; i < n; i++) dst[o + i] = Math.exp(src[o + i] - max) / sum;
    }
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * The last time step of a sequence, for many-to-one models (PyTorch's `out[-1]` time-major or
 * `out[:, -1]` batch-first): [T, B, F] -> [B, F] ([B, T, F] -> [B, F] when the Sequential is
 * batchFirst, [T, F] -> [F] unbatched). In a streaming step it is the identity: the output of a
 * step is the last step so far. Layers after it see no time dimension (no recurrent layer may
 * follow it). No parameters.
 */
export class LastStep extends ParameterlessLayer implements FeatureLayer {
  readonly kind = 'LastStep';
  private readonly record = new ForwardRecord<{ inShape: number[]; batchFirst: boolean }>();

  parameterShapes(): Array<[string, number[]]> {
    return [];
  }

  outputSize(inFeatures: number): number {
    return inFeatures;
  }

  loadStateDict(stateDict: Record<string, Tensor>, options: LayerLoadOptions = {}): this {
    readParams('LastStep', [], stateDict, options);
    return this;
  }

  stateDict(): Record<string, Tensor<Float32Array>> {
    return {};
  }

  /**
   * x: [T, B, F] (batchFirst: [B, T, F]) or unbatched [T, F]. The second argument is the layout
   * (a boolean, default false) or `{ batchFirst, train }`; with `train: true` the input's shape is
   * kept for backward().
   */
  forward(x: Tensor, layout: boolean | (TrainOptions & { batchFirst?: boolean }) = false): Tensor<Float32Array> {
    let batchFirst = false;
    let train = false;
    if (typeof layout === 'boolean') batchFirst = layout;
    else {
      train = trainFlag(layout, 'LastStep.forward', ['train', 'batchFirst']);
      if (layout.batchFirst !== undefined && typeof layout.batchFirst !== 'boolean') {
        throw new RnnError('INVALID_OPTION', `LastStep.forward: batchFirst must be a boolean, got ${String(layout.batchFirst)}`);
      }
      batchFirst = layout.batchFirst ?? false;
    }
    const y = this.lastStep(x, batchFirst);
    if (train) this.record.keep(y.shape, { inShape: [...x.shape], batchFirst });
    return y;
  }

  /** Zeros of the input's shape with gradOut at the last time step. */
  backward(gradOut: Tensor): Tensor<Float32Array> {
    const { data: rec, grad } = this.record.take(gradOut, 'LastStep.backward');
    const s = rec.inShape;
    const dx = new Float32Array(s.reduce((a, b) => a * b, 1));
    const dy = grad.data;
    if (s.length === 2) dx.set(dy, (s[0] - 1) * s[1]);
    else if (!rec.batchFirst) dx.set(dy, (s[0] - 1) * s[1] * s[2]);
    else {
      const [b, t, f] = s;
      for (let i = 0; i < b; i++) dx.set(dy.subarray(i * f, (i + 1) * f), (i * t + t - 1) * f);
    }
    return { data: dx, shape: [...s] };
  }

  private lastStep(x: Tensor, batchFirst: boolean): Tensor<Float32Array> {
    checkFloatTensor(x, 'LastStep.forward: x');
    const s = x.shape;
    if (s.length === 2) {
      const [t, f] = s;
      if (t < 1) throw new RnnError('INVALID_INPUT', `LastStep.forward: x has no time step (shape ${fmtShape(s)})`);
      return { data: x.data.slice((t - 1) * f, t * f), shape: [f] };
    }
    if (s.length !== 3) {
      throw new RnnError('INVALID_INPUT', `LastStep.forward: x must be [T, B, F], [B, T, F] (batchFirst) or [T, F], got ${fmtShape(s)}`);
    }
    const f = s[2];
    if (!batchFirst) {
      const [t, b] = s;
      if (t < 1) throw new RnnError('INVALID_INPUT', `LastStep.forward: x has no time step (shape ${fmtShape(s)})`);
      return { data: x.data.slice((t - 1) * b * f, t * b * f), shape: [b, f] };
    }
    const [b, t] = s;
    if (t < 1) throw new RnnError('INVALID_INPUT', `LastStep.forward: x has no time step (shape ${fmtShape(s)})`);
    const out = new Float32Array(b * f);
    for (let i = 0; i < b; i++) out.set(x.data.subarray((i * t + t - 1) * f, (i * t + t) * f), i * f);
    return { data: out, shape: [b, f] };
  }

  dispose(): void {}
}
