/**
 * Keras / TF.js SimpleRNN, LSTM and GRU: one direction of a recurrent layer.
 *
 * Two paths:
 *  - FAST: tanh / sigmoid activations (SimpleRNN tanh or relu), GRU reset_after=true, and a mask
 *    that is absent or right padding with at least one valid step per item -> the weights are
 *    converted once at load to a wasm-rnn core layer (Keras kernel [I, G*H] transposed; LSTM
 *    gate order i,f,c,o == torch i,f,g,o; GRU z,r,h -> torch r,z,n; reset_after bias [2, 3H] =
 *    input bias / recurrent bias) and go_backwards runs it on the reversed input.
 *  - GENERAL: an exact float32 implementation of the Keras equations for every option set and
 *    any mask: one driver (time order, masks, initial states, masked outputs) and a step per
 *    cell. Matrix products accumulate in float64 and each gate pre-activation is rounded to
 *    float32 once; elementwise updates are rounded to float32; states are float32.
 *
 * Masked steps keep the state. Their output depends on the writer: TF.js outputs the carried h;
 * Keras outputs the previous output (zeros before the first valid step), or zeros when
 * `zeroOutputForMask` (Keras Bidirectional with return_sequences).
 */
import { recurrentFromStateDict, type RecurrentLayer } from '../layers/index.js';
import type { Act, Writer } from './activations.js';

export type CellKind = 'lstm' | 'gru' | 'simple_rnn';

export const GATES: Record<CellKind, number> = { lstm: 4, gru: 3, simple_rnn: 1 };

export interface CellConfig {
  cell: CellKind;
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
  /** [B, T, H] in processing order (reversed for go_backwards, as Keras leaves it). */
  seq: Float32Array;
  /** [B, H]: the output of the last processed step. */
  last: Float32Array;
  /** [h] or [h, c], each [B, H]. */
  states: Float32Array[];
}

const fr = Math.fround;

/** PyTorch gate block k = Keras gate block ORDER[k]. */
const ORDER: Record<CellKind, number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], simple_rnn: [0] };

/** Whether the configuration computes exactly what a PyTorch layer computes. */
export function torchCompatible(c: CellConfig): boolean {
  if (c.cell === 'simple_rnn') return c.act.name === 'tanh' || c.act.name === 'relu';
  if (c.act.name !== 'tanh' || c.recAct.name !== 'sigmoid') return false;
  return c.cell !== 'gru' || c.resetAfter;
}

/** [I, G*H] Keras matrix -> [G*H, I] torch matrix with gate blocks reordered. */
function toTorch(m: Float32Array, rows: number, H: number, order: number[]): Float32Array {
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

export class Direction {
  readonly H: number;
  readonly I: number;
  readonly G: number;
  private core: RecurrentLayer | null = null;

  constructor(
    readonly cfg: CellConfig,
    readonly w: CellWeights,
    readonly writer: Writer,
    allowFast: boolean,
  ) {
    this.H = cfg.units;
    this.I = w.inputSize;
    this.G = GATES[cfg.cell];
    if (allowFast && torchCompatible(cfg)) this.core = this.makeCore();
  }

  get fast(): boolean {
    return this.core !== null;
  }

  private makeCore(): RecurrentLayer {
    const { cell } = this.cfg;
    const { H, I } = this;
    const order = ORDER[cell];
    const GH = this.G * H;
    const bias = this.w.bias !== null;
    const opts = { inputSize: I, hiddenSize: H, bias, batchFirst: true };
    const dict: Record<string, { data: Float32Array; shape: number[] }> = {
      weight_ih_l0: { data: toTorch(this.w.kernel, I, H, order), shape: [GH, I] },
      weight_hh_l0: { data: toTorch(this.w.rec, H, H, order), shape: [GH, H] },
    };
    if (this.w.bias) {
      const b = this.w.bias;
      if (cell === 'gru') {
        dict.bias_ih_l0 = { data: reorder(b.subarray(0, GH), H, order), shape: [GH] };
        dict.bias_hh_l0 = { data: reorder(b.subarray(GH, 2 * GH), H, order), shape: [GH] };
      } else {
        dict.bias_ih_l0 = { data: reorder(b, H, order), shape: [GH] };
        dict.bias_hh_l0 = { data: new Float32Array(GH), shape: [GH] };
      }
    }
    // fromStateDict allocates nothing when it throws
    return recurrentFromStateDict(cell === 'lstm' ? 'lstm' : cell === 'gru' ? 'gru' : this.cfg.act.name === 'relu' ? 'rnn_relu' : 'rnn_tanh', dict, opts);
  }

  dispose(): void {
    this.core?.dispose();
    this.core = null;
  }

  /**
   * Runs x [B, T, I] with mask [B, T] (1 = valid) or null and initial states ([h] or [h, c],
   * each [B, H]) or null.
   */
  run(x: Float32Array, B: number, T: number, mask: Uint8Array | null, init: Float32Array[] | null, zeroOutputForMask: boolean): DirResult {
    if (this.core) {
      const lens = mask ? rightPaddedLengths(mask, B, T) : null;
      if (!mask || lens) return this.runFast(x, B, T, lens, init, zeroOutputForMask);
    }
    return this.runGeneral(x, B, T, mask, init, zeroOutputForMask);
  }

  private runFast(x: Float32Array, B: number, T: number, lens: Int32Array | null, init: Float32Array[] | null, zeroOut: boolean): DirResult {
    const { H, I } = this;
    const back = this.cfg.goBackwards;
    let xin = x;
    if (back) {
      // processing order is x[T-1] .. x[0]; with right padding the masked steps come first and
      // leave the state alone, so the core layer runs each item's valid steps reversed
      xin = new Float32Array(x.length);
      for (let b = 0; b < B; b++) {
        const L = lens ? lens[b] : T;
        for (let s = 0; s < L; s++) xin.set(x.subarray((b * T + L - 1 - s) * I, (b * T + L - s) * I), (b * T + s) * I);
      }
    }
    const allFull = !lens || lens.every((l) => l === T);
    const res = this.core!.forward(
      { data: xin, shape: [B, T, I] },
      {
        h0: init ? { data: init[0], shape: [1, B, H] } : undefined,
        c0: init && this.cfg.cell === 'lstm' ? { data: init[1], shape: [1, B, H] } : undefined,
        lengths: allFull ? undefined : lens!,
      },
    );
    const core = res.output.data;
    const h = res.h.data;
    const states = res.c ? [h, res.c.data] : [h];
    if (allFull) return { seq: core, last: lastStep(core, B, T, H), states };
    let seq = core;
    if (back) {
      seq = new Float32Array(B * T * H);
      for (let b = 0; b < B; b++) {
        const L = lens![b];
        const pad = T - L;
        seq.set(core.subarray(b * T * H, (b * T + L) * H), (b * T + pad) * H);
        // masked steps before the first valid one: TF.js outputs the carried (initial) h
        if (this.writer === 'tfjs' && init && !zeroOut) for (let p = 0; p < pad; p++) seq.set(init[0].subarray(b * H, (b + 1) * H), (b * T + p) * H);
      }
    } else if (!zeroOut) {
      // masked steps after the last valid one repeat its output (= the carried h)
      for (let b = 0; b < B; b++) {
        const L = lens![b];
        const src = core.subarray((b * T + L - 1) * H, (b * T + L) * H);
        for (let p = L; p < T; p++) seq.set(src, (b * T + p) * H);
      }
    }
    return { seq, last: lastStep(seq, B, T, H), states };
  }

  /** The Keras equations, any options and any mask. */
  runGeneral(x: Float32Array, B: number, T: number, mask: Uint8Array | null, init: Float32Array[] | null, zeroOut: boolean): DirResult {
    const { H, I, G } = this;
    const GH = G * H;
    const { kernel, rec, bias } = this.w;
    const cell = this.cfg.cell;
    const act = this.cfg.act.fn!;
    const ract = this.cfg.recAct.fn!;
    const back = this.cfg.goBackwards;
    const tfjs = this.writer === 'tfjs';
    const seq = new Float32Array(B * T * H);
    const last = new Float32Array(B * H);
    const hOut = new Float32Array(B * H);
    const cOut = new Float32Array(B * H);
    const gx = new Float64Array(GH);
    const gh = new Float64Array(GH);
    const h = new Float32Array(H);
    const c = new Float32Array(H);
    const rh = new Float32Array(H);
    const prev = new Float32Array(H);
    const inB = bias ? bias.subarray(0, GH) : null;
    const recB = bias && cell === 'gru' && this.cfg.resetAfter ? bias.subarray(GH, 2 * GH) : null;
    // acc[g] = sum_k v[k] * M[k*GH + g] for g in [g0, g1)
    const matvec = (acc: Float64Array, v: Float32Array, vo: number, n: number, M: Float32Array, g0: number, g1: number, b: Float32Array | null) => {
      for (let g = g0; g < g1; g++) acc[g] = b ? b[g] : 0;
      for (let k = 0; k < n; k++) {
        const xv = v[vo + k];
        if (xv === 0) continue;
        const row = k * GH;
        for (let g = g0; g < g1; g++) acc[g] += xv * M[row + g];
      }
    };
    for (let b = 0; b < B; b++) {
      if (init) h.set(init[0].subarray(b * H, (b + 1) * H));
      else h.fill(0);
      if (init && cell === 'lstm') c.set(init[1].subarray(b * H, (b + 1) * H));
      else c.fill(0);
      prev.fill(0);
      for (let p = 0; p < T; p++) {
        const t = back ? T - 1 - p : p;
        const o = (b * T + p) * H;
        if (mask && !mask[b * T + t]) {
          if (tfjs) seq.set(h, o);
          else if (!zeroOut) seq.set(prev, o);
          continue;
        }
        matvec(gx, x, (b * T + t) * I, I, kernel, 0, GH, inB);
        if (cell === 'lstm') {
          matvec(gh, h, 0, H, rec, 0, GH, null);
          for (let j = 0; j < H; j++) {
            const i = fr(ract(fr(gx[j] + gh[j])));
            const f = fr(ract(fr(gx[H + j] + gh[H + j])));
            const g = fr(act(fr(gx[2 * H + j] + gh[2 * H + j])));
            const oo = fr(ract(fr(gx[3 * H + j] + gh[3 * H + j])));
            const cn = fr(fr(f * c[j]) + fr(i * g));
            c[j] = cn;
            h[j] = fr(oo * fr(act(cn)));
          }
        } else if (cell === 'gru') {
          if (this.cfg.resetAfter) {
            matvec(gh, h, 0, H, rec, 0, GH, recB);
            for (let j = 0; j < H; j++) {
              const z = fr(ract(fr(gx[j] + gh[j])));
              const r = fr(ract(fr(gx[H + j] + gh[H + j])));
              const hh = fr(act(fr(gx[2 * H + j] + fr(r * fr(gh[2 * H + j])))));
              rh[j] = fr(fr(z * h[j]) + fr((1 - z) * hh));
            }
          } else {
            matvec(gh, h, 0, H, rec, 0, 2 * H, null);
            const z = new Float32Array(H);
            for (let j = 0; j < H; j++) {
              z[j] = fr(ract(fr(gx[j] + gh[j])));
              rh[j] = fr(fr(ract(fr(gx[H + j] + gh[H + j]))) * h[j]);
            }
            matvec(gh, rh, 0, H, rec, 2 * H, 3 * H, null);
            for (let j = 0; j < H; j++) {
              const hh = fr(act(fr(gx[2 * H + j] + gh[2 * H + j])));
              rh[j] = fr(fr(z[j] * h[j]) + fr((1 - z[j]) * hh));
            }
          }
          h.set(rh);
        } else {
          matvec(gh, h, 0, H, rec, 0, H, null);
          for (let j = 0; j < H; j++) rh[j] = fr(act(fr(gx[j] + gh[j])));
          h.set(rh);
        }
        seq.set(h, o);
        prev.set(h);
      }
      last.set(seq.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
      hOut.set(h, b * H);
      cOut.set(c, b * H);
    }
    return { seq, last, states: cell === 'lstm' ? [hOut, cOut] : [hOut] };
  }
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

function lastStep(seq: Float32Array, B: number, T: number, H: number): Float32Array {
  const out = new Float32Array(B * H);
  for (let b = 0; b < B; b++) out.set(seq.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
  return out;
}
