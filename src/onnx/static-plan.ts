/**
 * Static plans: a specialised plan (specialize.ts) in which every value has a known dtype and
 * shape, set up so that a run allocates nothing.
 *
 * - Every node is prepared once for its input types (`NodeFn.prepare`): it checks and resolves
 *   what depends on the shapes then, and later writes straight into buffers the plan owns.
 * - The buffers are assigned by lifetime: a value's buffer goes back to a pool after the step
 *   that reads it last (the plan's release lists), and a later value of a size that fits takes
 *   it. Views (Reshape, Squeeze...) share their input's buffer. The two branches of an If share
 *   the pool too, since only one of them runs.
 * - The buffers are regions of one block: in the plan arena's wasm memory once the runtime is
 *   loaded (bindings/plan-arena.ts: there the elementwise and copying operators run as wasm
 *   loops on them), else one ArrayBuffer. `buffers.refresh()` before each run makes the views
 *   again if the arena grew since (another plan was compiled).
 * - A node whose kernel has no `prepare` runs its kernel with alloc() handing it the plan's buffers
 *   (values.ts, runWithTargets): correct, but it allocates its own small objects (shapes, arrays).
 *
 * A node whose input or output types the specialiser could not tell stays as it is (its outputs
 * come from the run's arena).
 */
import { loadedRuntime, type WasmRuntime } from '../../bindings/wasm.js';
import { arenaViews, planArena } from '../../bindings/plan-arena.js';
import { WasmBlocks } from '../../bindings/ownership.js';
import type { PreparedNode, ValueType } from './node.js';
import { finishBlock, type Block, type NodeStep, type Step } from './plan.js';
import type { SpecializedPlan } from './specialize.js';
import { DTYPES, numelOf, sameShape, runWithTargets, type OTensor } from './values.js';

export interface StaticPlan {
  block: Block;
  /** The block the values live in: refresh() before each run, dispose() with the model. */
  buffers: PlanBuffers;
  /** Bytes of the value buffers (after sharing by lifetime). */
  bufferBytes: number;
  /** Bytes the same values would take each in a buffer of its own. */
  valueBytes: number;
  /** Nodes that run prepared, writing into the plan's buffers and allocating nothing. */
  prepared: number;
  /**
   * Nodes not prepared (no `prepare`, or it declined these inputs, e.g. index inputs that are not
   * constants): their kernel runs into the plan's buffers but allocates its own small objects.
   */
  unprepared: string[];
  /**
   * Nodes left as in a dynamic plan, their outputs from the run's arena: some input or output type
   * is unknown (typically inside an If branch that these input shapes do not determine).
   */
  dynamic: string[];
}

/** The static form of `plan`. */
export function compileStatic(plan: SpecializedPlan): StaticPlan {
  const compiler = new StaticCompiler(plan);
  const block = compiler.block(plan.block);
  const buffers = new PlanBuffers(compiler.pool.bytes, compiler.bindings);
  return { block, buffers, bufferBytes: compiler.pool.bytes, valueBytes: compiler.valueBytes, prepared: compiler.preparedCount, unprepared: compiler.unprepared, dynamic: compiler.dynamic };
}

/** A buffer one or more values live in (a value and its views). */
interface Storage {
  region: Region;
  /** Live values using it. */
  refs: number;
}

/** Where a buffer is in the plan's block: byte offset and size (16-byte multiples, so any element type's view fits). */
interface Region {
  offset: number;
  bytes: number;
}

/** Regions free for reuse, best fit first; new ones at the end of the block. */
class Pool {
  private readonly free: Region[] = [];
  bytes = 0;

  take(bytes: number): Region {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].bytes >= bytes && (best < 0 || this.free[i].bytes < this.free[best].bytes)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0];
    const region = { offset: this.bytes, bytes: Math.ceil(bytes / 16) * 16 };
    this.bytes += region.bytes;
    return region;
  }

  give(region: Region): void {
    this.free.push(region);
  }
}

/** A plan output whose data is a view of the block: made when the block is bound. */
interface Binding {
  tensor: OTensor;
  offset: number;
  length: number;
}

/**
 * The block a static plan's values live in (see the module comment): in the plan arena when the
 * wasm runtime is loaded and the block fits there, else an ArrayBuffer of its own.
 */
export class PlanBuffers {
  private readonly arena: WasmRuntime | undefined;
  private readonly blocks: WasmBlocks | undefined;
  private readonly base: number;
  private bound: ArrayBuffer | undefined;

  constructor(
    bytes: number,
    private readonly bindings: readonly Binding[],
  ) {
    const rt = loadedRuntime();
    let arena = rt && planArena(rt);
    let blocks: WasmBlocks | undefined;
    let base = 0;
    if (arena) {
      try {
        blocks = new WasmBlocks(arena, this);
        base = blocks.alloc(Math.max(16, bytes), 'static plan buffers');
      } catch {
        arena = blocks = undefined; // past the arena's limit: an ArrayBuffer
      }
    }
    this.arena = arena;
    this.blocks = blocks;
    this.base = base;
    this.bind(arena ? arenaViews(arena) : new ArrayBuffer(bytes));
  }

  /** Whether the values live in the plan arena's wasm memory. */
  get inWasm(): boolean {
    return this.arena !== undefined;
  }

  /** Makes the views again if the arena's memory grew since they were made (call before each run). */
  refresh(): void {
    if (this.arena && this.arena.memory.buffer !== this.bound) this.bind(arenaViews(this.arena));
  }

  private bind(buffer: ArrayBuffer): void {
    for (const b of this.bindings) b.tensor.data = view(b.tensor.dtype, buffer, this.base + b.offset, b.length);
    this.bound = buffer;
  }

  /** Frees the block in the arena (the plan does not run again). */
  dispose(): void {
    this.blocks?.dispose();
  }
}

const EMPTY = new ArrayBuffer(0);

/** Largest total of a static plan's value buffers; values past it are left to the run's arena. */
const MAX_STATIC_BYTES = 64 * 1024 * 1024;

class StaticCompiler {
  readonly pool = new Pool();
  /** The outputs whose data is a region of the block, bound once the block exists. */
  readonly bindings: Binding[] = [];
  readonly unprepared: string[] = [];
  readonly dynamic: string[] = [];
  valueBytes = 0;
  preparedCount = 0;
  /** The storages each live value keeps alive (an If's output: both branches' candidates). */
  private readonly live = new Map<number, Storage[]>();
  private readonly types: (ValueType | undefined)[];
  private readonly constants: readonly (OTensor | undefined)[];

  constructor(plan: SpecializedPlan) {
    this.types = plan.types;
    this.constants = plan.constants;
  }

  block(block: Block): Block {
    const steps: Step[] = block.steps.map((step) => (step.kind === 'kernel' ? this.kernelStep(step) : this.ifStep(step)));
    return finishBlock(steps, Array.from(block.outputs));
  }

  private typeOf(slot: number): ValueType | undefined {
    if (slot < 0) return undefined;
    return this.constants[slot] ?? this.types[slot];
  }

  private kernelStep(step: NodeStep): NodeStep {
    const prepared = this.prepare(step);
    if (prepared === undefined) {
      for (const s of step.release) this.release(s);
      if (step.ctx.node.opType === 'Identity') {
        // of any type: hands its input on (reusing its result array, so it allocates nothing)
        const result: (OTensor | undefined)[] = [undefined];
        return { ...step, kernel: (ins) => ((result[0] = ins[0]), result) };
      }
      // Left as it is: its outputs come from the run's arena.
      this.dynamic.push(step.ctx.label);
      return step;
    }
    const aliases = prepared.aliases;
    const outs: OTensor[] = [];
    const dropped: Region[] = [];
    step.outputs.forEach((slot, i) => {
      const t = prepared!.outputs[i];
      const alias = aliases?.[i] ?? -1;
      if (alias >= 0) {
        // A view: the data is set from the input at every run (it may be a caller's input).
        const from = step.inputs[alias];
        outs.push({ dtype: t.dtype, shape: t.shape.slice(), data: view(t.dtype, EMPTY, 0, 0) });
        if (slot >= 0) this.retain(slot, this.live.get(from) ?? []);
        return;
      }
      const n = numelOf(t.shape);
      const bytes = Math.max(8, n * DTYPES[t.dtype].array.BYTES_PER_ELEMENT);
      this.valueBytes += bytes;
      const region = this.pool.take(bytes);
      const tensor: OTensor = { dtype: t.dtype, shape: t.shape.slice(), data: view(t.dtype, EMPTY, 0, 0) };
      this.bindings.push({ tensor, offset: region.offset, length: n });
      outs.push(tensor);
      // An output the graph drops (slot -1) or nobody reads still needs its buffer while the step
      // writes it: it goes back after the step.
      if (slot < 0) dropped.push(region);
      else this.retain(slot, [{ region, refs: 0 }]);
    });
    for (const r of dropped) this.pool.give(r);
    for (const s of step.release) this.release(s);
    const run = prepared.run;
    const kernel: NodeStep['kernel'] = (ins) => {
      if (aliases !== undefined) {
        for (let i = 0; i < aliases.length; i++) if (aliases[i] >= 0) outs[i].data = ins[aliases[i]]!.data;
      }
      run(ins, outs);
      return outs;
    };
    return { ...step, kernel, args: new Array(step.inputs.length).fill(undefined) };
  }

  /** The node prepared for its input types (or redirected, see redirectedNode); undefined when a type is unknown. */
  private prepare(step: NodeStep): PreparedNode | undefined {
    // buffers hold tensors: a node that takes or makes sequences or optionals stays dynamic
    const { inputKinds, outputKinds } = step.ctx;
    if (inputKinds.some((k) => k !== 'tensor') || outputKinds?.some((k) => k !== 'tensor')) return undefined;
    const inputTypes = Array.from(step.inputs, (s) => this.typeOf(s));
    const outputTypes = Array.from(step.outputs, (s) => (s < 0 ? undefined : this.typeOf(s)));
    if (inputTypes.some((t, i) => t === undefined && step.inputs[i] >= 0) || outputTypes.some((t, i) => t === undefined && step.outputs[i] >= 0)) return undefined;
    // Values past the budget stay dynamic: the run's own checks then report them (OUT_OF_MEMORY).
    let bytes = 0;
    for (const t of outputTypes) if (t !== undefined) bytes += numelOf(t.shape) * DTYPES[t.dtype].array.BYTES_PER_ELEMENT;
    if (!(this.pool.bytes + bytes <= MAX_STATIC_BYTES)) return undefined;
    const prepared = step.kernel.prepare?.(inputTypes);
    const agrees = prepared !== undefined && prepared.outputs.length === outputTypes.length && outputTypes.every((t, i) => {
      const p = prepared.outputs[i];
      return t === undefined || (p !== undefined && p.dtype === t.dtype && sameShape(p.shape, t.shape));
    });
    if (agrees) {
      this.preparedCount++;
      return prepared;
    }
    this.unprepared.push(step.ctx.label);
    return redirectedNode(step, outputTypes);
  }

  private ifStep(step: Extract<Step, { kind: 'if' }>): Step {
    const thenBranch = this.block(step.thenBranch);
    const elseBranch = this.block(step.elseBranch);
    step.outputs.forEach((o, i) => {
      if (o < 0) return;
      this.retain(o, [...(this.live.get(thenBranch.outputs[i]) ?? []), ...(this.live.get(elseBranch.outputs[i]) ?? [])]);
    });
    for (const b of [thenBranch, elseBranch]) for (const s of b.localOutputs) this.release(s);
    for (const s of step.release) this.release(s);
    return { ...step, thenBranch, elseBranch };
  }

  private retain(slot: number, storages: Storage[]): void {
    if (slot < 0) return;
    for (const s of storages) s.refs++;
    this.live.set(slot, storages);
  }

  private release(slot: number): void {
    const storages = this.live.get(slot);
    if (storages === undefined) return;
    this.live.delete(slot);
    for (const s of storages) if (--s.refs === 0) this.pool.give(s.region);
  }
}

function view(dtype: OTensor['dtype'], buffer: ArrayBuffer, offset: number, n: number): OTensor['data'] {
  return new DTYPES[dtype].array(buffer, offset, n);
}

/**
 * A node without `prepare`: its kernel runs as in a dynamic plan; a single output is allocated in
 * the plan's buffer (runWithTargets), anything else the kernel returns is copied in.
 */
function redirectedNode(step: NodeStep, outputTypes: (ValueType | undefined)[]): PreparedNode {
  // an output the graph drops gets an empty buffer and is not copied
  const outputs = outputTypes.map((t) => t ?? { dtype: 'float32' as const, shape: [0] });
  const kernel = step.kernel;
  const ctx = step.ctx;
  return {
    outputs,
    run(ins, outs) {
      // One output: its buffer is the kernel's first alloc() of that size. With several, which
      // alloc() makes which output is the kernel's business: they are copied.
      const args = ins as (OTensor | undefined)[];
      const results = outs.length === 1 ? runWithTargets(outs, kernel, args) : kernel(args);
      for (let i = 0; i < outs.length; i++) {
        const r = results[i];
        const o = outs[i];
        if (r === o || outputTypes[i] === undefined) continue;
        if (r === undefined) throw ctx.error('UNSUPPORTED', `output ${i} ('${ctx.node.outputs[i]}') is not produced`);
        if (r.dtype !== o.dtype || !sameShape(r.shape, o.shape)) {
          throw ctx.error('SHAPE_MISMATCH', `output ${i} is ${r.dtype} [${r.shape.join(', ')}] but the plan inferred ${o.dtype} [${o.shape.join(', ')}]`);
        }
        (o.data as Float32Array).set(r.data as Float32Array);
      }
    },
  };
}
