/**
 * Keras / TF.js SimpleRNN, LSTM and GRU: one direction of a recurrent layer.
 *
 * At load the Keras weights become the canonical parameters of the model spec (base/spec.ts:
 * kernel [I, G*H] transposed to [G*H, I]; LSTM gate order i,f,c,o == PyTorch i,f,g,o; GRU z,r,h
 * -> r,z,n; reset_after bias [2, 3H] = input bias / recurrent bias; one bias = b_ih). Two paths
 * run them:
 *  - FAST: tanh / sigmoid activations (SimpleRNN tanh or relu), GRU reset_after=true, and a mask
 *    that is absent or right padding with at least one valid step per item -> the wasm kernels
 *    (PackedRecurrent), go_backwards as a reverse run, outputs in processing order by strides.
 *  - GENERAL: every option set and any mask -> the JS recurrence (base/js-recurrence.ts, its
 *    rounding model there).
 *
 * Masked steps keep the state. Their output depends on the writer: TF.js outputs the carried h;
 * Keras outputs the previous output (zeros before the first valid step), or zeros when
 * `zeroOutputForMask` (Keras Bidirectional with return_sequences).
 */
import type { WeightFormat } from '../../base/quantize.js';
import { type CellFamily, type LayerDirParams, type RecurrentSpec, GATE_COUNT } from '../../base/spec.js';
import { runRecurrenceJs, type CellEquations, type MaskedOutput } from '../../base/js-recurrence.js';
import { PackedRecurrent } from '../../bindings/recurrent.js';
import type { Act, Writer } from './activations.js';

export interface CellConfig {
  cell: CellFamily;
  units: number;
  act: Act;
  /** LSTM / GRU gate activation (unused by SimpleRNN). */
  recAct: Act;
  resetAfter: boolean;
  goBackwards: boolean;
}

export interface CellWeights {
  inputSize: number;
  /** [I, G*H] */
  kernel: Float32Array;
  /** [H, G*H] */
  rec: Float32Array;
  /** [G*H], or [2, 3H] for GRU reset_after (input bias, recurrent bias); null without bias. */
  bias: Float32Array | null;
}

export interface DirResult {
  /** [B, T, H]: in processing order (reversed for go_backwards, as Keras leaves it), or in time order when asked. */
  seq: Float32Array;
  /** [B, H]: the output of the last processed step. */
  last: Float32Array;
  /** [h] or [h, c], each [B, H]. */
  states: Float32Array[];
}

/** Canonical gate block k (PyTorch order) = Keras gate block ORDER[k]. */
const ORDER: Record<CellFamily, number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] };

/** Whether the configuration computes exactly what a PyTorch layer computes. */
export function torchCompatible(c: CellConfig): boolean {
  if (c.cell === 'rnn') return c.act.name === 'tanh' || c.act.name === 'relu';
  if (c.act.name !== 'tanh' || c.recAct.name !== 'sigmoid') return false;
  return c.cell !== 'gru' || c.resetAfter;
}

/** [rows, G*H] Keras matrix -> [G*H, rows] canonical matrix with gate blocks reordered. */
function toCanonical(m: Float32Array, rows: number, H: number, order: number[]): Float32Array {
  const GH = order.length * H;
  const out = new Float32Array(GH * rows);
  order.forEach((src, k) => {
    for (let j = 0; j < H; j++) {
      const col = src * H + j;
      const o = (k * H + j) * rows;
      for (let r = 0; r < rows; r++) out[o + r] = m[r * GH + col];
    }
  });
  return out;
}

function reorder(v: Float32Array, H: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * H);
  order.forEach((src, k) => out.set(v.subarray(src * H, (src + 1) * H), k * H));
  return out;
}

/** The Keras weights of one direction as canonical parameters. */
function canonicalParams(cfg: CellConfig, w: CellWeights): LayerDirParams {
  const H = cfg.units;
  const order = ORDER[cfg.cell];
  const GH = order.length * H;
  const b = w.bias;
  const twoBiases = b !== null && cfg.cell === 'gru' && cfg.resetAfter;
  return {
    wih: toCanonical(w.kernel, w.inputSize, H, order),
    whh: toCanonical(w.rec, H, H, order),
    bih: b && reorder(twoBiases ? b.subarray(0, GH) : b, H, order),
    bhh: twoBiases ? reorder(b.subarray(GH, 2 * GH), H, order) : null,
    whr: null,
  };
}

/** Per-item lengths when every row of the mask is right padding with >= 1 valid step, else null. */
export function rightPaddedLengths(mask: Uint8Array, B: number, T: number): Int32Array | null {
  const lens = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let L = 0;
    while (L < T && mask[b * T + L]) L++;
    if (L === 0) return null;
    for (let t = L; t < T; t++) if (mask[b * T + t]) return null;
    lens[b] = L;
  }
  return lens;
}

export class Direction {
  readonly H: number;
  readonly I: number;
  readonly G: number;
  /** The equations the JS recurrence runs (always: masks the wasm path does not take). */
  private readonly cell: CellEquations;
  private readonly spec: RecurrentSpec | null;
  private packed: PackedRecurrent | null = null;

  constructor(
    readonly cfg: CellConfig,
    w: CellWeights,
    readonly writer: Writer,
    allowFast: boolean,
    format: WeightFormat = 'f32',
  ) {
    this.H = cfg.units;
    this.I = w.inputSize;
    this.G = GATE_COUNT[cfg.cell];
    const params = canonicalParams(cfg, w);
    this.cell = {
      family: cfg.cell,
      hiddenSize: this.H,
      inputSize: this.I,
      params,
      gate: cfg.recAct.fn!,
      candidate: cfg.act.fn!,
      output: cfg.act.fn!,
      resetAfter: cfg.resetAfter,
    };
    this.spec = null;
    if (allowFast && torchCompatible(cfg)) {
      this.spec = {
        cell: cfg.cell === 'rnn' ? (cfg.act.name === 'relu' ? 'rnn_relu' : 'rnn_tanh') : cfg.cell,
        inputSize: this.I,
        hiddenSize: this.H,
        projSize: 0,
        numLayers: 1,
        numDirections: 1,
        bias: params.bih !== null,
      };
      // fromParams allocates nothing when it throws
      this.packed = PackedRecurrent.fromParams(this.spec, [params], undefined, format);
    }
  }

  get fast(): boolean {
    return this.spec !== null;
  }

  dispose(): void {
    this.packed?.dispose();
    this.packed = null;
  }

  /** The masked-step output rule of this direction's writer. */
  private maskedOutput(zeroOut: boolean): MaskedOutput {
    return this.writer === 'tfjs' ? 'state' : zeroOut ? 'zero' : 'previous';
  }

  /**
   * Runs x [B, T, I] with mask [B, T] (1 = valid) or null and initial states ([h] or [h, c],
   * each [B, H]) or null. The sequence comes in processing order (Keras' own), or reversed from
   * it with `reversed` (what Keras Bidirectional makes of its backward layer's sequence).
   */
  run(x: Float32Array, B: number, T: number, mask: Uint8Array | null, init: Float32Array[] | null, zeroOutputForMask: boolean, reversed = false): DirResult {
    // the output of time step t is at place t, or at T-1-t when `flip`
    const flip = this.cfg.goBackwards !== reversed;
    if (this.packed) {
      const lens = mask ? rightPaddedLengths(mask, B, T) : null;
      if (!mask || lens) return this.runFast(this.packed, x, B, T, lens, init, zeroOutputForMask, flip);
    }
    return this.runGeneral(x, B, T, mask, init, zeroOutputForMask, flip);
  }

  private runFast(
    packed: PackedRecurrent, x: Float32Array, B: number, T: number, lens: Int32Array | null, init: Float32Array[] | null, zeroOut: boolean, flip: boolean,
  ): DirResult {
    const H = this.H;
    const back = this.cfg.goBackwards;
    const allFull = !lens || lens.every((l) => l === T);
    // with right padding the masked steps of go_backwards come first in processing order and
    // leave the state alone: the reverse run starts at each item's last valid step
    const res = packed.run(x, T, B, {
      batchFirst: true,
      reverse: back,
      timeReversedOutput: flip,
      h0: init ? init[0] : null,
      c0: init && this.cfg.cell === 'lstm' ? init[1] : null,
      lengths: allFull ? null : lens,
    });
    const seq = res.output;
    const states = res.c ? [res.h, res.c] : [res.h];
    if (!allFull) {
      // the masked steps t >= L (the driver wrote zeros there), at their place in seq
      const at = (b: number, t: number) => (b * T + (flip ? T - 1 - t : t)) * H;
      const rule = this.maskedOutput(zeroOut);
      for (let b = 0; b < B; b++) {
        const L = lens![b];
        // forward: they follow the last valid step, whose output is also the carried h;
        // backward: they precede every valid step (no previous output; the carried h is h0)
        let src: Float32Array | null = null;
        if (!back && rule !== 'zero') src = seq.slice(at(b, L - 1), at(b, L - 1) + H);
        else if (back && rule === 'state' && init) src = init[0].subarray(b * H, (b + 1) * H);
        if (src) for (let t = L; t < T; t++) seq.set(src, at(b, t));
      }
    }
    return { seq, last: this.lastOutput(seq, B, T, flip), states };
  }

  /** The Keras equations, any options and any mask. */
  private runGeneral(x: Float32Array, B: number, T: number, mask: Uint8Array | null, init: Float32Array[] | null, zeroOut: boolean, flip: boolean): DirResult {
    const { H, I } = this;
    const back = this.cfg.goBackwards;
    const seq = new Float32Array(B * T * H);
    const h = init ? init[0].slice() : new Float32Array(B * H);
    const c = this.cfg.cell === 'lstm' ? (init ? init[1].slice() : new Float32Array(B * H)) : null;
    runRecurrenceJs(this.cell, {
      T,
      B,
      x,
      xTimeStride: I,
      xBatchStride: T * I,
      out: seq,
      outOffset: flip ? (T - 1) * H : 0,
      outTimeStride: flip ? -H : H,
      outBatchStride: T * H,
      h,
      c,
      reverse: back,
      mask: mask ?? undefined,
      masked: this.maskedOutput(zeroOut),
    });
    return { seq, last: this.lastOutput(seq, B, T, flip), states: c ? [h, c] : [h] };
  }

  /** [B, H]: the output of the last processed step, time step 0 of a go_backwards run (placed as `flip` says). */
  private lastOutput(seq: Float32Array, B: number, T: number, flip: boolean): Float32Array {
    const H = this.H;
    const last = this.cfg.goBackwards ? 0 : T - 1;
    const t = flip ? T - 1 - last : last;
    const out = new Float32Array(B * H);
    for (let b = 0; b < B; b++) out.set(seq.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
    return out;
  }
}
