/**
 * fit(): the common training loop. Per batch: zeroGrad, a train-mode forward, the loss and its
 * gradient, backward, optional gradient clipping, an optimizer step, and a progress report.
 */
import { RnnError, checkOptionKeys } from '../../base/errors.js';
import { type Tensor, checkTensor } from '../../base/tensor.js';
import type { Trainable } from '../../bindings/trainable.js';
import { crossEntropy, mseLoss, type LossResult } from './losses.js';
import { clipGradNorm, Optimizer } from './optim.js';

/** A model fit() can train: a Sequential, or a single Linear layer. */
export interface TrainableModel extends Trainable {
  forward(x: Tensor, options: { train: boolean }): Tensor<Float32Array>;
  backward(gradOut: Tensor): Tensor<Float32Array> | null;
}

/** One batch: the model's input and the loss's target. */
export interface Batch {
  input: Tensor;
  target: Tensor;
}

/** What onStep reports after every optimizer step. */
export interface StepInfo {
  /** Epoch, from 0. */
  epoch: number;
  /** Step within the whole run, from 0. */
  step: number;
  /** This batch's loss (before the step). */
  loss: number;
  /** The total gradient norm before clipping (only with clipNorm). */
  gradNorm?: number;
  /** Targets in this batch: characters for a language model, rows for a regression. */
  samples: number;
  /** Targets per second over the run so far (forward, backward and update time). */
  samplesPerSecond: number;
  /** Milliseconds since fit() started. */
  elapsedMs: number;
}

export type LossFunction = (output: Tensor<Float32Array>, target: Tensor) => LossResult;

export interface FitOptions {
  /**
   * 'crossEntropy' (output [..., C], integer targets of the output's leading shape: a sequence
   * model's [T, B, C] output against [T, B] targets is flattened to [T * B, C]), 'mse', or a
   * function (output, target) -> { loss, grad }.
   */
  loss: 'crossEntropy' | 'mse' | LossFunction;
  optimizer: Optimizer;
  /** Passes over `batches` (default 1). An iterator that cannot restart allows only 1. */
  epochs?: number;
  /** Clip the total gradient norm to this before each step (clipGradNorm). */
  clipNorm?: number;
  /** Called after every step; returning false stops training. */
  onStep?: (info: StepInfo) => void | boolean;
}

export interface FitResult {
  /** The loss of every step, in order. */
  losses: number[];
  steps: number;
  /** Targets per second over the whole run. */
  samplesPerSecond: number;
}

function sequenceCrossEntropy(output: Tensor<Float32Array>, target: Tensor): LossResult {
  const c = output.shape[output.shape.length - 1];
  const rows = output.data.length / (c || 1);
  checkTensor(target, 'fit: target');
  const r = crossEntropy({ data: output.data, shape: [rows, c] }, { data: target.data, shape: [target.data.length] } as Tensor);
  return { loss: r.loss, grad: { data: r.grad.data, shape: [...output.shape] } };
}

function lossFunction(loss: FitOptions['loss']): LossFunction {
  if (loss === 'crossEntropy') return sequenceCrossEntropy;
  if (loss === 'mse') return (o, t) => mseLoss(o, t);
  if (typeof loss === 'function') return loss;
  throw new RnnError('INVALID_OPTION', `fit: loss must be 'crossEntropy', 'mse' or a function, got ${String(loss)}`);
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Trains `model` on `batches` (an array or other restartable iterable of { input, target }, or
 * a function returning a fresh iterable per epoch). Returns the losses; progress goes to onStep.
 */
export function fit(model: TrainableModel, batches: Iterable<Batch> | ((epoch: number) => Iterable<Batch>), options: FitOptions): FitResult {
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'fit: options must be an object');
  checkOptionKeys(options, ['loss', 'optimizer', 'epochs', 'clipNorm', 'onStep'], 'fit');
  const lossOf = lossFunction(options.loss);
  if (!(options.optimizer instanceof Optimizer)) throw new RnnError('INVALID_OPTION', 'fit: optimizer must be an SGD, Adam, AdamW or RMSprop');
  const epochs = options.epochs ?? 1;
  if (!Number.isSafeInteger(epochs) || epochs < 0) throw new RnnError('INVALID_OPTION', `fit: epochs must be an integer >= 0, got ${String(epochs)}`);
  const clipNorm = options.clipNorm;
  if (clipNorm !== undefined && (typeof clipNorm !== 'number' || !(clipNorm > 0))) throw new RnnError('INVALID_OPTION', `fit: clipNorm must be a number > 0, got ${String(clipNorm)}`);
  if (options.onStep !== undefined && typeof options.onStep !== 'function') throw new RnnError('INVALID_OPTION', 'fit: onStep must be a function');
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function' || typeof model.backward !== 'function') {
    throw new RnnError('INVALID_INPUT', 'fit: model must be a Sequential or a layer with forward and backward');
  }
  const source = (epoch: number): Iterable<Batch> => {
    const it = typeof batches === 'function' ? batches(epoch) : batches;
    if (it === null || typeof it !== 'object' || typeof (it as Iterable<Batch>)[Symbol.iterator] !== 'function') {
      throw new RnnError('INVALID_INPUT', 'fit: batches must be an iterable of { input, target } (or a function returning one per epoch)');
    }
    return it;
  };
  const first = typeof batches === 'function' ? null : source(0);
  if (first && epochs > 1 && (first[Symbol.iterator]() as unknown) === first) {
    throw new RnnError('INVALID_OPTION', 'fit: batches is a one-shot iterator, which cannot run more than one epoch; pass an array or a function returning an iterable per epoch');
  }
  const losses: number[] = [];
  const start = now();
  let samplesSeen = 0;
  let step = 0;
  const optimizer = options.optimizer;
  run: for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of source(epoch)) {
      if (batch === null || typeof batch !== 'object') throw new RnnError('INVALID_INPUT', `fit: batch ${step} must be { input, target }`);
      optimizer.zeroGrad();
      const output = model.forward(batch.input, { train: true });
      const { loss, grad } = lossOf(output, batch.target);
      model.backward(grad);
      const gradNorm = clipNorm !== undefined ? clipGradNorm(model, clipNorm) : undefined;
      optimizer.step();
      losses.push(loss);
      const samples = batch.target.data.length;
      samplesSeen += samples;
      const elapsedMs = now() - start;
      const info: StepInfo = { epoch, step, loss, samples, samplesPerSecond: samplesSeen / Math.max(elapsedMs / 1000, 1e-9), elapsedMs };
      if (gradNorm !== undefined) info.gradNorm = gradNorm;
      step++;
      if (options.onStep && options.onStep(info) === false) break run;
    }
  }
  const seconds = (now() - start) / 1000;
  return { losses, steps: step, samplesPerSecond: samplesSeen / Math.max(seconds, 1e-9) };
}
