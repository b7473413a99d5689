/**
 * The operator registry SileroVad loads with: exactly the operators Silero VAD v4 (legacy), v5
 * and v6 use (If is the planner's own), so that a page running it ships as little as it can. The
 * layout, shape and conv factories are picked one by one, so a bundler drops the rest of their
 * files (Tile, Split, Range, Expand, Flatten, ConvTranspose...); the arithmetic, elementwise,
 * logical and reduction tables are built by calls and ship whole. A model that needs another
 * operator fails to load with UNSUPPORTED naming it; loadOnnx (registry.ts) has them all.
 */
import { ARITHMETIC_OPS } from './ops/arithmetic.js';
import { convOp } from './ops/conv.js';
import { ELEMENTWISE_OPS } from './ops/elementwise.js';
import { cast, concat, constant, constantOfShape, gather, identity, reshape, shapeOp, slice, squeeze, transpose, unsqueeze } from './ops/layout.js';
import { LOGICAL_OPS } from './ops/logical.js';
import { withMovementPrepares } from './ops/movement.js';
import { REDUCE_OPS } from './ops/reduce.js';
import { pad, size } from './ops/shape.js';
import type { OpFactory } from './ops/util.js';
import { fastRecurrentOp } from './recurrent-op.js';

/** Silero's LSTMs take the fast path, so the LSTM here has no general path and a page running the VAD ships no JS recurrence. */
export const SILERO_OPS: Record<string, OpFactory> = {
  ...withMovementPrepares({
    Add: ARITHMETIC_OPS.Add,
    Mul: ARITHMETIC_OPS.Mul,
    Log: ELEMENTWISE_OPS.Log,
    Neg: ELEMENTWISE_OPS.Neg,
    Pow: ELEMENTWISE_OPS.Pow,
    Relu: ELEMENTWISE_OPS.Relu,
    Sigmoid: ELEMENTWISE_OPS.Sigmoid,
    Sqrt: ELEMENTWISE_OPS.Sqrt,
    Equal: LOGICAL_OPS.Equal,
    Not: LOGICAL_OPS.Not,
    ReduceMean: REDUCE_OPS.ReduceMean,
    Cast: cast,
    Concat: concat,
    Constant: constant,
    ConstantOfShape: constantOfShape,
    Gather: gather,
    Identity: identity,
    Pad: pad,
    Reshape: reshape,
    Shape: shapeOp,
    Size: size,
    Slice: slice,
    Squeeze: squeeze,
    Transpose: transpose,
    Unsqueeze: unsqueeze,
  }),
  Conv: convOp,
  LSTM: fastRecurrentOp('LSTM'),
};
