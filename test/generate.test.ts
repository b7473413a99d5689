/**
 * Sampling and generation: temperature 0 is argmax, a seed repeats a run exactly, top-k / top-p
 * never emit an excluded token (checked against the filtered distribution over many draws and
 * end to end against the model's own logits), and the filtered distribution is the one defined
 * in src/generate.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LSTM, ready } from '../src/index.js';
import { Embedding, Linear, Sequential, Softmax } from '../src/model/index.js';
import { Sampler, decode, encode, generate } from '../src/generate.js';
import { Rng } from '../base/random.js';

beforeAll(async () => {
  await ready();
});

const V = 12;
const VOCAB = 'abcdefghijk\n';

function model(seed = 3, withSoftmax = false) {
  const layers: Array<[string, Embedding | LSTM | Linear | Softmax]> = [
    ['emb', new Embedding(V, 8, { seed })],
    ['lstm', new LSTM({ inputSize: 8, hiddenSize: 16, numLayers: 2, seed: seed + 1 })],
    ['head', new Linear(16, V, true, { seed: seed + 2 })],
  ];
  const m = new Sequential(layers);
  // sharpen the random head so the distributions are far from uniform
  const sd = m.get('head').stateDict();
  for (let i = 0; i < sd.weight.data.length; i++) sd.weight.data[i] *= 8;
  m.get('head').loadStateDict(sd);
  if (!withSoftmax) return m;
  const m2 = new Sequential([...layers.slice(0, 3), ['p', new Softmax()]]);
  m2.loadStateDict(m.stateDict());
  return m2;
}

/** Logits after the last token of `ids` by whole-sequence forward (the independent check). */
function logitsAfter(m: Sequential, ids: number[]): Float32Array {
  const y = m.forward({ data: Int32Array.from(ids), shape: [ids.length, 1] });
  return y.data.slice((ids.length - 1) * V);
}

/** Independent float64 version of the documented filter. */
function referenceDistribution(logits: ArrayLike<number>, temperature: number, topK: number, topP: number): number[] {
  const n = logits.length;
  const ids = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = topK > 0 ? ids.slice(0, topK) : ids;
  const max = logits[kept[0]] / temperature;
  const w = kept.map((i) => Math.exp(logits[i] / temperature - max));
  const s = w.reduce((a, b) => a + b, 0);
  let p = w.map((x) => x / s);
  let keep = p.length;
  if (topP < 1) {
    let c = 0;
    for (let j = 0; j < p.length; j++) {
      c += p[j];
      if (c >= topP) {
        keep = j + 1;
        break;
      }
    }
    const t = p.slice(0, keep).reduce((a, b) => a + b, 0);
    p = p.slice(0, keep).map((x) => x / t);
  }
  const out = new Array<number>(n).fill(0);
  for (let j = 0; j < keep; j++) out[kept[j]] = p[j];
  return out;
}

const LOGITS = Float32Array.from([0.3, 2.1, -1, 2.1, 0.9, 1.7, -3, 0.05, 1.2, -0.4, 1.69, 0.2]);

describe('Sampler', () => {
  it('temperature 0 is argmax (lowest id on ties) and draws nothing', () => {
    const s = new Sampler(V, { temperature: 0, topK: 5, topP: 0.3 });
    const rng = new Rng(1);
    const before = new Rng(1).nextU32();
    expect(s.sample(LOGITS, rng)).toBe(1);
    expect(Sampler.argmax(LOGITS)).toBe(1);
    expect(rng.nextU32()).toBe(before); // the rng was not advanced
    expect(Array.from(s.distribution(LOGITS))).toEqual(Array.from(LOGITS, (_, i) => (i === 1 ? 1 : 0)));
  });

  for (const [temperature, topK, topP] of [
    [1, 0, 1], [1, 3, 1], [0.7, 0, 0.6], [1.3, 5, 0.8], [1, 1, 1], [2, 0, 0.05], [0.5, 4, 0.999],
  ]) {
    it(`temperature ${temperature}, topK ${topK}, topP ${topP}: the documented distribution, and draws follow it`, () => {
      const s = new Sampler(V, { temperature, topK, topP });
      const dist = s.distribution(LOGITS);
      const ref = referenceDistribution(LOGITS, temperature, topK, topP);
      for (let i = 0; i < V; i++) {
        expect(Math.abs(dist[i] - ref[i])).toBeLessThanOrEqual(1e-12);
        expect(dist[i] === 0).toBe(ref[i] === 0);
      }
      if (topK > 0) expect(dist.filter((p) => p > 0).length).toBeLessThanOrEqual(topK);
      const rng = new Rng(42);
      const draws = 20000;
      const counts = new Array<number>(V).fill(0);
      for (let d = 0; d < draws; d++) counts[s.sample(LOGITS, rng)]++;
      for (let i = 0; i < V; i++) {
        if (dist[i] === 0) expect(counts[i], `excluded token ${i} was emitted`).toBe(0);
        const sd = Math.sqrt(draws * dist[i] * (1 - dist[i]));
        expect(Math.abs(counts[i] - draws * dist[i])).toBeLessThanOrEqual(5 * sd + 1);
      }
    });
  }

  it('never emits -inf / NaN scores and validates its options', () => {
    const l = Float32Array.from([-Infinity, 0.5, NaN, 0.4]);
    const s = new Sampler(4, {});
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) expect([1, 3]).toContain(s.sample(l, rng));
    expect(() => new Sampler(4, { temperature: -1 })).toThrowError(/INVALID_OPTION/);
    expect(() => new Sampler(4, { topK: 1.5 })).toThrowError(/INVALID_OPTION/);
    expect(() => new Sampler(4, { topP: 0 })).toThrowError(/INVALID_OPTION/);
    expect(() => s.sample(new Float32Array(3), rng)).toThrowError(/SHAPE_MISMATCH/);
  });
});

describe('generate', () => {
  it('temperature 0 follows the argmax of the model\'s own logits at every step', () => {
    const m = model();
    const prompt = [11, 0, 3];
    const r = generate(m, { prompt, maxTokens: 15, temperature: 0 });
    expect(r.tokens.length).toBe(15);
    const seq = [...prompt];
    for (const t of r.tokens) {
      expect(t).toBe(Sampler.argmax(logitsAfter(m, seq)));
      seq.push(t);
    }
    expect(r.steps).toBe(prompt.length + 14);
    m.dispose();
  });

  it('a seed repeats a run exactly; other seeds differ', () => {
    const m = model();
    const opts = { prompt: 'a\n', vocab: VOCAB, maxTokens: 40, temperature: 1.1, topP: 0.95 };
    const a = generate(m, { ...opts, seed: 7 });
    const b = generate(m, { ...opts, seed: 7 });
    expect(b.tokens).toEqual(a.tokens);
    expect(b.text).toBe(a.text);
    const others = [8, 9, 10, 11].map((seed) => generate(m, { ...opts, seed }).text);
    expect(others.some((t) => t !== a.text)).toBe(true);
    m.dispose();
  });

  for (const [topK, topP] of [[3, 1], [0, 0.5], [4, 0.7]]) {
    it(`topK ${topK} / topP ${topP}: every generated token is inside the filtered set of that step`, () => {
      const m = model(5);
      for (let seed = 0; seed < 6; seed++) {
        const prompt = [seed % V];
        const r = generate(m, { prompt, maxTokens: 25, temperature: 1.5, topK, topP, seed });
        const s = new Sampler(V, { temperature: 1.5, topK, topP });
        const seq = [...prompt];
        for (const t of r.tokens) {
          const dist = s.distribution(logitsAfter(m, seq));
          expect(dist[t], `token ${t} after ${seq.join(',')}`).toBeGreaterThan(0);
          seq.push(t);
        }
      }
      m.dispose();
    });
  }

  it('a Softmax-ended model samples the same as its logits model', () => {
    const a = model(9);
    const b = model(9, true);
    for (const seed of [1, 2, 3]) {
      const o = { prompt: [2], maxTokens: 30, temperature: 0.9, topK: 6, seed };
      expect(generate(b, o).tokens).toEqual(generate(a, o).tokens);
    }
    a.dispose();
    b.dispose();
  });

  it('stop tokens, onToken, vocab round trip and option errors', () => {
    const m = model();
    const seen: string[] = [];
    const r = generate(m, {
      prompt: 'ab', vocab: VOCAB, maxTokens: 200, temperature: 1, seed: 4, stopTokens: [11],
      onToken: (_t, text) => {
        seen.push(text!);
      },
    });
    expect(seen.join('')).toBe(r.text);
    if (r.stop === 'stopToken') expect(r.tokens[r.tokens.length - 1]).toBe(11);
    else expect(r.tokens.length).toBe(200);
    const c = generate(m, { prompt: [1], maxTokens: 50, seed: 4, onToken: (_t, _x, i) => i < 4 });
    expect(c.stop).toBe('callback');
    expect(c.tokens.length).toBe(5);
    expect(generate(m, { prompt: [1], maxTokens: 0 }).tokens).toEqual([]);
    expect(decode(encode('head\nk', VOCAB), VOCAB)).toBe('head\nk');
    expect(encode('abc', ['a', 'ab', 'c'])).toEqual([1, 2]);
    expect(() => generate(m, { prompt: 'xyz', vocab: VOCAB })).toThrowError(/INVALID_INPUT/);
    expect(() => generate(m, { prompt: 'ab' })).toThrowError(/INVALID_OPTION/);
    expect(() => generate(m, { prompt: [] })).toThrowError(/INVALID_OPTION/);
    expect(() => generate(m, { prompt: [1], maxTokens: -1 })).toThrowError(/INVALID_OPTION/);
    expect(() => generate(m, { prompt: [1], topP: 2 })).toThrowError(/INVALID_OPTION/);
    expect(() => generate(m, { prompt: [99] })).toThrowError(/INVALID_INPUT/);
    const floatModel = new Sequential([new Linear(3, 4)]);
    expect(() => generate(floatModel, { prompt: [1] })).toThrowError(/INVALID_OPTION.*Embedding/);
    floatModel.dispose();
    m.dispose();
  });
});
