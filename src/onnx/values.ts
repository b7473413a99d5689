/**
 * The executor's tensor values. Four element types are computed with: float32 (Float32Array),
 * int64 (BigInt64Array), int32 (Int32Array) and bool (Uint8Array of 0/1). Other ONNX element
 * types are widened when a TensorProto is decoded (see docs/onnx.md).
 */
import { RnnError, fmtShape } from '../../base/errors.js';
import { numel, type Tensor } from '../../base/tensor.js';
import { DT, dtName, type TensorProtoMsg } from './proto.js';
import { halfToFloat } from '../../base/half.js';
import { formatError } from './wire.js';

export type ODType = 'float32' | 'int64' | 'int32' | 'bool';
export type OData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface OTensor {
  dtype: ODType;
  data: OData;
  shape: number[];
}

/** Largest tensor the executor allocates (elements); larger requests are OUT_OF_MEMORY errors. */
export const MAX_ELEMENTS = 2 ** 27;

export const numelOf = numel;

/** Whether two shapes are the same dims (an index loop: called on every run of hot kernels). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkSize(shape: readonly number[], what: string): number {
  const n = numelOf(shape);
  if (!(n <= MAX_ELEMENTS)) {
    throw new RnnError('OUT_OF_MEMORY', `${what}: a tensor of shape ${fmtShape(shape)} (${n} elements) exceeds the limit of ${MAX_ELEMENTS} elements`);
  }
  return n;
}

export function allocData(dtype: ODType, n: number): OData {
  if (activeArena !== undefined) {
    const d = activeArena.take(dtype, n);
    if (d !== undefined) return d;
  }
  return newData(dtype, n);
}

function newData(dtype: ODType, n: number): OData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

/**
 * Memory for the values of one run, taken in order from one ArrayBuffer and given back all at
 * once when the next run starts. A typed array with its own buffer costs about 1-1.7 us to make
 * (measured on Node 20 for anything over 64 bytes), which was a third of a Silero VAD frame's
 * ~50 small intermediate values; a view into the arena costs a small fraction of that.
 *
 * A run that needs more than the arena holds gets fresh arrays for the rest, and the next run
 * starts with an arena as large as the whole run needed (up to MAX_ARENA_BYTES), so a steady
 * stream of same-shape runs makes no new buffers. Values taken from the arena are valid until
 * the next run of the same plan starts: the executor copies graph outputs out of it.
 */
export class Arena {
  private buffer: ArrayBuffer | undefined;
  private used = 0;
  /** Bytes the last run asked for, inside the arena or not. */
  private wanted = 0;

  /** Starts a run: everything taken before is free again. */
  reset(): void {
    if (this.wanted > (this.buffer?.byteLength ?? 0) && this.wanted <= MAX_ARENA_BYTES) {
      this.buffer = new ArrayBuffer(this.wanted);
    }
    this.used = 0;
    this.wanted = 0;
  }

  /** Whether `data` lives in this arena. */
  owns(data: OData): boolean {
    return this.buffer !== undefined && data.buffer === this.buffer;
  }

  /** A zeroed array of n elements from the arena, or undefined when it does not fit. */
  take(dtype: ODType, n: number): OData | undefined {
    const bytes = n * (dtype === 'int64' ? 8 : dtype === 'bool' ? 1 : 4);
    this.wanted = ((this.wanted + 7) & ~7) + bytes;
    const at = (this.used + 7) & ~7;
    const end = at + bytes;
    const buffer = this.buffer;
    if (buffer === undefined || end > buffer.byteLength) return undefined;
    this.used = end;
    switch (dtype) {
      case 'float32': return new Float32Array(buffer, at, n).fill(0);
      case 'int64': return new BigInt64Array(buffer, at, n).fill(0n);
      case 'int32': return new Int32Array(buffer, at, n).fill(0);
      case 'bool': return new Uint8Array(buffer, at, n).fill(0);
    }
  }
}

/** Largest arena kept (bytes); runs that need more take fresh arrays for the rest. */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

let activeArena: Arena | undefined;

/** Runs fn with alloc / allocData taking from `arena` (see Arena). */
export function withArena<T>(arena: Arena, fn: () => T): T {
  const outer = activeArena;
  arena.reset();
  activeArena = arena;
  try {
    return fn();
  } finally {
    activeArena = outer;
  }
}

export function alloc(dtype: ODType, shape: number[], what: string): OTensor {
  return { dtype, shape, data: allocData(dtype, checkSize(shape, what)) };
}

export function f32(data: Float32Array, shape: number[]): OTensor {
  return { dtype: 'float32', data, shape };
}

export function i64(values: readonly number[] | BigInt64Array, shape?: number[]): OTensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return { dtype: 'int64', data, shape: shape ?? [data.length] };
}

/** ONNX data type -> executor dtype (undefined when not representable). */
export function odtypeOf(dt: number): ODType | undefined {
  switch (dt) {
    case DT.FLOAT:
    case DT.DOUBLE:
    case DT.FLOAT16:
    case DT.BFLOAT16:
      return 'float32';
    case DT.INT64:
    case DT.UINT32:
    case DT.UINT64:
      return 'int64';
    case DT.INT32:
    case DT.INT8:
    case DT.UINT8:
    case DT.INT16:
    case DT.UINT16:
      return 'int32';
    case DT.BOOL:
      return 'bool';
    default:
      return undefined;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * raw_data of the types stored as they are computed (float32, int64, int32, bool), copied in one
 * move: raw_data is little-endian, as typed arrays are on every engine this runs on.
 */
function bulkCopy(dt: number, raw: Uint8Array, n: number): OData | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const bytes = new Uint8Array(raw); // an aligned copy (Buffer.slice would be a view)
  switch (dt) {
    case DT.FLOAT: return new Float32Array(bytes.buffer, 0, n);
    case DT.INT64: return new BigInt64Array(bytes.buffer, 0, n);
    case DT.INT32: return new Int32Array(bytes.buffer, 0, n);
    default: return undefined;
  }
}

/** Decodes a TensorProto's payload into an executor tensor. */
export function tensorFromProto(t: TensorProtoMsg, what: string): OTensor {
  const label = `${what}${t.name ? ` '${t.name}'` : ''}`;
  if (t.external) throw new RnnError('UNSUPPORTED', `${label}: tensors stored in external data files are not supported; save the model with all tensors inside the .onnx file`);
  if (t.segment) throw new RnnError('UNSUPPORTED', `${label}: segmented tensors are not supported`);
  const dtype = odtypeOf(t.dataType);
  if (dtype === undefined) {
    throw new RnnError('UNSUPPORTED', `${label}: element type ${dtName(t.dataType)} is not supported`);
  }
  for (const d of t.dims) if (!(d >= 0)) throw formatError(`${label}: negative dimension ${d}`);
  const shape = t.dims.slice();
  const n = checkSize(shape, label);
  const dt = t.dataType;
  const raw = t.rawData;
  const mismatch = (got: number): never => {
    throw formatError(`${label}: shape ${fmtShape(shape)} needs ${n} elements of ${dtName(dt)} but the data holds ${got}`);
  };
  if (raw !== undefined) {
    const size = ({ [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.FLOAT16]: 2, [DT.BFLOAT16]: 2, [DT.INT64]: 8, [DT.UINT64]: 8, [DT.UINT32]: 4, [DT.INT32]: 4, [DT.INT16]: 2, [DT.UINT16]: 2, [DT.INT8]: 1, [DT.UINT8]: 1, [DT.BOOL]: 1 } as Record<number, number>)[dt];
    if (raw.length !== n * size) mismatch(Math.floor(raw.length / size));
    const bulk = bulkCopy(dt, raw, n);
    if (bulk !== undefined) return { dtype, data: bulk, shape };
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = allocData(dtype, n);
    for (let i = 0; i < n; i++) {
      switch (dt) {
        case DT.FLOAT: (out as Float32Array)[i] = dv.getFloat32(4 * i, true); break;
        case DT.DOUBLE: (out as Float32Array)[i] = dv.getFloat64(8 * i, true); break;
        case DT.FLOAT16: (out as Float32Array)[i] = halfToFloat(dv.getUint16(2 * i, true)); break;
        case DT.BFLOAT16: (out as Float32Array)[i] = new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0]; break;
        case DT.INT64: (out as BigInt64Array)[i] = dv.getBigInt64(8 * i, true); break;
        case DT.UINT64: (out as BigInt64Array)[i] = dv.getBigInt64(8 * i, true); break;
        case DT.UINT32: (out as BigInt64Array)[i] = BigInt(dv.getUint32(4 * i, true)); break;
        case DT.INT32: (out as Int32Array)[i] = dv.getInt32(4 * i, true); break;
        case DT.INT16: (out as Int32Array)[i] = dv.getInt16(2 * i, true); break;
        case DT.UINT16: (out as Int32Array)[i] = dv.getUint16(2 * i, true); break;
        case DT.INT8: (out as Int32Array)[i] = dv.getInt8(i); break;
        case DT.UINT8: (out as Int32Array)[i] = dv.getUint8(i); break;
        case DT.BOOL: (out as Uint8Array)[i] = dv.getUint8(i) ? 1 : 0; break;
      }
    }
    return { dtype, data: out, shape };
  }
  // Typed fields (TensorProto comments say which field holds which type).
  let src: readonly (number | bigint)[];
  switch (dt) {
    case DT.FLOAT: src = t.floatData; break;
    case DT.DOUBLE: src = t.doubleData; break;
    case DT.INT64: src = t.int64Data; break;
    case DT.UINT32: case DT.UINT64: src = t.uint64Data; break;
    default: src = t.int32Data; // int32, int16, int8, uint16, uint8, bool, float16, bfloat16
  }
  if (src.length !== n) mismatch(src.length);
  const out = allocData(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    switch (dtype) {
      case 'float32':
        (out as Float32Array)[i] = dt === DT.FLOAT16 ? halfToFloat(Number(v) & 0xffff)
          : dt === DT.BFLOAT16 ? new Float32Array(new Uint32Array([(Number(v) & 0xffff) << 16]).buffer)[0] : Number(v);
        break;
      case 'int64': (out as BigInt64Array)[i] = BigInt.asIntN(64, BigInt(v)); break;
      case 'int32': (out as Int32Array)[i] = Number(v); break;
      case 'bool': (out as Uint8Array)[i] = v ? 1 : 0; break;
    }
  }
  return { dtype, data: out, shape };
}

/** Executor tensor -> public Tensor (bool becomes Int32Array of 0/1). */
export function toPublic(t: OTensor): Tensor {
  if (t.dtype === 'bool') return { data: Int32Array.from(t.data as Uint8Array), shape: t.shape.slice() };
  return { data: t.data as Float32Array | Int32Array | BigInt64Array, shape: t.shape.slice() };
}

/** Reads an integer-valued tensor (int64/int32) as JS numbers. */
export function toInts(t: OTensor, what: string): number[] {
  if (t.dtype === 'int64') {
    const data = t.data as BigInt64Array;
    const out = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      // Clamp to the safe range: INT64_MAX/MIN are used as "to the end" markers (Slice).
      out[i] = v > 9007199254740991n ? Number.MAX_SAFE_INTEGER : v < -9007199254740991n ? Number.MIN_SAFE_INTEGER : Number(v);
    }
    return out;
  }
  if (t.dtype === 'int32') return Array.from(t.data as Int32Array);
  throw new RnnError('DTYPE_MISMATCH', `${what}: expected an int64 or int32 tensor, got ${t.dtype}`);
}
