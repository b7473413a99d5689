/**
 * An embedding table in wasm memory: the value block [numEmbeddings, embeddingDim] (PyTorch's
 * layout, row-major) and, once training starts, a gradient block of the same shape, so that an
 * optimizer updates it like every other parameter (bindings/trainable.ts).
 *
 * A lookup is a row copy out of the table (no arithmetic); the backward pass adds each gradient
 * row to the gradient row of its token id, in the order the ids came (PyTorch's dense embedding
 * backward), so rows of ids that did not occur keep a zero gradient and an id that occurred
 * twice gets the sum.
 *
 * An int8 table (`format` 'int8', docs/quantization.md) holds each row as int8 with its scale
 * (symmetric, per row); a lookup writes q * scale. It does not train.
 */
import { RnnError } from '../base/errors.js';
import { type Disposable, WasmBlocks } from './ownership.js';
import { paramBlock } from './param-block.js';
import type { ParamBlock } from './trainable.js';
import type { WasmRuntime } from './wasm.js';
import { type WeightFormat, type QuantizedMatrix, matrixAs } from '../base/quantize.js';

export class EmbeddingTable implements Disposable {
  private readonly blocks: WasmBlocks;
  /** f32: the table; int8: the int8 rows, then numEmbeddings float scales. */
  private readonly values: number;
  private grads = 0; // 0 until the first parameters() or train-mode lookup

  /**
   * Copies `weight` (numEmbeddings * embeddingDim floats, or int8 rows with their scales) into
   * wasm memory in `format`. Throws OUT_OF_MEMORY naming `what`.
   */
  constructor(
    private readonly rt: WasmRuntime,
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    weight: Float32Array | QuantizedMatrix,
    private readonly what = 'Embedding',
    readonly format: WeightFormat = 'f32',
  ) {
    this.check(weight);
    this.blocks = new WasmBlocks(rt, this);
    this.values = this.blocks.alloc(format === 'int8' ? Math.ceil(this.length / 4) * 4 + numEmbeddings * 4 : this.length * 4, `${what} weight`);
    this.load(weight);
  }

  private get length(): number {
    return this.numEmbeddings * this.embeddingDim;
  }

  private check(weight: Float32Array | QuantizedMatrix): void {
    const given = weight instanceof Float32Array ? weight.length : weight.q.length;
    if (given !== this.length) {
      throw new RnnError('INVALID_INPUT', `${this.what}: a [${this.numEmbeddings}, ${this.embeddingDim}] table needs ${this.length} values, got ${given}`);
    }
    if (this.format === 'int8' && weight instanceof Float32Array && !weight.every(Number.isFinite)) {
      throw new RnnError('INVALID_INPUT', `${this.what}: the table holds a non-finite value, which has no int8 form`);
    }
  }

  /** The int8 rows and the scales of an int8 table (views of wasm memory). */
  private int8Views(): QuantizedMatrix {
    return { q: new Int8Array(this.rt.memory.buffer, this.values, this.length), scales: this.rt.f32(this.values + Math.ceil(this.length / 4) * 4, this.numEmbeddings) };
  }

  /** Overwrites the table in place (same block); int8 tables quantize float values per row. */
  load(weight: Float32Array | QuantizedMatrix): void {
    this.check(weight);
    if (this.format === 'int8') {
      const m = matrixAs(weight, 'int8', this.numEmbeddings, this.embeddingDim) as QuantizedMatrix;
      const v = this.int8Views();
      v.q.set(m.q);
      v.scales.set(m.scales);
      return;
    }
    this.rt.f32(this.values, this.length).set(matrixAs(weight, 'f32', this.numEmbeddings, this.embeddingDim) as Float32Array);
  }

  /** The table as float32 (int8: q * scale; a new array). */
  read(): Float32Array {
    if (this.format === 'int8') return matrixAs(this.readQuantized(), 'f32', this.numEmbeddings, this.embeddingDim) as Float32Array;
    return this.rt.f32(this.values, this.length).slice();
  }

  /** An int8 table as stored: its rows and scales (new arrays). */
  readQuantized(): QuantizedMatrix {
    if (this.format !== 'int8') throw new RnnError('INVALID_INPUT', `${this.what}: the table is float32`);
    const v = this.int8Views();
    return { q: v.q.slice(), scales: v.scales.slice() };
  }

  /** Writes row ids[i] to out[i * E ..] for i < n; the ids are already checked. */
  gather(ids: ArrayLike<number | bigint>, n: number, out: Float32Array): void {
    const e = this.embeddingDim;
    if (this.format === 'int8') {
      const { q, scales } = this.int8Views();
      for (let i = 0; i < n; i++) {
        const id = Number(ids[i]);
        const s = scales[id];
        for (let j = 0; j < e; j++) out[i * e + j] = q[id * e + j] * s;
      }
      return;
    }
    const table = this.rt.f32(this.values, this.length);
    for (let i = 0; i < n; i++) {
      const row = Number(ids[i]) * e;
      out.set(table.subarray(row, row + e), i * e);
    }
  }

  /** Adds dy row i to the gradient row of ids[i], i ascending (ids already checked). */
  accumulateGrad(ids: ArrayLike<number | bigint>, n: number, dy: Float32Array): void {
    this.ensureGrads();
    const e = this.embeddingDim;
    const grad = this.rt.f32(this.grads, this.length);
    for (let i = 0; i < n; i++) {
      const row = Number(ids[i]) * e;
      const from = i * e;
      for (let j = 0; j < e; j++) grad[row + j] += dy[from + j];
    }
  }

  /** Allocates the zeroed gradient block if there is none yet. Throws OUT_OF_MEMORY, or UNSUPPORTED for an int8 table. */
  ensureGrads(): void {
    if (this.grads) return;
    if (this.format !== 'f32') throw new RnnError('UNSUPPORTED', `${this.what}: training needs a float32 table; this one is ${this.format} (quantize after training)`);
    this.grads = this.blocks.alloc(this.length * 4, `${this.what} weight gradient`);
    this.rt.f32(this.grads, this.length).fill(0);
  }

  parameters(): ParamBlock[] {
    this.ensureGrads();
    return [paramBlock(this.rt, 'weight', [this.numEmbeddings, this.embeddingDim], this.values, this.grads, this.length)];
  }

  zeroGrad(): void {
    if (this.grads) this.rt.f32(this.grads, this.length).fill(0);
  }

  /** Frees the table and its gradient. Safe to call twice. */
  dispose(): void {
    this.blocks.dispose();
    this.grads = 0;
  }
}
