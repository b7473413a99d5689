/**
 * Keras / TF.js activations, resolved once at load. Each works elementwise in float64 on a
 * float32 value and the caller rounds; softmax and log_softmax work on the last axis.
 *
 * `hard_sigmoid` depends on the writer: Keras 2 and TF.js compute clip(0.2x + 0.5, 0, 1),
 * Keras 3 computes relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1).
 */
import { RnnError } from '../../base/errors.js';
import { erf, relu, sigmoid, softmaxF64, softplus, softsign } from '../../base/reference-math.js';

export type Writer = 'tfjs' | 'keras2' | 'keras3';

export interface Act {
  name: string;
  /** Elementwise function, or undefined for an axis-wise one (softmax, log_softmax). */
  fn?: (x: number) => number;
  /** Last-axis function applied in place over rows of length n. */
  rows?: (v: Float32Array, n: number) => void;
}

const SQRT1_2 = Math.SQRT1_2;
const clip01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const SELU_A = 1.6732632423543772;
const SELU_S = 1.0507009873554805;

function softmaxRows(v: Float32Array, n: number): void {
  for (let o = 0; o < v.length; o += n) softmaxF64(v, v, o, n, 1, false);
}

function logSoftmaxRows(v: Float32Array, n: number): void {
  for (let o = 0; o < v.length; o += n) softmaxF64(v, v, o, n, 1, true);
}

const ELEMENTWISE: Record<string, (w: Writer) => (x: number) => number> = {
  linear: () => (x) => x,
  relu: () => relu,
  relu6: () => (x) => Math.min(relu(x), 6),
  sigmoid: () => sigmoid,
  tanh: () => Math.tanh,
  hard_sigmoid: (w) => (w === 'keras3' ? (x) => clip01(x / 6 + 0.5) : (x) => clip01(0.2 * x + 0.5)),
  softplus: () => softplus,
  softsign: () => softsign,
  elu: () => (x) => (x > 0 ? x : Math.expm1(x)),
  selu: () => (x) => SELU_S * (x > 0 ? x : SELU_A * Math.expm1(x)),
  swish: () => (x) => x * sigmoid(x),
  silu: () => (x) => x * sigmoid(x),
  gelu: () => (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  gelu_new: () => (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
  mish: () => (x) => x * Math.tanh(softplus(x)),
  exponential: () => Math.exp,
  leaky_relu: () => (x) => (x >= 0 ? x : 0.2 * x),
  hard_silu: () => (x) => x * clip01(x / 6 + 0.5),
  hard_swish: () => (x) => x * clip01(x / 6 + 0.5),
};

const ALIASES: Record<string, string> = {
  hardsigmoid: 'hard_sigmoid',
  logsoftmax: 'log_softmax',
  leakyrelu: 'leaky_relu',
  hardsilu: 'hard_silu',
  hardswish: 'hard_swish',
  gelunew: 'gelu_new',
};

export const ACTIVATION_NAMES = [...Object.keys(ELEMENTWISE), 'softmax', 'log_softmax'];

/**
 * Resolves a serialized activation (a string, or Keras 3's { class_name: 'function', config:
 * 'tanh' } form) for `writer`. Unknown names are UNSUPPORTED naming `where`.
 */
export function resolveActivation(value: unknown, writer: Writer, where: string, dflt = 'linear'): Act {
  let name: unknown = value ?? dflt;
  if (name !== null && typeof name === 'object') {
    const o = name as Record<string, unknown>;
    name = typeof o.config === 'string' ? o.config : (o.config as Record<string, unknown> | undefined)?.name ?? o.class_name;
  }
  if (typeof name !== 'string') throw new RnnError('UNSUPPORTED', `${where}: activation ${JSON.stringify(value)} is not a known activation name`);
  let key = name.replace(/^(keras\.activations\.|activations\.)/, '');
  const flat = key.toLowerCase().replace(/_/g, '');
  if (ALIASES[flat]) key = ALIASES[flat];
  else key = key.toLowerCase();
  if (key === 'softmax') return { name: key, rows: softmaxRows };
  if (key === 'log_softmax') return { name: key, rows: logSoftmaxRows };
  const make = ELEMENTWISE[key];
  if (!make) {
    throw new RnnError('UNSUPPORTED', `${where}: activation '${name}' is not supported (supported: ${ACTIVATION_NAMES.join(', ')})`);
  }
  return { name: key, fn: make(writer) };
}

/** Applies `act` in place to v whose last axis has length n (values rounded to float32). */
export function applyActivation(act: Act, v: Float32Array, n: number): void {
  if (act.rows) {
    act.rows(v, n);
    return;
  }
  const f = act.fn!;
  if (act.name === 'linear') return;
  for (let i = 0; i < v.length; i++) v[i] = f(v[i]);
}
