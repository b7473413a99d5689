/**
 * ONNX sequences (`seq(tensor)`, opsets 11-21): SequenceEmpty, SequenceConstruct, SequenceInsert,
 * SequenceAt, SequenceErase, SequenceLength, ConcatFromSequence, SplitToSequence. A sequence is
 * an OTensor with `items` (values.ts, sequenceOf); an operator that changes one makes a new one
 * (its tensors are shared, never written). They are what torch.onnx.export writes for a Python
 * list built in a scripted loop (`outs.append(h)` in the body, `torch.stack(outs)` after it).
 * Sequences live inside a graph: a graph input or output of a sequence type is UNSUPPORTED.
 */
import { fmtShape } from '../../../base/errors.js';
import { kindName, type NodeContext, type NodeFn, type ValueKind } from '../node.js';
import { alloc, numelOf, odtypeOf, sameShape, sequenceOf, type OTensor } from '../values.js';
import { normAxis, requireOpset, type OpFactory } from './util.js';

/** Marks a factory as one that takes sequences, and requires opset 11 (where they appear). */
function sequenceOp(make: (ctx: NodeContext) => NodeFn, outputs: readonly boolean[]): OpFactory {
  const factory: OpFactory = (ctx) => {
    requireOpset(ctx, 11);
    ctx.outputKinds = outputs.map((sequence) => (sequence ? 'sequence' : 'tensor'));
    return make(ctx);
  };
  factory.takesNonTensors = true;
  return factory;
}

/** Checks at load which inputs are sequences: `kinds[i]` true for a sequence, false for a tensor. */
function expectKinds(ctx: NodeContext, kinds: readonly boolean[]): void {
  ctx.node.inputs.forEach((name, i) => {
    if (name === '' || i >= kinds.length) return;
    const want: ValueKind = kinds[i] ? 'sequence' : 'tensor';
    if (ctx.inputKinds[i] !== want) {
      throw ctx.error('INVALID_FORMAT', `input ${i} ('${name}') is ${kindName(ctx.inputKinds[i])}, but ${ctx.node.opType} takes ${kindName(want)} there`);
    }
  });
}


function items(t: OTensor): readonly OTensor[] {
  return t.items!;
}

/** A position input: an int32 / int64 scalar in [-count, count - 1] (or up to count where `end` is allowed). */
function position(ctx: NodeContext, t: OTensor, count: number, end: boolean): number {
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw ctx.error('DTYPE_MISMATCH', `position must be int32 or int64, got ${t.dtype}`);
  if (t.data.length !== 1) throw ctx.error('SHAPE_MISMATCH', `position must be a scalar, got shape ${fmtShape(t.shape)}`);
  const p = Number(t.data[0]);
  const hi = end ? count : count - 1;
  if (!(p >= -count && p <= hi)) throw ctx.error('INVALID_INPUT', `position ${p} is out of range for a sequence of ${count} tensors ([${-count}, ${hi}])`);
  return p < 0 ? p + count : p;
}

function checkElement(ctx: NodeContext, seq: OTensor, t: OTensor): void {
  if (t.dtype !== seq.dtype) throw ctx.error('DTYPE_MISMATCH', `the tensor is ${t.dtype}, the sequence holds ${seq.dtype}`);
}

const sequenceEmpty = sequenceOp((ctx) => {
  ctx.allowOnly(['dtype']);
  const code = ctx.int('dtype', 1);
  const dtype = odtypeOf(code);
  if (dtype === undefined) throw ctx.error('UNSUPPORTED', `attribute 'dtype' ${code} is not a supported element type`);
  return () => [sequenceOf(dtype, [])];
}, [true]);

const sequenceConstruct = sequenceOp((ctx) => {
  ctx.allowOnly([]);
  expectKinds(ctx, ctx.node.inputs.map(() => false));
  if (ctx.node.inputs.length === 0) throw ctx.error('INVALID_FORMAT', 'SequenceConstruct takes at least one tensor');
  return (ins) => {
    const ts = ins.map((t, i) => ctx.input(ins, i, 'a tensor'));
    for (const t of ts) checkElement(ctx, ts[0], t);
    return [sequenceOf(ts[0].dtype, ts)];
  };
}, [true]);

const sequenceInsert = sequenceOp((ctx) => {
  ctx.allowOnly([]);
  expectKinds(ctx, [true, false, false]);
  return (ins) => {
    const seq = ctx.input(ins, 0, 'input_sequence');
    const t = ctx.input(ins, 1, 'tensor');
    checkElement(ctx, seq, t);
    const list = items(seq).slice();
    const at = ins[2] === undefined ? list.length : position(ctx, ins[2], list.length, true);
    list.splice(at, 0, t);
    return [sequenceOf(seq.dtype, list)];
  };
}, [true]);

const sequenceAt = sequenceOp((ctx) => {
  ctx.allowOnly([]);
  expectKinds(ctx, [true, false]);
  return (ins) => {
    const seq = ctx.input(ins, 0, 'input_sequence');
    return [items(seq)[position(ctx, ctx.input(ins, 1, 'position'), items(seq).length, false)]];
  };
}, [false]);

const sequenceErase = sequenceOp((ctx) => {
  ctx.allowOnly([]);
  expectKinds(ctx, [true, false]);
  return (ins) => {
    const seq = ctx.input(ins, 0, 'input_sequence');
    const list = items(seq).slice();
    if (list.length === 0) throw ctx.error('INVALID_INPUT', 'the sequence is empty: there is nothing to erase');
    const at = ins[1] === undefined ? list.length - 1 : position(ctx, ins[1], list.length, false);
    list.splice(at, 1);
    return [sequenceOf(seq.dtype, list)];
  };
}, [true]);

const sequenceLength = sequenceOp((ctx) => {
  ctx.allowOnly([]);
  expectKinds(ctx, [true]);
  return (ins) => {
    const out = alloc('int64', [], `${ctx.label}: length`);
    out.data[0] = BigInt(items(ctx.input(ins, 0, 'input_sequence')).length);
    return [out];
  };
}, [false]);

/** The tensors concatenated along `axis`, or stacked along a new `axis` when `newAxis`. */
const concatFromSequence = sequenceOp((ctx) => {
  ctx.allowOnly(['axis', 'new_axis']);
  expectKinds(ctx, [true]);
  const axisAttr = ctx.int('axis');
  if (axisAttr === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'axis' is required");
  const newAxis = ctx.int('new_axis', 0);
  if (newAxis !== 0 && newAxis !== 1) throw ctx.error('INVALID_FORMAT', `attribute 'new_axis' must be 0 or 1, got ${newAxis}`);
  return (ins) => {
    const list = items(ctx.input(ins, 0, 'input_sequence'));
    if (list.length === 0) throw ctx.error('INVALID_INPUT', 'the sequence is empty: there is nothing to concatenate');
    const first = list[0];
    const rank = first.shape.length;
    const axis = normAxis(ctx, axisAttr, newAxis ? rank + 1 : rank);
    // stacking: each tensor is a slice of length 1 along the new axis
    const shapes = list.map((t) => (newAxis ? [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)] : t.shape));
    const shape0 = shapes[0];
    list.forEach((t, i) => {
      const s = shapes[i];
      const agrees = newAxis ? sameShape(t.shape, first.shape) : s.length === shape0.length && s.every((d, k) => k === axis || d === shape0[k]);
      if (!agrees) throw ctx.error('SHAPE_MISMATCH', `tensor ${i} of the sequence is ${fmtShape(t.shape)}, tensor 0 is ${fmtShape(first.shape)}: they must agree ${newAxis ? 'in every dim' : `except along axis ${axis}`}`);
    });
    let total = 0;
    for (const s of shapes) total += s[axis];
    const outShape = shape0.slice();
    outShape[axis] = total;
    const out = alloc(first.dtype, outShape, `${ctx.label}: output`);
    const inner = numelOf(shape0.slice(axis + 1));
    const outer = numelOf(shape0.slice(0, axis));
    const dst = out.data as Float32Array;
    let offset = 0;
    list.forEach((t, i) => {
      const run = shapes[i][axis] * inner;
      const src = t.data as Float32Array;
      for (let o = 0; o < outer; o++) dst.set(src.subarray(o * run, (o + 1) * run), o * total * inner + offset);
      offset += run;
    });
    return [out];
  };
}, [false]);

/** `input` split along `axis`: into parts of the given lengths (`split` a 1-D tensor), of one length (a scalar), or of 1 each. */
const splitToSequence = sequenceOp((ctx) => {
  ctx.allowOnly(['axis', 'keepdims']);
  expectKinds(ctx, [false, false]);
  const axisAttr = ctx.int('axis', 0);
  const keepdims = ctx.int('keepdims', 1);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    const axis = normAxis(ctx, axisAttr, x.shape.length);
    const dim = x.shape[axis];
    const split = ins[1];
    let lengths: number[];
    if (split === undefined) lengths = new Array<number>(dim).fill(1);
    else {
      if (split.dtype !== 'int64' && split.dtype !== 'int32') throw ctx.error('DTYPE_MISMATCH', `split must be int32 or int64, got ${split.dtype}`);
      const values = Array.from(split.data as ArrayLike<number | bigint>, Number);
      if (split.shape.length === 0) {
        const n = values[0];
        if (!(n > 0)) throw ctx.error('INVALID_INPUT', `split ${n} must be positive`);
        lengths = Array.from({ length: Math.ceil(dim / n) }, (_, i) => Math.min(n, dim - i * n));
      } else {
        lengths = values;
        if (lengths.some((n) => !(n >= 0)) || lengths.reduce((a, b) => a + b, 0) !== dim) {
          throw ctx.error('INVALID_INPUT', `split ${fmtShape(lengths)} must be non-negative lengths adding up to ${dim} (axis ${axis} of ${fmtShape(x.shape)})`);
        }
      }
    }
    const squeeze = split === undefined && keepdims === 0;
    const inner = numelOf(x.shape.slice(axis + 1));
    const outer = numelOf(x.shape.slice(0, axis));
    const src = x.data as Float32Array;
    let start = 0;
    const parts = lengths.map((n) => {
      const shape = x.shape.slice();
      shape[axis] = n;
      if (squeeze) shape.splice(axis, 1);
      const part = alloc(x.dtype, shape, `${ctx.label}: a part`);
      const dst = part.data as Float32Array;
      for (let o = 0; o < outer; o++) dst.set(src.subarray((o * dim + start) * inner, (o * dim + start + n) * inner), o * n * inner);
      start += n;
      return part;
    });
    return [sequenceOf(x.dtype, parts)];
  };
}, [true]);

export const SEQUENCE_OPS: Record<string, OpFactory> = {
  SequenceEmpty: sequenceEmpty,
  SequenceConstruct: sequenceConstruct,
  SequenceInsert: sequenceInsert,
  SequenceAt: sequenceAt,
  SequenceErase: sequenceErase,
  SequenceLength: sequenceLength,
  ConcatFromSequence: concatFromSequence,
  SplitToSequence: splitToSequence,
};
