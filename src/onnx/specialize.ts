/**
 * Plans specialised to the shapes of a run's inputs.
 *
 * Exported graphs compute a lot from the shapes of their inputs: `Shape -> Gather -> Equal -> If`
 * chains that choose between a squeezed and an unsqueezed tensor, `Size(Shape(x))` rank tests,
 * zero states sized from a batch dimension. When the inputs' dims are declared unknown (Silero VAD
 * declares `input ['', '']`), none of that can fold at load. Given concrete input shapes it can:
 * this pass walks the load-time plan with the shapes of one call's inputs and
 *
 * - infers the shape of every value it can (see SHAPE_RULES),
 * - evaluates `Shape` / `Size` of a value whose shape is known, and every node whose inputs
 *   then all have known values,
 * - replaces an If whose condition became known by the steps of the branch taken.
 *
 * The result is a plan valid for every call whose inputs have exactly those shapes and dtypes,
 * whatever their values. It reuses the load-time kernels (prepared for unknown inputs, so they
 * accept any), so nothing is packed again.
 *
 * Shape inference runs a node's kernel once on zero-filled placeholders of the known input shapes
 * and keeps only the output shapes. That is sound only for operators whose output shape is a
 * function of the input shapes and of the values of inputs that are constants here: SHAPE_RULES
 * lists those operators with the inputs whose values matter; any other node's outputs have
 * unknown shapes.
 */
import type { ValueType } from './node.js';
import type { Block, IfStep, NodeStep, Step } from './plan.js';
import { finishBlock, ifCondition } from './plan.js';
import { allocData, numelOf, sameShape, type ODType, type OTensor } from './values.js';

/**
 * Operators whose output shapes follow from their input shapes plus the values of the listed
 * inputs (which must be known for the inference to run).
 */
export const SHAPE_RULES: Readonly<Record<string, readonly number[]>> = {
  // elementwise and activations
  Add: [], Sub: [], Mul: [], Div: [], Pow: [], Mod: [], Min: [], Max: [], Sum: [], Mean: [],
  Equal: [], Less: [], LessOrEqual: [], Greater: [], GreaterOrEqual: [], And: [], Or: [], Xor: [],
  Not: [], Where: [], Clip: [], PRelu: [],
  Relu: [], Tanh: [], Sigmoid: [], Sqrt: [], Log: [], Exp: [], Neg: [], Abs: [], Sign: [],
  Reciprocal: [], Floor: [], Ceil: [], Round: [], Erf: [], Softplus: [], Softsign: [], Sin: [],
  Cos: [], LeakyRelu: [], Elu: [], Celu: [], Selu: [], HardSigmoid: [], HardSwish: [],
  ThresholdedRelu: [], Cast: [], Identity: [], Dropout: [],
  Tan: [], Asin: [], Acos: [], Atan: [], Sinh: [], Cosh: [], Asinh: [], Acosh: [], Atanh: [], Mish: [], Gelu: [],
  Shrink: [], IsNaN: [], IsInf: [],
  // layout: the listed inputs are axes / shapes / pads / starts...
  Transpose: [], Concat: [], Gather: [], Flatten: [], Squeeze: [1], Unsqueeze: [1],
  Reshape: [1], Expand: [1], Tile: [1], Slice: [1, 2, 3, 4], Pad: [1, 2, 3], Split: [1],
  ConstantOfShape: [0], DepthToSpace: [], SpaceToDepth: [],
  GatherElements: [], GatherND: [], ScatterElements: [], Scatter: [], ScatterND: [], OneHot: [1], Trilu: [],
  Compress: [1], EyeLike: [], ReverseSequence: [], CastLike: [],
  // signal: the window size, DFT's length and axis, STFT's step and frame length, the mel matrix's inputs
  // scales / sizes (Resize 11 on: roi as input 1 too, though it moves no dim)
  Resize: [1, 2, 3], Upsample: [1],
  HannWindow: [0], HammingWindow: [0], BlackmanWindow: [0], DFT: [1, 2], STFT: [1, 3], MelWeightMatrix: [0, 1, 2, 3, 4],
  // reductions (axes input from opsets 13 / 18)
  ReduceMean: [1], ReduceSum: [1], ReduceMax: [1], ReduceMin: [1], ReduceProd: [1], ReduceL1: [1],
  ReduceL2: [1], ReduceSumSquare: [1], ReduceLogSumExp: [1], ArgMax: [], ArgMin: [], CumSum: [],
  TopK: [1], Softmax: [], LogSoftmax: [], Hardmax: [], Einsum: [],
  // networks
  MatMul: [], Gemm: [], Conv: [], ConvTranspose: [], MaxPool: [], AveragePool: [],
  GlobalAveragePool: [], GlobalMaxPool: [], LpPool: [], BatchNormalization: [], LayerNormalization: [],
  InstanceNormalization: [], LRN: [], MeanVarianceNormalization: [], GroupNormalization: [], LpNormalization: [], LSTM: [], GRU: [], RNN: [],
};

/**
 * Operators whose output is input 0's data under another shape. Once that shape is inferred, the
 * specialised plan runs them as a relabelling of the data, without the kernel's checks.
 */
const VIEW_OPS = new Set(['Identity', 'Squeeze', 'Unsqueeze', 'Reshape', 'Flatten']);

function viewKernel(shape: readonly number[]): NodeStep['kernel'] {
  const kernel: NodeStep['kernel'] = (ins) => {
    const x = ins[0]!;
    return [{ dtype: x.dtype, data: x.data, shape: shape.slice() }];
  };
  kernel.prepare = ([x]) => (x === undefined || numelOf(x.shape) !== numelOf(shape) ? undefined : { outputs: [{ dtype: x.dtype, shape }], aliases: [0], run() {} });
  return kernel;
}

/** Operators that, when their output is their input tensor itself, are dropped from the plan. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Slice']);

/** Operators whose output value depends only on the shape of input 0. */
const SHAPE_VALUED = new Set(['Shape', 'Size']);

/** Placeholders larger than this are not made: the value's shape stays unknown. */
const MAX_PLACEHOLDER_ELEMENTS = 1 << 20;

interface Known {
  value?: OTensor;
  dtype?: ODType;
  shape?: readonly number[];
}

export interface SpecializedPlan {
  block: Block;
  /** Slot values a run starts from: the load-time constants plus what folded here. */
  constants: (OTensor | undefined)[];
  /** Dtype and shape of every slot whose type these input shapes determine. */
  types: (ValueType | undefined)[];
}

/**
 * Specialises `block` (planned with `constants`) to inputs of the given dtypes and shapes,
 * filling `inputSlots`.
 */
export function specialize(
  block: Block,
  constants: readonly (OTensor | undefined)[],
  inputs: readonly { slot: number; dtype: ODType; shape: readonly number[] }[],
): SpecializedPlan {
  return new Specializer(constants, inputs).run(block);
}

class Specializer {
  private readonly known: (Known | undefined)[] = [];
  /**
   * Slots read from another slot instead: outputs of an If replaced by its branch, and outputs of
   * nodes that hand back their input (PASS_THROUGH).
   */
  private readonly alias = new Map<number, number>();
  readonly constants: (OTensor | undefined)[];

  constructor(constants: readonly (OTensor | undefined)[], inputs: readonly { slot: number; dtype: ODType; shape: readonly number[] }[]) {
    this.constants = constants.slice();
    constants.forEach((c, s) => {
      if (c !== undefined) this.known[s] = { value: c, dtype: c.dtype, shape: c.shape };
    });
    for (const i of inputs) this.known[i.slot] = { dtype: i.dtype, shape: i.shape };
  }

  run(block: Block): SpecializedPlan {
    const specialized = this.block(block);
    const types = this.known.map((k) => (k?.dtype !== undefined && k.shape !== undefined ? { dtype: k.dtype, shape: k.shape } : undefined));
    return { block: specialized, constants: this.constants, types };
  }

  /** `block` specialised as a block of its own. */
  private block(block: Block): Block {
    const steps: Step[] = [];
    return finishBlock(steps, this.stepsOf(block, steps));
  }

  private slot(s: number): number {
    return s < 0 ? s : (this.alias.get(s) ?? s);
  }

  /** Specialises `block`'s steps into `steps` (an enclosing block's, for an inlined branch); its output slots. */
  private stepsOf(block: Block, steps: Step[]): number[] {
    for (const step of block.steps) {
      if (step.kind === 'kernel') this.kernelStep(step, steps);
      else this.ifStep(step, steps);
    }
    return Array.from(block.outputs, (s) => this.slot(s));
  }

  private setValue(slot: number, v: OTensor): void {
    this.known[slot] = { value: v, dtype: v.dtype, shape: v.shape };
    this.constants[slot] = v;
  }

  private kernelStep(step: NodeStep, steps: Step[]): void {
    const inputs = Array.from(step.inputs, (s) => this.slot(s));
    const known = inputs.map((s) => (s < 0 ? undefined : this.known[s]));
    const op = step.ctx.node.opType;
    const recurrent = op === 'LSTM' || op === 'GRU' || op === 'RNN';
    const allValues = inputs.every((s, i) => s < 0 || known[i]?.value !== undefined);
    if (!recurrent && (allValues || (SHAPE_VALUED.has(op) && known[0]?.shape !== undefined))) {
      // Shape and Size read only the shape: their input needs no data.
      const args = known.map((k) => (k === undefined ? undefined : (k.value ?? { dtype: k.dtype!, shape: k.shape!.slice(), data: allocData(k.dtype!, 0) })));
      const outs = tryKernel(step, args);
      if (outs !== undefined) {
        step.outputs.forEach((o, i) => {
          if (o >= 0) this.setValue(o, outs[i]!);
        });
        return;
      }
    }
    const infer = step.kernel.inferShapes;
    if (infer !== undefined && inputs.every((s, i) => s < 0 || known[i]?.shape !== undefined)) {
      // The kernel tells its output shapes without running (Conv, the recurrent operators).
      let types: ReturnType<typeof infer> | undefined;
      try {
        types = infer(known.map((k) => (k === undefined ? undefined : { dtype: k.dtype!, shape: k.shape! })));
      } catch {
        types = undefined;
      }
      types?.forEach((t, i) => {
        const o = step.outputs[i];
        if (t !== undefined && o !== undefined && o >= 0) this.known[o] = { dtype: t.dtype, shape: t.shape.slice() };
      });
      steps.push({ ...step, inputs: Int32Array.from(inputs), args: new Array(inputs.length).fill(undefined) });
      return;
    }
    const rule = SHAPE_RULES[op];
    if (rule !== undefined && inputs.every((s, i) => s < 0 || (known[i]?.shape !== undefined && (known[i]!.value !== undefined || !rule.includes(i))))) {
      const args = known.map((k) => (k === undefined ? undefined : (k.value ?? placeholder(k))));
      if (args.every((a) => a !== null)) {
        const outs = tryKernel(step, args as (OTensor | undefined)[]);
        if (outs !== undefined) {
          step.outputs.forEach((o, i) => {
            if (o >= 0) this.known[o] = { dtype: outs[i]!.dtype, shape: outs[i]!.shape };
          });
          // Identity, a Cast to the type it already has and a Slice of everything hand back their
          // input (the same for every call of this plan): later steps read the input's slot.
          if (PASS_THROUGH.has(op) && step.outputs.length === 1 && step.outputs[0] >= 0 && outs[0] === args[0]) {
            this.alias.set(step.outputs[0], inputs[0]);
            return;
          }
        }
      }
    }
    const viewShape = VIEW_OPS.has(op) && step.outputs[0] >= 0 ? this.known[step.outputs[0]]?.shape : undefined;
    const kernel = viewShape === undefined ? step.kernel : viewKernel(viewShape);
    steps.push({ ...step, kernel, inputs: Int32Array.from(inputs), args: new Array(inputs.length).fill(undefined) });
  }

  private ifStep(step: IfStep, steps: Step[]): void {
    const cond = this.slot(step.cond);
    const value = this.known[cond]?.value;
    if (value !== undefined) {
      const taken = ifCondition(step.ctx, value) ? step.thenBranch : step.elseBranch;
      const outputs = this.stepsOf(taken, steps);
      step.outputs.forEach((o, i) => {
        if (o >= 0) this.alias.set(o, outputs[i]);
      });
      return;
    }
    const thenBranch = this.block(step.thenBranch);
    const elseBranch = this.block(step.elseBranch);
    step.outputs.forEach((o, i) => {
      const a = this.known[thenBranch.outputs[i]];
      const b = this.known[elseBranch.outputs[i]];
      if (o >= 0 && a?.shape && b?.shape && a.dtype === b.dtype && sameShape(a.shape, b.shape)) this.known[o] = { dtype: a.dtype, shape: a.shape };
    });
    steps.push({ ...step, cond, thenBranch, elseBranch });
  }
}


/** Zeros of a known dtype and shape; null when unknown or too large to make. */
function placeholder(k: Known): OTensor | null {
  if (k.dtype === undefined || k.shape === undefined) return null;
  const n = numelOf(k.shape);
  if (!(n <= MAX_PLACEHOLDER_ELEMENTS)) return null;
  return { dtype: k.dtype, shape: k.shape.slice(), data: allocData(k.dtype, n) };
}

/** The kernel's outputs, or undefined when it fails on these inputs (left to fail at run). */
function tryKernel(step: NodeStep, args: (OTensor | undefined)[]): OTensor[] | undefined {
  let outs: (OTensor | undefined)[];
  try {
    outs = step.kernel(args);
  } catch {
    return undefined;
  }
  for (let i = 0; i < step.outputs.length; i++) if (step.outputs[i] >= 0 && outs[i] === undefined) return undefined;
  return outs as OTensor[];
}
