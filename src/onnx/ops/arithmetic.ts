/**
 * Add, Sub, Mul, Div and Mod with multidirectional broadcasting: float32 through the per-operator
 * loops of loops.ts (Mod: C's fmod), int64 on bigints, int32 and the narrower integers on JS
 * numbers computed exactly and wrapped to the element type by the store (integer Div truncates;
 * an integer division by zero is INVALID_INPUT).
 */
import type { NodeFn, NodeContext } from '../node.js';
import { alloc, numelOf, sameShape } from '../values.js';
import { broadcastIndex, broadcastShapes, bstrides, forBroadcast, requireOpset, sameDtype, type OpFactory } from './util.js';
import { BroadcastCache, binaryF32, binaryScalarF32, type BinaryF32 } from './loops.js';

/** One operator's integer math: on numbers (int32 and narrower; exact before the store wraps) and on int64 bigints. */
interface IntMath {
  num: (a: number, b: number) => number;
  big: (a: bigint, b: bigint) => bigint;
}

/**
 * A broadcasting binary operator. `f32` is its float32 loop (loops.ts) or element function; `int`
 * its integer math, absent for an operator without integer inputs.
 */
function binary(ctx: NodeContext, f32: BinaryF32 | ((a: number, b: number) => number), int: IntMath | undefined): NodeFn {
  const indices = new BroadcastCache();
  const kernel: NodeFn = (ins) => {
    const a = ctx.input(ins, 0, 'A');
    const b = ctx.input(ins, 1, 'B');
    const dtype = sameDtype(ctx, [a, b]);
    const shape = broadcastShapes(ctx, a.shape, b.shape);
    const out = alloc(dtype, shape, ctx.label);
    if (dtype === 'float32' && typeof f32 === 'string') {
      const z = out.data as Float32Array;
      if (sameShape(a.shape, b.shape)) binaryF32(f32, a.data as Float32Array, b.data as Float32Array, z);
      else {
        const [ia, ib] = indices.get(a.shape, b.shape, shape);
        binaryF32(f32, a.data as Float32Array, b.data as Float32Array, z, ia, ib);
      }
      return [out];
    }
    const sa = bstrides(a.shape, shape);
    const sb = bstrides(b.shape, shape);
    if (dtype === 'float32') {
      const fn = f32 as (a: number, b: number) => number;
      const x = a.data as Float32Array;
      const y = b.data as Float32Array;
      const z = out.data as Float32Array;
      forBroadcast(shape, sa, sb, (o, i, j) => (z[o] = fn(x[i], y[j])));
    } else if (dtype === 'bool' || int === undefined) {
      throw ctx.error('DTYPE_MISMATCH', `${ctx.node.opType} of ${dtype} tensors is not supported`);
    } else if (dtype === 'int64') {
      const x = a.data as BigInt64Array;
      const y = b.data as BigInt64Array;
      const z = out.data as BigInt64Array;
      forBroadcast(shape, sa, sb, (o, i, j) => (z[o] = int.big(x[i], y[j])));
    } else {
      // int32, int16, int8, uint16, uint8: the typed-array store wraps the exact result.
      const x = a.data as Int32Array;
      const y = b.data as Int32Array;
      const z = out.data as Int32Array;
      forBroadcast(shape, sa, sb, (o, i, j) => (z[o] = int.num(x[i], y[j])));
    }
    return [out];
  };
  if (typeof f32 === 'string') {
    // float32 through the operator's loop, its broadcast index arrays made once
    kernel.prepare = ([a, b]) => {
      if (a?.dtype !== 'float32' || b?.dtype !== 'float32') return undefined;
      let shape: number[];
      try {
        shape = broadcastShapes(ctx, a.shape, b.shape);
      } catch {
        return undefined;
      }
      // one operand a single element spread over the other's shape (Silero's `1 + x`, `x * 2^20`,
      // `x - mean`): a loop with the scalar hoisted, no index arrays
      const n = numelOf(shape);
      if (numelOf(b.shape) === 1 && numelOf(a.shape) === n && n > 1) {
        return { outputs: [{ dtype: 'float32', shape }], run: (ins, outs) => binaryScalarF32(f32, ins[0]!.data as Float32Array, (ins[1]!.data as Float32Array)[0], outs[0].data as Float32Array, false) };
      }
      if (numelOf(a.shape) === 1 && numelOf(b.shape) === n && n > 1) {
        return { outputs: [{ dtype: 'float32', shape }], run: (ins, outs) => binaryScalarF32(f32, ins[1]!.data as Float32Array, (ins[0]!.data as Float32Array)[0], outs[0].data as Float32Array, true) };
      }
      const [ia, ib] = sameShape(a.shape, b.shape) ? [undefined, undefined] : [broadcastIndex(a.shape, shape), broadcastIndex(b.shape, shape)];
      return {
        outputs: [{ dtype: 'float32', shape }],
        run: (ins, outs) => binaryF32(f32, ins[0]!.data as Float32Array, ins[1]!.data as Float32Array, outs[0].data as Float32Array, ia, ib),
      };
    };
  }
  return kernel;
}

function divisionByZero(ctx: NodeContext): never {
  throw ctx.error('INVALID_INPUT', 'integer division by zero');
}

/** The legacy broadcast attributes of the binary operators before opset 7. */
const legacyAttrs = (ctx: NodeContext) => (ctx.opset < 7 ? ['broadcast', 'axis'] : []);

function arithmetic(name: BinaryF32, int: (ctx: NodeContext) => IntMath): OpFactory {
  return (ctx) => {
    ctx.allowOnly(legacyAttrs(ctx));
    return binary(ctx, name, int(ctx));
  };
}

const ADD: IntMath = { num: (a, b) => a + b, big: (a, b) => a + b };
const SUB: IntMath = { num: (a, b) => a - b, big: (a, b) => a - b };
// Math.imul: the low 32 bits of the product, exact (a * b in float64 is not, beyond 2^53).
const MUL: IntMath = { num: (a, b) => Math.imul(a, b), big: (a, b) => a * b };

/** Truncating integer division (|a|, |b| < 2^32: trunc of the float64 quotient is exact). */
const div = (ctx: NodeContext): IntMath => ({
  num: (a, b) => (b === 0 ? divisionByZero(ctx) : Math.trunc(a / b)),
  big: (a, b) => (b === 0n ? divisionByZero(ctx) : a / b),
});

/**
 * Mod (10): `fmod` 0 is the integer remainder with the divisor's sign (Python's %), 1 is C's
 * fmod with the dividend's sign, which floats require.
 */
const mod: OpFactory = (ctx) => {
  requireOpset(ctx, 10);
  ctx.allowOnly(['fmod']);
  const fmod = ctx.int('fmod', 0);
  if (fmod !== 0 && fmod !== 1) throw ctx.error('INVALID_FORMAT', `attribute 'fmod' must be 0 or 1, got ${fmod}`);
  const int: IntMath = fmod === 1
    ? { num: (a, b) => (b === 0 ? divisionByZero(ctx) : a % b), big: (a, b) => (b === 0n ? divisionByZero(ctx) : a % b) }
    : {
      num: (a, b) => {
        if (b === 0) divisionByZero(ctx);
        const r = a % b;
        return r !== 0 && r < 0 !== b < 0 ? r + b : r;
      },
      big: (a, b) => {
        if (b === 0n) divisionByZero(ctx);
        const r = a % b;
        return r !== 0n && r < 0n !== b < 0n ? r + b : r;
      },
    };
  // JS % on floats is C's fmod, exact; x % 0 is NaN as in C.
  const run = binary(ctx, (a, b) => a % b, int);
  return (ins) => {
    if (fmod === 0 && ins[0]?.dtype === 'float32') {
      throw ctx.error('DTYPE_MISMATCH', "float inputs need attribute 'fmod' = 1 (fmod 0 is the integer remainder)");
    }
    return run(ins);
  };
};

// one by one, so that a bundle taking some (silero-ops.ts) drops the rest
export const addOp = /* @__PURE__ */ arithmetic('Add', () => ADD);
export const mulOp = /* @__PURE__ */ arithmetic('Mul', () => MUL);

export const ARITHMETIC_OPS: Record<string, OpFactory> = {
  Add: addOp,
  Sub: /* @__PURE__ */ arithmetic('Sub', () => SUB),
  Mul: mulOp,
  Div: /* @__PURE__ */ arithmetic('Div', div),
  Mod: mod,
};
