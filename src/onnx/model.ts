/**
 * loadOnnx: decodes a .onnx file, checks the graph (topological order, supported operators,
 * opsets) and prepares every node once; OnnxModel.run executes the prepared nodes in order.
 */
import { RnnError, fmtShape } from '../errors.js';
import { checkTensor, dtypeOf, type Tensor } from '../tensor.js';
import { NodeContext, type Kernel, type KernelResources } from './node.js';
import { OPS, type OpFactory } from './ops.js';
import { decodeModel, dtName, type ValueInfoMsg } from './proto.js';
import { recurrentOp } from './recurrent.js';
import { odtypeOf, tensorFromProto, toPublic, type ODType, type OTensor } from './values.js';

/** Opsets of the default domain ('' / 'ai.onnx') that load. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

export interface LoadOnnxOptions {
  /**
   * Run LSTM / GRU / RNN nodes whose attributes PyTorch's layers compute on the wasm core layers
   * (default true). false forces the general float32 JS implementation for every node.
   */
  fastPath?: boolean;
}

export interface OnnxInputInfo {
  name: string;
  /** 'float32' | 'int64' | 'int32' | 'bool' (other ONNX types are widened, see docs/onnx.md). */
  dtype: ODType;
  /** Dims: a number, a symbolic name, or null when unknown; undefined = rank unknown. */
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
  /** The default-domain opset the model imports. */
  readonly opset: number;
  /** The LSTM / GRU / RNN nodes and the implementation each runs on. */
  readonly recurrentNodes: readonly RecurrentNodeInfo[];
  /** Runs the graph synchronously. */
  run(inputs: Record<string, Tensor>): Record<string, Tensor>;
  /** Frees the wasm memory of the recurrent layers; later run() calls throw DISPOSED. */
  dispose(): void;
}

const FACTORIES: Record<string, OpFactory> = {
  ...OPS,
  LSTM: recurrentOp('LSTM'),
  GRU: recurrentOp('GRU'),
  RNN: recurrentOp('RNN'),
};

/** Names of the operators loadOnnx supports (default domain). */
export const SUPPORTED_OPS: readonly string[] = Object.keys(FACTORIES).sort();

interface Step {
  kernel: Kernel;
  ctx: NodeContext;
  inputs: string[];
  outputs: string[];
}

export function loadOnnx(bytes: Uint8Array, options: LoadOnnxOptions = {}): OnnxModel {
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'loadOnnx: options must be an object');
  const fastPath = options.fastPath ?? true;
  if (typeof fastPath !== 'boolean') throw new RnnError('INVALID_OPTION', `loadOnnx: fastPath must be a boolean, got ${typeof fastPath}`);
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph) throw new RnnError('INVALID_FORMAT', 'ModelProto: the file has no graph (is it an ONNX model?)');
  const opset = model.opsets.get('');
  if (graph.hasSparseInitializers) throw new RnnError('UNSUPPORTED', 'GraphProto: sparse initializers are not supported');

  const consts = new Map<string, OTensor>();
  for (const init of graph.initializers) {
    if (!init.name) throw new RnnError('INVALID_FORMAT', 'GraphProto: an initializer has no name');
    consts.set(init.name, tensorFromProto(init, 'initializer'));
  }
  const inputs: OnnxInputInfo[] = [];
  const defined = new Set<string>(consts.keys());
  for (const vi of graph.inputs) {
    if (consts.has(vi.name)) continue; // IR < 4 lists initializers as inputs too
    inputs.push(inputInfo(vi));
    defined.add(vi.name);
  }
  const resources: KernelResources[] = [];
  const steps: Step[] = [];
  try {
    graph.nodes.forEach((node, index) => {
      const label = `${node.opType || '(no op_type)'} node '${node.name || node.outputs[0] || `#${index}`}'`;
      if (node.domain !== '' && node.domain !== 'ai.onnx') {
        throw new RnnError('UNSUPPORTED', `${label}: operator domain '${node.domain}' is not supported (only the default ONNX domain is)`);
      }
      if (opset === undefined) throw new RnnError('INVALID_FORMAT', `${label}: the model imports no opset for the default domain`);
      const factory = Object.prototype.hasOwnProperty.call(FACTORIES, node.opType) ? FACTORIES[node.opType] : undefined;
      if (!factory) {
        throw new RnnError('UNSUPPORTED', `${label}: operator '${node.opType}' (opset ${opset}) is not supported; supported operators: ${SUPPORTED_OPS.join(', ')}`);
      }
      if (opset < MIN_OPSET || opset > MAX_OPSET) {
        throw new RnnError('UNSUPPORTED', `${label}: opset ${opset} is not supported (operator '${node.opType}'); supported opsets: ${MIN_OPSET}-${MAX_OPSET}`);
      }
      for (const name of node.inputs) {
        if (name !== '' && !defined.has(name)) {
          throw new RnnError('INVALID_FORMAT', `${label}: input '${name}' is not a graph input, initializer or output of an earlier node (the graph must be topologically sorted)`);
        }
      }
      for (const name of node.outputs) {
        if (name !== '' && defined.has(name)) throw new RnnError('INVALID_FORMAT', `${label}: output '${name}' is defined twice`);
      }
      const constInputs = node.inputs.map((n) => (n === '' ? undefined : consts.get(n)));
      const ctx = new NodeContext(node, opset, constInputs);
      const recurrent = node.opType === 'LSTM' || node.opType === 'GRU' || node.opType === 'RNN';
      let kernel: Kernel;
      try {
        kernel = recurrent && !fastPath ? recurrentOp(node.opType as 'LSTM', false)(ctx) : factory(ctx);
      } finally {
        resources.push(...ctx.resources);
      }
      const allConst = node.inputs.every((n, i) => n === '' || constInputs[i] !== undefined);
      if (allConst && !recurrent) {
        // Fold: nodes of constants only (Constant, shape arithmetic on initializers) run once here.
        const outs = kernel(constInputs);
        node.outputs.forEach((n, i) => {
          if (n !== '' && outs[i] !== undefined) consts.set(n, outs[i]!);
        });
      } else {
        steps.push({ kernel, ctx, inputs: node.inputs, outputs: node.outputs });
      }
      for (const name of node.outputs) if (name !== '') defined.add(name);
    });
    for (const vi of graph.outputs) {
      if (!defined.has(vi.name)) throw new RnnError('INVALID_FORMAT', `GraphProto: graph output '${vi.name}' is not produced by any node`);
    }
  } catch (e) {
    for (const r of resources) r.dispose();
    throw e;
  }
  return new Model(inputs, graph.outputs.map((o) => o.name), consts, steps, resources, opset ?? 0);
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
  readonly opset: number;
  readonly recurrentNodes: readonly RecurrentNodeInfo[];
  private disposed = false;

  constructor(
    inputs: OnnxInputInfo[],
    outputNames: string[],
    private readonly consts: Map<string, OTensor>,
    private readonly steps: Step[],
    private readonly resources: KernelResources[],
    opset: number,
  ) {
    this.inputs = inputs;
    this.inputNames = inputs.map((i) => i.name);
    this.outputNames = outputNames;
    this.opset = opset;
    this.recurrentNodes = steps
      .filter((s) => s.ctx.recurrentPath !== undefined)
      .map((s) => ({ name: s.ctx.node.name || s.outputs[0], op: s.ctx.node.opType as 'LSTM', path: s.ctx.recurrentPath! }));
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
    const env = new Map<string, OTensor>(this.consts);
    const owned = new Set<unknown>();
    for (const c of this.consts.values()) owned.add(c.data);
    const symbols = new Map<string, number>();
    for (const info of this.inputs) {
      const t = feeds[info.name];
      if (t === undefined) throw new RnnError('INVALID_INPUT', `OnnxModel.run: missing input '${info.name}'`);
      const v = convertInput(t, info, symbols);
      env.set(info.name, v);
      owned.add(t.data);
    }
    for (const s of this.steps) {
      const ins = s.inputs.map((n) => (n === '' ? undefined : env.get(n)));
      const outs = s.kernel(ins);
      s.outputs.forEach((n, i) => {
        if (n === '') return;
        const o = outs[i];
        if (o === undefined) throw s.ctx.error('UNSUPPORTED', `output ${i} ('${n}') is not produced`);
        env.set(n, o);
      });
    }
    const result: Record<string, Tensor> = {};
    for (const n of this.outputNames) {
      const v = env.get(n)!;
      const p = toPublic(v);
      // Never hand out the model's constants or the caller's input buffers.
      if (owned.has(v.data)) p.data = p.data.slice() as typeof p.data;
      result[n] = p;
    }
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.resources) r.dispose();
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
