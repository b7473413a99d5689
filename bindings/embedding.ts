/**
 * An embedding table in wasm memory: the value block [numEmbeddings, embeddingDim] (PyTorch's
 * layout, row-major) and, once training starts, a gradient block of the same shape, so that an
 * optimizer updates it like every other parameter (bindings/trainable.ts).
 *
 * A lookup is a row copy out of the table (no arithmetic); the backward pass adds each gradient
 * row to the gradient row of its token id, in the order the ids came (PyTorch's dense embedding
 * backward), so rows of ids that did not occur keep a zero gradient and an id that occurred
 * twice gets the sum.
 */
import { RnnError } from '../base/errors.js';
import { type Disposable, WasmBlocks } from './ownership.js';
import { paramBlock } from './param-block.js';
import type { ParamBlock } from './trainable.js';
import type { WasmRuntime } from './wasm.js';

export class EmbeddingTable implements Disposable {
  private readonly blocks: WasmBlocks;
  private readonly values: number;
  private grads = 0; // 0 until the first parameters() or train-mode lookup

  /** Copies `weight` (numEmbeddings * embeddingDim floats) into wasm memory. Throws OUT_OF_MEMORY naming `what`. */
  constructor(
    private readonly rt: WasmRuntime,
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    weight: Float32Array,
    private readonly what = 'Embedding',
  ) {
    if (weight.length !== numEmbeddings * embeddingDim) {
      throw new RnnError('INVALID_INPUT', `${what}: a [${numEmbeddings}, ${embeddingDim}] table needs ${numEmbeddings * embeddingDim} values, got ${weight.length}`);
    }
    this.blocks = new WasmBlocks(rt, this);
    this.values = this.blocks.put(weight, `${what} weight`);
  }

  private get length(): number {
    return this.numEmbeddings * this.embeddingDim;
  }

  /** Overwrites the table in place (same block). */
  load(weight: Float32Array): void {
    if (weight.length !== this.length) {
      throw new RnnError('INVALID_INPUT', `${this.what}: a [${this.numEmbeddings}, ${this.embeddingDim}] table needs ${this.length} values, got ${weight.length}`);
    }
    this.rt.f32(this.values, this.length).set(weight);
  }

  /** The table (a new array). */
  read(): Float32Array {
    return this.rt.f32(this.values, this.length).slice();
  }

  /** Writes row ids[i] to out[i * E ..] for i < n; the ids are already checked. */
  gather(ids: ArrayLike<number | bigint>, n: number, out: Float32Array): void {
    const e = this.embeddingDim;
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

  /** Allocates the zeroed gradient block if there is none yet. Throws OUT_OF_MEMORY. */
  ensureGrads(): void {
    if (this.grads) return;
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
