/**
 * Text generation (one-to-many): run a token model step by step and sample each next token.
 *
 *   const { model, config } = loadModel(bytes);
 *   const { text } = generate(model, { prompt: '\nst', vocab: config.vocab, maxTokens: 20,
 *                                      temperature: 0.8, topK: 10, seed: 42 });
 *
 * Sampling, per step, from the logits z of the last prompt / generated token:
 *   temperature 0  -> argmax (the lowest id among equal maxima); no random number is drawn.
 *   temperature t  -> p_i ∝ exp(z_i / t), restricted to
 *     topK k > 0   -> the k tokens of largest logit (ties broken by lower id),
 *     topP p < 1   -> then the smallest prefix of those, by decreasing probability, whose
 *                     probability (renormalized over the top-k set) sums to >= p (at least one).
 *   Excluded tokens have probability exactly 0 and are never emitted. One Rng.next() per token.
 * A seed makes a run repeat exactly (seeded xoshiro128**, base/random.ts).
 */
import { RnnError } from '../base/errors.js';
import type { Tensor } from '../base/tensor.js';
import { Rng, randomSeed } from '../base/random.js';
import { Sequential } from './model/sequential.js';
import { Softmax, LogSoftmax } from './model/layers.js';

export interface SamplingOptions {
  /** 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all, default). */
  topK?: number;
  /** Nucleus sampling: keep the most likely tokens up to this cumulative probability (1 = all, default). */
  topP?: number;
}

export interface GenerateOptions extends SamplingOptions {
  /** Token ids, or text when `vocab` is given. At least one token (e.g. a begin-of-word token). */
  prompt: string | ArrayLike<number>;
  /** Tokens to generate at most (default 32). */
  maxTokens?: number;
  /** Seed of the sampler (default: random). */
  seed?: number;
  /** Token text by id: a string (one character per id) or an array of strings. */
  vocab?: string | readonly string[];
  /** Stop after emitting one of these ids (it is included in the output). */
  stopTokens?: ArrayLike<number>;
  /** Called for every generated token; return false to stop. */
  onToken?: (token: number, text: string | undefined, index: number) => void | boolean;
  /**
   * What the model's step returns: 'logits' (or log-probabilities) or 'probs' (after a Softmax).
   * Default: 'probs' if the last layer of a Sequential is a Softmax, else 'logits'.
   */
  outputs?: 'logits' | 'probs';
}

export interface GenerateResult {
  /** The generated ids (prompt excluded). */
  tokens: number[];
  /** Their text, when a vocab was given. */
  text?: string;
  /** Why generation ended. */
  stop: 'maxTokens' | 'stopToken' | 'callback';
  /** Model steps run (prompt + generated tokens fed back). */
  steps: number;
}

/** What generate needs of a model: a streaming state and a step on token ids returning scores [1, V]. */
export interface TokenModel {
  createState(options?: { batch?: number }): { dispose(): void };
  step(x: Int32Array, state: never, options?: { view?: boolean }): Tensor<Float32Array>;
}

function checkSampling(o: SamplingOptions, what: string): Required<SamplingOptions> {
  const temperature = o.temperature ?? 1;
  const topK = o.topK ?? 0;
  const topP = o.topP ?? 1;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new RnnError('INVALID_OPTION', `${what}: temperature must be a finite number >= 0, got ${String(temperature)}`);
  }
  if (typeof topK !== 'number' || !Number.isSafeInteger(topK) || topK < 0) {
    throw new RnnError('INVALID_OPTION', `${what}: topK must be an integer >= 0 (0 = off), got ${String(topK)}`);
  }
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) {
    throw new RnnError('INVALID_OPTION', `${what}: topP must be in (0, 1] (1 = off), got ${String(topP)}`);
  }
  return { temperature, topK, topP };
}

/**
 * A sampler over a fixed vocabulary size; reuses its buffers, so sampling allocates nothing.
 * `distribution` gives the exact filtered distribution `sample` draws from.
 */
export class Sampler {
  readonly vocabSize: number;
  readonly options: Readonly<Required<SamplingOptions>>;
  private readonly order: Int32Array;
  private readonly probs: Float64Array;
  private readonly scores: Float64Array;

  constructor(vocabSize: number, options: SamplingOptions = {}) {
    if (!Number.isSafeInteger(vocabSize) || vocabSize < 1) {
      throw new RnnError('INVALID_OPTION', `Sampler: vocabSize must be an integer >= 1, got ${String(vocabSize)}`);
    }
    this.vocabSize = vocabSize;
    this.options = Object.freeze(checkSampling(options, 'Sampler'));
    this.order = new Int32Array(vocabSize);
    this.probs = new Float64Array(vocabSize);
    this.scores = new Float64Array(vocabSize);
  }

  private check(logits: ArrayLike<number>): void {
    if (logits.length !== this.vocabSize) {
      throw new RnnError('SHAPE_MISMATCH', `Sampler: expected ${this.vocabSize} scores, got ${logits.length}`);
    }
  }

  /** Index of the largest score (the lowest index among equal maxima; NaN never wins). */
  static argmax(logits: ArrayLike<number>): number {
    let best = 0;
    let bv = -Infinity;
    for (let i = 0; i < logits.length; i++) {
      if (logits[i] > bv) {
        bv = logits[i];
        best = i;
      }
    }
    return best;
  }

  /**
   * Fills the internal buffers: `order[0..n)` the kept token ids by decreasing probability and
   * `probs[id]` their normalized probability (0 for every excluded id). Returns n.
   */
  private filter(logits: ArrayLike<number>): number {
    const { temperature, topK, topP } = this.options;
    const v = this.vocabSize;
    const order = this.order;
    const probs = this.probs;
    const sc = this.scores;
    probs.fill(0);
    if (temperature === 0) {
      const a = Sampler.argmax(logits);
      order[0] = a;
      probs[a] = 1;
      return 1;
    }
    for (let i = 0; i < v; i++) {
      const z = logits[i];
      sc[i] = Number.isNaN(z) ? -Infinity : z / temperature;
      order[i] = i;
    }
    let n = v;
    let max = -Infinity;
    if (topK > 0 || topP < 1) {
      // decreasing score, ties by lower id (a total order: the result does not depend on the sort)
      order.sort((a, b) => sc[b] - sc[a] || a - b);
      if (topK > 0 && topK < n) n = topK;
      max = sc[order[0]];
    } else {
      for (let i = 0; i < v; i++) if (sc[i] > max) max = sc[i];
    }
    if (max === -Infinity) {
      // every score is -inf / NaN: nothing is more likely than anything else; pick the lowest id
      order[0] = 0;
      probs[0] = 1;
      return 1;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const id = order[j];
      const p = max === Infinity ? (sc[id] === Infinity ? 1 : 0) : Math.exp(sc[id] - max);
      probs[id] = p;
      sum += p;
    }
    for (let j = 0; j < n; j++) probs[order[j]] /= sum;
    if (topP < 1) {
      let cum = 0;
      let keep = n;
      for (let j = 0; j < n; j++) {
        cum += probs[order[j]];
        if (cum >= topP) {
          keep = j + 1;
          break;
        }
      }
      let kept = 0;
      for (let j = 0; j < keep; j++) kept += probs[order[j]];
      for (let j = keep; j < n; j++) probs[order[j]] = 0;
      for (let j = 0; j < keep; j++) probs[order[j]] /= kept;
      n = keep;
    }
    return n;
  }

  /** The distribution `sample` draws from: one probability per token id, 0 for excluded ids. */
  distribution(logits: ArrayLike<number>): Float64Array {
    this.check(logits);
    this.filter(logits);
    return this.probs.slice();
  }

  /** Draws one token id from the filtered distribution with `rng` (greedy: no draw). */
  sample(logits: ArrayLike<number>, rng: Rng): number {
    this.check(logits);
    const n = this.filter(logits);
    if (this.options.temperature === 0) return this.order[0];
    const u = rng.next();
    let cum = 0;
    let last = this.order[0];
    for (let j = 0; j < n; j++) {
      const id = this.order[j];
      const p = this.probs[id];
      if (p === 0) continue; // excluded, -inf or underflowed: never emitted
      cum += p;
      last = id;
      if (u < cum) return id;
    }
    return last; // u within rounding of 1: the last token with probability > 0
  }
}

const VIEW = Object.freeze({ view: true });

/** Converts a prompt to ids with `vocab` (strings: longest match first). */
export function encode(text: string, vocab: string | readonly string[]): number[] {
  const toks = typeof vocab === 'string' ? Array.from(vocab) : vocab;
  const index = new Map<string, number>();
  let maxLen = 0;
  toks.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
    maxLen = Math.max(maxLen, t.length);
  });
  const out: number[] = [];
  let pos = 0;
  while (pos < text.length) {
    let found = -1;
    let len = 0;
    for (let l = Math.min(maxLen, text.length - pos); l > 0; l--) {
      const id = index.get(text.slice(pos, pos + l));
      if (id !== undefined) {
        found = id;
        len = l;
        break;
      }
    }
    if (found < 0) {
      throw new RnnError('INVALID_INPUT', `encode: ${JSON.stringify(text[pos])} at position ${pos} of the prompt is not in the vocabulary`);
    }
    out.push(found);
    pos += len;
  }
  return out;
}

/** Converts ids to text with `vocab`. */
export function decode(tokens: ArrayLike<number>, vocab: string | readonly string[]): string {
  const toks = typeof vocab === 'string' ? Array.from(vocab) : vocab;
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = toks[tokens[i]];
    if (t === undefined) throw new RnnError('INVALID_INPUT', `decode: token id ${tokens[i]} is outside the vocabulary (${toks.length} tokens)`);
    s += t;
  }
  return s;
}

/**
 * Generates up to `maxTokens` tokens after `prompt` (batch 1). Feeds the prompt one step at a
 * time, then each sampled token; deterministic for a given seed, model and options.
 */
export function generate(model: Sequential | TokenModel, options: GenerateOptions): GenerateResult {
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', 'generate: options must be an object');
  const sampling = checkSampling(options, 'generate');
  const maxTokens = options.maxTokens ?? 32;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 0) {
    throw new RnnError('INVALID_OPTION', `generate: maxTokens must be an integer >= 0, got ${String(maxTokens)}`);
  }
  const seed = options.seed ?? randomSeed();
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new RnnError('INVALID_OPTION', `generate: seed must be a finite number, got ${String(seed)}`);
  const { vocab } = options;
  if (vocab !== undefined && typeof vocab !== 'string' && !Array.isArray(vocab)) {
    throw new RnnError('INVALID_OPTION', 'generate: vocab must be a string (one character per id) or an array of strings');
  }
  let prompt: number[];
  if (typeof options.prompt === 'string') {
    if (vocab === undefined) throw new RnnError('INVALID_OPTION', 'generate: a text prompt needs a vocab (or pass token ids)');
    prompt = encode(options.prompt, vocab);
  } else if (options.prompt !== null && typeof options.prompt === 'object' && typeof options.prompt.length === 'number') {
    prompt = Array.from(options.prompt, Number);
  } else {
    throw new RnnError('INVALID_OPTION', 'generate: prompt must be a string or an array of token ids');
  }
  if (prompt.length === 0) throw new RnnError('INVALID_OPTION', 'generate: the prompt needs at least one token (e.g. a begin-of-sequence token)');
  let outputs = options.outputs;
  if (outputs === undefined) {
    const last = model instanceof Sequential ? model.layers[model.layers.length - 1].layer : null;
    outputs = last instanceof Softmax && !(last instanceof LogSoftmax) ? 'probs' : 'logits';
  } else if (outputs !== 'logits' && outputs !== 'probs') {
    throw new RnnError('INVALID_OPTION', `generate: outputs must be 'logits' or 'probs', got ${String(outputs)}`);
  }
  const stops = new Set(options.stopTokens ? Array.from(options.stopTokens, Number) : []);
  const onToken = options.onToken;
  if (onToken !== undefined && typeof onToken !== 'function') throw new RnnError('INVALID_OPTION', 'generate: onToken must be a function');
  if (model instanceof Sequential && model.inputKind !== 'tokens') {
    throw new RnnError('INVALID_OPTION', 'generate: the model must take token ids (its first layer must be an Embedding)');
  }
  const vocabSize = model instanceof Sequential ? model.outputSize : -1;
  const vocabTokens = vocab === undefined ? undefined : typeof vocab === 'string' ? Array.from(vocab) : vocab;

  const m = model as TokenModel;
  const state = m.createState({ batch: 1 });
  const ids = new Int32Array(1);
  const tokens: number[] = [];
  let sampler: Sampler | null = vocabSize > 0 ? new Sampler(vocabSize, sampling) : null;
  let logScores: Float32Array | null = null;
  const rng = new Rng(seed);
  let steps = 0;
  let stop: GenerateResult['stop'] = 'maxTokens';
  try {
    let scores: Float32Array | null = null;
    for (const t of prompt) {
      ids[0] = t;
      scores = m.step(ids, state as never, VIEW).data;
      steps++;
    }
    for (let i = 0; i < maxTokens; i++) {
      let s = scores!;
      sampler ??= new Sampler(s.length, sampling);
      if (outputs === 'probs') {
        logScores ??= new Float32Array(s.length);
        for (let j = 0; j < s.length; j++) logScores[j] = Math.log(s[j]);
        s = logScores;
      }
      const tok = sampler.sample(s, rng);
      tokens.push(tok);
      const text = vocabTokens?.[tok];
      if (onToken && onToken(tok, text, i) === false) {
        stop = 'callback';
        break;
      }
      if (stops.has(tok)) {
        stop = 'stopToken';
        break;
      }
      if (i + 1 < maxTokens) {
        ids[0] = tok;
        scores = m.step(ids, state as never, VIEW).data;
        steps++;
      }
    }
  } finally {
    state.dispose();
  }
  const result: GenerateResult = { tokens, stop, steps };
  if (vocab !== undefined) result.text = decode(tokens, vocab);
  return result;
}

