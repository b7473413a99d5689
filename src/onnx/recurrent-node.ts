/**
 * An ONNX LSTM / GRU / RNN node (opset 7-21, `layout` from 14): its attributes, the inputs of a
 * run checked against them, and its weights in the canonical form of the model spec
 * (base/spec.ts: PyTorch's gate order, per direction), which both paths run (recurrent.ts).
 */
import { fmtShape } from '../../base/errors.js';
import { type CellFamily, type LayerDirParams, GATE_COUNT } from '../../base/spec.js';
import { sigmoid, relu, softplus, softsign } from '../../base/reference-math.js';
import type { NodeContext } from './node.js';
import { checkSize, toInts, type OTensor } from './values.js';

/** The operator: its type names the cell family. */
export type RecurrentOpType = 'LSTM' | 'GRU' | 'RNN';

export interface Activation {
  name: string;
  alpha: number;
  beta: number;
  fn: (x: number) => number;
}

/** Activations with their spec default alpha/beta (ONNX operator defaults; see docs/onnx.md). */
const ACTIVATIONS: Record<string, { alpha?: number; beta?: number; make: (a: number, b: number) => (x: number) => number }> = {
  relu: { make: () => relu },
  tanh: { make: () => Math.tanh },
  sigmoid: { make: () => sigmoid },
  affine: { alpha: 1, beta: 0, make: (a, b) => (x) => a * x + b },
  leakyrelu: { alpha: 0.01, make: (a) => (x) => (x >= 0 ? x : a * x) },
  thresholdedrelu: { alpha: 1, make: (a) => (x) => (x > a ? x : 0) },
  scaledtanh: { alpha: 1, beta: 1, make: (a, b) => (x) => a * Math.tanh(b * x) },
  hardsigmoid: { alpha: 0.2, beta: 0.5, make: (a, b) => (x) => Math.min(Math.max(a * x + b, 0), 1) },
  elu: { alpha: 1, make: (a) => (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)) },
  softsign: { make: () => softsign },
  softplus: { make: () => softplus },
};

const DEFAULT_ACTS: Record<RecurrentOpType, string[]> = { LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'], RNN: ['Tanh'] };

export interface RecurrentAttrs {
  kind: RecurrentOpType;
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

export function parseAttrs(ctx: NodeContext, kind: RecurrentOpType): RecurrentAttrs {
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
  return { kind, gates: GATE_COUNT[familyOf(kind)], dirs, layout: layout as 0 | 1, hiddenSize, clip, inputForget, linearBeforeReset, acts };
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
  /** [D, B, H] (layout 0) / [B, D, H] (layout 1). */
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
  const h0 = floatInput(ctx, ins[5], 'initial_h', stateShape);
  const c0 = at.kind === 'LSTM' ? floatInput(ctx, ins[6], 'initial_c', stateShape) : undefined;
  const P = at.kind === 'LSTM' ? floatInput(ctx, ins[7], 'P', [D, 3 * H]) : undefined;
  checkSize([T, B, D, H * 4], ctx.label);
  return { T, B, I, H, D, X, W, R, Bias, lens, h0, c0, P };
}

/**
 * The node's outputs from Y, Y_h and Y_c already in the node's layout ([T, D, B, H] and
 * [D, B, H], or [B, T, D, H] and [B, D, H] for layout 1).
 */
export function recurrentOutputs(at: RecurrentAttrs, r: RecurrentRun, Y: Float32Array, Yh: Float32Array, Yc: Float32Array | undefined): RecurrentResult {
  const { T, B, D, H } = r;
  const stateShape = at.layout ? [B, D, H] : [D, B, H];
  return {
    Y: { dtype: 'float32', data: Y, shape: at.layout ? [B, T, D, H] : [T, D, B, H] },
    Yh: { dtype: 'float32', data: Yh, shape: stateShape },
    Yc: Yc && { dtype: 'float32', data: Yc, shape: stateShape.slice() },
  };
}

/** The cell family of an operator type. */
export function familyOf(kind: RecurrentOpType): CellFamily {
  return kind === 'LSTM' ? 'lstm' : kind === 'GRU' ? 'gru' : 'rnn';
}

/** Canonical gate block k (PyTorch order) = ONNX gate block ORDER[k]: LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n. */
export const ORDER: Record<RecurrentOpType, readonly number[]> = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2], RNN: [0] };

/** The gate blocks of `src` ([G blocks of H * cols] in ONNX order) in canonical order, a new array. */
function reorderGates(src: Float32Array, order: readonly number[], H: number, cols: number): Float32Array {
  const out = new Float32Array(order.length * H * cols);
  order.forEach((o, k) => out.set(src.subarray(o * H * cols, (o + 1) * H * cols), k * H * cols));
  return out;
}

/**
 * Direction d's weights in canonical form: W [D, G*H, I], R [D, G*H, H] and B [D, 2*G*H] (or
 * undefined) as the model spec's parameters (gate blocks reordered, W_b / R_b as b_ih / b_hh).
 */
export function canonicalParams(kind: RecurrentOpType, W: Float32Array, R: Float32Array, Bias: Float32Array | undefined, d: number, H: number, I: number): LayerDirParams {
  const order = ORDER[kind];
  const GH = order.length * H;
  return {
    wih: reorderGates(W.subarray(d * GH * I, (d + 1) * GH * I), order, H, I),
    whh: reorderGates(R.subarray(d * GH * H, (d + 1) * GH * H), order, H, H),
    bih: Bias ? reorderGates(Bias.subarray(d * 2 * GH, d * 2 * GH + GH), order, H, 1) : null,
    bhh: Bias ? reorderGates(Bias.subarray(d * 2 * GH + GH, (d + 1) * 2 * GH), order, H, 1) : null,
    whr: null,
  };
}

/**
 * Direction d's weights as canonicalParams gives them but with the gate blocks in ONNX's order
 * (ORDER says where each canonical block is): views of W, R and B, nothing copied (for
 * PackedRecurrent.fromParams with that gate order).
 */
export function onnxOrderParams(W: Float32Array, R: Float32Array, Bias: Float32Array | undefined, d: number, G: number, H: number, I: number): LayerDirParams {
  const GH = G * H;
  return {
    wih: W.subarray(d * GH * I, (d + 1) * GH * I),
    whh: R.subarray(d * GH * H, (d + 1) * GH * H),
    bih: Bias ? Bias.subarray(d * 2 * GH, d * 2 * GH + GH) : null,
    bhh: Bias ? Bias.subarray(d * 2 * GH + GH, (d + 1) * 2 * GH) : null,
    whr: null,
  };
}

/** Direction d's peepholes P [D, 3H] (ONNX order i, o, f) in canonical order (i, f, o). */
export function canonicalPeepholes(P: Float32Array, d: number, H: number): Float32Array {
  return reorderGates(P.subarray(d * 3 * H, (d + 1) * 3 * H), [0, 2, 1], H, 1);
}

/** Whether the node's attributes are exactly what a PyTorch layer computes. */
export function torchCompatible(at: RecurrentAttrs): boolean {
  if (at.clip !== undefined || at.inputForget) return false;
  if (at.kind === 'GRU' && !at.linearBeforeReset) return false;
  const want = at.kind === 'RNN' ? [at.acts[0][0].name] : DEFAULT_ACTS[at.kind].map((n) => n.toLowerCase());
  if (at.kind === 'RNN' && want[0] !== 'tanh' && want[0] !== 'relu') return false;
  return at.acts.every((a) => a.every((x, i) => x.name === want[i]));
}
