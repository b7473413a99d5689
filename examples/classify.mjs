// Many-to-one: an LSTM reads a 64-sample noisy signal and says which waveform it is.
//
//   npm run build && node examples/classify.mjs [--seed 5] [--count 2000]
//
// Model: models/waveforms.safetensors (LSTM(1, 32) -> LastStep -> Linear(32, 4) -> Softmax,
// trained by models/train_waveforms.py). The signals are fresh ones drawn here from the same
// distribution (random period, phase, amplitude, offset and noise level). Shown:
//   1. a batch of signals classified by one forward call -> accuracy, confusion, sequences/s
//   2. one signal streamed with step(): the class probabilities as the samples arrive
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, loadModel } from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';

const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '5' }, count: { type: 'string', default: '2000' } } });
const rng = new Rng(Number(args.seed));
const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const WAVES = [(u) => Math.sin(2 * Math.PI * u), (u) => (u < 0.5 ? 1 : -1), (u) => 1 - 4 * Math.abs(u - 0.5), (u) => 2 * u - 1];

function signal(label, T) {
  const period = 6 + 34 * rng.next();
  const phase = rng.next();
  const amp = 0.4 + 1.2 * rng.next();
  const off = rng.next() - 0.5;
  const sigma = 0.1 + 0.3 * rng.next();
  return Float32Array.from({ length: T }, (_, t) => WAVES[label](((t / period + phase) % 1 + 1) % 1) * amp + off + sigma * gauss());
}

const info = await ready();
const { model, config } = loadModel(readFileSync(new URL('../models/waveforms.safetensors', import.meta.url)));
const { classes, length: T } = config;
const B = Number(args.count);
const labels = Int32Array.from({ length: B }, () => Math.floor(rng.next() * 4));
const x = new Float32Array(B * T);
labels.forEach((l, b) => x.set(signal(l, T), b * T));
console.log(`wasm-rnn ${info.build} build | classifier ${config.layers.map((l) => l.type).join(' -> ')}, classes ${classes.join(' / ')}\n`);

// 1. batch
model.forward({ data: x, shape: [B, T, 1] }); // warm-up (JIT, workspace); not timed
let t0 = performance.now();
const probs = model.forward({ data: x, shape: [B, T, 1] }).data; // [B, 4]
const ms = performance.now() - t0;
const confusion = classes.map(() => new Array(4).fill(0));
let correct = 0;
for (let b = 0; b < B; b++) {
  const p = probs.subarray(b * 4, b * 4 + 4);
  const pred = p.indexOf(Math.max(...p));
  confusion[labels[b]][pred]++;
  if (pred === labels[b]) correct++;
}
console.log(`1. ${B} signals x ${T} samples in one forward: ${ms.toFixed(1)} ms (${Math.round((B / ms) * 1000).toLocaleString()} sequences/s, ${Math.round(((B * T) / ms) * 1000).toLocaleString()} steps/s)`);
console.log(`   accuracy ${((100 * correct) / B).toFixed(1)}%; confusion (rows: true, columns: predicted)`);
console.log(`   ${''.padEnd(9)}${classes.map((c) => c.padStart(9)).join('')}`);
confusion.forEach((row, i) => console.log(`   ${classes[i].padEnd(9)}${row.map((v) => String(v).padStart(9)).join('')}`));

// 2. streaming one signal
const label = Math.floor(rng.next() * 4);
const sig = signal(label, T);
const s = model.createState({ batch: 1 });
const frame = { data: new Float32Array(1), shape: [1, 1] };
console.log(`\n2. streaming one ${classes[label]} signal, probabilities after each 8 samples:`);
console.log(`   ${'t'.padStart(3)}${classes.map((c) => c.padStart(10)).join('')}`);
for (let i = 0; i < 2000; i++) {
  frame.data[0] = sig[i % T];
  model.step(frame, s); // warm-up (JIT); not timed
}
s.reset();
t0 = performance.now();
const rows = [];
let p;
for (let t = 0; t < T; t++) {
  frame.data[0] = sig[t];
  p = model.step(frame, s).data;
  if ((t + 1) % 8 === 0) rows.push(`   ${String(t + 1).padStart(3)}${Array.from(p, (v) => v.toFixed(3).padStart(10)).join('')}`);
}
const us = ((performance.now() - t0) * 1000) / T;
console.log(rows.join('\n'));
const final = p.indexOf(Math.max(...p));
console.log(`   -> ${classes[final]} (${final === label ? 'right' : `wrong, it is a ${classes[label]}`})`);
console.log(`   ${us.toFixed(2)} us per streamed sample (LSTM step + Linear + Softmax)`);
s.dispose();
model.dispose();
