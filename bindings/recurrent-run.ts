/**
 * The layer loop of a packed recurrent stack: one PreparedRun per shape and layout, shared by
 * inference (PackedRecurrent.run, ONNX static plans) and the train-mode forward
 * (RecurrentTrainer). Per layer-direction it makes the input projection of all time steps (one
 * GEMM, or one per batch row) and one driver call for the whole time loop
 * (assembly/recurrence.ts); every layout a caller asks for - batch- or time-major input and
 * output, ONNX's [T, D, B, H], states as [L*D, B, P] or [B, L*D, P], a reverse-only stack,
 * outputs in processing order - is a stride or an offset of those calls, never a JS copy.
 *
 * Inference keeps the layers' rows in x's order (one projection GEMM per layer) and ping-pongs
 * two layer buffers. On a threaded runtime (ready({ threads })), inference splits what is large
 * enough: a projection GEMM by rows, a recurrence by batch rows (each part is the same kernel call
 * on a subset of rows, so the results are the same bits: docs/threads.md). Train mode keeps every layer's output and the activations the backward
 * needs, all time-major (docs/training.md "Recurrent backward": the weight gradients over all
 * steps are then one GEMM per matrix); a batch-first x is read by B projection GEMMs of T rows,
 * one per batch row, instead of being reordered.
 */
import type { WasmRuntime } from './wasm.js';
import { layoutRegions, type Workspace } from './workspace.js';
import type { ThreadKernel, ThreadPool } from './threads.js';
import { cellId } from './kernels.js';
import type { PanelWidth } from './panels.js';
import { RnnError } from '../base/errors.js';
import { type RecurrentSpec, gateCount, outputSize, layerInputSize } from '../base/spec.js';
import type { WeightFormat } from '../base/quantize.js';

/** One layer-direction's packed weights (PackedRecurrent). */
export interface PackedLayerDir {
  wih: number; // packed [G*H, in]
  whh: number; // packed [G*H, P]
  whhPanel: PanelWidth; // panel width W_hh was packed with
  whr: number; // packed [P, H] or 0
  /** [b_ih | b_hh] as given (2 * G*H floats) or 0 without bias: what readParams returns. */
  biases: number;
  xbias: number; // [G*H] bias the input projection adds (b_ih + b_hh; GRU: b_ih) or 0
  bhh: number; // GRU: [G*H] bias the recurrent product adds (b_hh) or 0
}

/**
 * How the output of the last layer is laid out:
 *  - 'TBD': [T, B, D*P] (PyTorch, time-major),
 *  - 'BTD': [B, T, D*P] (PyTorch batch_first, ONNX layout 1, Keras),
 *  - 'TDB': [T, D, B, P] (ONNX layout 0).
 */
export type OutputOrder = 'TBD' | 'BTD' | 'TDB';

/** The shape and layout a PreparedRun is set up for. */
export interface RunShape {
  tLen: number;
  batch: number;
  /** x is [B, T, I] (else [T, B, I]). */
  batchFirst: boolean;
  order: OutputOrder;
  /** Every layer runs from the last step to the first (unidirectional stacks). */
  reverse: boolean;
  /** The output of step t goes to step T-1-t's place. */
  timeReversed: boolean;
  /** h0 / c0 and the final states are [B, L*D, P] (ONNX layout 1), else [L*D, B, P]. */
  stateBatchFirst: boolean;
  /** Keep what RecurrentTrainer.backward needs (the training build's kernels). */
  train: boolean;
}

/**
 * Rows (t, b) of a matrix A in x's order against the same rows of a time-major matrix C, as
 * `count` blocks of `m` rows: block i starts at row i * aBlock of A and i * cBlock of C, and the
 * rows of a block are aRow / cRow rows apart. One block when both have the same order; B blocks
 * of T rows for a batch-major A.
 */
export interface RowBlocks {
  count: number;
  m: number;
  aBlock: number;
  cBlock: number;
  aRow: number;
  cRow: number;
}

export function rowBlocks(aBatchMajor: boolean, tLen: number, batch: number): RowBlocks {
  return aBatchMajor
    ? { count: batch, m: tLen, aBlock: tLen, cBlock: 1, aRow: 1, cRow: batch }
    : { count: 1, m: tLen * batch, aBlock: 0, cBlock: 0, aRow: 1, cRow: 1 };
}

/** Floats a train-mode run keeps per layer-direction and time step (docs/training.md). */
export function keptFloatsPerStep(spec: RecurrentSpec, batch: number): number {
  const { cell, hiddenSize: hs, projSize } = spec;
  const gh = gateCount(cell) * hs;
  let per = gh + outputSize(spec); // gates, state h
  if (cell === 'lstm') per += hs; // cell state c
  if (projSize > 0) per += hs; // cell output before the projection
  if (cell === 'gru') per += gh; // recurrent products
  return per * batch;
}

/**
 * Byte offsets (from the workspace start) of a run's regions. `layerOut[l]` is layer l's output
 * buffer (train mode: one per layer, kept; inference: two, alternating). The train-mode regions
 * (gates and saves, `lds` layer-directions each) are 0-sized in inference, where `gates` is the
 * one projection buffer every layer-direction reuses.
 */
export interface RunRegions {
  x: number;
  layerOut: number[];
  gates: number;
  scratch: number;
  h: number;
  c: number;
  lengths: number;
  hsave: number;
  csave: number;
  rsave: number;
  hhsave: number;
  /** int8 weights: the quantized layer input's scale and zero point (16 bytes), then its rows. */
  xq: number;
  bytes: number;
}

/** One layer-direction's kernel calls, byte offsets relative to the workspace. */
interface LayerDirCall {
  p: PackedLayerDir;
  input: number;
  inSize: number;
  /** How the input rows map onto the projection's rows. */
  blocks: RowBlocks;
  gates: number;
  h: number;
  c: number;
  out: number;
  ots: number;
  obs: number;
  reverse: number;
  hsave: number;
  csave: number;
  rsave: number;
  hhsave: number;
  /** Inference: the input projection's calls, one per part (several on a threaded runtime). */
  projection: KernelCall[];
  /** Inference: the recurrence's calls, one per part of the batch. */
  recurrence: KernelCall[];
}

/**
 * A kernel call worked out once (kernelCall): `args` with the workspace-relative ones (indices
 * `based`) made absolute at each run into `abs`; `lengthsAt` is the index of the lengths pointer
 * (0 when a run has no lengths), or -1.
 */
interface KernelCall {
  kernel: ThreadKernel;
  args: number[];
  based: number[];
  lengthsAt: number;
  abs: number[];
}

/**
 * f(...a), a wasm export taking up to 20 arguments, spelled out: a spread or apply() allocates in
 * code V8 has not optimized, and a streaming frame should allocate nothing. The arguments past
 * a.length are undefined and past the export's count, which a call into wasm drops.
 */
function invoke(f: (...args: number[]) => void, a: number[]): void {
  f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19]);
}

/** An argument of kernelCall: a number as it is, or a workspace offset ({ ws }), or the lengths' ({ lengths }). */
type CallArg = number | { ws: number } | { lengths: number };
/** A workspace offset as a kernelCall argument. */
const inWs = (offset: number): CallArg => ({ ws: offset });

function kernelCall(kernel: ThreadKernel, parts: readonly CallArg[]): KernelCall {
  const call: KernelCall = { kernel, args: [], based: [], lengthsAt: -1, abs: [] };
  parts.forEach((a, i) => {
    if (typeof a !== 'number') {
      call.based.push(i);
      if ('lengths' in a) call.lengthsAt = i;
    }
    call.args.push(typeof a === 'number' ? a : 'ws' in a ? a.ws : a.lengths);
  });
  call.abs = call.args.slice();
  return call;
}

/**
 * minPartMadds: the work (multiply-adds) each part of a split computation must have at least, so
 * that the hand-over (a worker wakes in 10-50 us) stays a small fraction of it: about 50-100 us of
 * GEMM. Tests lower it to split small problems.
 */
export const THREAD_SPLIT = { minPartMadds: 2_000_000 };

/**
 * Boundaries of `n` items split into `parts` runs as even as they can be, each but the last a
 * multiple of `align` (0 = start, parts = n): part p is [b[p], b[p + 1]).
 */
export function splitEven(n: number, parts: number, align = 1): number[] {
  const out = [0];
  for (let p = 1; p < parts; p++) out.push(Math.min(n, Math.round((n * p) / parts / align) * align));
  out.push(n);
  return out;
}

/** Parts (at most `threads`) for `madds` of work over `items` rows, each part at least THREAD_SPLIT.minPartMadds. */
function partsFor(threads: number, items: number, madds: number): number {
  return Math.max(1, Math.min(threads, items, Math.floor(madds / THREAD_SPLIT.minPartMadds)));
}

/**
 * A PackedRecurrent run of one shape with everything that depends only on the shape worked out
 * once: the workspace layout and every kernel call's arguments. run() copies the inputs in, makes
 * the calls and copies the results out, allocating nothing (views of wasm memory are made again
 * only after memory.grow or a workspace move).
 */
export class PreparedRun {
  readonly regions: RunRegions;
  private readonly what: string;
  private readonly calls: LayerDirCall[] = [];
  /** Offset of the last layer's output. */
  private readonly final: number;
  /** Bytes of a quantized input row (int8 weights): the widest layer input, rounded up to 4. */
  private readonly kpBytes: number;
  private readonly rows: number;
  private readonly xFloats: number;
  private readonly hFloats: number;
  private readonly cFloats: number;
  private readonly outFloats: number;
  /** Driver strides of the projections' rows (x's order in inference, time-major in train mode). */
  private readonly xts: number;
  private readonly xbs: number;
  /** State row strides of the driver (floats between two batch rows of one layer-direction). */
  private readonly hbs: number;
  private readonly cbs: number;
  private viewsOf: ArrayBufferLike | null = null;
  private viewsBase = -1;
  private xView: Float32Array = new Float32Array(0);
  private hView: Float32Array = new Float32Array(0);
  private cView: Float32Array = new Float32Array(0);
  private lengthsView: Int32Array = new Int32Array(0);
  private outView: Float32Array = new Float32Array(0);
  /** The worker threads this run splits over, or undefined (one thread, or nothing large enough). */
  private readonly pool: ThreadPool | undefined;

  constructor(
    private readonly rt: WasmRuntime,
    private readonly spec: RecurrentSpec,
    layers: readonly PackedLayerDir[],
    private readonly ws: Workspace,
    readonly shape: Readonly<RunShape>,
    private readonly format: WeightFormat = 'f32',
  ) {
    const { cell, hiddenSize: hs, inputSize, numLayers: nl, numDirections: nd, projSize } = spec;
    const { tLen, batch, batchFirst, order, timeReversed, stateBatchFirst, train } = shape;
    if (train && (stateBatchFirst || shape.reverse || timeReversed || order === 'TDB')) {
      throw new RnnError('INVALID_OPTION', 'PackedRecurrent: a train-mode run takes [L*D, B, P] states and a PyTorch output order');
    }
    const ps = outputSize(spec);
    const gh = gateCount(cell) * hs;
    const lds = nl * nd;
    const rows = tLen * batch;
    const width = nd * ps;
    this.rows = rows;
    this.xFloats = rows * inputSize;
    this.hFloats = lds * batch * ps;
    this.cFloats = cell === 'lstm' ? lds * batch * hs : 0;
    this.outFloats = rows * width;
    const layerBuffers = train ? nl : Math.min(nl, 2);
    // threads: the recurrence splits by batch rows when each part has enough work, except with
    // int8 weights, whose recurrence quantizes h over all batch rows at every step (one scale per
    // tensor, as PyTorch's dynamic quantization): parts would have scales of their own
    const threads = train ? 1 : rt.threadCount;
    const batchParts = splitEven(batch, format === 'int8' ? 1 : partsFor(threads, batch, tLen * batch * gh * ps));
    const scratchParts = [0]; // float offsets of each part's scratch
    for (let i = 1; i < batchParts.length; i++) {
      scratchParts.push(scratchParts[i - 1] + Math.ceil(rt.exports.recurrence_scratch_size(cellId(rt.constants, cell), batchParts[i] - batchParts[i - 1], hs, ps) / 4) * 4);
    }
    const scratchFloats = scratchParts.pop()!;
    // int8: every layer's input is quantized (all rows at once, as PyTorch's quantized layers
    // quantize the whole input of their input projection) into rows of kp bytes
    let maxIn = inputSize;
    for (let l = 1; l < nl; l++) maxIn = Math.max(maxIn, layerInputSize(spec, l));
    this.kpBytes = Math.ceil(maxIn / 4) * 4;
    const { offsets, bytes } = layoutRegions([
      this.xFloats, // x, in the caller's layout
      ...Array.from({ length: layerBuffers }, () => rows * width), // layer outputs
      (train ? lds : 1) * rows * gh, // input projections; in train mode the activated gates
      scratchFloats, // scratch of the recurrence (of each part)
      this.hFloats, // h
      this.cFloats, // c
      batch, // lengths
      train ? lds * (tLen + 1) * batch * ps : 0, // hsave
      train && cell === 'lstm' ? lds * (tLen + 1) * batch * hs : 0, // csave
      train && projSize > 0 ? lds * rows * hs : 0, // rsave
      train && cell === 'gru' ? lds * rows * gh : 0, // hhsave
      format === 'int8' ? 4 + (rows * this.kpBytes) / 4 : 0, // xq: params, then rows
    ]);
    const [x, ...rest] = offsets;
    const layerOut = rest.slice(0, layerBuffers);
    const [gates, scratch, h, c, lengths, hsave, csave, rsave, hhsave, xq] = rest.slice(layerBuffers);
    this.regions = { x, layerOut, gates, scratch, h, c, lengths, hsave, csave, rsave, hhsave, xq, bytes };
    this.what = train
      ? `activations kept for backward (T=${tLen}, batch=${batch}: ${keptFloatsPerStep(spec, batch) * lds * 4} bytes a time step; use shorter sequences or a smaller batch)`
      : `workspace for T=${tLen}, batch=${batch}`;

    // the rows of the projections and the inner layers: x's order, or time-major in train mode
    const innerBatchMajor = batchFirst && !train;
    this.xts = innerBatchMajor ? gh : batch * gh;
    this.xbs = innerBatchMajor ? tLen * gh : gh;
    const innerTs = innerBatchMajor ? width : batch * width;
    const innerBs = innerBatchMajor ? tLen * width : width;
    this.hbs = stateBatchFirst ? lds * ps : ps;
    this.cbs = stateBatchFirst ? lds * hs : hs;
    let input = x;
    let inSize = inputSize;
    for (let l = 0; l < nl; l++) {
      const last = l === nl - 1;
      const out = layerOut[l % layerBuffers];
      const blocks = rowBlocks(l === 0 && batchFirst && !innerBatchMajor, tLen, batch);
      for (let d = 0; d < nd; d++) {
        const sd = l * nd + d;
        let ots = innerTs;
        let obs = innerBs;
        let at = d * ps;
        if (last && order === 'TDB') [ots, obs, at] = [nd * batch * ps, ps, d * batch * ps];
        else if (last) [ots, obs] = order === 'BTD' ? [width, tLen * width] : [batch * width, width];
        if (last && timeReversed) {
          at += (tLen - 1) * ots;
          ots = -ots;
        }
        const p = layers[sd];
        const call: LayerDirCall = {
          p,
          input,
          inSize,
          blocks,
          gates: gates + (train ? sd * rows * gh * 4 : 0),
          h: h + (stateBatchFirst ? sd * ps : sd * batch * ps) * 4,
          c: c + (stateBatchFirst ? sd * hs : sd * batch * hs) * 4,
          out: out + at * 4,
          ots,
          obs,
          reverse: d === 1 || shape.reverse ? 1 : 0,
          hsave: hsave + sd * (tLen + 1) * batch * ps * 4,
          csave: csave + sd * (tLen + 1) * batch * hs * 4,
          rsave: projSize > 0 ? rsave + sd * rows * hs * 4 : 0,
          hhsave: hhsave + sd * rows * gh * 4,
          projection: [],
          recurrence: [],
        };
        this.calls.push(call);
        if (train) continue;
        // inference: the projection by rows in 4-row blocks (the GEMM's tile), int8 from the
        // quantized rows (kp bytes each); the recurrence by batch rows
        const projParts = splitEven(rows, partsFor(threads, Math.floor(rows / 4), rows * gh * inSize), 4);
        const kp = Math.ceil(inSize / 4) * 4;
        for (let i = 0; i + 1 < projParts.length; i++) {
          const [r0, m] = [projParts[i], projParts[i + 1] - projParts[i]];
          call.projection.push(format === 'int8'
            ? kernelCall('qd8_f32_qc8w_gemm', [inWs(call.gates + r0 * gh * 4), inWs(xq + 16 + r0 * kp), inWs(xq), p.wih, p.xbias, m, gh, inSize, gh])
            : kernelCall('f32_gemm', [inWs(call.gates + r0 * gh * 4), inWs(input + r0 * inSize * 4), p.wih, p.xbias, m, gh, inSize, inSize, gh]));
        }
        const q8 = format === 'int8' ? 1 : 0;
        for (let i = 0; i + 1 < batchParts.length; i++) {
          const b0 = batchParts[i];
          const b = batchParts[i + 1] - b0;
          const [g, hp, cp, o, sc] = [call.gates + b0 * this.xbs * 4, call.h + b0 * this.hbs * 4, call.c + b0 * this.cbs * 4, call.out + b0 * call.obs * 4, scratch + scratchParts[i] * 4].map(inWs);
          const len = { lengths: lengths + b0 * 4 };
          const { xts, xbs, hbs, cbs } = this;
          const r = call.reverse;
          call.recurrence.push(
            cell === 'lstm' ? kernelCall('lstm_recurrence', [g, xts, xbs, p.whh, p.whr, hp, hbs, cp, cbs, o, ots, obs, tLen, b, hs, ps, len, r, sc, q8])
              : cell === 'gru' ? kernelCall('gru_recurrence', [g, xts, xbs, p.whh, p.bhh, hp, hbs, o, ots, obs, tLen, b, hs, len, r, sc, q8])
                : kernelCall(cell === 'rnn_tanh' ? 'rnn_tanh_recurrence' : 'rnn_relu_recurrence', [g, xts, xbs, p.whh, hp, hbs, o, ots, obs, tLen, b, hs, len, r, sc, q8]),
          );
        }
      }
      input = out;
      inSize = width;
    }
    this.final = input;
    this.pool = this.calls.some((c) => c.projection.length > 1 || c.recurrence.length > 1) ? rt.threads : undefined;
  }

  /** Whether this run has `shape` (the same sizes, layouts and mode). */
  matches(shape: Readonly<RunShape>): boolean {
    const s = this.shape;
    return s.tLen === shape.tLen && s.batch === shape.batch && s.batchFirst === shape.batchFirst && s.order === shape.order &&
      s.reverse === shape.reverse && s.timeReversed === shape.timeReversed && s.stateBatchFirst === shape.stateBatchFirst && s.train === shape.train;
  }

  /**
   * Runs the stack: x (not a view of wasm memory) in, h0 / c0 (or null for zeros) and lengths (or
   * null for all T) as RunOptions says; the output and the final h (and c) into the given arrays.
   * Returns the workspace base the regions are relative to.
   */
  run(x: Float32Array, h0: Float32Array | null, c0: Float32Array | null, lengths: Int32Array | null, output: Float32Array, h: Float32Array, c: Float32Array | null): number {
    const { cell, hiddenSize: hs, inputSize } = this.spec;
    const { tLen, batch, batchFirst, train } = this.shape;
    const rt = this.rt;
    const reg = this.regions;
    const base = this.ws.ensure(reg.bytes, this.what);
    if (this.viewsOf !== rt.memory.buffer || this.viewsBase !== base) {
      this.xView = rt.f32(base + reg.x, this.xFloats);
      this.hView = rt.f32(base + reg.h, this.hFloats);
      this.cView = rt.f32(base + reg.c, this.cFloats);
      this.lengthsView = rt.i32(base + reg.lengths, batch);
      this.outView = rt.f32(base + this.final, this.outFloats);
      this.viewsOf = rt.memory.buffer;
      this.viewsBase = base;
    }
    this.xView.set(x);
    if (h0) this.hView.set(h0);
    else this.hView.fill(0);
    if (c0) this.cView.set(c0);
    else this.cView.fill(0);
    let lengthsPtr = 0;
    if (lengths) {
      this.lengthsView.set(lengths);
      lengthsPtr = base + reg.lengths;
      // padded steps never reach the cells, but the weight gradient multiplies their inputs by zero
      if (train) {
        for (let b = 0; b < batch; b++) {
          for (let t = lengths[b]; t < tLen; t++) {
            const row = batchFirst ? b * tLen + t : t * batch + b;
            this.xView.fill(0, row * inputSize, (row + 1) * inputSize);
          }
        }
      }
    }
    const ps = outputSize(this.spec);
    const gh = gateCount(cell) * hs;
    const scratch = base + reg.scratch;
    const k = rt.exports;
    const tk = train ? rt.training('recurrent layer training') : undefined;
    let quantized = -1; // the input whose quantized rows are in the xq region
    for (let i = 0; i < this.calls.length; i++) {
      const call = this.calls[i];
      const { p, inSize, blocks: bl, ots, obs, reverse } = call;
      const gates = base + call.gates;
      const input = base + call.input;
      if (!train) {
        // int8: both directions of a layer read the same input, quantized once, whole (its scale is the whole input's)
        if (this.format === 'int8' && input !== quantized) k.qd8_quantize_u7(base + reg.xq + 16, input, this.rows, inSize, inSize, Math.ceil(inSize / 4) * 4, base + reg.xq);
        quantized = input;
        this.runCalls(call.projection, base, lengths !== null);
        this.runCalls(call.recurrence, base, lengths !== null);
        continue;
      }
      for (let j = 0; j < bl.count; j++) {
        k.f32_gemm(gates + j * bl.cBlock * gh * 4, input + j * bl.aBlock * inSize * 4, p.wih, p.xbias, bl.m, gh, inSize, bl.aRow * inSize, bl.cRow * gh);
      }
      const hPtr = base + call.h;
      const cPtr = base + call.c;
      const out = base + call.out;
      const hsave = base + call.hsave;
      switch (cell) {
        case 'lstm':
          tk!.lstm_recurrence_train(gates, p.whh, p.whr, hPtr, cPtr, out, ots, obs, tLen, batch, hs, ps, lengthsPtr, reverse, scratch, hsave, base + call.csave, call.rsave && base + call.rsave);
          break;
        case 'gru':
          tk!.gru_recurrence_train(gates, p.whh, p.bhh, hPtr, out, ots, obs, tLen, batch, hs, lengthsPtr, reverse, scratch, hsave, base + call.hhsave);
          break;
        case 'rnn_tanh':
          tk!.rnn_tanh_recurrence_train(gates, p.whh, hPtr, out, ots, obs, tLen, batch, hs, lengthsPtr, reverse, scratch, hsave);
          break;
        case 'rnn_relu':
          tk!.rnn_relu_recurrence_train(gates, p.whh, hPtr, out, ots, obs, tLen, batch, hs, lengthsPtr, reverse, scratch, hsave);
      }
    }
    output.set(this.outView);
    h.set(this.hView);
    if (c) c.set(this.cView);
    return base;
  }

  /**
   * Makes `calls` (the parts of one kernel's work) with the workspace at `base`: the workers take
   * every part but the first, the main thread the first, and it returns when all are done.
   */
  private runCalls(calls: KernelCall[], base: number, withLengths: boolean): void {
    const k = this.rt.exports as unknown as Record<ThreadKernel, (...args: number[]) => void>;
    for (let i = 0; i < calls.length; i++) {
      const { args, based, lengthsAt, abs } = calls[i];
      for (let j = 0; j < based.length; j++) abs[based[j]] = args[based[j]] + base;
      if (lengthsAt >= 0 && !withLengths) abs[lengthsAt] = 0;
      if (i > 0) this.pool!.add(i - 1, calls[i].kernel, abs);
    }
    if (calls.length > 1) this.pool!.start();
    try {
      invoke(k[calls[0].kernel], calls[0].abs);
    } finally {
      if (calls.length > 1) this.pool!.wait();
    }
  }
}
