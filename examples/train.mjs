// Training in Node: a character-level language model learns a text file, then writes some of its own.
//
//   npm run build && node examples/train.mjs [file.txt] [--steps 100] [--batch 32] [--seq 64]
//                                            [--hidden 256] [--lr 0.005] [--seed 1]
//                                            [--length 300] [--temperature 0.7]
//
// Model: Embedding(vocab, 32) -> LSTM(32, hidden) -> Linear(hidden, vocab), the char model of
// issue 16, with one id per distinct character of the file (default: the README). Each step
// trains on `batch` windows of `seq` characters taken at random places in the text (next-character
// targets, cross-entropy, Adam, gradients clipped to norm 1), all in wasm on one thread
// (ready({ training: true }) loads the training build). A progress line shows the step, the loss
// and the characters per second; at the end generate() samples text from the trained model.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, Sequential, Embedding, LSTM, Linear, Adam, fit, generate } from '../dist/src/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '100' },
    batch: { type: 'string', default: '32' },
    seq: { type: 'string', default: '64' },
    hidden: { type: 'string', default: '256' },
    lr: { type: 'string', default: '0.005' },
    seed: { type: 'string', default: '1' },
    length: { type: 'string', default: '300' },
    temperature: { type: 'string', default: '0.7' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/train.mjs [file.txt] [--steps N] [--batch B] [--seq T] [--hidden H] [--lr LR] [--seed S] [--length N] [--temperature T]');
  process.exit(0);
}
const num = (name, { integer = true, min = integer ? 1 : 0 } = {}) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${args[name]}`);
  return v;
};
const steps = num('steps'), B = num('batch'), T = num('seq'), H = num('hidden'), seed = num('seed', { min: 0 });
const lr = num('lr', { integer: false }), temperature = num('temperature', { integer: false });

const file = positionals[0] ?? new URL('../README.md', import.meta.url);
const chars = [...readFileSync(file, 'utf8')]; // code points, so that every character is one id
if (chars.length < T + 2) throw new Error(`${file}: ${chars.length} characters, fewer than one window of --seq ${T} + 1`);
const vocab = [...new Set(chars)].sort();
const idOf = new Map(vocab.map((c, i) => [c, i]));
const ids = Int32Array.from(chars, (c) => idOf.get(c));

// windows at random places (a small seeded generator, so that a run can be repeated)
let state = seed >>> 0 || 1;
const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
function* batches() {
  for (let s = 0; s < steps; s++) {
    // time-major [T, B], the layers' native layout: input ids and the next character as target
    const input = new Int32Array(T * B), target = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const start = Math.floor(random() * (ids.length - T - 1));
      for (let t = 0; t < T; t++) {
        input[t * B + b] = ids[start + t];
        target[t * B + b] = ids[start + t + 1];
      }
    }
    yield { input: { data: input, shape: [T, B] }, target: { data: target, shape: [T, B] } };
  }
}

const info = await ready({ training: true });
const model = new Sequential([
  ['emb', new Embedding(vocab.length, 32, { seed })],
  ['lstm', new LSTM({ inputSize: 32, hiddenSize: H, seed })],
  ['head', new Linear(H, vocab.length, true, { seed })],
]);
const optimizer = new Adam(model, { lr });
console.log(`wasm-rnn ${info.build} training build | ${String(file).replace(/^file:\/\//, '')}: ${chars.length.toLocaleString('en-US')} characters, vocab ${vocab.length}`);
console.log(`Embedding(${vocab.length}, 32) -> LSTM(32, ${H}) -> Linear(${H}, ${vocab.length}); ${steps} steps of ${B} x ${T} characters, Adam lr ${lr}, clip norm 1\n`);

const tty = process.stdout.isTTY;
const every = Math.max(1, Math.round(steps / 10));
const result = fit(model, batches, {
  loss: 'crossEntropy',
  optimizer,
  clipNorm: 1,
  onStep({ step, loss, samplesPerSecond }) {
    const line = `step ${String(step + 1).padStart(String(steps).length)}/${steps}  loss ${loss.toFixed(3)}  ${Math.round(samplesPerSecond).toLocaleString('en-US')} chars/s`;
    if (tty) process.stdout.write(`\r${line}`);
    else if ((step + 1) % every === 0 || step === 0) console.log(line);
  },
});
if (tty) process.stdout.write('\n');
const first = result.losses[0], last = result.losses[result.losses.length - 1];
console.log(`\nloss ${first.toFixed(3)} -> ${last.toFixed(3)} (uniform guessing: ${Math.log(vocab.length).toFixed(3)}), ${Math.round(result.samplesPerSecond).toLocaleString('en-US')} characters/s`);

// a sample, from the file's first character
const sample = generate(model, { prompt: chars[0], vocab, maxTokens: num('length'), temperature, seed });
console.log(`\nsample (temperature ${temperature}):\n${chars[0]}${sample.text}`);
optimizer.dispose();
model.dispose();
