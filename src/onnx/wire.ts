/**
 * A minimal protobuf wire-format reader. Every read checks the bounds of the current message and
 * every loop advances by at least one byte, so malformed or truncated input ends in an
 * RnnError('INVALID_FORMAT') after at most `buffer.length` steps, never a hang or a RangeError.
 */
import { RnnError } from '../../base/errors.js';

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

const utf8 = new TextDecoder('utf-8');

export function formatError(message: string): RnnError {
  return new RnnError('INVALID_FORMAT', message);
}

export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  /** What is being decoded, for messages ("TensorProto", "NodeProto 'lstm_1'"...). */
  readonly what: string;
  private view: DataView | undefined;

  constructor(buf: Uint8Array, what: string, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.what = what;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string): never {
    throw formatError(`${this.what}: ${message} (at byte ${this.pos})`);
  }

  /** High 32 bits of the last varintLow() read. */
  private hi = 0;

  /**
   * Low 32 bits of a varint (at most 10 bytes); the high 32 bits go to `hi`. Not an array pair:
   * a model's decode reads tens of thousands of varints, most of them at a cold start, before the
   * JIT could remove a pair's allocation.
   */
  private varintLow(): number {
    const buf = this.buf;
    if (this.pos < this.end && buf[this.pos] < 0x80) {
      this.hi = 0;
      return buf[this.pos++];
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) {
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    this.fail('varint longer than 10 bytes');
  }

  /** A varint as a JS number; must be a safe integer (negative int64 values are allowed). */
  varint(): number {
    const lo = this.varintLow();
    const hi = this.hi;
    if (hi === 0) return lo;
    if (hi < 0x200000) return hi * 0x100000000 + lo;
    const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`integer ${v} is outside the safe range`);
    }
    return Number(v);
  }

  /**
   * A varint as a JS number, int64 values outside the safe range saturated to it (attribute ints:
   * INT64_MAX / INT64_MIN mean "to the end" in Slice and the like).
   */
  varintClamped(): number {
    const lo = this.varintLow();
    const hi = this.hi;
    if (hi < 0x200000) return hi * 0x100000000 + lo;
    const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(v);
  }

  /** A varint as a signed 64-bit BigInt (int64 fields). */
  varintBig(): bigint {
    const lo = this.varintLow();
    const hi = this.hi;
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** A varint as an int32 (int32 fields are sign-extended to 64 bits on the wire). */
  varint32(): number {
    return this.varintLow() | 0;
  }

  private dv(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  float32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.dv().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const v = this.dv().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  uint64(): bigint {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const v = this.dv().getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix, advances past the delimited bytes and returns where they start (they end at `pos`). */
  private lengthDelimited(): number {
    const len = this.varint();
    if (len < 0 || len > this.end - this.pos) this.fail(`length ${len} runs past the end of the data`);
    const s = this.pos;
    this.pos += len;
    return s;
  }

  bytes(): Uint8Array {
    const s = this.lengthDelimited();
    return this.buf.subarray(s, this.pos);
  }

  string(): string {
    const s = this.lengthDelimited();
    const e = this.pos;
    const buf = this.buf;
    // Names (nodes, values, attributes) are short ASCII: one String.fromCharCode over the bytes
    // costs far less than a TextDecoder call each (a model has thousands of them) and makes no
    // intermediate strings; anything else decodes.
    if (e - s > 1024) return utf8.decode(buf.subarray(s, e));
    for (let i = s; i < e; i++) if (buf[i] >= 0x80) return utf8.decode(buf.subarray(s, e));
    return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
  }

  /** A reader over a length-delimited sub-message. */
  sub(what: string): Reader {
    const s = this.lengthDelimited();
    return new Reader(this.buf, what, s, this.pos);
  }

  /** Wire type of the last tag() read. */
  wt = 0;

  /** Reads a tag: returns its field number; its wire type is then `wt`. */
  tag(): number {
    const t = this.varint();
    const field = Math.floor(t / 8);
    this.wt = t & 7;
    if (field === 0) this.fail('field number 0');
    return field;
  }

  skip(wt: number): void {
    switch (wt) {
      case WT_VARINT:
        this.varintLow();
        return;
      case WT_I64:
        if (this.pos + 8 > this.end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WT_LEN:
        this.lengthDelimited();
        return;
      case WT_I32:
        if (this.pos + 4 > this.end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wt}`);
    }
  }

  expect(wt: number, expected: number, field: string): void {
    if (wt !== expected) this.fail(`field ${field} has wire type ${wt}, expected ${expected}`);
  }

  /** Repeated numeric field, packed (WT_LEN) or not: calls `one` for each element. */
  repeated(wt: number, scalarWt: number, field: string, one: (r: Reader) => void): void {
    if (wt === WT_LEN) {
      const sub = this.sub(this.what);
      while (!sub.done) one(sub);
    } else {
      this.expect(wt, scalarWt, field);
      one(this);
    }
  }
}
