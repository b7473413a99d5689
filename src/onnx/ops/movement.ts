/**
 * Prepared data movement: for operators whose outputs are elements of their data inputs moved
 * about (Slice, Gather, Concat, Transpose, Pad in reflect / edge mode, Expand, Tile, Split,
 * DepthToSpace...), a static plan (static-plan.ts) learns where every output element comes from
 * once, and a run copies runs of consecutive elements, allocating nothing.
 *
 * Where the elements go is found by running the operator's own kernel once on placeholders whose
 * elements are their own positions (input k's element i holds base_k + i, exact in float32 below
 * 2^24): each output element then says which input element it is. That is sound only when the
 * positions depend on nothing but the shapes and the other (index-like) inputs, which must be
 * constants of the plan, and the element type: the operators listed in MOVEMENT_OPS.
 */
import type { NodeFn, PreparedNode, ValueType } from '../node.js';
import type { OpFactory } from './util.js';
import { numelOf, type OData, type OTensor } from '../values.js';
import { arenaCopy } from '../../../bindings/plan-arena.js';

/**
 * Largest element count the position placeholders are made for: the dry run and the copy runs
 * cost time and memory in proportion (and float32 holds integers exactly only below 2^24).
 */
const MAX_POSITIONS = 1 << 20;

/**
 * Operators that only move elements, with the inputs that carry the elements (null: all of them);
 * the others, such as Slice's starts or Gather's indices, must be constants of the plan. Pad only
 * in its reflect, edge and wrap modes: a constant-mode pad writes a value of its own.
 */
export const MOVEMENT_OPS: Readonly<Record<string, readonly number[] | null>> = {
  Slice: [0], Gather: [0], Concat: null, Transpose: [0], Pad: [0], Expand: [0], Tile: [0], Split: [0],
  DepthToSpace: [0], SpaceToDepth: [0],
};

/**
 * The movement operators' factories with `prepare` added to their kernels; `copier` says how a
 * prepared node copies (copyByRuns unless given: see copyByRunsOrIndex).
 */
export function withMovementPrepares(factories: Record<string, OpFactory>, copier: MovementCopier = copyByRuns): Record<string, OpFactory> {
  const out = { ...factories };
  for (const [op, dataInputs] of Object.entries(MOVEMENT_OPS)) {
    const factory = factories[op];
    if (factory === undefined) continue;
    out[op] = (ctx) => {
      const kernel = factory(ctx);
      if (op === 'Pad' && ctx.string('mode', 'constant') === 'constant') return kernel;
      return withMovementPrepare(kernel, dataInputs ?? undefined, copier);
    };
  }
  return out;
}

/** Copy runs of one output: [input, from, to, length] per run. */
type Runs = Int32Array;

/** How a prepared node fills one output from its inputs, given the output's copy runs. */
export type MovementCopier = (runs: Runs) => (ins: readonly (OTensor | undefined)[], dst: OData) => void;

/** Run by run: a run of MEMMOVE_RUN or more elements in the plan arena is one memmove. */
export const copyByRuns: MovementCopier = (runs) => (ins, dst) => copyRuns(runs, ins, dst);

/**
 * Run by run, or, where the runs are short (a Transpose moving single elements, a Gather of
 * scalars) and all from one input, element by element through an index of where each comes from:
 * a loop over the index costs a fraction of a run's bookkeeping per element. Not in SileroVad's
 * operator set (its movements are few and small, and a VAD page ships as little as it can).
 */
export const copyByRunsOrIndex: MovementCopier = (runs) => {
  const count = runs.length / 4;
  let elements = 0;
  for (let r = 0; r < runs.length; r += 4) {
    if (runs[r] !== runs[0]) return copyByRuns(runs);
    elements += runs[r + 3];
  }
  if (count === 0 || elements >= SHORT_RUNS * count) return copyByRuns(runs);
  const input = runs[0];
  const index = new Int32Array(elements);
  for (let r = 0; r < runs.length; r += 4) for (let k = 0; k < runs[r + 3]; k++) index[runs[r + 2] + k] = runs[r + 1] + k;
  return (ins, dst) => {
    const src = ins[input]!.data;
    if (dst instanceof Float32Array) {
      const s = src as Float32Array;
      for (let o = 0; o < index.length; o++) dst[o] = s[index[o]];
    } else {
      // integer and bool tensors, int64 included, as copyRuns copies them
      const s = src as Int32Array;
      const d = dst as Int32Array;
      for (let o = 0; o < index.length; o++) d[o] = s[index[o]];
    }
  };
};

/** Runs shorter than this on average are copied through an index (copyByRunsOrIndex). */
const SHORT_RUNS = 4;

/**
 * Adds `prepare` to a movement operator's kernel (dataInputs: the inputs that carry elements;
 * undefined = all of them).
 */
export function withMovementPrepare(kernel: NodeFn, dataInputs: readonly number[] | undefined, copier: MovementCopier = copyByRuns): NodeFn {
  kernel.prepare = (types) => {
    const isData = (i: number) => (dataInputs === undefined ? true : dataInputs.includes(i));
    let base = 0;
    const bases: number[] = [];
    const placeholders: (OTensor | undefined)[] = [];
    for (let i = 0; i < types.length; i++) {
      const t = types[i];
      if (t === undefined) {
        placeholders.push(undefined);
        continue;
      }
      if (!isData(i)) {
        // an index-like input: only a constant of the plan (a ValueType that carries its data) will do
        const data = (t as Partial<OTensor>).data;
        if (data === undefined) return undefined;
        placeholders.push(t as OTensor);
        continue;
      }
      const n = numelOf(t.shape);
      if (!(base + n < MAX_POSITIONS)) return undefined;
      bases[i] = base;
      const positions = new Float32Array(n);
      for (let k = 0; k < n; k++) positions[k] = base + k + 1; // 0 stays free to mean "not an input element"
      base += n;
      placeholders.push({ dtype: 'float32', data: positions, shape: t.shape.slice() });
    }
    if (base >= MAX_POSITIONS) return undefined;
    const dtype = types.find((t, i) => t !== undefined && isData(i))?.dtype;
    if (dtype === undefined) return undefined;
    let results: (OTensor | undefined)[];
    try {
      results = kernel(placeholders);
    } catch {
      return undefined;
    }
    const outputs: ValueType[] = [];
    const copies: ReturnType<MovementCopier>[] = [];
    for (const r of results) {
      if (r === undefined || r.dtype !== 'float32' || r.data.length > MAX_POSITIONS) return undefined;
      const found = runsOf(r.data as Float32Array, bases, placeholders);
      if (found === undefined) return undefined;
      outputs.push({ dtype, shape: r.shape.slice() });
      copies.push(copier(found));
    }
    return {
      outputs,
      run(ins, outs) {
        for (let o = 0; o < outs.length; o++) copies[o](ins, outs[o].data);
      },
    } satisfies PreparedNode;
  };
  return kernel;
}

/** The copy runs that make `out` from the placeholders; undefined if an element is not an input's. */
function runsOf(out: Float32Array, bases: number[], placeholders: (OTensor | undefined)[]): Runs | undefined {
  const list: number[] = [];
  let prevInput = -1;
  let prevFrom = -2;
  for (let o = 0; o < out.length; o++) {
    const v = out[o] - 1;
    if (!(v >= 0) || !Number.isInteger(v)) return undefined;
    let input = -1;
    for (let i = 0; i < bases.length; i++) {
      const b = bases[i];
      if (b !== undefined && v >= b && v < b + placeholders[i]!.data.length) {
        input = i;
        break;
      }
    }
    if (input < 0) return undefined;
    const from = v - bases[input];
    if (input === prevInput && from === prevFrom + 1) list[list.length - 1]++;
    else list.push(input, from, o, 1);
    prevInput = input;
    prevFrom = from;
  }
  return Int32Array.from(list);
}

/** Runs at least this long are one memmove when source and destination are in the plan arena. */
const MEMMOVE_RUN = 16;

function copyRuns(runs: Runs, ins: readonly (OTensor | undefined)[], dst: OData): void {
  for (let r = 0; r < runs.length; r += 4) {
    const src = ins[runs[r]]!.data;
    const from = runs[r + 1];
    const to = runs[r + 2];
    const len = runs[r + 3];
    if (dst instanceof Float32Array) {
      const s = src as Float32Array;
      if (len >= MEMMOVE_RUN && arenaCopy(s, from, dst, to, len)) continue;
      for (let k = 0; k < len; k++) dst[to + k] = s[from + k];
    } else {
      // integer and bool tensors (shapes, indices: short), int64 included: source and destination
      // are arrays of one kind
      const s = src as Int32Array;
      const d = dst as Int32Array;
      for (let k = 0; k < len; k++) d[to + k] = s[from + k];
    }
  }
}
