import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTensorProto } from '../../src/onnx/index.js';
import { varint } from './encode.js';
import { RnnError } from '../../base/errors.js';

const NODE = new URL('../fixtures/onnx/node/', import.meta.url).pathname;

/** Hand-encoded TensorProto helpers (protobuf wire format). */
const tag = (f: number, wt: number) => varint(f * 8 + wt);
const len = (f: number, bytes: number[]) => [...tag(f, 2), ...varint(bytes.length), ...bytes];
const str = (s: string) => [...new TextEncoder().encode(s)];

describe('readTensorProto', () => {
  it('decodes every .pb of the ONNX node tests (float32 raw_data)', () => {
    const cases = readdirSync(NODE).filter((d) => d.startsWith('test_'));
    expect(cases, 'the 12 recurrent node tests').toHaveLength(12);
    for (const c of cases) {
      const dir = join(NODE, c, 'test_data_set_0');
      const files = readdirSync(dir);
      expect(files, `${c}: inputs and outputs`).toEqual(expect.arrayContaining(['input_0.pb', 'output_0.pb']));
      for (const f of files) {
        const t = readTensorProto(new Uint8Array(readFileSync(join(dir, f))));
        expect(t.data.length, `${c}/${f}`).toBe(t.shape.reduce((a, b) => a * b, 1));
      }
    }
  });

  it('decodes float_data (packed and unpacked), int32_data, int64_data, double_data and names', () => {
    const fbuf = new Uint8Array(new Float32Array([1.5, -2, 3.25]).buffer);
    const packedFloats = [...tag(1, 0), 3, ...tag(2, 0), 1, ...len(4, [...fbuf]), ...len(8, str('w'))];
    let t = readTensorProto(new Uint8Array(packedFloats));
    expect(t.name).toBe('w');
    expect(t.shape).toEqual([3]);
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -2, 3.25]);

    const unpacked = [...tag(1, 0), 2, ...tag(2, 0), 1];
    for (const v of [7, 8]) unpacked.push(...tag(4, 5), ...new Uint8Array(new Float32Array([v]).buffer));
    t = readTensorProto(new Uint8Array(unpacked));
    expect(Array.from(t.data as Float32Array)).toEqual([7, 8]);

    t = readTensorProto(new Uint8Array([...len(1, [...varint(2), ...varint(2)]), ...tag(2, 0), 7, ...len(7, [...varint(-5), ...varint(2n ** 40n), ...varint(0), ...varint(9)])]));
    expect(t.shape).toEqual([2, 2]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(t.data as BigInt64Array)).toEqual([-5n, 2n ** 40n, 0n, 9n]);

    t = readTensorProto(new Uint8Array([...tag(1, 0), 3, ...tag(2, 0), 6, ...len(5, [...varint(-1), ...varint(2), ...varint(300)])]));
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.data as Int32Array)).toEqual([-1, 2, 300]);

    t = readTensorProto(new Uint8Array([...tag(1, 0), 2, ...tag(2, 0), 11, ...len(10, [...new Uint8Array(new Float64Array([0.5, 1e-3]).buffer)])]));
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data[1]).toBe(Math.fround(1e-3));

    // scalar: no dims, one element
    t = readTensorProto(new Uint8Array([...tag(2, 0), 1, ...len(9, [...new Uint8Array(new Float32Array([4]).buffer)])]));
    expect(t.shape).toEqual([]);
    expect(t.data[0]).toBe(4);
  });

  it('rejects truncated / inconsistent tensors with INVALID_FORMAT and external data with UNSUPPORTED', () => {
    const code = (bytes: number[]) => {
      try {
        readTensorProto(new Uint8Array(bytes));
      } catch (e) {
        expect(e).toBeInstanceOf(RnnError);
        return (e as RnnError).code;
      }
      return 'ok';
    };
    expect(code([...tag(1, 0), 3, ...tag(2, 0), 1, ...len(9, [0, 0, 0, 0])])).toBe('INVALID_FORMAT');
    expect(code([...tag(1, 0), 3, ...tag(2, 0), 1, ...tag(9, 2), 12, 0, 0])).toBe('INVALID_FORMAT');
    expect(code([...tag(1, 0), 0x80])).toBe('INVALID_FORMAT');
    expect(code([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])).toBe('INVALID_FORMAT');
    expect(code([...tag(1, 0), 1, ...tag(2, 0), 1, ...tag(14, 0), 1])).toBe('UNSUPPORTED');
    expect(code([...tag(1, 0), 1, ...tag(2, 0), 8])).toBe('UNSUPPORTED');
    expect(code([...tag(1, 3)])).toBe('INVALID_FORMAT'); // group wire type
    expect(code([...tag(1, 0), ...varint(1e9), ...tag(1, 0), ...varint(1e9), ...tag(2, 0), 1])).toBe('OUT_OF_MEMORY');
  });
});
