/**
 * Optimizers with PyTorch 1.13's defaults and update rules (torch.optim.SGD, Adam, AdamW,
 * RMSprop; single-tensor implementation, float32 arithmetic), and clipGradNorm
 * (torch.nn.utils.clip_grad_norm_).
 *
 * `params` is anything Trainable (bindings/trainable.ts): a layer or a Sequential. Each parameter
 * is a value block and a gradient block in wasm memory in the layer's own layout; the optimizer's
 * state (momentum buffers, moments) lives in wasm memory in that same layout
 * (bindings/optimizer-state.ts), so `step()` is one elementwise wasm kernel per parameter
 * (assembly/kernels/f32-optim.ts), followed by `parametersChanged()`. Updates are dense, as
 * PyTorch's: every parameter moves every step, so an Embedding row that got no gradient still
 * decays under AdamW and still moves under Adam with momentum.
 */
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkFloatTensor } from '../../base/tensor.js';
import type { WasmRuntime } from '../../bindings/wasm.js';
import { OptimizerState } from '../../bindings/optimizer-state.js';
import { runtimeOfBlocks } from '../../bindings/param-block.js';
import type { ParamBlock, Trainable } from '../../bindings/trainable.js';

function checkTrainable(params: unknown, what: string): Trainable {
  const p = params as Partial<Trainable> | null;
  if (p === null || typeof p !== 'object' || typeof p.parameters !== 'function' || typeof p.parametersChanged !== 'function' || typeof p.zeroGrad !== 'function') {
    throw new RnnError('INVALID_INPUT', `${what}: params must be a layer or a Sequential (something with parameters(), zeroGrad() and parametersChanged())`);
  }
  return p as Trainable;
}

function num(o: Record<string, unknown>, key: string, dflt: number | undefined, what: string, check: (v: number) => boolean, rule: string): number {
  const v = o[key] ?? dflt;
  if (v === undefined) throw new RnnError('INVALID_OPTION', `${what}: ${key} is required`);
  if (typeof v !== 'number' || !check(v)) throw new RnnError('INVALID_OPTION', `${what}: ${key} must be ${rule}, got ${String(v)}`);
  return v;
}

function bool(o: Record<string, unknown>, key: string, what: string): boolean {
  const v = o[key] ?? false;
  if (typeof v !== 'boolean') throw new RnnError('INVALID_OPTION', `${what}: ${key} must be a boolean, got ${String(v)}`);
  return v;
}

const nonNegative = (v: number): boolean => Number.isFinite(v) && v >= 0;
const unitInterval = (v: number): boolean => Number.isFinite(v) && v >= 0 && v < 1;

function optionObject(options: unknown, known: readonly string[], what: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', `${what}: options must be an object, got ${String(options)}`);
  checkOptionKeys(options, known, what);
  return options as Record<string, unknown>;
}

export interface OptimizerStateOptions {
  /**
   * 'wasm' (default): flat tensors in the parameters' wasm layout, for resuming here. 'torch':
   * PyTorch's optimizer state (torch.optim's `state_dict()['state']`) flattened to
   * `<parameter>.<slot>` tensors in the parameters' shapes and `<parameter>.step`.
   */
  layout?: 'wasm' | 'torch';
}

function layoutOf(options: unknown, what: string): 'wasm' | 'torch' {
  const o = optionObject(options, ['layout'], what);
  const layout = o.layout ?? 'wasm';
  if (layout !== 'wasm' && layout !== 'torch') throw new RnnError('INVALID_OPTION', `${what}: layout must be 'wasm' or 'torch', got ${String(layout)}`);
  return layout;
}

/** What every optimizer shares: the parameters, their state blocks, the step count. */
export abstract class Optimizer {
  /** The learning rate; may be changed between steps (a schedule). */
  lr: number;
  protected readonly rt: WasmRuntime;
  protected readonly target: Trainable;
  protected readonly params: readonly ParamBlock[];
  protected readonly state: OptimizerState;
  /** Steps taken (PyTorch's per-parameter `step`; all parameters step together here). */
  protected steps = 0;
  /** Whether PyTorch's state of this optimizer holds a per-parameter `step` (not SGD's). */
  protected readonly torchStep: boolean = true;

  protected constructor(params: Trainable, lr: number, slots: readonly string[], protected readonly what: string) {
    this.target = checkTrainable(params, what);
    this.lr = lr;
    this.params = this.target.parameters();
    this.rt = runtimeOfBlocks(this.params, what);
    const names = new Set<string>();
    for (const p of this.params) {
      if (names.has(p.name)) throw new RnnError('INVALID_INPUT', `${what}: two parameters are named '${p.name}'`);
      names.add(p.name);
    }
    this.state = new OptimizerState(this.rt, this.params, slots, this, what);
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * One update of every parameter from its accumulated gradient, then parametersChanged().
   * Checks first that the parameters are the ones the optimizer was made for (the layer is alive
   * and its blocks did not move): on error nothing is updated.
   */
  step(): void {
    this.state.alive();
    if (!Number.isFinite(this.lr) || this.lr < 0) throw new RnnError('INVALID_OPTION', `${this.what}: lr must be a finite number >= 0, got ${String(this.lr)}`);
    const now = this.target.parameters();
    if (now.length !== this.params.length || now.some((p, i) => p.valuePtr !== this.params[i].valuePtr || p.gradPtr !== this.params[i].gradPtr)) {
      throw new RnnError('INVALID_INPUT', `${this.what}.step: the parameters are not the blocks this optimizer was made for (a layer was rebuilt); make a new optimizer`);
    }
    this.steps++;
    for (let i = 0; i < this.params.length; i++) this.update(i, this.params[i]);
    this.target.parametersChanged();
  }

  protected abstract update(i: number, p: ParamBlock): void;

  /** Sets every gradient to zero (the params' zeroGrad()). */
  zeroGrad(): void {
    this.target.zeroGrad();
  }

  /**
   * The state to resume from.
   *
   * `layout: 'wasm'` (default): `step` ([1], the step count) and, per parameter and slot,
   * `<parameter>.<slot>` (e.g. `lstm.weight_ih_l0.exp_avg`) as a flat float32 tensor in the
   * parameter's wasm layout (the packed panels of a weight matrix; see docs/training.md), for
   * resuming in wasm-rnn with the same model. Bitwise; the cheapest.
   *
   * `layout: 'torch'`: PyTorch's `optimizer.state_dict()['state']`, flattened: per parameter (in
   * `named_parameters()` order, i.e. the state's integer keys 0, 1, ...) `<parameter>.<slot>` in
   * the parameter's own shape and `<parameter>.step` (shape [], float32) for the optimizers whose
   * PyTorch state has a step (Adam, AdamW, RMSprop; not SGD). Slot names are PyTorch's (`exp_avg`,
   * `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`, `square_avg`, `grad_avg`). Before the first
   * step it is empty, as PyTorch's. Copies either way; ready for writeSafetensors.
   */
  stateDict(options: OptimizerStateOptions = {}): Record<string, Tensor<Float32Array>> {
    this.state.alive();
    if (layoutOf(options, `${this.what}.stateDict`) === 'torch') {
      const out: Record<string, Tensor<Float32Array>> = {};
      if (this.steps === 0) return out;
      this.params.forEach((p, i) => {
        for (const slot of this.state.slots) out[`${p.name}.${slot}`] = { data: this.state.readTorch(i, slot), shape: [...p.shape] };
        if (this.torchStep) out[`${p.name}.step`] = { data: Float32Array.of(this.steps), shape: [] };
      });
      return out;
    }
    const out: Record<string, Tensor<Float32Array>> = { step: { data: Float32Array.of(this.steps), shape: [1] } };
    this.params.forEach((p, i) => {
      for (const slot of this.state.slots) out[`${p.name}.${slot}`] = { data: this.state.read(i, slot), shape: [p.length] };
    });
    return out;
  }

  /**
   * Restores a stateDict() of an optimizer of the same kind and options over the same model, in
   * the layout `options.layout` names ('wasm' by default; 'torch': PyTorch's state flattened as
   * stateDict({ layout: 'torch' }) writes it, e.g. from a PyTorch optimizer of the same model).
   * Every key and shape is checked before anything changes. A torch-layout state that is empty
   * resets the optimizer (PyTorch's state before its first step). PyTorch's SGD keeps no step
   * count: loading its momentum buffers keeps stepCount, or makes it 1 if it was 0 (the buffers
   * exist, so the next step is not a first step).
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: OptimizerStateOptions = {}): this {
    this.state.alive();
    const what = `${this.what}.loadStateDict`;
    const layout = layoutOf(options, what);
    if (stateDict === null || typeof stateDict !== 'object') throw new RnnError('INVALID_INPUT', `${what}: expected an object of tensors`);
    const wanted = layout === 'torch'
      ? this.params.flatMap((p) => [...this.state.slots.map((s) => `${p.name}.${s}`), ...(this.torchStep ? [`${p.name}.step`] : [])])
      : ['step', ...this.params.flatMap((p) => this.state.slots.map((s) => `${p.name}.${s}`))];
    if (layout === 'torch' && Object.keys(stateDict).length === 0) {
      this.state.clear();
      this.steps = 0;
      return this;
    }
    const missing = wanted.filter((k) => !Object.prototype.hasOwnProperty.call(stateDict, k));
    if (missing.length) throw new RnnError('MISSING_KEY', `${what}: missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    const unexpected = Object.keys(stateDict).filter((k) => !wanted.includes(k));
    if (unexpected.length) throw new RnnError('UNEXPECTED_KEY', `${what}: unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')}`);
    const stepOf = (key: string): number => {
      const step = stateDict[key];
      checkFloatTensor(step, `${what}: '${key}'`);
      if (step.data.length !== 1 || !Number.isSafeInteger(step.data[0]) || step.data[0] < 0) {
        throw new RnnError('INVALID_INPUT', `${what}: '${key}' must hold one integer >= 0`);
      }
      return step.data[0];
    };
    let steps: number;
    if (layout === 'torch' && this.torchStep) {
      // every parameter steps together here; PyTorch's per-parameter counts must agree
      const counts = this.params.map((p) => stepOf(`${p.name}.step`));
      const bad = counts.findIndex((c) => c !== counts[0]);
      if (bad >= 0) {
        throw new RnnError('INVALID_INPUT', `${what}: '${this.params[bad].name}.step' is ${counts[bad]} but '${this.params[0].name}.step' is ${counts[0]}: wasm-rnn steps every parameter together`);
      }
      steps = counts[0] ?? 0;
    } else if (layout === 'torch') {
      steps = Math.max(this.steps, 1); // SGD: see above
    } else {
      steps = stepOf('step');
    }
    this.params.forEach((p) => {
      for (const slot of this.state.slots) {
        const key = `${p.name}.${slot}`;
        const t = stateDict[key];
        checkFloatTensor(t, `${what}: '${key}'`);
        if (layout === 'torch') {
          if (t.shape.length !== p.shape.length || t.shape.some((d, j) => d !== p.shape[j]) || t.data.length !== p.shape.reduce((a, d) => a * d, 1)) {
            throw new RnnError('SHAPE_MISMATCH', `${what}: '${key}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(p.shape)} (the parameter's PyTorch shape)`);
          }
        } else if (t.data.length !== p.length) {
          throw new RnnError('SHAPE_MISMATCH', `${what}: '${key}' has shape ${fmtShape(t.shape)}, expected [${p.length}] (the parameter's block)`);
        }
      }
    });
    // the layout maps are made (and a parameter that cannot be mapped refused) before any write
    if (layout === 'torch') this.params.forEach((_, i) => this.state.torchMap(i));
    this.params.forEach((p, i) => {
      for (const slot of this.state.slots) {
        const data = (stateDict[`${p.name}.${slot}`] as Tensor<Float32Array>).data;
        if (layout === 'torch') this.state.writeTorch(i, slot, data);
        else this.state.write(i, slot, data);
      }
    });
    this.steps = steps;
    return this;
  }

  /** Frees the state's wasm memory. Later calls throw DISPOSED. */
  dispose(): void {
    this.state.dispose();
  }
}

export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** torch.optim.SGD: momentum, dampening, Nesterov momentum and L2 weight decay. */
export class SGD extends Optimizer {
  protected override readonly torchStep = false;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Trainable, options: SGDOptions) {
    const what = 'SGD';
    const o = optionObject(options, ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'], what);
    const lr = num(o, 'lr', undefined, what, nonNegative, 'a finite number >= 0');
    const momentum = num(o, 'momentum', 0, what, nonNegative, 'a finite number >= 0');
    const dampening = num(o, 'dampening', 0, what, Number.isFinite, 'a finite number');
    const nesterov = bool(o, 'nesterov', what);
    const weightDecay = num(o, 'weightDecay', 0, what, nonNegative, 'a finite number >= 0');
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new RnnError('INVALID_OPTION', `${what}: nesterov needs momentum > 0 and dampening 0`);
    super(params, lr, momentum !== 0 ? ['momentum_buffer'] : [], what);
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  protected update(i: number, p: ParamBlock): void {
    this.rt.training('SGD.step').f32_sgd_step(
      p.valuePtr, p.gradPtr, this.state.ptr(i, 'momentum_buffer'), p.length, this.lr, this.momentum, 1 - this.dampening, this.weightDecay,
      this.nesterov ? 1 : 0, this.steps === 1 ? 1 : 0,
    );
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

function betasOf(o: Record<string, unknown>, what: string): [number, number] {
  const b = o.betas ?? [0.9, 0.999];
  if (!Array.isArray(b) || b.length !== 2 || !b.every((v) => typeof v === 'number' && unitInterval(v))) {
    throw new RnnError('INVALID_OPTION', `${what}: betas must be two numbers in [0, 1), got ${JSON.stringify(b)}`);
  }
  return [b[0], b[1]];
}

/** torch.optim.Adam (L2 weight decay added to the gradient) and, with `decoupled`, AdamW. */
class AdamBase extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;

  constructor(params: Trainable, options: AdamOptions | undefined, private readonly decoupled: boolean, what: string) {
    const o = optionObject(options, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'], what);
    const lr = num(o, 'lr', 1e-3, what, nonNegative, 'a finite number >= 0');
    const betas = betasOf(o, what);
    const eps = num(o, 'eps', 1e-8, what, nonNegative, 'a finite number >= 0');
    const weightDecay = num(o, 'weightDecay', decoupled ? 1e-2 : 0, what, nonNegative, 'a finite number >= 0');
    const amsgrad = bool(o, 'amsgrad', what);
    super(params, lr, amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'], what);
    this.betas = Object.freeze(betas) as readonly [number, number];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.amsgrad = amsgrad;
  }

  protected update(i: number, p: ParamBlock): void {
    const [b1, b2] = this.betas;
    const t = this.steps;
    // PyTorch computes these in float64 (Python floats); the kernel takes them rounded to float32
    const stepSize = this.lr / (1 - b1 ** t);
    const bc2sqrt = Math.sqrt(1 - b2 ** t);
    const l2 = this.decoupled ? 0 : this.weightDecay;
    const decay = this.decoupled ? 1 - this.lr * this.weightDecay : 1;
    this.rt.training('Adam.step').f32_adam_step(
      p.valuePtr, p.gradPtr, this.state.ptr(i, 'exp_avg'), this.state.ptr(i, 'exp_avg_sq'), this.state.ptr(i, 'max_exp_avg_sq'), p.length,
      -stepSize, b1, 1 - b1, b2, 1 - b2, bc2sqrt, this.eps, l2, decay, this.amsgrad ? 1 : 0,
    );
  }
}

/** torch.optim.Adam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (L2, added to the gradient), amsgrad false. */
export class Adam extends AdamBase {
  constructor(params: Trainable, options?: AdamOptions) {
    super(params, options, false, 'Adam');
  }
}

/** torch.optim.AdamW: Adam with decoupled weight decay (w *= 1 - lr * weightDecay first), weightDecay 1e-2. */
export class AdamW extends AdamBase {
  constructor(params: Trainable, options?: AdamOptions) {
    super(params, options, true, 'AdamW');
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

/** torch.optim.RMSprop: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false. */
export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(params: Trainable, options?: RMSpropOptions) {
    const what = 'RMSprop';
    const o = optionObject(options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'], what);
    const lr = num(o, 'lr', 1e-2, what, nonNegative, 'a finite number >= 0');
    const alpha = num(o, 'alpha', 0.99, what, nonNegative, 'a finite number >= 0');
    const eps = num(o, 'eps', 1e-8, what, nonNegative, 'a finite number >= 0');
    const weightDecay = num(o, 'weightDecay', 0, what, nonNegative, 'a finite number >= 0');
    const momentum = num(o, 'momentum', 0, what, nonNegative, 'a finite number >= 0');
    const centered = bool(o, 'centered', what);
    const slots = ['square_avg'];
    if (momentum > 0) slots.push('momentum_buffer');
    if (centered) slots.push('grad_avg');
    super(params, lr, slots, what);
    this.alpha = alpha;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.momentum = momentum;
    this.centered = centered;
  }

  protected update(i: number, p: ParamBlock): void {
    this.rt.training('RMSprop.step').f32_rmsprop_step(
      p.valuePtr, p.gradPtr, this.state.ptr(i, 'square_avg'), this.state.ptr(i, 'grad_avg'), this.state.ptr(i, 'momentum_buffer'), p.length,
      this.lr, this.alpha, 1 - this.alpha, this.eps, this.weightDecay, this.momentum, this.centered ? 1 : 0,
    );
  }
}

export interface ClipGradNormOptions {
  /** Throw (INVALID_INPUT, naming the parameters) instead of clipping when the total norm is NaN or infinite. Default false. */
  errorIfNonfinite?: boolean;
}

/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm) with the 2-norm: the total norm of every
 * gradient (the norm of the per-parameter norms, each rounded to float32 as PyTorch's are; the
 * squares are summed in float64), then every gradient is scaled by min(1, maxNorm / (total +
 * 1e-6)) in float32. Returns the total norm before clipping. With errorIfNonfinite a NaN or
 * infinite norm throws before any gradient changes.
 */
export function clipGradNorm(params: Trainable, maxNorm: number, options?: ClipGradNormOptions): number {
  const what = 'clipGradNorm';
  const target = checkTrainable(params, what);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new RnnError('INVALID_OPTION', `${what}: maxNorm must be a number, got ${String(maxNorm)}`);
  const o = optionObject(options, ['errorIfNonfinite'], what);
  const errorIfNonfinite = bool(o, 'errorIfNonfinite', what);
  const blocks = target.parameters();
  if (blocks.length === 0) return 0;
  const rt = runtimeOfBlocks(blocks, what);
  let sum = 0;
  const bad: string[] = [];
  for (const p of blocks) {
    const norm = Math.fround(Math.sqrt(rt.training('clipGradNorm').f32_sumsq_f64(p.gradPtr, p.length)));
    if (!Number.isFinite(norm)) bad.push(p.name);
    sum += norm * norm;
  }
  const total = Math.fround(Math.sqrt(sum));
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new RnnError('INVALID_INPUT', `${what}: the total gradient norm is ${total} (non-finite gradients in ${bad.join(', ') || 'the sum of squares'}), so it cannot be clipped; no gradient was changed`);
  }
  // PyTorch: max_norm / (total + 1e-6) as reciprocal * max_norm in float32, clamped to 1
  const coef = Math.min(Math.fround(Math.fround(1 / Math.fround(total + Math.fround(1e-6))) * Math.fround(maxNorm)), 1);
  if (coef !== 1) for (const p of blocks) rt.training('clipGradNorm').f32_vscale(p.gradPtr, p.length, coef);
  return total;
}
