/**
 * LSTM / GRU / RNN.fromStateDict: the same layer as `new X(options).loadStateDict(sd, load)`
 * (weights, results, streaming), and every bad call refused with the loadStateDict / constructor
 * error codes before any wasm memory is touched.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, RnnError, ready, type RecurrentLayer, type Tensor } from '../src/index.js';
import { codeOf, expectBitwise, mem, randn, rng } from './reliability/helpers.js';

beforeAll(async () => {
  await ready();
});

const f32 = (shape: number[], seed: number): Tensor<Float32Array> => ({ data: randn(shape.reduce((a, b) => a * b, 1), rng(seed)), shape });

type Kind = 'LSTM' | 'GRU' | 'RNN';
const make = (kind: Kind, options: object): RecurrentLayer =>
  kind === 'LSTM' ? new LSTM(options as never) : kind === 'GRU' ? new GRU(options as never) : new RNN(options as never);
const from = (kind: Kind, sd: Record<string, Tensor>, options: object, load?: object): RecurrentLayer =>
  kind === 'LSTM' ? LSTM.fromStateDict(sd, options as never, load as never)
    : kind === 'GRU' ? GRU.fromStateDict(sd, options as never, load as never)
      : RNN.fromStateDict(sd, options as never, load as never);

const configs: Array<[Kind, object]> = [
  ['LSTM', { inputSize: 3, hiddenSize: 5, numLayers: 2 }],
  ['LSTM', { inputSize: 4, hiddenSize: 6, projSize: 3, bidirectional: true, batchFirst: true }],
  ['GRU', { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }],
  ['RNN', { inputSize: 2, hiddenSize: 7, nonlinearity: 'relu', bias: false, batchFirst: true }],
  ['RNN', { inputSize: 5, hiddenSize: 3 }],
];

/** A state_dict of `kind` with `options`, weights unlike any seeded init (from another layer's shapes). */
function weightsFor(kind: Kind, options: object, seed: number): Record<string, Tensor<Float32Array>> {
  const shapes = make(kind, { ...options, seed: 0 });
  const sd = shapes.stateDict();
  shapes.dispose();
  let s = seed;
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, f32(t.shape, s++)]));
}

describe('fromStateDict builds the same layer as construct + loadStateDict', () => {
  for (const [kind, options] of configs) {
    it(`${kind} ${JSON.stringify(options)}`, () => {
      const sd = weightsFor(kind, options, 10);
      const a = make(kind, { ...options, seed: 3 }).loadStateDict(sd);
      const b = from(kind, sd, options);
      expect(b).toBeInstanceOf(kind === 'LSTM' ? LSTM : kind === 'GRU' ? GRU : RNN);
      expect(b.spec).toEqual(a.spec);
      expect([b.batchFirst, b.bidirectional, b.projSize, (b as RNN).nonlinearity]).toEqual([a.batchFirst, a.bidirectional, a.projSize, (a as RNN).nonlinearity]);
      const sa = a.stateDict(), sb = b.stateDict();
      expect(Object.keys(sb)).toEqual(Object.keys(sa));
      for (const k of Object.keys(sa)) expectBitwise(sb[k].data, sa[k].data, k);
      const x = f32(a.batchFirst ? [2, 6, a.inputSize] : [6, 2, a.inputSize], 99);
      const ya = a.forward(x, { lengths: [6, 4] }), yb = b.forward(x, { lengths: [6, 4] });
      expectBitwise(yb.output.data, ya.output.data, 'output');
      expectBitwise(yb.h.data, ya.h.data, 'h');
      if (!a.bidirectional) {
        const st = a.createState({ batch: 2 }), sb2 = b.createState({ batch: 2 });
        const frame = f32([2, a.inputSize], 7);
        expectBitwise(b.step(frame, sb2).data, a.step(frame, st).data, 'step');
      }
      a.dispose();
      b.dispose();
    });
  }

  it('reads a prefix, ignores other keys with strict: false, and keeps its own copies', () => {
    const options = { inputSize: 3, hiddenSize: 4 };
    const sd = weightsFor('LSTM', options, 20);
    const nested: Record<string, Tensor> = { 'head.weight': f32([2, 4], 1) };
    for (const [k, t] of Object.entries(sd)) nested[`encoder.rnn.${k}`] = t;
    nested['encoder.rnn.extra'] = f32([1], 2);
    const a = new LSTM({ ...options, seed: 1 }).loadStateDict(nested, { prefix: 'encoder.rnn.', strict: false });
    const b = LSTM.fromStateDict(nested, options, { prefix: 'encoder.rnn.', strict: false });
    const x = f32([5, 1, 3], 3);
    const ya = a.forward(x).output.data;
    for (const t of Object.values(sd)) t.data.fill(0); // the caller's arrays change afterwards
    expectBitwise(b.forward(x).output.data, ya, 'output');
    for (const [k, t] of Object.entries(b.stateDict())) expectBitwise(t.data, a.stateDict()[k].data, k);
    a.dispose();
    b.dispose();
  });

  it('dispose frees everything it allocated', () => {
    const before = mem();
    const sd = weightsFor('GRU', { inputSize: 8, hiddenSize: 16 }, 30);
    const l = GRU.fromStateDict(sd, { inputSize: 8, hiddenSize: 16 });
    l.forward(f32([4, 2, 8], 5));
    l.dispose();
    expect(mem().liveBlocks).toBe(before.liveBlocks);
    expect(mem().bytesInUse).toBe(before.bytesInUse);
  });
});

describe('fromStateDict refuses bad input before touching wasm memory', () => {
  it('every bad call throws the loadStateDict / constructor code, allocates nothing, and the next new X() is seeded as usual', () => {
    const options = { inputSize: 3, hiddenSize: 4, numLayers: 2 };
    const sd = weightsFor('LSTM', options, 40);
    const keys = Object.keys(sd);
    const last = keys[keys.length - 1];
    const bad: Array<[string, () => unknown, string]> = [
      ['null dict', () => LSTM.fromStateDict(null as never, options), 'INVALID_INPUT'],
      ['null load options', () => LSTM.fromStateDict(sd, options, null as never), 'INVALID_OPTION'],
      ['prefix number', () => LSTM.fromStateDict(sd, options, { prefix: 5 as never }), 'INVALID_OPTION'],
      ['strict string', () => LSTM.fromStateDict(sd, options, { strict: 'no' as never }), 'INVALID_OPTION'],
      ['missing key', () => LSTM.fromStateDict(Object.fromEntries(keys.slice(1).map((k) => [k, sd[k]])), options), 'MISSING_KEY'],
      ['unexpected key', () => LSTM.fromStateDict({ ...sd, extra: f32([1], 1) }, options), 'UNEXPECTED_KEY'],
      ['wrong numLayers for the dict', () => LSTM.fromStateDict(sd, { ...options, numLayers: 3 }), 'MISSING_KEY'],
      ['last key wrong shape', () => LSTM.fromStateDict({ ...sd, [last]: f32([sd[last].data.length + 1], 2) }, options), 'SHAPE_MISMATCH'],
      ['last key int', () => LSTM.fromStateDict({ ...sd, [last]: { data: new Int32Array(sd[last].data.length), shape: sd[last].shape } }, options), 'DTYPE_MISMATCH'],
      ['last key malformed', () => LSTM.fromStateDict({ ...sd, [last]: { data: sd[last].data, shape: [1, 2, 3] } }, options), 'INVALID_INPUT'],
      ['no options', () => LSTM.fromStateDict(sd, undefined as never), 'INVALID_OPTION'],
      ['unknown option', () => GRU.fromStateDict(sd, { ...options, hidden: 4 } as never), 'INVALID_OPTION'],
      ['projSize on GRU', () => GRU.fromStateDict(sd, { ...options, projSize: 2 } as never), 'INVALID_OPTION'],
      ['seed Infinity', () => LSTM.fromStateDict(sd, { ...options, seed: Infinity }), 'INVALID_OPTION'],
      ['nonlinearity', () => RNN.fromStateDict(sd, { inputSize: 3, hiddenSize: 4, nonlinearity: 'sigmoid' as never }), 'INVALID_OPTION'],
      ['huge hidden', () => LSTM.fromStateDict(sd, { inputSize: 1024, hiddenSize: 2 ** 20 }), 'OUT_OF_MEMORY'],
      ['LSTM dict for a GRU', () => GRU.fromStateDict(sd, options), 'SHAPE_MISMATCH'],
    ];
    for (const [what, fn, code] of bad) {
      const before = mem();
      expect(codeOf(fn), what).toBe(code);
      const after = mem();
      expect({ bytesInUse: after.bytesInUse, liveBlocks: after.liveBlocks }, what).toEqual({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
    }
    // the message names the entry point
    expect(() => LSTM.fromStateDict({ ...sd, extra: f32([1], 1) }, options)).toThrow(RnnError);
    expect(() => LSTM.fromStateDict({ ...sd, extra: f32([1], 1) }, options)).toThrow('LSTM.fromStateDict: unexpected key extra');
    // nothing of a failed call leaks into the next construction: it is seeded, not given weights
    const seeded = new LSTM({ ...options, seed: 5 });
    const again = new LSTM({ ...options, seed: 5 });
    for (const [k, t] of Object.entries(seeded.stateDict())) expectBitwise(t.data, again.stateDict()[k].data, k);
    expect(Array.from(seeded.stateDict()[keys[0]].data)).not.toEqual(Array.from(sd[keys[0]].data));
    seeded.dispose();
    again.dispose();
  });
});
