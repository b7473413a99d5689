/**
 * Sequential: streaming step == whole-sequence forward (<= 1e-6) for stacks mixing Embedding,
 * LSTM/GRU/RNN, Linear, Softmax/LogSoftmax and LastStep, batch > 1, both layouts, after reset,
 * after set and after a forward that continues a state; PyTorch-named state_dict loading.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, RnnError } from '../../src/index.js';
import { Embedding, LastStep, Linear, LogSoftmax, Sequential, Softmax } from '../../src/model/index.js';
import { Rng } from '../../base/random.js';
import type { Tensor } from '../../base/tensor.js';
import { runtime } from '../../bindings/wasm.js';

beforeAll(async () => {
  await ready();
});

const TOL = 1e-6;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function randTokens(rng: Rng, n: number, v: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(rng.next() * v));
}

function randFloats(rng: Rng, n: number, scale = 1): Float32Array {
  return rng.fillUniform(new Float32Array(n), scale);
}

/** Frame t of a sequence tensor [T, B, F] / [B, T, F] as [B, F] (ids: [T, B] / [B, T] -> [B]). */
function frame(data: Float32Array | Int32Array, t: number, tLen: number, b: number, f: number, batchFirst: boolean) {
  const out = data instanceof Int32Array ? new Int32Array(b * f) : new Float32Array(b * f);
  for (let i = 0; i < b; i++) {
    const src = batchFirst ? (i * tLen + t) * f : (t * b + i) * f;
    out.set(data.subarray(src, src + f), i * f);
  }
  return out;
}

function charStack(batchFirst: boolean, seed: number) {
  return new Sequential([
    ['emb', new Embedding(11, 6, { seed })],
    ['lstm', new LSTM({ inputSize: 6, hiddenSize: 9, numLayers: 2, batchFirst, seed: seed + 1 })],
    ['head', new Linear(9, 11, true, { seed: seed + 2 })],
    ['out', new LogSoftmax()],
  ]);
}

function floatStack(batchFirst: boolean, seed: number) {
  return new Sequential([
    ['gru', new GRU({ inputSize: 5, hiddenSize: 7, batchFirst, seed })],
    ['proj', new Linear(7, 4, false, { seed: seed + 1 })],
    ['rnn', new RNN({ inputSize: 4, hiddenSize: 6, numLayers: 2, nonlinearity: 'relu', batchFirst, seed: seed + 2 })],
    ['lstmp', new LSTM({ inputSize: 6, hiddenSize: 8, projSize: 3, batchFirst, seed: seed + 3 })],
    ['head', new Linear(3, 5, true, { seed: seed + 4 })],
    ['probs', new Softmax()],
  ]);
}

/** Steps every frame of x and returns the outputs laid out like forward's. */
function stepAll(model: Sequential, x: Tensor, state: ReturnType<Sequential['createState']>, view = false) {
  const bf = model.batchFirst;
  const tLen = x.shape[bf ? 1 : 0];
  const b = x.shape[bf ? 0 : 1];
  const f = model.inputKind === 'tokens' ? 1 : x.shape[2];
  const o = model.outputSize;
  const out = new Float32Array(tLen * b * o);
  for (let t = 0; t < tLen; t++) {
    const fr = frame(x.data as Float32Array | Int32Array, t, tLen, b, f, bf);
    const y = model.inputKind === 'tokens' ? model.step(fr as Int32Array, state, { view }) : model.step({ data: fr, shape: [b, f] }, state, { view });
    expect(y.shape).toEqual([b, o]);
    for (let i = 0; i < b; i++) out.set(y.data.subarray(i * o, i * o + o), bf ? (i * tLen + t) * o : (t * b + i) * o);
  }
  return out;
}

describe('Sequential step == forward', () => {
  for (const batchFirst of [false, true]) {
    it(`Embedding -> 2-layer LSTM -> Linear -> LogSoftmax, batch 3, batchFirst ${batchFirst}`, () => {
      const rng = new Rng(1);
      const model = charStack(batchFirst, 10);
      const [tLen, b] = [7, 3];
      const x = { data: randTokens(rng, tLen * b, 11), shape: batchFirst ? [b, tLen] : [tLen, b] };
      const want = model.forward(x);
      expect(want.shape).toEqual(batchFirst ? [b, tLen, 11] : [tLen, b, 11]);
      const s = model.createState({ batch: b });
      expect(maxDiff(stepAll(model, x, s), want.data)).toBeLessThanOrEqual(TOL);
      // after reset: the same again (views this time)
      s.reset();
      expect(maxDiff(stepAll(model, x, s, true), want.data)).toBeLessThanOrEqual(TOL);
      model.dispose();
    });

    it(`GRU -> Linear -> RNN(relu, 2 layers) -> LSTM(proj) -> Linear -> Softmax, batch 2, batchFirst ${batchFirst}`, () => {
      const rng = new Rng(2);
      const model = floatStack(batchFirst, 20);
      const [tLen, b] = [9, 2];
      const x = { data: randFloats(rng, tLen * b * 5), shape: batchFirst ? [b, tLen, 5] : [tLen, b, 5] };
      const want = model.forward(x);
      const s = model.createState({ batch: b });
      expect(maxDiff(stepAll(model, x, s), want.data)).toBeLessThanOrEqual(TOL);
      model.dispose();
    });
  }

  it('unbatched token input [T] equals batch 1', () => {
    const rng = new Rng(3);
    const model = charStack(false, 30);
    const ids = randTokens(rng, 6, 11);
    const a = model.forward({ data: ids, shape: [6] });
    expect(a.shape).toEqual([6, 11]);
    const b = model.forward({ data: ids, shape: [6, 1] });
    expect(maxDiff(a.data, b.data)).toBe(0);
    model.dispose();
  });

  it('after set: stepping from a given h/c equals forward from that state', () => {
    const rng = new Rng(4);
    const model = floatStack(false, 40);
    const b = 2;
    const s = model.createState({ batch: b });
    const init = {
      gru: { h: { data: randFloats(rng, 1 * b * 7), shape: [1, b, 7] } },
      rnn: { h: { data: randFloats(rng, 2 * b * 6), shape: [2, b, 6] } },
      lstmp: { h: { data: randFloats(rng, 1 * b * 3), shape: [1, b, 3] }, c: { data: randFloats(rng, 1 * b * 8), shape: [1, b, 8] } },
    };
    s.set(init);
    const got = s.get();
    expect(maxDiff(got.lstmp.c!.data, init.lstmp.c.data)).toBe(0);
    expect(got.gru.c).toBeUndefined();
    const x = { data: randFloats(rng, 5 * b * 5), shape: [5, b, 5] };
    const stepped = stepAll(model, x, s);
    const after = s.get();
    // forward continuing a second state set to the same values
    const s2 = model.createState({ batch: b });
    s2.set(init);
    const fwd = model.forward(x, { state: s2 });
    expect(maxDiff(stepped, fwd.data)).toBeLessThanOrEqual(TOL);
    const after2 = s2.get();
    for (const k of ['gru', 'rnn', 'lstmp'] as const) {
      expect(maxDiff(after[k].h.data, after2[k].h.data)).toBeLessThanOrEqual(TOL);
    }
    expect(maxDiff(after.lstmp.c!.data, after2.lstmp.c!.data)).toBeLessThanOrEqual(TOL);
    // and stepping on from the forward-continued state equals stepping on from the stepped one
    const x2 = { data: randFloats(rng, 3 * b * 5), shape: [3, b, 5] };
    expect(maxDiff(stepAll(model, x2, s), stepAll(model, x2, s2))).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('a prompt run by forward({ state }) then stepped equals forward over everything', () => {
    const rng = new Rng(5);
    const model = charStack(true, 50);
    const ids = randTokens(rng, 2 * 10, 11);
    const all = model.forward({ data: ids, shape: [2, 10] });
    const s = model.createState({ batch: 2 });
    const prompt = new Int32Array(2 * 6);
    for (let i = 0; i < 2; i++) prompt.set(ids.subarray(i * 10, i * 10 + 6), i * 6);
    const head = model.forward({ data: prompt, shape: [2, 6] }, { state: s });
    for (let t = 6; t < 10; t++) {
      const y = model.step([ids[t], ids[10 + t]], s);
      for (let i = 0; i < 2; i++) {
        expect(maxDiff(y.data.subarray(i * 11, i * 11 + 11), all.data.subarray((i * 10 + t) * 11, (i * 10 + t + 1) * 11))).toBeLessThanOrEqual(TOL);
      }
    }
    expect(head.shape).toEqual([2, 6, 11]);
    model.dispose();
  });

  it('many-to-one: LastStep gives the last frame; in a step it is the identity', () => {
    const rng = new Rng(6);
    for (const batchFirst of [false, true]) {
      const model = new Sequential({
        lstm: new LSTM({ inputSize: 3, hiddenSize: 8, batchFirst, seed: 60 }),
        last: new LastStep(),
        head: new Linear(8, 4, true, { seed: 61 }),
        probs: new Softmax(),
      });
      const [tLen, b] = [12, 3];
      const x = { data: randFloats(rng, tLen * b * 3), shape: batchFirst ? [b, tLen, 3] : [tLen, b, 3] };
      const y = model.forward(x);
      expect(y.shape).toEqual([b, 4]);
      const s = model.createState({ batch: b });
      let last: Tensor<Float32Array> | undefined;
      for (let t = 0; t < tLen; t++) last = model.step({ data: frame(x.data, t, tLen, b, 3, batchFirst) as Float32Array, shape: [b, 3] }, s);
      expect(maxDiff(last!.data, y.data)).toBeLessThanOrEqual(TOL);
      for (let i = 0; i < b; i++) expect(y.data.subarray(i * 4, i * 4 + 4).reduce((p, q) => p + q, 0)).toBeCloseTo(1, 6);
      model.dispose();
    }
  });

  it('memory.grow between steps keeps the cached views valid', () => {
    const rng = new Rng(9);
    const model = charStack(false, 75);
    const ids = randTokens(rng, 6, 11);
    const want = model.forward({ data: ids, shape: [6, 1] });
    const s = model.createState();
    const rt = runtime();
    const blocks: number[] = [];
    for (let t = 0; t < 6; t++) {
      if (t % 2 === 1) blocks.push(rt.alloc(rt.memoryBytes + 65536, 'grow')); // forces memory.grow
      const y = model.step([ids[t]], s, { view: t % 2 === 0 });
      expect(maxDiff(y.data, want.data.subarray(t * 11, t * 11 + 11))).toBeLessThanOrEqual(TOL);
    }
    blocks.forEach((b) => rt.free(b));
    model.dispose();
  });

  it('many states of one model are independent', () => {
    const rng = new Rng(7);
    const model = charStack(false, 70);
    const a = model.createState();
    const b = model.createState();
    const ids = randTokens(rng, 5, 11);
    const want = model.forward({ data: ids, shape: [5, 1] });
    let ya: Float32Array | undefined;
    for (let t = 0; t < 5; t++) {
      ya = model.step([ids[t]], a).data;
      model.step([(ids[t] + 1) % 11], b); // interleaved, different input
    }
    expect(maxDiff(ya!, want.data.subarray(4 * 11))).toBeLessThanOrEqual(TOL);
    a.dispose();
    b.dispose();
    expect(() => model.step([1], a)).toThrowError(/DISPOSED/);
    model.dispose();
  });
});

describe('layers', () => {
  it('Linear equals a float64 x W^T + b (any leading dims), Embedding gathers rows exactly', () => {
    const rng = new Rng(8);
    const lin = new Linear(13, 10, true, { seed: 1 });
    const sd = lin.stateDict();
    const x = { data: randFloats(rng, 2 * 3 * 13, 3), shape: [2, 3, 13] };
    const y = lin.forward(x);
    expect(y.shape).toEqual([2, 3, 10]);
    for (let r = 0; r < 6; r++) {
      for (let n = 0; n < 10; n++) {
        let acc = sd.bias.data[n];
        for (let k = 0; k < 13; k++) acc += x.data[r * 13 + k] * sd.weight.data[n * 13 + k];
        expect(Math.abs(y.data[r * 10 + n] - acc)).toBeLessThanOrEqual(1e-5);
      }
    }
    lin.dispose();
    const emb = new Embedding(5, 3, { seed: 2 });
    const w = emb.stateDict().weight.data;
    const e = emb.forward({ data: new Int32Array([4, 0, 2]), shape: [3] });
    expect(Array.from(e.data)).toEqual([...w.subarray(12, 15), ...w.subarray(0, 3), ...w.subarray(6, 9)]);
    expect(() => emb.forward({ data: new Int32Array([5]), shape: [1] })).toThrowError(/INVALID_INPUT/);
    expect(() => emb.forward({ data: new Int32Array([-1]), shape: [1] })).toThrowError(/INVALID_INPUT/);
  });

  it('Softmax / LogSoftmax are stable and consistent', () => {
    const x = { data: new Float32Array([1000, 1001, 999, -1e30, 0, -Infinity]), shape: [2, 3] };
    const p = new Softmax().forward(x);
    const lp = new LogSoftmax().forward(x);
    expect(p.data[0] + p.data[1] + p.data[2]).toBeCloseTo(1, 6);
    expect(p.data[5]).toBe(0);
    expect(lp.data[5]).toBe(-Infinity);
    for (let i = 0; i < 5; i++) expect(Math.abs(Math.exp(lp.data[i]) - p.data[i])).toBeLessThanOrEqual(1e-7);
  });
});

describe('Sequential construction and loading', () => {
  it('loads PyTorch names, with prefixMap and a global prefix, strictly and atomically', () => {
    const src = charStack(false, 80);
    const sd = src.stateDict();
    expect(Object.keys(sd).sort()).toEqual(
      ['emb.weight', 'head.bias', 'head.weight', ...['l0', 'l1'].flatMap((l) => [`lstm.bias_hh_${l}`, `lstm.bias_ih_${l}`, `lstm.weight_hh_${l}`, `lstm.weight_ih_${l}`])].sort(),
    );
    const dst = charStack(false, 90);
    dst.loadStateDict(sd);
    const x = { data: new Int32Array([1, 2, 3, 4]), shape: [4, 1] };
    expect(maxDiff(dst.forward(x).data, src.forward(x).data)).toBe(0);

    // renamed keys: model.encoder.rnn.* -> lstm
    const renamed: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(sd)) renamed['model.' + k.replace(/^lstm\./, 'encoder.rnn.')] = v;
    const dst2 = charStack(false, 91).loadStateDict(renamed, { prefix: 'model.', prefixMap: { lstm: 'encoder.rnn.' } });
    expect(maxDiff(dst2.forward(x).data, src.forward(x).data)).toBe(0);

    // strict: an unknown key is rejected; a bad shape leaves the model unchanged
    const before = dst.forward(x).data;
    expect(() => dst.loadStateDict({ ...sd, 'extra.weight': sd['head.bias'] })).toThrowError(/UNEXPECTED_KEY.*extra\.weight/);
    const other = charStack(false, 92).stateDict();
    const bad = { ...other, 'head.weight': { data: new Float32Array(3), shape: [3] } };
    expect(() => dst.loadStateDict(bad)).toThrowError(/SHAPE_MISMATCH.*head\.weight/);
    expect(maxDiff(dst.forward(x).data, before)).toBe(0);
    const missing = { ...other } as Record<string, Tensor>;
    delete missing['lstm.weight_hh_l1'];
    expect(() => dst.loadStateDict(missing)).toThrowError(/MISSING_KEY.*lstm\.weight_hh_l1/);
    expect(maxDiff(dst.forward(x).data, before)).toBe(0);
    dst.loadStateDict({ ...sd, 'extra.weight': sd['head.bias'] }, { strict: false });
    for (const m of [src, dst, dst2]) m.dispose();
  });

  it('rejects bad compositions with stable codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as RnnError).code;
      }
      return 'no error';
    };
    expect(code(() => new Sequential([['a', new Linear(3, 4)], ['b', new Embedding(3, 4)]]))).toBe('INVALID_OPTION');
    expect(code(() => new Sequential([['a', new Linear(3, 4)], ['b', new Linear(5, 2)]]))).toBe('SHAPE_MISMATCH');
    expect(code(() => new Sequential([['a', new LSTM({ inputSize: 2, hiddenSize: 3 })], ['l', new LastStep()], ['b', new GRU({ inputSize: 3, hiddenSize: 3 })]]))).toBe('INVALID_OPTION');
    expect(code(() => new Sequential([['a', new LSTM({ inputSize: 2, hiddenSize: 3 })], ['b', new GRU({ inputSize: 3, hiddenSize: 3, batchFirst: true })]]))).toBe('INVALID_OPTION');
    expect(code(() => new Sequential([['a', new Linear(3, 4)], ['a', new Linear(4, 4)]]))).toBe('INVALID_OPTION');
    expect(code(() => new Sequential([]))).toBe('INVALID_OPTION');
    const bi = new Sequential([new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true }), new Linear(6, 2)]);
    expect(bi.layers.map((l) => l.name)).toEqual(['0', '1']);
    expect(bi.forward({ data: new Float32Array(4 * 2), shape: [4, 1, 2] }).shape).toEqual([4, 1, 2]);
    expect(code(() => bi.createState())).toBe('UNSUPPORTED');
    const m = charStack(false, 99);
    const s = m.createState({ batch: 2 });
    expect(code(() => m.step([1], s))).toBe('SHAPE_MISMATCH');
    expect(code(() => m.step([1, 11], s))).toBe('INVALID_INPUT');
    expect(code(() => m.step({ data: new Float32Array(2), shape: [2] }, s))).toBe('DTYPE_MISMATCH');
    expect(code(() => m.forward({ data: new Float32Array(2), shape: [2, 1] }))).toBe('DTYPE_MISMATCH');
    expect(code(() => charStack(false, 1).step([1, 2], s))).toBe('INVALID_INPUT');
    m.dispose();
    expect(code(() => m.step([1, 2], s))).toBe('DISPOSED');
    expect(code(() => s.reset())).toBe('DISPOSED');
  });
});
