/**
 * The Keras layers wasm-rnn runs, built from their serialized config and weights at load.
 * Every option that changes what a layer computes is either implemented or rejected with
 * RnnError('UNSUPPORTED') naming the class, the layer name and the option.
 */
import type { WeightFormat } from '../../base/quantize.js';
import { RnnError, fmtShape } from '../../base/errors.js';
import { type Act, type Writer, applyActivation, resolveActivation } from './activations.js';
import { Direction, type CellConfig, type CellWeights, type DirResult } from './recurrent.js';
import { type CellFamily, GATE_COUNT } from '../../base/spec.js';
import { matmulF64 } from '../../base/reference-math.js';
import { type WeightMap, type WTensor, layerWeights, pick } from './weights.js';

/** A value flowing between layers: float32 (or int32 model inputs) with an optional [B, T] mask. */
export interface KTensor {
  data: Float32Array | Int32Array;
  shape: number[];
}
export interface Flow {
  t: KTensor;
  /** [B, T] (1 = valid step) over the first two axes, or null. */
  mask: Uint8Array | null;
}

export interface BuildContext {
  writer: Writer;
  /** Keras version tuple (0.0 for TF.js / unknown). */
  version: [number, number];
  weights: WeightMap;
  allowFast: boolean;
  /** Storage of the matrices of recurrent layers on the fast path. */
  weightFormat: WeightFormat;
}

export abstract class KLayer {
  constructor(
    readonly className: string,
    readonly name: string,
  ) {}
  /** Minimum / maximum number of input tensors of a call. */
  minInputs = 1;
  maxInputs = 1;
  abstract call(inputs: Flow[]): Flow[];
  dispose(): void {}
  get where(): string {
    return `${this.className} '${this.name}'`;
  }
  protected bad(msg: string): RnnError {
    return new RnnError('INVALID_INPUT', `${this.where}: ${msg}`);
  }
}

// ---------------------------------------------------------------------------------------------
// config reading

const IGNORED = new Set([
  'name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dtype', 'build_config',
  'activity_regularizer', 'dropout', 'recurrent_dropout', 'implementation', 'unroll', 'seed', 'use_cudnn',
  'unit_forget_bias', 'input_length', 'rate', 'noise_shape', 'autocast', 'module', 'registered_name', 'sparse',
  'time_major', 'stateful', 'zero_output_for_mask', 'reset_after', 'go_backwards', 'return_sequences', 'return_state',
]);

export class Cfg {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly where: string,
  ) {}
  private used = new Set<string>();
  has(k: string): boolean {
    return this.raw[k] !== undefined && this.raw[k] !== null;
  }
  get(k: string): unknown {
    this.used.add(k);
    return this.raw[k];
  }
  bool(k: string, dflt: boolean): boolean {
    const v = this.get(k);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new RnnError('INVALID_FORMAT', `${this.where}: config '${k}' must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  }
  int(k: string, dflt?: number, min = 1): number {
    const v = this.get(k) ?? dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new RnnError('INVALID_FORMAT', `${this.where}: config '${k}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  num(k: string, dflt: number): number {
    const v = this.get(k) ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RnnError('INVALID_FORMAT', `${this.where}: config '${k}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  }
  /** Any key that was neither read nor ignorable but holds a non-default value is UNSUPPORTED. */
  finish(extraIgnored: string[] = []): void {
    for (const [k, v] of Object.entries(this.raw)) {
      if (this.used.has(k) || IGNORED.has(k) || extraIgnored.includes(k)) continue;
      if (/_(initializer|regularizer|constraint)$/.test(k)) continue;
      if (v === null || v === undefined || v === false || v === 0) continue;
      throw new RnnError('UNSUPPORTED', `${this.where}: option '${k}' = ${JSON.stringify(v)} is not supported`);
    }
  }
  unsupportedIf(k: string, cond: (v: unknown) => boolean, why = 'is not supported'): void {
    const v = this.get(k);
    if (v !== undefined && v !== null && cond(v)) throw new RnnError('UNSUPPORTED', `${this.where}: option '${k}' = ${JSON.stringify(v)} ${why}`);
  }
}

function need(w: WTensor | undefined, what: string): WTensor {
  if (!w) throw new RnnError('MISSING_KEY', `${what} is missing from the weights`);
  return w;
}

const fr = Math.fround;

function asFloat(t: KTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

// ---------------------------------------------------------------------------------------------
// simple layers

export class InputLayer extends KLayer {
  readonly batchShape: (number | null)[] | null;
  constructor(name: string, cfg: Cfg) {
    super('InputLayer', name);
    const s = cfg.get('batch_input_shape') ?? cfg.get('batch_shape');
    this.batchShape = Array.isArray(s) && s.every((d) => d === null || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) ? (s as (number | null)[]) : null;
    cfg.unsupportedIf('ragged', (v) => v === true);
    cfg.finish();
  }
  call(inputs: Flow[]): Flow[] {
    return inputs;
  }
}

/** Dropout, SpatialDropout1D, GaussianNoise, ... : identity at inference (mask passes through). */
export class Identity extends KLayer {
  call(inputs: Flow[]): Flow[] {
    return [inputs[0]];
  }
}

export class Activation extends KLayer {
  constructor(name: string, cfg: Cfg, ctx: BuildContext) {
    super('Activation', name);
    this.act = resolveActivation(cfg.get('activation'), ctx.writer, this.where);
    cfg.finish();
  }
  private act: Act;
  call([x]: Flow[]): Flow[] {
    const data = asFloat(x.t).slice();
    applyActivation(this.act, data, x.t.shape[x.t.shape.length - 1] ?? 1);
    return [{ t: { data, shape: x.t.shape }, mask: x.mask }];
  }
}

export class Dense extends KLayer {
  private kernel: Float32Array;
  private bias: Float32Array | null;
  readonly units: number;
  readonly inputSize: number;
  private act: Act;
  constructor(className: string, name: string, cfg: Cfg, ctx: BuildContext, weightsOf: Map<string, WTensor>) {
    super(className, name);
    const where = this.where;
    this.units = cfg.int('units');
    this.act = resolveActivation(cfg.get('activation'), ctx.writer, where);
    const useBias = cfg.bool('use_bias', true);
    cfg.unsupportedIf('lora_rank', (v) => v !== 0);
    cfg.unsupportedIf('quantization_config', () => true);
    cfg.finish(['units', 'activation', 'use_bias', 'layer']);
    const k = need(pick(weightsOf, 'kernel', null, where), `${where}: kernel`);
    if (k.shape.length !== 2 || k.shape[1] !== this.units) {
      throw new RnnError('SHAPE_MISMATCH', `${where}: kernel has shape ${fmtShape(k.shape)}, expected [inputSize, ${this.units}]`);
    }
    this.inputSize = k.shape[0];
    this.kernel = k.data;
    this.bias = useBias ? need(pick(weightsOf, 'bias', [this.units], where), `${where}: bias`).data : null;
  }
  call([x]: Flow[]): Flow[] {
    const s = x.t.shape;
    const I = this.inputSize;
    const U = this.units;
    if (s.length < 2 || s[s.length - 1] !== I) throw this.bad(`input has shape ${fmtShape(s)}, expected [..., ${I}]`);
    const xd = asFloat(x.t);
    const rows = xd.length / I;
    const out = new Float32Array(rows * U);
    matmulF64({ data: xd, offset: 0, rowStride: I, colStride: 1 }, { data: this.kernel, offset: 0, rowStride: U, colStride: 1 }, rows, I, U, out, 0, this.bias);
    applyActivation(this.act, out, U);
    return [{ t: { data: out, shape: [...s.slice(0, -1), U] }, mask: x.mask }];
  }
}

export class Embedding extends KLayer {
  private table: Float32Array;
  private inputDim: number;
  private outputDim: number;
  private maskZero: boolean;
  constructor(name: string, cfg: Cfg, weightsOf: Map<string, WTensor>) {
    super('Embedding', name);
    this.inputDim = cfg.int('input_dim');
    this.outputDim = cfg.int('output_dim');
    this.maskZero = cfg.bool('mask_zero', false);
    cfg.unsupportedIf('lora_rank', (v) => v !== 0);
    cfg.unsupportedIf('embeddings_quantizer', () => true);
    cfg.finish();
    this.table = need(pick(weightsOf, 'embeddings', [this.inputDim, this.outputDim], this.where), `${this.where}: embeddings`).data;
  }
  call([x]: Flow[]): Flow[] {
    const { data, shape } = x.t;
    const D = this.outputDim;
    const out = new Float32Array(data.length * D);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      const idx = Math.trunc(v);
      if (!(idx >= 0 && idx < this.inputDim)) throw this.bad(`index ${v} at position ${i} is outside [0, ${this.inputDim})`);
      out.set(this.table.subarray(idx * D, (idx + 1) * D), i * D);
    }
    let mask: Uint8Array | null = null;
    if (this.maskZero) {
      if (shape.length !== 2) throw this.bad(`mask_zero needs a 2-D [batch, steps] input, got ${fmtShape(shape)}`);
      mask = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) mask[i] = data[i] !== 0 ? 1 : 0;
    }
    return [{ t: { data: out, shape: [...shape, D] }, mask }];
  }
}

export class Masking extends KLayer {
  private value: number;
  constructor(name: string, cfg: Cfg) {
    super('Masking', name);
    this.value = cfg.num('mask_value', 0);
    cfg.finish();
  }
  call([x]: Flow[]): Flow[] {
    const s = x.t.shape;
    if (s.length !== 3) throw this.bad(`expected a 3-D [batch, steps, features] input, got ${fmtShape(s)}`);
    const F = s[2];
    const xd = asFloat(x.t);
    const rows = s[0] * s[1];
    const mask = new Uint8Array(rows);
    const out = new Float32Array(xd.length);
    for (let r = 0; r < rows; r++) {
      let any = 0;
      for (let f = 0; f < F; f++) if (xd[r * F + f] !== this.value) any = 1;
      mask[r] = any;
      if (any) out.set(xd.subarray(r * F, (r + 1) * F), r * F);
    }
    return [{ t: { data: out, shape: s }, mask }];
  }
}

export class Flatten extends KLayer {
  private channelsFirst: boolean;
  constructor(name: string, cfg: Cfg) {
    super('Flatten', name);
    const df = cfg.get('data_format') ?? 'channels_last';
    if (df !== 'channels_last' && df !== 'channels_first') throw new RnnError('UNSUPPORTED', `${this.where}: option 'data_format' = ${JSON.stringify(df)} is not supported`);
    this.channelsFirst = df === 'channels_first';
    cfg.finish();
  }
  call([x]: Flow[]): Flow[] {
    const s = x.t.shape;
    let data = asFloat(x.t);
    if (this.channelsFirst && s.length >= 3) {
      // [B, C, d1..dn] -> [B, d1..dn, C]
      const B = s[0];
      const C = s[1];
      const rest = data.length / (B * C);
      const out = new Float32Array(data.length);
      for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let r = 0; r < rest; r++) out[(b * rest + r) * C + c] = data[(b * C + c) * rest + r];
      data = out;
    }
    const n = s.slice(1).reduce((a, b) => a * b, 1);
    return [{ t: { data, shape: [s[0], n] }, mask: null }];
  }
}

export class Reshape extends KLayer {
  private target: number[];
  constructor(name: string, cfg: Cfg) {
    super('Reshape', name);
    // TF.js writes the -1 of target_shape as null
    const raw = cfg.get('target_shape');
    const t = Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : raw;
    if (!Array.isArray(t) || t.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < -1 || d === 0) || t.filter((d) => d === -1).length > 1) {
      throw new RnnError('INVALID_FORMAT', `${this.where}: target_shape must be an array of positive integers with at most one -1, got ${JSON.stringify(t)}`);
    }
    this.target = t as number[];
    cfg.finish();
  }
  call([x]: Flow[]): Flow[] {
    const s = x.t.shape;
    const n = s.slice(1).reduce((a, b) => a * b, 1);
    const known = this.target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = this.target.map((d) => (d === -1 ? n / known : d));
    if (shape.some((d) => !Number.isInteger(d)) || shape.reduce((a, b) => a * b, 1) !== n) {
      throw this.bad(`cannot reshape ${fmtShape(s)} to [batch, ${this.target.join(', ')}]`);
    }
    return [{ t: { data: asFloat(x.t), shape: [s[0], ...shape] }, mask: null }];
  }
}

function andMasks(masks: (Uint8Array | null)[]): Uint8Array | null {
  const present = masks.filter((m): m is Uint8Array => m !== null);
  if (!present.length) return null;
  const out = present[0].slice();
  for (const m of present.slice(1)) {
    if (m.length !== out.length) return null;
    for (let i = 0; i < out.length; i++) out[i] &= m[i];
  }
  return out;
}

export class Concatenate extends KLayer {
  private axis: number;
  constructor(name: string, cfg: Cfg) {
    super('Concatenate', name);
    this.axis = cfg.int('axis', -1, -64);
    this.minInputs = 2;
    this.maxInputs = 1024;
    cfg.finish();
  }
  call(inputs: Flow[]): Flow[] {
    const rank = inputs[0].t.shape.length;
    const ax = this.axis < 0 ? rank + this.axis : this.axis;
    if (ax < 1 || ax >= rank) throw this.bad(`axis ${this.axis} is not a non-batch axis of rank-${rank} inputs`);
    for (const i of inputs) {
      const s = i.t.shape;
      if (s.length !== rank || s.some((d, k) => k !== ax && d !== inputs[0].t.shape[k])) {
        throw this.bad(`inputs of shapes ${inputs.map((q) => fmtShape(q.t.shape)).join(', ')} cannot be concatenated on axis ${this.axis}`);
      }
    }
    const s0 = inputs[0].t.shape;
    const outer = s0.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = s0.slice(ax + 1).reduce((a, b) => a * b, 1);
    const total = inputs.reduce((a, i) => a + i.t.shape[ax], 0);
    const out = new Float32Array(outer * total * inner);
    let off = 0;
    for (const i of inputs) {
      const n = i.t.shape[ax] * inner;
      const d = asFloat(i.t);
      for (let o = 0; o < outer; o++) out.set(d.subarray(o * n, (o + 1) * n), o * total * inner + off);
      off += n;
    }
    let mask: Uint8Array | null = null;
    if (inputs.some((i) => i.mask)) {
      if (ax >= 2) mask = andMasks(inputs.map((i) => i.mask));
      else if (rank >= 2) {
        // concatenation along time: the masks are concatenated too (absent = all valid)
        const B = s0[0];
        mask = new Uint8Array(B * total);
        let t0 = 0;
        for (const i of inputs) {
          const T = i.t.shape[1];
          for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) mask[b * total + t0 + t] = i.mask ? i.mask[b * T + t] : 1;
          t0 += T;
        }
      }
    }
    const shape = [...s0];
    shape[ax] = total;
    return [{ t: { data: out, shape }, mask }];
  }
}

type MergeOp = 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum' | 'Minimum';
export class Merge extends KLayer {
  constructor(
    readonly op: MergeOp,
    name: string,
    cfg: Cfg,
  ) {
    super(op, name);
    this.minInputs = op === 'Subtract' ? 2 : 1;
    this.maxInputs = op === 'Subtract' ? 2 : 1024;
    cfg.finish();
  }
  call(inputs: Flow[]): Flow[] {
    const s0 = inputs[0].t.shape;
    for (const i of inputs) {
      if (i.t.shape.length !== s0.length || i.t.shape.some((d, k) => d !== s0[k])) {
        throw this.bad(`inputs have different shapes ${inputs.map((q) => fmtShape(q.t.shape)).join(', ')} (broadcasting is not supported)`);
      }
    }
    const ds = inputs.map((i) => asFloat(i.t));
    const out = new Float32Array(ds[0].length);
    for (let e = 0; e < out.length; e++) {
      let v = ds[0][e];
      for (let k = 1; k < ds.length; k++) {
        const w = ds[k][e];
        v = this.op === 'Add' || this.op === 'Average' ? fr(v + w) : this.op === 'Subtract' ? fr(v - w) : this.op === 'Multiply' ? fr(v * w) : this.op === 'Maximum' ? Math.max(v, w) : Math.min(v, w);
      }
      out[e] = this.op === 'Average' ? v / ds.length : v;
    }
    return [{ t: { data: out, shape: [...s0] }, mask: andMasks(inputs.map((i) => i.mask)) }];
  }
}

export class RepeatVector extends KLayer {
  private n: number;
  constructor(name: string, cfg: Cfg) {
    super('RepeatVector', name);
    this.n = cfg.int('n');
    cfg.finish();
  }
  call([x]: Flow[]): Flow[] {
    const s = x.t.shape;
    if (s.length !== 2) throw this.bad(`expected a 2-D input, got ${fmtShape(s)}`);
    const [B, F] = s;
    if (B * this.n * F > 2 ** 27) throw new RnnError('OUT_OF_MEMORY', `${this.where}: output of ${B * this.n * F} elements exceeds 2^27`);
    const d = asFloat(x.t);
    const out = new Float32Array(B * this.n * F);
    for (let b = 0; b < B; b++) for (let t = 0; t < this.n; t++) out.set(d.subarray(b * F, (b + 1) * F), (b * this.n + t) * F);
    return [{ t: { data: out, shape: [B, this.n, F] }, mask: null }];
  }
}

// ---------------------------------------------------------------------------------------------
// recurrent layers

const CELL_OF: Record<string, CellFamily> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'rnn' };

export interface RnnOptions {
  cell: CellConfig;
  returnSequences: boolean;
  returnState: boolean;
  stateful: boolean;
  zeroOutputForMask: boolean;
}

/** Reads a SimpleRNN / LSTM / GRU config with the writer's defaults. */
export function parseRnnConfig(className: string, cfg: Cfg, ctx: BuildContext): RnnOptions {
  const cell = CELL_OF[className];
  const where = cfg.where;
  const oldKeras = ctx.writer === 'tfjs' || (ctx.writer === 'keras2' && (ctx.version[0] < 2 || (ctx.version[0] === 2 && ctx.version[1] < 3)));
  const units = cfg.int('units');
  const act = resolveActivation(cfg.get('activation'), ctx.writer, `${where}: activation`, 'tanh');
  const recAct = resolveActivation(cfg.get('recurrent_activation'), ctx.writer, `${where}: recurrent_activation`, cell === 'rnn' ? 'sigmoid' : oldKeras ? 'hard_sigmoid' : 'sigmoid');
  for (const a of [act, recAct]) {
    if (!a.fn) throw new RnnError('UNSUPPORTED', `${where}: activation '${a.name}' works on an axis and cannot be a recurrent activation`);
  }
  const resetAfter = cell === 'gru' ? cfg.bool('reset_after', !oldKeras) : false;
  cfg.unsupportedIf('time_major', (v) => v === true, '(time-major inputs) is not supported');
  cfg.unsupportedIf('cell', () => true);
  const o: RnnOptions = {
    cell: { cell, units, act, recAct, resetAfter, goBackwards: cfg.bool('go_backwards', false) },
    returnSequences: cfg.bool('return_sequences', false),
    returnState: cfg.bool('return_state', false),
    stateful: cfg.bool('stateful', false),
    zeroOutputForMask: cfg.bool('zero_output_for_mask', false),
  };
  cfg.get('use_bias');
  cfg.finish();
  return o;
}

function cellWeights(className: string, o: RnnOptions, useBias: boolean, mine: Map<string, WTensor>, where: string, scope?: 'forward' | 'backward'): CellWeights {
  const H = o.cell.units;
  const GH = GATE_COUNT[o.cell.cell] * H;
  const sw = scope ? `${where} (${scope})` : where;
  const k = need(pick(mine, 'kernel', null, sw, scope), `${sw}: kernel`);
  if (k.shape.length !== 2 || k.shape[1] !== GH) throw new RnnError('SHAPE_MISMATCH', `${sw}: kernel has shape ${fmtShape(k.shape)}, expected [inputSize, ${GH}]`);
  const rec = need(pick(mine, 'recurrent_kernel', [H, GH], sw, scope), `${sw}: recurrent_kernel`);
  let bias: Float32Array | null = null;
  if (useBias) {
    const shape = className === 'GRU' && o.cell.resetAfter ? [2, GH] : [GH];
    bias = need(pick(mine, 'bias', shape, sw, scope), `${sw}: bias`).data;
  }
  return { inputSize: k.shape[0], kernel: k.data, rec: rec.data, bias };
}

function checkSeq(l: KLayer, x: Flow, I: number): [number, number] {
  const s = x.t.shape;
  if (s.length !== 3 || s[2] !== I) throw new RnnError('INVALID_INPUT', `${l.where}: input has shape ${fmtShape(s)}, expected [batch, steps, ${I}]`);
  if (s[0] < 1 || s[1] < 1) throw new RnnError('INVALID_INPUT', `${l.where}: input ${fmtShape(s)} needs at least one batch item and one step`);
  return [s[0], s[1]];
}

function initialStates(l: KLayer, flows: Flow[], nStates: number, B: number, H: number): Float32Array[] | null {
  if (!flows.length) return null;
  if (flows.length !== nStates) throw new RnnError('INVALID_INPUT', `${l.where}: got ${flows.length} initial state tensors, expected ${nStates}`);
  return flows.map((f, i) => {
    if (f.t.shape.length !== 2 || f.t.shape[0] !== B || f.t.shape[1] !== H) {
      throw new RnnError('INVALID_INPUT', `${l.where}: initial state ${i} has shape ${fmtShape(f.t.shape)}, expected [${B}, ${H}]`);
    }
    return asFloat(f.t);
  });
}

/** Keeps the states of a stateful layer between predict calls (Keras `stateful=True`). */
class StateStore {
  states: Float32Array[] | null = null;
  batch = 0;
}

export class Recurrent extends KLayer {
  readonly dir: Direction;
  readonly opts: RnnOptions;
  private store = new StateStore();
  constructor(className: string, name: string, cfg: Cfg, ctx: BuildContext, mine: Map<string, WTensor>) {
    super(className, name);
    this.opts = parseRnnConfig(className, cfg, ctx);
    const useBias = cfg.bool('use_bias', true);
    this.dir = new Direction(this.opts.cell, cellWeights(className, this.opts, useBias, mine, this.where), ctx.writer, ctx.allowFast, ctx.weightFormat);
    this.maxInputs = 1 + (this.opts.cell.cell === 'lstm' ? 2 : 1);
  }
  get nStates(): number {
    return this.opts.cell.cell === 'lstm' ? 2 : 1;
  }
  override dispose(): void {
    this.dir.dispose();
  }
  resetStates(): void {
    this.store.states = null;
  }
  call(inputs: Flow[]): Flow[] {
    const [x, ...st] = inputs;
    const [B, T] = checkSeq(this, x, this.dir.I);
    const H = this.opts.cell.units;
    let init = initialStates(this, st, this.nStates, B, H);
    if (this.opts.stateful && !init && this.store.states) {
      if (this.store.batch !== B) throw this.bad(`stateful layer holds states for batch ${this.store.batch}, got batch ${B} (call resetStates() first)`);
      init = this.store.states;
    }
    const r = this.dir.run(asFloat(x.t), B, T, x.mask, init, this.opts.zeroOutputForMask);
    if (this.opts.stateful) {
      this.store.states = r.states;
      this.store.batch = B;
    }
    return rnnOutputs(r, this.opts, B, T, H, x.mask);
  }
}

function rnnOutputs(r: DirResult, o: RnnOptions, B: number, T: number, H: number, mask: Uint8Array | null): Flow[] {
  const out: Flow[] = [o.returnSequences ? { t: { data: r.seq, shape: [B, T, H] }, mask } : { t: { data: r.last, shape: [B, H] }, mask: null }];
  if (o.returnState) for (const s of r.states) out.push({ t: { data: s, shape: [B, H] }, mask: null });
  return out;
}

type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export class Bidirectional extends KLayer {
  readonly fwd: Direction;
  readonly bwd: Direction;
  readonly fo: RnnOptions;
  readonly bo: RnnOptions;
  readonly merge: MergeMode;
  private store = new StateStore();
  constructor(name: string, cfg: Cfg, ctx: BuildContext, mine: Map<string, WTensor>) {
    super('Bidirectional', name);
    const where = this.where;
    const mm = cfg.get('merge_mode') ?? null;
    if (mm !== null && !['concat', 'sum', 'mul', 'ave'].includes(mm as string)) {
      throw new RnnError('UNSUPPORTED', `${where}: option 'merge_mode' = ${JSON.stringify(mm)} is not supported (concat, sum, mul, ave, None)`);
    }
    // an absent key means Keras' default 'concat'; null means None (a list of both outputs)
    this.merge = cfg.raw.merge_mode === undefined ? 'concat' : (mm as MergeMode);
    const inner = (key: string): { cls: string; cfg: Cfg } | null => {
      const l = cfg.get(key) as { class_name?: unknown; config?: unknown } | undefined | null;
      if (l === undefined || l === null) return null;
      if (typeof l !== 'object' || typeof l.class_name !== 'string' || l.config === null || typeof l.config !== 'object') {
        throw new RnnError('INVALID_FORMAT', `${where}: '${key}' must be a { class_name, config } layer`);
      }
      if (!CELL_OF[l.class_name]) throw new RnnError('UNSUPPORTED', `${where}: wrapped layer class '${l.class_name}' is not supported (SimpleRNN, LSTM, GRU)`);
      const c = l.config as Record<string, unknown>;
      return { cls: l.class_name, cfg: new Cfg(c, `${l.class_name} '${String(c.name ?? '?')}' in ${where}`) };
    };
    const f = inner('layer');
    if (!f) throw new RnnError('INVALID_FORMAT', `${where}: config has no 'layer'`);
    const b = inner('backward_layer');
    cfg.finish();
    this.fo = parseRnnConfig(f.cls, f.cfg, ctx);
    const fBias = f.cfg.bool('use_bias', true);
    let bCls = f.cls;
    let bBias = fBias;
    if (b) {
      this.bo = parseRnnConfig(b.cls, b.cfg, ctx);
      bCls = b.cls;
      bBias = b.cfg.bool('use_bias', true);
      if (b.cls !== f.cls || this.bo.cell.units !== this.fo.cell.units || this.bo.returnSequences !== this.fo.returnSequences || this.bo.returnState !== this.fo.returnState) {
        throw new RnnError('UNSUPPORTED', `${where}: a backward_layer that differs from the forward layer in class, units, return_sequences or return_state is not supported`);
      }
    } else {
      // the backward layer is a copy of the forward one with go_backwards flipped
      this.bo = { ...this.fo, cell: { ...this.fo.cell, goBackwards: !this.fo.cell.goBackwards } };
    }
    if (ctx.writer !== 'tfjs' && this.fo.returnSequences) {
      // Keras forces zero outputs at masked steps in both directions of a Bidirectional
      this.fo.zeroOutputForMask = true;
      this.bo.zeroOutputForMask = true;
    }
    const fw = cellWeights(f.cls, this.fo, fBias, mine, where, 'forward');
    const bw = cellWeights(bCls, this.bo, bBias, mine, where, 'backward');
    if (fw.inputSize !== bw.inputSize) throw new RnnError('SHAPE_MISMATCH', `${where}: forward and backward kernels have different input sizes`);
    this.fwd = new Direction(this.fo.cell, fw, ctx.writer, ctx.allowFast, ctx.weightFormat);
    try {
      this.bwd = new Direction(this.bo.cell, bw, ctx.writer, ctx.allowFast, ctx.weightFormat);
    } catch (e) {
      this.fwd.dispose();
      throw e;
    }
    const ns = this.fo.cell.cell === 'lstm' ? 2 : 1;
    this.maxInputs = 1 + 2 * ns;
  }
  override dispose(): void {
    this.fwd.dispose();
    this.bwd.dispose();
  }
  resetStates(): void {
    this.store.states = null;
  }
  call(inputs: Flow[]): Flow[] {
    const [x, ...st] = inputs;
    const [B, T] = checkSeq(this, x, this.fwd.I);
    const H = this.fo.cell.units;
    const ns = this.fo.cell.cell === 'lstm' ? 2 : 1;
    if (st.length && st.length !== 2 * ns) throw this.bad(`got ${st.length} initial state tensors, expected ${2 * ns}`);
    let init = st.length ? initialStates(this, st, 2 * ns, B, H) : null;
    if (this.fo.stateful && !init && this.store.states) {
      if (this.store.batch !== B) throw this.bad(`stateful layer holds states for batch ${this.store.batch}, got batch ${B} (call resetStates() first)`);
      init = this.store.states;
    }
    const xd = asFloat(x.t);
    const rf = this.fwd.run(xd, B, T, x.mask, init && init.slice(0, ns), this.fo.zeroOutputForMask);
    const seqs = this.fo.returnSequences;
    // Keras reverses the backward layer's sequence (back to time order): it is written reversed
    const rb = this.bwd.run(xd, B, T, x.mask, init && init.slice(ns), this.bo.zeroOutputForMask, seqs);
    if (this.fo.stateful) {
      this.store.states = [...rf.states, ...rb.states];
      this.store.batch = B;
    }
    const y = seqs ? rf.seq : rf.last;
    const yr = seqs ? rb.seq : rb.last;
    const shape = seqs ? [B, T, H] : [B, H];
    const mask = seqs ? x.mask : null;
    const outs: Flow[] = [];
    if (this.merge === null) {
      outs.push({ t: { data: y, shape }, mask }, { t: { data: yr, shape: [...shape] }, mask });
    } else if (this.merge === 'concat') {
      const rows = y.length / H;
      const out = new Float32Array(rows * 2 * H);
      for (let r = 0; r < rows; r++) {
        out.set(y.subarray(r * H, (r + 1) * H), r * 2 * H);
        out.set(yr.subarray(r * H, (r + 1) * H), r * 2 * H + H);
      }
      outs.push({ t: { data: out, shape: [...shape.slice(0, -1), 2 * H] }, mask });
    } else {
      const out = new Float32Array(y.length);
      for (let i = 0; i < y.length; i++) {
        out[i] = this.merge === 'sum' ? fr(y[i] + yr[i]) : this.merge === 'mul' ? fr(y[i] * yr[i]) : fr(0.5 * fr(y[i] + yr[i]));
      }
      outs.push({ t: { data: out, shape }, mask });
    }
    if (this.fo.returnState) for (const s of [...rf.states, ...rb.states]) outs.push({ t: { data: s, shape: [B, H] }, mask: null });
    return outs;
  }
}

// ---------------------------------------------------------------------------------------------

const IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
const MERGES = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);

export const SUPPORTED_LAYERS = [
  'InputLayer', 'Embedding', 'Masking', 'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'Dense', 'TimeDistributed',
  'Activation', 'Flatten', 'Reshape', 'RepeatVector', 'Concatenate', ...MERGES, ...IDENTITY,
];

/**
 * Builds one layer. `weightsOf` holds the layer's weights keyed by the rest of their path
 * (see layerWeights); TimeDistributed(Dense) reads them like Dense.
 */
export function buildLayer(className: string, name: string, config: Record<string, unknown>, ctx: BuildContext): KLayer {
  const where = `${className} '${name}'`;
  const cfg = new Cfg(config, where);
  const mine = (): Map<string, WTensor> => layerWeights(ctx.weights, name);
  if (className === 'InputLayer') return new InputLayer(name, cfg);
  if (IDENTITY.has(className)) {
    cfg.finish(['stddev', 'l1', 'l2', 'mean']);
    return new Identity(className, name);
  }
  if (MERGES.has(className)) return new Merge(className as MergeOp, name, cfg);
  switch (className) {
    case 'Embedding':
      return new Embedding(name, cfg, mine());
    case 'Masking':
      return new Masking(name, cfg);
    case 'Dense':
      return new Dense('Dense', name, cfg, ctx, mine());
    case 'Activation':
      return new Activation(name, cfg, ctx);
    case 'Flatten':
      return new Flatten(name, cfg);
    case 'Reshape':
      return new Reshape(name, cfg);
    case 'RepeatVector':
      return new RepeatVector(name, cfg);
    case 'Concatenate':
      return new Concatenate(name, cfg);
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return new Recurrent(className, name, cfg, ctx, mine());
    case 'Bidirectional':
      return new Bidirectional(name, cfg, ctx, mine());
    case 'TimeDistributed': {
      const l = cfg.get('layer') as { class_name?: unknown; config?: unknown } | undefined;
      if (!l || typeof l !== 'object' || typeof l.class_name !== 'string' || l.config === null || typeof l.config !== 'object') {
        throw new RnnError('INVALID_FORMAT', `${where}: config needs a wrapped 'layer' { class_name, config }`);
      }
      if (l.class_name !== 'Dense') throw new RnnError('UNSUPPORTED', `${where}: TimeDistributed(${l.class_name}) is not supported (only Dense)`);
      cfg.finish();
      const ic = l.config as Record<string, unknown>;
      return new Dense('TimeDistributed', name, new Cfg(ic, `Dense '${String(ic.name ?? '?')}' in ${where}`), ctx, mine());
    }
    default:
      throw new RnnError('UNSUPPORTED', `layer '${name}': class '${className}' is not supported (supported: ${SUPPORTED_LAYERS.join(', ')})`);
  }
}
