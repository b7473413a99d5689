/**
 * Add, Sub, Mul, Div with multidirectional broadcasting: float32 through the per-operator loops
 * of loops.ts, int64 / int32 exactly (integer Div truncates; division by zero is INVALID_INPUT).
 */
import type { NodeContext } from '../node.js';
import { alloc, sameShape } from '../values.js';
import { broadcastShapes, bstrides, forBroadcast, sameDtype, type OpFactory } from './util.js';
import { BroadcastCache, binaryF32, type BinaryF32 } from './loops.js';


type BinI = (a: bigint, b: bigint) => bigint;

function binary(name: BinaryF32, fi: BinI): OpFactory {
  return (ctx) => {
    ctx.allowOnly(ctx.opset < 7 ? ['broadcast', 'axis'] : []);
    const indices = new BroadcastCache();
    return (ins) => {
      const a = ctx.input(ins, 0, 'A');
      const b = ctx.input(ins, 1, 'B');
      const dtype = sameDtype(ctx, [a, b]);
      const shape = broadcastShapes(ctx, a.shape, b.shape);
      const out = alloc(dtype, shape, ctx.label);
      if (dtype === 'float32') {
        const z = out.data as Float32Array;
        if (sameShape(a.shape, b.shape)) binaryF32(name, a.data as Float32Array, b.data as Float32Array, z);
        else {
          const [ia, ib] = indices.get(a.shape, b.shape, shape);
          binaryF32(name, a.data as Float32Array, b.data as Float32Array, z, ia, ib);
        }
        return [out];
      }
      const sa = bstrides(a.shape, shape);
      const sb = bstrides(b.shape, shape);
      if (dtype === 'int64') {
        const x = a.data as BigInt64Array;
        const y = b.data as BigInt64Array;
        const z = out.data as BigInt64Array;
        forBroadcast(shape, sa, sb, (o, i, j) => (z[o] = BigInt.asIntN(64, fi(x[i], y[j]))));
      } else if (dtype === 'int32') {
        const x = a.data as Int32Array;
        const y = b.data as Int32Array;
        const z = out.data as Int32Array;
        forBroadcast(shape, sa, sb, (o, i, j) => (z[o] = Number(BigInt.asIntN(32, fi(BigInt(x[i]), BigInt(y[j]))))));
      } else throw ctx.error('DTYPE_MISMATCH', `${name} of bool tensors is not supported`);
      return [out];
    };
  };
}

function divInt(ctx: NodeContext): BinI {
  return (a, b) => {
    if (b === 0n) throw ctx.error('INVALID_INPUT', 'integer division by zero');
    return a / b;
  };
}


export const ARITHMETIC_OPS: Record<string, OpFactory> = {
  Add: (ctx) => binary('Add', (a, b) => a + b)(ctx),
  Sub: (ctx) => binary('Sub', (a, b) => a - b)(ctx),
  Mul: (ctx) => binary('Mul', (a, b) => a * b)(ctx),
  Div: (ctx) => binary('Div', divInt(ctx))(ctx),
};
