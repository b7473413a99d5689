// The task of examples/seq2seq.mjs and tools/train-seq2seq.mjs: spelled-out English numbers to
// digits ("three hundred forty two" -> "342", 0-999), one shared definition of the data, the
// seeded held-out split, the encoder-decoder and its greedy decoding, so that the trainer and the
// example measure the held-out accuracy on exactly the same numbers.
//
// Model: source words -> Embedding -> GRU encoder; its final h is the decoder's initial h;
// target symbols -> Embedding -> GRU decoder -> Linear over the target vocabulary. The decoder
// reads "<s>" then the digits so far (teacher forcing in training, its own guesses when decoding)
// and predicts the next digit or "</s>".
import { Embedding, GRU, Linear } from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** Source ids: 0 pads a short sentence in a batch (the encoder runs with `lengths`, so it is never read). */
export const SOURCE_VOCAB = ['<pad>', ...ONES, ...TENS, 'hundred'];
/** Target ids: "<s>" starts the decoder, "</s>" ends the answer. */
export const TARGET_VOCAB = ['<s>', '</s>', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const BOS = 0;
export const EOS = 1;
/** Longest answer: three digits and "</s>". */
export const MAX_TARGET_STEPS = 4;
export const NUMBERS = 1000;
export const HELD_OUT_FRACTION = 0.15;
/** Key of the safetensors metadata entry with the model's sizes and vocabularies. */
export const METADATA_KEY = 'numbers_seq2seq';

/** 342 -> "three hundred forty two" (no "and"; 0 -> "zero"). */
export function numberToWords(n) {
  if (!Number.isInteger(n) || n < 0 || n >= NUMBERS) throw new RangeError(`numberToWords: expected an integer in [0, ${NUMBERS}), got ${n}`);
  const words = [];
  const hundreds = Math.floor(n / 100), rest = n % 100;
  if (hundreds > 0) words.push(ONES[hundreds], 'hundred');
  if (rest >= 20) {
    words.push(TENS[Math.floor(rest / 10) - 2]);
    if (rest % 10 > 0) words.push(ONES[rest % 10]);
  } else if (rest > 0 || hundreds === 0) {
    words.push(ONES[rest]);
  }
  return words.join(' ');
}

const sourceId = new Map(SOURCE_VOCAB.map((w, i) => [w, i]));

/** Word ids of a sentence; an unknown word is an error naming it. */
export function sourceIds(sentence) {
  return sentence.trim().split(/\s+/).map((w) => {
    const id = sourceId.get(w.toLowerCase());
    if (id === undefined || id === 0) throw new Error(`unknown word '${w}' (known: ${SOURCE_VOCAB.slice(1).join(', ')})`);
    return id;
  });
}

/** 0-999 shuffled with a seeded generator; the first 15 % are held out (never trained on). */
export function splitNumbers(seed) {
  const rng = new Rng(seed);
  const order = Array.from({ length: NUMBERS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const heldOutCount = Math.round(NUMBERS * HELD_OUT_FRACTION);
  return { heldOut: order.slice(0, heldOutCount).sort((a, b) => a - b), train: order.slice(heldOutCount) };
}

/** Sentences (arrays of word ids) -> time-major ids [T, B] padded with 0, and each sentence's length. */
export function batchSources(sentences) {
  const B = sentences.length, T = Math.max(...sentences.map((s) => s.length));
  const ids = new Int32Array(T * B);
  sentences.forEach((s, b) => s.forEach((id, t) => (ids[t * B + b] = id)));
  return { ids: { data: ids, shape: [T, B] }, lengths: Int32Array.from(sentences, (s) => s.length) };
}

/** Target ids of a number's digits followed by "</s>". */
export function targetIds(n) {
  return [...String(n)].map((d) => TARGET_VOCAB.indexOf(d)).concat(EOS);
}

export function parameterCount(model) {
  return Object.values(stateDictOf(model)).reduce((sum, t) => sum + t.data.length, 0);
}

/** Fresh seeded layers (call after ready({ training: true }) to train them). */
export function createModel({ hidden, embed, seed }) {
  return {
    config: { hidden, embed, sourceVocab: SOURCE_VOCAB, targetVocab: TARGET_VOCAB },
    sourceEmbedding: new Embedding(SOURCE_VOCAB.length, embed, { seed }),
    encoder: new GRU({ inputSize: embed, hiddenSize: hidden, seed: seed + 1 }),
    targetEmbedding: new Embedding(TARGET_VOCAB.length, embed, { seed: seed + 2 }),
    decoder: new GRU({ inputSize: embed, hiddenSize: hidden, seed: seed + 3 }),
    head: new Linear(hidden, TARGET_VOCAB.length, true, { seed: seed + 4 }),
  };
}

export const PREFIXES = {
  sourceEmbedding: 'encoder.embedding.',
  encoder: 'encoder.gru.',
  targetEmbedding: 'decoder.embedding.',
  decoder: 'decoder.gru.',
  head: 'decoder.out.',
};
export const LAYER_NAMES = Object.keys(PREFIXES);

/** The layers' weights under one set of PyTorch-style names ("encoder.gru.weight_ih_l0", ...). */
export function stateDictOf(model) {
  const out = {};
  for (const name of LAYER_NAMES) {
    for (const [key, t] of Object.entries(model[name].stateDict())) out[PREFIXES[name] + key] = t;
  }
  return out;
}

/** Rebuilds the model from a stateDictOf() state dict and its metadata config (inference runtime is enough). */
export function loadModelFrom(stateDict, config) {
  const { hidden, embed } = config;
  if (config.sourceVocab.join(' ') !== SOURCE_VOCAB.join(' ') || config.targetVocab.join(' ') !== TARGET_VOCAB.join(' ')) {
    throw new Error('the weights were trained with other vocabularies than examples/numbers-task.mjs defines');
  }
  return {
    config,
    sourceEmbedding: new Embedding(SOURCE_VOCAB.length, embed, { seed: 0 }).loadStateDict(stateDict, { prefix: PREFIXES.sourceEmbedding, strict: false }),
    encoder: GRU.fromStateDict(stateDict, { inputSize: embed, hiddenSize: hidden }, { prefix: PREFIXES.encoder, strict: false }),
    targetEmbedding: new Embedding(TARGET_VOCAB.length, embed, { seed: 0 }).loadStateDict(stateDict, { prefix: PREFIXES.targetEmbedding, strict: false }),
    decoder: GRU.fromStateDict(stateDict, { inputSize: embed, hiddenSize: hidden }, { prefix: PREFIXES.decoder, strict: false }),
    head: new Linear(hidden, TARGET_VOCAB.length, true, { seed: 0 }).loadStateDict(stateDict, { prefix: PREFIXES.head, strict: false }),
  };
}

export function disposeModel(model) {
  for (const name of LAYER_NAMES) model[name].dispose();
}

/**
 * Greedy decoding of a batch of sentences: the encoder reads the words, then the decoder runs
 * one step at a time from "<s>", feeding back its most likely symbol, until every row has said
 * "</s>" or MAX_TARGET_STEPS. Returns the digit strings.
 */
export function translate(model, sentences) {
  const B = sentences.length;
  const { ids, lengths } = batchSources(sentences);
  let h = model.encoder.forward(model.sourceEmbedding.forward(ids), { lengths }).h;
  const previous = new Int32Array(B).fill(BOS);
  const answers = Array.from({ length: B }, () => '');
  const finished = new Uint8Array(B);
  const V = TARGET_VOCAB.length;
  for (let step = 0; step < MAX_TARGET_STEPS && finished.some((f) => f === 0); step++) {
    const result = model.decoder.forward(model.targetEmbedding.forward({ data: previous, shape: [1, B] }), { h0: h });
    h = result.h;
    const logits = model.head.forward({ data: result.output.data, shape: [B, model.config.hidden] }).data;
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[b * V + v] > logits[b * V + best]) best = v;
      previous[b] = best;
      if (finished[b]) continue;
      if (best === EOS || best === BOS) finished[b] = 1;
      else answers[b] += TARGET_VOCAB[best];
    }
  }
  return answers;
}

/** Share of numbers whose words the model translates to exactly their digits. */
export function exactMatch(model, numbers) {
  const answers = translate(model, numbers.map((n) => sourceIds(numberToWords(n))));
  return answers.filter((a, i) => a === String(numbers[i])).length / numbers.length;
}
