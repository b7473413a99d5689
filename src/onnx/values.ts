/**
 * The executor's tensor values and its one table of element types. Every integer type up to 32
 * bits is computed in a typed array of its own width (Int8Array, Uint8Array, Int16Array,
 * Uint16Array, Int32Array), so that storing a result wraps it exactly as the ONNX type does;
 * int64 uses BigInt64Array, float32 Float32Array and bool a Uint8Array of 0/1. The other ONNX
 * element types are widened when a TensorProto is decoded (see docs/onnx.md).
 */
import { RnnError, fmtShape } from '../../base/errors.js';
import { dtypeOf, numel, type Tensor } from '../../base/tensor.js';
import { DT, dtName, type TensorProtoMsg } from './proto.js';
import { halfToFloat } from '../../base/half.js';
import { formatError } from './wire.js';

export type ODType = 'float32' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint16' | 'uint8' | 'bool';
export type OData = Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array;

export interface OTensor {
  dtype: ODType;
  data: OData;
  shape: number[];
  /**
   * Set on an ONNX sequence (`seq(tensor)`, ops/sequence.ts): its tensors in order, each of element
   * type `dtype`; and on an optional tensor (ops/optional.ts): its tensor, or none when empty.
   * `data` is then empty and `shape` is [count]. The planner knows at load which values are
   * sequences or optionals and lets only the operators that take them see them (plan.ts).
   */
  items?: readonly OTensor[];
}

/** An optional tensor of element type `dtype`: `value`, or empty when it is undefined (ops/optional.ts). */
export function optionalOf(dtype: ODType, value: OTensor | undefined): OTensor {
  return sequenceOf(dtype, value === undefined ? [] : [value]);
}

/** A sequence of `items`, all of element type `dtype` (they are not copied: tensors are not written after they are made). */
export function sequenceOf(dtype: ODType, items: readonly OTensor[]): OTensor {
  return { dtype, shape: [items.length], data: new DTYPES[dtype].array(0), items };
}

type DataConstructor = { new (n: number): OData; new (buffer: ArrayBuffer, offset: number, n: number): OData; BYTES_PER_ELEMENT: number };

interface DTypeInfo {
  /** The typed array the values live in. */
  array: DataConstructor;
  /** For the integer types held as JS numbers: the smallest and largest value. */
  min?: number;
  max?: number;
}

/** Every executor element type: its array and, for the number-valued integers, its range. */
export const DTYPES: Readonly<Record<ODType, DTypeInfo>> = {
  float32: { array: Float32Array as DataConstructor },
  int64: { array: BigInt64Array as unknown as DataConstructor },
  int32: { array: Int32Array as DataConstructor, min: -2147483648, max: 2147483647 },
  int16: { array: Int16Array as DataConstructor, min: -32768, max: 32767 },
  int8: { array: Int8Array as DataConstructor, min: -128, max: 127 },
  uint16: { array: Uint16Array as DataConstructor, min: 0, max: 65535 },
  uint8: { array: Uint8Array as DataConstructor, min: 0, max: 255 },
  bool: { array: Uint8Array as DataConstructor },
};

/** The integer types narrower than int32 (int32 is their computing type, see the ops). */
export const SMALL_INTS: readonly ODType[] = ['int8', 'uint8', 'int16', 'uint16'];
/** The integer types whose elements are JS numbers (every integer type but int64). */
export const NUMBER_INTS: readonly ODType[] = ['int32', ...SMALL_INTS];
/** The signed integer types. */
export const SIGNED_INTS: readonly ODType[] = ['int64', 'int32', 'int16', 'int8'];
/** Every integer type. */
export const INTS: readonly ODType[] = ['int64', ...NUMBER_INTS];
/** Every numeric type (float32 and the integers). */
export const NUMERIC: readonly ODType[] = ['float32', ...INTS];

/** Whether a dtype is an integer type held as JS numbers (int32 and narrower). */
export function isNumberInt(dtype: ODType): boolean {
  return DTYPES[dtype].min !== undefined;
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
  return new DTYPES[dtype].array(n);
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
    const array = DTYPES[dtype].array;
    const bytes = n * array.BYTES_PER_ELEMENT;
    this.wanted = ((this.wanted + 7) & ~7) + bytes;
    const at = (this.used + 7) & ~7;
    const end = at + bytes;
    const buffer = this.buffer;
    if (buffer === undefined || end > buffer.byteLength) return undefined;
    this.used = end;
    // One constructor per case (a call through the table's constructor is megamorphic: this
    // runs for most values of every run).
    switch (dtype) {
      case 'float32': return new Float32Array(buffer, at, n).fill(0);
      case 'int64': return new BigInt64Array(buffer, at, n).fill(0n);
      case 'int32': return new Int32Array(buffer, at, n).fill(0);
      case 'bool': case 'uint8': return new Uint8Array(buffer, at, n).fill(0);
      case 'int8': return new Int8Array(buffer, at, n).fill(0);
      case 'int16': return new Int16Array(buffer, at, n).fill(0);
      case 'uint16': return new Uint16Array(buffer, at, n).fill(0);
    }
  }
}

/** Largest arena kept (bytes); runs that need more take fresh arrays for the rest. */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

let activeArena: Arena | undefined;

/** fn(a, b) with alloc / allocData taking from `arena` (see Arena); the arguments spare a closure per run. */
export function withArena<A, B, T>(arena: Arena, fn: (a: A, b: B) => T, a: A, b: B): T {
  const outer = activeArena;
  arena.reset();
  activeArena = arena;
  try {
    return fn(a, b);
  } finally {
    activeArena = outer;
  }
}

export function alloc(dtype: ODType, shape: number[], what: string): OTensor {
  const n = checkSize(shape, what);
  if (targets !== undefined && nextTarget < targets.length) {
    const t = targets[nextTarget++];
    if (t.dtype === dtype && t.data.length === n) {
      // zeroed as a fresh array is: some kernels write only part of their output
      if (t.data instanceof BigInt64Array) t.data.fill(0n);
      else t.data.fill(0);
      return t;
    }
  }
  return { dtype, shape, data: allocData(dtype, n) };
}

let targets: readonly OTensor[] | undefined;
let nextTarget = 0;

/**
 * Runs a kernel with its outputs' buffers given (a static plan's, see static-plan.ts): the kernel's
 * first alloc() calls take `outs` in order where the dtype and size match (the buffer is zeroed).
 * The kernel may still return other tensors (an input passed through, a value it made itself, a
 * target it used as a temporary); the caller copies those.
 */
export function runWithTargets<I, T>(outs: readonly OTensor[], fn: (input: I) => T, input: I): T {
  const outer = targets;
  const outerNext = nextTarget;
  targets = outs;
  nextTarget = 0;
  try {
    return fn(input);
  } finally {
    targets = outer;
    nextTarget = outerNext;
  }
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
      return 'int32';
    case DT.INT16:
      return 'int16';
    case DT.INT8:
      return 'int8';
    case DT.UINT16:
      return 'uint16';
    case DT.UINT8:
      return 'uint8';
    case DT.BOOL:
      return 'bool';
    default:
      return undefined;
  }
}

/**
 * The ONNX element types a graph may declare that the executor holds as another dtype, as
 * onnxruntime names them: float64 and float16 (held as float32), uint32 and uint64 (held as int64).
 * The ORT-compatible entry takes and gives them at the graph's boundary.
 */
export type HeldType = 'float64' | 'float16' | 'uint32' | 'uint64';

/** ONNX data type -> the HeldType it is, or undefined for the types held as they are (and bfloat16). */
export function heldTypeOf(dt: number | undefined): HeldType | undefined {
  switch (dt) {
    case DT.DOUBLE:
      return 'float64';
    case DT.FLOAT16:
      return 'float16';
    case DT.UINT32:
      return 'uint32';
    case DT.UINT64:
      return 'uint64';
    default:
      return undefined;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * raw_data of the types stored as they are computed (float32, int64, int32 and the narrower
 * integers), copied in one move: raw_data is little-endian, as typed arrays are on every engine
 * this runs on.
 */
function bulkCopy(dt: number, raw: Uint8Array, n: number): OData | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const size = BULK_SIZE[dt];
  if (size === undefined) return undefined;
  // During a load, into the model's constant chunks (see ConstantChunks); else a buffer of its own
  // (an aligned copy: Buffer.slice would be a view).
  const place = activeChunks?.take(raw.length, size);
  const buffer = place?.buffer ?? new ArrayBuffer(raw.length);
  const at = place?.at ?? 0;
  new Uint8Array(buffer, at, raw.length).set(raw);
  switch (dt) {
    case DT.FLOAT: return new Float32Array(buffer, at, n);
    case DT.INT64: return new BigInt64Array(buffer, at, n);
    case DT.INT32: return new Int32Array(buffer, at, n);
    case DT.INT16: return new Int16Array(buffer, at, n);
    case DT.UINT16: return new Uint16Array(buffer, at, n);
    case DT.INT8: return new Int8Array(buffer, at, n);
    case DT.UINT8: return new Uint8Array(buffer, at, n);
    default: return undefined;
  }
}

const BULK_SIZE: Record<number, number> = { [DT.FLOAT]: 4, [DT.INT64]: 8, [DT.INT32]: 4, [DT.INT16]: 2, [DT.UINT16]: 2, [DT.INT8]: 1, [DT.UINT8]: 1 };

/**
 * The raw tensors of a model being loaded, copied one after another (aligned) into chunks of
 * CHUNK_BYTES (or one of their own when larger): a Silero model has hundreds of small
 * constants, and an ArrayBuffer each cost more at load than their bytes (allocation and the
 * collections that external memory triggers). They live as long as the model's constants.
 */
class ConstantChunks {
  private chunk = new ArrayBuffer(0);
  private used = 0;

  take(bytes: number, align: number): { buffer: ArrayBuffer; at: number } {
    if (bytes > CHUNK_BYTES / 4) return { buffer: new ArrayBuffer(bytes), at: 0 };
    let at = Math.ceil(this.used / align) * align;
    if (at + bytes > this.chunk.byteLength) {
      this.chunk = new ArrayBuffer(CHUNK_BYTES);
      at = 0;
    }
    this.used = at + bytes;
    return { buffer: this.chunk, at };
  }
}

const CHUNK_BYTES = 1 << 20;

let activeChunks: ConstantChunks | undefined;

/** fn() with the raw tensors it decodes copied into shared chunks (a model's load, see ConstantChunks). */
export function withConstantChunks<T>(fn: () => T): T {
  const outer = activeChunks;
  activeChunks = new ConstantChunks();
  try {
    return fn();
  } finally {
    activeChunks = outer;
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
        case DT.INT16: (out as Int16Array)[i] = dv.getInt16(2 * i, true); break;
        case DT.UINT16: (out as Uint16Array)[i] = dv.getUint16(2 * i, true); break;
        case DT.INT8: (out as Int8Array)[i] = dv.getInt8(i); break;
        case DT.UINT8: (out as Uint8Array)[i] = dv.getUint8(i); break;
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
      case 'bool': (out as Uint8Array)[i] = v ? 1 : 0; break;
      default: (out as Int32Array)[i] = Number(v); // int32 and narrower: the store wraps to the type
    }
  }
  return { dtype, data: out, shape };
}

/**
 * Executor tensor -> public Tensor: bool and the integers narrower than int32 become Int32Array
 * (the public tensor types are float32, int32 and int64).
 */
export function toPublic(t: OTensor): Tensor {
  if (t.dtype === 'bool' || (t.dtype !== 'int32' && isNumberInt(t.dtype))) {
    return { data: Int32Array.from(t.data as Uint8Array), shape: t.shape.slice() };
  }
  return { data: t.data as Float32Array | Int32Array | BigInt64Array, shape: t.shape.slice() };
}

/**
 * A public tensor fed for a value of element type `dtype` -> executor tensor: float32 from
 * Float32Array; int64 from BigInt64Array or Int32Array (converted); int32, the narrower integers
 * and bool from Int32Array (narrower integers must be in their type's range, bool is nonzero).
 * DTYPE_MISMATCH for any other array, INVALID_INPUT for a value out of range; `what` names the
 * input in messages. The shape is the caller's business.
 */
export function fromPublic(t: Tensor, dtype: ODType, what: string): OTensor {
  const data = t.data;
  if (dtype === 'float32' && data instanceof Float32Array) return { dtype, data, shape: t.shape };
  if (dtype === 'int64' && data instanceof BigInt64Array) return { dtype, data, shape: t.shape };
  if (dtype === 'int64' && data instanceof Int32Array) return { dtype, data: BigInt64Array.from(data, (x) => BigInt(x)), shape: t.shape };
  if (dtype === 'int32' && data instanceof Int32Array) return { dtype, data, shape: t.shape };
  if (dtype === 'bool' && data instanceof Int32Array) return { dtype, data: Uint8Array.from(data, (x) => (x ? 1 : 0)), shape: t.shape };
  const info = DTYPES[dtype];
  if (info.min !== undefined && info.max !== undefined && data instanceof Int32Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < info.min || v > info.max) {
        throw new RnnError('INVALID_INPUT', `${what}: value ${v} at index ${i} is outside the ${dtype} range [${info.min}, ${info.max}]`);
      }
    }
    const out = newData(dtype, data.length);
    out.set(data as never);
    return { dtype, data: out, shape: t.shape };
  }
  const want = dtype === 'float32' ? 'Float32Array' : dtype === 'int64' ? 'BigInt64Array (or Int32Array)' : 'Int32Array';
  throw new RnnError('DTYPE_MISMATCH', `${what}: expected ${dtype} data (${want}), got ${dtypeOf(data)}`);
}

/** Reads an integer-valued tensor (any integer type) as JS numbers. */
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
  if (isNumberInt(t.dtype)) return Array.from(t.data as Int32Array);
  throw new RnnError('DTYPE_MISMATCH', `${what}: expected an integer tensor, got ${t.dtype}`);
}
