/**
 * ONNX LSTM / GRU / RNN (opset 7-21, `layout` from 14).
 *
 * Two paths, chosen per node at load:
 *  - FAST: the attribute set PyTorch uses (default activations, no clip, no input_forget, no or
 *    all-zero peepholes, GRU linear_before_reset=1) with constant weights -> the weights are
 *    converted once to a wasm-rnn core layer (recurrent-fast.ts).
 *  - GENERAL: everything else, an exact float32 implementation of the ONNX equations below:
 *    one recurrence driver (directions, layouts, sequence_lens, initial states, outputs) with a
 *    per-cell step function; activations are resolved once at load.
 *
 * Rounding model of the general path: matrix products are accumulated in float64 and each gate
 * pre-activation is rounded to float32 once; activations and elementwise updates are evaluated in
 * float64 and rounded to float32; states are stored in float32.
 */
import { fmtShape } from '../../base/errors.js';
import type { Kernel, NodeContext } from './node.js';
import { sigmoid } from './ops.js';
import { checkSize, toInts, type OTensor } from './values.js';
import { makeFastPath } from './recurrent-fast.js';

export type CellKind = 'LSTM' | 'GRU' | 'RNN';

export interface Activation {
  name: string;
  alpha: number;
  beta: number;
  fn: (x: number) => number;
}

/** Activations with their spec default alpha/beta (ONNX operator defaults; see docs/onnx.md). */
const ACTIVATIONS: Record<string, { alpha?: number; beta?: number; make: (a: number, b: number) => (x: number) => number }> = {
  relu: { make: () => (x) => (x > 0 ? x : 0) },
  tanh: { make: () => Math.tanh },
  sigmoid: { make: () => sigmoid },
  affine: { alpha: 1, beta: 0, make: (a, b) => (x) => a * x + b },
  leakyrelu: { alpha: 0.01, make: (a) => (x) => (x >= 0 ? x : a * x) },
  thresholdedrelu: { alpha: 1, make: (a) => (x) => (x > a ? x : 0) },
  scaledtanh: { alpha: 1, beta: 1, make: (a, b) => (x) => a * Math.tanh(b * x) },
  hardsigmoid: { alpha: 0.2, beta: 0.5, make: (a, b) => (x) => Math.min(Math.max(a * x + b, 0), 1) },
  elu: { alpha: 1, make: (a) => (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)) },
  softsign: { make: () => (x) => x / (1 + Math.abs(x)) },
  softplus: { make: () => (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))) },
};

const DEFAULT_ACTS: Record<CellKind, string[]> = { LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'], RNN: ['Tanh'] };
const GATES: Record<CellKind, number> = { LSTM: 4, GRU: 3, RNN: 1 };

export interface RecurrentAttrs {
  kind: CellKind;
  gates: number;
  /** Processing direction of each output direction index. */
  dirs: ('forward' | 'reverse')[];
  layout: 0 | 1;
  hiddenSize: number | undefined;
  clip: number | undefined;
  inputForget: boolean;
  linearBeforeReset: boolean;
  /** acts[d] = the activations of direction d (f, g, h for LSTM; f, g for GRU; f for RNN). */
  acts: Activation[][];
}

function parseAttrs(ctx: NodeContext, kind: CellKind): RecurrentAttrs {
  const common = ['activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size', 'layout'];
  ctx.allowOnly(kind === 'LSTM' ? [...common, 'input_forget'] : kind === 'GRU' ? [...common, 'linear_before_reset'] : common);
  const direction = ctx.string('direction', 'forward');
  const dirs: ('forward' | 'reverse')[] =
    direction === 'forward' ? ['forward'] : direction === 'reverse' ? ['reverse'] : direction === 'bidirectional' ? ['forward', 'reverse'] : [];
  if (dirs.length === 0) throw ctx.error('INVALID_FORMAT', `direction '${direction}' is not forward, reverse or bidirectional`);
  const layout = ctx.int('layout', 0);
  if (layout !== 0 && layout !== 1) throw ctx.error('INVALID_FORMAT', `layout ${layout} is not 0 or 1`);
  const hiddenSize = ctx.int('hidden_size');
  if (hiddenSize !== undefined && !(hiddenSize >= 1)) throw ctx.error('INVALID_FORMAT', `hidden_size ${hiddenSize} must be positive`);
  const clip = ctx.float('clip');
  if (clip !== undefined && !(clip >= 0)) throw ctx.error('INVALID_FORMAT', `clip ${clip} must be non-negative`);
  const inputForget = ctx.int('input_forget', 0) !== 0;
  const linearBeforeReset = ctx.int('linear_before_reset', 0) !== 0;

  const perDir = DEFAULT_ACTS[kind].length;
  let names = ctx.strings('activations') ?? [];
  if (names.length === 0) names = dirs.flatMap(() => DEFAULT_ACTS[kind]);
  const alphas = ctx.floats('activation_alpha') ?? [];
  const betas = ctx.floats('activation_beta') ?? [];
  let ai = 0;
  let bi = 0;
  const resolved = names.map((n): Activation => {
    const key = n.toLowerCase();
    const def = ACTIVATIONS[key];
    if (!def) throw ctx.error('UNSUPPORTED', `activation '${n}' is not one of ${Object.keys(ACTIVATIONS).join(', ')}`);
    const alpha = def.alpha === undefined ? 0 : ai < alphas.length ? alphas[ai++] : def.alpha;
    const beta = def.beta === undefined ? 0 : bi < betas.length ? betas[bi++] : def.beta;
    return { name: key, alpha, beta, fn: def.make(alpha, beta) };
  });
  let acts: Activation[][];
  if (resolved.length === perDir * dirs.length) acts = dirs.map((_, d) => resolved.slice(d * perDir, (d + 1) * perDir));
  else if (resolved.length === perDir && dirs.length === 2) acts = [resolved, resolved];
  else {
    throw ctx.error('INVALID_FORMAT', `${kind} with direction '${direction}' needs ${perDir * dirs.length} activations, got ${resolved.length}`);
  }
  return { kind, gates: GATES[kind], dirs, layout: layout as 0 | 1, hiddenSize, clip, inputForget, linearBeforeReset, acts };
}

/** Validated inputs of one run. */
export interface RecurrentRun {
  T: number;
  B: number;
  I: number;
  H: number;
  D: number;
  X: Float32Array;
  W: Float32Array;
  R: Float32Array;
  /** [D, 2*G*H] or undefined (zeros). */
  Bias: Float32Array | undefined;
  lens: Int32Array | undefined;
  /** [D, B, H] in layout 0 order (converted from layout 1). */
  h0: Float32Array | undefined;
  c0: Float32Array | undefined;
  /** [D, 3*H] or undefined. */
  P: Float32Array | undefined;
}

export interface RecurrentResult {
  /** [T, D, B, H] (layout 0) / [B, T, D, H] (layout 1). */
  Y: OTensor;
  /** [D, B, H] / [B, D, H]. */
  Yh: OTensor;
  Yc: OTensor | undefined;
}

function floatInput(ctx: NodeContext, t: OTensor | undefined, what: string, shape: number[] | undefined): Float32Array | undefined {
  if (t === undefined) return undefined;
  if (t.dtype !== 'float32') throw ctx.error('DTYPE_MISMATCH', `${what} must be float32, got ${t.dtype}`);
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw ctx.error('SHAPE_MISMATCH', `${what} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
  return t.data as Float32Array;
}

/** Swaps the first two axes of a [A, B, H] float array. */
export function swap01(src: Float32Array, A: number, B: number, H: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) out.set(src.subarray((a * B + b) * H, (a * B + b + 1) * H), (b * A + a) * H);
  return out;
}

export function validateRun(ctx: NodeContext, at: RecurrentAttrs, ins: (OTensor | undefined)[]): RecurrentRun {
  const Xt = ctx.input(ins, 0, 'X');
  const Wt = ctx.input(ins, 1, 'W');
  const Rt = ctx.input(ins, 2, 'R');
  if (Xt.shape.length !== 3) throw ctx.error('SHAPE_MISMATCH', `X must be 3-D ${at.layout ? '[B, T, I]' : '[T, B, I]'}, got ${fmtShape(Xt.shape)}`);
  const [T, B] = at.layout ? [Xt.shape[1], Xt.shape[0]] : [Xt.shape[0], Xt.shape[1]];
  const I = Xt.shape[2];
  const D = at.dirs.length;
  const G = at.gates;
  if (Rt.shape.length !== 3) throw ctx.error('SHAPE_MISMATCH', `R must be 3-D [D, ${G}*H, H], got ${fmtShape(Rt.shape)}`);
  const H = at.hiddenSize ?? Rt.shape[2];
  const X = floatInput(ctx, Xt, 'X', undefined)!;
  const W = floatInput(ctx, Wt, 'W', [D, G * H, I])!;
  const R = floatInput(ctx, Rt, 'R', [D, G * H, H])!;
  const Bias = floatInput(ctx, ins[3], 'B', [D, 2 * G * H]);
  let lens: Int32Array | undefined;
  const sl = ins[4];
  if (sl !== undefined) {
    if (sl.shape.length !== 1 || sl.shape[0] !== B) throw ctx.error('SHAPE_MISMATCH', `sequence_lens must have shape [${B}], got ${fmtShape(sl.shape)}`);
    const v = toInts(sl, `${ctx.label} sequence_lens`);
    for (const l of v) if (!(l >= 0 && l <= T)) throw ctx.error('INVALID_LENGTHS', `sequence_lens value ${l} is outside [0, ${T}]`);
    lens = Int32Array.from(v);
  }
  const stateShape = at.layout ? [B, D, H] : [D, B, H];
  let h0 = floatInput(ctx, ins[5], 'initial_h', stateShape);
  let c0 = at.kind === 'LSTM' ? floatInput(ctx, ins[6], 'initial_c', stateShape) : undefined;
  if (at.layout) {
    if (h0) h0 = swap01(h0, B, D, H);
    if (c0) c0 = swap01(c0, B, D, H);
  }
  const P = at.kind === 'LSTM' ? floatInput(ctx, ins[7], 'P', [D, 3 * H]) : undefined;
  checkSize([T, B, D, H * 4], ctx.label);
  return { T, B, I, H, D, X, W, R, Bias, lens, h0, c0, P };
}

/** Lays out Y / Y_h / Y_c for the node's layout from [T, D, B, H] / [D, B, H] arrays. */
export function shapeOutputs(at: RecurrentAttrs, r: RecurrentRun, Y: Float32Array, Yh: Float32Array, Yc: Float32Array | undefined): RecurrentResult {
  const { T, B, D, H } = r;
  if (at.layout === 0) {
    return {
      Y: { dtype: 'float32', data: Y, shape: [T, D, B, H] },
      Yh: { dtype: 'float32', data: Yh, shape: [D, B, H] },
      Yc: Yc && { dtype: 'float32', data: Yc, shape: [D, B, H] },
    };
  }
  // [T, D, B, H] -> [B, T, D, H]
  const y = new Float32Array(Y.length);
  for (let t = 0; t < T; t++)
    for (let d = 0; d < D; d++)
      for (let b = 0; b < B; b++) y.set(Y.subarray(((t * D + d) * B + b) * H, ((t * D + d) * B + b + 1) * H), ((b * T + t) * D + d) * H);
  return {
    Y: { dtype: 'float32', data: y, shape: [B, T, D, H] },
    Yh: { dtype: 'float32', data: swap01(Yh, D, B, H), shape: [B, D, H] },
    Yc: Yc && { dtype: 'float32', data: swap01(Yc, D, B, H), shape: [B, D, H] },
  };
}

// ---------------------------------------------------------------------------------------------
// general path

/**
 * One time step of one batch item. `gx` holds X_t*W^T + Wb for the G gates (ONNX gate order),
 * `hPrev`/`cPrev` the previous state at offset `so`; the step writes the new state to
 * `hOut`/`cOut` at offset `so`.
 */
type Step = (gx: Float64Array, hPrev: Float32Array, cPrev: Float32Array, hOut: Float32Array, cOut: Float32Array) => void;

type StepFactory = (at: RecurrentAttrs, acts: Activation[], H: number, R: Float32Array, Rb: Float32Array | undefined, P: Float32Array | undefined) => Step;

const fr = Math.fround;

function clipper(clip: number | undefined): (x: number) => number {
  if (clip === undefined) return (x) => x;
  return (x) => (x > clip ? clip : x < -clip ? -clip : x);
}

/** acc[g*H + j] = sum_k h[k] * R[(g*H + j)*H + k] + Rb[g*H + j] for gate rows [g0, g1). */
function recur(acc: Float64Array, h: Float32Array, R: Float32Array, Rb: Float32Array | undefined, H: number, g0: number, g1: number): void {
  for (let row = g0 * H; row < g1 * H; row++) {
    let s = Rb ? Rb[row] : 0;
    const base = row * H;
    for (let k = 0; k < H; k++) s += h[k] * R[base + k];
    acc[row] = s;
  }
}

const lstmStep: StepFactory = (at, acts, H, R, Rb, P) => {
  const [f, g, h] = acts.map((a) => a.fn);
  const clip = clipper(at.clip);
  const acc = new Float64Array(4 * H);
  const it = new Float32Array(H);
  const ft = new Float32Array(H);
  const ct = new Float32Array(H);
  return (gx, hPrev, cPrev, hOut, cOut) => {
    recur(acc, hPrev, R, Rb, H, 0, 4);
    // ONNX gate order: i, o, f, c
    for (let j = 0; j < H; j++) {
      const cp = cPrev[j];
      it[j] = f(clip(fr(gx[j] + acc[j] + (P ? P[j] * cp : 0))));
      ct[j] = g(clip(fr(gx[3 * H + j] + acc[3 * H + j])));
      ft[j] = at.inputForget ? fr(1 - it[j]) : f(clip(fr(gx[2 * H + j] + acc[2 * H + j] + (P ? P[2 * H + j] * cp : 0))));
    }
    for (let j = 0; j < H; j++) {
      const c = fr(ft[j] * cPrev[j] + it[j] * ct[j]);
      const o = fr(f(clip(fr(gx[H + j] + acc[H + j] + (P ? P[H + j] * c : 0)))));
      cOut[j] = c;
      hOut[j] = o * fr(h(c));
    }
  };
};

const gruStep: StepFactory = (at, acts, H, R, Rb, _P) => {
  const [f, g] = acts.map((a) => a.fn);
  const clip = clipper(at.clip);
  const acc = new Float64Array(3 * H);
  const z = new Float32Array(H);
  const r = new Float32Array(H);
  const rh = new Float32Array(H);
  return (gx, hPrev, _cPrev, hOut) => {
    // ONNX gate order: z, r, h
    recur(acc, hPrev, R, Rb, H, 0, 2);
    for (let j = 0; j < H; j++) {
      z[j] = f(clip(fr(gx[j] + acc[j])));
      r[j] = f(clip(fr(gx[H + j] + acc[H + j])));
    }
    if (at.linearBeforeReset) {
      recur(acc, hPrev, R, Rb, H, 2, 3);
      for (let j = 0; j < H; j++) rh[j] = fr(r[j] * fr(acc[2 * H + j]));
    } else {
      for (let j = 0; j < H; j++) rh[j] = fr(r[j] * hPrev[j]);
      recur(acc, rh, R, Rb, H, 2, 3);
      for (let j = 0; j < H; j++) rh[j] = fr(acc[2 * H + j]);
    }
    for (let j = 0; j < H; j++) {
      const ht = fr(g(clip(fr(gx[2 * H + j] + rh[j]))));
      hOut[j] = (1 - z[j]) * ht + z[j] * hPrev[j];
    }
  };
};

const rnnStep: StepFactory = (at, acts, H, R, Rb) => {
  const f = acts[0].fn;
  const clip = clipper(at.clip);
  const acc = new Float64Array(H);
  return (gx, hPrev, _c, hOut) => {
    recur(acc, hPrev, R, Rb, H, 0, 1);
    for (let j = 0; j < H; j++) hOut[j] = f(clip(fr(gx[j] + acc[j])));
  };
};

const STEPS: Record<CellKind, StepFactory> = { LSTM: lstmStep, GRU: gruStep, RNN: rnnStep };

/** The general path: the ONNX equations, for every attribute combination. */
export function runGeneral(at: RecurrentAttrs, r: RecurrentRun): RecurrentResult {
  const { T, B, I, H, D, X, W, R, Bias, lens, h0, c0, P } = r;
  const G = at.gates;
  const GH = G * H;
  const Y = new Float32Array(T * D * B * H);
  const Yh = new Float32Array(D * B * H);
  const Yc = at.kind === 'LSTM' ? new Float32Array(D * B * H) : undefined;
  const gx = new Float64Array(GH);
  const hA = new Float32Array(H);
  const hB = new Float32Array(H);
  const cA = new Float32Array(H);
  const cB = new Float32Array(H);
  for (let d = 0; d < D; d++) {
    const Wd = W.subarray(d * GH * I, (d + 1) * GH * I);
    const Rd = R.subarray(d * GH * H, (d + 1) * GH * H);
    const Wb = Bias?.subarray(d * 2 * GH, d * 2 * GH + GH);
    const Rb = Bias?.subarray(d * 2 * GH + GH, (d + 1) * 2 * GH);
    const Pd = P?.subarray(d * 3 * H, (d + 1) * 3 * H);
    const step = STEPS[at.kind](at, at.acts[d], H, Rd, Rb, Pd);
    const reverse = at.dirs[d] === 'reverse';
    for (let b = 0; b < B; b++) {
      const L = lens ? lens[b] : T;
      const so = (d * B + b) * H;
      let h = hA;
      let c = cA;
      let hn = hB;
      let cn = cB;
      if (h0) h.set(h0.subarray(so, so + H));
      else h.fill(0);
      if (c0) c.set(c0.subarray(so, so + H));
      else c.fill(0);
      for (let s = 0; s < L; s++) {
        const t = reverse ? L - 1 - s : s;
        const xo = (at.layout ? b * T + t : t * B + b) * I;
        for (let row = 0; row < GH; row++) {
          let acc = Wb ? Wb[row] : 0;
          const wo = row * I;
          for (let k = 0; k < I; k++) acc += X[xo + k] * Wd[wo + k];
          gx[row] = Math.fround(acc);
        }
        step(gx, h, c, hn, cn);
        Y.set(hn, ((t * D + d) * B + b) * H);
        [h, hn] = [hn, h];
        [c, cn] = [cn, c];
      }
      // A sequence of length 0 leaves Y zero and Y_h / Y_c at zero (as onnxruntime).
      if (L > 0) {
        Yh.set(h, so);
        Yc?.set(c, so);
      }
    }
  }
  return shapeOutputs(at, r, Y, Yh, Yc);
}

// ---------------------------------------------------------------------------------------------

/** Whether the node's attributes are exactly what a PyTorch layer computes. */
export function torchCompatible(at: RecurrentAttrs): boolean {
  if (at.clip !== undefined || at.inputForget) return false;
  if (at.kind === 'GRU' && !at.linearBeforeReset) return false;
  const want = at.kind === 'RNN' ? [at.acts[0][0].name] : DEFAULT_ACTS[at.kind].map((n) => n.toLowerCase());
  if (at.kind === 'RNN' && want[0] !== 'tanh' && want[0] !== 'relu') return false;
  return at.acts.every((a) => a.every((x, i) => x.name === want[i]));
}

export function recurrentOp(kind: CellKind, allowFast = true): (ctx: NodeContext) => Kernel {
  return (ctx) => {
    const at = parseAttrs(ctx, kind);
    const fast = allowFast ? makeFastPath(ctx, at) : undefined;
    ctx.recurrentPath = fast ? 'fast' : 'general';
    const nOut = ctx.node.outputs.length;
    if (nOut > (kind === 'LSTM' ? 3 : 2)) throw ctx.error('INVALID_FORMAT', `${kind} has at most ${kind === 'LSTM' ? 3 : 2} outputs, got ${nOut}`);
    const kernel: Kernel = (ins) => {
      const run = validateRun(ctx, at, ins);
      const res = (fast && fast(run)) || runGeneral(at, run);
      return [res.Y, res.Yh, res.Yc];
    };
    // Y [T, D, B, H] / [B, T, D, H] (layout 1), Y_h and Y_c [D, B, H] / [B, D, H].
    kernel.inferShapes = ([x, , r]) => {
      if (x?.dtype !== 'float32' || x.shape.length !== 3 || r === undefined || r.shape.length !== 3) return [undefined, undefined, undefined];
      const [T, B] = at.layout ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
      const D = at.dirs.length;
      const H = at.hiddenSize ?? r.shape[2];
      const state = { dtype: 'float32' as const, shape: at.layout ? [B, D, H] : [D, B, H] };
      return [{ dtype: 'float32', shape: at.layout ? [B, T, D, H] : [T, D, B, H] }, state, kind === 'LSTM' ? state : undefined];
    };
    return kernel;
  };
}
