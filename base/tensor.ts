import { RnnError, fmtShape } from './errors.js';

/**
 * Element storage of a tensor. Float tensors are always Float32Array. Int8Array holds int8 weights
 * (docs/quantization.md) and is accepted only where a function says so (state dicts, safetensors).
 */
export type TensorData = Float32Array | Int32Array | BigInt64Array | Int8Array;

/** A plain dense row-major tensor. */
export interface Tensor<D extends TensorData = TensorData> {
  data: D;
  shape: number[];
}

export type DType = 'float32' | 'int32' | 'int64' | 'int8';

export function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  return 'int64';
}

/** Number of elements of a shape (1 for a scalar []). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]; // an index loop: no iterator per call
  return n;
}

/**
 * Checks that `t` is a well-formed tensor: an object with a supported typed array and a shape of
 * non-negative safe integers whose product equals the data length. `what` names it in errors.
 */
export function checkTensor(t: unknown, what: string, allowInt8 = false): asserts t is Tensor {
  if (t === null || typeof t !== 'object') {
    throw new RnnError('INVALID_INPUT', `${what}: expected a tensor { data, shape }, got ${t === null ? 'null' : typeof t}`);
  }
  const { data, shape } = t as { data?: unknown; shape?: unknown };
  if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof BigInt64Array || (allowInt8 && data instanceof Int8Array))) {
    const got = data === undefined ? 'undefined' : (data as object)?.constructor?.name ?? typeof data;
    throw new RnnError('DTYPE_MISMATCH', `${what}: data must be a Float32Array, Int32Array${allowInt8 ? ', BigInt64Array or Int8Array' : ' or BigInt64Array'}, got ${got}`);
  }
  if (!Array.isArray(shape)) {
    throw new RnnError('INVALID_INPUT', `${what}: shape must be an array of integers, got ${typeof shape}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new RnnError('INVALID_INPUT', `${what}: shape ${JSON.stringify(shape)} has a dimension that is not a non-negative integer`);
    }
  }
  const n = numel(shape);
  if (n !== data.length) {
    throw new RnnError('INVALID_INPUT', `${what}: shape ${fmtShape(shape)} has ${n} elements but data has ${data.length}`);
  }
}

/** Checks `t` is a float32 tensor (see checkTensor). */
export function checkFloatTensor(t: unknown, what: string): asserts t is Tensor<Float32Array> {
  checkTensor(t, what);
  if (!(t.data instanceof Float32Array)) {
    throw new RnnError('DTYPE_MISMATCH', `${what}: expected float32 data, got ${dtypeOf(t.data)}`);
  }
}

/** Checks that `t.shape` equals `expected` exactly. */
export function checkShape(t: Tensor, expected: readonly number[], what: string): void {
  const s = t.shape;
  if (s.length !== expected.length || s.some((d, i) => d !== expected[i])) {
    throw new RnnError('SHAPE_MISMATCH', `${what}: expected shape ${fmtShape(expected)}, got ${fmtShape(s)}`);
  }
}
