/**
 * Loop and Scan: operators that run a sub-graph (`body`) once per iteration.
 *
 * The body is planned once, at load, as a function with slots of its own (body-plan.ts):
 * constants and what it computes from them are folded then, outer values known only at run
 * reach it as extra inputs of the node. A run calls it per iteration with the
 * loop-carried values (Loop) or state variables and scan slices (Scan), and stacks the per-iteration
 * scan outputs. A Loop may carry sequences (a list built in the loop, ops/sequence.ts); everything
 * else is a tensor (checked at load).
 *
 * Shape inference at load sees into the body: the planner infers it from input types that hold in
 * every iteration (Scan's states keep their type, checked at run as onnxruntime does; a Loop's
 * carried values keep their dtype only, their shapes may change), and `inferTypes` makes the node's
 * outputs from the body's.
 */
import { fmtShape } from '../../../base/errors.js';
import { planBody, type BodyPlan } from '../body-plan.js';
import { kindName, type NodeContext, type NodeFn, type ValueKind } from '../node.js';
import type { Dim, InferContext, SymValue } from '../infer.js';
import type { ValueInfoMsg } from '../proto.js';
import { alloc, numelOf, odtypeOf, sameShape, type ODType, type OTensor } from '../values.js';
import { normAxis, requireDtype, scalarOf, type OpFactory } from './util.js';

/**
 * Loop (opsets 1, 11, 13, 16): `for (i = 0; i < M && cond; i++) (cond, v..., scan...) = body(i, cond, v...)`.
 * A loop-carried value may be a sequence (a list built in the loop), the rest are tensors.
 */
export const loopOp: OpFactory = (ctx) => {
  ctx.allowOnly(['body']);
  const { inputs, outputs } = ctx.node;
  if (inputs.length < 2) throw ctx.error('INVALID_FORMAT', `Loop takes M, cond and the loop-carried values ('' for an absent M or cond), got ${inputs.length} inputs`);
  const carriedCount = inputs.length - 2;
  const scanCount = outputs.length - carriedCount;
  if (scanCount < 0) throw ctx.error('INVALID_FORMAT', `the node has ${carriedCount} loop-carried inputs but only ${outputs.length} outputs`);
  const hasTripCount = inputs[0] !== '';
  const hasCond = inputs[1] !== '';
  if (!hasTripCount && !hasCond) throw ctx.error('UNSUPPORTED', 'a Loop with neither a trip count M nor a condition never ends');
  inputs.forEach((name, i) => {
    if (i >= 2 && name === '') throw ctx.error('UNSUPPORTED', `loop-carried input ${i} is absent (optional values are not supported)`);
  });
  if (ctx.inputKinds[0] !== 'tensor' || ctx.inputKinds[1] !== 'tensor') throw ctx.error('INVALID_FORMAT', 'M and cond must be tensors');
  const carriedKinds = ctx.inputKinds.slice(2);
  // the iteration number, the condition (true whenever the body runs), the carried values' dtypes
  const body = planBody(ctx, 'body', (ins) => [{ dtype: 'int64', shape: [] }, { dtype: 'bool', shape: [] }, ...ins.slice(2).map((t) => ({ dtype: t?.dtype }))], ['tensor', 'tensor', ...carriedKinds]);
  checkBodyArity(ctx, body, 2 + carriedCount, 1 + carriedCount + scanCount);
  body.outputKinds.forEach((kind, i) => {
    const want = i >= 1 && i <= carriedCount ? carriedKinds[i - 1] : 'tensor';
    if (kind !== want) {
      const what = i === 0 ? 'the condition' : i <= carriedCount ? `loop-carried value ${i - 1}` : `scan output ${i - 1 - carriedCount}`;
      throw ctx.error('INVALID_FORMAT', `attribute 'body': output ${i} ('${body.graph.outputs[i].name}') is ${kindName(kind)}, but ${what} is ${kindName(want)}`);
    }
  });
  ctx.outputKinds = [...carriedKinds, ...new Array<ValueKind>(scanCount).fill('tensor')];
  const captureFrom = inputs.length;
  const kernel: NodeFn = (ins) => {
    const tripCount = hasTripCount ? scalarNumber(ctx, ins[0]!, 'M', 'int64') : Infinity;
    let cond = hasCond ? scalarNumber(ctx, ins[1]!, 'cond', 'bool') !== 0 : true;
    const captured = ins.slice(captureFrom);
    let carried = ins.slice(2, captureFrom) as OTensor[];
    const scans: OTensor[][] = Array.from({ length: scanCount }, () => []);
    const bodyInputs: OTensor[] = new Array(2 + carriedCount);
    try {
      for (let i = 0; i < tripCount && cond; i++) {
        const iteration = alloc('int64', [], `${ctx.label}: iteration_num`);
        (iteration.data as BigInt64Array)[0] = BigInt(i);
        const condIn = alloc('bool', [], `${ctx.label}: cond`);
        condIn.data[0] = 1;
        bodyInputs[0] = iteration;
        bodyInputs[1] = condIn;
        for (let k = 0; k < carriedCount; k++) bodyInputs[2 + k] = carried[k];
        const outs = body.run(bodyInputs, captured);
        // without a cond input, the body's cond output is not read (a for loop)
        if (hasCond) cond = scalarNumber(ctx, outs[0], "the body's cond output", 'bool') !== 0;
        for (let k = 0; k < carriedCount; k++) {
          const dtype = ins[2 + k]!.dtype;
          if (outs[1 + k].dtype !== dtype) throw ctx.error('DTYPE_MISMATCH', `body output '${body.graph.outputs[1 + k].name}' is ${outs[1 + k].dtype}, but loop-carried value ${k} is ${dtype}: a carried value keeps its dtype`);
        }
        carried = outs.slice(1, 1 + carriedCount);
        for (let k = 0; k < scanCount; k++) scans[k].push(outs[1 + carriedCount + k]);
      }
    } finally {
      body.clear();
    }
    return [
      ...carried.map(copyOf),
      ...scans.map((values, k) => stack(ctx, values, 0, false, body.graph.outputs[1 + carriedCount + k], elementDims(body, 1 + carriedCount + k))),
    ];
  };
  kernel.inferTypes = (n) => {
    const outs = body.outputTypes;
    if (outs === undefined) return undefined;
    // a run of at least one iteration: only when M is known and nothing else ends the loop
    const trips = hasCond ? undefined : n.ins[0]?.value?.[0];
    const length: Dim = typeof trips === 'number' ? Math.max(0, trips) : n.fresh();
    return [
      ...Array.from({ length: carriedCount }, (_, k) => {
        const initial = n.ins[2 + k];
        const last = outs[1 + k];
        // zero iterations leave the initial value, any other number the body's last
        return { dtype: initial?.dtype, shape: initial?.shape && last?.shape && sameDims(initial.shape, last.shape) ? initial.shape.slice() : undefined };
      }),
      ...Array.from({ length: scanCount }, (_, k) => stackedType(n, outs[1 + carriedCount + k], 0, length)),
    ];
  };
  return kernel;
};
loopOp.takesNonTensors = true;

/**
 * Scan (opsets 9-21): N state variables and M scan inputs; each iteration takes the next slice of
 * every scan input along its axis (from the end where its direction is 1) and the states, and
 * gives the new states and one slice of each of the K scan outputs.
 */
const scan9: OpFactory = (ctx) => {
  ctx.allowOnly(['body', 'num_scan_inputs', 'scan_input_axes', 'scan_input_directions', 'scan_output_axes', 'scan_output_directions']);
  const { inputs, outputs } = ctx.node;
  const scanInputs = numScanInputs(ctx, inputs.length);
  const stateCount = inputs.length - scanInputs;
  const scanOutputs = outputs.length - stateCount;
  if (scanOutputs < 0) throw ctx.error('INVALID_FORMAT', `the node has ${stateCount} state variables but only ${outputs.length} outputs`);
  inputs.forEach((name, i) => {
    if (name === '') throw ctx.error('UNSUPPORTED', `input ${i} is absent (optional values are not supported)`);
  });
  const inputAxes = ctx.ints('scan_input_axes') ?? new Array<number>(scanInputs).fill(0);
  const inputDirections = directions(ctx, 'scan_input_directions', scanInputs);
  const outputAxes = ctx.ints('scan_output_axes') ?? new Array<number>(scanOutputs).fill(0);
  const outputDirections = directions(ctx, 'scan_output_directions', scanOutputs);
  if (inputAxes.length !== scanInputs) throw ctx.error('INVALID_FORMAT', `attribute 'scan_input_axes' has ${inputAxes.length} values for ${scanInputs} scan inputs`);
  if (outputAxes.length !== scanOutputs) throw ctx.error('INVALID_FORMAT', `attribute 'scan_output_axes' has ${outputAxes.length} values for ${scanOutputs} scan outputs`);
  const inputAxis = (j: number, rank: number | undefined) => (rank === undefined || inputAxes[j] < -rank || inputAxes[j] >= rank ? undefined : (inputAxes[j] + rank) % rank);
  // the states keep their type; a scan input's slice is it without its scan axis
  const body = planBody(ctx, 'body', (ins) => [
    ...ins.slice(0, stateCount).map(typeOnly),
    ...ins.slice(stateCount).map((x, j) => withoutAxes(x, [inputAxis(j, x?.shape?.length)])),
  ]);
  checkBodyArity(ctx, body, inputs.length, outputs.length);
  const captureFrom = inputs.length;
  const kernel: NodeFn = (ins) => {
    const captured = ins.slice(captureFrom);
    const states = ins.slice(0, stateCount) as OTensor[];
    const xs = ins.slice(stateCount, captureFrom) as OTensor[];
    const axes = xs.map((x, j) => normAxis(ctx, inputAxes[j], x.shape.length, `scan_input_axes[${j}]`));
    const length = sequenceLength(ctx, xs, axes, stateCount);
    const collected = runScan(ctx, body, states, xs, axes, inputDirections, length, captured);
    return [
      ...collected.states.map(copyOf),
      ...collected.scans.map((values, k) => {
        const dims = elementDims(body, stateCount + k);
        const axis = normAxis(ctx, outputAxes[k], (values[0]?.shape.length ?? dims.length) + 1, `scan_output_axes[${k}]`);
        return stack(ctx, values, axis, outputDirections[k] === 1, body.graph.outputs[stateCount + k], dims);
      }),
    ];
  };
  kernel.inferTypes = (n) => {
    const outs = body.outputTypes;
    if (outs === undefined) return undefined;
    const x = n.ins[stateCount];
    const axis = inputAxis(0, x?.shape?.length);
    const length: Dim = axis === undefined ? n.fresh() : x!.shape![axis];
    return [
      ...n.ins.slice(0, stateCount).map(typeOnly),
      ...Array.from({ length: scanOutputs }, (_, k) => {
        const element = outs[stateCount + k];
        const rank = element?.shape === undefined ? undefined : element.shape.length + 1;
        const axis = rank === undefined || outputAxes[k] < -rank || outputAxes[k] >= rank ? undefined : (outputAxes[k] + rank) % rank;
        return axis === undefined ? { dtype: element?.dtype } : stackedType(n, element, axis, length);
      }),
    ];
  };
  return kernel;
};

/**
 * Scan-8: as Scan-9 with a batch: every input has a leading batch axis (scan inputs are
 * [batch, sequence, ...]), the batch entries are scanned one after the other, and an optional
 * `sequence_lens` input ends each entry's sequence early: its scan outputs are zero past its
 * length, its final states those after its last step.
 */
const scan8: OpFactory = (ctx) => {
  ctx.allowOnly(['body', 'num_scan_inputs', 'directions']);
  const { inputs, outputs } = ctx.node;
  const variadic = inputs.length - 1;
  const scanInputs = numScanInputs(ctx, variadic);
  const stateCount = variadic - scanInputs;
  const scanOutputs = outputs.length - stateCount;
  if (scanOutputs < 0) throw ctx.error('INVALID_FORMAT', `the node has ${stateCount} state variables but only ${outputs.length} outputs`);
  inputs.forEach((name, i) => {
    if (i > 0 && name === '') throw ctx.error('UNSUPPORTED', `input ${i} is absent (optional values are not supported)`);
  });
  const inputDirections = directions(ctx, 'directions', scanInputs);
  const hasLengths = inputs[0] !== '';
  // an entry's state is the state without its batch axis; a step of a scan input without both
  const body = planBody(ctx, 'body', (ins) => [
    ...ins.slice(1, 1 + stateCount).map((t) => withoutAxes(t, [0])),
    ...ins.slice(1 + stateCount).map((t) => withoutAxes(t, [0, 1])),
  ]);
  checkBodyArity(ctx, body, variadic, outputs.length);
  const captureFrom = inputs.length;
  const kernel: NodeFn = (ins) => {
    const captured = ins.slice(captureFrom);
    const states = ins.slice(1, 1 + stateCount) as OTensor[];
    const xs = ins.slice(1 + stateCount, captureFrom) as OTensor[];
    const all = [...states, ...xs];
    all.forEach((t, i) => {
      if (t.shape.length < (i < stateCount ? 1 : 2)) throw ctx.error('SHAPE_MISMATCH', `input ${1 + i} must have a batch axis${i < stateCount ? '' : ' and a sequence axis'}, got shape ${fmtShape(t.shape)}`);
    });
    const batch = all[0].shape[0];
    all.forEach((t, i) => {
      if (t.shape[0] !== batch) throw ctx.error('SHAPE_MISMATCH', `input ${1 + i} has batch size ${t.shape[0]}, input 1 has ${batch}`);
    });
    const maxLength = sequenceLength(ctx, xs, xs.map(() => 1), 1 + stateCount);
    const lengths = hasLengths ? sequenceLengths(ctx, ins[0]!, batch, maxLength) : new Array<number>(batch).fill(maxLength);
    const finals: OTensor[][] = Array.from({ length: stateCount }, () => []);
    const scans: OTensor[][] = Array.from({ length: scanOutputs }, () => []);
    for (let b = 0; b < batch; b++) {
      // the entry's sequence is its first lengths[b] steps; a reverse scan starts at the last of them
      const entry = xs.map((x) => sliceRange(sliceAt(x, 0, b), lengths[b]));
      const collected = runScan(ctx, body, states.map((s) => sliceAt(s, 0, b)), entry, entry.map(() => 0), inputDirections, lengths[b], captured);
      collected.states.forEach((s, k) => finals[k].push(s));
      collected.scans.forEach((values, k) => scans[k].push(padded(stack(ctx, values, 0, false, body.graph.outputs[stateCount + k], elementDims(body, stateCount + k)), maxLength)));
    }
    return [
      ...finals.map((values, k) => stack(ctx, values, 0, false, body.graph.outputs[k], states[k].shape.slice(1))),
      ...scans.map((values, k) => stack(ctx, values, 0, false, body.graph.outputs[stateCount + k], [maxLength, ...elementDims(body, stateCount + k)])),
    ];
  };
  kernel.inferTypes = (n) => {
    const outs = body.outputTypes;
    if (outs === undefined) return undefined;
    const x = n.ins[1 + stateCount];
    const batch: Dim = x?.shape?.[0] ?? n.fresh();
    const length: Dim = x?.shape?.[1] ?? n.fresh();
    return [
      ...n.ins.slice(1, 1 + stateCount).map(typeOnly),
      ...Array.from({ length: scanOutputs }, (_, k) => {
        // every entry runs at least one step when the batch and the length are positive
        const perEntry = stackedType(n, outs[stateCount + k], 0, length);
        return perEntry.shape === undefined ? perEntry : stackedType(n, perEntry, 0, batch);
      }),
    ];
  };
  return kernel;
};

/** Scan-8 until opset 9 changed its inputs; the later versions differ in what they allow, not in how they run. */
export const scanOp: OpFactory = (ctx) => (ctx.opset < 9 ? scan8(ctx) : scan9(ctx));

function runScan(
  ctx: NodeContext, body: BodyPlan, states: OTensor[], xs: readonly OTensor[], axes: readonly number[], reversed: readonly number[],
  length: number, captured: readonly (OTensor | undefined)[],
): { states: OTensor[]; scans: OTensor[][] } {
  const stateCount = states.length;
  const scans: OTensor[][] = Array.from({ length: body.graph.outputs.length - stateCount }, () => []);
  const bodyInputs: OTensor[] = new Array(stateCount + xs.length);
  try {
    for (let t = 0; t < length; t++) {
      for (let k = 0; k < stateCount; k++) bodyInputs[k] = states[k];
      for (let j = 0; j < xs.length; j++) bodyInputs[stateCount + j] = sliceAt(xs[j], axes[j], reversed[j] === 1 ? length - 1 - t : t);
      const outs = body.run(bodyInputs, captured);
      for (let k = 0; k < stateCount; k++) {
        if (outs[k].dtype !== states[k].dtype || !sameShape(outs[k].shape, states[k].shape)) {
          throw ctx.error('SHAPE_MISMATCH', `body output '${body.graph.outputs[k].name}' is ${outs[k].dtype} ${fmtShape(outs[k].shape)}, but state variable ${k} is ${states[k].dtype} ${fmtShape(states[k].shape)}: a state keeps its type`);
        }
      }
      states = outs.slice(0, stateCount);
      for (let k = 0; k < scans.length; k++) scans[k].push(outs[stateCount + k]);
    }
  } finally {
    body.clear();
  }
  return { states, scans };
}

function checkBodyArity(ctx: NodeContext, body: BodyPlan, inputs: number, outputs: number): void {
  const g = body.graph;
  if (g.inputs.length !== inputs) throw ctx.error('INVALID_FORMAT', `attribute 'body': the body must declare ${inputs} inputs for this node, it declares ${g.inputs.length}`);
  if (g.outputs.length !== outputs) throw ctx.error('INVALID_FORMAT', `attribute 'body': the body must declare ${outputs} outputs for this node, it declares ${g.outputs.length}`);
}

function numScanInputs(ctx: NodeContext, variadic: number): number {
  const m = ctx.int('num_scan_inputs');
  if (m === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'num_scan_inputs' is required");
  if (!(m >= 1 && m <= variadic)) throw ctx.error('INVALID_FORMAT', `attribute 'num_scan_inputs' is ${m}, but the node has ${variadic} state and scan inputs (at least one must be a scan input)`);
  return m;
}

function directions(ctx: NodeContext, name: string, count: number): number[] {
  const d = ctx.ints(name) ?? new Array<number>(count).fill(0);
  if (d.length !== count) throw ctx.error('INVALID_FORMAT', `attribute '${name}' has ${d.length} values for ${count} tensors`);
  d.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw ctx.error('INVALID_FORMAT', `attribute '${name}'[${i}] is ${v}: 0 (forward) or 1 (reverse) expected`);
  });
  return d;
}

/** The common length of the scan inputs along their axes. */
function sequenceLength(ctx: NodeContext, xs: readonly OTensor[], axes: readonly number[], firstInput: number): number {
  const length = xs[0].shape[axes[0]];
  xs.forEach((x, j) => {
    if (x.shape[axes[j]] !== length) {
      throw ctx.error('SHAPE_MISMATCH', `scan input ${firstInput + j} has ${x.shape[axes[j]]} steps along axis ${axes[j]} (shape ${fmtShape(x.shape)}), scan input ${firstInput} has ${length}`);
    }
  });
  return length;
}

function sequenceLengths(ctx: NodeContext, t: OTensor, batch: number, maxLength: number): number[] {
  if (t.dtype !== 'int64') throw ctx.error('DTYPE_MISMATCH', `sequence_lens must be int64, got ${t.dtype}`);
  if (t.data.length !== batch) throw ctx.error('SHAPE_MISMATCH', `sequence_lens has ${t.data.length} entries for a batch of ${batch}`);
  return Array.from(t.data as BigInt64Array, (v, b) => {
    const n = Number(v);
    if (!(n >= 1 && n <= maxLength)) throw ctx.error('INVALID_LENGTHS', `sequence_lens[${b}] is ${v}: 1 to ${maxLength} (the scan inputs' sequence length) expected`);
    return n;
  });
}

/** The one element of a [] or [1] tensor of `dtype`, as a number (a trip count past 2^53 is endless). */
function scalarNumber(ctx: NodeContext, t: OTensor, what: string, dtype: ODType): number {
  requireDtype(ctx, t, what, [dtype]);
  return Number(scalarOf(ctx, t, what));
}

/** `x`'s slice `index` along `axis`, without that axis. */
function sliceAt(x: OTensor, axis: number, index: number): OTensor {
  const shape = x.shape.filter((_, i) => i !== axis);
  const out = alloc(x.dtype, shape, 'a scan slice');
  const inner = numelOf(x.shape.slice(axis + 1));
  const length = x.shape[axis];
  const outer = out.data.length / Math.max(inner, 1);
  const src = x.data as Float32Array;
  const dst = out.data as Float32Array;
  for (let o = 0; o < outer; o++) dst.set(src.subarray((o * length + index) * inner, (o * length + index + 1) * inner), o * inner);
  return out;
}

/** The first `length` entries of `x` along axis 0. */
function sliceRange(x: OTensor, length: number): OTensor {
  if (length === x.shape[0]) return x;
  return { dtype: x.dtype, shape: [length, ...x.shape.slice(1)], data: x.data.subarray(0, length * numelOf(x.shape.slice(1))) as OTensor['data'] };
}

/** `x` padded with zeros along axis 0 to `length` entries. */
function padded(x: OTensor, length: number): OTensor {
  if (x.shape[0] === length) return x;
  const out = alloc(x.dtype, [length, ...x.shape.slice(1)], 'a scan output');
  (out.data as Float32Array).set(x.data as Float32Array);
  return out;
}

/**
 * The per-iteration values of body output `declared` stacked along a new `axis` (in reverse order
 * when `reversed`). They must share dtype and shape. With none, the result has length 0 along
 * `axis` and the dims `emptyDims` otherwise, the dtype the body declares (float32 if it does not).
 */
function stack(ctx: NodeContext, values: readonly OTensor[], axis: number, reversed: boolean, declared: ValueInfoMsg, emptyDims: readonly number[]): OTensor {
  const what = `${ctx.label}: body output '${declared.name}' stacked`;
  const count = values.length;
  if (count === 0) {
    const dtype = (declared.elemType === undefined ? undefined : odtypeOf(declared.elemType)) ?? 'float32';
    const dims = emptyDims.slice();
    dims.splice(axis, 0, 0);
    return alloc(dtype, dims, what);
  }
  const first = values[0];
  for (const v of values) {
    if (v.dtype !== first.dtype || !sameShape(v.shape, first.shape)) {
      throw ctx.error('SHAPE_MISMATCH', `body output '${declared.name}' is ${v.dtype} ${fmtShape(v.shape)} in one iteration and ${first.dtype} ${fmtShape(first.shape)} in another: a scan output's iterations must agree`);
    }
  }
  const shape = first.shape.slice();
  shape.splice(axis, 0, count);
  const out = alloc(first.dtype, shape, what);
  const inner = numelOf(first.shape.slice(axis));
  const outer = inner === 0 ? 0 : first.data.length / inner;
  const dst = out.data as Float32Array;
  for (let t = 0; t < count; t++) {
    const src = values[reversed ? count - 1 - t : t].data as Float32Array;
    for (let o = 0; o < outer; o++) dst.set(src.subarray(o * inner, (o + 1) * inner), (o * count + t) * inner);
  }
  return out;
}

/**
 * The dims of body output `output` when the body never ran: those shape inference found where it
 * found a number (so that a run agrees with what inference told), else the declared ones, else 0.
 */
function elementDims(body: BodyPlan, output: number): number[] {
  const inferred = body.outputTypes?.[output]?.shape;
  const declared = body.graph.outputs[output].shape;
  const rank = inferred?.length ?? declared?.length ?? 0;
  return Array.from({ length: rank }, (_, i) => {
    const d = inferred?.[i];
    if (typeof d === 'number') return d;
    const e = inferred === undefined || inferred.length === declared?.length ? declared?.[i] : undefined;
    return typeof e === 'number' ? e : 0;
  });
}

/** dtype and shape of `t`, without its elements (a value that changes between iterations). */
function typeOnly(t: SymValue | undefined): SymValue | undefined {
  return t === undefined ? undefined : { dtype: t.dtype, shape: t.shape?.slice() };
}

/** The type of `t` without the given axes (undefined ones: only the dtype is known). */
function withoutAxes(t: SymValue | undefined, axes: readonly (number | undefined)[]): SymValue | undefined {
  if (t === undefined) return undefined;
  if (t.shape === undefined || axes.some((a) => a === undefined || a >= t.shape!.length)) return { dtype: t.dtype };
  return { dtype: t.dtype, shape: t.shape.filter((_, i) => !axes.includes(i)) };
}

/**
 * The type of `length` iterations' `element` stacked at `axis`. Where the length may be 0 the
 * run takes numbers it cannot check for the element's other dims (elementDims), so a symbolic one
 * becomes unknown (a fresh symbol).
 */
function stackedType(n: InferContext, element: SymValue | undefined, axis: number, length: Dim): SymValue {
  if (element?.shape === undefined) return { dtype: element?.dtype };
  const ran = typeof length === 'number' && length > 0;
  const shape = element.shape.map((d) => (ran || typeof d === 'number' ? d : n.fresh()));
  shape.splice(axis, 0, length);
  return { dtype: element.dtype, shape };
}

function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A copy of `x` in memory of the run: a final value never aliases a body constant or an input. */
function copyOf(x: OTensor): OTensor {
  // a sequence is never written (its operators make new ones), and never a graph output
  if (x.items !== undefined) return x;
  const out = alloc(x.dtype, x.shape.slice(), 'a loop output');
  (out.data as Float32Array).set(x.data as Float32Array);
  return out;
}

export const LOOP_OPS: Record<string, OpFactory> = { Loop: loopOp, Scan: scanOp };
