/**
 * Keras / TF.js layers models: the topology (Sequential or functional, Keras 2, Keras 3 and
 * TF.js spellings) is turned at load into a list of layer calls in topological order; predict
 * runs them synchronously.
 */
import { type WeightFormat, checkWeightFormat } from '../../base/quantize.js';
import { RnnError, fmtShape } from '../../base/errors.js';
import { type Tensor, checkTensor } from '../../base/tensor.js';
import type { Writer } from './activations.js';
import { Bidirectional, type BuildContext, type Flow, InputLayer, type KLayer, Recurrent, buildLayer } from './layers.js';
import { type WeightMap, decodeManifest } from './weights.js';

export interface LoadLayersModelOptions {
  /** Convert recurrent layers with PyTorch-compatible options to wasm-rnn core layers (default true). */
  fastPath?: boolean;
  /** Override the writer detected from keras_version / backend (it decides hard_sigmoid, defaults and masked outputs). */
  writer?: Writer;
  /**
   * How the recurrent layers that run on wasm-rnn core layers store their weight matrices: 'f32'
   * (default) or 'int8' (docs/quantization.md). Other layers compute in float.
   */
  weights?: WeightFormat;
}

export interface KerasRecurrentInfo {
  name: string;
  className: string;
  /** 'fast' when every direction runs on a wasm-rnn core layer (masks that are not right padding still take the general path per call). */
  path: 'fast' | 'general';
}

export type Weights = Uint8Array | Uint8Array[] | ArrayBuffer;

interface Ref {
  layer: string;
  node: number;
  tensor: number;
}

interface Call {
  layer: KLayer;
  key: string;
  inputs: Ref[];
}

const MAX_LAYERS = 100_000;

function bad(msg: string): never {
  throw new RnnError('INVALID_FORMAT', `Keras model: ${msg}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Detects the writer and Keras version from keras_version / backend (and the config style). */
export function detectWriter(topology: Record<string, unknown>, model: Record<string, unknown>): { writer: Writer; version: [number, number] } {
  const kv = typeof topology.keras_version === 'string' ? topology.keras_version : '';
  if (topology.backend === 'tensor_flow.js' || kv.startsWith('tfjs')) return { writer: 'tfjs', version: [0, 0] };
  const m = /^(\d+)\.(\d+)/.exec(kv);
  if (m) {
    const v: [number, number] = [Number(m[1]), Number(m[2])];
    return { writer: v[0] >= 3 ? 'keras3' : 'keras2', version: v };
  }
  // no version: Keras 3 configs carry a 'module' on every layer
  const layers = isObj(model.config) ? model.config.layers : undefined;
  const k3 = Array.isArray(layers) && layers.some((l) => isObj(l) && typeof l.module === 'string');
  return k3 ? { writer: 'keras3', version: [3, 0] } : { writer: 'keras2', version: [2, 99] };
}

function parseRef(v: unknown, where: string): Ref {
  if (isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config)) v = v.config.keras_history;
  if (!Array.isArray(v) || v.length < 3 || typeof v[0] !== 'string' || !Number.isSafeInteger(v[1]) || !Number.isSafeInteger(v[2]) || v[1] < 0 || v[2] < 0) {
    bad(`${where}: ${JSON.stringify(v)?.slice(0, 80)} is not a [layer, node, tensor] reference`);
  }
  return { layer: v[0], node: v[1] as number, tensor: v[2] as number };
}

function isKerasTensor(v: unknown): boolean {
  return isObj(v) && v.class_name === '__keras_tensor__';
}

/** Flattens Keras 3 call arguments into tensor references. */
function collectTensors(v: unknown, out: Ref[], where: string, depth = 0): void {
  if (depth > 8) bad(`${where}: call arguments nest too deeply`);
  if (isKerasTensor(v)) out.push(parseRef(v, where));
  else if (Array.isArray(v)) for (const x of v) collectTensors(x, out, where, depth + 1);
  else if (isObj(v)) for (const x of Object.values(v)) collectTensors(x, out, where, depth + 1);
}

/** The inputs of every call of a layer (Keras 2 / TF.js lists or Keras 3 {args, kwargs}). */
function parseInbound(nodes: unknown, where: string): Ref[][] {
  if (nodes === undefined || nodes === null) return [];
  if (!Array.isArray(nodes)) bad(`${where}: inbound_nodes must be an array`);
  return Array.from(nodes).map((node, ni) => {
    const w = `${where} inbound node ${ni}`;
    const refs: Ref[] = [];
    if (isObj(node)) {
      // Keras 3
      collectTensors(node.args ?? [], refs, w);
      const kw = isObj(node.kwargs) ? node.kwargs : {};
      for (const [k, v] of Object.entries(kw)) {
        if (k === 'initial_state') collectTensors(v, refs, w);
        else if (k === 'mask' && v !== null && v !== undefined) throw new RnnError('UNSUPPORTED', `${where}: an explicit 'mask' call argument is not supported`);
        else if (k !== 'training' && k !== 'mask') {
          const t: Ref[] = [];
          collectTensors(v, t, w);
          if (t.length) throw new RnnError('UNSUPPORTED', `${where}: tensor call argument '${k}' is not supported`);
        }
      }
      return refs;
    }
    if (!Array.isArray(node)) bad(`${w}: must be an array of references`);
    for (const r of Array.from(node)) {
      refs.push(parseRef(r, w));
      const kw = Array.isArray(r) ? r[3] : undefined;
      if (isObj(kw)) {
        for (const [k, v] of Object.entries(kw)) {
          if (k === 'initial_state' || k === 'states') {
            for (const s of Array.isArray(v) && Array.isArray(v[0]) ? v : [v]) refs.push(parseRef(s, w));
          } else if (k === 'mask' && v !== null) throw new RnnError('UNSUPPORTED', `${where}: an explicit 'mask' call argument is not supported`);
          else if (k !== 'training' && k !== 'mask' && Array.isArray(v)) throw new RnnError('UNSUPPORTED', `${where}: call argument '${k}' is not supported`);
        }
      }
    }
    return refs;
  });
}

function refList(v: unknown, what: string): Ref[] {
  if (!Array.isArray(v)) bad(`${what} must be an array`);
  if (typeof v[0] === 'string' || isKerasTensor(v[0])) return [parseRef(v, what)];
  return Array.from(v).map((r) => parseRef(r, what));
}

/** A loaded Keras / TF.js layers model. */
export class KerasModel {
  private disposed = false;
  /** Names of the model inputs, in predict order. */
  readonly inputNames: string[];
  /** Names of the model outputs (`layer` or `layer:tensor`), in output order. */
  readonly outputNames: string[];
  /** Recurrent layers and whether they were converted to wasm-rnn core layers. */
  readonly recurrentLayers: KerasRecurrentInfo[];

  /** @internal */
  constructor(
    readonly writer: Writer,
    private readonly layers: KLayer[],
    private readonly inputs: InputLayer[],
    private readonly calls: Call[],
    private readonly outputs: Ref[],
  ) {
    this.inputNames = inputs.map((i) => i.name);
    this.outputNames = outputs.map((o) => (o.tensor ? `${o.layer}:${o.tensor}` : o.layer));
    this.recurrentLayers = layers
      .filter((l): l is Recurrent | Bidirectional => l instanceof Recurrent || l instanceof Bidirectional)
      .map((l) => ({
        name: l.name,
        className: l.className,
        path: (l instanceof Recurrent ? l.dir.fast : l.fwd.fast && l.bwd.fast) ? 'fast' : 'general',
      }));
  }

  /**
   * Runs the model on one input tensor (or one per model input, in `inputNames` order), batch
   * first like Keras. Returns one float32 tensor, or an array in output order for
   * multi-output models. Synchronous.
   */
  predict(x: Tensor | Tensor[]): Tensor<Float32Array> | Tensor<Float32Array>[] {
    if (this.disposed) throw new RnnError('DISPOSED', 'KerasModel: used after dispose()');
    const xs = Array.isArray(x) ? x : [x];
    if (xs.length !== this.inputs.length) {
      throw new RnnError('INVALID_INPUT', `KerasModel.predict: the model has ${this.inputs.length} input(s) (${this.inputNames.join(', ')}), got ${xs.length}`);
    }
    const values = new Map<string, Flow[]>();
    xs.forEach((t, i) => {
      const inp = this.inputs[i];
      const what = `KerasModel.predict: input '${inp.name}'`;
      checkTensor(t, what);
      let data: Float32Array | Int32Array;
      if (t.data instanceof BigInt64Array) {
        data = new Int32Array(t.data.length);
        for (let k = 0; k < data.length; k++) {
          const v = t.data[k];
          if (v > 2147483647n || v < -2147483648n) throw new RnnError('INVALID_INPUT', `${what}: int64 value ${v} does not fit int32`);
          data[k] = Number(v);
        }
      } else data = t.data as Float32Array | Int32Array; // checkTensor refused int8
      const bs = inp.batchShape;
      if (bs && (bs.length !== t.shape.length || bs.some((d, k) => k > 0 && d !== null && d !== t.shape[k]))) {
        throw new RnnError('SHAPE_MISMATCH', `${what}: expected shape [${bs.map((d) => d ?? 'None').join(', ')}], got ${fmtShape(t.shape)}`);
      }
      if (t.shape.length === 0 || t.shape[0] < 1) throw new RnnError('INVALID_INPUT', `${what}: needs a batch axis with at least one item, got ${fmtShape(t.shape)}`);
      values.set(`${inp.name}#0`, [{ t: { data, shape: [...t.shape] }, mask: null }]);
    });
    for (const c of this.calls) {
      const ins = c.inputs.map((r) => values.get(`${r.layer}#${r.node}`)![r.tensor]);
      const outs = c.layer.call(ins);
      values.set(c.key, outs);
    }
    const res = this.outputs.map((o) => {
      const f = values.get(`${o.layer}#${o.node}`)![o.tensor];
      if (!f) bad(`output ${o.layer}[${o.node}][${o.tensor}] does not exist`);
      return { data: Float32Array.from(f.t.data), shape: [...f.t.shape] };
    });
    return res.length === 1 ? res[0] : res;
  }

  /** Clears the states of stateful recurrent layers (Keras `model.reset_states()`). */
  resetStates(): void {
    for (const l of this.layers) if (l instanceof Recurrent || l instanceof Bidirectional) l.resetStates();
  }

  /** Frees the wasm layers. predict then throws DISPOSED. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.layers) l.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

function numOutputs(l: KLayer): number {
  if (l instanceof Recurrent) return 1 + (l.opts.returnState ? l.nStates : 0);
  if (l instanceof Bidirectional) return (l.merge === null ? 2 : 1) + (l.fo.returnState ? 2 * (l.fo.cell.cell === 'lstm' ? 2 : 1) : 0);
  return 1;
}

interface LayerEntry {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inbound: Ref[][];
}

/**
 * Builds a model from a Keras model config ({ class_name, config }) and a weight map.
 * Everything is checked here; predict fails only because of its inputs.
 */
export function buildKerasModel(model: unknown, weights: WeightMap, writer: Writer, version: [number, number], options: LoadLayersModelOptions = {}): KerasModel {
  if (!isObj(model)) bad('the model config must be an object { class_name, config }');
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'loadLayersModel: options must be an object');
  const cls = model.class_name;
  const ctx: BuildContext = { writer, version, weights, allowFast: options.fastPath ?? true, weightFormat: checkWeightFormat(options.weights, 'loadLayersModel') };
  let entries: LayerEntry[];
  let inputRefs: Ref[];
  let outputRefs: Ref[];
  const entryOf = (l: unknown, i: number): { className: string; name: string; config: Record<string, unknown> } => {
    if (!isObj(l) || typeof l.class_name !== 'string') bad(`layer ${i} must be an object with a class_name`);
    const config = l.config ?? {};
    if (!isObj(config)) bad(`layer ${i} ('${l.class_name}'): config must be an object`);
    const name = l.name ?? config.name;
    if (typeof name !== 'string' || !name) bad(`layer ${i} ('${l.class_name}') has no name`);
    if (['Sequential', 'Model', 'Functional'].includes(l.class_name)) {
      throw new RnnError('UNSUPPORTED', `layer '${name}': nested models (class '${l.class_name}') are not supported`);
    }
    return { className: l.class_name, name, config };
  };
  if (cls === 'Sequential') {
    const c = model.config;
    const list = Array.isArray(c) ? c : isObj(c) ? c.layers : undefined;
    if (!Array.isArray(list) || list.length === 0) bad('a Sequential config needs a non-empty layers list');
    if (list.length > MAX_LAYERS) bad(`too many layers (${list.length})`);
    const seq = Array.from(list).map(entryOf);
    entries = [];
    let prev: string;
    if (seq[0].className === 'InputLayer') {
      entries.push({ ...seq[0], inbound: [] });
      seq.shift();
    } else {
      const c0 = seq[0].config;
      const shape = c0.batch_input_shape ?? c0.batch_shape ?? (Array.isArray(c0.input_shape) ? [null, ...c0.input_shape] : isObj(c) ? c.build_input_shape : undefined);
      entries.push({ className: 'InputLayer', name: `${seq[0].name}_input`, config: { batch_input_shape: shape ?? null, name: `${seq[0].name}_input` }, inbound: [] });
    }
    prev = entries[0].name;
    for (const e of seq) {
      if (e.className === 'InputLayer') bad(`Sequential: InputLayer '${e.name}' is not the first layer`);
      entries.push({ ...e, inbound: [[{ layer: prev, node: 0, tensor: 0 }]] });
      prev = e.name;
    }
    inputRefs = [{ layer: entries[0].name, node: 0, tensor: 0 }];
    outputRefs = [{ layer: prev, node: 0, tensor: 0 }];
  } else if (cls === 'Model' || cls === 'Functional') {
    const c = model.config;
    if (!isObj(c) || !Array.isArray(c.layers)) bad(`a ${cls} config needs a layers list`);
    if (c.layers.length > MAX_LAYERS) bad(`too many layers (${c.layers.length})`);
    entries = Array.from(c.layers).map((l, i) => {
      const e = entryOf(l, i);
      return { ...e, inbound: parseInbound((l as Record<string, unknown>).inbound_nodes, `${e.className} '${e.name}'`) };
    });
    inputRefs = refList(c.input_layers, 'input_layers');
    outputRefs = refList(c.output_layers, 'output_layers');
  } else {
    throw new RnnError('UNSUPPORTED', `Keras model: class '${String(cls)}' is not supported (Sequential, Model, Functional)`);
  }

  const byName = new Map<string, LayerEntry>();
  for (const e of entries) {
    if (byName.has(e.name)) bad(`two layers are named '${e.name}'`);
    byName.set(e.name, e);
  }
  // build every layer (weights converted once); dispose what was built if one fails
  const layers: KLayer[] = [];
  const built = new Map<string, KLayer>();
  try {
    for (const e of entries) {
      const l = buildLayer(e.className, e.name, e.config, ctx);
      layers.push(l);
      built.set(e.name, l);
    }
    const inputs = inputRefs.map((r) => {
      const l = built.get(r.layer);
      if (!(l instanceof InputLayer) || r.node !== 0 || r.tensor !== 0) bad(`input ${r.layer}[${r.node}][${r.tensor}] is not an InputLayer output`);
      return l;
    });
    if (new Set(inputs).size !== inputs.length) bad('an InputLayer is listed twice in input_layers');
    // topological order of the layer calls needed by the outputs
    const calls: Call[] = [];
    const state = new Map<string, 1 | 2>();
    const inputKeys = new Set(inputs.map((i) => `${i.name}#0`));
    const checkRef = (r: Ref, where: string) => {
      const e = byName.get(r.layer);
      if (!e) bad(`${where} references unknown layer '${r.layer}'`);
      const l = built.get(r.layer)!;
      const nNodes = l instanceof InputLayer ? 1 : e.inbound.length;
      if (r.node >= nNodes) bad(`${where} references node ${r.node} of '${r.layer}', which has ${nNodes}`);
      if (r.tensor >= numOutputs(l)) bad(`${where} references output ${r.tensor} of '${r.layer}', which has ${numOutputs(l)}`);
    };
    const visit = (root: Ref, where: string) => {
      checkRef(root, where);
      const stack: Array<{ r: Ref; i: number }> = [{ r: root, i: 0 }];
      while (stack.length) {
        const top = stack[stack.length - 1];
        const key = `${top.r.layer}#${top.r.node}`;
        const l = built.get(top.r.layer)!;
        if (l instanceof InputLayer) {
          if (!inputKeys.has(key)) bad(`InputLayer '${l.name}' is used but is not a model input`);
          stack.pop();
          continue;
        }
        if (state.get(key) === 2) {
          stack.pop();
          continue;
        }
        const ins = byName.get(top.r.layer)!.inbound[top.r.node];
        if (top.i === 0) {
          if (state.get(key) === 1) bad(`the graph has a cycle through '${top.r.layer}'`);
          state.set(key, 1);
          if (ins.length < l.minInputs || ins.length > l.maxInputs) {
            bad(`${l.where} call ${top.r.node} has ${ins.length} inputs, expected ${l.minInputs === l.maxInputs ? l.minInputs : `${l.minInputs} to ${l.maxInputs}`}`);
          }
        }
        if (top.i < ins.length) {
          const r = ins[top.i++];
          checkRef(r, `${l.where} call ${top.r.node}`);
          const k = `${r.layer}#${r.node}`;
          if (state.get(k) === 1) bad(`the graph has a cycle through '${r.layer}'`);
          if (state.get(k) !== 2) stack.push({ r, i: 0 });
          continue;
        }
        state.set(key, 2);
        calls.push({ layer: l, key, inputs: ins });
        stack.pop();
      }
    };
    for (const o of outputRefs) visit(o, 'output_layers');
    return new KerasModel(writer, layers, inputs, calls, outputRefs);
  } catch (e) {
    for (const l of layers) l.dispose();
    throw e;
  }
}

function parseJson(v: unknown, what: string): Record<string, unknown> {
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch (e) {
      bad(`${what} is not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObj(o)) bad(`${what} must be an object or a JSON string, got ${o === null ? 'null' : typeof o}`);
  return o;
}

/**
 * Loads a TF.js layers model: `modelJson` is the model.json (object or JSON string), `weights`
 * the shards listed by its weightsManifest, concatenated into one Uint8Array or as an array in
 * manifest order. Needs ready() when a recurrent layer takes the fast path.
 */
export function loadLayersModel(modelJson: string | object, weights?: Weights, options: LoadLayersModelOptions = {}): KerasModel {
  const mj = parseJson(modelJson, 'model.json');
  if (mj.format !== undefined && mj.format !== 'layers-model') {
    throw new RnnError('UNSUPPORTED', `loadLayersModel: format '${String(mj.format)}' is not supported (only 'layers-model'; graph models come from tf.saved_model conversion)`);
  }
  if (!isObj(mj.modelTopology)) bad('model.json has no modelTopology object');
  const topology = mj.modelTopology;
  const model = isObj(topology.model_config) ? topology.model_config : topology;
  const wm = mj.weightsManifest === undefined ? [] : mj.weightsManifest;
  const map = decodeManifest(wm, weights ?? new Uint8Array(0));
  const det = detectWriter(topology, model);
  return buildKerasModel(model, map, options.writer ?? det.writer, det.version, options);
}
