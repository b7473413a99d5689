/**
 * Reading and writing the huggingface safetensors format
 * (https://github.com/huggingface/safetensors#format):
 *
 *   8 bytes   little-endian u64 N, the header length
 *   N bytes   UTF-8 JSON object { name: { dtype, shape, data_offsets: [begin, end] }, ...,
 *             "__metadata__"?: { string: string } }, possibly padded with trailing spaces
 *   rest      the byte buffer; data_offsets are relative to its start, data is little-endian
 *             and row-major
 *
 * Reading validates the whole file as strictly as the reference (Rust) implementation does and
 * never allocates based on a size it has not checked against the actual byte count: every failure
 * is an RnnError('INVALID_FORMAT') naming the tensor key and the expected vs actual value.
 *
 * dtype mapping on read:
 *   F32, F16, BF16  -> Float32Array, exact (subnormals, ±0, ±inf included; F16 NaNs become quiet
 *                      NaNs with the payload kept, like torch's `.float()`; BF16 NaNs keep their
 *                      bits exactly, also like torch)
 *   F64             -> Float32Array, rounded to nearest-even like torch's `.float()`: values beyond
 *                      the float32 range become ±inf, tiny ones become subnormals or ±0, NaN
 *                      payloads are not kept. Precision is lost: F64 is read for convenience only.
 *   I32             -> Int32Array
 *   I64             -> BigInt64Array
 *   I8              -> Int8Array (int8 weights, stored with their row scales: docs/quantization.md)
 *   every other dtype of the format (BOOL, U8, I16, U16, U32, U64, C64, F8_*, F6_*, F4)
 *                   -> RnnError('UNSUPPORTED') naming the tensor and the dtype
 *
 * Writing emits F32 (or, on request, F16 / BF16) / I32 / I64 / I8 for Float32Array / Int32Array / BigInt64Array / Int8Array, tensors ordered like
 * the reference implementation (larger dtypes first, then by name) so every tensor is aligned to
 * its element size, and the header padded with spaces so the data starts at a multiple of 8.
 */
import { RnnError, fmtShape } from '../base/errors.js';
import { checkTensor, type Tensor, type TensorData } from '../base/tensor.js';
import { floatToHalfBits, floatToBfloat16Bits } from '../base/half.js';

export type StateDict = Record<string, Tensor>;

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_SIZE = 100_000_000;
const METADATA_KEY = '__metadata__';

/** Size in bits of every dtype of the format (sub-byte float formats included). */
const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};
const SUPPORTED = new Set(['F32', 'F16', 'BF16', 'F64', 'I32', 'I64', 'I8']);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface EntryInfo {
  key: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

interface ParsedFile {
  bytes: Uint8Array;
  /** Absolute byte offset of the data buffer in `bytes`. */
  dataStart: number;
  entries: EntryInfo[];
  metadata: Record<string, string>;
}

function fail(message: string): never {
  throw new RnnError('INVALID_FORMAT', message);
}

function toBytes(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)) {
    return new Uint8Array(bytes);
  }
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = bytes === null ? 'null' : typeof bytes === 'object' ? (bytes as object).constructor?.name ?? 'object' : typeof bytes;
  throw new RnnError('INVALID_INPUT', `safetensors: expected a Uint8Array or ArrayBuffer, got ${got}`);
}

/** Defines an own enumerable property, so keys such as "__proto__" are stored, not interpreted. */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and validates the header and the layout of the data buffer; copies no tensor data. */
function parseFile(input: Uint8Array | ArrayBuffer): ParsedFile {
  const bytes = toBytes(input);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  const remaining = bytes.length - 8;
  if (n64 > BigInt(remaining)) {
    fail(`header length ${n64} exceeds the ${remaining} bytes that follow the length prefix`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER_SIZE) fail(`header length ${n} exceeds the maximum of ${MAX_HEADER_SIZE} bytes`);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail(`header (${n} bytes) is not valid UTF-8`);
  }
  if (text[0] !== '{') fail(`header must start with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) fail(`header must be a JSON object, got ${describe(header)}`);

  const dataStart = 8 + n;
  const bufferLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: EntryInfo[] = [];

  for (const key of Object.keys(header)) {
    const value = header[key];
    if (key === METADATA_KEY) {
      // The reference implementation reads `null` as "no metadata".
      if (value === null) continue;
      if (!isPlainObject(value)) fail(`${METADATA_KEY} must be an object mapping strings to strings, got ${describe(value)}`);
      for (const mk of Object.keys(value)) {
        const mv = value[mk];
        if (typeof mv !== 'string') fail(`${METADATA_KEY} entry '${mk}': expected a string value, got ${describe(mv)}`);
        setOwn(metadata, mk, mv);
      }
      continue;
    }
    const what = `tensor '${key}'`;
    if (!isPlainObject(value)) fail(`${what}: expected an object { dtype, shape, data_offsets }, got ${describe(value)}`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (dtype === undefined) fail(`${what}: missing "dtype"`);
    if (shape === undefined) fail(`${what}: missing "shape"`);
    if (offsets === undefined) fail(`${what}: missing "data_offsets"`);
    if (typeof dtype !== 'string') fail(`${what}: "dtype" must be a string, got ${describe(dtype)}`);
    const bits = DTYPE_BITS[dtype];
    if (!Object.prototype.hasOwnProperty.call(DTYPE_BITS, dtype) || bits === undefined) {
      fail(`${what}: unknown dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(DTYPE_BITS).join(', ')}`);
    }
    if (!Array.isArray(shape)) fail(`${what}: "shape" must be an array of non-negative integers, got ${describe(shape)}`);
    for (let i = 0; i < shape.length; i++) {
      if (!isIndex(shape[i])) {
        fail(`${what}: "shape" dimension ${i} must be a non-negative integer, got ${describe(shape[i])}`);
      }
    }
    if (!Array.isArray(offsets) || offsets.length !== 2) {
      fail(`${what}: "data_offsets" must be an array [begin, end], got ${describe(offsets)}${Array.isArray(offsets) ? ` of length ${offsets.length}` : ''}`);
    }
    const [begin, end] = offsets as unknown[];
    if (!isIndex(begin) || !isIndex(end)) {
      fail(`${what}: "data_offsets" must be two non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    if (end < begin) fail(`${what}: data_offsets [${begin}, ${end}] end is before begin`);
    if (end > bufferLen) {
      fail(`${what}: data_offsets [${begin}, ${end}] exceed the data buffer of ${bufferLen} bytes`);
    }
    // Exact byte count in BigInt: the dims are checked safe integers but their product may not be.
    let count = 1n;
    for (const d of shape as number[]) count *= BigInt(d);
    const totalBits = count * BigInt(bits);
    const actual = end - begin;
    if (totalBits % 8n !== 0n || totalBits / 8n !== BigInt(actual)) {
      const need = totalBits % 8n === 0n ? `${totalBits / 8n} bytes` : `${totalBits} bits (not a whole number of bytes)`;
      fail(`${what}: shape ${fmtShape(shape as number[])} of ${dtype} needs ${need}, but data_offsets [${begin}, ${end}] span ${actual} bytes`);
    }
    entries.push({ key, dtype, shape: (shape as number[]).slice(), begin, end });
  }

  // Like the reference implementation: the tensors must tile the buffer exactly, with no overlap,
  // no gap and no trailing bytes.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: EntryInfo | undefined;
  for (const e of sorted) {
    if (e.begin < pos) {
      fail(`tensor '${e.key}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${prev!.key}' at [${prev!.begin}, ${prev!.end}]`);
    }
    if (e.begin > pos) {
      fail(`tensor '${e.key}': data_offsets [${e.begin}, ${e.end}] leave a gap: expected begin ${pos}, got ${e.begin}`);
    }
    if (e.end > e.begin) {
      pos = e.end;
      prev = e;
    }
  }
  if (pos !== bufferLen) {
    fail(`data buffer is ${bufferLen} bytes but the tensors cover ${pos} bytes (expected them to end exactly at the end of the file)`);
  }
  return { bytes, dataStart, entries, metadata };
}

/** Copies `len` bytes at `offset` into a fresh, aligned buffer (the input may be unaligned). */
function copyOut(bytes: Uint8Array, offset: number, len: number): ArrayBuffer {
  const out = new ArrayBuffer(len);
  new Uint8Array(out).set(bytes.subarray(offset, offset + len));
  return out;
}

/** Reverses the byte order of each `size`-byte element in place (big-endian hosts only). */
function swapBytes(buf: ArrayBuffer, size: number): void {
  if (LITTLE_ENDIAN || size === 1) return;
  const b = new Uint8Array(buf);
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

/** f16 bits -> f32 bits, exactly as torch's c10::Half -> float (NaN payload kept, quiet bit set). */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13) | (mant !== 0 ? 0x00400000 : 0)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: normalise. The value is mant * 2^-24 = 1.xxx * 2^(e - 15) with e = 1 - shifts.
  let e = 1;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | ((e + 112) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

let f16Table: Uint32Array | undefined;
function f16ToF32Table(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

function readData(bytes: Uint8Array, at: number, e: EntryInfo): TensorData {
  const len = e.end - e.begin;
  switch (e.dtype) {
    case 'F32': {
      const buf = copyOut(bytes, at, len);
      swapBytes(buf, 4);
      return new Float32Array(buf);
    }
    case 'I32': {
      const buf = copyOut(bytes, at, len);
      swapBytes(buf, 4);
      return new Int32Array(buf);
    }
    case 'I64': {
      const buf = copyOut(bytes, at, len);
      swapBytes(buf, 8);
      return new BigInt64Array(buf);
    }
    case 'I8':
      return new Int8Array(copyOut(bytes, at, len));
    case 'F16':
    case 'BF16': {
      const buf = copyOut(bytes, at, len);
      swapBytes(buf, 2);
      const src = new Uint16Array(buf);
      const out = new Float32Array(src.length);
      // Convert in the integer domain so NaN payloads survive bit-exactly.
      const bits = new Uint32Array(out.buffer);
      if (e.dtype === 'BF16') {
        for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
      } else {
        const table = src.length > 4096 ? f16ToF32Table() : undefined;
        if (table) for (let i = 0; i < src.length; i++) bits[i] = table[src[i]!]!;
        else for (let i = 0; i < src.length; i++) bits[i] = f16BitsToF32Bits(src[i]!);
      }
      return out;
    }
    case 'F64': {
      const buf = copyOut(bytes, at, len);
      swapBytes(buf, 8);
      // Float32Array stores round to nearest-even, as a C double -> float cast does.
      return new Float32Array(new Float64Array(buf));
    }
    default:
      throw new RnnError('UNSUPPORTED', `tensor '${e.key}': dtype ${e.dtype} is not supported (supported: F32, F16, BF16, F64, I32, I64, I8)`);
  }
}

/**
 * Reads every tensor of a safetensors file. F32/F16/BF16/F64 become Float32Array (F64 rounded),
 * I32 Int32Array, I64 BigInt64Array; the data is copied (nothing aliases `bytes`).
 * Throws RnnError INVALID_FORMAT for a malformed file, UNSUPPORTED for another dtype.
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): StateDict {
  const file = parseFile(bytes);
  // Refuse unsupported dtypes before copying anything.
  for (const e of file.entries) {
    if (!SUPPORTED.has(e.dtype)) {
      throw new RnnError('UNSUPPORTED', `tensor '${e.key}': dtype ${e.dtype} is not supported (supported: F32, F16, BF16, F64, I32, I64, I8)`);
    }
  }
  const out: StateDict = {};
  for (const e of file.entries) {
    setOwn(out, e.key, { data: readData(file.bytes, file.dataStart + e.begin, e), shape: e.shape });
  }
  return out;
}

/**
 * Returns the `__metadata__` map of a safetensors file ({} if it has none). The whole header is
 * validated as by readSafetensors, but tensors of unsupported dtypes are accepted.
 */
export function readSafetensorsMetadata(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  return parseFile(bytes).metadata;
}

const WRITE_DTYPE: Record<string, { name: string; size: number }> = {
  Float32Array: { name: 'F32', size: 4 },
  Int32Array: { name: 'I32', size: 4 },
  BigInt64Array: { name: 'I64', size: 8 },
  Int8Array: { name: 'I8', size: 1 },
};

function writeDtypeOf(data: TensorData): { name: string; size: number } {
  if (data instanceof Float32Array) return WRITE_DTYPE.Float32Array!;
  if (data instanceof Int32Array) return WRITE_DTYPE.Int32Array!;
  if (data instanceof Int8Array) return WRITE_DTYPE.Int8Array!;
  return WRITE_DTYPE.BigInt64Array!;
}

/**
 * Serialises tensors (and optional string metadata) to a safetensors file: F32 for Float32Array,
 * I32 for Int32Array, I64 for BigInt64Array. Tensors are laid out larger element size first, then
 * by name; the header is space-padded so the data starts at a multiple of 8 bytes.
 * Throws INVALID_INPUT / DTYPE_MISMATCH for a malformed tensor, INVALID_OPTION for bad metadata.
 */
export interface WriteSafetensorsOptions {
  /**
   * The dtype float32 tensors are written as: 'F32' (default, exact), or 'F16' / 'BF16' (half the
   * bytes; each value rounded to the nearest, ties to even, as torch's `.half()` / `.bfloat16()`;
   * readSafetensors reads them back as float32).
   */
  float?: 'F32' | 'F16' | 'BF16';
}

export function writeSafetensors(tensors: StateDict, metadata?: Record<string, string>, options: WriteSafetensorsOptions = {}): Uint8Array {
  if (!isPlainObject(tensors)) {
    throw new RnnError('INVALID_INPUT', `writeSafetensors: tensors must be an object mapping names to tensors, got ${describe(tensors)}`);
  }
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) {
      throw new RnnError('INVALID_OPTION', `writeSafetensors: metadata must be an object mapping strings to strings, got ${describe(metadata)}`);
    }
    for (const k of Object.keys(metadata)) {
      if (typeof metadata[k] !== 'string') {
        throw new RnnError('INVALID_OPTION', `writeSafetensors: metadata '${k}' must be a string, got ${describe(metadata[k])}`);
      }
    }
  }
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', `writeSafetensors: options must be an object, got ${describe(options)}`);
  const float = options.float ?? 'F32';
  if (float !== 'F32' && float !== 'F16' && float !== 'BF16') {
    throw new RnnError('INVALID_OPTION', `writeSafetensors: float must be 'F32', 'F16' or 'BF16', got ${describe(float)}`);
  }
  // data: the typed array whose bytes are written (16-bit words for F16 / BF16)
  const items: { key: string; shape: number[]; data: TensorData | Uint16Array; dtype: string; size: number }[] = [];
  for (const key of Object.keys(tensors)) {
    if (key === METADATA_KEY) {
      throw new RnnError('INVALID_INPUT', `writeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    }
    const t: unknown = tensors[key];
    checkTensor(t, `tensor '${key}'`, true);
    if (float !== 'F32' && t.data instanceof Float32Array) {
      // the tensor as 16-bit words: what is written is their bytes
      const convert = float === 'F16' ? floatToHalfBits : floatToBfloat16Bits;
      items.push({ key, shape: t.shape, data: Uint16Array.from(t.data, convert), dtype: float, size: 2 });
      continue;
    }
    const { name, size } = writeDtypeOf(t.data);
    items.push({ key, shape: t.shape, data: t.data, dtype: name, size });
  }
  items.sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const parts: string[] = [];
  if (metadata !== undefined) {
    const m = Object.keys(metadata).map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${m.join(',')}}`);
  }
  let offset = 0;
  for (const it of items) {
    const len = it.data.byteLength;
    const info = { dtype: it.dtype, shape: it.shape, data_offsets: [offset, offset + len] };
    parts.push(`${JSON.stringify(it.key)}:${JSON.stringify(info)}`);
    offset += len;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const dataStart = 8 + headerLen;
  const out = new Uint8Array(dataStart + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);
  let pos = dataStart;
  for (const it of items) {
    const d = it.data;
    const src = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    if (LITTLE_ENDIAN) {
      out.set(src, pos);
    } else {
      const tmp = src.slice();
      swapBytes(tmp.buffer, it.size);
      out.set(tmp, pos);
    }
    pos += d.byteLength;
  }
  return out;
}
