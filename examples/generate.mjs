// One-to-many: a character-level LSTM invents English-looking words, one character per step.
//
//   npm run build && node examples/generate.mjs [--seed 7] [--prompt st] [--temperature 0.8]
//                                               [--top-k 10] [--top-p 0.95] [--count 12]
//
// Model: models/chars.safetensors (Embedding -> 2-layer LSTM -> Linear, trained by
// models/train_chars.py on Debian's wamerican word list). Each word is generated from the prompt
// '\n' + <prefix> until the model emits '\n'. Words the list contains are marked with '=',
// inventions with '+'.
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, loadModel, generate } from '../dist/src/index.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    prompt: { type: 'string', default: '' },
    temperature: { type: 'string', default: '0.8' },
    'top-k': { type: 'string', default: '0' },
    'top-p': { type: 'string', default: '1' },
    count: { type: 'string', default: '12' },
    'max-tokens': { type: 'string', default: '24' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/generate.mjs [--seed N] [--prompt PREFIX] [--temperature T] [--top-k K] [--top-p P] [--count N] [--max-tokens N]');
  process.exit(0);
}
const num = (name) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got ${args[name]}`);
  return v;
};

const info = await ready();
const { model, config } = loadModel(readFileSync(new URL('../models/chars.safetensors', import.meta.url)));
const prefix = args.prompt.toLowerCase();
if (/[^a-z]/.test(prefix)) throw new Error(`--prompt may contain only the letters a-z (the model's vocabulary), got ${JSON.stringify(args.prompt)}`);

const dictPath = '/usr/share/dict/american-english';
const dict = existsSync(dictPath) ? new Set(readFileSync(dictPath, 'utf8').split('\n')) : null;

const seed = num('seed');
const opts = {
  vocab: config.vocab,
  prompt: '\n' + prefix,
  maxTokens: num('max-tokens'),
  temperature: num('temperature'),
  topK: num('top-k'),
  topP: num('top-p'),
  stopTokens: [config.eos],
};
console.log(`wasm-rnn ${info.build} build | char LSTM (${config.layers.map((l) => l.type).join(' -> ')}), vocab ${config.vocab.length}`);
console.log(`seed ${seed}, prompt ${JSON.stringify(prefix)}, temperature ${opts.temperature}, topK ${opts.topK || 'off'}, topP ${opts.topP < 1 ? opts.topP : 'off'}\n`);

generate(model, { ...opts, seed: 0, maxTokens: 200, stopTokens: [] }); // warm up the JIT (not timed)
let steps = 0;
let tokens = 0;
const t0 = performance.now();
const words = [];
// greedy decoding ignores the seed: every run gives the same word, so make one
const count = opts.temperature === 0 ? 1 : num('count');
for (let i = 0; i < count; i++) {
  const r = generate(model, { ...opts, seed: seed + i });
  steps += r.steps;
  tokens += r.tokens.length;
  words.push(prefix + r.text.replace(/\n$/, ''));
}
const ms = performance.now() - t0;
for (const w of words) console.log(`  ${dict ? (dict.has(w) ? '=' : '+') : ' '} ${w}`);
console.log(`\n${tokens} tokens sampled (${steps} model steps) in ${ms.toFixed(1)} ms: ${Math.round((tokens / ms) * 1000)} tokens/s, ${((ms / steps) * 1000).toFixed(1)} us/step`);
if (dict) console.log(`'=' in the word list, '+' invented`);
model.dispose();
