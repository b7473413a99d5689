import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RnnError, type RnnErrorCode } from '../base/errors.js';
import { readSafetensors, readSafetensorsMetadata, writeSafetensors, type StateDict } from '../src/safetensors.js';
import { rng } from './helpers/common.js';
import { checkTensor, type Tensor } from '../base/tensor.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'safetensors');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIX, name)));

interface Expected {
  dtype: string;
  shape: number[];
  f32_bits?: number[];
  src_bits?: number[];
  values?: string[];
}
const expected = JSON.parse(readFileSync(join(FIX, 'torch_expected.json'), 'utf8')) as {
  __metadata__: Record<string, string>;
  tensors: Record<string, Expected>;
};

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const f32FromBits = (b: number): number => new Float32Array(new Uint32Array([b]).buffer)[0]!;

/** Builds a file from a header (object or raw JSON text) and a data buffer, padding nothing. */
function makeFile(header: unknown, data: Uint8Array | number = 0, opts: { headerLen?: bigint } = {}): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const dataBytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + dataBytes.length);
  new DataView(out.buffer).setBigUint64(0, opts.headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(dataBytes, 8 + json.length);
  return out;
}

function headerOf(file: Uint8Array): { len: number; json: Record<string, any>; text: string } {
  const len = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(file.subarray(8, 8 + len));
  return { len, json: JSON.parse(text), text };
}

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function expectRnnError(fn: () => unknown, code: RnnErrorCode, ...parts: string[]): RnnError {
  const e = catchErr(fn);
  expect(e).toBeInstanceOf(RnnError);
  const err = e as RnnError;
  expect(err.code).toBe(code);
  for (const p of parts) expect(err.message).toContain(p);
  return err;
}

/** Bitwise equality of two state dicts (float data compared by bit pattern). */
function expectSameDict(a: StateDict, b: StateDict): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    const x = a[k]!;
    const y = b[k]!;
    expect(y.shape, k).toEqual(x.shape);
    expect(y.data.constructor, k).toBe(x.data.constructor);
    const xb = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
    const yb = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
    expect(Buffer.from(yb).equals(Buffer.from(xb)), k).toBe(true);
  }
}

describe('reading torch-made files', () => {
  const file = fixture('torch_dtypes.safetensors');
  const dict = readSafetensors(file);

  it('has every tensor with its shape and array type', () => {
    expect(Object.keys(dict).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [name, e] of Object.entries(expected.tensors)) {
      const t = dict[name]!;
      checkTensor(t, name);
      expect(t.shape, name).toEqual(e.shape);
      const want = e.dtype === 'I32' ? Int32Array : e.dtype === 'I64' ? BigInt64Array : Float32Array;
      expect(t.data, name).toBeInstanceOf(want);
    }
    expect(dict.f32_scalar!.shape).toEqual([]);
    expect(dict.f32_scalar!.data.length).toBe(1);
    expect(dict.f32_empty!.data.length).toBe(0);
    expect(dict.i64_scalar!.data.length).toBe(1);
  });

  it('matches torch .float() bit for bit (F16, BF16, F32; F64 rounding, NaN as NaN)', () => {
    let compared = 0;
    for (const [name, e] of Object.entries(expected.tensors)) {
      if (!e.f32_bits) continue;
      const got = bitsOf(dict[name]!.data as Float32Array);
      expect(got.length, name).toBe(e.f32_bits.length);
      for (let i = 0; i < got.length; i++) {
        const want: number = e.f32_bits[i]!;
        if (e.dtype === 'F64' && Number.isNaN(f32FromBits(want))) {
          // JS does not keep NaN payloads through a double -> float conversion; NaN is enough.
          expect(Number.isNaN(f32FromBits(got[i]!)), `${name}[${i}]`).toBe(true);
        } else if (got[i] !== want) {
          expect.fail(`${name}[${i}]: got 0x${got[i]!.toString(16)}, torch gives 0x${want.toString(16)}`);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1400);
  });

  it('the fixture covers subnormals, infinities, NaNs and -0 of F16 and BF16', () => {
    const s = expected.tensors.a_f16_special!.src_bits!;
    expect(s).toContain(0x0001); // subnormal
    expect(s).toContain(0x7c00); // inf
    expect(s).toContain(0x7c01); // signalling NaN
    expect(s).toContain(0x8000); // -0
    const f = dict.a_f16_special!.data as Float32Array;
    expect(f[2]).toBe(2 ** -24);
    expect(Object.is(f[1], -0)).toBe(true);
    expect(f[14]).toBe(65504);
    expect(Number.isNaN(f[18]!)).toBe(true);
    expect(dict.bf16_special!.data[2]).toBe(2 ** -133);
  });

  it('reads integers exactly (I32, I64 extremes)', () => {
    for (const name of ['i32', 'i64', 'i64_scalar']) {
      const e = expected.tensors[name]!;
      const got = Array.from(dict[name]!.data as unknown as ArrayLike<number | bigint>, (v) => String(v));
      expect(got, name).toEqual(e.values);
    }
    expect((dict.i64!.data as BigInt64Array)[3]).toBe(2n ** 63n - 1n);
  });

  it('reads the metadata', () => {
    expect(readSafetensorsMetadata(file)).toEqual(expected.__metadata__);
    expect(readSafetensorsMetadata(writeSafetensors({ a: { data: new Float32Array(1), shape: [] } }))).toEqual({});
  });

  it('copies the data out: no aliasing, unaligned offsets, ArrayBuffer and sub-view inputs', () => {
    // In the fixture, data after the 25 f16 values is at odd 2-byte offsets of an unpadded header.
    const { len, json } = headerOf(file);
    expect((8 + len + json.f32_special.data_offsets[0]) % 4).not.toBe(0);
    for (const t of Object.values(dict)) expect(t.data.buffer).not.toBe(file.buffer);
    const copy = file.slice();
    const d1 = readSafetensors(copy);
    copy.fill(0, 8 + len);
    expectSameDict(dict, d1);
    // A view at an odd offset into a larger buffer, and a bare ArrayBuffer.
    const big = new Uint8Array(file.length + 3);
    big.set(file, 1);
    expectSameDict(dict, readSafetensors(big.subarray(1, 1 + file.length)));
    expectSameDict(dict, readSafetensors(file.slice().buffer));
  });

  it('refuses a BOOL tensor with UNSUPPORTED but still reads its metadata', () => {
    const b = fixture('torch_bool.safetensors');
    expectRnnError(() => readSafetensors(b), 'UNSUPPORTED', "'mask'", 'BOOL');
    expect(readSafetensorsMetadata(b)).toEqual({ format: 'pt' });
  });
});

describe('F16 conversion, exhaustively', () => {
  it('all 65536 f16 patterns convert exactly (value formula; NaNs quieted with payload)', () => {
    const n = 65536;
    const data = new Uint8Array(2 * n);
    for (let h = 0; h < n; h++) {
      data[2 * h] = h & 0xff;
      data[2 * h + 1] = h >> 8;
    }
    const f = readSafetensors(makeFile({ h: { dtype: 'F16', shape: [n], data_offsets: [0, 2 * n] } }, data)).h!
      .data as Float32Array;
    const bits = bitsOf(f);
    // A small tensor goes through the non-table path: check it agrees too.
    const small = readSafetensors(makeFile({ h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, data.subarray(0x7c00 * 2, 0x7c00 * 2 + 8))).h!.data as Float32Array;
    expect(Array.from(bitsOf(small))).toEqual(Array.from(bits.subarray(0x7c00, 0x7c04)));
    for (let h = 0; h < n; h++) {
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      if (e === 0x1f && m !== 0) {
        const want = ((h & 0x8000) << 16) | 0x7fc00000 | (m << 13);
        if (bits[h] !== want >>> 0) expect.fail(`f16 0x${h.toString(16)}: got 0x${bits[h]!.toString(16)}`);
        continue;
      }
      const want = e === 0x1f ? s * Infinity : e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
      if (!Object.is(f[h], want)) expect.fail(`f16 0x${h.toString(16)}: got ${f[h]}, want ${want}`);
    }
  });
});

describe('writing', () => {
  const nanPayload = f32FromBits(0x7fc12345);
  const sample = (): StateDict => {
    const special = new Float32Array(8);
    bitsOf(special).set([0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x7fc12345, 0x7f7fffff, 0x3eaaaaab, 0x7f800001]);
    return {
      'lstm.weight_ih_l0': { data: Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1), shape: [8, 3] },
      special: { data: special, shape: [8] },
      scalar: { data: new Float32Array([nanPayload]), shape: [] },
      empty: { data: new Float32Array(0), shape: [0, 3] },
      ints: { data: new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31), 7]), shape: [5] },
      longs: { data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]), shape: [3, 1] },
      odd: { data: new Float32Array([1, 2, 3]), shape: [1, 3, 1] },
      'ünïcødé ☃': { data: new Int32Array([5]), shape: [1, 1] },
      __proto__x: { data: new BigInt64Array([1n]), shape: [] },
    };
  };

  it('round-trips every dtype bit-exactly, with metadata', () => {
    const dict = sample();
    const meta = { format: 'pt', note: 'é ☃ "quoted" \\ \n', '': 'empty key' };
    const file = writeSafetensors(dict, meta);
    expectSameDict(dict, readSafetensors(file));
    expect(readSafetensorsMetadata(file)).toEqual(meta);
    expect(bitsOf(readSafetensors(file).scalar!.data as Float32Array)[0]).toBe(bitsOf(dict.scalar!.data as Float32Array)[0]);
  });

  it('round-trips the torch fixture (F16/BF16/F64 become F32) and an empty dict', () => {
    const dict = readSafetensors(fixture('torch_dtypes.safetensors'));
    expectSameDict(dict, readSafetensors(writeSafetensors(dict)));
    expect(readSafetensors(writeSafetensors({}))).toEqual({});
  });

  it('stores keys like __proto__ as plain entries', () => {
    const dict: StateDict = {};
    Object.defineProperty(dict, '__proto__', { value: { data: new Float32Array([1]), shape: [1] }, enumerable: true });
    const back = readSafetensors(writeSafetensors(dict));
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Array.from(back['__proto__']!.data as Float32Array)).toEqual([1]);
  });

  it('writes a valid layout: 8-aligned data start, space padding, contiguous aligned offsets', () => {
    for (const meta of [undefined, { a: 'b' }, { x: 'y'.repeat(5) }] as (Record<string, string> | undefined)[]) {
      const dict = sample();
      const file = writeSafetensors(dict, meta);
      const { len, json, text } = headerOf(file);
      expect(len % 8).toBe(0);
      expect(text.trimEnd().endsWith('}')).toBe(true);
      expect(/^[^ ]*$/.test(text.trimEnd().replace(/"[^"]*"/g, ''))).toBe(true); // only padding spaces
      expect(json.__metadata__).toEqual(meta);
      const entries = Object.entries(json)
        .filter(([k]) => k !== '__metadata__')
        .map(([k, v]) => ({ k, ...(v as { dtype: string; shape: number[]; data_offsets: [number, number] }) }))
        .sort((a, b) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
      expect(entries.map((e) => e.k).sort()).toEqual(Object.keys(dict).sort());
      let pos = 0;
      for (const e of entries) {
        const size = e.dtype === 'I64' ? 8 : 4;
        expect(e.dtype).toBe({ Float32Array: 'F32', Int32Array: 'I32', BigInt64Array: 'I64' }[dict[e.k]!.data.constructor.name]);
        expect(e.shape).toEqual(dict[e.k]!.shape);
        expect(e.data_offsets[0]).toBe(pos);
        expect(e.data_offsets[0] % size).toBe(0);
        pos = e.data_offsets[1];
        expect(pos - e.data_offsets[0]).toBe(dict[e.k]!.data.byteLength);
      }
      expect(8 + len + pos).toBe(file.length);
      // 8-byte tensors first, then by name (the reference implementation's order).
      expect(entries[0]!.dtype).toBe('I64');
    }
  });

  it('validates its input tensors and metadata', () => {
    const ok = { data: new Float32Array(2), shape: [2] };
    expectRnnError(() => writeSafetensors({ w: { data: new Float32Array(3), shape: [2] } }), 'INVALID_INPUT', "'w'", '[2]', '3');
    expectRnnError(() => writeSafetensors({ w: { data: new Float64Array(2), shape: [2] } as never }), 'DTYPE_MISMATCH', "'w'", 'Float64Array');
    expectRnnError(() => writeSafetensors({ w: { data: new Float32Array(2), shape: [-2] } }), 'INVALID_INPUT', "'w'");
    expectRnnError(() => writeSafetensors({ w: null as never }), 'INVALID_INPUT', "'w'");
    expectRnnError(() => writeSafetensors(null as never), 'INVALID_INPUT', 'tensors');
    expectRnnError(() => writeSafetensors({ __metadata__: ok }), 'INVALID_INPUT', '__metadata__');
    expectRnnError(() => writeSafetensors({ ok }, { a: 1 } as never), 'INVALID_OPTION', "'a'", 'number 1');
    expectRnnError(() => writeSafetensors({ ok }, ['x'] as never), 'INVALID_OPTION', 'metadata');
  });
});

describe('INVALID_FORMAT and UNSUPPORTED', () => {
  const f32 = (shape: number[], offsets: unknown, extra: Record<string, unknown> = {}) => ({
    dtype: 'F32',
    shape,
    data_offsets: offsets,
    ...extra,
  });
  const cases: [string, () => Uint8Array, string[]][] = [
    ['file shorter than 8 bytes', () => new Uint8Array(5), ['5 bytes', 'shorter than the 8-byte']],
    ['empty file', () => new Uint8Array(0), ['0 bytes']],
    ['header length past the end', () => makeFile({}, 0, { headerLen: 3n }).subarray(0, 10), ['header length 3', '2 bytes']],
    ['header length 2^60', () => makeFile({ a: f32([1], [0, 4]) }, 4, { headerLen: 2n ** 60n }), ['header length 1152921504606846976', 'exceeds']],
    ['header length 2^64-1', () => makeFile({}, 0, { headerLen: 2n ** 64n - 1n }), ['18446744073709551615', 'exceeds']],
    ['header length 0', () => makeFile('', 0), ['header length 0']],
    ['header not UTF-8', () => makeFile('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b)), ['UTF-8']],
    ['header not JSON', () => makeFile('{"a": '), ['not valid JSON']],
    ['header JSON array', () => makeFile('[1, 2]'), ["start with '{'"]],
    ['header with leading space', () => makeFile(' {}'), ["start with '{'"]],
    ['entry not an object', () => makeFile({ w: 3 }), ["'w'", 'expected an object', 'number 3']],
    ['entry missing dtype', () => makeFile({ w: { shape: [1], data_offsets: [0, 4] } }, 4), ["'w'", 'missing "dtype"']],
    ['entry missing shape', () => makeFile({ w: { dtype: 'F32', data_offsets: [0, 4] } }, 4), ["'w'", 'missing "shape"']],
    ['entry missing data_offsets', () => makeFile({ w: { dtype: 'F32', shape: [1] } }, 4), ["'w'", 'missing "data_offsets"']],
    ['dtype not a string', () => makeFile({ w: { dtype: 7, shape: [1], data_offsets: [0, 4] } }, 4), ["'w'", '"dtype" must be a string']],
    ['unknown dtype', () => makeFile({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4), ["'w'", 'unknown dtype "F33"']],
    ['dtype "constructor"', () => makeFile({ w: { dtype: 'constructor', shape: [1], data_offsets: [0, 4] } }, 4), ["'w'", 'unknown dtype']],
    ['shape not an array', () => makeFile({ w: f32(4 as never, [0, 4]) }, 4), ["'w'", '"shape" must be an array']],
    ['negative dim', () => makeFile({ w: f32([2, -1], [0, 4]) }, 4), ["'w'", 'dimension 1', 'number -1']],
    ['non-integer dim', () => makeFile({ w: f32([1.5], [0, 4]) }, 4), ["'w'", 'dimension 0', '1.5']],
    ['string dim', () => makeFile({ w: f32(['2'] as never, [0, 8]) }, 8), ["'w'", 'dimension 0', 'string']],
    ['huge dim', () => makeFile({ w: f32([2 ** 60], [0, 4]) }, 4), ["'w'", 'dimension 0']],
    ['data_offsets not pair', () => makeFile({ w: f32([1], [0, 4, 8]) }, 4), ["'w'", '[begin, end]', 'length 3']],
    ['data_offsets not array', () => makeFile({ w: f32([1], 'x') }, 4), ["'w'", '[begin, end]']],
    ['data_offsets negative', () => makeFile({ w: f32([1], [-4, 0]) }, 4), ["'w'", 'non-negative integers', '[-4,0]']],
    ['data_offsets non-integer', () => makeFile({ w: f32([1], [0, 4.5]) }, 8), ["'w'", 'non-negative integers']],
    ['data_offsets end < begin', () => makeFile({ w: f32([0], [4, 0]) }, 4), ["'w'", '[4, 0]', 'end is before begin']],
    ['data_offsets past the buffer', () => makeFile({ w: f32([2], [0, 8]) }, 4), ["'w'", '[0, 8]', 'buffer of 4 bytes']],
    ['size != numel * dtype size', () => makeFile({ w: f32([2, 3], [0, 12]) }, 12), ["'w'", '[2, 3]', 'needs 24 bytes', 'span 12']],
    ['size overflowing numel', () => makeFile({ w: f32([2 ** 52, 2 ** 52], [0, 4]) }, 4), ["'w'", 'needs', 'span 4']],
    ['overlapping tensors', () => makeFile({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12), ['overlap', "'a'", "'b'"]],
    ['same offsets twice', () => makeFile({ a: f32([2], [0, 8]), b: f32([2], [0, 8]) }, 8), ['overlap']],
    ['gap between tensors', () => makeFile({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12), ["'b'", 'gap', 'expected begin 4']],
    ['trailing bytes', () => makeFile({ a: f32([1], [0, 4]) }, 8), ['8 bytes', 'cover 4']],
    ['empty tensor inside another', () => makeFile({ a: f32([2], [0, 8]), e: f32([0], [4, 4]) }, 8), ["'e'", 'overlap']],
    ['metadata not an object', () => makeFile({ __metadata__: 'x' }), ['__metadata__', 'string "x"']],
    ['metadata array', () => makeFile({ __metadata__: ['a'] }), ['__metadata__', 'an array']],
    ['metadata non-string value', () => makeFile({ __metadata__: { epoch: 3 } }), ['__metadata__', "'epoch'", 'number 3']],
    ['metadata nested object', () => makeFile({ __metadata__: { cfg: { a: 'b' } } }), ["'cfg'", 'an object']],
  ];

  for (const [name, make, parts] of cases) {
    it(`rejects: ${name}`, () => {
      const file = make();
      expectRnnError(() => readSafetensors(file), 'INVALID_FORMAT', ...parts);
      expectRnnError(() => readSafetensorsMetadata(file), 'INVALID_FORMAT', ...parts);
    });
  }

  it('accepts the edge cases the format allows', () => {
    // null metadata (the reference implementation reads it as none), trailing header spaces,
    // unknown extra fields, empty tensors at the boundaries, empty key.
    const file = makeFile(
      '{"__metadata__":null,"":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1},"e":{"dtype":"I64","shape":[3,0],"data_offsets":[4,4]},"z":{"dtype":"F16","shape":[0],"data_offsets":[0,0]}}   ',
      new Uint8Array([0, 0, 0x80, 0x3f]),
    );
    const d = readSafetensors(file);
    expect(Array.from(d['']!.data as Float32Array)).toEqual([1]);
    expect(d.e!.shape).toEqual([3, 0]);
    expect(d.e!.data).toBeInstanceOf(BigInt64Array);
    expect(d.z!.data.length).toBe(0);
    expect(readSafetensorsMetadata(file)).toEqual({});
  });

  it('rejects non-byte inputs with INVALID_INPUT', () => {
    expectRnnError(() => readSafetensors('abc' as never), 'INVALID_INPUT', 'string');
    expectRnnError(() => readSafetensors(null as never), 'INVALID_INPUT', 'null');
  });

  const unsupported: [string, number][] = [
    ['BOOL', 1], ['U8', 1], ['I16', 2], ['U16', 2], ['U32', 4], ['U64', 8],
    ['F8_E5M2', 1], ['F8_E4M3', 1], ['F8_E8M0', 1], ['C64', 8],
  ];
  it("writes float32 as F16 / BF16 rounded as torch's .half() / .bfloat16() round, half the bytes", () => {
    // torch_rounding.safetensors: float32 values over many binades, halfway cases, overflow,
    // subnormals, signed zeros and infinities, with torch's F16 and BF16 of them
    const ref = readSafetensors(fixture('torch_rounding.safetensors'));
    const raw = fixture('torch_rounding.safetensors');
    const torchBytes = (key: string) => {
      const { len, json } = headerOf(raw);
      const [a, b] = json[key].data_offsets as [number, number];
      return raw.subarray(8 + len + a, 8 + len + b);
    };
    for (const float of ['F16', 'BF16'] as const) {
      const file = writeSafetensors({ x: ref.f32 }, undefined, { float });
      const { len, json } = headerOf(file);
      expect(json.x.dtype).toBe(float);
      const [a, b] = json.x.data_offsets as [number, number];
      expect(file.subarray(8 + len + a, 8 + len + b), `${float} bytes`).toEqual(torchBytes(float === 'F16' ? 'f16' : 'bf16'));
      expect(readSafetensors(file).x.data).toEqual(ref[float === 'F16' ? 'f16' : 'bf16'].data);
      expect(b - a).toBe(2 * ref.f32.data.length);
    }
    // integer tensors are written as they are; an unknown float dtype is refused
    const mixed = headerOf(writeSafetensors({ i: { data: Int32Array.of(1), shape: [1] } }, undefined, { float: 'F16' })).json;
    expect(mixed.i.dtype).toBe('I32');
    expectRnnError(() => writeSafetensors({}, undefined, { float: 'F8' as never }), 'INVALID_OPTION', 'F8');
  });

  it('reads and writes I8 (int8 weights) as Int8Array, byte for byte', () => {
    const file = makeFile({ q: { dtype: 'I8', shape: [2, 2], data_offsets: [0, 4] } }, Uint8Array.of(0x80, 0xff, 0, 0x7f));
    const q = readSafetensors(file).q;
    expect(q.data).toEqual(Int8Array.of(-128, -1, 0, 127));
    expect(q.shape).toEqual([2, 2]);
    const written = writeSafetensors({ q, f: { data: Float32Array.of(1.5), shape: [1] } });
    expect(headerOf(written).json.q).toEqual({ dtype: 'I8', shape: [2, 2], data_offsets: [4, 8] });
    expect(readSafetensors(written).q.data).toEqual(q.data);
  });

  for (const [dtype, size] of unsupported) {
    it(`refuses dtype ${dtype} with UNSUPPORTED naming the tensor`, () => {
      const file = makeFile(
        { '__metadata__': { k: 'v' }, ok: f32([1], [0, 4]), weird: { dtype, shape: [2, 2], data_offsets: [4, 4 + 4 * size] } },
        4 + 4 * size,
      );
      expectRnnError(() => readSafetensors(file), 'UNSUPPORTED', "'weird'", dtype);
      expect(readSafetensorsMetadata(file)).toEqual({ k: 'v' });
    });
  }

  it('refuses sub-byte F4 tensors but checks their size in bits', () => {
    const good = makeFile({ q: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }, 2);
    expectRnnError(() => readSafetensors(good), 'UNSUPPORTED', "'q'", 'F4');
    const bad = makeFile({ q: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, 2);
    expectRnnError(() => readSafetensors(bad), 'INVALID_FORMAT', "'q'", '12 bits');
  });

  it('a malformed file is INVALID_FORMAT even when it also has an unsupported dtype', () => {
    const file = makeFile({ u: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, w: f32([2], [4, 8]) }, 4);
    expectRnnError(() => readSafetensors(file), 'INVALID_FORMAT', "'w'");
  });
});

describe('fuzz', () => {

  const base = writeSafetensors(
    {
      w: { data: Float32Array.from({ length: 12 }, (_, i) => i - 5.5), shape: [3, 4] },
      b: { data: new Float32Array([1, 2, 3]), shape: [3] },
      n: { data: new Int32Array([1, 2]), shape: [2] },
      l: { data: new BigInt64Array([3n]), shape: [] },
    },
    { format: 'pt' },
  );
  const bases = [base, fixture('torch_dtypes.safetensors')];

  function mutate(src: Uint8Array, r: () => number): Uint8Array {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const int = (n: number) => Math.floor(r() * n);
    const kind = int(5);
    if (kind === 0) {
      // byte flips, mostly in the header
      const out = src.slice();
      const { len } = headerOf(src);
      for (let i = 1 + int(4); i > 0; i--) {
        const at = r() < 0.8 ? 8 + int(len) : int(out.length);
        out[at] = r() < 0.5 ? out[at]! ^ (1 << int(8)) : int(256);
      }
      return out;
    }
    if (kind === 1) return src.slice(0, int(src.length)); // truncation
    if (kind === 2) {
      // header length edits
      const out = src.slice();
      const dv = new DataView(out.buffer);
      const n = dv.getBigUint64(0, true);
      const v = pick([n + 1n, n - 1n, n + BigInt(int(64)) - 32n, 0n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(2 ** 31)), BigInt(out.length)]);
      dv.setBigUint64(0, ((v % 2n ** 64n) + 2n ** 64n) % 2n ** 64n, true);
      return out;
    }
    if (kind === 3) {
      // byte insertion / deletion in the header
      const { len } = headerOf(src);
      const at = 8 + int(len);
      return r() < 0.5
        ? new Uint8Array([...src.subarray(0, at), int(128), ...src.subarray(at)])
        : new Uint8Array([...src.subarray(0, at), ...src.subarray(at + 1)]);
    }
    // JSON field edits: rewrite one field of one entry, keep the data buffer
    const { len, json } = headerOf(src);
    const keys = Object.keys(json);
    const key = pick(keys);
    const entry = json[key];
    const values: unknown[] = [
      null, -1, 0, 1, 1.5, 2 ** 53, 2 ** 60, -0, 'F32', 'F16', 'BF16', 'F64', 'I64', 'U32', 'BOOL', 'X', '', [], [0], [1, 2], [0, 0],
      [-1, 4], [4, 0], { a: 'b' }, { a: 1 }, true, [2 ** 31, 2 ** 31], [0, len], [3], [1, 1, 1, 1],
    ];
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      const field = pick([...Object.keys(entry), 'dtype', 'shape', 'data_offsets', 'extra']);
      if (r() < 0.15) delete entry[field];
      else if (field === 'data_offsets' && Array.isArray(entry[field]) && r() < 0.5) {
        entry[field][int(2)] += int(17) - 8;
      } else if (field === 'shape' && Array.isArray(entry[field]) && r() < 0.5) {
        if (entry[field].length && r() < 0.7) entry[field][int(entry[field].length)] += int(5) - 2;
        else entry[field].push(int(3));
      } else entry[field] = pick(values);
    } else if (r() < 0.5) {
      delete json[key];
    } else {
      json[key] = pick(values);
    }
    if (r() < 0.2) json[`k${int(10)}`] = { dtype: pick(['F32', 'I32', 'U8']), shape: [int(3)], data_offsets: [int(40), int(40)] };
    return makeFile(JSON.stringify(json), src.subarray(8 + len));
  }

  it('every mutated file either reads or throws RnnError (4000 seeded mutations)', () => {
    const r = rng(0x5eed);
    const counts = { ok: 0, invalid: 0, unsupported: 0 };
    for (let i = 0; i < 4000; i++) {
      const src = bases[i % bases.length]!;
      const file = mutate(src, r);
      for (const fn of [readSafetensors, readSafetensorsMetadata] as const) {
        let result: unknown;
        try {
          result = fn(file);
        } catch (e) {
          if (!(e instanceof RnnError)) {
            throw new Error(`mutation ${i}: ${fn.name} threw a non-RnnError: ${String(e)}`);
          }
          expect(['INVALID_FORMAT', 'UNSUPPORTED']).toContain(e.code);
          if (fn === readSafetensors) counts[e.code === 'INVALID_FORMAT' ? 'invalid' : 'unsupported']++;
          continue;
        }
        if (fn === readSafetensors) {
          counts.ok++;
          for (const [k, t] of Object.entries(result as StateDict)) checkTensor(t as Tensor, k);
        }
      }
    }
    // The mutations must exercise both paths, not just one.
    expect(counts.ok).toBeGreaterThan(50);
    expect(counts.invalid).toBeGreaterThan(1000);
    expect(counts.unsupported).toBeGreaterThan(0);
  });
});
