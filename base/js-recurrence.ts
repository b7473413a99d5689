/**
 * The recurrence in JS: one direction of an LSTM, GRU or RNN layer over a sequence, for the cells
 * the wasm kernels do not run (other activations, clip, peepholes, GRU's reset-before form,
 * arbitrary masks). The importers (src/onnx, src/keras) describe a cell by its canonical
 * parameters (PyTorch's gate order and [out, in] layout, base/spec.ts) and its activations;
 * layouts, time order and masked steps are strides and policies of the call, never copies.
 *
 * Rounding model: matrix products and biases are summed in float64 and each gate pre-activation
 * (peephole term included) is rounded to float32 once; every later operation (activation,
 * product, sum) is rounded to float32, as a float32 runtime computes it; states are float32.
 */
import type { CellFamily, LayerDirParams } from './spec.js';
import { matvecF64 } from './reference-math.js';

export type ActivationFn = (x: number) => number;

/** The equations of one direction of a cell. */
export interface CellEquations {
  family: CellFamily;
  hiddenSize: number;
  inputSize: number;
  /** Canonical parameters (no projection: `whr` must be null). b_hh null = no recurrent bias. */
  params: LayerDirParams;
  /** Gate activation (PyTorch sigmoid; ONNX f; Keras recurrent_activation). */
  gate: ActivationFn;
  /** Candidate activation: LSTM g, GRU n, the RNN's one (PyTorch tanh; ONNX g, RNN f; Keras activation). */
  candidate: ActivationFn;
  /** LSTM: activation of the cell state in h = o * act(c) (PyTorch tanh; ONNX h; Keras activation). */
  output: ActivationFn;
  /** Pre-activations clipped to [-clip, clip] (ONNX clip), or undefined. */
  clip?: number;
  /** LSTM: f = 1 - i (ONNX input_forget). */
  inputForget?: boolean;
  /** LSTM peephole weights [3H] = p_i, p_f, p_o (canonical order), or null. */
  peepholes?: Float32Array | null;
  /**
   * GRU: n = act(W_in x + b_in + r * (W_hn h + b_hn)) (PyTorch, ONNX linear_before_reset=1,
   * Keras reset_after) when true; n = act(W_in x + b_in + W_hn (r * h) + b_hn) when false.
   */
  resetAfter: boolean;
}

/**
 * What a masked step writes: zeros; the carried state h (TF.js); or the previous step's output
 * in processing order, zeros before the first valid step (Keras).
 */
export type MaskedOutput = 'zero' | 'state' | 'previous';

/** A sequence run: where x is read, where the output goes, the state and the valid steps. */
export interface SequenceRun {
  T: number;
  B: number;
  /** x(t, b) starts at x[t * xTimeStride + b * xBatchStride]. */
  x: Float32Array;
  xTimeStride: number;
  xBatchStride: number;
  /** The output of step (t, b) goes to out[outOffset + t * outTimeStride + b * outBatchStride] (strides may be negative). */
  out: Float32Array;
  outOffset: number;
  outTimeStride: number;
  outBatchStride: number;
  /** In the initial state, out the final one (c: LSTM); row b at stateOffset + b * stateBatchStride. */
  h: Float32Array;
  c: Float32Array | null;
  /** Default 0. */
  stateOffset?: number;
  /** Default H (rows [B, H] one after the other). */
  stateBatchStride?: number;
  /** Run from the last step to the first. */
  reverse: boolean;
  /** Step t of row b is valid when t < lengths[b] ... */
  lengths?: Int32Array;
  /** ... or when mask[b * T + t] is not 0; without either every step is. */
  mask?: Uint8Array;
  masked: MaskedOutput;
}

/** One time step of one row: reads h (and c) at `so`, writes the new ones there. */
type CellStep = (gx: Float64Array, h: Float32Array, c: Float32Array, so: number) => void;

const fr = Math.fround;

function clipper(clip: number | undefined): ActivationFn {
  if (clip === undefined) return (x) => x;
  return (x) => (x > clip ? clip : x < -clip ? -clip : x);
}

function lstmStep(e: CellEquations): CellStep {
  const H = e.hiddenSize;
  const { whh, bhh } = e.params;
  const { gate, candidate, output } = e;
  const clip = clipper(e.clip);
  const P = e.peepholes ?? null;
  const gh = new Float64Array(4 * H);
  return (gx, h, c, so) => {
    matvecF64(gh, whh, 0, 4 * H, H, h, so, bhh);
    for (let j = 0; j < H; j++) {
      const cp = c[so + j];
      const i = fr(gate(clip(fr(gx[j] + gh[j] + (P ? P[j] * cp : 0)))));
      const f = e.inputForget ? fr(1 - i) : fr(gate(clip(fr(gx[H + j] + gh[H + j] + (P ? P[H + j] * cp : 0)))));
      const g = fr(candidate(clip(fr(gx[2 * H + j] + gh[2 * H + j]))));
      const cn = fr(fr(f * cp) + fr(i * g));
      const o = fr(gate(clip(fr(gx[3 * H + j] + gh[3 * H + j] + (P ? P[2 * H + j] * cn : 0)))));
      c[so + j] = cn;
      // h is read by no later unit of this step (the recurrent product is done)
      h[so + j] = fr(o * fr(output(cn)));
    }
  };
}

function gruStep(e: CellEquations): CellStep {
  const H = e.hiddenSize;
  const { whh, bhh } = e.params;
  const { gate, candidate } = e;
  const clip = clipper(e.clip);
  const gh = new Float64Array(3 * H);
  const r = new Float32Array(H);
  const z = new Float32Array(H);
  const rh = new Float32Array(H);
  return (gx, h, _c, so) => {
    matvecF64(gh, whh, 0, e.resetAfter ? 3 * H : 2 * H, H, h, so, bhh);
    for (let j = 0; j < H; j++) {
      r[j] = fr(gate(clip(fr(gx[j] + gh[j]))));
      z[j] = fr(gate(clip(fr(gx[H + j] + gh[H + j]))));
    }
    if (e.resetAfter) {
      for (let j = 0; j < H; j++) rh[j] = fr(r[j] * fr(gh[2 * H + j]));
    } else {
      for (let j = 0; j < H; j++) rh[j] = fr(r[j] * h[so + j]);
      matvecF64(gh, whh, 2 * H, 3 * H, H, rh, 0, bhh);
    }
    for (let j = 0; j < H; j++) {
      const n = e.resetAfter ? fr(candidate(clip(fr(gx[2 * H + j] + rh[j])))) : fr(candidate(clip(fr(gx[2 * H + j] + gh[2 * H + j]))));
      h[so + j] = fr(fr(z[j] * h[so + j]) + fr((1 - z[j]) * n));
    }
  };
}

function rnnStep(e: CellEquations): CellStep {
  const H = e.hiddenSize;
  const { whh, bhh } = e.params;
  const act = e.candidate;
  const clip = clipper(e.clip);
  const gh = new Float64Array(H);
  return (gx, h, _c, so) => {
    matvecF64(gh, whh, 0, H, H, h, so, bhh);
    for (let j = 0; j < H; j++) h[so + j] = fr(act(clip(fr(gx[j] + gh[j]))));
  };
}

const STEPS: Record<CellFamily, (e: CellEquations) => CellStep> = { lstm: lstmStep, gru: gruStep, rnn: rnnStep };

/** Runs one direction of `cell` over `run` (see SequenceRun); allocates only its scratch, once. */
export function runRecurrenceJs(cell: CellEquations, run: SequenceRun): void {
  const { T, B, x, out, h, reverse, lengths, mask, masked } = run;
  const H = cell.hiddenSize;
  const I = cell.inputSize;
  const { wih, bih } = cell.params;
  const GH = wih.length / I;
  const step = STEPS[cell.family](cell);
  const c = run.c ?? new Float32Array(0);
  const gx = new Float64Array(GH);
  const stateOffset = run.stateOffset ?? 0;
  const stateBatchStride = run.stateBatchStride ?? H;
  for (let b = 0; b < B; b++) {
    const so = stateOffset + b * stateBatchStride;
    let prev = -1; // output offset of the last valid step (policy 'previous'), -1 before the first
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const o = run.outOffset + t * run.outTimeStride + b * run.outBatchStride;
      const valid = mask ? mask[b * T + t] !== 0 : lengths ? t < lengths[b] : true;
      if (!valid) {
        if (masked === 'state') out.set(h.subarray(so, so + H), o);
        else if (masked === 'previous' && prev >= 0) out.copyWithin(o, prev, prev + H);
        else out.fill(0, o, o + H);
        continue;
      }
      matvecF64(gx, wih, 0, GH, I, x, t * run.xTimeStride + b * run.xBatchStride, bih);
      step(gx, h, c, so);
      out.set(h.subarray(so, so + H), o);
      prev = o;
    }
  }
}
