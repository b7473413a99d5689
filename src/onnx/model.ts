/**
 * loadOnnx: decodes a .onnx file, checks the graph (topological order, supported operators,
 * opsets) and prepares every node once; OnnxModel.run executes the prepared nodes in order.
 */
import { type WeightFormat, checkWeightFormat } from '../../base/quantize.js';
import type { Accumulation } from '../../bindings/panels.js';
import { RnnError, checkOptionKeys, fmtShape, kindOf } from '../../base/errors.js';
import { checkTensor, type Tensor } from '../../base/tensor.js';
import { kindName, type NodeResources, type ValueType } from './node.js';
import type { OpFactory } from './ops/util.js';
import { Planner, newRootScope, runBlock, type Block } from './plan.js';
import type { LoadInference } from './infer.js';
import { specialize, type SpecializedPlan } from './specialize.js';
import { compileStatic, type PlanBuffers } from './static-plan.js';
import { checkUndecoded, decodeModel, dtName, type ValueInfoMsg } from './proto.js';
import { Arena, DTYPES, heldTypeOf, checkSize, fromPublic, odtypeOf, optionalOf, withConstantChunks, sameShape, toPublic, withArena, type HeldType, type ODType, type OTensor } from './values.js';

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
  /**
   * How the LSTM / GRU / RNN nodes that run on the wasm layers (the fast path) store their weight
   * matrices: 'f32' (default) or 'int8' (a scale per row, activations quantized per call as
   * PyTorch's quantize_dynamic does; docs/quantization.md). Other nodes compute in float.
   */
  weights?: WeightFormat;
  /**
   * Sizes for named input dims, by `dim_param` name (onnxruntime's `freeDimensionOverrides`):
   * the inputs are planned with these sizes, so what the graph computes from them folds at load,
   * and run() rejects inputs of other sizes there.
   */
  freeDimensions?: Record<string, number>;
  /**
   * How Conv, MatMul and Gemm nodes whose weights are constants sum their products (docs/onnx.md,
   * "Conv numerics"): 'float32' (default), in onnxruntime's order on the float32 GEMM; or
   * 'float64', every product exact and each output rounded once, the same bits on every build, at
   * about half the speed. Depthwise convolutions, ConvTranspose, Gemm whose alpha or C the GEMM
   * cannot take as its bias, and products of weights the graph computes sum in float64 either way.
   */
  accumulation?: Accumulation;
}

export interface OnnxInputInfo {
  name: string;
  /** 'float32' | 'int64' | 'int32' | 'bool' (other ONNX types are widened, see docs/onnx.md). */
  dtype: ODType;
  /** Dims: a number, a symbolic name, or null when unknown; undefined = rank unknown. */
  shape: (number | string | null)[] | undefined;
  /**
   * Set when the graph declares an optional tensor (`Optional[Tensor]` arguments of a scripted
   * PyTorch module): run() may leave it out, and the graph sees an empty optional.
   */
  optional?: true;
  /** The element type the graph declares, when the executor holds it as `dtype` (float64 as float32, uint32 as int64...). */
  declaredType?: HeldType;
}

export interface OnnxOutputInfo {
  name: string;
  dtype: ODType | undefined;
  shape: (number | string | null)[] | undefined;
  /** The element type the graph declares, when the executor holds it as `dtype` (float64 as float32, uint32 as int64...). */
  declaredType?: HeldType;
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
   * Element type and shape of each output as declared by the graph, completed by shape inference
   * at load where the declaration leaves the dtype, the rank or a dim open (docs/onnx.md; dims
   * may be symbols such as 'batch' or 'T*batch', null where unknown). run() returns bool outputs
   * as Int32Array of 0/1.
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
  /**
   * How the last run's plan executes: undefined until a plan runs a second time (it is compiled
   * then), and with specializeShapes false. See docs/onnx.md, "Static plans".
   */
  readonly lastRunPlan: PlanInfo | undefined;
  /** Runs the graph synchronously. */
  run(inputs: Record<string, Tensor>): Record<string, Tensor>;
  /**
   * Input and output buffers bound to the model for a stream of calls with the same input
   * shapes (onnxruntime's IO binding): the caller writes each call's inputs into
   * `binding.inputs`, calls `binding.run()` and reads `binding.outputs`. Outputs named in
   * `feedback` are copied into the input they name after each run (a recurrent state fed back).
   * On a graph whose values all have shapes known from the inputs' (a static plan), a run
   * allocates nothing.
   */
  bind(shapes: Record<string, readonly number[]>, options?: BindOptions): OnnxBinding;
  /** Frees the wasm memory of the recurrent layers; later run() calls throw DISPOSED. */
  dispose(): void;
}

/** A plan specialised to one set of input shapes, as static-plan.ts compiled it. */
export interface PlanInfo {
  /** Bytes of the plan's value buffers, shared by lifetime. */
  bufferBytes: number;
  /** Bytes those values would take each in a buffer of its own. */
  valueBytes: number;
  /**
   * Whether the buffers are in wasm memory (the plan arena: the runtime was loaded when the plan
   * was compiled), where elementwise and copying operators run as wasm loops on them.
   */
  buffersInWasm: boolean;
  /** Nodes that run prepared: into the plan's buffers, allocating nothing. */
  preparedNodes: number;
  /** Nodes that write into the plan's buffers through their ordinary kernel (which allocates small objects). */
  unpreparedNodes: readonly string[];
  /** Nodes whose types these input shapes do not determine (often in an If branch not taken): run as in a dynamic plan. */
  dynamicNodes: readonly string[];
}

export interface BindOptions {
  /** Output name -> input name: after each run, the output's values are copied into that input. */
  feedback?: Record<string, string>;
}

export interface OnnxBinding {
  /** One tensor per graph input, in the shape given to bind(): write the next run's values into `data`. */
  readonly inputs: Readonly<Record<string, Tensor>>;
  /**
   * One tensor per graph output, rewritten in place by every run() (empty before the first):
   * copy what must outlive the next run.
   */
  readonly outputs: Readonly<Record<string, Tensor>>;
  /**
   * Per output, its dtype and shape as the plan for the bound shapes infers them without running
   * (undefined where the shapes do not determine it, or with specializeShapes: false).
   */
  readonly outputTypes: Readonly<Record<string, { dtype: ODType; shape: readonly number[] } | undefined>>;
  /** Runs the graph on the bound inputs; throws DISPOSED after the model's dispose(). */
  run(): void;
}

/**
 * Graph inputs a caller fixes for a model's lifetime (loadOnnxWith): what depends on them folds at
 * load instead of being planned for every value or shape they could take.
 */
export interface FixedInputs {
  /**
   * Values by input name (SileroVad's `sr`): planned as constants, so an `If` on `sr == 16000`
   * keeps only the branch taken and the other is never planned. The inputs stay in `inputs` and
   * are fed as before, but the value fed is not read.
   */
  values?: Record<string, Tensor>;
  /**
   * Shapes by input name (SileroVad's window and states): `Shape` and `Size` of the input fold at
   * load (an `If` on a state's batch dimension keeps one branch), and run() / bind() reject any
   * other shape (the input's `shape` in `inputs` is this one).
   */
  shapes?: Record<string, readonly number[]>;
}

/**
 * loadOnnx with the operators of `factories` (an operator registry: every operator the importer
 * has in registry.ts, or a subset, so that a bundle that runs one known model ships only the
 * operator families it needs, as SileroVad does). `fix` says which graph inputs the caller fixes
 * (FixedInputs), from the declared inputs. A value or shape that does not fit an input's
 * declaration leaves the input unfixed.
 */
export function loadOnnxWith(
  factories: Record<string, OpFactory>, bytes: Uint8Array, options: LoadOnnxOptions = {}, fix?: (inputs: readonly OnnxInputInfo[]) => FixedInputs, inference?: LoadInference,
): OnnxModel {
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'loadOnnx: options must be an object');
  const fastPath = options.fastPath ?? true;
  if (typeof fastPath !== 'boolean') throw new RnnError('INVALID_OPTION', `loadOnnx: fastPath must be a boolean, got ${typeof fastPath}`);
  const weights = checkWeightFormat(options.weights, 'loadOnnx');
  const accumulation = options.accumulation ?? 'float32';
  if (accumulation !== 'float32' && accumulation !== 'float64') {
    throw new RnnError('INVALID_OPTION', `loadOnnx: accumulation must be 'float32' or 'float64', got ${typeof accumulation === 'string' ? `'${accumulation}'` : typeof accumulation}`);
  }
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
  const planner = new Planner({ opset: opset ?? 0, fastPath, factories, weights, accumulation, inference });
  const scope = newRootScope();
  const initializerNames = new Set(graph.initializers.map((t) => t.name));
  const inputs: OnnxInputInfo[] = [];
  for (const vi of graph.inputs) if (!initializerNames.has(vi.name)) inputs.push(inputInfo(vi)); // IR < 4 lists initializers as inputs too
  inference?.declare(inputs);
  const { values = {}, shapes = {} } = fix?.(inputs) ?? {};
  const own = (o: object, name: string) => Object.prototype.hasOwnProperty.call(o, name);
  const inputSlots: number[] = [];
  const fixed: boolean[] = [];
  try {
    for (let i = 0; i < inputs.length; i++) {
      const name = inputs[i].name;
      const value = own(values, name) && !inputs[i].optional ? fixedValue(values[name], inputs[i]) : undefined;
      const slot = planner.newSlot(value);
      fixed.push(value !== undefined);
      if (value === undefined && !inputs[i].optional && own(shapes, name) && fitsDeclared(shapes[name], inputs[i].shape)) {
        inputs[i] = { ...inputs[i], shape: shapes[name].slice() };
        planner.fixedTypes.set(slot, { dtype: inputs[i].dtype, shape: shapes[name].slice() });
      }
      if (inputs[i].optional) planner.kinds.set(slot, 'optional');
      scope.define(name, slot);
      inputSlots.push(slot);
    }
    inference?.inputs(inputs, inputSlots, fixed);
    const block = withConstantChunks(() => planner.planGraph(graph, scope, 0));
    block.outputs.forEach((slot, i) => {
      const kind = planner.kinds.get(slot);
      if (kind !== undefined) throw new RnnError('UNSUPPORTED', `graph output '${graph.outputs[i].name}' is ${kindName(kind)}: a model returns tensors only (${kind}s are supported inside the graph)`);
    });
    // the sub-graphs planning did not decode (branches pruned at load): their bytes checked
    checkUndecoded(model);
    let outputs: OnnxOutputInfo[] = graph.outputs.map((o) => withDeclaredType({ name: o.name, dtype: o.elemType === undefined ? undefined : odtypeOf(o.elemType), shape: o.shape }, o.elemType));
    if (inference) outputs = inference.outputs(outputs, block.outputs, planner.constants);
    return new Model(inputs, inputSlots, fixed, outputs, block, planner, opset ?? 0, specializeShapes);
  } catch (e) {
    for (const r of planner.resources) r.dispose();
    throw e;
  }
}

/** A fixed input's value in the importer's form, or undefined when it does not fit the input's declaration. */
function fixedValue(t: Tensor, info: OnnxInputInfo): OTensor | undefined {
  try {
    return convertInput(t, info, new Map());
  } catch (e) {
    if (e instanceof RnnError) return undefined;
    throw e;
  }
}

/** Whether `shape` (concrete dims) is one the declaration allows (undefined: any). */
function fitsDeclared(shape: readonly number[], declared: OnnxInputInfo['shape']): boolean {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) return false;
  return declared === undefined || (declared.length === shape.length && declared.every((d, i) => typeof d !== 'number' || d === shape[i]));
}

function inputInfo(vi: ValueInfoMsg): OnnxInputInfo {
  if (!vi.name) throw new RnnError('INVALID_FORMAT', 'GraphProto: a graph input has no name');
  if (vi.elemType === undefined) throw new RnnError('UNSUPPORTED', `graph input '${vi.name}': only tensor inputs with an element type are supported`);
  const dtype = odtypeOf(vi.elemType);
  if (dtype === undefined) throw new RnnError('UNSUPPORTED', `graph input '${vi.name}': element type ${dtName(vi.elemType)} is not supported`);
  return withDeclaredType(vi.optional ? { name: vi.name, dtype, shape: vi.shape, optional: true } : { name: vi.name, dtype, shape: vi.shape }, vi.elemType);
}

/** `info` with the element type the graph declares, where the executor holds it as another (heldTypeOf). */
function withDeclaredType<T extends OnnxInputInfo | OnnxOutputInfo>(info: T, elemType: number | undefined): T {
  const declaredType = heldTypeOf(elemType);
  if (declaredType) info.declaredType = declaredType;
  return info;
}

class Model implements OnnxModel {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly OnnxInputInfo[];
  readonly outputs: readonly OnnxOutputInfo[];
  readonly opset: number;
  readonly recurrentNodes: readonly RecurrentNodeInfo[];
  lastRunNodes = 0;
  lastRunPlan: PlanInfo | undefined;
  private disposed = false;
  private readonly resources: NodeResources[];
  private readonly general: Plan;
  /** Plans specialised to the input shapes of earlier runs, by signature (see specialize.ts). */
  private readonly byShapes = new Map<string, Plan>();
  private last: { fed: { dtype: ODType; shape: number[] }[]; plan: Plan } | undefined;
  private readonly constants: readonly (OTensor | undefined)[];

  constructor(
    inputs: OnnxInputInfo[],
    private readonly inputSlots: number[],
    /** Per input: fixed at load (loadOnnxWith's fixedInputs), its slot a constant that a run does not overwrite. */
    private readonly fixed: boolean[],
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
    this.checkLive();
    const fed = this.convertFeeds(feeds, 'OnnxModel.run');
    const plan = this.planFor(fed);
    const result: Record<string, Tensor> = {};
    const slots = this.execute(plan, fed);
    try {
      this.outputNames.forEach((n, i) => {
        const v = slots[plan.block.outputs[i]]!;
        const p = toPublic(v);
        // Never hand out the plan's buffers, the model's constants or the caller's inputs, nor a
        // view of them (Slice returns one for a contiguous slice), nor one array twice.
        const buffer = v.data.buffer;
        if (plan.info !== undefined || plan.arena.owns(v.data) || plan.constantBuffers.has(buffer) || fed.some((f) => f.data.buffer === buffer || f.items?.some((t) => t.data.buffer === buffer)) || Object.values(result).some((r) => r.data.buffer === p.data.buffer)) {
          p.data = p.data.slice() as typeof p.data;
        }
        result[n] = p;
      });
    } finally {
      plan.clear();
    }
    return result;
  }

  bind(shapes: Record<string, readonly number[]>, options: BindOptions = {}): OnnxBinding {
    this.checkLive();
    checkOptionKeys(options, ['feedback'], 'OnnxModel.bind');
    if (shapes === null || typeof shapes !== 'object') throw new RnnError('INVALID_INPUT', `OnnxModel.bind: expected an object mapping input names to shapes, got ${kindOf(shapes)}`);
    const inputs: Record<string, Tensor> = {};
    for (const info of this.inputs) {
      const shape = shapes[info.name];
      if (shape === undefined && info.optional) continue; // left out: an empty optional at every run
      if (shape === undefined) throw new RnnError('INVALID_INPUT', `OnnxModel.bind: missing the shape of input '${info.name}'`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new RnnError('INVALID_INPUT', `OnnxModel.bind: the shape of input '${info.name}' must be an array of non-negative integers, got ${kindOf(shape)}`);
      }
      inputs[info.name] = { data: publicData(info.dtype, checkSize(shape, `OnnxModel.bind: input '${info.name}'`)), shape: shape.slice() };
    }
    for (const k of Object.keys(shapes)) if (!this.inputNames.includes(k)) throw unknownInput(k, this.inputNames, 'OnnxModel.bind');
    const feedback = Object.entries(options.feedback ?? {});
    for (const [out, inp] of feedback) {
      if (!this.outputNames.includes(out)) throw new RnnError('INVALID_OPTION', `OnnxModel.bind: feedback names output '${out}', but the model's outputs are ${this.outputNames.map((n) => `'${n}'`).join(', ')}`);
      if (!this.inputNames.includes(inp)) throw unknownInput(inp, this.inputNames, 'OnnxModel.bind: feedback');
    }
    const fed = this.convertFeeds(inputs, 'OnnxModel.bind');
    const plan = this.planFor(fed);
    const outputTypes: Record<string, { dtype: ODType; shape: readonly number[] } | undefined> = {};
    this.outputNames.forEach((n, i) => {
      const slot = plan.block.outputs[i];
      const t = plan.constantSlots[slot] ?? plan.types?.[slot];
      outputTypes[n] = t === undefined ? undefined : { dtype: t.dtype, shape: t.shape.slice() };
    });
    const outputs: Record<string, Tensor> = {};
    const outputNames = this.outputNames;
    const boolInputs = this.inputs.flatMap((info, i) => (info.dtype === 'bool' ? [i] : []));
    const run = (): void => {
      this.checkLive();
      // bool inputs are converted on every run (their public form is Int32Array); the rest are the bound arrays
      for (let i = 0; i < boolInputs.length; i++) {
        const k = boolInputs[i];
        const info = this.inputs[k];
        const t = inputs[this.inputNames[k]];
        fed[k] = info.optional ? optionalOf(info.dtype, t === undefined ? undefined : convertInput(t, info, new Map())) : convertInput(t, info, new Map());
      }
      const slots = this.execute(plan, fed);
      try {
        for (let i = 0; i < outputNames.length; i++) {
          const n = outputNames[i];
          const v = slots[plan.block.outputs[i]]!;
          const o = outputs[n];
          if (o !== undefined && o.data.length === v.data.length && sameShape(o.shape, v.shape) && o.data.constructor === publicArray(v.dtype)) {
            copyInto(o.data, v.data);
          } else {
            const p = toPublic(v);
            outputs[n] = p.data === v.data ? { data: p.data.slice() as typeof p.data, shape: p.shape } : p;
          }
        }
      } finally {
        plan.clear();
      }
      // every pair checked before any input is written
      for (let i = 0; i < feedback.length; i++) {
        const [out, inp] = feedback[i];
        const o = outputs[out];
        const target = inputs[inp];
        if (o.data.length !== target.data.length || o.data.constructor !== target.data.constructor) {
          throw new RnnError('SHAPE_MISMATCH', `OnnxModel.bind: feedback output '${out}' is ${fmtShape(o.shape)} but input '${inp}' is bound as ${fmtShape(target.shape)}`);
        }
      }
      for (let i = 0; i < feedback.length; i++) copyInto(inputs[feedback[i][1]].data, outputs[feedback[i][0]].data);
    };
    return { inputs, outputs, outputTypes, run };
  }

  private checkLive(): void {
    if (this.disposed) throw new RnnError('DISPOSED', 'OnnxModel: used after dispose()');
  }

  private convertFeeds(feeds: Record<string, Tensor>, what: string): OTensor[] {
    if (feeds === null || typeof feeds !== 'object') {
      throw new RnnError('INVALID_INPUT', `${what}: expected an object mapping input names to tensors, got ${feeds === null ? 'null' : typeof feeds}`);
    }
    for (const k of Object.keys(feeds)) if (!this.inputNames.includes(k)) throw unknownInput(k, this.inputNames, what);
    const symbols = new Map<string, number>();
    return this.inputs.map((info) => {
      const t = feeds[info.name];
      if (info.optional) return optionalOf(info.dtype, t === undefined ? undefined : convertInput(t, info, symbols));
      if (t === undefined) throw new RnnError('INVALID_INPUT', `${what}: missing input '${info.name}'`);
      return convertInput(t, info, symbols);
    });
  }

  /** Runs `plan` on the fed inputs; the caller reads the outputs from the slots, then calls plan.clear(). */
  private execute(plan: Plan, fed: OTensor[]): (OTensor | undefined)[] {
    plan.beforeRun();
    const slots = plan.slots;
    for (let i = 0; i < fed.length; i++) if (!this.fixed[i]) slots[this.inputSlots[i]] = fed[i];
    try {
      this.lastRunNodes = withArena(plan.arena, runBlock, plan.block, slots);
      this.lastRunPlan = plan.info;
    } catch (e) {
      plan.clear();
      throw e;
    }
    return slots;
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
      const s = specialize(this.block, this.constants, fed.flatMap((t, i) => (this.fixed[i] ? [] : [{ slot: this.inputSlots[i], dtype: t.dtype, shape: t.shape }])));
      plan = new Plan(s.block, s.constants, s);
      this.byShapes.set(key, plan);
    }
    this.last = { fed: fed.map((t) => ({ dtype: t.dtype, shape: t.shape.slice() })), plan };
    return plan;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.resources) r.dispose();
    for (const plan of this.byShapes.values()) plan.dispose();
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
  /** Buffers a run must not hand out, nor views of them (constants; the caller's inputs are checked per run). */
  readonly constantBuffers: Set<ArrayBufferLike>;
  /** Slots filled during a run (inputs and computed values), cleared after it. */
  readonly runtimeSlots: Int32Array;
  /** Memory of a run's intermediate values, reused by the next run of this plan. */
  readonly arena = new Arena();

  /** Set once the plan is static (static-plan.ts): its buffers every run rewrites, so outputs are always copied out. */
  info: PlanInfo | undefined;
  private runs = 0;

  /**
   * @param specialized the specialised plan `block` is, when it is one: it is compiled into a
   *   static plan at its second run (a plan run once, as a cold start's first frame, does not
   *   pay for the compilation).
   */
  /** Dtype and shape of the slots the input shapes determine (a specialised plan's). */
  readonly types: readonly (ValueType | undefined)[] | undefined;
  /** The values known before a run, by slot. */
  readonly constantSlots: readonly (OTensor | undefined)[];

  constructor(public block: Block, constants: readonly (OTensor | undefined)[], private specialized?: SpecializedPlan) {
    this.types = specialized?.types;
    this.constantSlots = constants;
    this.slots = constants.slice();
    // a folded sequence's tensors too: SequenceAt hands one out
    this.constantBuffers = new Set(constants.flatMap((c) => (c === undefined ? [] : [c.data.buffer, ...(c.items ?? []).map((t) => t.data.buffer)])));
    this.runtimeSlots = Int32Array.from(constants.flatMap((c, s) => (c === undefined ? [s] : [])));
  }

  /** Called before each run: compiles the static plan on the second, and refreshes its buffers' views. */
  beforeRun(): void {
    if (this.buffers) return this.buffers.refresh();
    if (this.specialized === undefined || ++this.runs < 2) return;
    const compiled = compileStatic(this.specialized);
    this.specialized = undefined;
    this.block = compiled.block;
    this.buffers = compiled.buffers;
    this.info = {
      bufferBytes: compiled.bufferBytes,
      valueBytes: compiled.valueBytes,
      buffersInWasm: compiled.buffers.inWasm,
      preparedNodes: compiled.prepared,
      unpreparedNodes: compiled.unprepared,
      dynamicNodes: compiled.dynamic,
    };
  }

  /** Frees the static plan's buffers (the model is disposed). */
  dispose(): void {
    this.buffers?.dispose();
  }

  private buffers: PlanBuffers | undefined;

  /** Forgets a run's values: only the constants stay between runs. */
  clear(): void {
    const runtime = this.runtimeSlots;
    for (let i = 0; i < runtime.length; i++) this.slots[runtime[i]] = undefined;
  }
}

function unknownInput(name: string, inputNames: readonly string[], what: string): RnnError {
  return new RnnError('INVALID_INPUT', `${what}: unknown input '${name}'; the model's inputs are ${inputNames.map((n) => `'${n}'`).join(', ') || '(none)'}`);
}

/** A zeroed array of the public form of a dtype (bool as Int32Array of 0/1). */
function publicData(dtype: ODType, n: number): Tensor['data'] {
  if (dtype === 'int64') return new BigInt64Array(n);
  if (dtype === 'float32') return new Float32Array(n);
  return toPublic({ dtype, data: new DTYPES[dtype].array(n), shape: [n] }).data;
}

/** The array constructor of a dtype's public form (toPublic). */
function publicArray(dtype: ODType): Function {
  return dtype === 'float32' ? Float32Array : dtype === 'int64' ? BigInt64Array : Int32Array;
}

/** dst.set(src) for arrays of the same kind, or a narrow integer / bool array into its public Int32Array. */
function copyInto(dst: Tensor['data'] | OTensor['data'], src: Tensor['data'] | OTensor['data']): void {
  (dst as Float32Array).set(src as Float32Array);
}

function convertInput(t: Tensor, info: OnnxInputInfo, symbols: Map<string, number>): OTensor {
  const what = `OnnxModel.run: input '${info.name}'`;
  checkTensor(t, what);
  const v = fromPublic(t, info.dtype, what);
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
