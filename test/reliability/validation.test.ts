/**
 * Validation before touching wasm: every bad call to a public entry point throws an RnnError,
 * leaves bytesInUse / liveBlocks exactly as they were, and the object keeps working with its
 * previous weights and state (nothing half-written).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, Linear, RNN, RnnError, ready, type RecurrentLayer, type Tensor } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { MAX_MEMORY_BYTES, buildUrl, runtime } from '../../bindings/wasm.js';
import { model } from '../onnx/encode.js';
import { codeOf, expectBitwise, mem, randn, recurrentOnnx, rng } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const f32 = (shape: number[], r = rng(1)) => ({ data: randn(shape.reduce((a, b) => a * b, 1), r), shape });

/** Runs `bad`, expects an RnnError (optionally of `code`) and no change in wasm memory use. */
function expectRefused(bad: () => unknown, what: string, code?: string): void {
  const before = mem();
  let err: unknown;
  try {
    bad();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof RnnError)) expect.fail(`${what}: expected an RnnError, got ${err === undefined ? 'no error' : String(err)}`);
  if (code) expect(err.code, `${what}: ${err.message}`).toBe(code);
  const after = mem();
  expect({ bytesInUse: after.bytesInUse, liveBlocks: after.liveBlocks }, what).toEqual({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
}

describe('constructors', () => {
  it('bad options are refused before any allocation (including absurd sizes, fast)', () => {
    const bad: Array<[string, () => unknown, string]> = [
      ['no options', () => new LSTM(undefined as never), 'INVALID_OPTION'],
      ['null', () => new GRU(null as never), 'INVALID_OPTION'],
      ['unknown key', () => new RNN({ inputSize: 2, hiddenSize: 2, hidden: 3 } as never), 'INVALID_OPTION'],
      ['float size', () => new LSTM({ inputSize: 2.5, hiddenSize: 2 }), 'INVALID_OPTION'],
      ['zero hidden', () => new LSTM({ inputSize: 2, hiddenSize: 0 }), 'INVALID_OPTION'],
      ['NaN layers', () => new LSTM({ inputSize: 2, hiddenSize: 2, numLayers: NaN }), 'INVALID_OPTION'],
      ['string size', () => new GRU({ inputSize: '2' as never, hiddenSize: 2 }), 'INVALID_OPTION'],
      ['projSize >= hidden', () => new LSTM({ inputSize: 2, hiddenSize: 2, projSize: 2 }), 'INVALID_OPTION'],
      ['projSize on GRU', () => new GRU({ inputSize: 2, hiddenSize: 4, projSize: 2 } as never), 'INVALID_OPTION'],
      ['dropout 1', () => new RNN({ inputSize: 2, hiddenSize: 2, dropout: 1 }), 'INVALID_OPTION'],
      ['bias string', () => new RNN({ inputSize: 2, hiddenSize: 2, bias: 'yes' as never }), 'INVALID_OPTION'],
      ['nonlinearity', () => new RNN({ inputSize: 2, hiddenSize: 2, nonlinearity: 'sigmoid' as never }), 'INVALID_OPTION'],
      ['seed Infinity', () => new LSTM({ inputSize: 2, hiddenSize: 2, seed: Infinity }), 'INVALID_OPTION'],
      ['huge hidden', () => new LSTM({ inputSize: 1024, hiddenSize: 2 ** 20 }), 'OUT_OF_MEMORY'],
      ['huge input', () => new GRU({ inputSize: 2 ** 52, hiddenSize: 2 ** 20 }), 'OUT_OF_MEMORY'],
      ['2^53-1 layers', () => new LSTM({ inputSize: 1, hiddenSize: 1, numLayers: Number.MAX_SAFE_INTEGER }), 'OUT_OF_MEMORY'],
      ['2^40 bidirectional layers', () => new RNN({ inputSize: 1, hiddenSize: 1, numLayers: 2 ** 40, bidirectional: true }), 'OUT_OF_MEMORY'],
    ];
    for (const [what, fn, code] of bad) expectRefused(fn, what, code);
  });
});

describe('layers: nothing half-written', () => {
  const makers: Array<[string, () => RecurrentLayer]> = [
    ['LSTM', () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 })],
    ['LSTM proj bidir', () => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2, bidirectional: true, seed: 2 })],
    ['GRU batchFirst', () => new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 3 })],
    ['RNN', () => new RNN({ inputSize: 3, hiddenSize: 4, seed: 4 })],
  ];

  for (const [name, make] of makers) {
    it(`${name}: bad forward / loadStateDict / createState / step / state.set calls`, () => {
      const layer = make();
      const isLstm = layer.spec.cell === 'lstm';
      const D = layer.bidirectional ? 2 : 1;
      const LD = layer.numLayers * D;
      const P = layer.projSize || layer.hiddenSize;
      const x = f32(layer.batchFirst ? [2, 5, 3] : [5, 2, 3]);
      const ref = layer.forward(x, { lengths: [5, 3] });
      const sd = layer.stateDict();
      const state = layer.bidirectional ? null : layer.createState({ batch: 2 });
      const frame = f32([2, 3], rng(2));
      let stateRef: { h: Tensor<Float32Array>; c?: Tensor<Float32Array> } | null = null;
      if (state) {
        layer.step(frame, state);
        stateRef = state.get();
      }

      const forwardBad: Array<[string, () => unknown, string?]> = [
        ['x null', () => layer.forward(null as never), 'INVALID_INPUT'],
        ['x Float64Array', () => layer.forward({ data: new Float64Array(30) as never, shape: x.shape }), 'DTYPE_MISMATCH'],
        ['x Int32Array', () => layer.forward({ data: new Int32Array(30), shape: x.shape }), 'DTYPE_MISMATCH'],
        ['x rank 4', () => layer.forward({ data: new Float32Array(30), shape: [5, 2, 3, 1] }), 'INVALID_INPUT'],
        ['x rank 1', () => layer.forward({ data: new Float32Array(3), shape: [3] }), 'INVALID_INPUT'],
        ['x length', () => layer.forward({ data: new Float32Array(29), shape: x.shape }), 'INVALID_INPUT'],
        ['x NaN dim', () => layer.forward({ data: new Float32Array(30), shape: [NaN, 2, 3] }), 'INVALID_INPUT'],
        ['x negative dims', () => layer.forward({ data: new Float32Array(30), shape: [-5, -2, 3] }), 'INVALID_INPUT'],
        ['x zero T', () => layer.forward({ data: new Float32Array(0), shape: [0, 2, 3] }), 'INVALID_INPUT'],
        ['x wrong input size', () => layer.forward({ data: new Float32Array(40), shape: [5, 2, 4] }), 'SHAPE_MISMATCH'],
        ['options null', () => layer.forward(x, null as never), 'INVALID_OPTION'],
        ['unknown option', () => layer.forward(x, { length: [5, 3] } as never), 'INVALID_OPTION'],
        ['h0 shape', () => layer.forward(x, { h0: f32([LD, 3, P]) }), 'SHAPE_MISMATCH'],
        ['h0 dtype', () => layer.forward(x, { h0: { data: new Int32Array(LD * 2 * P), shape: [LD, 2, P] } }), 'DTYPE_MISMATCH'],
        ['h0 not a tensor', () => layer.forward(x, { h0: [0, 0] as never }), 'DTYPE_MISMATCH'],
        ['c0 shape', () => layer.forward(x, { c0: f32([LD, 2, layer.hiddenSize + 1]) }), isLstm ? 'SHAPE_MISMATCH' : 'INVALID_OPTION'],
        ['lengths count', () => layer.forward(x, { lengths: [5] }), 'INVALID_LENGTHS'],
        ['lengths 0', () => layer.forward(x, { lengths: [5, 0] }), 'INVALID_LENGTHS'],
        ['lengths > T', () => layer.forward(x, { lengths: [6, 1] }), 'INVALID_LENGTHS'],
        ['lengths float', () => layer.forward(x, { lengths: [2.5, 1] }), 'INVALID_LENGTHS'],
        ['lengths NaN', () => layer.forward(x, { lengths: [NaN, 1] }), 'INVALID_LENGTHS'],
        ['lengths bigint huge', () => layer.forward(x, { lengths: new BigInt64Array([2n ** 40n, 1n]) }), 'INVALID_LENGTHS'],
        ['lengths float tensor', () => layer.forward(x, { lengths: { data: new Float32Array([5, 3]), shape: [2] } }), 'INVALID_LENGTHS'],
        ['lengths string', () => layer.forward(x, { lengths: 'abc' as never }), 'INVALID_LENGTHS'],
        ['out one float too many', () => layer.forward(x, { out: new Float32Array(5 * 2 * D * P + 1) }), 'SHAPE_MISMATCH'],
        ['out Float64Array', () => layer.forward(x, { out: new Float64Array(5 * 2 * D * P) as never }), 'INVALID_OPTION'],
        ['out a view of wasm memory', () => layer.forward(x, { out: new Float32Array(runtime().memory.buffer, 0, 5 * 2 * D * P) }), 'INVALID_OPTION'],
        // h0 fine, c0 / lengths bad: h0 must not have been written anywhere
        ['good h0, bad lengths', () => layer.forward(x, { h0: f32([LD, 2, P]), lengths: [9, 9] }), 'INVALID_LENGTHS'],
        // a workspace larger than the memory limit
        ['huge T', () => layer.forward({ data: new Float32Array(3), shape: layer.batchFirst ? [1, 1, 3] : [1, 1, 3] }, { lengths: [1] }) && layer.forward(hugeX(layer)), 'OUT_OF_MEMORY'],
      ];
      for (const [what, fn, code] of forwardBad) expectRefused(fn, `${name} forward: ${what}`, code);

      const bump = (t: Tensor<Float32Array>) => ({ data: t.data.map((v) => v + 1), shape: [...t.shape] });
      const keys = Object.keys(sd);
      const last = keys[keys.length - 1];
      const loadBad: Array<[string, () => unknown, string?]> = [
        ['null dict', () => layer.loadStateDict(null as never), 'INVALID_INPUT'],
        ['null options', () => layer.loadStateDict(sd, null as never), 'INVALID_OPTION'],
        ['prefix number', () => layer.loadStateDict(sd, { prefix: 5 as never }), 'INVALID_OPTION'],
        ['strict string', () => layer.loadStateDict(sd, { strict: 'no' as never }), 'INVALID_OPTION'],
        ['missing key', () => layer.loadStateDict(Object.fromEntries(keys.slice(1).map((k) => [k, bump(sd[k])]))), 'MISSING_KEY'],
        ['unexpected key', () => layer.loadStateDict({ ...Object.fromEntries(keys.map((k) => [k, bump(sd[k])])), extra: f32([1]) }), 'UNEXPECTED_KEY'],
        // every key fine and changed except the last: the first ones must not be installed
        ['last key wrong shape', () => layer.loadStateDict({ ...Object.fromEntries(keys.map((k) => [k, bump(sd[k])])), [last]: f32([sd[last].data.length + 1]) }), 'SHAPE_MISMATCH'],
        ['last key int', () => layer.loadStateDict({ ...Object.fromEntries(keys.map((k) => [k, bump(sd[k])])), [last]: { data: new Int32Array(sd[last].data.length), shape: sd[last].shape } }), 'DTYPE_MISMATCH'],
        ['last key malformed', () => layer.loadStateDict({ ...Object.fromEntries(keys.map((k) => [k, bump(sd[k])])), [last]: { data: sd[last].data, shape: [1, 2, 3, 4, 5] } }), 'INVALID_INPUT'],
      ];
      for (const [what, fn, code] of loadBad) expectRefused(fn, `${name} loadStateDict: ${what}`, code);

      const stateBad: Array<[string, () => unknown, string?]> = [
        ['batch 0', () => layer.createState({ batch: 0 }), layer.bidirectional ? 'UNSUPPORTED' : 'INVALID_OPTION'],
        ['batch 1.5', () => layer.createState({ batch: 1.5 }), layer.bidirectional ? 'UNSUPPORTED' : 'INVALID_OPTION'],
        ['batch huge', () => layer.createState({ batch: 2 ** 40 }), layer.bidirectional ? 'UNSUPPORTED' : 'OUT_OF_MEMORY'],
      ];
      if (state) {
        const other = make();
        const foreign = other.createState({ batch: 2 });
        const Lh = layer.numLayers;
        stateBad.push(
          ['step x shape', () => layer.step(f32([1, 3]), state), 'SHAPE_MISMATCH'],
          ['step x rank 3', () => layer.step(f32([1, 2, 3]), state), 'SHAPE_MISMATCH'],
          ['step x int', () => layer.step({ data: new Int32Array(6), shape: [2, 3] }, state), 'DTYPE_MISMATCH'],
          ['step x null', () => layer.step(null as never, state), 'INVALID_INPUT'],
          ['step foreign state', () => layer.step(frame, foreign), 'INVALID_INPUT'],
          ['step not a state', () => layer.step(frame, {} as never), 'INVALID_INPUT'],
          ['set h shape', () => state.set(f32([Lh, 1, P])), 'SHAPE_MISMATCH'],
          ['set h int', () => state.set({ data: new Int32Array(Lh * 2 * P), shape: [Lh, 2, P] }), 'DTYPE_MISMATCH'],
          // good h, bad c: h must not be written
          ['set good h, bad c', () => state.set(f32([Lh, 2, P], rng(5)), f32([Lh, 2, layer.hiddenSize + 1])), isLstm ? 'SHAPE_MISMATCH' : 'INVALID_OPTION'],
        );
        for (const [what, fn, code] of stateBad) expectRefused(fn, `${name} state: ${what}`, code);
        other.dispose();
        // the state was not touched by any of it
        const now = state.get();
        expectBitwise(now.h.data, stateRef!.h.data, 'state h');
        if (isLstm) expectBitwise(now.c!.data, stateRef!.c!.data, 'state c');
      } else {
        for (const [what, fn, code] of stateBad) expectRefused(fn, `${name} state: ${what}`, code);
      }

      // the layer still has its weights and gives the same results
      const again = layer.forward(x, { lengths: [5, 3] });
      expectBitwise(again.output.data, ref.output.data, `${name}: output after the bad calls`);
      const sd2 = layer.stateDict();
      for (const k of keys) expectBitwise(sd2[k].data, sd[k].data, `${name}: ${k} after the bad calls`);
      layer.dispose();
    });
  }

  function hugeX(layer: RecurrentLayer): Tensor {
    // T * B * hidden floats beyond the 2 GiB limit, with x itself small (I = inputSize, T large)
    const T = Math.ceil(MAX_MEMORY_BYTES / 4 / layer.inputSize / 2) + 1;
    const shape = layer.batchFirst ? [1, T, layer.inputSize] : [T, 1, layer.inputSize];
    return { data: new Float32Array(T * layer.inputSize), shape };
  }
});

describe('sizes past 2^31 floats', () => {
  it('a workspace of more than 2^31 floats from a small x is OUT_OF_MEMORY, and other models are intact', () => {
    const other = new GRU({ inputSize: 2, hiddenSize: 4, seed: 5 });
    const ox = f32([2, 1, 2]);
    const ref = other.forward(ox).output.data;
    // T * 4H = 2^19 * 4096 = 2^31 floats of input projection from a 2 MB x
    const layer = new LSTM({ inputSize: 1, hiddenSize: 1024, seed: 1 });
    expectRefused(() => layer.forward({ data: new Float32Array(2 ** 19), shape: [2 ** 19, 1, 1] }), 'T = 2^19, 4H = 4096', 'OUT_OF_MEMORY');
    expectRefused(() => layer.forward({ data: new Float32Array(2 ** 20), shape: [2 ** 20, 1, 1] }), 'T = 2^20, 4H = 4096', 'OUT_OF_MEMORY');
    expectRefused(() => layer.createState({ batch: 2 ** 21 }), 'state batch 2^21', 'OUT_OF_MEMORY');
    expectBitwise(other.forward(ox).output.data, ref, 'the other model after the refused calls');
    expect(layer.forward(f32([3, 1, 1])).output.shape).toEqual([3, 1, 1024]);
    layer.dispose();
    other.dispose();
  });
});

describe('inputs that are views of wasm memory', () => {
  it('a step view fed to forward/step of another layer gives the same result as a copy, even when the call grows memory', async () => {
    // a fresh instance, so memory is only as large as what is allocated below and the workspace must grow it
    await ready({ url: buildUrl(runtime().build), build: runtime().build });
    const a = new LSTM({ inputSize: 2, hiddenSize: 64, seed: 1 });
    const s = a.createState({ batch: 16 });
    const follower = new GRU({ inputSize: 64, hiddenSize: 8, seed: 3 });
    const fs = follower.createState({ batch: 16 });
    const fs2 = follower.createState({ batch: 16 });
    const big2 = new LSTM({ inputSize: 64, hiddenSize: 384, seed: 2 }); // no workspace yet
    const frame = f32([16, 2], rng(3));
    const view = a.step(frame, s, { view: true }).data;
    const copy = view.slice();
    expect(view.buffer).not.toBe(copy.buffer);
    // step: no allocation, the view is read in place
    expectBitwise(follower.step({ data: view, shape: [16, 64] }, fs).data, follower.step({ data: copy, shape: [16, 64] }, fs2).data, 'step');
    // take up the slack at the top of memory, so the workspace of big2 must grow it
    const rt = runtime();
    const top = (rt as unknown as { allocator: { heapTop: number } }).allocator.heapTop;
    const filler = rt.memoryBytes > top ? rt.alloc(rt.memoryBytes - top) : 0;
    const before = mem().memoryBytes;
    const h0 = { data: new Float32Array(16 * 384), shape: [1, 16, 384] };
    const got = big2.forward({ data: view, shape: [1, 16, 64] }, { h0 }).output.data;
    expect(mem().memoryBytes, 'the workspace grew the memory').toBeGreaterThan(before);
    const ref = new LSTM({ inputSize: 64, hiddenSize: 384, seed: 2 });
    expectBitwise(got, ref.forward({ data: copy, shape: [1, 16, 64] }, { h0 }).output.data, 'forward from a view across memory.grow');
    ref.dispose();
    rt.free(filler);
    for (const o of [a, big2, follower]) o.dispose();
  });

  it('a step view fed to Linear.forward gives the same result as a copy when the call grows memory', async () => {
    await ready({ url: buildUrl(runtime().build), build: runtime().build });
    const a = new LSTM({ inputSize: 2, hiddenSize: 64, seed: 1 });
    const s = a.createState({ batch: 16 });
    const head = new Linear(64, 300, true, { seed: 4 }); // no workspace yet
    const view = a.step(f32([16, 2], rng(5)), s, { view: true }).data;
    const copy = view.slice();
    const rt = runtime();
    const top = (rt as unknown as { allocator: { heapTop: number } }).allocator.heapTop;
    const filler = rt.memoryBytes > top ? rt.alloc(rt.memoryBytes - top) : 0;
    const before = mem().memoryBytes;
    const got = head.forward({ data: view, shape: [16, 64] }).data;
    expect(mem().memoryBytes, 'the workspace grew the memory').toBeGreaterThan(before);
    expectBitwise(got, head.forward({ data: copy, shape: [16, 64] }).data, 'Linear.forward from a view across memory.grow');
    rt.free(filler);
    for (const o of [a, head]) o.dispose();
  });
});

describe('ONNX', () => {
  it('bad feeds leave memory alone and the model working; a load that fails late frees what it made', () => {
    const m = loadOnnx(recurrentOnnx('GRU', 3, 4, 1));
    const x = f32([4, 2, 3]);
    const ref = m.run({ x }).y.data as Float32Array;
    const bad: Array<[string, () => unknown, string?]> = [
      ['null feeds', () => m.run(null as never), 'INVALID_INPUT'],
      ['missing', () => m.run({}), 'INVALID_INPUT'],
      ['unknown', () => m.run({ x, z: x }), 'INVALID_INPUT'],
      ['dtype', () => m.run({ x: { data: new Int32Array(24), shape: [4, 2, 3] } }), 'DTYPE_MISMATCH'],
      ['shape', () => m.run({ x: f32([4, 2, 4]) }), 'SHAPE_MISMATCH'],
      ['rank', () => m.run({ x: f32([8, 3]) }), 'SHAPE_MISMATCH'],
      ['malformed', () => m.run({ x: { data: new Float32Array(5), shape: [4, 2, 3] } }), 'INVALID_INPUT'],
      ['bytes not bytes', () => loadOnnx('model.onnx' as never), 'INVALID_INPUT'],
      ['options', () => loadOnnx(recurrentOnnx('GRU', 3, 4, 1), { fastPath: 1 } as never), 'INVALID_OPTION'],
    ];
    for (const [what, fn, code] of bad) expectRefused(fn, `ONNX ${what}`, code);
    expectBitwise(m.run({ x }).y.data as Float32Array, ref, 'ONNX after bad feeds');
    // two LSTM nodes packed into wasm, then an unsupported node: everything made is freed
    const r = rng(4);
    const vals = (n: number) => Array.from(randn(n, r));
    const lateFail = model({
      opset: 14,
      nodes: [
        { op: 'LSTM', inputs: ['x', 'W', 'R'], outputs: ['y1'], attrs: [{ name: 'hidden_size', i: 3 }] },
        { op: 'Squeeze', inputs: ['y1'], outputs: ['y1s'], attrs: [{ name: 'axes', ints: [1] }] },
        { op: 'LSTM', inputs: ['y1s', 'W2', 'R'], outputs: ['y2'], attrs: [{ name: 'hidden_size', i: 3 }] },
        { op: 'Conv', inputs: ['y2'], outputs: ['z'] },
      ],
      inputs: [{ name: 'x', shape: [2, 1, 3] }],
      initializers: [
        { name: 'W', dims: [1, 12, 3], data: vals(36) },
        { name: 'W2', dims: [1, 12, 3], data: vals(36) },
        { name: 'R', dims: [1, 12, 3], data: vals(36) },
      ],
      outputs: [{ name: 'z' }],
    });
    expectRefused(() => loadOnnx(lateFail), 'ONNX late failure', 'UNSUPPORTED');
    m.dispose();
  });
});
