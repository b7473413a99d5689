/**
 * Function bodies: a graph attribute of a Loop or Scan node planned once, at load, with slots of
 * its own, and called once per iteration (ops/loop-scan.ts). Names the body does not define
 * resolve in the enclosing graphs as of its node (captures): a value known at load is copied in as
 * a constant of the body, so what the body computes from it folds at load; a value known only at
 * run becomes an extra input of the node (NodeContext.captured), handed to the body on each call.
 *
 * Apart from plan.ts so that an operator set without Loop and Scan (Silero VAD's) leaves it out.
 */
import type { SymValue } from './infer.js';
import type { NodeContext, ValueKind } from './node.js';
import { captureScope, runBlock, type Block } from './plan.js';
import type { GraphMsg } from './proto.js';
import type { OTensor } from './values.js';

/** What is known of a body's inputs in every call, from what is known of its node's inputs. */
export type BodyInputTypes = (nodeInputs: readonly (SymValue | undefined)[]) => (SymValue | undefined)[];

/**
 * Plans `ctx`'s graph attribute `attribute` as a function body (from its node's factory, while the
 * planner plans the node). `inputTypes` feeds shape inference inside the body: it must hold for
 * every call, not only the first. `inputKinds` says which body inputs are sequences or optionals
 * (tensors where it says nothing).
 */
export function planBody(ctx: NodeContext, attribute: string, inputTypes?: BodyInputTypes, inputKinds: readonly ValueKind[] = []): BodyPlan {
  const site = ctx.site;
  if (site === undefined) throw ctx.error('UNSUPPORTED', `attribute '${attribute}': a body is planned only while its node is`);
  const sub = ctx.subgraph(attribute);
  if (sub === undefined) throw ctx.error('INVALID_FORMAT', `attribute '${attribute}' is required`);
  const graph = sub.graph();
  const outer = site.planner;
  const outerInference = outer.inference;
  const inference = outerInference?.body();
  const planner = outer.bodyPlanner(inference);
  const captureSlots: number[] = [];
  const firstCapture = ctx.captured.length;
  const scope = captureScope((name) => {
    const from = site.scope.lookup(name);
    if (from === undefined) return undefined;
    const value = outer.constants[from];
    const slot = planner.newSlot(value);
    const kind = outer.kinds.get(from);
    if (kind !== undefined) planner.kinds.set(slot, kind);
    if (value === undefined) {
      ctx.captured.push(from);
      captureSlots.push(slot);
      inference?.assign([slot], [outerInference!.typeOf(from, outer.constants)]);
    }
    return slot;
  });
  const inputSlots = graph.inputs.map((vi, i) => {
    if (!vi.name) throw ctx.error('INVALID_FORMAT', `attribute '${attribute}': a body input has no name`);
    if (scope.definedHere(vi.name)) throw ctx.error('INVALID_FORMAT', `attribute '${attribute}': body input '${vi.name}' is declared twice`);
    const slot = planner.newSlot();
    if (inputKinds[i] !== undefined && inputKinds[i] !== 'tensor') planner.kinds.set(slot, inputKinds[i]);
    scope.define(vi.name, slot);
    return slot;
  });
  if (inference && inputTypes) inference.assign(inputSlots, inputTypes(site.inputs.map((s) => outerInference!.typeOf(s, outer.constants))));
  const block = planner.planGraph(graph, scope, site.depth + 1);
  const outputTypes = inference && Array.from(block.outputs, (s) => inference.typeOf(s, planner.constants));
  const outputKinds = Array.from(block.outputs, (s) => planner.kindOf(s));
  return new BodyPlan(graph, block, planner.constants, inputSlots, captureSlots, firstCapture, outputTypes, outputKinds);
}

/** A planned body, run on slots of its own. */
export class BodyPlan {
  private readonly slots: (OTensor | undefined)[];
  private readonly outputs: OTensor[];
  /** Slots a call fills (inputs, captures, computed values): cleared by clear(). */
  private readonly runtimeSlots: Int32Array;

  constructor(
    /** The body graph (its declared inputs and outputs: names, element types, dims). */
    readonly graph: GraphMsg,
    private readonly block: Block,
    constants: readonly (OTensor | undefined)[],
    private readonly inputSlots: readonly number[],
    private readonly captureSlots: readonly number[],
    /** Index of this body's first capture among the node's captured values. */
    private readonly firstCapture: number,
    /** What shape inference at load found of the body's outputs; undefined without inference. */
    readonly outputTypes: readonly (SymValue | undefined)[] | undefined,
    /** Per output: its kind. */
    readonly outputKinds: readonly ValueKind[],
  ) {
    this.slots = constants.slice();
    this.outputs = new Array(block.outputs.length);
    this.runtimeSlots = Int32Array.from(constants.flatMap((c, s) => (c === undefined ? [s] : [])));
  }

  /**
   * Runs the body on `inputs` (one per declared input) and `captured` (the node's inputs past its
   * own); returns its outputs in an array the next call reuses (the tensors stay valid until the
   * enclosing run ends).
   */
  run(inputs: readonly OTensor[], captured: readonly (OTensor | undefined)[]): readonly OTensor[] {
    const slots = this.slots;
    for (let i = 0; i < this.inputSlots.length; i++) slots[this.inputSlots[i]] = inputs[i];
    for (let i = 0; i < this.captureSlots.length; i++) slots[this.captureSlots[i]] = captured[this.firstCapture + i];
    runBlock(this.block, slots);
    const outs = this.outputs;
    const outSlots = this.block.outputs;
    for (let i = 0; i < outSlots.length; i++) outs[i] = slots[outSlots[i]]!;
    const local = this.block.localOutputs;
    for (let i = 0; i < local.length; i++) slots[local[i]] = undefined;
    return outs;
  }

  /** Drops the values the last call left in the body's slots. */
  clear(): void {
    for (const s of this.runtimeSlots) this.slots[s] = undefined;
    this.outputs.fill(undefined as never);
  }
}
