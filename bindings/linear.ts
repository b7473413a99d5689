/**
 * A linear layer's weights in wasm memory (y = x W^T + b), and the streaming-step buffers of a
 * chain of such layers.
 *
 * PackedLinear packs W [out, in] once into 8-column panels (x32_packw_x8) and copies the bias
 * next to it; every product is one f32_gemm over all rows. It keeps no JS copy of the weights:
 * readWeight / readBias read them back bit for bit. Its memory is freed by dispose(), or once the
 * object is collected (ownership.ts).
 *
 * LinearStepBuffers holds, in one block, the [batch, in] input and [batch, out] output of each
 * linear layer of a model's streaming step, so a step allocates nothing; an input that already
 * lives in wasm memory (the preceding recurrent layer's output) is read in place.
 */
import { RnnError } from '../base/errors.js';
import { type Disposable, WasmBlocks } from './ownership.js';
import { packPanels, unpackPanels } from './panels.js';
import type { WasmRuntime } from './wasm.js';
import { layoutRegions } from './workspace.js';

export class PackedLinear implements Disposable {
  private readonly rt: WasmRuntime;
  private readonly blocks: WasmBlocks;
  private readonly weight: number;
  private readonly bias: number; // 0: none
  private scratch = 0; // input and output rows of run(), grown on demand
  private scratchRows = 0;

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
  ) {
    if (weight.length !== inFeatures * outFeatures || (bias && bias.length !== outFeatures)) {
      throw new RnnError('INVALID_INPUT', `${what}: cannot pack a [${outFeatures}, ${inFeatures}] weight from ${weight.length} values${bias ? ` and a bias of ${bias.length}` : ''}`);
    }
    this.rt = rt;
    this.blocks = new WasmBlocks(rt, this);
    // views of wasm memory would be detached by a memory.grow while allocating
    weight = rt.detachSafe(weight);
    bias = rt.detachSafe(bias);
    try {
      this.weight = this.blocks.own(packPanels(rt, weight, outFeatures, inFeatures, 8, `${what} weight`));
      this.bias = bias ? this.blocks.put(bias, `${what} bias`) : 0;
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
  }

  /** out[rows, outFeatures] = in[rows, inFeatures] W^T + b, both byte addresses in wasm memory. */
  runAt(inPtr: number, rows: number, outPtr: number): void {
    const { inFeatures: k, outFeatures: n } = this;
    this.rt.exports.f32_gemm(outPtr, inPtr, this.weight, this.bias, rows, n, k, k, n);
  }

  /** x [rows, inFeatures] (any array, a view of wasm memory too) -> a new [rows, outFeatures]. */
  run(x: Float32Array, rows: number): Float32Array {
    const { inFeatures: k, outFeatures: n, rt } = this;
    const out = new Float32Array(rows * n);
    if (rows === 0) return out;
    x = rt.detachSafe(x); // the scratch may grow the memory
    if (rows > this.scratchRows) {
      this.scratch = this.blocks.replace(this.scratch, rows * (k + n) * 4, `${this.what} workspace for ${rows} rows`);
      this.scratchRows = rows;
    }
    const inPtr = this.scratch;
    const outPtr = inPtr + rows * k * 4;
    rt.f32(inPtr, rows * k).set(x);
    this.runAt(inPtr, rows, outPtr);
    out.set(rt.f32(outPtr, rows * n));
    return out;
  }

  /** W [outFeatures, inFeatures], read back from the panels (a new array). */
  readWeight(): Float32Array {
    return unpackPanels(this.rt, this.weight, this.outFeatures, this.inFeatures, 8);
  }

  /** b [outFeatures] (a new array), or null without a bias. */
  readBias(): Float32Array | null {
    return this.bias ? this.rt.f32(this.bias, this.outFeatures).slice() : null;
  }

  /** Frees the weights and the workspace. Safe to call twice. */
  dispose(): void {
    this.blocks.dispose();
    this.scratch = this.scratchRows = 0;
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
