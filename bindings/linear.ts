/**
 * A linear layer's weights in wasm memory (y = x W^T + b), and the streaming-step buffers of a
 * chain of such layers.
 *
 * PackedLinear packs W [out, in] once into 8-column panels (x32_packw_x8) and copies the bias
 * next to it; every product is one f32_gemm over all rows. It keeps no JS copy of the weights:
 * readWeight / readBias read them back bit for bit. Its memory is freed by dispose(), or once the
 * object is collected (ownership.ts).
 *
 * Training: `runTrain` keeps the input rows (in wasm memory) for `backward`, which makes the input
 * gradient dX = dY W (f32_gemm_dx) and accumulates dW += dY^T X (f32_wgrad_acc, in W's own panel
 * layout, zero in the padding) and db += column sums of dY (f32_colsum_acc). The gradient blocks are
 * allocated (zeroed) at the first train-mode run or parameters() call; the weight and bias blocks
 * never move (`load` packs into them in place), so an optimizer may keep their addresses.
 *
 * int8 weights (`format` 'int8', docs/quantization.md): W is a qc8w block (a scale per output
 * row); each product quantizes its input rows (qd8_quantize_u7, into a grow-only block) and runs
 * qd8_f32_qc8w_gemm. Such a layer runs but does not train.
 *
 * LinearStepBuffers holds, in one block, the [batch, in] input and [batch, out] output of each
 * linear layer of a model's streaming step, so a step allocates nothing; an input that already
 * lives in wasm memory (the preceding recurrent layer's output) is read in place.
 */
import { RnnError } from '../base/errors.js';
import { type Disposable, WasmBlocks } from './ownership.js';
import { packPanels, panelsLength, unpackPanels } from './panels.js';
import { paramBlock } from './param-block.js';
import type { ParamBlock } from './trainable.js';
import type { WasmRuntime } from './wasm.js';
import { layoutRegions } from './workspace.js';
import { packQc8w, unpackQc8w } from './quantized.js';
import { type WeightFormat, type QuantizedMatrix, dequantizeRows, matrixAs } from '../base/quantize.js';

export class PackedLinear implements Disposable {
  private readonly rt: WasmRuntime;
  private readonly blocks: WasmBlocks;
  private weight: number; // f32: never moves (optimizers keep its address); int8: replaced by load()
  private readonly bias: number; // 0: none
  private scratch = 0; // input and output rows of run() and backward(), grown on demand
  private scratchRows = 0;
  /** Floats of the packed weight block (and of its gradient): panels, padding included. */
  readonly weightLength: number;
  private weightGrad = 0; // 0 until the first train-mode run or parameters()
  private biasGrad = 0;
  private saved = 0; // the input rows of the last runTrain, grown on demand
  private savedCapacity = 0;
  private quantized = 0; // int8: the quantized input rows of runAt (scale and zero point first)
  private quantizedRows = 0;

  /**
   * Packs `weight` [outFeatures, inFeatures] and `bias` [outFeatures] (or null); either may be a
   * view of wasm memory. Throws OUT_OF_MEMORY naming `what`, with nothing left allocated.
   */
  constructor(
    rt: WasmRuntime,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: Float32Array,
    bias: Float32Array | null,
    private readonly what = 'Linear',
    readonly format: WeightFormat = 'f32',
  ) {
    if (weight.length !== inFeatures * outFeatures || (bias && bias.length !== outFeatures)) {
      throw new RnnError('INVALID_INPUT', `${what}: cannot pack a [${outFeatures}, ${inFeatures}] weight from ${weight.length} values${bias ? ` and a bias of ${bias.length}` : ''}`);
    }
    this.rt = rt;
    this.blocks = new WasmBlocks(rt, this);
    this.weightLength = panelsLength(outFeatures, inFeatures, 8);
    // views of wasm memory would be detached by a memory.grow while allocating
    weight = rt.detachSafe(weight);
    bias = rt.detachSafe(bias);
    try {
      this.weight = this.packWeight(weight);
      this.bias = bias ? this.blocks.put(bias, `${what} bias`) : 0;
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
  }

  /** A new block holding `weight` (float32, or int8 with row scales) packed in this layer's format. */
  private packWeight(weight: Float32Array | QuantizedMatrix): number {
    const { inFeatures: k, outFeatures: n, rt } = this;
    if (this.format === 'int8') {
      if (weight instanceof Float32Array && !weight.every(Number.isFinite)) throw new RnnError('INVALID_INPUT', `${this.what}: the weight holds a non-finite value, which has no int8 form`);
      const m = matrixAs(weight, 'int8', n, k) as QuantizedMatrix;
      return packQc8w(rt, this.blocks, m.q, m.scales, n, k, `${this.what} weight`);
    }
    if (!(weight instanceof Float32Array)) weight = dequantizeRows(weight, n, k);
    return this.blocks.own(packPanels(rt, weight, n, k, 8, `${this.what} weight`));
  }

  /**
   * out[rows, outFeatures] = in[rows, inFeatures] W^T + b, both byte addresses in wasm memory.
   * int8: may allocate (once per larger row count) the quantized rows' block.
   */
  runAt(inPtr: number, rows: number, outPtr: number): void {
    const { inFeatures: k, outFeatures: n, rt } = this;
    if (this.format === 'int8') {
      const kp = Math.ceil(k / 4) * 4;
      if (rows > this.quantizedRows) {
        this.quantized = this.blocks.replace(this.quantized, 16 + rows * kp, `${this.what} quantized input for ${rows} rows`);
        this.quantizedRows = rows;
      }
      rt.exports.qd8_quantize_u7(this.quantized + 16, inPtr, rows, k, k, kp, this.quantized);
      rt.exports.qd8_f32_qc8w_gemm(outPtr, this.quantized + 16, this.quantized, this.weight, this.bias, rows, n, k, n);
      return;
    }
    rt.exports.f32_gemm(outPtr, inPtr, this.weight, this.bias, rows, n, k, k, n);
  }

  /** x [rows, inFeatures] (any array, a view of wasm memory too) -> a new [rows, outFeatures]. */
  run(x: Float32Array, rows: number): Float32Array {
    const { inFeatures: k, outFeatures: n, rt } = this;
    const out = new Float32Array(rows * n);
    if (rows === 0) return out;
    x = rt.detachSafe(x); // the scratch may grow the memory
    const inPtr = this.ensureScratch(rows);
    const outPtr = inPtr + rows * k * 4;
    rt.f32(inPtr, rows * k).set(x);
    this.runAt(inPtr, rows, outPtr);
    out.set(rt.f32(outPtr, rows * n));
    return out;
  }

  /** Scratch for `rows` input rows and `rows` output rows (grown on demand); its address. */
  private ensureScratch(rows: number): number {
    if (rows > this.scratchRows) {
      const { inFeatures: k, outFeatures: n } = this;
      this.scratch = this.blocks.replace(this.scratch, rows * (k + n) * 4, `${this.what} workspace for ${rows} rows`);
      this.scratchRows = rows;
    }
    return this.scratch;
  }

  /**
   * run(), keeping the input rows for backward() (they replace those of the previous runTrain).
   * Allocates the gradient blocks the first time. Throws OUT_OF_MEMORY before anything changes.
   */
  runTrain(x: Float32Array, rows: number): Float32Array {
    const { inFeatures: k, outFeatures: n, rt } = this;
    this.trainable('a train-mode forward');
    x = rt.detachSafe(x);
    this.ensureGrads();
    if (rows > this.savedCapacity) {
      this.saved = this.blocks.replace(this.saved, Math.max(1, rows * k) * 4, `${this.what} input kept for backward (${rows} rows)`);
      this.savedCapacity = rows;
    }
    const outPtr = this.ensureScratch(Math.max(rows, 1)) + rows * k * 4;
    const out = new Float32Array(rows * n);
    if (rows === 0) return out;
    rt.f32(this.saved, rows * k).set(x);
    this.runAt(this.saved, rows, outPtr);
    out.set(rt.f32(outPtr, rows * n));
    return out;
  }

  /**
   * The backward pass of the last runTrain over `rows` rows (the caller checks that they match):
   * returns dX [rows, inFeatures] and adds dY^T X to the weight gradient and the column sums of
   * dY to the bias gradient. Allocates nothing (runTrain made every block).
   */
  backward(dy: Float32Array, rows: number): Float32Array {
    const { inFeatures: k, outFeatures: n, rt } = this;
    const dx = new Float32Array(rows * k);
    if (rows === 0) return dx;
    const ex = rt.training('Linear.backward');
    const dxPtr = this.scratch;
    const dyPtr = dxPtr + rows * k * 4;
    rt.f32(dyPtr, rows * n).set(dy);
    ex.f32_gemm_dx(dxPtr, dyPtr, this.weight, rows, n, k, n, k);
    ex.f32_wgrad_acc(this.weightGrad, dyPtr, this.saved, n, k, rows, n, k, 8);
    if (this.bias) ex.f32_colsum_acc(this.biasGrad, dyPtr, rows, n, n);
    dx.set(rt.f32(dxPtr, rows * k));
    return dx;
  }

  private ensureGrads(): void {
    if (this.weightGrad) return;
    const { rt } = this;
    const bytes = (this.weightLength + (this.bias ? this.outFeatures : 0)) * 4;
    const block = this.blocks.alloc(bytes, `${this.what} gradients`);
    rt.f32(block, bytes / 4).fill(0);
    this.weightGrad = block;
    this.biasGrad = this.bias ? block + this.weightLength * 4 : 0;
  }

  /** The weight and bias blocks with their gradients (bindings/trainable.ts), PyTorch order. */
  parameters(): ParamBlock[] {
    this.trainable('parameters()');
    this.ensureGrads();
    const { rt, inFeatures: k, outFeatures: n } = this;
    const out = [
      paramBlock(rt, 'weight', [n, k], this.weight, this.weightGrad, this.weightLength, (ptr) => unpackPanels(rt, ptr, n, k, 8)),
    ];
    if (this.bias) out.push(paramBlock(rt, 'bias', [n], this.bias, this.biasGrad, n));
    return out;
  }

  /** Training needs float32 weights. */
  private trainable(what: string): void {
    if (this.format !== 'f32') throw new RnnError('UNSUPPORTED', `${this.what}: ${what} needs float32 weights; this layer's are ${this.format} (quantize after training)`);
  }

  /** Sets the gradients to zero (nothing to do before they exist). */
  zeroGrad(): void {
    if (this.weightGrad) this.rt.f32(this.weightGrad, this.weightLength + (this.bias ? this.outFeatures : 0)).fill(0);
  }

  /**
   * Packs new values into the existing weight and bias blocks (their addresses stay). `bias`
   * must be given exactly when the layer has one. Throws OUT_OF_MEMORY (for the packing's
   * temporary) before anything changes.
   */
  load(weight: Float32Array | QuantizedMatrix, bias: Float32Array | null): void {
    const { inFeatures: k, outFeatures: n, rt } = this;
    const given = weight instanceof Float32Array ? weight.length : weight.q.length;
    if (given !== n * k || (bias === null) !== (this.bias === 0) || (bias && bias.length !== n)) {
      throw new RnnError('INVALID_INPUT', `${this.what}: cannot load a [${n}, ${k}] weight from ${given} values${bias ? ` and a bias of ${bias.length}` : ''}`);
    }
    if (weight instanceof Float32Array) weight = rt.detachSafe(weight);
    bias = rt.detachSafe(bias);
    if (this.format === 'f32' && !(weight instanceof Float32Array)) weight = dequantizeRows(weight, n, k);
    if (this.format === 'int8') {
      // a new block, then swapped in: the packing may fail (OUT_OF_MEMORY, a non-finite weight)
      const next = this.packWeight(weight);
      this.blocks.free(this.weight);
      this.weight = next;
    } else {
      const tmp = rt.alloc(n * k * 4, `${this.what} weight`);
      try {
        rt.f32(tmp, n * k).set(weight as Float32Array);
        rt.exports.x32_packw_x8(this.weight, tmp, n, k, k);
      } finally {
        rt.free(tmp);
      }
    }
    if (bias) rt.f32(this.bias, n).set(bias);
  }

  /** W [outFeatures, inFeatures], read back from the panels (a new array). */
  readWeight(): Float32Array {
    const { inFeatures: k, outFeatures: n, rt } = this;
    if (this.format === 'int8') return dequantizeRows(unpackQc8w(rt, this.weight, n, k), n, k);
    return unpackPanels(rt, this.weight, n, k, 8);
  }

  /** An int8 layer's W as stored: int8 values and row scales (new arrays). */
  readQuantizedWeight(): QuantizedMatrix {
    if (this.format !== 'int8') throw new RnnError('INVALID_INPUT', `${this.what}: the weight is float32`);
    return unpackQc8w(this.rt, this.weight, this.outFeatures, this.inFeatures);
  }

  /** b [outFeatures] (a new array), or null without a bias. */
  readBias(): Float32Array | null {
    return this.bias ? this.rt.f32(this.bias, this.outFeatures).slice() : null;
  }

  /** Frees the weights and the workspace. Safe to call twice. */
  dispose(): void {
    this.blocks.dispose();
    this.scratch = this.scratchRows = 0;
    this.weightGrad = this.biasGrad = this.saved = this.savedCapacity = 0;
    this.quantized = this.quantizedRows = 0;
  }
}

/** The feature sizes of one linear layer of a step. */
export interface LinearShape {
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/**
 * The step buffers of `layers` for `batch` rows (see the module comment). Views are made again
 * only after memory.grow.
 */
export class LinearStepBuffers implements Disposable {
  private readonly rt: WasmRuntime;
  private readonly blocks: WasmBlocks;
  private readonly layers: LinearShape[];
  private readonly inAt: number[];
  private readonly outAt: number[];
  private inViews: Float32Array[] = [];
  private outViews: Float32Array[] = [];
  private buffer: ArrayBufferLike | null = null;
  private disposed = false;

  /** Throws OUT_OF_MEMORY naming `what`; nothing is allocated then. */
  constructor(
    rt: WasmRuntime,
    layers: readonly LinearShape[],
    readonly batch: number,
    what: string,
  ) {
    this.rt = rt;
    this.layers = layers.map(({ inFeatures, outFeatures }) => ({ inFeatures, outFeatures }));
    this.blocks = new WasmBlocks(rt, this);
    const { offsets, bytes } = layoutRegions(layers.flatMap((l) => [batch * l.inFeatures, batch * l.outFeatures]));
    const block = layers.length ? this.blocks.alloc(bytes, what) : 0;
    this.inAt = layers.map((_, i) => block + offsets[2 * i]);
    this.outAt = layers.map((_, i) => block + offsets[2 * i + 1]);
  }

  /**
   * Layer i's product on x ([batch, inFeatures]) with `packed` (the layer's current weights);
   * returns a view of the output, valid until the next step or memory.grow.
   */
  run(i: number, packed: PackedLinear, x: Float32Array): Float32Array {
    const rt = this.rt;
    if (this.buffer !== rt.memory.buffer) {
      this.buffer = rt.memory.buffer;
      this.inViews = this.layers.map((l, j) => rt.f32(this.inAt[j], this.batch * l.inFeatures));
      this.outViews = this.layers.map((l, j) => rt.f32(this.outAt[j], this.batch * l.outFeatures));
    }
    let inPtr = this.inAt[i];
    if (rt.isView(x)) inPtr = x.byteOffset; // already in wasm memory: read in place
    else this.inViews[i].set(x);
    packed.runAt(inPtr, this.batch, this.outAt[i]);
    return this.outViews[i];
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the block. Safe to call twice. */
  dispose(): void {
    this.disposed = true;
    this.blocks.dispose();
  }
}
