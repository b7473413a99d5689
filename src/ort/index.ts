/**
 * wasm-rnn/ort: an onnxruntime-web-compatible API over wasm-rnn's ONNX importer, so that code
 * written for onnxruntime-web (vad-web's Silero classes, for one) runs on wasm-rnn unchanged:
 *
 *   import * as ort from 'wasm-rnn/ort';
 *   const session = await ort.InferenceSession.create(modelBytes);
 *   const out = await session.run({ input: new ort.Tensor('float32', samples, [1, samples.length]) });
 *
 * What of onnxruntime-web's API is here and what is not: docs/ort.md.
 */
export { InferenceSession } from './session.js';
export type { SessionOptions, RunOptions, FeedsType, FetchesType, OutputsType, TensorLike, ValueMetadata } from './session.js';
export { Tensor } from './tensor.js';
export type { TensorType, TensorDataType, DataTypeMap } from './tensor.js';
export { env } from './env.js';
export type { Env } from './env.js';
export { RnnError } from '../../base/errors.js';
export type { RnnErrorCode } from '../../base/errors.js';
