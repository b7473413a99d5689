/** What an operator implementation sees of its node at load time. */
import type { WeightFormat } from '../../base/quantize.js';
import type { Accumulation } from '../../bindings/panels.js';
import { RnnError } from '../../base/errors.js';
import { AT, type AttributeMsg, type GraphMsg, type NodeMsg, type Subgraph } from './proto.js';
import { tensorFromProto, type ODType, type OTensor } from './values.js';
import type { InferContext, SymValue } from './infer.js';
import type { PlanSite } from './plan.js';

/**
 * What runs an ONNX node (the wasm functions are another thing: `Kernels`, bindings/kernels.ts):
 * one value per node input ('' inputs are undefined), one per node output. The
 * outputs belong to the caller, who may keep them (folded constants are kept for the model's
 * life): fresh arrays, or input tensors passed through unchanged; never a buffer the kernel
 * writes again on a later call.
 */
export type NodeFn = ((inputs: (OTensor | undefined)[]) => (OTensor | undefined)[]) & {
  /**
   * Output dtypes and shapes from the inputs' (where a heavy kernel can tell them without running:
   * Conv, the recurrent operators). Used by plan specialisation instead of a run on placeholders;
   * throws, or gives undefined, where the inputs do not fit.
   */
  inferShapes?: (inputs: (ValueType | undefined)[]) => (ValueType | undefined)[];
  /**
   * Sets the node up for inputs of exactly these dtypes and shapes (a static plan, see
   * static-plan.ts): checks and resolves everything that depends only on them, once. Undefined
   * when the inputs do not fit (the plan then runs the node function itself, which reports the error).
   */
  prepare?: (inputs: readonly (ValueType | undefined)[]) => PreparedNode | undefined;
  /**
   * The symbolic shape rule of an operator whose outputs depend on what was planned at load (Loop
   * and Scan: their body's inferred outputs); infer.ts's own rules take precedence.
   */
  inferTypes?: (n: InferContext) => (SymValue | undefined)[] | undefined;
};

/**
 * A node set up for fixed input dtypes and shapes. `run` writes every element of the outputs the
 * plan hands it (they hold the previous run's values, not zeros) and allocates nothing.
 */
export interface PreparedNode {
  /** Output dtypes and shapes. */
  readonly outputs: readonly ValueType[];
  /**
   * Per output: the input whose data the output is, under the output's shape (a view: Reshape,
   * Squeeze...), or -1 when `run` writes it. Omitted = every output is written.
   */
  readonly aliases?: readonly number[];
  run(inputs: readonly (OTensor | undefined)[], outputs: readonly OTensor[]): void;
}

/** A value's element type and shape, without its data. */
export interface ValueType {
  dtype: ODType;
  shape: readonly number[];
}

/**
 * What a value is: a tensor, an ONNX sequence of tensors, or an optional tensor. Both of the
 * latter are OTensors with `items` (values.ts): a sequence's tensors, or an optional's zero or one.
 */
export type ValueKind = 'tensor' | 'sequence' | 'optional';

/** 'a tensor', 'a sequence', 'an optional', for messages. */
export function kindName(kind: ValueKind): string {
  return kind === 'optional' ? 'an optional' : `a ${kind}`;
}

/** Disposable resources a kernel holds (recurrent fast path layers). */
export interface NodeResources {
  dispose(): void;
}

export class NodeContext {
  readonly node: NodeMsg;
  readonly opset: number;
  /** Values of inputs known at load (initializers / Constant outputs), else undefined. */
  readonly constInputs: (OTensor | undefined)[];
  readonly resources: NodeResources[] = [];
  /** Set by recurrent operators: which implementation the node runs on. */
  recurrentPath: 'fast' | 'general' | undefined;
  /** How the weight matrices of the node's packed wasm layers are stored (LoadOnnxOptions.weights). */
  readonly weights: WeightFormat;
  /** Whether recurrent nodes may take the fast path (LoadOnnxOptions.fastPath). */
  readonly fastPath: boolean;
  /** How Conv, MatMul and Gemm nodes on packed weights sum their products (LoadOnnxOptions.accumulation). */
  readonly accumulation: Accumulation;
  /** Per input: what kind of value it is (the planner knows at load; see OpFactory.takesNonTensors). */
  inputKinds: readonly ValueKind[] = [];
  /** Set by a factory that makes sequences or optionals: per output, its kind (unset: all tensors). */
  outputKinds: readonly ValueKind[] | undefined;
  /** Where the planner is planning this node (its factory runs then): for function bodies, body-plan.ts. */
  site: PlanSite | undefined;
  /**
   * Slots of the outer-scope values the node's bodies read (run-time values only: constants are
   * copied into the body). The planner appends them to the node's inputs, after its own.
   */
  readonly captured: number[] = [];
  private readonly attrs = new Map<string, AttributeMsg>();

  constructor(
    node: NodeMsg, opset: number, constInputs: (OTensor | undefined)[], weights: WeightFormat = 'f32', fastPath = true, accumulation: Accumulation = 'float32',
  ) {
    this.node = node;
    this.opset = opset;
    this.constInputs = constInputs;
    this.weights = weights;
    this.fastPath = fastPath;
    this.accumulation = accumulation;
    for (const a of node.attributes) this.attrs.set(a.name, a);
  }

  /** "LSTM node 'lstm_1' (opset 14)" for messages (made once: kernels pass it on every call). */
  get label(): string {
    if (this.labelText === undefined) this.labelText = `${this.node.opType} node '${this.node.name || this.node.outputs[0] || '?'}' (opset ${this.opset})`;
    return this.labelText;
  }

  private labelText: string | undefined;

  error(code: 'INVALID_FORMAT' | 'UNSUPPORTED' | 'SHAPE_MISMATCH' | 'DTYPE_MISMATCH' | 'INVALID_INPUT' | 'INVALID_LENGTHS', message: string): RnnError {
    return new RnnError(code, `${this.label}: ${message}`);
  }

  has(name: string): boolean {
    return this.attrs.has(name);
  }

  private get(name: string, type: number, typeName: string): AttributeMsg | undefined {
    const a = this.attrs.get(name);
    if (a === undefined) return undefined;
    // type 0 = files written before the type field existed; accept the populated field then.
    if (a.type !== 0 && a.type !== type) throw this.error('INVALID_FORMAT', `attribute '${name}' must be ${typeName}`);
    return a;
  }

  int(name: string, def: number): number;
  int(name: string, def?: number): number | undefined;
  int(name: string, def?: number): number | undefined {
    const a = this.get(name, AT.INT, 'an int');
    if (a === undefined) return def;
    if (a.i === undefined) throw this.error('INVALID_FORMAT', `attribute '${name}' has no int value`);
    return a.i;
  }

  float(name: string, def: number): number;
  float(name: string, def?: number): number | undefined;
  float(name: string, def?: number): number | undefined {
    const a = this.get(name, AT.FLOAT, 'a float');
    if (a === undefined) return def;
    if (a.f === undefined) throw this.error('INVALID_FORMAT', `attribute '${name}' has no float value`);
    return a.f;
  }

  string(name: string, def: string): string;
  string(name: string, def?: string): string | undefined;
  string(name: string, def?: string): string | undefined {
    const a = this.get(name, AT.STRING, 'a string');
    if (a === undefined) return def;
    if (a.s === undefined) throw this.error('INVALID_FORMAT', `attribute '${name}' has no string value`);
    return new TextDecoder().decode(a.s);
  }

  ints(name: string): number[] | undefined {
    return this.get(name, AT.INTS, 'a list of ints')?.ints;
  }

  floats(name: string): number[] | undefined {
    return this.get(name, AT.FLOATS, 'a list of floats')?.floats;
  }

  strings(name: string): string[] | undefined {
    const a = this.get(name, AT.STRINGS, 'a list of strings');
    return a?.strings.map((s) => new TextDecoder().decode(s));
  }

  tensor(name: string): OTensor | undefined {
    const a = this.get(name, AT.TENSOR, 'a tensor');
    if (a === undefined) return undefined;
    if (a.t === undefined) throw this.error('INVALID_FORMAT', `attribute '${name}' has no tensor value`);
    return tensorFromProto(a.t, `${this.label} attribute '${name}'`);
  }

  graph(name: string): GraphMsg | undefined {
    const a = this.get(name, AT.GRAPH, 'a graph');
    if (a === undefined) return undefined;
    if (a.g === undefined) throw this.error('INVALID_FORMAT', `attribute '${name}' has no graph value`);
    return a.g.graph();
  }

  /** The sub-graph attribute `name` undecoded (its input and output counts are known). */
  subgraph(name: string): Subgraph | undefined {
    const a = this.get(name, AT.GRAPH, 'a graph');
    if (a === undefined) return undefined;
    if (a.g === undefined) throw this.error('INVALID_FORMAT', `attribute '${name}' has no graph value`);
    return a.g;
  }

  /** Fails at load when the node has an attribute this implementation does not understand. */
  allowOnly(names: readonly string[]): void {
    for (const a of this.node.attributes) {
      if (a.refAttrName !== undefined) throw this.error('UNSUPPORTED', `attribute '${a.name}' refers to a function attribute`);
      if (!names.includes(a.name)) throw this.error('UNSUPPORTED', `attribute '${a.name}' is not supported`);
    }
  }

  input(inputs: (OTensor | undefined)[], i: number, what: string): OTensor {
    const t = inputs[i];
    if (t === undefined) throw this.error('INVALID_FORMAT', `required input ${i} (${what}) is missing`);
    return t;
  }
}
