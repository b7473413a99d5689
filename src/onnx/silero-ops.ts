/**
 * The operator registry SileroVad loads with: the families Silero VAD v4 / v5 / v6 use, so that a
 * page running it ships none of the others (pooling, normalisation, MatMul / Gemm, softmax,
 * TopK / CumSum / Einsum; registry.ts has them all). A model that needs another operator fails to
 * load with UNSUPPORTED naming it, as with loadOnnx.
 */
import { ARITHMETIC_OPS } from './ops/arithmetic.js';
import { CONV_OPS } from './ops/conv.js';
import { ELEMENTWISE_OPS } from './ops/elementwise.js';
import { LAYOUT_OPS } from './ops/layout.js';
import { LOGICAL_OPS } from './ops/logical.js';
import { withMovementPrepares } from './ops/movement.js';
import { REDUCE_OPS } from './ops/reduce.js';
import { SHAPE_OPS } from './ops/shape.js';
import type { OpFactory } from './ops/util.js';
import { fastRecurrentOp } from './recurrent-op.js';

/**
 * Conv, LSTM and the elementwise, layout, logical, reduction and Pad / Size operators around them
 * (If is the planner's own). Silero's LSTMs take the fast path, so the LSTM here has no general
 * path and a page running the VAD ships no JS recurrence.
 */
export const SILERO_OPS: Record<string, OpFactory> = {
  ...withMovementPrepares({ ...ARITHMETIC_OPS, ...ELEMENTWISE_OPS, ...LAYOUT_OPS, ...LOGICAL_OPS, ...REDUCE_OPS, ...SHAPE_OPS }),
  ...CONV_OPS,
  LSTM: fastRecurrentOp('LSTM'),
};
