/**
 * loadOnnx: decodes a .onnx file, checks the graph (topological order, supported operators,
 * opsets) and prepares every node once; OnnxModel.run executes the prepared nodes in order.
 */
import { RnnError, fmtShape } from '../../base/errors.js';
import { checkTensor, dtypeOf, type Tensor } from '../../base/tensor.js';
import type { KernelResources } from './node.js';
import { OPS, type OpFactory } from './ops.js';
import { CONV_OPS } from './ops/conv.js';
import { Planner, newRootScope, runBlock, supportedOps, type Block } from './plan.js';
import { specialize } from './specialize.js';
import { decodeModel, dtName, type ValueInfoMsg } from './proto.js';
import { recurrentOp } from './recurrent.js';
import { Arena, odtypeOf, sameShape, toPublic, withArena, type ODType, type OTensor } from './values.js';

export { MIN_OPSET, MAX_OPSET } from './plan.js';

export interface LoadOnnxOptions {
  /**
   * Run LSTM / GRU / RNN nodes whose attributes PyTorch's layers compute on the wasm core layers
   * (default true). false forces the general float32 JS implementation for every node.
   */
  fastPath?: boolean;
  /**
   * Derive a plan for each new set of input shapes, folding what follows from the shapes (default
   * true; see docs/onnx.md). false runs every call on the load-time plan.
   */
  specializeShapes?: boolean;
}

export interface OnnxInputInfo {
  name: string;
  /** 'float32' | 'int64' | 'int32' | 'bool' (other ONNX types are widened, see docs/onnx.md). */
  dtype: ODType;
  /** Dims: a number, a symbolic name, or null when unknown; undefined = rank unknown. */
  shape: (number | string | null)[] | undefined;
}

export interface OnnxOutputInfo {
  name: string;
  dtype: ODType | undefined;
  shape: (number | string | null)[] | undefined;
}

export interface RecurrentNodeInfo {
  /** Node name (or its first output when unnamed). */
  name: string;
  op: 'LSTM' | 'GRU' | 'RNN';
  /**
   * 'fast': weights were converted at load to a wasm core layer (PyTorch's attribute set);
   * 'general': the float32 JS implementation of the ONNX equations (see docs/onnx.md). A 'fast'
   * node still takes the general path for a run whose sequence_lens contains 0.
   */
  path: 'fast' | 'general';
}

export interface OnnxModel {
  /** Graph inputs a caller must feed (initializers excluded), in graph order. */
  readonly inputNames: readonly string[];
  /** Graph outputs, in graph order; run() returns every one of them. */
  readonly outputNames: readonly string[];
  /** Element type and shape of each input as declared by the graph. */
  readonly inputs: readonly OnnxInputInfo[];
  /**
   * Element type and shape of each output as declared by the graph (dtype undefined where the
   * graph does not say). run() returns bool outputs as Int32Array of 0/1.
   */
  readonly outputs: readonly OnnxOutputInfo[];
  /** The default-domain opset the model imports. */
  readonly opset: number;
  /** The LSTM / GRU / RNN nodes and the implementation each runs on. */
  readonly recurrentNodes: readonly RecurrentNodeInfo[];
  /**
   * How many nodes the last run() executed through their kernels: what was left after constant
   * folding, shape specialisation and the If branches not taken (0 before the first run).
   */
  readonly lastRunNodes: number;
  /** Runs the graph synchronously. */
  run(inputs: Record<string, Tensor>): Record<string, Tensor>;
  /** Frees the wasm memory of the recurrent layers; later run() calls throw DISPOSED. */
  dispose(): void;
}

const FACTORIES: Record<string, OpFactory> = {
  ...OPS,
  ...CONV_OPS,
  LSTM: recurrentOp('LSTM'),
  GRU: recurrentOp('GRU'),
  RNN: recurrentOp('RNN'),
};

/** Names of the operators loadOnnx supports (default domain). */
export const SUPPORTED_OPS: readonly string[] = supportedOps(FACTORIES);

export function loadOnnx(bytes: Uint8Array, options: LoadOnnxOptions = {}): OnnxModel {
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'loadOnnx: options must be an object');
  const fastPath = options.fastPath ?? true;
  if (typeof fastPath !== 'boolean') throw new RnnError('INVALID_OPTION', `loadOnnx: fastPath must be a boolean, got ${typeof fastPath}`);
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph) throw new RnnError('INVALID_FORMAT', 'ModelProto: the file has no graph (is it an ONNX model?)');
  const opset = model.opsets.get('');
  if (graph.hasSparseInitializers) throw new RnnError('UNSUPPORTED', 'GraphProto: sparse initializers are not supported');
  if (opset === undefined && graph.nodes.length > 0) {
    const node = graph.nodes[0];
    throw new RnnError('INVALID_FORMAT', `${node.opType || '(no op_type)'} node '${node.name || node.outputs[0] || '#0'}': the model imports no opset for the default domain`);
  }
  const specializeShapes = options.specializeShapes ?? true;
  if (typeof specializeShapes !== 'boolean') throw new RnnError('INVALID_OPTION', `loadOnnx: specializeShapes must be a boolean, got ${typeof specializeShapes}`);
  const planner = new Planner({ opset: opset ?? 0, fastPath, factories: FACTORIES });
  const scope = newRootScope();
  const initializerNames = new Set(graph.initializers.map((t) => t.name));
  const inputs: OnnxInputInfo[] = [];
  const inputSlots: number[] = [];
  try {
    for (const vi of graph.inputs) {
      if (initializerNames.has(vi.name)) continue; // IR < 4 lists initializers as inputs too
      inputs.push(inputInfo(vi));
      const slot = planner.newSlot();
      scope.define(vi.name, slot);
      inputSlots.push(slot);
    }
    const block = planner.planGraph(graph, scope, 0);
    const outputs = graph.outputs.map((o) => ({ name: o.name, dtype: o.elemType === undefined ? undefined : odtypeOf(o.elemType), shape: o.shape }));
    return new Model(inputs, inputSlots, outputs, block, planner, opset ?? 0, specializeShapes);
  } catch (e) {
    for (const r of planner.resources) r.dispose();
    throw e;
  }
}

function inputInfo(vi: ValueInfoMsg): OnnxInputInfo {
  if (!vi.name) throw new RnnError('INVALID_FORMAT', 'GraphProto: a graph input has no name');
  if (vi.elemType === undefined) throw new RnnError('UNSUPPORTED', `graph input '${vi.name}': only tensor inputs with an element type are supported`);
  const dtype = odtypeOf(vi.elemType);
  if (dtype === undefined) throw new RnnError('UNSUPPORTED', `graph input '${vi.name}': element type ${dtName(vi.elemType)} is not supported`);
  return { name: vi.name, dtype, shape: vi.shape };
}

class Model implements OnnxModel {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly OnnxInputInfo[];
  readonly outputs: readonly OnnxOutputInfo[];
  readonly opset: number;
  readonly recurrentNodes: readonly RecurrentNodeInfo[];
  lastRunNodes = 0;
  private disposed = false;
  private readonly resources: KernelResources[];
  private readonly general: Plan;
  /** Plans specialised to the input shapes of earlier runs, by signature (see specialize.ts). */
  private readonly byShapes = new Map<string, Plan>();
  private last: { fed: { dtype: ODType; shape: number[] }[]; plan: Plan } | undefined;
  private readonly constants: readonly (OTensor | undefined)[];

  constructor(
    inputs: OnnxInputInfo[],
    private readonly inputSlots: number[],
    outputs: OnnxOutputInfo[],
    private readonly block: Block,
    planner: Planner,
    opset: number,
    private readonly specializeShapes: boolean,
  ) {
    this.inputs = inputs;
    this.inputNames = inputs.map((i) => i.name);
    this.outputs = outputs;
    this.outputNames = outputs.map((o) => o.name);
    this.opset = opset;
    this.recurrentNodes = planner.recurrent;
    this.resources = planner.resources;
    this.constants = planner.constants;
    this.general = new Plan(block, planner.constants);
  }

  run(feeds: Record<string, Tensor>): Record<string, Tensor> {
    if (this.disposed) throw new RnnError('DISPOSED', 'OnnxModel: used after dispose()');
    if (feeds === null || typeof feeds !== 'object') {
      throw new RnnError('INVALID_INPUT', `OnnxModel.run: expected an object mapping input names to tensors, got ${feeds === null ? 'null' : typeof feeds}`);
    }
    for (const k of Object.keys(feeds)) {
      if (!this.inputNames.includes(k)) {
        throw new RnnError('INVALID_INPUT', `OnnxModel.run: unknown input '${k}'; the model's inputs are ${this.inputNames.map((n) => `'${n}'`).join(', ') || '(none)'}`);
      }
    }
    const symbols = new Map<string, number>();
    const fed: OTensor[] = this.inputs.map((info) => {
      const t = feeds[info.name];
      if (t === undefined) throw new RnnError('INVALID_INPUT', `OnnxModel.run: missing input '${info.name}'`);
      return convertInput(t, info, symbols);
    });
    const plan = this.planFor(fed);
    const slots = plan.slots;
    fed.forEach((v, i) => (slots[this.inputSlots[i]] = v));
    try {
      this.lastRunNodes = withArena(plan.arena, () => runBlock(plan.block, slots));
      const result: Record<string, Tensor> = {};
      this.outputNames.forEach((n, i) => {
        const v = slots[plan.block.outputs[i]]!;
        const p = toPublic(v);
        // Never hand out the model's constants, the caller's input buffers or the run's arena.
        if (plan.arena.owns(v.data) || plan.constantData.has(v.data) || fed.some((f) => f.data === v.data) || Object.values(result).some((r) => r.data === p.data)) {
          p.data = p.data.slice() as typeof p.data;
        }
        result[n] = p;
      });
      return result;
    } finally {
      // Only the constants stay between runs.
      const runtime = plan.runtimeSlots;
      for (let i = 0; i < runtime.length; i++) slots[runtime[i]] = undefined;
    }
  }

  /** The plan for these inputs' shapes: specialised once per signature, up to MAX_SPECIALIZED. */
  private planFor(fed: OTensor[]): Plan {
    if (!this.specializeShapes) return this.general;
    // The same shapes as the last call (a stream of frames): no key to build.
    const last = this.last;
    if (last !== undefined && sameSignature(fed, last.fed)) return last.plan;
    let key = '';
    for (const t of fed) key += `${t.dtype}[${t.shape.join(',')}]`;
    let plan = this.byShapes.get(key);
    if (plan === undefined) {
      if (this.byShapes.size >= MAX_SPECIALIZED) return this.general;
      const s = specialize(this.block, this.constants, fed.map((t, i) => ({ slot: this.inputSlots[i], dtype: t.dtype, shape: t.shape })));
      plan = new Plan(s.block, s.constants);
      this.byShapes.set(key, plan);
    }
    this.last = { fed: fed.map((t) => ({ dtype: t.dtype, shape: t.shape.slice() })), plan };
    return plan;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.resources) r.dispose();
  }
}

function sameSignature(a: readonly { dtype: ODType; shape: readonly number[] }[], b: readonly { dtype: ODType; shape: readonly number[] }[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i].dtype !== b[i].dtype || !sameShape(a[i].shape, b[i].shape)) return false;
  return true;
}

/** Input shape signatures a model keeps specialised plans for; later ones run the general plan. */
const MAX_SPECIALIZED = 8;

/** A block with the slot array it runs on. */
class Plan {
  readonly slots: (OTensor | undefined)[];
  /** Buffers a run must not hand out (constants; the caller's inputs are checked per run). */
  readonly constantData: Set<unknown>;
  /** Slots filled during a run (inputs and computed values), cleared after it. */
  readonly runtimeSlots: Int32Array;
  /** Memory of a run's intermediate values, reused by the next run of this plan. */
  readonly arena = new Arena();

  constructor(readonly block: Block, constants: readonly (OTensor | undefined)[]) {
    this.slots = constants.slice();
    this.constantData = new Set(constants.filter((c) => c !== undefined).map((c) => c!.data));
    this.runtimeSlots = Int32Array.from(constants.flatMap((c, s) => (c === undefined ? [s] : [])));
  }
}

function convertInput(t: Tensor, info: OnnxInputInfo, symbols: Map<string, number>): OTensor {
  const what = `OnnxModel.run: input '${info.name}'`;
  checkTensor(t, what);
  let v: OTensor;
  const got = dtypeOf(t.data);
  if (info.dtype === 'float32' && got === 'float32') v = { dtype: 'float32', data: t.data, shape: t.shape };
  else if (info.dtype === 'int64' && got === 'int64') v = { dtype: 'int64', data: t.data, shape: t.shape };
  else if (info.dtype === 'int64' && got === 'int32') v = { dtype: 'int64', data: BigInt64Array.from(t.data as Int32Array, (x) => BigInt(x)), shape: t.shape };
  else if (info.dtype === 'int32' && got === 'int32') v = { dtype: 'int32', data: t.data, shape: t.shape };
  else if (info.dtype === 'bool' && got === 'int32') v = { dtype: 'bool', data: Uint8Array.from(t.data as Int32Array, (x) => (x ? 1 : 0)), shape: t.shape };
  else {
    const want = info.dtype === 'float32' ? 'Float32Array' : info.dtype === 'int64' ? 'BigInt64Array (or Int32Array)' : 'Int32Array';
    throw new RnnError('DTYPE_MISMATCH', `${what}: expected ${info.dtype} data (${want}), got ${got}`);
  }
  const spec = info.shape;
  if (spec !== undefined) {
    const bad = () => new RnnError('SHAPE_MISMATCH', `${what}: expected shape [${spec.map((d) => (d === null ? '?' : d)).join(', ')}], got ${fmtShape(t.shape)}`);
    // A declared scalar also takes a one-element [1] tensor, as onnxruntime accepts it (vad-web
    // feeds Silero's scalar 'sr' that way).
    if (spec.length === 0 && t.shape.length === 1 && t.shape[0] === 1) return { ...v, shape: [1] };
    if (spec.length !== t.shape.length) throw bad();
    spec.forEach((d, i) => {
      const g = t.shape[i];
      if (typeof d === 'number' && d !== g) throw bad();
      if (typeof d === 'string' && d !== '') {
        const prev = symbols.get(d);
        if (prev !== undefined && prev !== g) {
          throw new RnnError('SHAPE_MISMATCH', `${what}: dimension '${d}' is ${g} here but ${prev} in an earlier input`);
        }
        symbols.set(d, g);
      }
    });
  }
  return { ...v, shape: t.shape.slice() };
}
