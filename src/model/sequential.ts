/**
 * Sequential: a chain of named layers, like torch.nn.Sequential / a small nn.Module whose
 * forward calls its children in order, with PyTorch state_dict names (`emb.weight`,
 * `lstm.weight_ih_l0`, `head.bias`).
 *
 *   const model = new Sequential([
 *     ['emb', new Embedding(27, 16)],
 *     ['lstm', new LSTM({ inputSize: 16, hiddenSize: 80, numLayers: 2, batchFirst: true })],
 *     ['head', new Linear(80, 27)],
 *   ]).loadStateDict(readSafetensors(bytes));
 *   model.forward({ data: ids, shape: [B, T] });          // whole sequences
 *   const s = model.createState({ batch: 1 });           // or streaming, one step at a time
 *   const logits = model.step([id], s);                  // [1, 27]
 *
 * Streaming: a step runs every child once. Recurrent children step through their own
 * RecurrentState (one wasm call for the whole stack, h/c in wasm memory); Linear reads the
 * recurrent output in place in wasm memory (no copy) and writes into a buffer the state owns;
 * Embedding / Softmax write into buffers the state owns. Nothing is allocated per step except the
 * returned copy (none with `{ view: true }`).
 *
 * Training (docs/training.md): `forward(x, { train: true })` runs every child in train mode,
 * `backward(gradOut)` runs their backward passes in reverse order, and `parameters()` /
 * `gradients()` / `zeroGrad()` / `parametersChanged()` cover every child, under the state_dict
 * names (`lstm.weight_ih_l0`). The children are the layers themselves, so a layer used directly
 * and inside the Sequential has one parameter and gradient storage.
 */
import { storedKeys } from '../../base/quantize.js';
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkTensor, checkFloatTensor } from '../../base/tensor.js';
import { RecurrentLayer, RecurrentState } from '../layers/recurrent.js';
import { outputSize as recurrentOutputSize } from '../../base/spec.js';
import { runtime } from '../../bindings/wasm.js';
import { LinearStepBuffers } from '../../bindings/linear.js';
import { DisposeGroup } from '../../bindings/ownership.js';
import { renamedBlock } from '../../bindings/param-block.js';
import type { ParamBlock, Trainable } from '../../bindings/trainable.js';
import { Embedding, LastStep, Linear, Softmax } from './layers.js';

/** Any layer a Sequential can hold. */
export type SequentialLayer = RecurrentLayer | Embedding | Linear | Softmax | LastStep;

/**
 * The children, each under the name its parameters have in the state_dict:
 * `[['emb', emb], ['lstm', lstm]]`, `[{ name: 'emb', layer: emb }, ...]`, `{ emb, lstm }`
 * (insertion order; avoid integer-like keys there, JS sorts them first), or a plain array of
 * layers, named '0', '1', ... like torch.nn.Sequential.
 */
export type SequentialLayers =
  | ReadonlyArray<readonly [string, SequentialLayer]>
  | ReadonlyArray<{ name: string; layer: SequentialLayer }>
  | ReadonlyArray<SequentialLayer>
  | Readonly<Record<string, SequentialLayer>>;

export interface SequentialOptions {
  /**
   * Layout of sequence input and output: [B, T, ...] when true, [T, B, ...] when false. Taken
   * from the recurrent children (they must agree); needed only when there is none (default false).
   */
  batchFirst?: boolean;
}

export interface SequentialLoadOptions {
  /**
   * State_dict prefix of a child's parameters, by child name (default `name + '.'`), e.g.
   * `{ lstm: 'encoder.rnn.' }` to read `encoder.rnn.weight_ih_l0` into the child named 'lstm'.
   */
  prefixMap?: Record<string, string>;
  /** Prepended to every key (e.g. 'model.'). Default ''. */
  prefix?: string;
  /** Reject keys that no child reads (default true). */
  strict?: boolean;
}

export interface SequentialForwardOptions {
  /** Run every child in train mode, recording what backward() needs (default false). */
  train?: boolean;
  /**
   * Start from this streaming state (instead of zeros) and leave the final h/c in it, so that
   * a prompt can be run in one forward call and continued with step(). Batched input only.
   */
  state?: SequentialState;
}

export interface SequentialStepOptions {
  /** Return a zero-copy view, valid until the next step/forward on this model or state. */
  view?: boolean;
}

/** Token ids for one step: one per batch item. */
export type StepTokens = ArrayLike<number> | Int32Array | BigInt64Array;

/**
 * What a Sequential needs of a recurrent child in training: the recurrent layers' training API
 * (issue 16): a train-mode forward, a backward from the output's gradient that returns the
 * input's, and the Trainable contract.
 */
interface TrainableRecurrent extends Trainable {
  forward(x: Tensor, options: { train: true; h0?: Tensor; c0?: Tensor }): { output: Tensor<Float32Array>; h: Tensor<Float32Array>; c?: Tensor<Float32Array> };
  backward(grads: { output?: Tensor }): { x: Tensor<Float32Array> };
}

/** A recurrent child as a TrainableRecurrent; UNSUPPORTED if its class has no training API. */
function trainableRecurrent(layer: RecurrentLayer, what: string): TrainableRecurrent {
  const t = layer as unknown as Partial<TrainableRecurrent>;
  if (typeof t.backward !== 'function' || typeof t.parameters !== 'function' || typeof t.zeroGrad !== 'function' || typeof t.parametersChanged !== 'function') {
    throw new RnnError('UNSUPPORTED', `${what}: this build's recurrent layers cannot train (no backward)`);
  }
  return t as TrainableRecurrent;
}

const FORWARD_OPTION_KEYS = ['train', 'state'] as const;

interface Child {
  name: string;
  layer: SequentialLayer;
  recurrent: boolean;
  /** feature size this child receives (for Embedding: 1, an id) */
  inSize: number;
  outSize: number;
}

function isLayer(v: unknown): v is SequentialLayer {
  return (
    v instanceof RecurrentLayer || v instanceof Embedding || v instanceof Linear || v instanceof Softmax || v instanceof LastStep
  );
}

function normalize(layers: SequentialLayers): Array<{ name: string; layer: SequentialLayer }> {
  if (layers === null || typeof layers !== 'object') {
    throw new RnnError('INVALID_OPTION', `Sequential: layers must be an array or an object of named layers, got ${String(layers)}`);
  }
  const entries: Array<{ name: string; layer: unknown }> = [];
  if (Array.isArray(layers)) {
    layers.forEach((e: unknown, i: number) => {
      if (Array.isArray(e) && e.length === 2) entries.push({ name: e[0], layer: e[1] });
      else if (isLayer(e)) entries.push({ name: String(i), layer: e });
      else if (e !== null && typeof e === 'object' && 'layer' in e) entries.push(e as { name: string; layer: unknown });
      else throw new RnnError('INVALID_OPTION', `Sequential: entry ${i} is not a layer, a [name, layer] pair or { name, layer }`);
    });
  } else {
    for (const [name, layer] of Object.entries(layers)) entries.push({ name, layer });
  }
  if (entries.length === 0) throw new RnnError('INVALID_OPTION', 'Sequential: needs at least one layer');
  const seen = new Set<string>();
  for (const { name, layer } of entries) {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new RnnError('INVALID_OPTION', `Sequential: layer name ${JSON.stringify(name)} must be a non-empty string without '.'`);
    }
    if (seen.has(name)) throw new RnnError('INVALID_OPTION', `Sequential: duplicate layer name '${name}'`);
    seen.add(name);
    if (!isLayer(layer)) {
      throw new RnnError('INVALID_OPTION', `Sequential: '${name}' is not a wasm-rnn layer (LSTM, GRU, RNN, Embedding, Linear, Softmax, LogSoftmax, LastStep)`);
    }
  }
  return entries as Array<{ name: string; layer: SequentialLayer }>;
}

/** A child's parameters as stored (int8 matrices with their scales where the child has them). */
function storedStateDict(layer: SequentialLayer): Record<string, Tensor> {
  return layer instanceof RecurrentLayer || layer instanceof Linear || layer instanceof Embedding ? layer.quantizedStateDict() : layer.stateDict();
}

export class Sequential implements Trainable {
  /** The children in order. */
  readonly layers: ReadonlyArray<{ readonly name: string; readonly layer: SequentialLayer }>;
  readonly batchFirst: boolean;
  /** 'tokens' when the first layer is an Embedding (input: integer ids), else 'float'. */
  readonly inputKind: 'tokens' | 'float';
  /** Features per input frame (the vocabulary size for token input). */
  readonly inputSize: number;
  /** Features per output frame. */
  readonly outputSize: number;
  private readonly children: Child[];
  /** The wasm buffers of the states created and not yet disposed (never the states themselves). */
  private readonly states = new DisposeGroup<LinearStepBuffers>();
  private disposed = false;
  /** Output shape of the last train-mode forward (null: none since the last backward). */
  private trainOutShape: number[] | null = null;

  constructor(layers: SequentialLayers, options: SequentialOptions = {}) {
    const entries = normalize(layers);
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'Sequential: options must be an object');
    if (options.batchFirst !== undefined && typeof options.batchFirst !== 'boolean') {
      throw new RnnError('INVALID_OPTION', `Sequential: batchFirst must be a boolean, got ${String(options.batchFirst)}`);
    }
    const children: Child[] = [];
    let batchFirst: boolean | undefined = options.batchFirst;
    let size = -1; // features flowing between children; -1 = not known yet
    let timeGone = false;
    entries.forEach(({ name, layer }, i) => {
      const where = `Sequential: '${name}' (${layerKind(layer)})`;
      if (layer instanceof Embedding) {
        if (i !== 0) throw new RnnError('INVALID_OPTION', `${where} must be the first layer (it takes token ids)`);
        children.push({ name, layer, recurrent: false, inSize: 1, outSize: layer.embeddingDim });
        size = layer.embeddingDim;
        return;
      }
      let inSize: number;
      let outSize: number;
      if (layer instanceof RecurrentLayer) {
        if (timeGone) throw new RnnError('INVALID_OPTION', `${where} cannot follow a LastStep (no time dimension left)`);
        if (batchFirst !== undefined && layer.batchFirst !== batchFirst) {
          throw new RnnError('INVALID_OPTION', `${where} has batchFirst ${layer.batchFirst}, but the model's layout is batchFirst ${batchFirst}: every recurrent layer must use the same layout`);
        }
        batchFirst = layer.batchFirst;
        inSize = layer.inputSize;
        outSize = layer.spec.numDirections * recurrentOutputSize(layer.spec);
      } else if (layer instanceof Linear) {
        inSize = layer.inFeatures;
        outSize = layer.outFeatures;
      } else {
        if (layer instanceof LastStep) timeGone = true;
        inSize = size;
        outSize = size;
      }
      if (size !== -1 && inSize !== -1 && inSize !== size) {
        throw new RnnError('SHAPE_MISMATCH', `${where} takes ${inSize} features but the layer before it gives ${size}`);
      }
      children.push({ name, layer, recurrent: layer instanceof RecurrentLayer, inSize, outSize });
      size = outSize;
    });
    // feature sizes of parameterless layers at the front are fixed by the first sized layer
    const firstSized = children.find((c) => c.inSize !== -1);
    if (firstSized) {
      for (const c of children) {
        if (c.inSize !== -1) break;
        c.inSize = c.outSize = firstSized.inSize;
      }
    }
    this.children = children;
    this.layers = children.map(({ name, layer }) => Object.freeze({ name, layer }));
    this.batchFirst = batchFirst ?? false;
    this.inputKind = children[0].layer instanceof Embedding ? 'tokens' : 'float';
    this.inputSize = children[0].layer instanceof Embedding ? children[0].layer.numEmbeddings : children[0].inSize;
    this.outputSize = children[children.length - 1].outSize;
  }

  /** The child named `name`. */
  get(name: string): SequentialLayer {
    const c = this.children.find((ch) => ch.name === name);
    if (!c) throw new RnnError('INVALID_OPTION', `Sequential.get: no layer named '${name}' (have ${this.children.map((ch) => ch.name).join(', ')})`);
    return c.layer;
  }

  private alive(what: string): void {
    if (this.disposed) throw new RnnError('DISPOSED', `Sequential.${what}: used after dispose()`);
  }

  private prefixOf(name: string, options: SequentialLoadOptions): string {
    const mapped = options.prefixMap?.[name];
    if (mapped !== undefined && typeof mapped !== 'string') {
      throw new RnnError('INVALID_OPTION', `Sequential.loadStateDict: prefixMap['${name}'] must be a string, got ${typeof mapped}`);
    }
    return (options.prefix ?? '') + (mapped ?? name + '.');
  }

  /**
   * Loads every child's parameters from one PyTorch state_dict. If any key or shape is wrong,
   * the children loaded before the failure get their previous weights back and the error is
   * rethrown: the model is left as it was.
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: SequentialLoadOptions = {}): this {
    this.alive('loadStateDict');
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new RnnError('INVALID_INPUT', `Sequential.loadStateDict: expected an object of tensors, got ${String(stateDict)}`);
    }
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'Sequential.loadStateDict: options must be an object');
    if (options.prefixMap) {
      for (const k of Object.keys(options.prefixMap)) {
        if (!this.children.some((c) => c.name === k)) {
          throw new RnnError('INVALID_OPTION', `Sequential.loadStateDict: prefixMap names '${k}', which is not a layer (have ${this.children.map((c) => c.name).join(', ')})`);
        }
      }
    }
    const strict = options.strict ?? true;
    const used = new Set<string>();
    const wanted: Array<[Child, string, string[]]> = this.children.map((c) => {
      const prefix = this.prefixOf(c.name, options);
      const names = c.layer.parameterShapes().map(([n]) => n);
      // an int8 matrix (docs/quantization.md) brings its scales' key
      for (const k of storedKeys(stateDict, names.map((n) => prefix + n))) used.add(k);
      return [c, prefix, names];
    });
    if (strict) {
      const unexpected = Object.keys(stateDict).filter((k) => k.startsWith(options.prefix ?? '') && !used.has(k));
      if (unexpected.length) {
        throw new RnnError(
          'UNEXPECTED_KEY',
          `Sequential.loadStateDict: unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')} (no layer reads ${unexpected.length > 1 ? 'them' : 'it'}; pass { strict: false } to ignore, or map prefixes with prefixMap)`,
        );
      }
    }
    const done: Array<[Child, Record<string, Tensor>]> = [];
    try {
      for (const [c, prefix, names] of wanted) {
        if (names.length === 0) continue;
        const previous = storedStateDict(c.layer);
        c.layer.loadStateDict(stateDict, { prefix, strict: false });
        done.push([c, previous]);
      }
    } catch (e) {
      for (const [c, previous] of done) c.layer.loadStateDict(previous);
      throw e;
    }
    return this;
  }

  /**
   * Every parameter as stored, under `name.param`: int8 matrices with their row scales for int8
   * children (their quantizedStateDict()), float32 otherwise. writeSafetensors saves it and
   * loadStateDict reads it back unchanged.
   */
  quantizedStateDict(): Record<string, Tensor> {
    this.alive('quantizedStateDict');
    const out: Record<string, Tensor> = {};
    for (const c of this.children) {
      for (const [k, v] of Object.entries(storedStateDict(c.layer))) out[`${c.name}.${k}`] = v;
    }
    return out;
  }

  /** Every parameter under its PyTorch name (`name.param`), copies. */
  stateDict(): Record<string, Tensor<Float32Array>> {
    this.alive('stateDict');
    const out: Record<string, Tensor<Float32Array>> = {};
    for (const c of this.children) {
      for (const [k, v] of Object.entries(c.layer.stateDict())) out[`${c.name}.${k}`] = v;
    }
    return out;
  }

  /**
   * Runs whole sequences. x: token ids (Int32Array / BigInt64Array) [T, B] ([B, T] when
   * batchFirst, [T] unbatched) when the first layer is an Embedding, else float32 [T, B, I]
   * ([B, T, I], or [T, I] unbatched). Returns the last layer's output: [T, B, F] ([B, T, F]) or,
   * after a LastStep, [B, F].
   */
  forward(x: Tensor, options: SequentialForwardOptions = {}): Tensor<Float32Array> {
    this.alive('forward');
    checkTensor(x, 'Sequential.forward: x');
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'Sequential.forward: options must be an object');
    checkOptionKeys(options, FORWARD_OPTION_KEYS, 'Sequential.forward');
    if (options.train !== undefined && typeof options.train !== 'boolean') {
      throw new RnnError('INVALID_OPTION', `Sequential.forward: train must be a boolean, got ${String(options.train)}`);
    }
    const train = options.train ?? false;
    if (train) {
      for (const c of this.children) if (c.layer instanceof RecurrentLayer) trainableRecurrent(c.layer, 'Sequential.forward');
    }
    const state = options?.state;
    if (state !== undefined && (!(state instanceof SequentialState) || state.model !== this)) {
      throw new RnnError('INVALID_INPUT', 'Sequential.forward: state was not created by this model\'s createState()');
    }
    const rank = x.shape.length;
    if (this.inputKind === 'tokens') {
      if (x.data instanceof Float32Array) {
        throw new RnnError('DTYPE_MISMATCH', `Sequential.forward: the first layer is an Embedding, so x must be integer token ids (Int32Array or BigInt64Array), got float32`);
      }
      if (rank !== 1 && rank !== 2) {
        throw new RnnError('INVALID_INPUT', `Sequential.forward: token ids must be 2-D ${this.batchFirst ? '[B, T]' : '[T, B]'} or 1-D unbatched [T], got shape ${fmtShape(x.shape)}`);
      }
    } else if (!(x.data instanceof Float32Array)) {
      throw new RnnError('DTYPE_MISMATCH', `Sequential.forward: x must be float32 (the first layer is not an Embedding)`);
    }
    const batched = this.inputKind === 'tokens' ? rank === 2 : rank === 3;
    if (state) {
      if (!batched) throw new RnnError('INVALID_INPUT', 'Sequential.forward: { state } needs batched input');
      const b = x.shape[this.batchFirst ? 0 : 1];
      if (b !== state.batch) throw new RnnError('SHAPE_MISMATCH', `Sequential.forward: x has batch ${b}, the state has batch ${state.batch}`);
    }
    let cur: Tensor = x;
    this.trainOutShape = null;
    this.children.forEach((c, i) => {
      const layer = c.layer;
      if (layer instanceof RecurrentLayer) {
        const rs = state?.recurrent(i);
        const initial = rs ? rs.get() : null;
        const h0 = initial ? { h0: initial.h, c0: initial.c } : {};
        const r = train ? trainableRecurrent(layer, 'Sequential.forward').forward(cur, { train: true, ...h0 }) : layer.forward(cur, h0);
        if (rs) rs.set(r.h, r.c);
        cur = r.output;
      } else if (layer instanceof LastStep) {
        cur = layer.forward(cur, { batchFirst: this.batchFirst, train });
      } else {
        cur = layer.forward(cur, { train });
      }
    });
    if (train) this.trainOutShape = [...cur.shape];
    return cur as Tensor<Float32Array>;
  }

  /**
   * The backward pass of the last train-mode forward: gradOut is the gradient of its output
   * (same shape). Every child's parameter gradients accumulate; returns the gradient of the
   * input, or null when the first layer is an Embedding (token ids have none).
   */
  backward(gradOut: Tensor): Tensor<Float32Array> | null {
    this.alive('backward');
    const shape = this.trainOutShape;
    if (!shape) {
      throw new RnnError('INVALID_INPUT', 'Sequential.backward: no train-mode forward to go back through (call forward(x, { train: true }) first; each backward consumes its forward)');
    }
    checkFloatTensor(gradOut, 'Sequential.backward: gradOut');
    if (gradOut.shape.length !== shape.length || gradOut.shape.some((d, i) => d !== shape[i])) {
      throw new RnnError('SHAPE_MISMATCH', `Sequential.backward: gradOut has shape ${fmtShape(gradOut.shape)}, but the last train-mode forward's output is ${fmtShape(shape)}`);
    }
    this.trainOutShape = null;
    let grad: Tensor<Float32Array> | null = gradOut;
    for (let i = this.children.length - 1; i >= 0; i--) {
      const layer = this.children[i].layer;
      if (layer instanceof RecurrentLayer) grad = trainableRecurrent(layer, 'Sequential.backward').backward({ output: grad! }).x;
      else grad = layer.backward(grad!);
    }
    return grad;
  }

  /** Every child's parameters (bindings/trainable.ts) under their state_dict names (`lstm.weight_ih_l0`), in order. */
  parameters(): readonly ParamBlock[] {
    this.alive('parameters');
    const out: ParamBlock[] = [];
    for (const c of this.children) {
      const layer = c.layer instanceof RecurrentLayer ? trainableRecurrent(c.layer, 'Sequential.parameters') : c.layer;
      for (const p of layer.parameters()) out.push(renamedBlock(p, `${c.name}.${p.name}`));
    }
    return out;
  }

  /** The accumulated gradients under the state_dict names (new arrays, PyTorch layout). */
  gradients(): Record<string, Tensor<Float32Array>> {
    const out: Record<string, Tensor<Float32Array>> = {};
    for (const p of this.parameters()) out[p.name] = { data: p.readGrad(), shape: [...p.shape] };
    return out;
  }

  /** Sets every child's gradients to zero. */
  zeroGrad(): void {
    this.alive('zeroGrad');
    for (const c of this.children) (c.layer instanceof RecurrentLayer ? trainableRecurrent(c.layer, 'Sequential.zeroGrad') : c.layer).zeroGrad();
  }

  /** Tells every child its parameters changed in place (see Trainable). */
  parametersChanged(): void {
    this.alive('parametersChanged');
    this.trainOutShape = null;
    for (const c of this.children) (c.layer instanceof RecurrentLayer ? trainableRecurrent(c.layer, 'Sequential.parametersChanged') : c.layer).parametersChanged();
  }

  /**
   * A streaming state for `batch` sequences (default 1): the RecurrentState of every recurrent
   * child (zeros) plus the per-step buffers. Unidirectional recurrent layers only.
   */
  createState(options: { batch?: number } = {}): SequentialState {
    this.alive('createState');
    const batch = options?.batch ?? 1;
    if (typeof batch !== 'number' || !Number.isSafeInteger(batch) || batch < 1) {
      throw new RnnError('INVALID_OPTION', `Sequential.createState: batch must be an integer >= 1, got ${String(batch)}`);
    }
    const state = new SequentialState(this, this.children, batch);
    this.states.add(state.buffers, state);
    return state;
  }

  /**
   * One time step through every layer. x: one token id per batch item (an array, Int32Array,
   * BigInt64Array or integer tensor [B]) when the first layer is an Embedding, else a float32
   * tensor [B, inputSize] (or a Float32Array of B * inputSize). Returns [B, outputSize]: a copy,
   * or with `{ view: true }` a view valid until the next step/forward. Step over N frames equals
   * forward over the N-frame sequence.
   */
  step(x: Tensor | StepTokens | Float32Array, state: SequentialState, options?: SequentialStepOptions): Tensor<Float32Array> {
    this.alive('step');
    if (!(state instanceof SequentialState) || state.model !== this) {
      throw new RnnError('INVALID_INPUT', 'Sequential.step: state was not created by this model\'s createState()');
    }
    const out = state.run(x);
    return { data: options?.view ? out : out.slice(), shape: [state.batch, this.outputSize] };
  }

  /** @internal */
  forgetState(s: SequentialState): void {
    this.states.dispose(s.buffers);
  }

  /** Disposes every child and every state. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // states still alive: free their buffers (their recurrent children go with the child layers)
    this.states.disposeAll();
    for (const c of this.children) c.layer.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

function layerKind(layer: SequentialLayer): string {
  return layer instanceof RecurrentLayer ? layer.spec.cell.toUpperCase().replace('_TANH', '').replace('_RELU', '') : layer.kind;
}

const VIEW = Object.freeze({ view: true });

/** Per-step plan of one child. */
interface Stage {
  child: Child;
  rs: RecurrentState | null;
  /** reusable input tensor object of a recurrent step */
  xt: Tensor<Float32Array> | null;
  /** JS output buffer (Embedding, Softmax) */
  js: Float32Array | null;
  /** Linear: its index in the state's LinearStepBuffers */
  linear: number;
}

/**
 * Streaming state of a Sequential: the RecurrentState of each recurrent child, and the buffers
 * of the other children. Dispose it (or the model) to free its wasm memory.
 */
export class SequentialState {
  readonly model: Sequential;
  readonly batch: number;
  private stages: Stage[] | null;
  /** @internal The Linear children's step buffers, which the model frees if this state is forgotten. */
  readonly buffers: LinearStepBuffers;

  /** @internal */
  constructor(model: Sequential, children: Child[], batch: number) {
    this.model = model;
    this.batch = batch;
    const stages: Stage[] = [];
    const linears: Linear[] = [];
    try {
      for (const child of children) {
        const st: Stage = { child, rs: null, xt: null, js: null, linear: -1 };
        const layer = child.layer;
        if (layer instanceof RecurrentLayer) {
          st.rs = layer.createState({ batch });
          st.xt = { data: new Float32Array(0), shape: [batch, child.inSize] };
        } else if (layer instanceof Linear) {
          st.linear = linears.push(layer) - 1;
        } else if (layer instanceof Embedding || layer instanceof Softmax) {
          st.js = new Float32Array(batch * child.outSize);
        }
        stages.push(st);
      }
      // the Linears' own runtime (the one current when they were made), which must be one
      const rt = linears.length > 0 ? linears[0].runtime : runtime();
      for (const l of linears) {
        if (l.runtime !== rt) throw new RnnError('INVALID_INPUT', `Sequential.createState: its Linear layers live in different wasm runtimes (made before and after a ready() that loaded another build)`);
      }
      this.buffers = new LinearStepBuffers(rt, linears, batch, `Sequential state for batch ${batch}`);
    } catch (e) {
      for (const st of stages) st.rs?.dispose();
      throw e;
    }
    this.stages = stages;
  }

  private live(what: string): Stage[] {
    if (!this.stages || this.buffers.isDisposed) throw new RnnError('DISPOSED', `SequentialState.${what}: used after dispose()`);
    return this.stages;
  }

  /** @internal The RecurrentState of child i (null for other layers). */
  recurrent(i: number): RecurrentState | null {
    return this.live('recurrent')[i].rs;
  }

  /** The RecurrentState of the recurrent child named `name`. */
  child(name: string): RecurrentState {
    const st = this.live('child').find((s) => s.child.name === name);
    if (!st || !st.rs) throw new RnnError('INVALID_OPTION', `SequentialState.child: no recurrent layer named '${name}'`);
    return st.rs;
  }

  /** Every recurrent child back to zeros. */
  reset(): void {
    for (const st of this.live('reset')) st.rs?.reset();
  }

  /** Copies of h (and c) of every recurrent child, by child name; shapes as the layer's forward h / c. */
  get(): Record<string, { h: Tensor<Float32Array>; c?: Tensor<Float32Array> }> {
    const out: Record<string, { h: Tensor<Float32Array>; c?: Tensor<Float32Array> }> = {};
    for (const st of this.live('get')) if (st.rs) out[st.child.name] = st.rs.get();
    return out;
  }

  /**
   * Sets h (and c) of the named recurrent children (others keep theirs). Every entry is
   * validated before anything is written.
   */
  set(states: Record<string, { h: Tensor; c?: Tensor }>): void {
    const stages = this.live('set');
    if (states === null || typeof states !== 'object') throw new RnnError('INVALID_INPUT', 'SequentialState.set: expected { [layerName]: { h, c? } }');
    const plan: Array<[RecurrentState, { h: Tensor; c?: Tensor }, { h: Tensor<Float32Array>; c?: Tensor<Float32Array> }]> = [];
    for (const [name, v] of Object.entries(states)) {
      const st = stages.find((s) => s.child.name === name);
      if (!st || !st.rs) throw new RnnError('INVALID_INPUT', `SequentialState.set: no recurrent layer named '${name}'`);
      if (v === null || typeof v !== 'object') throw new RnnError('INVALID_INPUT', `SequentialState.set: '${name}' must be { h, c? }`);
      plan.push([st.rs, v, st.rs.get()]);
    }
    // validate by writing; on failure restore what was written before
    const done: typeof plan = [];
    try {
      for (const p of plan) {
        p[0].set(p[1].h, p[1].c);
        done.push(p);
      }
    } catch (e) {
      for (const [rs, , prev] of done) rs.set(prev.h, prev.c);
      throw e;
    }
  }

  /** @internal One step; returns a view of the last stage's output. */
  run(x: Tensor | StepTokens | Float32Array): Float32Array {
    const stages = this.live('step');
    const b = this.batch;
    const model = this.model;
    let cur: Float32Array;
    let s0 = 0;
    if (model.inputKind === 'tokens') {
      const emb = stages[0].child.layer as Embedding;
      let ids: ArrayLike<number | bigint>;
      if (x instanceof Int32Array || x instanceof BigInt64Array || Array.isArray(x)) ids = x;
      else if (x !== null && typeof x === 'object' && 'data' in x && 'shape' in x) {
        checkTensor(x, 'Sequential.step: x');
        if (x.data instanceof Float32Array) throw new RnnError('DTYPE_MISMATCH', 'Sequential.step: x must be integer token ids, got float32');
        ids = x.data;
      } else if (x instanceof Float32Array) {
        throw new RnnError('DTYPE_MISMATCH', 'Sequential.step: x must be integer token ids, got a Float32Array');
      } else {
        throw new RnnError('INVALID_INPUT', `Sequential.step: x must be token ids (one per batch item), got ${typeof x}`);
      }
      if (ids.length !== b) throw new RnnError('SHAPE_MISMATCH', `Sequential.step: expected ${b} token id(s) (the state's batch), got ${ids.length}`);
      cur = stages[0].js!;
      emb.gather(ids, b, cur, 'Sequential.step');
      s0 = 1;
    } else {
      if (x instanceof Float32Array) cur = x;
      else {
        checkFloatTensor(x, 'Sequential.step: x');
        const t = x as Tensor<Float32Array>;
        if (t.shape.length !== 2 || t.shape[0] !== b || t.shape[1] !== model.inputSize) {
          throw new RnnError('SHAPE_MISMATCH', `Sequential.step: x must be [${b}, ${model.inputSize}] (state batch, input size), got ${fmtShape(t.shape)}`);
        }
        cur = t.data;
      }
      if (cur.length !== b * model.inputSize) {
        throw new RnnError('SHAPE_MISMATCH', `Sequential.step: x has ${cur.length} values, expected ${b * model.inputSize} (batch ${b} x ${model.inputSize})`);
      }
    }
    for (let i = s0; i < stages.length; i++) {
      const st = stages[i];
      const layer = st.child.layer;
      if (st.rs) {
        st.xt!.data = cur;
        cur = (layer as RecurrentLayer).step(st.xt!, st.rs, VIEW).data;
      } else if (layer instanceof Linear) {
        cur = this.buffers.run(st.linear, layer.packed, cur);
      } else if (layer instanceof Softmax) {
        layer.apply(cur, st.js!, b, st.child.outSize);
        cur = st.js!;
      }
      // LastStep: identity in a step
    }
    return cur;
  }

  /** Frees the state's memory (its recurrent states too). Safe to call twice. */
  dispose(): void {
    if (!this.stages) return;
    for (const st of this.stages) st.rs?.dispose();
    this.stages = null;
    this.model.forgetState(this);
  }
}
