/**
 * The execution plan of an ONNX graph, built once at load:
 *
 * - every value gets an integer slot; kernels read and write a slot array, never a name map;
 * - names resolve lexically: a sub-graph (an If branch) sees its own values first, then the
 *   values of the enclosing graphs defined before its node (outer-scope capture);
 * - a Loop or Scan body is planned as a function with slots of its own (body-plan.ts, from the
 *   node's factory, which gets the planner in NodeContext.site): the outer values it reads become
 *   extra inputs of its node (NodeContext.captured), or, when known at load, constants of the body;
 * - a node whose inputs are all known at load is evaluated then (constant folding), inside
 *   sub-graphs too, so weights that a graph computes from Constant nodes (Silero VAD's LSTM
 *   weights, sliced and concatenated in its If branches) are constants by the time the recurrent
 *   node is prepared and take the packed wasm path;
 * - an If whose condition folds is replaced by the nodes of the branch taken; the other branch
 *   is never prepared;
 * - after each step, the slots it read for the last time are released, so a run holds only the
 *   values still to be read.
 */
import type { WeightFormat } from '../../base/quantize.js';
import type { Accumulation } from '../../bindings/panels.js';
import { RnnError } from '../../base/errors.js';
import { NodeContext, kindName, type NodeFn, type NodeResources, type ValueKind, type ValueType } from './node.js';
import type { OpFactory } from './ops.js';
import type { GraphMsg, NodeMsg } from './proto.js';
import { allocData, tensorFromProto, type OTensor } from './values.js';
import type { LoadInference } from './infer.js';

/** Opsets of the default domain ('' / 'ai.onnx') that load. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

/** Operators the planner implements itself: they hold sub-graphs. */
const CONTROL_FLOW = ['If'];
/** Operators whose output depends only on the shape of input 0. */
const SHAPE_VALUED = ['Shape', 'Size'];
/** Operators with sub-graphs that are rejected at load with a clear message. */
const UNSUPPORTED_CONTROL_FLOW = ['SequenceMap'];

/** Where a node is being planned: the planner, the scope of names it sees, its input slots, its nesting depth. */
export interface PlanSite {
  planner: Planner;
  scope: Scope;
  inputs: readonly number[];
  depth: number;
}

export interface RecurrentStepInfo {
  name: string;
  op: 'LSTM' | 'GRU' | 'RNN';
  path: 'fast' | 'general';
}

/** A node run through its kernel. Inputs and outputs are slot indices, -1 where absent. */
export interface NodeStep {
  kind: 'kernel';
  ctx: NodeContext;
  kernel: NodeFn;
  inputs: Int32Array;
  outputs: Int32Array;
  /** Reused argument array: the kernel gets the same array every call. */
  args: (OTensor | undefined)[];
  /** Slots read for the last time by this step. */
  release: Int32Array;
}

/** An If node whose condition is only known at run time. */
export interface IfStep {
  kind: 'if';
  ctx: NodeContext;
  cond: number;
  thenBranch: Block;
  elseBranch: Block;
  outputs: Int32Array;
  release: Int32Array;
}

export type Step = NodeStep | IfStep;

/** A list of steps and the slots holding its results (a graph or a branch). */
export interface Block {
  steps: Step[];
  outputs: Int32Array;
  /** Output slots written by this block's own steps (released once the If copied them out). */
  localOutputs: Int32Array;
}

class Scope {
  private readonly names = new Map<string, number>();
  /**
   * @param capture for a function body's root scope: resolves a name of the enclosing graphs to a
   *   slot of the body (body-plan.ts), or undefined when no enclosing graph defines it.
   */
  constructor(
    readonly parent: Scope | undefined,
    private readonly capture?: (name: string) => number | undefined,
  ) {}

  lookup(name: string): number | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const slot = s.names.get(name);
      if (slot !== undefined) return slot;
      if (s.capture) {
        const captured = s.capture(name);
        if (captured !== undefined) s.names.set(name, captured);
        return captured;
      }
    }
    return undefined;
  }

  definedHere(name: string): boolean {
    return this.names.has(name);
  }

  define(name: string, slot: number): void {
    this.names.set(name, slot);
  }
}

export interface PlanOptions {
  opset: number;
  fastPath: boolean;
  /** The storage of the packed recurrent layers' matrices (LoadOnnxOptions.weights). */
  weights: WeightFormat;
  /** How Conv, MatMul and Gemm nodes on packed weights sum (LoadOnnxOptions.accumulation). */
  accumulation: Accumulation;
  factories: Record<string, OpFactory>;
  /**
   * Shape and type inference with symbolic dims (infer.ts) where the operator set has it: it
   * types the outputs of the nodes that stay, and folds those whose outputs it knows to the
   * element (Shape of a declared shape, what is computed from it).
   */
  inference?: LoadInference;
}

/** Builds plans; owns the slot numbering and the wasm resources the kernels hold. */
export class Planner {
  /** Values known at load, by slot (undefined for run-time slots). */
  readonly constants: (OTensor | undefined)[] = [];
  /** Shared with the planners of function bodies (body-plan.ts): the model disposes them all. */
  readonly resources: NodeResources[];
  readonly recurrent: RecurrentStepInfo[];
  /**
   * Run-time slots whose dtype and shape are fixed for the model's life (graph inputs of fixed
   * shape, see loadOnnxWith): `Shape` and `Size` of them fold at load.
   */
  readonly fixedTypes = new Map<number, ValueType>();
  /**
   * Slots that hold ONNX sequences or optionals (ops/sequence.ts, ops/optional.ts), known at load
   * from the graph's inputs and the operators that make them; every other slot holds a tensor.
   */
  readonly kinds = new Map<number, Exclude<ValueKind, 'tensor'>>();

  kindOf(slot: number): ValueKind {
    return this.kinds.get(slot) ?? 'tensor';
  }
  constructor(
    private readonly options: PlanOptions,
    parent?: Planner,
  ) {
    this.resources = parent?.resources ?? [];
    this.recurrent = parent?.recurrent ?? [];
  }

  /** A planner of a function body's own slots, sharing this one's resources; `inference` over its slots. */
  bodyPlanner(inference: LoadInference | undefined): Planner {
    return new Planner({ ...this.options, inference }, this);
  }

  /** The inference over this planner's slots, if the load has one. */
  get inference(): LoadInference | undefined {
    return this.options.inference;
  }

  newSlot(value?: OTensor): number {
    this.constants.push(value);
    return this.constants.length - 1;
  }

  /**
   * Plans `graph`. `scope` holds the names visible in it (for the main graph: its inputs and
   * initializers; for a branch: a child of the enclosing scope). `depth` 0 is the main graph:
   * there a node that fails while folding fails the load; in a branch that may never run, the
   * node is kept to fail when (and if) the branch runs.
   */
  planGraph(graph: GraphMsg, scope: Scope, depth: number): Block {
    const steps: Step[] = [];
    return finishBlock(steps, this.planNodes(graph, scope, depth, steps));
  }

  /**
   * Plans `graph`'s initializers and nodes into `steps` (which may be an enclosing graph's, for
   * an inlined branch) and returns the slots of its outputs.
   */
  private planNodes(graph: GraphMsg, scope: Scope, depth: number, steps: Step[]): number[] {
    for (const init of graph.initializers) {
      if (!init.name) throw new RnnError('INVALID_FORMAT', `${graphLabel(graph, depth)}: an initializer has no name`);
      scope.define(init.name, this.newSlot(tensorFromProto(init, 'initializer')));
    }
    graph.nodes.forEach((node, index) => this.planNode(node, index, scope, depth, steps));
    return graph.outputs.map((vi) => {
      const slot = scope.lookup(vi.name);
      if (slot === undefined) throw new RnnError('INVALID_FORMAT', `${graphLabel(graph, depth)}: graph output '${vi.name}' is not produced by any node`);
      return slot;
    });
  }

  private planNode(node: NodeMsg, index: number, scope: Scope, depth: number, steps: Step[]): void {
    const { opset, factories } = this.options;
    const label = `${node.opType || '(no op_type)'} node '${node.name || node.outputs[0] || `#${index}`}'`;
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      throw new RnnError('UNSUPPORTED', `${label}: operator domain '${node.domain}' is not supported (only the default ONNX domain is)`);
    }
    if (UNSUPPORTED_CONTROL_FLOW.includes(node.opType)) {
      throw new RnnError('UNSUPPORTED', `${label}: operator '${node.opType}' (a sub-graph over a sequence) is not supported; If, Loop and Scan are`);
    }
    const isControl = CONTROL_FLOW.includes(node.opType);
    const factory = Object.prototype.hasOwnProperty.call(factories, node.opType) ? factories[node.opType] : undefined;
    if (!factory && !isControl) {
      throw new RnnError('UNSUPPORTED', `${label}: operator '${node.opType}' (opset ${opset}) is not supported; supported operators: ${supportedOps(factories).join(', ')}`);
    }
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new RnnError('UNSUPPORTED', `${label}: opset ${opset} is not supported (operator '${node.opType}'); supported opsets: ${MIN_OPSET}-${MAX_OPSET}`);
    }
    const inputs = node.inputs.map((name) => {
      if (name === '') return -1;
      const slot = scope.lookup(name);
      if (slot === undefined) {
        throw new RnnError('INVALID_FORMAT', `${label}: input '${name}' is not a graph input, initializer or output of an earlier node (the graph must be topologically sorted)`);
      }
      return slot;
    });
    for (const name of node.outputs) {
      if (name !== '' && scope.definedHere(name)) throw new RnnError('INVALID_FORMAT', `${label}: output '${name}' is defined twice`);
    }
    const kinds = inputs.map((s) => (s < 0 ? 'tensor' : this.kindOf(s)));
    const other = kinds.findIndex((k) => k !== 'tensor');
    if (other >= 0 && !factory?.takesNonTensors) {
      throw new RnnError('INVALID_FORMAT', `${label}: input ${other} ('${node.inputs[other]}') is ${kindName(kinds[other])}, but operator '${node.opType}' takes tensors`);
    }
    const constInputs = inputs.map((s) => (s < 0 ? undefined : this.constants[s]));
    const ctx = new NodeContext(node, opset, constInputs, this.options.weights, this.options.fastPath, this.options.accumulation);
    ctx.inputKinds = kinds;
    ctx.site = { planner: this, scope, inputs, depth };
    if (isControl) {
      this.planIf(ctx, inputs, scope, depth, steps);
      return;
    }
    const recurrent = node.opType === 'LSTM' || node.opType === 'GRU' || node.opType === 'RNN';
    let kernel: NodeFn;
    try {
      kernel = factory!(ctx);
    } finally {
      this.resources.push(...ctx.resources);
      ctx.site = undefined;
    }
    // the run-time outer values its bodies read come after its own inputs
    for (const slot of ctx.captured) {
      inputs.push(slot);
      constInputs.push(undefined);
    }
    if (ctx.recurrentPath !== undefined) {
      this.recurrent.push({ name: node.name || node.outputs[0], op: node.opType as 'LSTM', path: ctx.recurrentPath });
    }
    // Shape and Size read only their input's shape: of a value whose shape is fixed, they fold
    // (given an empty tensor of that shape: the kernels read no data)
    const fixedType = SHAPE_VALUED.includes(node.opType) && inputs[0] >= 0 && constInputs[0] === undefined ? this.fixedTypes.get(inputs[0]) : undefined;
    const foldInputs = fixedType === undefined ? constInputs : [{ dtype: fixedType.dtype, shape: fixedType.shape.slice(), data: allocData(fixedType.dtype, 0) }, ...constInputs.slice(1)];
    const allConst = inputs.every((s, i) => s < 0 || foldInputs[i] !== undefined);
    if (allConst && !recurrent) {
      let outs: (OTensor | undefined)[] | undefined;
      try {
        outs = kernel(foldInputs);
      } catch (e) {
        if (depth === 0) throw e;
      }
      if (outs) return this.fold(ctx, outs, scope);
    }
    const inference = this.options.inference;
    const known = inference?.node(ctx, kernel, inputs, constInputs, this.constants);
    if (known) return this.fold(ctx, known, scope);
    const outputs = node.outputs.map((name, i) => {
      if (name === '') return -1;
      const slot = this.newSlot();
      scope.define(name, slot);
      const kind = ctx.outputKinds?.[i];
      if (kind !== undefined && kind !== 'tensor') this.kinds.set(slot, kind);
      return slot;
    });
    inference?.typed(outputs);
    steps.push({
      kind: 'kernel', ctx, kernel,
      inputs: Int32Array.from(inputs), outputs: Int32Array.from(outputs),
      args: new Array(inputs.length).fill(undefined), release: new Int32Array(0),
    });
  }

  /** Defines a folded node's outputs as constants; what its kernel holds in wasm memory goes now. */
  private fold(ctx: NodeContext, outs: (OTensor | undefined)[], scope: Scope): void {
    ctx.node.outputs.forEach((name, i) => {
      if (name === '') return;
      const v = outs[i];
      if (v === undefined) throw ctx.error('UNSUPPORTED', `output ${i} ('${name}') is not produced`);
      const slot = this.newSlot(v);
      const kind = ctx.outputKinds?.[i];
      if (kind !== undefined && kind !== 'tensor') this.kinds.set(slot, kind);
      scope.define(name, slot);
    });
    for (const r of ctx.resources) {
      r.dispose();
      this.resources.splice(this.resources.indexOf(r), 1);
    }
  }

  private planIf(ctx: NodeContext, inputs: number[], scope: Scope, depth: number, steps: Step[]): void {
    ctx.allowOnly(['then_branch', 'else_branch']);
    if (inputs.length !== 1 || inputs[0] < 0) throw ctx.error('INVALID_FORMAT', `If takes exactly one input (cond), got ${inputs.length}`);
    // Both branches are checked; only those planned are decoded (proto.ts, Subgraph).
    const branches = (['then_branch', 'else_branch'] as const).map((name) => {
      const g = ctx.subgraph(name);
      if (g === undefined) throw ctx.error('INVALID_FORMAT', `attribute '${name}' is required`);
      if (g.inputCount !== 0) throw ctx.error('INVALID_FORMAT', `attribute '${name}': an If branch takes no inputs, this one declares ${g.inputCount}`);
      if (g.outputCount !== ctx.node.outputs.length) {
        throw ctx.error('INVALID_FORMAT', `attribute '${name}': the branch has ${g.outputCount} outputs but the node has ${ctx.node.outputs.length}`);
      }
      return g;
    });
    const condConst = ctx.constInputs[0];
    if (condConst !== undefined) {
      // The condition is known: the taken branch's nodes become this graph's nodes; the other is
      // never decoded.
      const taken = branches[ifCondition(ctx, condConst) ? 0 : 1].graph();
      const outputs = this.planNodes(taken, new Scope(scope), depth + 1, steps);
      ctx.node.outputs.forEach((name, i) => {
        if (name !== '') scope.define(name, outputs[i]);
      });
      return;
    }
    const [thenBranch, elseBranch] = branches.map((g) => this.planGraph(g.graph(), new Scope(scope), depth + 1));
    const outputs = ctx.node.outputs.map((name, i) => {
      if (name === '') return -1;
      const slot = this.newSlot();
      scope.define(name, slot);
      const kind = this.kinds.get(thenBranch.outputs[i]);
      if (kind !== this.kinds.get(elseBranch.outputs[i])) {
        throw ctx.error('INVALID_FORMAT', `output ${i} ('${name}') is ${kindName(kind ?? 'tensor')} in one branch and ${kindName(this.kinds.get(elseBranch.outputs[i]) ?? 'tensor')} in the other`);
      }
      if (kind !== undefined) this.kinds.set(slot, kind);
      return slot;
    });
    this.options.inference?.either(outputs, thenBranch.outputs, elseBranch.outputs, this.constants);
    steps.push({ kind: 'if', ctx, cond: inputs[0], thenBranch, elseBranch, outputs: Int32Array.from(outputs), release: new Int32Array(0) });
  }
}

export function newRootScope(): Scope {
  return new Scope(undefined);
}

/** The root scope of a function body: names it does not define resolve through `capture`. */
export function captureScope(capture: (name: string) => number | undefined): Scope {
  return new Scope(undefined, capture);
}
export type { Scope };

export function supportedOps(factories: Record<string, OpFactory>): string[] {
  return [...Object.keys(factories), ...CONTROL_FLOW].sort();
}

function graphLabel(graph: GraphMsg, depth: number): string {
  return depth === 0 ? 'GraphProto' : `sub-graph '${graph.name || '?'}'`;
}

export function ifCondition(ctx: NodeContext, cond: OTensor): boolean {
  if (cond.data.length !== 1) throw ctx.error('SHAPE_MISMATCH', `cond must hold exactly one element, got shape [${cond.shape.join(', ')}]`);
  if (cond.dtype !== 'bool') throw ctx.error('DTYPE_MISMATCH', `cond must be bool, got ${cond.dtype}`);
  return cond.data[0] !== 0;
}

/** A block of `steps` with results in `outputs`: release lists set, its own outputs marked. */
export function finishBlock(steps: Step[], outputs: number[]): Block {
  const produced = new Set<number>();
  for (const s of steps) for (const o of s.outputs) produced.add(o);
  computeReleases(steps, new Set(outputs));
  return { steps, outputs: Int32Array.from(outputs), localOutputs: Int32Array.from(outputs.filter((o) => produced.has(o))) };
}

/** Every slot a step reads, including the reads of the steps inside its branches. */
function slotsRead(step: Step, into: Set<number>): void {
  if (step.kind === 'kernel') {
    for (const s of step.inputs) if (s >= 0) into.add(s);
    return;
  }
  into.add(step.cond);
  for (const b of [step.thenBranch, step.elseBranch]) {
    for (const inner of b.steps) slotsRead(inner, into);
    for (const o of b.outputs) into.add(o);
  }
}

/**
 * Sets each step's release list: the slots written by this block's steps that no later step of
 * the block reads and that are not among `keep` (the block's outputs). Slots of enclosing blocks
 * are released by those blocks, after the step that holds this one.
 */
function computeReleases(steps: Step[], keep: Set<number>): void {
  const local = new Set<number>();
  for (const s of steps) for (const o of s.outputs) if (o >= 0) local.add(o);
  const lastRead = new Map<number, number>();
  steps.forEach((s, i) => {
    const reads = new Set<number>();
    slotsRead(s, reads);
    for (const r of reads) if (local.has(r)) lastRead.set(r, i);
    // An output nobody reads is dropped right after it is made.
    for (const o of s.outputs) if (o >= 0 && !lastRead.has(o)) lastRead.set(o, i);
  });
  const byStep = steps.map(() => [] as number[]);
  for (const [slot, i] of lastRead) if (!keep.has(slot)) byStep[i].push(slot);
  steps.forEach((s, i) => (s.release = Int32Array.from(byStep[i])));
}

/**
 * Runs a block's steps on `slots` (which holds the constants and the fed inputs); returns the
 * number of nodes run through their kernels.
 */
export function runBlock(block: Block, slots: (OTensor | undefined)[]): number {
  let ran = 0;
  const steps = block.steps;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    if (step.kind === 'kernel') {
      const { inputs, args } = step;
      for (let i = 0; i < inputs.length; i++) args[i] = inputs[i] < 0 ? undefined : slots[inputs[i]];
      const outs = step.kernel(args);
      const outputs = step.outputs;
      for (let i = 0; i < outputs.length; i++) {
        if (outputs[i] < 0) continue;
        const v = outs[i];
        if (v === undefined) throw step.ctx.error('UNSUPPORTED', `output ${i} ('${step.ctx.node.outputs[i]}') is not produced`);
        slots[outputs[i]] = v;
      }
      args.fill(undefined);
      ran++;
    } else {
      const branch = ifCondition(step.ctx, slots[step.cond]!) ? step.thenBranch : step.elseBranch;
      ran += runBlock(branch, slots);
      for (let i = 0; i < step.outputs.length; i++) {
        if (step.outputs[i] >= 0) slots[step.outputs[i]] = slots[branch.outputs[i]];
      }
      const local = branch.localOutputs;
      for (let i = 0; i < local.length; i++) slots[local[i]] = undefined;
    }
    const release = step.release;
    for (let i = 0; i < release.length; i++) slots[release[i]] = undefined;
  }
  return ran;
}
