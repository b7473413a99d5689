/**
 * The onnxruntime-web-compatible entry (src/ort/): Tensor's constructor overloads give what
 * onnxruntime-web's Tensor gives for the same arguments; InferenceSession runs models exported by
 * PyTorch from every source onnxruntime takes (bytes, ArrayBuffer ranges, paths, file: and http
 * URLs) with PyTorch's outputs; fetches, run options, release and every validation error.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from '../../src/ort/index.js';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { rejectionOf } from '../helpers/common.js';
import { FIXTURES, expectClose, readBytes, readDataSet } from '../onnx/helpers.js';
import { model as encodeModel } from '../onnx/encode.js';

const MODEL_DIR = join(FIXTURES, 'torch/char_lstm_op17');
const MODEL_PATH = join(MODEL_DIR, 'model.onnx');
const bytes = readBytes(MODEL_PATH);
const inputs = readDataSet(join(MODEL_DIR, 'test_data_set_0'), 'input');
const expected = readDataSet(join(MODEL_DIR, 'test_data_set_0'), 'output');

function feedsOf(): Record<string, ort.Tensor> {
  return Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor(t.data as Float32Array, t.shape)]));
}

/** Checks every output against PyTorch's (the torch-models test's tolerance) and its Tensor fields. */
function expectPyTorchOutputs(out: Record<string, ort.Tensor>, names = expected.map((e) => e.name)): void {
  expect(Object.keys(out).sort()).toEqual([...names].sort());
  for (const name of names) {
    const want = expected.find((e) => e.name === name)!;
    const t = out[name];
    expect(t).toBeInstanceOf(ort.Tensor);
    expect(t.type).toBe('float32');
    expect(t.size).toBe(want.data.length);
    expectClose({ data: t.data as Float32Array, shape: [...t.dims] }, want, 1e-5, `output ${name}`);
  }
}

describe('Tensor: the same type, dims, size and data as onnxruntime-web for the same arguments', () => {
  const f32 = new Float32Array([1, 2, 3, 4, 5, 6]);
  const i64 = new BigInt64Array([1n, -2n, 3n]);
  const i32 = new Int32Array([7, -8]);
  const u8 = new Uint8Array([1, 0, 1, 1]);
  const cases: [string, unknown[]][] = [
    ["vad-web's sr: ('int64', [16000n])", ['int64', [16000n]]],
    ["vad-web's state: ('float32', Array(256).fill(0), [2, 1, 128])", ['float32', Array(256).fill(0), [2, 1, 128]]],
    ["('int64', number[], dims)", ['int64', [1, 2, 3, 4], [2, 2]]],
    ["('float32', Float32Array, dims)", ['float32', f32, [2, 3]]],
    ["('float32', Float32Array) without dims", ['float32', f32]],
    ["('int64', BigInt64Array, dims)", ['int64', i64, [3, 1]]],
    ["('int32', Int32Array)", ['int32', i32]],
    ["('int32', number[], dims)", ['int32', [1, 2, 3, 4, 5, 6], [3, 2]]],
    ["('bool', Uint8Array, dims)", ['bool', u8, [2, 2]]],
    ["('bool', boolean[])", ['bool', [true, false, true]]],
    ['(Float32Array, dims)', [f32, [3, 2]]],
    ['(BigInt64Array)', [i64]],
    ['(Int32Array, dims)', [i32, [1, 2]]],
    ['(boolean[], dims)', [[false, true], [2, 1]]],
    ["scalar: ('float32', [2.5], [])", ['float32', [2.5], []]],
    ["('float64', Float64Array, dims)", ['float64', new Float64Array([0.1, -2, 3e300]), [3, 1]]],
    ["('float64', number[])", ['float64', [0.1, 2]]],
    ['(Float64Array)', [new Float64Array([1.5])]],
    ["('float16', Uint16Array of binary16 bits)", ['float16', new Uint16Array([0x3c00, 0xc000, 0x7c00])]],
    ["('uint32', Uint32Array)", ['uint32', new Uint32Array([0, 4294967295])]],
    ["('uint32', number[], dims)", ['uint32', [1, 2, 3, 4], [2, 2]]],
    ['(Uint32Array)', [new Uint32Array([7])]],
    ["('uint64', BigUint64Array)", ['uint64', new BigUint64Array([0n, (1n << 64n) - 1n])]],
    ["('uint64', bigint[])", ['uint64', [5n, 1n << 63n]]],
    ['(BigUint64Array, dims)', [new BigUint64Array([1n, 2n]), [2, 1]]],
    ['(Uint8Array): uint8', [new Uint8Array([1, 255])]],
    ['(Int16Array): int16', [new Int16Array([-1, 2])]],
    ['(Uint16Array): uint16', [new Uint16Array([65535])]],
    ["empty: ('float32', Float32Array(0), [0, 3])", ['float32', new Float32Array(0), [0, 3]]],
  ];
  for (const [what, args] of cases) {
    it(what, () => {
      const ours = new (ort.Tensor as unknown as new (...a: unknown[]) => ort.Tensor)(...args);
      const theirs = new (ortWeb.Tensor as unknown as new (...a: unknown[]) => ortWeb.Tensor)(...args);
      expect(ours.type).toBe(theirs.type);
      expect([...ours.dims]).toEqual([...theirs.dims]);
      expect(ours.size).toBe(theirs.size);
      expect(ours.data.constructor).toBe(theirs.data.constructor);
      expect(Array.from(ours.data as ArrayLike<number>)).toEqual(Array.from(theirs.data as ArrayLike<number>));
      expect(ours.location).toBe(theirs.location);
      // typed arrays are kept by reference, plain arrays copied, by both
      const typed = args.find((a) => ArrayBuffer.isView(a));
      expect(ours.data === typed).toBe(theirs.data === typed);
    });
  }

  it('reshape shares the data, getData resolves to it, dispose drops it', async () => {
    const t = new ort.Tensor('float32', f32, [2, 3]);
    const r = t.reshape([3, 2]);
    expect([...r.dims]).toEqual([3, 2]);
    expect(r.data).toBe(f32);
    expect(await t.getData()).toBe(f32);
    t.dispose();
    expect(t.location).toBe('none');
    expect((await rejectionOf(() => t.data)).code).toBe('DISPOSED');
    expect(r.data).toBe(f32);
  });

  const invalid: [string, unknown[], string][] = [
    ['dims that do not hold the data', ['float32', [1, 2, 3], [2, 2]], 'INVALID_INPUT'],
    ['a negative dimension', ['float32', [1, 2], [-1, -2]], 'INVALID_INPUT'],
    ['a fractional dimension', ['float32', [1, 2], [2.5]], 'INVALID_INPUT'],
    ['dims that are not an array', ['float32', [1, 2], 2], 'INVALID_INPUT'],
    ['an unknown type', ['float33', [1]], 'INVALID_INPUT'],
    ["onnxruntime's string type", ['string', ['a']], 'UNSUPPORTED'],
    ["onnxruntime's int4 type", ['int4', new Int8Array(1)], 'UNSUPPORTED'],
    ['a uint32 element beyond uint32', ['uint32', [2 ** 32]], 'DTYPE_MISMATCH'],
    ['a negative uint64 element', ['uint64', [-1n]], 'DTYPE_MISMATCH'],
    ['a uint64 element beyond uint64', ['uint64', [1n << 64n]], 'DTYPE_MISMATCH'],
    ['float64 data as a Float32Array', ['float64', new Float32Array(1)], 'DTYPE_MISMATCH'],
    ...((globalThis as { Float16Array?: unknown }).Float16Array === undefined
      ? [['a float16 tensor from numbers, on an engine without Float16Array', ['float16', [1.5]], 'DTYPE_MISMATCH'] as [string, unknown[], string]]
      : []),
    ['a typed array of another type', ['float32', new Int32Array(2)], 'DTYPE_MISMATCH'],
    ['an int64 element that is not an integer', ['int64', [1.5]], 'DTYPE_MISMATCH'],
    ['an int64 element beyond int64', ['int64', [1n << 63n]], 'DTYPE_MISMATCH'],
    ['an int32 element beyond int32', ['int32', [2 ** 31]], 'DTYPE_MISMATCH'],
    ['a string in float32 data', ['float32', [1, '2']], 'DTYPE_MISMATCH'],
    ['a bool element 2', ['bool', [2]], 'DTYPE_MISMATCH'],
    ['a number[] without a type', [[1, 2]], 'INVALID_INPUT'],
    ['a Uint8ClampedArray without a type', [new Uint8ClampedArray(2)], 'DTYPE_MISMATCH'],
    ['null data', ['float32', null], 'DTYPE_MISMATCH'],
  ];
  for (const [what, args, code] of invalid) {
    it(`RnnError ${code} for ${what}`, async () => {
      const e = await rejectionOf(() => new (ort.Tensor as unknown as new (...a: unknown[]) => ort.Tensor)(...args));
      expect(e.code).toBe(code);
      expect(e.message).toMatch(/^\[\w+\] Tensor: /);
    });
  }
});

describe('InferenceSession over a model exported by torch.onnx.export', () => {
  let server: Server;
  let baseUrl = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/model.onnx') res.end(bytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address() as { port: number };
    baseUrl = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('inputNames, outputNames and inputMetadata are the graph\'s', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const model = (await ready(), loadOnnx(bytes));
    expect([...session.inputNames]).toEqual(inputs.map((t) => t.name));
    expect([...session.outputNames]).toEqual(expected.map((t) => t.name));
    expect(session.inputMetadata.map((m) => [m.name, m.type, m.isTensor])).toEqual(model.inputs.map((i) => [i.name, i.dtype, true]));
    model.dispose();
    await session.release();
  });

  it("inputMetadata and outputMetadata are onnxruntime-web's, with and without freeDimensionOverrides", async () => {
    ortWeb.env.wasm.numThreads = 1;
    const batch = inputs[0].shape[0];
    for (const options of [{}, { freeDimensionOverrides: { batch } }, { freeDimensionOverrides: { batch: batch + 1, time: 4 } }]) {
      const session = await ort.InferenceSession.create(bytes, options);
      const reference = await ortWeb.InferenceSession.create(bytes, options);
      expect(JSON.parse(JSON.stringify(session.inputMetadata))).toEqual(JSON.parse(JSON.stringify(reference.inputMetadata)));
      expect(JSON.parse(JSON.stringify(session.outputMetadata))).toEqual(JSON.parse(JSON.stringify(reference.outputMetadata)));
      // the inputs sized as the overrides say run as before; others are rejected
      if (options.freeDimensionOverrides?.batch === batch || !options.freeDimensionOverrides) expectPyTorchOutputs(await session.run(feedsOf()));
      else expect(await rejectionOf(session.run(feedsOf()))).toMatchObject({ code: 'SHAPE_MISMATCH' });
      await session.release();
      await reference.release();
    }
  });

  const sources: [string, () => unknown[]][] = [
    ['a Uint8Array', () => [bytes]],
    ['an ArrayBuffer', () => [bytes.slice().buffer]],
    ['an ArrayBuffer range (byteOffset, byteLength)', () => {
      const padded = new Uint8Array(bytes.length + 10);
      padded.set(bytes, 7);
      return [padded.buffer, 7, bytes.length];
    }],
    ['a file path', () => [MODEL_PATH]],
    ['a file: URL string', () => [pathToFileURL(MODEL_PATH).href]],
    ['an http URL (fetched)', () => [`${baseUrl}/model.onnx`]],
    ['bytes with onnxruntime session options', () => [bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 }]],
  ];
  for (const [what, args] of sources) {
    it(`create from ${what}: run gives PyTorch's outputs`, async () => {
      const create = ort.InferenceSession.create as (...a: unknown[]) => Promise<ort.InferenceSession>;
      const session = await create(...args());
      expectPyTorchOutputs(await session.run(feedsOf()));
      await session.release();
    });
  }

  it('fetches pick the outputs: names, an object of names; other objects are run options', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const [first, last] = [session.outputNames[0], session.outputNames[session.outputNames.length - 1]];
    expectPyTorchOutputs(await session.run(feedsOf(), [last]), [last]);
    expectPyTorchOutputs(await session.run(feedsOf(), { [first]: null }), [first]);
    expectPyTorchOutputs(await session.run(feedsOf(), { logSeverityLevel: 3, tag: 'x' }));
    expectPyTorchOutputs(await session.run(feedsOf(), [first, last], { tag: 'x' }), [first, last]);
    await session.release();
  });

  it('a feed may be any onnxruntime-like tensor (onnxruntime-web\'s own)', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const feeds = Object.fromEntries(inputs.map((t) => [t.name, new ortWeb.Tensor(t.data as Float32Array, t.shape)]));
    expectPyTorchOutputs(await session.run(feeds));
    await session.release();
  });

  it('outputs are new tensors each run: a later run does not change an earlier result', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const a = await session.run(feedsOf());
    const before = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, (v.data as Float32Array).slice()]));
    const zeros = Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor(new (t.data.constructor as Float32ArrayConstructor)(t.data.length), t.shape)]));
    await session.run(zeros);
    for (const [k, v] of Object.entries(a)) expect(v.data).toEqual(before[k]);
    await session.release();
  });

  it('release frees the model; run rejects with DISPOSED after it; release twice is fine', async () => {
    const session = await ort.InferenceSession.create(bytes);
    await session.release();
    await session.release();
    expect((await rejectionOf(session.run(feedsOf()))).code).toBe('DISPOSED');
  });

  it('run rejects feeds and fetches the model does not take, with RnnErrors that name them', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const name = session.inputNames[0];
    const { shape, data } = inputs[0];
    const type = new ort.Tensor(data as Float32Array).type;
    const otherType = type === 'float32' ? 'int32' : 'float32';
    const cases: [string, () => Promise<unknown>, string, RegExp][] = [
      ['an unknown input', () => session.run({ ...feedsOf(), nope: new ort.Tensor('float32', [1]) }), 'INVALID_INPUT', /'nope' is not an input/],
      ['a missing input', () => session.run({ [name]: feedsOf()[name] }), 'INVALID_INPUT', /missing input/],
      [`a ${otherType} tensor for a ${type} input`, () => session.run({ ...feedsOf(), [name]: new ort.Tensor(otherType, Array(data.length).fill(0), shape) }), 'DTYPE_MISMATCH', new RegExp(`'${name}' must be of type ${type}, got ${otherType}`)],
      ['a wrongly shaped input', () => session.run({ ...feedsOf(), [name]: new ort.Tensor(type, Array(3).fill(0)) }), 'SHAPE_MISMATCH', new RegExp(name)],
      ['a feed that is not a tensor', () => session.run({ ...feedsOf(), [name]: [1, 2] as never }), 'INVALID_INPUT', /must be a Tensor/],
      ['a malformed onnxruntime-like tensor', () => session.run({ ...feedsOf(), [name]: { type: 'float32', data: new Float32Array(2), dims: [3] } }), 'INVALID_INPUT', /dims \[3\] hold 3 elements but the data has 2/],
      ['feeds that are not an object', () => session.run(null as never), 'INVALID_INPUT', /feeds must be an object/],
      ['an unknown fetch', () => session.run(feedsOf(), ['nope']), 'INVALID_INPUT', /fetch "nope" is not an output/],
      ['an empty fetches list', () => session.run(feedsOf(), []), 'INVALID_INPUT', /fetches list is empty/],
      ['fetches that are a string', () => session.run(feedsOf(), 'x' as never), 'INVALID_OPTION', /second argument/],
    ];
    for (const [what, call, code, message] of cases) {
      const e = await rejectionOf(call());
      expect(e.code, what).toBe(code);
      expect(e.message, what).toMatch(message);
    }
    await session.release();
  });

  it('create rejects what is not a model, with RnnErrors', async () => {
    const create = ort.InferenceSession.create as (...a: unknown[]) => Promise<ort.InferenceSession>;
    const cases: [string, unknown[], string, RegExp][] = [
      ['a number', [42], 'INVALID_INPUT', /expected the model as a Uint8Array, ArrayBuffer, URL or path, got number/],
      ['a missing file', [join(MODEL_DIR, 'missing.onnx')], 'INVALID_INPUT', /cannot read the model file/],
      ['a URL that answers 404', [`${baseUrl}/missing.onnx`], 'INVALID_INPUT', /HTTP 404/],
      ['bytes that are not ONNX', [new Uint8Array([1, 2, 3])], 'INVALID_FORMAT', /./],
      ['a byte range outside the buffer', [bytes.slice().buffer, 10, bytes.length], 'INVALID_OPTION', /outside the/],
      ['options that are not an object', [bytes, 'wasm'], 'INVALID_OPTION', /options must be an object/],
    ];
    for (const [what, args, code, message] of cases) {
      const e = await rejectionOf(create(...args));
      expect(e.code, what).toBe(code);
      expect(e.message, what).toMatch(message);
    }
  });
});

describe('int64 inputs and outputs', () => {
  it("a model adding int64 tensors gives onnxruntime-web's outputs, as BigInt64Array int64 tensors", async () => {
    // the ops fixtures hold inputs only (ops.test.ts compares them with onnxruntime), so
    // onnxruntime-web is the reference here too
    const dir = join(FIXTURES, 'ops/add_int64_op14');
    const model = readBytes(join(dir, 'model.onnx'));
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const ins = readDataSet(join(dir, 'test_data_set_0'), 'input');
    expect(ins.every((t) => t.data instanceof BigInt64Array)).toBe(true);
    const web = await ortWeb.InferenceSession.create(model);
    const want = await web.run(Object.fromEntries(ins.map((t) => [t.name, new ortWeb.Tensor('int64', t.data as BigInt64Array, t.shape)])));
    expect(Object.keys(want)).toEqual([...session.outputNames]);
    expect(session.outputNames).toHaveLength(1);
    const out = await session.run(Object.fromEntries(ins.map((t) => [t.name, new ort.Tensor('int64', t.data as BigInt64Array, t.shape)])));
    for (const [name, w] of Object.entries(want)) {
      expect(out[name].type).toBe('int64');
      expect(w.type).toBe('int64');
      expect([...out[name].dims]).toEqual([...w.dims]);
      expect(out[name].data).toEqual(w.data);
    }
    // plain number arrays make int64 feeds too
    const plain = await session.run(Object.fromEntries(ins.map((t) => [t.name, new ort.Tensor('int64', Array.from(t.data as BigInt64Array, Number), t.shape)])));
    for (const [name, w] of Object.entries(want)) expect(plain[name].data).toEqual(w.data);
    await session.release();
    await web.release();
  });
});

describe('float64, float16, uint32 and uint64 at the graph boundary', () => {
  // inputs of the four types, each through Cast into the type wasm-rnn computes in and back
  const FLOAT = 1;
  const UINT32 = 12;
  const UINT64 = 13;
  const INT64 = 7;
  const FLOAT16 = 10;
  const DOUBLE = 11;
  const model = encodeModel({
    opset: 13,
    nodes: [
      { op: 'Cast', inputs: ['X'], outputs: ['xf'], attrs: [{ name: 'to', i: FLOAT }] },
      { op: 'Add', inputs: ['xf', 'xf'], outputs: ['x2'] },
      { op: 'Cast', inputs: ['x2'], outputs: ['Y'], attrs: [{ name: 'to', i: DOUBLE }] },
      { op: 'Cast', inputs: ['H'], outputs: ['hf'], attrs: [{ name: 'to', i: FLOAT }] },
      { op: 'Mul', inputs: ['hf', 'hf'], outputs: ['h2'] },
      { op: 'Cast', inputs: ['h2'], outputs: ['Z'], attrs: [{ name: 'to', i: FLOAT16 }] },
      { op: 'Cast', inputs: ['U'], outputs: ['u64'], attrs: [{ name: 'to', i: INT64 }] },
      { op: 'Add', inputs: ['u64', 'u64'], outputs: ['u2'] },
      { op: 'Cast', inputs: ['u2'], outputs: ['W'], attrs: [{ name: 'to', i: UINT32 }] },
      { op: 'Identity', inputs: ['V'], outputs: ['Q'] },
      { op: 'Identity', inputs: ['X'], outputs: ['D'] },
    ],
    inputs: [{ name: 'X', type: DOUBLE, shape: [3] }, { name: 'H', type: FLOAT16, shape: [4] }, { name: 'U', type: UINT32, shape: [2] }, { name: 'V', type: UINT64, shape: [2] }],
    outputs: [{ name: 'Y', type: DOUBLE }, { name: 'Z', type: FLOAT16 }, { name: 'W', type: UINT32 }, { name: 'Q', type: UINT64 }, { name: 'D', type: DOUBLE }],
  });
  const args: Record<string, [string, unknown, number[]]> = {
    X: ['float64', new Float64Array([0.1, -2.5, 1e10]), [3]],
    // 1, -2, 65504 (the largest half), 2^-24 (the smallest subnormal)
    H: ['float16', new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]), [4]],
    U: ['uint32', new Uint32Array([3, 2147483648]), [2]],
    V: ['uint64', new BigUint64Array([7n, 1n << 62n]), [2]],
  };
  const feeds = (T: new (...a: unknown[]) => unknown) => Object.fromEntries(Object.entries(args).map(([n, a]) => [n, new T(...a)]));

  it("take and give them as onnxruntime-web does: the same types, dims and values; the metadata names them", async () => {
    const session = await ort.InferenceSession.create(model);
    const web = await ortWeb.InferenceSession.create(model);
    expect(session.inputMetadata.map((m) => m.type)).toEqual(['float64', 'float16', 'uint32', 'uint64']);
    expect(session.outputMetadata.map((m) => m.type)).toEqual(['float64', 'float16', 'uint32', 'uint64', 'float64']);
    const out = await session.run(feeds(ort.Tensor as never) as never);
    const want = await web.run(feeds(ortWeb.Tensor as never) as never);
    for (const name of ['Y', 'Z', 'W', 'Q', 'D']) {
      expect(out[name].type, name).toBe(want[name].type);
      expect([...out[name].dims], name).toEqual([...want[name].dims]);
      expect(out[name].data.constructor, name).toBe(want[name].data.constructor);
    }
    for (const name of ['Y', 'Z', 'W', 'Q']) expect(Array.from(out[name].data as ArrayLike<number>), name).toEqual(Array.from(want[name].data as ArrayLike<number>));
    // a float64 value is held as float32 inside the graph (docs/ort.md): passed through, it comes back rounded
    expect(Array.from(want.D.data as Float64Array)).toEqual([0.1, -2.5, 1e10]);
    expect(Array.from(out.D.data as Float64Array)).toEqual([0.1, -2.5, 1e10].map(Math.fround));
    await session.release();
    await web.release();
  });

  it('a tensor of the held type instead of the declared one is DTYPE_MISMATCH naming both', async () => {
    const session = await ort.InferenceSession.create(model);
    const f = feeds(ort.Tensor as never) as Record<string, ort.Tensor>;
    const e = await rejectionOf(session.run({ ...f, X: new ort.Tensor('float32', new Float32Array(3), [3]) }));
    expect(e.code).toBe('DTYPE_MISMATCH');
    expect(e.message).toMatch(/input 'X' must be of type float64, got float32/);
    await session.release();
  });
});

describe('bool outputs', () => {
  it("ONNX's test_greater gives its expected output as a 'bool' tensor of Uint8Array, as onnxruntime-web does", async () => {
    const dir = join(FIXTURES, 'node-ops/test_greater');
    const model = readBytes(join(dir, 'model.onnx'));
    const ins = readDataSet(join(dir, 'test_data_set_0'), 'input');
    const want = readDataSet(join(dir, 'test_data_set_0'), 'output')[0];
    const feeds = (T: typeof ort.Tensor) => Object.fromEntries(ins.map((t) => [t.name, new T('float32', t.data as Float32Array, t.shape)]));
    const session = await ort.InferenceSession.create(model);
    const out = (await session.run(feeds(ort.Tensor)))[want.name];
    const web = await ortWeb.InferenceSession.create(model);
    const webOut = (await web.run(feeds(ortWeb.Tensor as never) as never))[want.name];
    expect(out.type).toBe('bool');
    expect(out.type).toBe(webOut.type);
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(out.data as Uint8Array)).toEqual(Array.from(webOut.data as Uint8Array));
    expect(Array.from(out.data as Uint8Array)).toEqual(Array.from(want.data as Int32Array));
    await session.release();
    await web.release();
  });
});

describe('env', () => {
  it("accepts the fields callers set on onnxruntime-web's env", () => {
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = 4;
    ort.env.logLevel = 'error';
    expect(ort.env.wasm.wasmPaths).toBe('/ort/');
    expect(ort.env.wasm.numThreads).toBe(4);
    expect(ort.env.logLevel).toBe('error');
    for (const key of ['wasm', 'webgpu', 'logLevel', 'debug']) expect(key in ort.env, key).toBe(true);
  });
});

describe('control flow and sequences', () => {
  it('a torch.jit.script export with a Loop building a Python list gives PyTorch\'s outputs, its length as an int64 tensor', async () => {
    const dir = join(FIXTURES, 'torch-loops/scripted_list_cat_op17');
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    for (const set of ['test_data_set_0', 'test_data_set_1']) {
      const ins = readDataSet(join(dir, set), 'input');
      const want = readDataSet(join(dir, set), 'output');
      const out = await session.run(Object.fromEntries(ins.map((t) => [t.name, new ort.Tensor('float32', t.data as Float32Array, t.shape)])));
      expect(Object.keys(out)).toEqual([...session.outputNames]);
      for (const w of want) {
        const t = out[w.name];
        if (w.data instanceof BigInt64Array) {
          expect(t.type).toBe('int64');
          expect(t.data).toEqual(w.data);
        } else {
          expect(t.type).toBe('float32');
          expectClose({ data: t.data as Float32Array, shape: [...t.dims] }, w, 1e-5, `${set} ${w.name}`);
        }
      }
    }
    await session.release();
  });
});
