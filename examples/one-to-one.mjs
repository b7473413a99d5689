// One-to-one: one input, one output, no sequence. A recurrent cell over a single time step is a
// dense tanh layer, so RNN(2, 64, 2 layers) -> LastStep -> Linear -> Softmax is a small MLP that
// tells which of three spiral arms a 2-D point lies on.
//
//   npm run build && node examples/one-to-one.mjs [--seed 1]
//
// Model: models/spirals.safetensors (trained by models/train_spirals.py). Shown: accuracy on
// fresh points, points/s classified in one batched forward (T = 1, B = points) and one at a
// time with step(), and the decision regions as a character map.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, loadModel } from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';

const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '1' } } });
const rng = new Rng(Number(args.seed));
const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

const info = await ready();
const { model, config } = loadModel(readFileSync(new URL('../models/spirals.safetensors', import.meta.url)));
console.log(`wasm-rnn ${info.build} build | ${config.layers.map((l) => l.type).join(' -> ')}\n`);

// fresh points from the training distribution
const N = 3000;
const pts = new Float32Array(N * 2);
const labels = new Int32Array(N);
for (let i = 0; i < N; i++) {
  const k = Math.floor(rng.next() * 3);
  const t = 0.05 + 0.95 * rng.next();
  const a = 3.5 * t + (2 * Math.PI * k) / 3;
  pts[2 * i] = t * Math.cos(a) + 0.04 * gauss();
  pts[2 * i + 1] = t * Math.sin(a) + 0.04 * gauss();
  labels[i] = k;
}
const argmax = (p) => (p[0] >= p[1] ? (p[0] >= p[2] ? 0 : 2) : p[1] >= p[2] ? 1 : 2);
model.forward({ data: pts, shape: [1, N, 2] }); // warm-up (JIT, workspace); not timed
let t0 = performance.now();
const probs = model.forward({ data: pts, shape: [1, N, 2] }).data; // T = 1, B = N
const fwdMs = performance.now() - t0;
let correct = 0;
for (let i = 0; i < N; i++) if (argmax(probs.subarray(3 * i, 3 * i + 3)) === labels[i]) correct++;
console.log(`batched: ${N} points in one forward (T = 1, B = ${N}): ${fwdMs.toFixed(2)} ms, ${Math.round((N / fwdMs) * 1000).toLocaleString()} points/s`);
console.log(`accuracy on fresh points: ${((100 * correct) / N).toFixed(1)}%`);

// one at a time: a one-to-one model has no memory, so reset the state before each point
const s = model.createState({ batch: 1 });
const frame = { data: new Float32Array(2), shape: [1, 2] };
for (let i = 0; i < N; i++) {
  s.reset();
  frame.data[0] = pts[2 * i];
  frame.data[1] = pts[2 * i + 1];
  model.step(frame, s, { view: true }); // warm-up (JIT); not timed
}
let agree = 0;
t0 = performance.now();
for (let i = 0; i < N; i++) {
  s.reset();
  frame.data[0] = pts[2 * i];
  frame.data[1] = pts[2 * i + 1];
  const p = model.step(frame, s, { view: true }).data;
  if (argmax(p) === argmax(probs.subarray(3 * i, 3 * i + 3))) agree++;
}
const stepMs = performance.now() - t0;
console.log(`one at a time (reset + step): ${Math.round((N / stepMs) * 1000).toLocaleString()} points/s (${((stepMs / N) * 1000).toFixed(2)} us/point), agrees with batched on ${agree}/${N}`);

// decision regions over [-1.1, 1.1]^2
const W = 66;
const H = 26;
const grid = new Float32Array(W * H * 2);
for (let r = 0; r < H; r++) {
  for (let c = 0; c < W; c++) {
    grid[2 * (r * W + c)] = -1.1 + (2.2 * c) / (W - 1);
    grid[2 * (r * W + c) + 1] = 1.1 - (2.2 * r) / (H - 1);
  }
}
const gp = model.forward({ data: grid, shape: [1, W * H, 2] }).data;
const marks = [['-', '.'], ['O', 'o'], ['#', '+']]; // [sure (p > 0.99), unsure] per arm
console.log(`\ndecision regions: arm 0 '-', arm 1 'O', arm 2 '#' ('.', 'o', '+' where p <= 0.99):`);
for (let r = 0; r < H; r++) {
  let line = '   ';
  for (let c = 0; c < W; c++) {
    const p = gp.subarray(3 * (r * W + c), 3 * (r * W + c) + 3);
    const k = argmax(p);
    line += marks[k][p[k] > 0.99 ? 0 : 1];
  }
  console.log(line);
}
s.dispose();
model.dispose();
