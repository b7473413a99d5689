/**
 * Tensor of the onnxruntime-web-compatible entry: the constructor overloads and fields of
 * onnxruntime-common's Tensor for the element types wasm-rnn's ONNX importer computes in.
 * Data stays on the CPU ('cpu' location); typed arrays are kept by reference, plain arrays copied.
 */
import { RnnError, fmtShape, kindOf } from '../../base/errors.js';

/** The element types this entry supports (onnxruntime's names). */
export type TensorType = 'float32' | 'float64' | 'float16' | 'int64' | 'uint64' | 'int32' | 'uint32' | 'int16' | 'int8' | 'uint16' | 'uint8' | 'bool';

/** The typed array of each type, as in onnxruntime: bool is one byte per element. */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  /** binary16 bits, as onnxruntime takes them where the engine has no Float16Array (a Float16Array is taken too). */
  float16: Uint16Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint16: Uint16Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type TensorDataType = DataTypeMap[TensorType];

const ARRAY_OF: { [T in TensorType]: { name: string; is(d: unknown): d is DataTypeMap[T] } } = {
  float32: { name: 'Float32Array', is: (d): d is Float32Array => d instanceof Float32Array },
  float64: { name: 'Float64Array', is: (d): d is Float64Array => d instanceof Float64Array },
  float16: { name: 'Uint16Array (or Float16Array)', is: (d): d is Uint16Array => d instanceof Uint16Array || isFloat16Array(d) },
  int64: { name: 'BigInt64Array', is: (d): d is BigInt64Array => d instanceof BigInt64Array },
  uint64: { name: 'BigUint64Array', is: (d): d is BigUint64Array => d instanceof BigUint64Array },
  int32: { name: 'Int32Array', is: (d): d is Int32Array => d instanceof Int32Array },
  uint32: { name: 'Uint32Array', is: (d): d is Uint32Array => d instanceof Uint32Array },
  int16: { name: 'Int16Array', is: (d): d is Int16Array => d instanceof Int16Array },
  int8: { name: 'Int8Array', is: (d): d is Int8Array => d instanceof Int8Array },
  uint16: { name: 'Uint16Array', is: (d): d is Uint16Array => d instanceof Uint16Array },
  uint8: { name: 'Uint8Array', is: (d): d is Uint8Array => d instanceof Uint8Array },
  bool: { name: 'Uint8Array', is: (d): d is Uint8Array => d instanceof Uint8Array },
};
/** onnxruntime types that exist but that this entry does not compute in. */
const OTHER_ORT_TYPES = ['string', 'int4', 'uint4'];

/** The engine's Float16Array (Node >= 24, recent browsers), or undefined. */
export const Float16ArrayOf = (globalThis as {
  Float16Array?: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): Uint16Array; from(v: Iterable<number> | ArrayLike<number>): Uint16Array };
}).Float16Array;

/** Whether `d` is a Float16Array of this engine. */
export function isFloat16Array(d: unknown): boolean {
  return Float16ArrayOf !== undefined && d instanceof (Float16ArrayOf as unknown as Function);
}

/** The range of the integer types held as JS numbers. */
const INT_RANGE: Partial<Record<TensorType, [number, number]>> = {
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295], int16: [-32768, 32767], int8: [-128, 127], uint16: [0, 65535], uint8: [0, 255],
};

export { kindOf };

function isTensorType(t: unknown): t is TensorType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(ARRAY_OF, t);
}

function typeError(type: unknown): RnnError {
  if (typeof type === 'string' && OTHER_ORT_TYPES.includes(type)) {
    return new RnnError('UNSUPPORTED', `Tensor: type '${type}' is not supported; supported types: ${Object.keys(ARRAY_OF).join(', ')}`);
  }
  return new RnnError('INVALID_INPUT', `Tensor: unknown type ${JSON.stringify(type)}; supported types: ${Object.keys(ARRAY_OF).join(', ')}`);
}

/** Copies a plain array into the typed array of `type`; every element must fit it exactly. */
function fromArray(type: TensorType, values: readonly unknown[]): TensorDataType {
  const bad = (i: number, want: string) =>
    new RnnError('DTYPE_MISMATCH', `Tensor: element ${i} of a ${type} tensor's data must be ${want}, got ${typeof values[i] === 'bigint' ? `${values[i]}n` : JSON.stringify(values[i])}`);
  switch (type) {
    case 'float32':
    case 'float64': {
      const out = new (type === 'float32' ? Float32Array : Float64Array)(values.length);
      values.forEach((v, i) => {
        if (typeof v !== 'number') throw bad(i, 'a number');
        out[i] = v;
      });
      return out;
    }
    case 'float16':
      // as onnxruntime: numbers become half floats only through the engine's Float16Array
      if (Float16ArrayOf === undefined) {
        throw new RnnError('DTYPE_MISMATCH', 'Tensor: a float16 tensor from a number array needs Float16Array, which this engine lacks; pass a Uint16Array of binary16 bits');
      }
      values.forEach((v, i) => {
        if (typeof v !== 'number') throw bad(i, 'a number');
      });
      return Float16ArrayOf.from(values as number[]);
    case 'uint32':
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint16':
    case 'uint8': {
      const [min, max] = INT_RANGE[type]!;
      const out = new ARRAY_CONSTRUCTOR[type](values.length);
      values.forEach((v, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(i, `an integer in the ${type} range`);
        out[i] = v;
      });
      return out;
    }
    case 'int64':
      return BigInt64Array.from(values, (v, i) => {
        if (typeof v === 'bigint' && BigInt.asIntN(64, v) === v) return v;
        if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
        throw bad(i, 'a bigint in the int64 range or a safe integer');
      });
    case 'uint64':
      return BigUint64Array.from(values, (v, i) => {
        if (typeof v === 'bigint' && BigInt.asUintN(64, v) === v) return v;
        if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
        throw bad(i, 'a bigint in the uint64 range or a non-negative safe integer');
      });
    case 'bool':
      return Uint8Array.from(values, (v, i) => {
        if (typeof v === 'boolean') return v ? 1 : 0;
        if (v === 0 || v === 1) return v;
        throw bad(i, 'a boolean (or 0 / 1)');
      });
  }
}

/** The types a typed array alone names (float16 and bool need the type given, or a Float16Array). */
const INFERRED = ['float32', 'float64', 'int64', 'uint64', 'int32', 'uint32', 'int16', 'uint16', 'int8', 'uint8'] as const;

const ARRAY_CONSTRUCTOR = { int32: Int32Array, uint32: Uint32Array, int16: Int16Array, int8: Int8Array, uint16: Uint16Array, uint8: Uint8Array };

function checkDims(dims: unknown, length: number): number[] {
  if (!Array.isArray(dims)) throw new RnnError('INVALID_INPUT', `Tensor: dims must be an array of integers, got ${kindOf(dims)}`);
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new RnnError('INVALID_INPUT', `Tensor: dims ${JSON.stringify(dims)} has a dimension that is not a non-negative integer`);
    }
  }
  const size = (dims as number[]).reduce((a, b) => a * b, 1);
  if (size !== length) throw new RnnError('INVALID_INPUT', `Tensor: dims ${fmtShape(dims as number[])} hold ${size} elements but the data has ${length}`);
  return (dims as number[]).slice();
}

export class Tensor {
  readonly type: TensorType;
  readonly dims: readonly number[];
  /** Number of elements. */
  readonly size: number;
  private cpuData: TensorDataType | undefined;

  /** A tensor of `type` over `data` (its typed array, kept by reference, or a plain array, copied); dims default to [data.length]. */
  constructor(type: TensorType, data: TensorDataType | readonly number[] | readonly bigint[] | readonly boolean[], dims?: readonly number[]);
  /** A tensor whose type follows from the typed array (Float32Array: float32, Uint8Array: uint8...) or a boolean[]. */
  constructor(data: Exclude<TensorDataType, never> | readonly boolean[], dims?: readonly number[]);
  constructor(typeOrData: unknown, dataOrDims?: unknown, maybeDims?: unknown) {
    let type: TensorType;
    let data: TensorDataType;
    let dims: unknown;
    if (typeof typeOrData === 'string') {
      if (!isTensorType(typeOrData)) throw typeError(typeOrData);
      type = typeOrData;
      dims = maybeDims;
      const kind = ARRAY_OF[type];
      if (Array.isArray(dataOrDims)) data = fromArray(type, dataOrDims);
      else if (type === 'float16' && Float16ArrayOf && dataOrDims instanceof Uint16Array) {
        // as onnxruntime: binary16 bits viewed as the engine's Float16Array where it has one
        data = new Float16ArrayOf(dataOrDims.buffer, dataOrDims.byteOffset, dataOrDims.length);
      } else if (kind.is(dataOrDims)) data = dataOrDims;
      else {
        throw new RnnError('DTYPE_MISMATCH', `Tensor: a ${type} tensor's data must be a ${kind.name} or a plain array, got ${kindOf(dataOrDims)}`);
      }
    } else {
      dims = dataOrDims;
      if (Array.isArray(typeOrData)) {
        if (typeOrData.length === 0 || typeof typeOrData[0] !== 'boolean') {
          throw new RnnError('INVALID_INPUT', 'Tensor: the type of a plain array cannot be inferred (only boolean[] can); pass the type first, e.g. new Tensor(\'float32\', data, dims)');
        }
        type = 'bool';
        data = fromArray('bool', typeOrData);
      } else {
        // as onnxruntime: the typed array names the type (a Uint8Array is uint8, a Uint16Array uint16)
        const inferred = isFloat16Array(typeOrData) ? 'float16' : INFERRED.find((t) => ARRAY_OF[t].is(typeOrData));
        if (inferred === undefined) {
          throw new RnnError('DTYPE_MISMATCH', `Tensor: cannot infer a supported type from data of type ${kindOf(typeOrData)} (a typed array of a supported type, or boolean[]; a bool tensor from a Uint8Array needs the type 'bool')`);
        }
        type = inferred;
        data = typeOrData as TensorDataType;
      }
    }
    this.type = type;
    this.dims = dims === undefined ? [data.length] : checkDims(dims, data.length);
    this.size = data.length;
    this.cpuData = data;
  }

  /** The elements (throws DISPOSED after dispose()). */
  get data(): TensorDataType {
    if (this.cpuData === undefined) throw new RnnError('DISPOSED', 'Tensor: data read after dispose()');
    return this.cpuData;
  }

  /** Where the data lives: always 'cpu' (onnxruntime also has GPU locations), 'none' after dispose(). */
  get location(): 'cpu' | 'none' {
    return this.cpuData === undefined ? 'none' : 'cpu';
  }

  /** The data, as onnxruntime's async accessor returns it. */
  async getData(): Promise<TensorDataType> {
    return this.data;
  }

  /** A tensor of the same data (shared, not copied) with other dims. */
  reshape(dims: readonly number[]): Tensor {
    return new Tensor(this.type, this.data, dims);
  }

  /** Drops the reference to the data; later reads of data throw DISPOSED. */
  dispose(): void {
    this.cpuData = undefined;
  }
}
