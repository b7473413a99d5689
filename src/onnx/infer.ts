/**
 * Shape and type inference at load, with symbolic dimensions.
 *
 * A graph's inputs declare their dims as numbers, as names (`dim_param`: 'batch', 'T') or not at
 * all. Planning (plan.ts) gives every value it cannot fold a `SymValue`: its dtype and its shape,
 * each dim a number or a symbol, where the rules below can tell them. A symbol is a declared name
 * (the same name is the same dimension everywhere in the graph: run() rejects inputs that bind one
 * name to two sizes) or a fresh `unk__N` for a dim nothing names (a Range's length, a Slice of a
 * symbolic axis), which equals nothing but itself.
 *
 * Small integer tensors also carry their elements (`value`), each a number or a symbol: the
 * `Shape -> Gather -> Concat -> Reshape` arithmetic that exported graphs do on their inputs'
 * shapes. When a node's every output has a value made of numbers only, the planner folds the node
 * as a constant, so `Shape(x)[2]` of an input declared [batch, T, 64] is 64 at load whatever the
 * batch, an `If` on it keeps one branch, and what follows folds in turn.
 *
 * Soundness over precision: a rule gives a dim only where every run that does not fail has that
 * dim; anything else is a fresh symbol or, for a whole output, undefined (unknown). The rules are
 * tested against real runs over ONNX's node tests with every input dim made symbolic
 * (test/onnx/infer.test.ts). Operators without a symbolic rule fall back to running their kernel
 * on zero placeholders when every input shape is numeric, as specialize.ts does at a run.
 */
import { RnnError, kindOf } from '../../base/errors.js';
import type { NodeContext, NodeFn } from './node.js';
import type { OnnxInputInfo, OnnxOutputInfo } from './model.js';
import { allocData, numelOf, odtypeOf, type ODType, type OTensor } from './values.js';
import { SHAPE_RULES } from './specialize.js';
import { recurrentOutputShapes } from './recurrent-op.js';

/** A dimension: a size, or a symbol. */
export type Dim = number | string;

/** What inference knows of a value; a field left undefined is unknown. */
export interface SymValue {
  dtype?: ODType;
  shape?: Dim[];
  /** Elements of a small integer (or bool) tensor, row-major; bools as 0 / 1. */
  value?: Dim[];
}

/** Values up to this many elements carry their elements. */
const MAX_VALUE_ELEMENTS = 64;
/** Placeholders of the numeric fallback stay below this many elements in all (load stays cheap). */
const MAX_FALLBACK_ELEMENTS = 1 << 16;

/** A node as a rule sees it. */
export interface InferContext {
  ctx: NodeContext;
  ins: (SymValue | undefined)[];
  /** A symbol no other dim equals. */
  fresh(): string;
  /** The names that are atoms (declared dims and fresh symbols), never read as products. */
  names: ReadonlySet<string>;
}

type Rule = (n: InferContext) => (SymValue | undefined)[] | undefined;

const INT_TYPES: readonly ODType[] = ['int64', 'int32', 'int16', 'int8', 'uint16', 'uint8'];
const isInt = (t: ODType | undefined): boolean => t !== undefined && INT_TYPES.includes(t);

/** The SymValue of a known tensor (its elements too when it is a small integer or bool tensor). */
export function symOf(t: OTensor): SymValue {
  if (t.items !== undefined) return {}; // a sequence
  const v: SymValue = { dtype: t.dtype, shape: t.shape.slice() };
  if ((isInt(t.dtype) || t.dtype === 'bool') && t.shape.length <= 1 && t.data.length <= MAX_VALUE_ELEMENTS) {
    const value = Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
    // int64 values past 2^53 (INT64_MAX as Slice's "to the end") are not carried: not exact as numbers
    if (value.every(Number.isSafeInteger)) v.value = value;
  }
  return v;
}

const isNum = (d: Dim | undefined): d is number => typeof d === 'number';

/** Whether `x` is exact in `dtype` (no wrap), so that a folded value is what the kernel gives. */
function fits(x: number, dtype: ODType | undefined): boolean {
  if (!Number.isSafeInteger(x)) return false;
  const bits = dtype === 'int32' ? 32 : dtype === 'int16' || dtype === 'uint16' ? 16 : dtype === 'int8' || dtype === 'uint8' ? 8 : 64;
  if (bits === 64) return true;
  const unsigned = dtype === 'uint16' || dtype === 'uint8';
  const lo = unsigned ? 0 : -(2 ** (bits - 1)), hi = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  return x >= lo && x <= hi;
}
const allNum = (ds: readonly Dim[] | undefined): ds is number[] => ds !== undefined && ds.every(isNum);

/**
 * A product of dims as a monomial: coefficient times atoms (symbols), sorted. Written as
 * 'batch*T' or '8*T'; a declared name is always an atom, and a product that would read as a
 * declared name, or that holds an atom with '*' in it, is a fresh symbol instead.
 */
interface Monomial {
  c: number;
  atoms: string[];
}

function monomial(d: Dim, names: ReadonlySet<string>): Monomial {
  if (isNum(d)) return { c: d, atoms: [] };
  if (names.has(d) || !d.includes('*')) return { c: 1, atoms: [d] };
  let c = 1;
  const atoms: string[] = [];
  for (const part of d.split('*')) {
    if (/^[0-9]+$/.test(part)) c *= Number(part);
    else atoms.push(part);
  }
  return { c, atoms: atoms.sort() };
}

function dimOf(m: Monomial, n: InferContext): Dim {
  if (m.c === 0) return 0;
  // a product of dims is >= 0; a negative coefficient comes from a value, not a dim
  if (m.c < 0 && m.atoms.length) return n.fresh();
  if (!m.atoms.length) return Number.isSafeInteger(m.c) ? m.c : n.fresh();
  if (m.c === 1 && m.atoms.length === 1) return m.atoms[0];
  const text = [...(m.c === 1 ? [] : [String(m.c)]), ...m.atoms].join('*');
  return m.atoms.some((a) => a.includes('*')) || n.names.has(text) || !Number.isSafeInteger(m.c) ? n.fresh() : text;
}

/** Product of dims. */
function product(ds: readonly Dim[], n: InferContext): Dim {
  const m: Monomial = { c: 1, atoms: [] };
  for (const d of ds) {
    const x = monomial(d, n.names);
    m.c *= x.c;
    m.atoms.push(...x.atoms);
  }
  m.atoms.sort();
  return dimOf(m, n);
}

/** The product of `num` divided by that of `den` where it divides exactly; else fresh. */
function quotient(num: readonly Dim[], den: readonly Dim[], n: InferContext): Dim {
  const top = monomial(product(num, n), n.names), bottom = monomial(product(den, n), n.names);
  if (bottom.c === 0 || top.c % bottom.c !== 0) return n.fresh();
  const atoms = top.atoms.slice();
  for (const a of bottom.atoms) {
    const i = atoms.indexOf(a);
    if (i < 0) return n.fresh();
    atoms.splice(i, 1);
  }
  return dimOf({ c: top.c / bottom.c, atoms }, n);
}

/** Multidirectional broadcast; undefined when two sizes clash (the run then fails). */
function broadcast(shapes: readonly Dim[][], fresh: () => string): Dim[] | undefined {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const ds = shapes.map((s) => s[s.length - r + i]).filter((d): d is Dim => d !== undefined && d !== 1);
    const nums = [...new Set(ds.filter(isNum))];
    const syms = [...new Set(ds.filter((d): d is string => !isNum(d)))];
    if (nums.length > 1) return undefined;
    // a symbol beside a size n is n or 1 in any run that succeeds: the result is n
    if (nums.length === 1) out.push(nums[0]);
    else if (syms.length === 0) out.push(1);
    else out.push(syms.length === 1 ? syms[0] : fresh());
  }
  return out;
}

/** A normalised axis, or undefined when out of range. */
function axisOf(a: number, rank: number): number | undefined {
  const x = a < 0 ? a + rank : a;
  return Number.isInteger(x) && x >= 0 && x < rank ? x : undefined;
}

/** The numeric elements of input `i`'s value (axes, pads, repeats...), or undefined. */
function nums(n: InferContext, i: number): number[] | undefined {
  const v = n.ins[i]?.value;
  return allNum(v) ? v : undefined;
}

/** Axes from attribute `attr` before `inputFrom`, else from input `index` (undefined = absent). */
function axesArg(n: InferContext, attr: string, index: number, inputFrom: number): { given: boolean; axes?: number[] } {
  if (n.ctx.opset < inputFrom) {
    const a = n.ctx.ints(attr);
    return { given: a !== undefined, axes: a };
  }
  if (n.ctx.node.inputs[index] === undefined || n.ctx.node.inputs[index] === '') return { given: false };
  return { given: true, axes: nums(n, index) };
}

/** Output 0 of input 0's dtype and shape (activations, normalisations...). */
const same: Rule = (n) => {
  const x = n.ins[0];
  if (x === undefined) return undefined;
  return [{ dtype: x.dtype, shape: x.shape?.slice() }];
};

/**
 * Elementwise arithmetic on integer values: on numbers, or `symbolic` on dims (a product, a
 * quotient that divides exactly, x + 0); else fresh.
 */
function arithmetic(op: (a: number, b: number) => number | undefined, symbolic?: (a: Dim, b: Dim, n: InferContext) => Dim | undefined): Rule {
  return (n) => {
    const [a, b] = n.ins;
    if (a?.shape === undefined || b?.shape === undefined) return [{ dtype: a?.dtype ?? b?.dtype }];
    const shape = broadcast([a.shape, b.shape], n.fresh);
    if (shape === undefined) return undefined;
    const out: SymValue = { dtype: a.dtype, shape };
    if (isInt(a.dtype) && a.value && b.value && allNum(shape) && numelOf(shape) <= MAX_VALUE_ELEMENTS && shape.length <= 1) {
      const len = numelOf(shape);
      out.value = Array.from({ length: len }, (_, i) => {
        const x = a.value![a.value!.length === 1 ? 0 : i], y = b.value![b.value!.length === 1 ? 0 : i];
        if (isNum(x) && isNum(y)) {
          const r = op(x, y);
          return r !== undefined && fits(r, a.dtype) ? r : n.fresh();
        }
        // symbols are dims (sizes >= 0), so only values read from shapes carry them
        return symbolic?.(x, y, n) ?? n.fresh();
      });
    }
    return [out];
  };
}

/** Comparison: bool, broadcast; a value where both sides are known. */
function compare(op: (a: Dim, b: Dim) => boolean | undefined): Rule {
  return (n) => {
    const [a, b] = n.ins;
    if (a?.shape === undefined || b?.shape === undefined) return [{ dtype: 'bool' }];
    const shape = broadcast([a.shape, b.shape], n.fresh);
    if (shape === undefined) return undefined;
    const out: SymValue = { dtype: 'bool', shape };
    if (a.value && b.value && allNum(shape) && shape.length <= 1 && numelOf(shape) <= MAX_VALUE_ELEMENTS) {
      const bits: Dim[] = [];
      for (let i = 0; i < numelOf(shape); i++) {
        const r = op(a.value[a.value.length === 1 ? 0 : i], b.value[b.value.length === 1 ? 0 : i]);
        bits.push(r === undefined ? n.fresh() : r ? 1 : 0);
      }
      out.value = bits;
    }
    return [out];
  };
}

const numCompare = (f: (a: number, b: number) => boolean) => (a: Dim, b: Dim) => (isNum(a) && isNum(b) ? f(a, b) : undefined);

/** Bool logic on known bits. */
function logic(f: (a: number, b: number) => number): Rule {
  return compare((a, b) => (isNum(a) && isNum(b) ? f(a, b) !== 0 : undefined));
}

const nary: Rule = (n) => {
  const shapes = n.ins.map((x) => x?.shape);
  const dtype = n.ins[0]?.dtype;
  if (!shapes.every((s): s is Dim[] => s !== undefined)) return [{ dtype }];
  const shape = broadcast(shapes, n.fresh);
  return shape === undefined ? undefined : [{ dtype, shape }];
};

/** Reductions: axes from an attribute or (from opset `inputFrom`) input 1. */
function reduce(inputFrom: number, dtype?: ODType): Rule {
  return (n) => {
    const x = n.ins[0];
    if (x?.shape === undefined) return [{ dtype: dtype ?? x?.dtype }];
    const rank = x.shape.length;
    const keep = n.ctx.int('keepdims', 1) !== 0;
    const { given, axes } = axesArg(n, 'axes', 1, inputFrom);
    if (given && axes === undefined) return [{ dtype: dtype ?? x.dtype }];
    let reduced: number[];
    if (!given || axes!.length === 0) {
      if (n.ctx.int('noop_with_empty_axes', 0) !== 0) return [{ dtype: dtype ?? x.dtype, shape: x.shape.slice() }];
      reduced = x.shape.map((_, i) => i);
    } else {
      const norm = axes!.map((a) => axisOf(a, rank));
      if (norm.some((a) => a === undefined)) return undefined;
      reduced = norm as number[];
    }
    const shape: Dim[] = [];
    x.shape.forEach((d, i) => {
      if (!reduced.includes(i)) shape.push(d);
      else if (keep) shape.push(1);
    });
    return [{ dtype: dtype ?? x.dtype, shape }];
  };
}

const argReduce: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: 'int64' }];
  const axis = axisOf(n.ctx.int('axis', 0), x.shape.length);
  if (axis === undefined) return undefined;
  const keep = n.ctx.int('keepdims', 1) !== 0;
  const shape = x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : []));
  return [{ dtype: 'int64', shape }];
};

/** Slice's element count along one axis of size d (the spec's clamping). */
function sliceCount(d: number, start: number, end: number, step: number): number {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (step > 0) {
    const s = clamp(start < 0 ? start + d : start, 0, d), e = clamp(end < 0 ? end + d : end, 0, d);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  const s = clamp(start < 0 ? start + d : start, 0, d - 1), e = clamp(end < 0 ? end + d : end, -1, d - 1);
  return Math.max(0, Math.ceil((e - s) / step));
}

const slice: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  const rank = x.shape.length;
  let starts: number[] | undefined, ends: number[] | undefined, axes: number[] | undefined, steps: number[] | undefined;
  if (n.ctx.opset < 10) {
    starts = n.ctx.ints('starts');
    ends = n.ctx.ints('ends');
    axes = n.ctx.ints('axes');
  } else {
    starts = nums(n, 1);
    ends = nums(n, 2);
    const has = (i: number) => n.ctx.node.inputs[i] !== undefined && n.ctx.node.inputs[i] !== '';
    axes = has(3) ? nums(n, 3) : undefined;
    steps = has(4) ? nums(n, 4) : undefined;
    if ((has(3) && axes === undefined) || (has(4) && steps === undefined)) return [{ dtype: x.dtype }];
  }
  if (starts === undefined || ends === undefined || starts.length !== ends.length) return [{ dtype: x.dtype }];
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  const shape = x.shape.slice();
  const picked: (number[] | undefined)[] = x.shape.map(() => undefined);
  const seen = new Set<number>();
  for (let k = 0; k < axes.length; k++) {
    const a = axisOf(axes[k], rank);
    if (a === undefined || steps[k] === 0 || picked[a] !== undefined || seen.has(a)) return undefined;
    seen.add(a);
    const d = shape[a];
    if (isNum(d)) {
      shape[a] = sliceCount(d, starts[k], ends[k], steps[k]);
      picked[a] = [starts[k], ends[k], steps[k], d];
    } else {
      // the whole of a symbolic axis, or nothing of it, whatever its size
      const whole = steps[k] === 1 && (starts[k] === 0 || starts[k] <= -Number.MAX_SAFE_INTEGER) && ends[k] >= Number.MAX_SAFE_INTEGER;
      shape[a] = whole ? d : ends[k] === 0 && starts[k] >= 0 && steps[k] > 0 ? 0 : n.fresh();
    }
  }
  const out: SymValue = { dtype: x.dtype, shape };
  if (x.value && rank === 1 && isNum(x.shape[0]) && picked[0]) {
    const [s0, , st, d] = picked[0]!;
    const first = Math.min(Math.max(s0 < 0 ? s0 + d : s0, 0), st > 0 ? d : d - 1);
    out.value = Array.from({ length: shape[0] as number }, (_, i) => x.value![first + i * st]);
  } else if (x.value && rank === 1 && !picked[0] && shape[0] === x.shape[0]) out.value = x.value.slice();
  return [out];
};

const reshape: Rule = (n) => {
  const [x] = n.ins;
  const target = n.ins[1]?.value;
  if (target === undefined) return [{ dtype: x?.dtype }];
  const allowZero = n.ctx.opset >= 14 && n.ctx.int('allowzero', 0) !== 0;
  const dims: Dim[] = [];
  let infer = -1;
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (t === -1) {
      if (infer >= 0) return undefined;
      infer = i;
      dims.push(-1);
    } else if (t === 0 && !allowZero) {
      const d = x?.shape?.[i];
      if (d === undefined) return [{ dtype: x?.dtype }];
      dims.push(d);
    } else if (isNum(t) && t < 0) return undefined;
    else dims.push(t);
  }
  if (infer >= 0) {
    if (x?.shape === undefined) return [{ dtype: x?.dtype }];
    dims[infer] = quotient(x.shape, dims.filter((_, i) => i !== infer), n);
  } else if (allNum(x?.shape) && allNum(dims) && numelOf(x!.shape) !== numelOf(dims)) return undefined;
  return [{ dtype: x?.dtype, shape: dims, value: x?.value && dims.length <= 1 ? x.value.slice() : undefined }];
};

const squeeze: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  const { given, axes } = axesArg(n, 'axes', 1, 13);
  if (given && axes === undefined) return [{ dtype: x.dtype }];
  let drop: number[];
  if (!given || axes!.length === 0) {
    if (!allNum(x.shape)) return [{ dtype: x.dtype }]; // which symbolic dims are 1 is not known
    drop = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    const norm = axes!.map((a) => axisOf(a, x.shape!.length));
    if (norm.some((a) => a === undefined || (isNum(x.shape![a]) && x.shape![a] !== 1))) return undefined;
    drop = norm as number[];
  }
  const shape = x.shape.filter((_, i) => !drop.includes(i));
  return [{ dtype: x.dtype, shape, value: x.value && shape.length <= 1 ? x.value.slice() : undefined }];
};

const unsqueeze: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  const { axes } = axesArg(n, 'axes', 1, 13);
  if (axes === undefined) return [{ dtype: x.dtype }];
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => axisOf(a, rank));
  if (norm.some((a) => a === undefined) || new Set(norm).size !== norm.length) return undefined;
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[k++]);
  return [{ dtype: x.dtype, shape, value: x.value && shape.length <= 1 ? x.value.slice() : undefined }];
};

const concat: Rule = (n) => {
  const ins = n.ins;
  const dtype = ins.find((x) => x?.dtype)?.dtype;
  if (!ins.every((x) => x?.shape !== undefined)) return [{ dtype }];
  const rank = ins[0]!.shape!.length;
  if (!ins.every((x) => x!.shape!.length === rank)) return undefined;
  const axis = axisOf(n.ctx.int('axis', 0), rank);
  if (axis === undefined) return undefined;
  const shape: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const ds = ins.map((x) => x!.shape![i]);
    if (i === axis) {
      const nz = ds.filter((d) => d !== 0);
      shape.push(allNum(ds) ? ds.reduce((s, d) => s + d, 0) : nz.length === 1 ? nz[0] : n.fresh());
    } else {
      const numbers = [...new Set(ds.filter(isNum))];
      if (numbers.length > 1) return undefined;
      // the dims must all be equal in a run that succeeds
      shape.push(numbers.length ? numbers[0] : ds[0]);
    }
  }
  const out: SymValue = { dtype, shape };
  if (rank === 1 && ins.every((x) => x!.value !== undefined)) {
    const value = ins.flatMap((x) => x!.value!);
    if (value.length <= MAX_VALUE_ELEMENTS) out.value = value;
  }
  return [out];
};

const gather: Rule = (n) => {
  const [x, idx] = n.ins;
  if (x?.shape === undefined || idx?.shape === undefined) return [{ dtype: x?.dtype }];
  const axis = axisOf(n.ctx.int('axis', 0), x.shape.length);
  if (axis === undefined) return undefined;
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const out: SymValue = { dtype: x.dtype, shape };
  const len = x.shape[0];
  if (x.value && x.shape.length === 1 && isNum(len) && allNum(idx.value)) {
    const picked: Dim[] = [];
    for (const i of idx.value) {
      const j = i < 0 ? i + len : i;
      if (!(j >= 0 && j < len)) return undefined;
      picked.push(x.value[j]);
    }
    out.value = picked;
  }
  return [out];
};

const shapeOp: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: 'int64' }];
  const r = x.shape.length;
  const clip = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clip(n.ctx.opset >= 15 ? n.ctx.int('start', 0) : 0);
  const end = clip(n.ctx.opset >= 15 ? n.ctx.int('end', r) : r);
  const value = x.shape.slice(start, Math.max(start, end));
  return [{ dtype: 'int64', shape: [value.length], value }];
};

const sizeOp: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: 'int64', shape: [] }];
  return [{ dtype: 'int64', shape: [], value: [product(x.shape, n)] }];
};

const transpose: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  const r = x.shape.length;
  const perm = n.ctx.ints('perm') ?? x.shape.map((_, i) => r - 1 - i);
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => !(p >= 0 && p < r))) return undefined;
  return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p]) }];
};

const flatten: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  const r = x.shape.length;
  const a = n.ctx.int('axis', 1);
  const axis = a < 0 ? a + r : a;
  if (!(axis >= 0 && axis <= r)) return undefined;
  return [{ dtype: x.dtype, shape: [product(x.shape.slice(0, axis), n), product(x.shape.slice(axis), n)] }];
};

const expand: Rule = (n) => {
  const x = n.ins[0];
  const target = n.ins[1]?.value;
  if (x?.shape === undefined || target === undefined) return [{ dtype: x?.dtype }];
  const shape = broadcast([x.shape, target], n.fresh);
  return shape === undefined ? undefined : [{ dtype: x.dtype, shape }];
};

const tile: Rule = (n) => {
  const x = n.ins[0];
  const reps = nums(n, 1);
  if (x?.shape === undefined || reps === undefined) return [{ dtype: x?.dtype }];
  if (reps.length !== x.shape.length) return undefined;
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => product([d, reps[i]], n)) }];
};

const pad: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  const r = x.shape.length;
  const pads = n.ctx.opset < 11 ? n.ctx.ints('pads') : nums(n, 1);
  if (pads === undefined) return [{ dtype: x.dtype }];
  let axes = x.shape.map((_, i) => i);
  if (n.ctx.opset >= 18 && n.ctx.node.inputs[3]) {
    const given = nums(n, 3);
    if (given === undefined) return [{ dtype: x.dtype }];
    const norm = given.map((a) => axisOf(a, r));
    if (norm.some((a) => a === undefined)) return undefined;
    axes = norm as number[];
  }
  if (pads.length !== 2 * axes.length) return undefined;
  const shape = x.shape.slice();
  axes.forEach((a, k) => {
    const add = pads[k] + pads[k + axes.length];
    const d = shape[a];
    shape[a] = add === 0 ? d : isNum(d) ? d + add : n.fresh();
  });
  return [{ dtype: x.dtype, shape }];
};

const split: Rule = (n) => {
  const x = n.ins[0];
  const count = n.ctx.node.outputs.length;
  const unknown = () => Array.from({ length: count }, () => ({ dtype: x?.dtype }));
  if (x?.shape === undefined) return unknown();
  const axis = axisOf(n.ctx.int('axis', 0), x.shape.length);
  if (axis === undefined) return undefined;
  let sizes = n.ctx.opset < 13 ? n.ctx.ints('split') : n.ctx.node.inputs[1] ? nums(n, 1) : undefined;
  if (n.ctx.opset >= 13 && n.ctx.node.inputs[1] && sizes === undefined) return unknown();
  const d = x.shape[axis];
  if (sizes === undefined) {
    if (!isNum(d)) return count === 1 ? [{ dtype: x.dtype, shape: x.shape.slice() }] : unknown();
    const parts = n.ctx.opset >= 18 && n.ctx.has('num_outputs') ? n.ctx.int('num_outputs', count) : count;
    const chunk = n.ctx.opset >= 18 && n.ctx.has('num_outputs') ? Math.ceil(d / parts) : d / parts;
    if (!Number.isInteger(chunk)) return undefined;
    sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  }
  if (sizes.length !== count) return undefined;
  return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape!.map((dd, i) => (i === axis ? s : dd)) }));
};

const constantOfShape: Rule = (n) => {
  const shapeValue = n.ins[0]?.value;
  const v = n.ctx.tensor('value');
  const dtype = v?.dtype ?? 'float32';
  if (shapeValue === undefined) return [{ dtype }];
  if (shapeValue.some((d) => isNum(d) && d < 0)) return undefined;
  const out: SymValue = { dtype, shape: shapeValue.slice() };
  if (v && (isInt(dtype) || dtype === 'bool') && allNum(shapeValue) && shapeValue.length <= 1 && numelOf(shapeValue) <= MAX_VALUE_ELEMENTS) {
    out.value = new Array(numelOf(shapeValue)).fill(Number(v.data[0]));
  }
  return [out];
};

const range: Rule = (n) => {
  const [s, l, d] = [0, 1, 2].map((i) => n.ins[i]?.value?.[0]);
  const dtype = n.ins[0]?.dtype;
  if (isNum(s) && isNum(l) && isNum(d) && d !== 0) return [{ dtype, shape: [Math.max(0, Math.ceil((l - s) / d))] }];
  return [{ dtype, shape: [n.fresh()] }];
};

const matmul: Rule = (n) => {
  const [a, b] = n.ins;
  const dtype = a?.dtype;
  if (a?.shape === undefined || b?.shape === undefined || a.shape.length === 0 || b.shape.length === 0) return [{ dtype }];
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const k1 = as[as.length - 1], k2 = bs[bs.length - 2];
  if (isNum(k1) && isNum(k2) && k1 !== k2) return undefined;
  const batch = broadcast([as.slice(0, -2), bs.slice(0, -2)], n.fresh);
  if (batch === undefined) return undefined;
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(as[as.length - 2]);
  if (b.shape.length > 1) shape.push(bs[bs.length - 1]);
  return [{ dtype, shape }];
};

const gemm: Rule = (n) => {
  const [a, b] = n.ins;
  if (a?.shape?.length !== 2 || b?.shape?.length !== 2) return [{ dtype: a?.dtype }];
  const m = n.ctx.int('transA', 0) ? a.shape[1] : a.shape[0];
  const nn = n.ctx.int('transB', 0) ? b.shape[0] : b.shape[1];
  return [{ dtype: a.dtype, shape: [m, nn] }];
};

const topk: Rule = (n) => {
  const x = n.ins[0];
  const k = n.ctx.opset < 10 ? n.ctx.int('k') : nums(n, 1)?.[0];
  if (x?.shape === undefined || k === undefined) return [{ dtype: x?.dtype }, { dtype: 'int64' }];
  const axis = axisOf(n.ctx.int('axis', -1), x.shape.length);
  if (axis === undefined) return undefined;
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape: shape.slice() }];
};

const where: Rule = (n) => {
  const [c, x, y] = n.ins;
  if (c?.shape === undefined || x?.shape === undefined || y?.shape === undefined) return [{ dtype: x?.dtype ?? y?.dtype }];
  const shape = broadcast([c.shape, x.shape, y.shape], n.fresh);
  return shape === undefined ? undefined : [{ dtype: x.dtype, shape }];
};

/** LSTM / GRU / RNN: Y and Y_h / Y_c (recurrentOutputShapes), from X and hidden_size or R. */
const recurrent: Rule = (n) => {
  const x = n.ins[0];
  const hidden = n.ctx.int('hidden_size') ?? n.ins[2]?.shape?.[2];
  const dirs = n.ctx.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  const layout = n.ctx.int('layout', 0);
  const outs = n.ctx.node.outputs.length;
  if (x?.shape?.length !== 3 || hidden === undefined) return Array.from({ length: outs }, () => ({ dtype: 'float32' as const }));
  const { y, state } = recurrentOutputShapes<Dim>(x.shape, dirs, hidden, layout);
  const f32: ODType = 'float32';
  return [{ dtype: f32, shape: y }, { dtype: f32, shape: state.slice() }, { dtype: f32, shape: state.slice() }].slice(0, outs);
};

/** GlobalAveragePool / GlobalMaxPool: [N, C, 1, ...]. */
const globalPool: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  if (x.shape.length < 2) return undefined;
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }];
};

/** Operators whose output 0 has input 0's shape and dim 0 alone may be symbolic: run on batch 1. */
const BATCH_INDEPENDENT = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool']);

const cast: Rule = (n) => {
  const x = n.ins[0];
  const to = odtypeOf(n.ctx.int('to', 0));
  if (to === undefined) return undefined;
  const keepValue = x?.value !== undefined && isInt(x.dtype) && (to === 'int64' || to === 'int32') && x.value.every((v) => !isNum(v) || fits(v, to));
  return [{ dtype: to, shape: x?.shape?.slice(), value: keepValue ? x!.value!.slice() : undefined }];
};

// --- index operators (ops/indexing.ts) ---

const gatherElements: Rule = (n) => [{ dtype: n.ins[0]?.dtype, shape: n.ins[1]?.shape?.slice() }];

const gatherND: Rule = (n) => {
  const [x, idx] = n.ins;
  const b = n.ctx.int('batch_dims', 0);
  const last = idx?.shape?.at(-1);
  if (x?.shape === undefined || idx?.shape === undefined || !isNum(last)) return [{ dtype: x?.dtype }];
  return [{ dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(b + last)] }];
};

/** OneHot: the indices' shape with `depth` (input 1's value, or a fresh symbol) inserted at `axis`; the values' type. */
const oneHot: Rule = (n) => {
  const [idx, depth, values] = n.ins;
  if (idx?.shape === undefined) return [{ dtype: values?.dtype }];
  const axis = axisOf(n.ctx.int('axis', -1), idx.shape.length + 1);
  if (axis === undefined) return undefined;
  const d = depth?.value?.length === 1 && isNum(depth.value[0]) ? depth.value[0] : n.fresh();
  const shape = idx.shape.slice();
  shape.splice(axis, 0, d);
  return [{ dtype: values?.dtype, shape }];
};

/** Compress: the condition's count of trues is known only at run. */
const compress: Rule = (n) => {
  const x = n.ins[0];
  const axisAttr = n.ctx.int('axis');
  if (x?.shape === undefined) return [{ dtype: x?.dtype }];
  if (axisAttr === undefined) return [{ dtype: x.dtype, shape: [n.fresh()] }];
  const axis = axisOf(axisAttr, x.shape.length);
  if (axis === undefined) return undefined;
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? n.fresh() : d)) }];
};

const nonZero: Rule = (n) => {
  const rank = n.ins[0]?.shape?.length;
  return [{ dtype: 'int64', shape: rank === undefined ? undefined : [rank === 0 ? 1 : rank, n.fresh()] }];
};

const eyeLike: Rule = (n) => {
  const x = n.ins[0];
  const code = n.ctx.int('dtype');
  return [{ dtype: code === undefined ? x?.dtype : odtypeOf(code), shape: x?.shape?.slice() }];
};

const castLike: Rule = (n) => [{ dtype: n.ins[1]?.dtype, shape: n.ins[0]?.shape?.slice() }];

const identity: Rule = (n) => {
  const x = n.ins[0];
  return [{ dtype: x?.dtype, shape: x?.shape?.slice(), value: x?.value?.slice() }];
};

const dropout: Rule = (n) => {
  const x = n.ins[0];
  const mask = n.ctx.opset >= 10 ? 'bool' : x?.dtype;
  return [{ dtype: x?.dtype, shape: x?.shape?.slice() }, { dtype: mask, shape: x?.shape?.slice() }];
};

const layerNorm: Rule = (n) => {
  const x = n.ins[0];
  if (x?.shape === undefined) return [{ dtype: x?.dtype }, { dtype: 'float32' }, { dtype: 'float32' }];
  const axis = axisOf(n.ctx.int('axis', -1), x.shape.length);
  if (axis === undefined) return undefined;
  const stat = x.shape.map((d, i) => (i < axis ? d : 1));
  return [{ dtype: x.dtype, shape: x.shape.slice() }, { dtype: 'float32', shape: stat }, { dtype: 'float32', shape: stat.slice() }];
};

const UNARY = [
  'Relu', 'Tanh', 'Sigmoid', 'Sqrt', 'Log', 'Exp', 'Neg', 'Abs', 'Sign', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Erf',
  'Softplus', 'Softsign', 'Sin', 'Cos', 'LeakyRelu', 'Elu', 'Celu', 'Selu', 'HardSigmoid', 'HardSwish', 'ThresholdedRelu',
  'Softmax', 'LogSoftmax', 'Hardmax', 'Clip', 'CumSum', 'PRelu', 'BatchNormalization', 'InstanceNormalization',
  'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Mish', 'Gelu', 'Shrink',
  'LRN', 'MeanVarianceNormalization', 'LpNormalization', 'GroupNormalization',
];

/** The symbolic rules, by operator. */
export const SHAPE_INFERENCE: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(UNARY.map((op) => [op, same])),
  IsNaN: (n) => [{ dtype: 'bool', shape: n.ins[0]?.shape?.slice() }],
  Trilu: same, ReverseSequence: same, ScatterElements: same, Scatter: same, ScatterND: same,
  GatherElements: gatherElements, GatherND: gatherND, OneHot: oneHot, Compress: compress, NonZero: nonZero,
  EyeLike: eyeLike, CastLike: castLike,
  IsInf: (n) => [{ dtype: 'bool', shape: n.ins[0]?.shape?.slice() }],
  Not: (n) => {
    const x = n.ins[0];
    return [{ dtype: 'bool', shape: x?.shape?.slice(), value: x?.value?.map((b) => (isNum(b) ? (b === 0 ? 1 : 0) : n.fresh())) }];
  },
  Identity: identity, Cast: cast, Dropout: dropout, LayerNormalization: layerNorm,
  Add: arithmetic((a, b) => a + b, (a, b) => (b === 0 ? a : a === 0 ? b : undefined)),
  Sub: arithmetic((a, b) => a - b, (a, b) => (b === 0 ? a : undefined)),
  Mul: arithmetic((a, b) => a * b, (a, b, n) => product([a, b], n)),
  Div: arithmetic((a, b) => (b === 0 ? undefined : Math.trunc(a / b)), (a, b, n) => (isNum(b) && b <= 0 ? undefined : quotient([a], [b], n))),
  Pow: nary, Mod: nary, Min: nary, Max: nary, Sum: nary, Mean: nary,
  Equal: compare((a, b) => (a === b ? true : isNum(a) && isNum(b) ? false : undefined)),
  Less: compare(numCompare((a, b) => a < b)), LessOrEqual: compare(numCompare((a, b) => a <= b)),
  Greater: compare(numCompare((a, b) => a > b)), GreaterOrEqual: compare(numCompare((a, b) => a >= b)),
  And: logic((a, b) => a & b), Or: logic((a, b) => a | b), Xor: logic((a, b) => a ^ b),
  Where: where,
  Shape: shapeOp, Size: sizeOp, Reshape: reshape, Flatten: flatten, Squeeze: squeeze, Unsqueeze: unsqueeze,
  Transpose: transpose, Concat: concat, Gather: gather, Slice: slice, Expand: expand, Tile: tile, Pad: pad,
  Split: split, ConstantOfShape: constantOfShape, Range: range,
  ReduceSum: reduce(13), ReduceMean: reduce(18), ReduceMax: reduce(18), ReduceMin: reduce(18), ReduceProd: reduce(18),
  ReduceL1: reduce(18), ReduceL2: reduce(18), ReduceSumSquare: reduce(18), ReduceLogSum: reduce(18), ReduceLogSumExp: reduce(18),
  ArgMax: argReduce, ArgMin: argReduce,
  MatMul: matmul, Gemm: gemm, TopK: topk, GlobalAveragePool: globalPool, GlobalMaxPool: globalPool,
  LSTM: recurrent, GRU: recurrent, RNN: recurrent,
};

/**
 * What a node's outputs are, from what is known of its inputs; undefined where nothing is known.
 * `consts` are the inputs' values where known at load (the numeric fallback runs on them).
 */
export function inferNode(
  ctx: NodeContext, kernel: NodeFn, ins: (SymValue | undefined)[], consts: readonly (OTensor | undefined)[], fresh: () => string, names: ReadonlySet<string>,
): (SymValue | undefined)[] | undefined {
  const op = ctx.node.opType;
  let outs: (SymValue | undefined)[] | undefined;
  try {
    outs = (SHAPE_INFERENCE[op] ?? kernel.inferTypes)?.({ ctx, ins, fresh, names });
  } catch {
    outs = undefined;
  }
  // a fully numeric result of the rule stands; else the kernel may tell more on numeric shapes
  if (outs !== undefined && outs.every((o) => o === undefined || (o.dtype !== undefined && allNum(o.shape)))) return outs;
  const numeric = fallback(ctx, kernel, ins, consts);
  return numeric ?? outs;
}

/**
 * Output types from the kernel itself where every input shape is numeric (or, for the
 * BATCH_INDEPENDENT operators, all but a symbolic batch dim): its inferShapes, or a run on zero
 * placeholders for the operators specialize.ts's SHAPE_RULES lists (whose output shapes follow
 * from the input shapes and the listed inputs' values).
 */
function fallback(ctx: NodeContext, kernel: NodeFn, ins: (SymValue | undefined)[], consts: readonly (OTensor | undefined)[]): (SymValue | undefined)[] | undefined {
  const op = ctx.node.opType;
  const present = ins.map((x, i) => ctx.node.inputs[i] !== undefined && ctx.node.inputs[i] !== '');
  if (!ins.every((x, i) => !present[i] || (x?.dtype !== undefined && x.shape !== undefined))) return undefined;
  let batch: string | undefined;
  const shapes = ins.map((x) => x?.shape?.slice());
  if (BATCH_INDEPENDENT.has(op) && shapes[0] !== undefined && typeof shapes[0][0] === 'string') {
    batch = shapes[0][0] as string;
    shapes[0][0] = 1;
  }
  if (!shapes.every((s, i) => !present[i] || allNum(s))) return undefined;
  const restore = (types: (SymValue | undefined)[]) => types.map((t) => (t?.shape && batch !== undefined ? { ...t, shape: [batch, ...t.shape.slice(1)] } : t));
  try {
    if (kernel.inferShapes) {
      const types = kernel.inferShapes(ins.map((x, i) => (present[i] ? { dtype: x!.dtype!, shape: shapes[i] as number[] } : undefined)));
      return restore(types.map((t) => (t === undefined ? undefined : { dtype: t.dtype, shape: t.shape.slice() })));
    }
    const valueInputs = SHAPE_RULES[op];
    if (valueInputs === undefined) return undefined;
    let total = 0;
    const args: (OTensor | undefined)[] = [];
    for (let i = 0; i < ins.length; i++) {
      if (!present[i]) {
        args.push(undefined);
        continue;
      }
      const c = consts[i];
      if (c !== undefined && (batch === undefined || i !== 0)) {
        args.push(c);
        continue;
      }
      if (valueInputs.includes(i)) return undefined;
      const n = numelOf(shapes[i] as number[]);
      total += n;
      if (!(total <= MAX_FALLBACK_ELEMENTS)) return undefined;
      args.push({ dtype: ins[i]!.dtype!, shape: (shapes[i] as number[]).slice(), data: allocData(ins[i]!.dtype!, n) });
    }
    const outs = kernel(args);
    return restore(outs.map((t) => (t === undefined ? undefined : { dtype: t.dtype, shape: t.shape.slice() })));
  } catch {
    return undefined;
  }
}

/** A tensor holding `v`'s elements, when they are all numbers (the node then folds). */
export function materialize(v: SymValue): OTensor | undefined {
  if (v.dtype === undefined || !allNum(v.shape) || !allNum(v.value) || numelOf(v.shape) !== v.value.length) return undefined;
  if (!isInt(v.dtype) && v.dtype !== 'bool') return undefined;
  const data = allocData(v.dtype, v.value.length);
  for (let i = 0; i < v.value.length; i++) (data as { [k: number]: number | bigint })[i] = v.dtype === 'int64' ? BigInt(v.value[i]) : v.value[i];
  return { dtype: v.dtype, shape: v.shape.slice(), data };
}

/** What an If's output is when either branch may run: what both branches agree on. */
export function either(a: SymValue | undefined, b: SymValue | undefined, fresh: () => string): SymValue | undefined {
  if (a === undefined || b === undefined) return undefined;
  const dtype = a.dtype === b.dtype ? a.dtype : undefined;
  if (a.shape === undefined || b.shape === undefined || a.shape.length !== b.shape.length) return { dtype };
  return { dtype, shape: a.shape.map((d, i) => (d === b.shape![i] ? d : fresh())) };
}

/** One load's inference, as loadOnnxWith and the planner use it (see the module comment). */
export interface LoadInference {
  /** Applies freeDimensions and the declarations given to the graph inputs' (before planning). */
  declare(inputs: OnnxInputInfo[]): void;
  /** The graph inputs' types, from their declarations, for the slots not fixed to a value. */
  inputs(inputs: readonly OnnxInputInfo[], slots: readonly number[], fixed: readonly boolean[]): void;
  /**
   * A node's outputs as constants when inference knows every one to the element (the node
   * folds); else undefined, and `typed` then gets the slots of its outputs.
   */
  node(ctx: NodeContext, kernel: NodeFn, inputs: readonly number[], constInputs: readonly (OTensor | undefined)[], constants: readonly (OTensor | undefined)[]): OTensor[] | undefined;
  typed(slots: readonly number[]): void;
  /** An If's output slots: what its branches' outputs agree on. */
  either(slots: readonly number[], thenSlots: ArrayLike<number>, elseSlots: ArrayLike<number>, constants: readonly (OTensor | undefined)[]): void;
  /** The graph outputs' declarations, completed by inference where they leave a dtype, a rank or a dim open. */
  outputs(declared: OnnxOutputInfo[], slots: ArrayLike<number>, constants: readonly (OTensor | undefined)[]): OnnxOutputInfo[];
  /** The inferred type of each graph output, inference's own symbols included (set by `outputs`). */
  readonly outputTypes: (SymValue | undefined)[];
  /** What is known of `slot` (a constant: its own type, and its elements when small). */
  typeOf(slot: number, constants: readonly (OTensor | undefined)[]): SymValue | undefined;
  /** Sets what is known of run-time slots: a function body's inputs and captured values. */
  assign(slots: readonly number[], types: readonly (SymValue | undefined)[]): void;
  /** Inference over the slots of a function body (body-plan.ts), with this load's symbols. */
  body(): LoadInference;
}

/**
 * Inference for one load. `freeDimensions` (LoadOnnxOptions) sizes named dims; `declared` replaces
 * inputs' declarations (tests declare every dim symbolic).
 */
export function shapeInference(freeDimensions?: Record<string, number>, declared: Record<string, Dim[]> = {}): LoadInference {
  const free = checkFreeDimensions(freeDimensions);
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  const names = new Set<string>();
  const made = new Set<string>();
  let next = 0;
  // 'unk__N' as onnxruntime names unknown dims, never one the graph declares
  const fresh = (): string => {
    let name: string;
    do name = `unk__${next++}`;
    while (names.has(name));
    made.add(name);
    return name;
  };
  /** An inference over one slot numbering (the graph's, or a body's). */
  const over = (): LoadInference => {
    const types: (SymValue | undefined)[] = [];
    let pending: (SymValue | undefined)[] | undefined;
    const typeOf = (slot: number, constants: readonly (OTensor | undefined)[]) => (slot < 0 ? undefined : constants[slot] !== undefined ? symOf(constants[slot]!) : types[slot]);
    const inference: LoadInference = {
      outputTypes: [],
      typeOf,
      assign(slots, values) {
        slots.forEach((s, i) => (types[s] = values[i]));
      },
      body: over,
      declare(inputs) {
        inputs.forEach((info, i) => {
          const shape = own(declared, info.name) ? declared[info.name] : info.shape;
          inputs[i] = { ...info, shape: shape?.map((d) => (typeof d === 'string' && own(free, d) ? free[d] : d)) };
          for (const d of inputs[i].shape ?? []) if (typeof d === 'string') names.add(d);
        });
      },
      inputs(inputs, slots, fixed) {
        // a declared scalar stays unknown: run() also takes it as a [1] tensor
        inputs.forEach((info, i) => {
          // an optional input's type is its element's (what the optional operators' rules read)
        if (!fixed[i]) types[slots[i]] = { dtype: info.dtype, shape: info.shape?.length ? info.shape.map((d) => (d === null || d === '' ? fresh() : d)) : undefined };
        });
      },
      node(ctx, kernel, inputs, constInputs, constants) {
        pending = inferNode(ctx, kernel, inputs.map((s) => typeOf(s, constants)), constInputs, fresh, names);
        if (pending === undefined) return undefined;
        const values = ctx.node.outputs.map((name, i) => (name === '' || pending![i] === undefined ? undefined : materialize(pending![i]!)));
        return ctx.node.outputs.every((name, i) => name === '' || values[i] !== undefined) ? (values as OTensor[]) : undefined;
      },
      typed(slots) {
        slots.forEach((s, i) => {
          if (s >= 0) types[s] = pending?.[i];
        });
        pending = undefined;
      },
      either(slots, thenSlots, elseSlots, constants) {
        slots.forEach((s, i) => {
          if (s >= 0) types[s] = either(typeOf(thenSlots[i], constants), typeOf(elseSlots[i], constants), fresh);
        });
      },
      outputs(infos, slots, constants) {
        // a dim that is or holds a fresh symbol is unknown to the caller
        const dim = (d: Dim | undefined): number | string | null => (d === undefined || monomial(d, names).atoms.some((a) => made.has(a)) ? null : d);
        return infos.map((declaredInfo, i) => {
          const info = { ...declaredInfo, shape: declaredInfo.shape?.map((d) => (typeof d === 'string' && own(free, d) ? free[d] : d)) };
          const t = typeOf(slots[i], constants);
          inference.outputTypes.push(t);
          if (t === undefined) return info;
          const shape = info.shape === undefined ? t.shape?.map(dim) : t.shape?.length === info.shape.length ? info.shape.map((d, k) => (d === null || d === '' ? dim(t.shape![k]) : d)) : info.shape;
          return { ...info, dtype: info.dtype ?? t.dtype, shape };
        });
      },
    };
    return inference;
  };
  return over();
}

function checkFreeDimensions(dims: unknown): Record<string, number> {
  if (dims === undefined) return {};
  if (dims === null || typeof dims !== 'object' || Array.isArray(dims)) throw new RnnError('INVALID_OPTION', `loadOnnx: freeDimensions must be an object of dim name -> size, got ${kindOf(dims)}`);
  for (const [name, size] of Object.entries(dims)) {
    if (!(Number.isInteger(size) && size >= 0)) throw new RnnError('INVALID_OPTION', `loadOnnx: freeDimensions['${name}'] must be an integer >= 0, got ${String(size)}`);
  }
  return dims as Record<string, number>;
}
