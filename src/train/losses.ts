/**
 * Loss functions: the loss value and its gradient with respect to the prediction, in one call
 * (the gradient is what a model's backward() takes). Computed in float64 from the float32
 * inputs; the gradient is rounded once to float32. Semantics of torch.nn.functional.cross_entropy
 * and mse_loss (PyTorch 1.13).
 */
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkFloatTensor, checkTensor } from '../../base/tensor.js';

export type Reduction = 'mean' | 'sum';

export interface LossResult {
  /** The reduced loss. */
  loss: number;
  /** d loss / d prediction, shaped like the prediction. */
  grad: Tensor<Float32Array>;
}

export interface CrossEntropyOptions {
  /** 'mean' (default: over the targets that are not ignored) or 'sum'. */
  reduction?: Reduction;
  /** Targets equal to this contribute neither loss nor gradient (default -100, as PyTorch). */
  ignoreIndex?: number;
}

export interface MseLossOptions {
  /** 'mean' (default: over every element) or 'sum'. */
  reduction?: Reduction;
}

function options<T extends object>(o: T | undefined, known: readonly string[], what: string): T {
  if (o === undefined) return {} as T;
  if (o === null || typeof o !== 'object') throw new RnnError('INVALID_OPTION', `${what}: options must be an object, got ${String(o)}`);
  checkOptionKeys(o, known, what);
  return o;
}

function reductionOf(r: unknown, what: string): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum') throw new RnnError('INVALID_OPTION', `${what}: reduction must be 'mean' or 'sum', got ${String(r)}`);
  return r;
}

/**
 * Cross-entropy of `logits` [N, C] (unnormalised class scores) against integer `targets` [N]
 * (Int32Array or BigInt64Array, each in [0, C) or ignoreIndex): the mean (or sum) over rows of
 * logsumexp(row) - row[target]. The gradient is (softmax(row) - onehot(target)) / count for
 * 'mean' (count = rows not ignored; every row ignored gives NaN, as PyTorch), zero for ignored rows.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts?: CrossEntropyOptions): LossResult {
  const what = 'crossEntropy';
  const o = options(opts, ['reduction', 'ignoreIndex'], what);
  const reduction = reductionOf(o.reduction, what);
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (typeof ignoreIndex !== 'number' || !Number.isSafeInteger(ignoreIndex)) {
    throw new RnnError('INVALID_OPTION', `${what}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  }
  checkFloatTensor(logits, `${what}: logits`);
  checkTensor(targets, `${what}: targets`);
  if (targets.data instanceof Float32Array) {
    throw new RnnError('DTYPE_MISMATCH', `${what}: targets must be class indices (Int32Array or BigInt64Array), got float32`);
  }
  if (logits.shape.length !== 2) throw new RnnError('INVALID_INPUT', `${what}: logits must be [N, C], got ${fmtShape(logits.shape)} (reshape a sequence's [T, B, C] to [T * B, C])`);
  const [n, c] = logits.shape;
  if (targets.data.length !== n || targets.shape.length !== 1) {
    throw new RnnError('SHAPE_MISMATCH', `${what}: targets must be [${n}] (one class per logits row), got ${fmtShape(targets.shape)}`);
  }
  const t = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = Number(targets.data[i]);
    if (v === ignoreIndex) {
      t[i] = -1;
      continue;
    }
    if (!(Number.isInteger(v) && v >= 0 && v < c)) {
      throw new RnnError('INVALID_INPUT', `${what}: target ${String(targets.data[i])} at index ${i} is outside [0, ${c}) (and is not ignoreIndex ${ignoreIndex})`);
    }
    t[i] = v;
    count++;
  }
  const x = logits.data;
  const grad = new Float32Array(n * c);
  const scale = reduction === 'mean' ? 1 / count : 1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (t[i] < 0) continue;
    const o0 = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (x[o0 + j] > max) max = x[o0 + j];
    if (!Number.isFinite(max)) max = 0;
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(x[o0 + j] - max);
    const lse = max + Math.log(sum);
    total += lse - x[o0 + t[i]];
    for (let j = 0; j < c; j++) grad[o0 + j] = (Math.exp(x[o0 + j] - lse) - (j === t[i] ? 1 : 0)) * scale;
  }
  return { loss: reduction === 'mean' ? total / count : total, grad: { data: grad, shape: [n, c] } };
}

/**
 * Mean (or sum) of (pred - target)^2 over every element; pred and target float32 of one shape.
 * The gradient is 2 (pred - target) / numel for 'mean', 2 (pred - target) for 'sum'.
 */
export function mseLoss(pred: Tensor, target: Tensor, opts?: MseLossOptions): LossResult {
  const what = 'mseLoss';
  const o = options(opts, ['reduction'], what);
  const reduction = reductionOf(o.reduction, what);
  checkFloatTensor(pred, `${what}: pred`);
  checkFloatTensor(target, `${what}: target`);
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new RnnError('SHAPE_MISMATCH', `${what}: target has shape ${fmtShape(target.shape)}, pred has ${fmtShape(pred.shape)} (no broadcasting)`);
  }
  const n = pred.data.length;
  const scale = reduction === 'mean' ? 2 / n : 2;
  const grad = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = pred.data[i] - target.data[i];
    total += d * d;
    grad[i] = d * scale;
  }
  return { loss: reduction === 'mean' ? total / n : total, grad: { data: grad, shape: [...pred.shape] } };
}
