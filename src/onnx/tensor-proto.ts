import { RnnError } from '../../base/errors.js';
import type { Tensor } from '../../base/tensor.js';
import { decodeTensorProto } from './proto.js';
import { toPublic, tensorFromProto } from './values.js';
import { Reader } from './wire.js';

/**
 * Decodes one serialized ONNX TensorProto (the `input_N.pb` / `output_N.pb` files of ONNX's test
 * suites). float32/double/float16 become Float32Array, int64/uint64/uint32 BigInt64Array, smaller
 * integer types Int32Array, bool Int32Array of 0/1.
 */
export function readTensorProto(bytes: Uint8Array): Tensor & { name: string } {
  if (!(bytes instanceof Uint8Array)) {
    throw new RnnError('INVALID_INPUT', `readTensorProto: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  const msg = decodeTensorProto(new Reader(bytes, 'TensorProto'));
  return { ...toPublic(tensorFromProto(msg, 'TensorProto')), name: msg.name };
}
