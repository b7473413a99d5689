/**
 * The operator registry: every non-recurrent operator loadOnnx supports, by family (one file each
 * in ops/). Each factory validates its node's attributes at load (opset-dependent signatures
 * resolved there) and returns the kernel run for every call. Float math is done in float64 and
 * rounded to float32 once per output element.
 */
import type { OpFactory } from './ops/util.js';
import { ARITHMETIC_OPS } from './ops/arithmetic.js';
import { ELEMENTWISE_OPS } from './ops/elementwise.js';
import { LAYOUT_OPS } from './ops/layout.js';
import { LINALG_OPS } from './ops/linalg.js';
import { LOGICAL_OPS } from './ops/logical.js';
import { MISC_OPS } from './ops/misc.js';
import { NORM_OPS } from './ops/norm.js';
import { POOL_OPS } from './ops/pool.js';
import { REDUCE_OPS } from './ops/reduce.js';
import { SHAPE_OPS } from './ops/shape.js';
import { SOFTMAX_OPS } from './ops/softmax.js';
import { copyByRunsOrIndex, withMovementPrepares } from './ops/movement.js';

export * from './ops/util.js';
export { sigmoid } from './ops/elementwise.js';
export { transposeData } from './ops/layout.js';

export const OPS: Record<string, OpFactory> = withMovementPrepares({
  ...ARITHMETIC_OPS,
  ...LAYOUT_OPS,
  ...LINALG_OPS,
  ...SOFTMAX_OPS,
  ...ELEMENTWISE_OPS,
  ...LOGICAL_OPS,
  ...REDUCE_OPS,
  ...SHAPE_OPS,
  ...NORM_OPS,
  ...POOL_OPS,
  ...MISC_OPS,
}, copyByRunsOrIndex);
