/**
 * The operator registry SileroVad loads with: exactly the operators Silero VAD v4 (legacy), v5
 * and v6 use (If is the planner's own), so that a page running it ships as little as it can. The
 * layout, shape, conv, elementwise and reduction factories are picked one by one, so a bundler
 * drops the rest of their files (Tile, Split, Range, Expand, Flatten, ConvTranspose, the other
 * activations, reductions, arithmetic and comparisons...). A model that needs another
 * operator fails to load with UNSUPPORTED naming it; loadOnnx (registry.ts) has them all.
 */
import { addOp, mulOp } from './ops/arithmetic.js';
import { convFloat32Op } from './ops/conv.js';
import { logOp, negOp, pow, reluOp, sigmoidOp, sqrtOp } from './ops/elementwise.js';
import { cast, concat, constant, constantOfShape, gather, identity, reshape, shapeOp, slice, squeeze, transpose, unsqueeze } from './ops/layout.js';
import { equalOp, notOp } from './ops/logical.js';
import { withMovementPrepares } from './ops/movement.js';
import { reduceMean } from './ops/reduce.js';
import { pad, size } from './ops/shape.js';
import type { OpFactory } from './ops/util.js';
import { fastRecurrentOp } from './recurrent-op.js';

/** Silero's LSTMs take the fast path, so the LSTM here has no general path and a page running the VAD ships no JS recurrence. */
export const SILERO_OPS: Record<string, OpFactory> = {
  ...withMovementPrepares({
    Add: addOp,
    Mul: mulOp,
    Log: logOp,
    Neg: negOp,
    Pow: pow,
    Relu: reluOp,
    Sigmoid: sigmoidOp,
    Sqrt: sqrtOp,
    Equal: equalOp,
    Not: notOp,
    ReduceMean: reduceMean,
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
  Conv: convFloat32Op,
  LSTM: fastRecurrentOp('LSTM'),
};
