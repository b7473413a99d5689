/**
 * A recurrent stack packed into wasm memory, and the kernel calls that run it.
 *
 * `PackedRecurrent.fromParams(spec, params)` packs a model spec's parameters once (matrices in
 * panels of 8 columns, or 32 for a W_hh small enough to stay in L2: the kernels'
 * `recurrent_panel_width` decides; the biases next to them, with the sum the input projection
 * adds); `run` copies the input in, makes one GEMM per layer-direction for the input projection of
 * all time steps, and one driver call per layer-direction for the whole time loop (no JS per time
 * step). The layouts the importers need (batch- or time-major, ONNX's [T, D, B, H], a reverse-only
 * direction, outputs in processing order) are strides of that driver call, never JS copies. The
 * workspace is kept between calls and only grows, so repeated calls allocate nothing.
 */
import { type WasmRuntime, runtime } from './wasm.js';
import { type PanelWidth, blocksArePanels, packPanels, panelsLength, unpackPanels } from './panels.js';
import { Workspace, layoutRegions } from './workspace.js';
import { type OutputOrder, type PackedLayerDir, type RunShape, PreparedRun } from './recurrent-run.js';
import { warmUp, WARM_UP_BYTES } from './warmup.js';
import { cellId } from './kernels.js';
import { type Disposable, WasmBlocks, disposeWhenCollected, cancelDisposeWhenCollected } from './ownership.js';
import { packQc8w, unpackQc8w, qc8wBytes } from './quantized.js';
import { RnnError } from '../base/errors.js';
import { type RecurrentSpec, type LayerDirParams, gateCount, outputSize, layerInputSize } from '../base/spec.js';
import { type WeightFormat, type QuantizedMatrix, quantizeRows, dequantizeRows, validScales } from '../base/quantize.js';

/** A layer-direction's parameters with int8 matrices (biases float32): PyTorch's quantized weights as they are. */
export interface QuantizedLayerDirParams {
  wih: QuantizedMatrix;
  whh: QuantizedMatrix;
  whr: QuantizedMatrix | null;
  bih: Float32Array | null;
  bhh: Float32Array | null;
}

export interface RunOptions {
  /** x is [B, T, I] (default false: [T, B, I]). */
  batchFirst?: boolean;
  /** Default: 'BTD' when batchFirst, else 'TBD'. */
  order?: OutputOrder;
  /** [L*D, B, P] initial h (or [B, L*D, P] with stateBatchFirst), or null / undefined for zeros. */
  h0?: Float32Array | null;
  /** [L*D, B, H] initial c (LSTM; or [B, L*D, H]), or null / undefined for zeros. */
  c0?: Float32Array | null;
  /** h0 / c0 and the final h / c are [B, L*D, *] (ONNX layout 1) instead of [L*D, B, *]. */
  stateBatchFirst?: boolean;
  /** [B] in [1, T] (pack_padded_sequence semantics), or null / undefined for all T. */
  lengths?: Int32Array | null;
  /**
   * Unidirectional stacks only: every layer runs from the last step to the first (ONNX
   * direction=reverse, Keras go_backwards); the output stays at its time step.
   */
  reverse?: boolean;
  /**
   * The output of step t goes to step T-1-t's place (with `reverse`: the output in processing
   * order, as Keras go_backwards returns it). Steps past a row's length are zeros as ever.
   */
  timeReversedOutput?: boolean;
  /** The array the output goes to (checked by the caller: its size, not a view of wasm memory), or null for a new one. */
  into?: Float32Array | null;
}

export interface RunResult {
  /** The last layer's output, laid out as RunOptions.order says. */
  output: Float32Array;
  /** [L*D, B, P] (or [B, L*D, P] with stateBatchFirst) */
  h: Float32Array;
  /** [L*D, B, H] (LSTM; or [B, L*D, H]) */
  c: Float32Array | null;
}

/** The options of a run that fix its layout (prepareRun). */
export type LayoutOptions = Omit<RunOptions, 'h0' | 'c0' | 'lengths' | 'into'>;

/** Floats of one layer-direction's parameter `field`, by the spec (0 for an absent one). */
function paramLength(spec: RecurrentSpec, l: number, field: keyof LayerDirParams): number {
  const gh = gateCount(spec.cell) * spec.hiddenSize;
  switch (field) {
    case 'wih':
      return gh * layerInputSize(spec, l);
    case 'whh':
      return gh * outputSize(spec);
    case 'bih':
      return spec.bias ? gh : 0;
    case 'bhh':
      return spec.bias ? gh : 0;
    case 'whr':
      return spec.projSize > 0 ? spec.projSize * spec.hiddenSize : 0;
  }
}

const FIELDS: readonly (keyof LayerDirParams)[] = ['wih', 'whh', 'bih', 'bhh', 'whr'];

/**
 * A recurrent stack's parameters packed into wasm memory. Its memory (weights and workspace) is
 * freed by dispose(), or once the object is unreachable (bindings/ownership.ts).
 */
export class PackedRecurrent implements Disposable {
  readonly spec: RecurrentSpec;
  private readonly rt: WasmRuntime;
  private readonly layers: PackedLayerDir[] = [];

  /** The runtime whose memory holds the weights (streams and trainers over them must use it). */
  get runtime(): WasmRuntime {
    return this.rt;
  }
  private readonly weights: WasmBlocks;
  private readonly ws: Workspace;
  private readonly freeWorkspace: Disposable;

  /**
   * Packs the parameters of `spec` (canonical PyTorch form, base/spec.ts): `params[l * D + d]`
   * is layer l, direction d. With `format` 'int8' a matrix may also be given as int8 with its row
   * scales (PyTorch's quantized weights), packed as it is; float32 ones are quantized per row. A
   * bias-less `bhh` (null) in a spec with bias counts as zeros (Keras writes one bias for LSTM
   * and SimpleRNN). Every array's length is checked first; on
   * failure (a wrong length, out of memory) nothing stays allocated. The arrays may be views of
   * wasm memory (they are copied before anything is allocated).
   *
   * `gateOrder`: the float32 matrices and the biases hold their gate blocks in another order,
   * canonical block k being given block gateOrder[k] (ONNX's LSTM i, o, f, c: [0, 2, 3, 1]).
   * They are packed in the canonical order, the matrices by the packer's addressing where each
   * gate is whole panels (no reordered JS copy of the weights), else reordered first.
   */
  static fromParams(spec: RecurrentSpec, params: readonly (LayerDirParams | QuantizedLayerDirParams)[], rt: WasmRuntime = runtime(), format: WeightFormat = 'f32', gateOrder?: readonly number[]): PackedRecurrent {
    const nd = spec.numDirections;
    if (params.length !== spec.numLayers * nd) {
      throw new RnnError('SHAPE_MISMATCH', `recurrent parameters: ${params.length} layer-directions given, the spec has ${spec.numLayers * nd}`);
    }
    const safe = params.map((p, i) => {
      const l = Math.floor(i / nd);
      const out = { ...p };
      for (const field of FIELDS) {
        const a = p[field];
        const want = paramLength(spec, l, field);
        const optional = field === 'bhh' && want > 0;
        const where = `recurrent parameters: layer ${l} direction ${i % nd} ${field}`;
        const length = a == null ? 0 : a instanceof Float32Array ? a.length : a.q.length;
        if (a == null ? want !== 0 && !optional : length !== want) {
          throw new RnnError('SHAPE_MISMATCH', `${where} has ${a == null ? 'no' : length} values, expected ${want}`);
        }
        if (a instanceof Float32Array) {
          (out as LayerDirParams)[field] = rt.detachSafe(a);
          if (format === 'int8' && field[0] === 'w' && !a.every(Number.isFinite)) throw new RnnError('INVALID_INPUT', `${where} holds a non-finite value, which has no int8 form`);
        } else if (a) {
          // int8 with row scales (PyTorch's quantized weights as they are)
          const rows = field === 'whr' ? spec.projSize : gateCount(spec.cell) * spec.hiddenSize;
          if (format !== 'int8') throw new RnnError('INVALID_INPUT', `${where} is int8, the stack float32`);
          if (a.scales.length !== rows || !validScales(a.scales)) throw new RnnError('INVALID_INPUT', `${where} needs ${rows} finite, non-negative scales`);
        }
      }
      return out;
    });
    // a large layer's first forward would run in V8's baseline code: start the optimizing
    // compile of its kernels in the background before packing (bindings/warmup.ts)
    if (PackedRecurrent.packedBytes(spec) >= WARM_UP_BYTES) warmUp(rt, gateCount(spec.cell) * spec.hiddenSize, outputSize(spec));
    if (gateOrder !== undefined && (gateOrder.length !== gateCount(spec.cell) || ![...gateOrder].sort().every((g, i) => g === i))) {
      throw new RnnError('INVALID_INPUT', `recurrent parameters: gateOrder must be a permutation of the ${gateCount(spec.cell)} gates, got [${gateOrder.join(', ')}]`);
    }
    return new PackedRecurrent(rt, spec, safe, format, gateOrder);
  }

  /**
   * How the matrices are stored: float32 panels, or int8 with a scale per row (qc8w blocks,
   * docs/quantization.md; biases stay float32).
   */
  readonly format: WeightFormat;

  private constructor(rt: WasmRuntime, spec: RecurrentSpec, params: (LayerDirParams | QuantizedLayerDirParams)[], format: WeightFormat, gateOrder?: readonly number[]) {
    this.rt = rt;
    this.gateOrder = gateOrder;
    this.spec = spec;
    this.format = format;
    this.weights = new WasmBlocks(rt, this);
    const ws = new Workspace(rt);
    this.ws = ws;
    this.freeWorkspace = { dispose: () => ws.free() };
    disposeWhenCollected(this, this.freeWorkspace);
    try {
      for (let l = 0; l < spec.numLayers; l++) {
        for (let d = 0; d < spec.numDirections; d++) {
          this.layers.push(this.packLayerDir(params[l * spec.numDirections + d], layerInputSize(spec, l)));
        }
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * Bytes of wasm memory the packed weights of `spec` take (before any workspace), at most: W_hh
   * is counted with 32-column panels, which is its size when the kernels pick that layout and
   * 0-24 columns more than the 8-column one otherwise.
   */
  static packedBytes(spec: RecurrentSpec): number {
    const gh = gateCount(spec.cell) * spec.hiddenSize;
    const ps = outputSize(spec);
    const panel = (n: number, k: number, nr: PanelWidth = 8) => panelsLength(n, k, nr) * 4;
    // biases: b_ih and b_hh as given, plus their sum for the input projection (not GRU)
    const biasFloats = spec.bias ? (spec.cell === 'gru' ? 2 : 3) * gh : 0;
    const layer = (l: number) => {
      let one = panel(gh, layerInputSize(spec, l)) + panel(gh, ps, 32) + biasFloats * 4;
      if (spec.projSize > 0) one += panel(spec.projSize, spec.hiddenSize);
      return one * spec.numDirections;
    };
    // layers 1.. all have the same input width: no loop over numLayers, which may be huge here
    return layer(0) + (spec.numLayers - 1) * (spec.numLayers > 1 ? layer(1) : 0);
  }

  /**
   * Packs W [n, k] into panels of 8 columns, or 32 with `nr` 32 (bindings/panels.ts), or, for
   * int8 weights, quantized per row into a qc8w block; owned by this object.
   */
  private packMatrix(w: Float32Array | QuantizedMatrix, n: number, k: number, what: string, nr: PanelWidth = 8, gated = false): number {
    const order = gated ? this.gateOrder : undefined;
    if (order !== undefined && (!(w instanceof Float32Array) || this.format === 'int8' || !blocksArePanels(n, order.length, nr))) {
      // int8 quantizes (or was given) whole rows, and a gate that is not whole panels shares
      // one with the next: reordered here
      w = w instanceof Float32Array ? reorderBlocks(w, order) : { q: reorderBlocks(w.q, order), scales: reorderBlocks(w.scales, order) };
      return this.packMatrix(w, n, k, what, nr);
    }
    if (this.format === 'int8') {
      const m = w instanceof Float32Array ? quantizeRows(w, n, k) : w;
      return packQc8w(this.rt, this.weights, m.q, m.scales, n, k, what);
    }
    return this.weights.own(packPanels(this.rt, w as Float32Array, n, k, nr, what, order));
  }

  /** The gate order of the params given to fromParams, undefined when canonical (used while packing). */
  private readonly gateOrder: readonly number[] | undefined;

  /** W [n, k] as packed: float32 panels read back, or int8 values times their row scales. */
  private readMatrix(ptr: number, n: number, k: number, nr: PanelWidth): Float32Array {
    return this.format === 'int8' ? dequantizeRows(unpackQc8w(this.rt, ptr, n, k), n, k) : unpackPanels(this.rt, ptr, n, k, nr);
  }

  /** Floats (f32) or bytes / 4 (int8) of a packed [n, k] matrix, for copies between blocks. */
  private matrixFloats(n: number, k: number, nr: PanelWidth): number {
    return this.format === 'int8' ? qc8wBytes(this.rt, n, k) / 4 : panelsLength(n, k, nr);
  }

  private packLayerDir(p: LayerDirParams | QuantizedLayerDirParams, inSize: number): PackedLayerDir {
    const { cell, hiddenSize: hs, projSize } = this.spec;
    const gh = gateCount(cell) * hs;
    const ps = outputSize(this.spec);
    // the recurrence reads W_hh in the panel width this kernel function names for its shape
    const out: PackedLayerDir = { wih: 0, whh: 0, whhPanel: this.rt.exports.recurrent_panel_width(gh, ps) === 32 ? 32 : 8, whr: 0, biases: 0, xbias: 0, bhh: 0 };
    out.wih = this.packMatrix(p.wih, gh, inSize, 'weight_ih', 8, true);
    out.whh = this.packMatrix(p.whh, gh, ps, 'weight_hh', out.whhPanel, true);
    if (projSize > 0 && p.whr) out.whr = this.packMatrix(p.whr, projSize, hs, 'weight_hr');
    if (p.bih) {
      // [b_ih | b_hh] as given, then (LSTM, RNN) b_ih + b_hh, which the input projection adds;
      // GRU's b_hn must stay inside r * (W_hn h + b_hn): its recurrent product carries b_hh
      const gru = cell === 'gru';
      out.biases = this.weights.alloc((gru ? 2 : 3) * gh * 4, 'bias');
      const v = this.rt.f32(out.biases, (gru ? 2 : 3) * gh);
      const order = this.gateOrder;
      v.set(order ? reorderBlocks(p.bih, order) : p.bih);
      if (p.bhh) v.set(order ? reorderBlocks(p.bhh, order) : p.bhh, gh);
      else v.fill(0, gh, 2 * gh);
      if (gru) {
        out.xbias = out.biases;
        out.bhh = out.biases + gh * 4;
      } else {
        out.xbias = out.biases + 2 * gh * 4;
        for (let i = 0; i < gh; i++) v[2 * gh + i] = v[i] + v[gh + i];
      }
    }
    return out;
  }

  /**
   * Runs the stack on `x` (T steps of `batch` rows, laid out as options.batchFirst says). The
   * caller validates the inputs (the layer classes, the importers). The input projections and
   * the inner layers' outputs keep x's row order; only the last layer writes the requested
   * output order, so no layout is ever copied in JS.
   */
  run(x: Float32Array, tLen: number, batch: number, options: RunOptions = {}): RunResult {
    const { cell, hiddenSize: hs, numLayers: nl, numDirections: nd } = this.spec;
    const prepared = this.prepareRun(tLen, batch, options);
    const rt = this.rt;
    // h and c have the same length in either state order
    // inputs may be views of wasm memory (a step output with { view: true }): copy them before
    // the workspace can grow the memory and detach them
    const output = options.into ?? new Float32Array(tLen * batch * nd * outputSize(this.spec));
    const h = new Float32Array(nl * nd * batch * outputSize(this.spec));
    const c = cell === 'lstm' ? new Float32Array(nl * nd * batch * hs) : null;
    prepared.run(rt.detachSafe(x), rt.detachSafe(options.h0 ?? null), rt.detachSafe(options.c0 ?? null), options.lengths ?? null, output, h, c);
    return { output, h, c };
  }

  /**
   * A run of T steps of `batch` rows in one layout, set up once: its workspace layout and the
   * arguments of every kernel call are worked out here, so that PreparedRun.run allocates nothing
   * (a static ONNX plan runs a recurrent node on every frame this way). The last one is kept:
   * run() of the same shape and options reuses it.
   */
  prepareRun(tLen: number, batch: number, options: LayoutOptions = {}): PreparedRun {
    const shape = this.runShape(tLen, batch, options, false);
    if (this.lastPrepared?.matches(shape)) return this.lastPrepared;
    this.lastPrepared = new PreparedRun(this.rt, this.spec, this.layers, this.ws, shape, this.format);
    return this.lastPrepared;
  }

  /**
   * A train-mode run (RecurrentTrainer): the same layer loop, keeping what the backward needs in
   * `workspace`, which the caller owns (the activations must outlive other runs until the backward).
   */
  prepareTrainRun(tLen: number, batch: number, batchFirst: boolean, workspace: Workspace): PreparedRun {
    if (this.format !== 'f32') throw new RnnError('UNSUPPORTED', `training needs float32 weights; this layer's are ${this.format} (quantize after training)`);
    return new PreparedRun(this.rt, this.spec, this.layers, workspace, this.runShape(tLen, batch, { batchFirst }, true), this.format);
  }

  private runShape(tLen: number, batch: number, options: LayoutOptions, train: boolean): RunShape {
    const batchFirst = options.batchFirst ?? false;
    const reverse = options.reverse ?? false;
    if (reverse && this.spec.numDirections !== 1) throw new RnnError('INVALID_OPTION', 'PackedRecurrent.run: reverse is for unidirectional stacks');
    return {
      tLen, batch, batchFirst, reverse, train,
      order: options.order ?? (batchFirst ? 'BTD' : 'TBD'),
      timeReversed: options.timeReversedOutput ?? false,
      stateBatchFirst: options.stateBatchFirst ?? false,
    };
  }

  private lastPrepared: PreparedRun | undefined;

  /**
   * The parameters of layer-direction `i` (l * D + d) read back from wasm memory: new arrays,
   * bit for bit what was packed (packing only moves floats). Nothing is kept in JS (a second
   * copy would double a model's memory). A bias-less b_hh given as null comes back as zeros.
   */
  readParams(i: number): LayerDirParams {
    const { cell, hiddenSize: hs, projSize } = this.spec;
    const p = this.layers[i];
    const gh = gateCount(cell) * hs;
    const inSize = layerInputSize(this.spec, Math.floor(i / this.spec.numDirections));
    return {
      wih: this.readMatrix(p.wih, gh, inSize, 8),
      whh: this.readMatrix(p.whh, gh, outputSize(this.spec), p.whhPanel),
      bih: p.biases ? this.rt.f32(p.biases, gh).slice() : null,
      bhh: p.biases ? this.rt.f32(p.biases + gh * 4, gh).slice() : null,
      whr: p.whr ? this.readMatrix(p.whr, projSize, hs, 8) : null,
    };
  }

  /** The packed weights of layer-direction `i` (l * D + d). */
  layerDir(i: number): Readonly<PackedLayerDir> {
    return this.layers[i];
  }

  /**
   * Counts changes of the values in place (parametersChanged, copyValuesFrom): a backward checks
   * that its forward ran on the same version.
   */
  get version(): number {
    return this.valuesVersion;
  }

  private valuesVersion = 0;

  /**
   * To be called after the values were changed in place in wasm memory (an optimizer step):
   * recomputes the bias sum b_ih + b_hh the input projection adds (LSTM, RNN) and counts a new
   * version.
   */
  parametersChanged(): void {
    const gh = gateCount(this.spec.cell) * this.spec.hiddenSize;
    if (this.spec.bias && this.spec.cell !== 'gru') {
      for (const p of this.layers) {
        const v = this.rt.f32(p.biases, 3 * gh);
        for (let i = 0; i < gh; i++) v[2 * gh + i] = v[i] + v[gh + i];
      }
    }
    this.valuesVersion++;
  }

  /**
   * Copies the values of `other` (the same spec and format, packed by fromParams) into this object's blocks,
   * so that their addresses stay valid for whoever holds them (an optimizer, a streaming state);
   * counts a new version.
   */
  copyValuesFrom(other: PackedRecurrent): void {
    if (other.format !== this.format) throw new RnnError('INVALID_INPUT', `PackedRecurrent.copyValuesFrom: ${other.format} weights into ${this.format} blocks`);
    const { cell, hiddenSize: hs, projSize } = this.spec;
    const gh = gateCount(cell) * hs;
    const ps = outputSize(this.spec);
    const copy = (dst: number, src: number, floats: number) => {
      if (dst) this.rt.f32(dst, floats).set(this.rt.f32(src, floats));
    };
    this.layers.forEach((p, i) => {
      const q = other.layers[i];
      const inSize = layerInputSize(this.spec, Math.floor(i / this.spec.numDirections));
      copy(p.wih, q.wih, this.matrixFloats(gh, inSize, 8));
      copy(p.whh, q.whh, this.matrixFloats(gh, ps, p.whhPanel));
      if (projSize > 0) copy(p.whr, q.whr, this.matrixFloats(projSize, hs, 8));
      copy(p.biases, q.biases, (cell === 'gru' ? 2 : 3) * gh);
    });
    this.valuesVersion++;
  }

  /** Frees every block. Safe to call twice. */
  dispose(): void {
    this.weights.dispose();
    cancelDisposeWhenCollected(this.freeWorkspace);
    this.ws.free();
  }
}

/**
 * Streaming state of a unidirectional stack: h [L, B, P] and c [L, B, H] live in wasm memory,
 * next to the descriptor table and the per-step buffers, in one block. A step is one copy of
 * the input frame in, one wasm call (stack_step) through every layer, and a copy (or view) out.
 * Views are cached and rebuilt only after memory.grow. The block is freed by dispose(), or once
 * the object is unreachable.
 */
export class StreamState implements Disposable {
  readonly batch: number;
  private readonly rt: WasmRuntime;
  private readonly spec: RecurrentSpec;
  private readonly memory: WasmBlocks;
  /** The stack_step `cell` id. */
  private readonly cell: number;
  /** stack_step's q8 flag: the weights are int8. */
  private readonly q8: number;
  private disposed = false;
  private readonly off: { desc: number; h: number; c: number; x: number; xproj: number; scratch: number; out0: number; out1: number };
  private readonly hLen: number;
  private readonly cLen: number;
  private readonly xLen: number;
  private bound: PackedRecurrent | null = null;
  private buffer: ArrayBuffer | null = null;
  private xView: Float32Array = new Float32Array(0);
  private outView: Float32Array = new Float32Array(0);

  constructor(rt: WasmRuntime, packed: PackedRecurrent, batch: number) {
    this.rt = rt;
    this.spec = packed.spec;
    this.batch = batch;
    const { cell, hiddenSize: hs, inputSize, numLayers: nl } = this.spec;
    const ps = outputSize(this.spec);
    const gh = gateCount(cell) * hs;
    const slots = rt.constants.STACK_SLOTS;
    this.cell = cellId(rt.constants, cell);
    this.q8 = packed.format === 'int8' ? 1 : 0;
    this.hLen = nl * batch * ps;
    this.cLen = cell === 'lstm' ? nl * batch * hs : 0;
    this.xLen = batch * inputSize;
    const { offsets, bytes } = layoutRegions([
      nl * slots, // desc
      this.hLen, // h
      this.cLen, // c
      this.xLen, // x
      batch * gh, // xproj
      // scratch, and for int8 weights after it the quantized layer inputs (stack_step)
      rt.exports.recurrence_scratch_size(cellId(rt.constants, cell), batch, hs, ps) + (this.q8 ? Math.ceil((batch * Math.ceil(Math.max(inputSize, ps) / 4) * 4) / 4) + 4 : 0),
      batch * ps, // out0
      batch * ps, // out1
    ]);
    this.memory = new WasmBlocks(rt, this);
    const block = this.memory.alloc(bytes, `streaming state for batch ${batch}`);
    const [desc, h, c, x, xproj, scratch, out0, out1] = offsets.map((o) => block + o);
    this.off = { desc, h, c, x, xproj, scratch, out0, out1 };
    this.bind(packed);
    this.reset();
  }

  /** Points the descriptor table at `packed`'s weights (after a reload of the same spec). */
  bind(packed: PackedRecurrent): void {
    if (this.bound === packed) return;
    if ((packed.format === 'int8' ? 1 : 0) !== this.q8) throw new RnnError('INVALID_INPUT', `streaming state: made for ${this.q8 ? 'int8' : 'f32'} weights, bound to ${packed.format} ones`);
    const { cell, hiddenSize: hs, numLayers: nl } = this.spec;
    const ps = outputSize(this.spec);
    const slots = this.rt.constants.STACK_SLOTS;
    const desc = this.rt.i32(this.off.desc, nl * slots);
    for (let l = 0; l < nl; l++) {
      const p = packed.layerDir(l);
      desc.set(
        [p.wih, p.whh, p.whr, p.xbias, p.bhh, layerInputSize(this.spec, l),
          this.off.h + l * this.batch * ps * 4, cell === 'lstm' ? this.off.c + l * this.batch * hs * 4 : 0],
        l * slots,
      );
    }
    this.bound = packed;
  }

  get boundTo(): PackedRecurrent | null {
    return this.bound;
  }

  /**
   * Runs one step on `x` ([B, I] floats); returns a view of the last layer's output [B, P]: the
   * same view object every step until memory.grow, so a step allocates nothing.
   */
  step(x: Float32Array): Float32Array {
    const o = this.off;
    this.refreshViews();
    this.xView.set(x);
    this.rt.exports.stack_step(this.cell, o.desc, this.spec.numLayers, o.x, this.batch, this.spec.hiddenSize, outputSize(this.spec), o.xproj, o.scratch, o.out0, o.out1, this.q8);
    return this.outView;
  }

  /** The views of this state's wasm blocks, made again only after memory.grow detached them. */
  private refreshViews(): void {
    if (this.buffer === this.rt.memory.buffer) return;
    const o = this.off;
    this.buffer = this.rt.memory.buffer as ArrayBuffer;
    this.xView = this.rt.f32(o.x, this.xLen);
    // stack_step ends in out0 after an odd number of layers, out1 after an even one
    this.outView = this.rt.f32(this.spec.numLayers % 2 === 1 ? o.out0 : o.out1, this.batch * outputSize(this.spec));
    this.hView = this.rt.f32(o.h, this.hLen);
    this.cView = this.rt.f32(o.c, this.cLen);
  }

  private hView: Float32Array = new Float32Array(0);
  private cView: Float32Array = new Float32Array(0);

  reset(): void {
    this.refreshViews();
    this.hView.fill(0);
    this.cView.fill(0);
  }

  getH(): Float32Array {
    return this.rt.f32(this.off.h, this.hLen).slice();
  }

  getC(): Float32Array | null {
    return this.cLen ? this.rt.f32(this.off.c, this.cLen).slice() : null;
  }

  /** Copies h (and c) into the caller's arrays (no allocation). */
  copyTo(h: Float32Array, c: Float32Array | undefined): void {
    this.refreshViews();
    h.set(this.hView);
    if (c && this.cLen) c.set(this.cView);
  }

  setH(h: Float32Array): void {
    this.refreshViews();
    this.hView.set(h);
  }

  setC(c: Float32Array): void {
    this.refreshViews();
    if (this.cLen) this.cView.set(c);
  }

  dispose(): void {
    this.memory.dispose();
    this.bound = null;
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/**
 * The parameters of layer-direction `i` of an int8 stack as stored: int8 matrices with their row
 * scales (what was packed), biases float32.
 */
export function readQuantizedParams(packed: PackedRecurrent, i: number): QuantizedLayerDirParams {
  if (packed.format !== 'int8') throw new RnnError('INVALID_INPUT', 'readQuantizedParams: the weights are float32');
  const { spec, runtime: rt } = packed;
  const { cell, hiddenSize: hs, projSize } = spec;
  const p = packed.layerDir(i);
  const gh = gateCount(cell) * hs;
  const inSize = layerInputSize(spec, Math.floor(i / spec.numDirections));
  return {
    wih: unpackQc8w(rt, p.wih, gh, inSize),
    whh: unpackQc8w(rt, p.whh, gh, outputSize(spec)),
    bih: p.biases ? rt.f32(p.biases, gh).slice() : null,
    bhh: p.biases ? rt.f32(p.biases + gh * 4, gh).slice() : null,
    whr: p.whr ? unpackQc8w(rt, p.whr, projSize, hs) : null,
  };
}

/** `src` as order.length equal blocks, block k of the result being block order[k] of src (a new array). */
function reorderBlocks<T extends Float32Array | Int8Array>(src: T, order: readonly number[]): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const size = src.length / order.length;
  order.forEach((o, k) => out.set(src.subarray(o * size, (o + 1) * size) as never, k * size));
  return out;
}
