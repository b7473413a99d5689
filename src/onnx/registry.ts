/** loadOnnx: the ONNX importer with every operator it has (silero-ops.ts holds a subset). */
import { loadOnnxWith, type LoadOnnxOptions, type OnnxModel } from './model.js';
import { OPS } from './ops.js';
import { CONV_OPS } from './ops/conv.js';
import { LOOP_OPS } from './ops/loop-scan.js';
import { SEQUENCE_OPS } from './ops/sequence.js';
import { OPTIONAL_OPS } from './ops/optional.js';
import { INDEXING_OPS } from './ops/indexing.js';
import { SIGNAL_OPS } from './ops/signal.js';
import { RESIZE_OPS } from './ops/resize.js';
import { QUANTIZE_OPS } from './ops/quantize.js';
import type { OpFactory } from './ops/util.js';
import { supportedOps } from './plan.js';
import { shapeInference } from './infer.js';
import { recurrentOp } from './recurrent.js';

export const ALL_OPS: Record<string, OpFactory> = {
  ...OPS,
  ...CONV_OPS,
  ...LOOP_OPS,
  ...SEQUENCE_OPS,
  ...OPTIONAL_OPS,
  ...INDEXING_OPS,
  ...SIGNAL_OPS,
  ...RESIZE_OPS,
  ...QUANTIZE_OPS,
  LSTM: recurrentOp('LSTM'),
  GRU: recurrentOp('GRU'),
  RNN: recurrentOp('RNN'),
};

/** Names of the operators loadOnnx supports (default domain). */
export const SUPPORTED_OPS: readonly string[] = supportedOps(ALL_OPS);

/**
 * Decodes a .onnx file, checks the graph (topological order, supported operators, opsets) and
 * prepares every node once; run() executes them (model.ts).
 */
export function loadOnnx(bytes: Uint8Array, options: LoadOnnxOptions = {}): OnnxModel {
  return loadOnnxWith(ALL_OPS, bytes, options, undefined, shapeInference(options?.freeDimensions));
}
