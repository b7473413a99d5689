// Sequence to sequence: a GRU encoder-decoder reads spelled-out English numbers and writes digits.
//
//   npm run build && node examples/seq2seq.mjs ["three hundred forty two" | 342 ...]
//
// Model: models/numbers.safetensors, trained with wasm-rnn itself by tools/train-seq2seq.mjs
// (task, model and greedy decoding: examples/numbers-task.mjs; card: models/numbers.card.json).
// The encoder's final h starts the decoder, which writes one digit per step, feeding back its own
// most likely symbol, until "</s>". Runs on the inference build (no training build needed).
// Arguments are sentences of number words, or numbers 0-999 that are spelled out first; without
// arguments a few held-out numbers are translated. Then the exact-match accuracy on all numbers
// held out of training (the same seeded split as the trainer's) is measured here.
import { readFileSync } from 'node:fs';
import { ready, readSafetensors, readSafetensorsMetadata } from '../dist/src/index.js';
import { METADATA_KEY, numberToWords, sourceIds, splitNumbers, loadModelFrom, translate, disposeModel } from './numbers-task.mjs';

const info = await ready();
const bytes = readFileSync(new URL('../models/numbers.safetensors', import.meta.url));
const config = JSON.parse(readSafetensorsMetadata(bytes)[METADATA_KEY]);
const model = loadModelFrom(readSafetensors(bytes), config);
const { train, heldOut } = splitNumbers(config.splitSeed);
const inTraining = new Set(train);

const sentences = process.argv.length > 2
  ? process.argv.slice(2).map((a) => (/^\d+$/.test(a.trim()) ? numberToWords(Number(a)) : a))
  : heldOut.filter((_, i) => i % 15 === 0).map(numberToWords); // every 15th held-out number
console.log(`wasm-rnn ${info.build} build | GRU(${config.hidden}) encoder -> GRU(${config.hidden}) decoder, greedy decoding\n`);
const answers = translate(model, sentences.map(sourceIds));
const width = Math.max(...sentences.map((s) => s.length));
sentences.forEach((s, i) => {
  const expected = numberOf(s);
  const mark = expected === null ? '' : answers[i] === String(expected) ? '  right' : `  wrong (${expected})`;
  const seen = expected === null ? '' : inTraining.has(expected) ? ', trained on' : ', held out';
  console.log(`  ${s.padEnd(width)}  ->  ${answers[i].padEnd(3)}${mark}${seen}`);
});

const t0 = performance.now();
const heldOutAnswers = translate(model, heldOut.map((n) => sourceIds(numberToWords(n))));
const ms = performance.now() - t0;
const wrong = heldOut.filter((n, i) => heldOutAnswers[i] !== String(n));
const accuracy = (heldOut.length - wrong.length) / heldOut.length;
console.log(`\nheld-out exact match: ${(100 * accuracy).toFixed(1)}% of ${heldOut.length} numbers never trained on (split seed ${config.splitSeed}), decoded as one batch in ${ms.toFixed(1)} ms`);
if (wrong.length > 0) console.log(`wrong: ${wrong.map((n) => `${numberToWords(n)} -> ${heldOutAnswers[heldOut.indexOf(n)]}`).join('; ')}`);
disposeModel(model);

/** The number a sentence spells, when it spells one the way numberToWords does; else null. */
function numberOf(sentence) {
  const normal = sentence.trim().toLowerCase().split(/\s+/).join(' ');
  for (let n = 0; n < 1000; n++) if (numberToWords(n) === normal) return n;
  return null;
}
