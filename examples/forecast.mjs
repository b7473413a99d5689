// Many-to-many: a GRU forecasts the next value of a chaotic, drifting, noisy signal at every step.
//
//   npm run build && node examples/forecast.mjs [--seed 3]
//
// Model: models/forecast.safetensors (GRU(1, 48) -> Linear(48, 1), trained by
// models/train_forecast.py). The series here is a fresh one made the same way (Mackey-Glass
// tau = 17 + slow drift + noise) with another noise seed and starting point, so the model has
// not seen it. Three ways to run it:
//   1. forward over 2,000 samples at once (one call) -> one-step-ahead error vs persistence
//   2. step() sample by sample, as a live stream would -> steps/s, identical predictions
//   3. closed loop: feed predictions back for 50 steps -> error by horizon
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, loadModel } from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';

const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '3' } } });
const seed = Number(args.seed);

function mackeyGlass(n, x0) {
  const [tau, dt, beta, gamma, p, discard] = [17, 0.1, 0.2, 0.1, 10, 1000];
  const lag = Math.round(tau / dt);
  const hist = new Array(lag + 1).fill(x0);
  const f = (x, xl) => (beta * xl) / (1 + xl ** p) - gamma * x;
  const out = [];
  let x = x0;
  for (let i = 0; i < (n + discard) * 10; i++) {
    const xl = hist[hist.length - lag - 1];
    const xn = hist[hist.length - lag];
    const xm = 0.5 * (xl + xn);
    const k1 = f(x, xl);
    const k2 = f(x + 0.5 * dt * k1, xm);
    const k3 = f(x + 0.5 * dt * k2, xm);
    const k4 = f(x + dt * k3, xn);
    x += (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    hist.push(x);
    if (hist.length > lag + 2) hist.shift();
    if ((i + 1) % 10 === 0 && i >= discard * 10) out.push(x);
  }
  return out;
}

const info = await ready();
const { model, config } = loadModel(readFileSync(new URL('../models/forecast.safetensors', import.meta.url)));
const { mean, std } = config.normalization;
const rng = new Rng(seed);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const N = 2000;
const raw = mackeyGlass(N + 1, 0.9 + 0.6 * rng.next());
const phase = rng.next() * 2000;
const series = Float32Array.from(raw, (v, t) => (v + 0.1 * Math.sin((2 * Math.PI * (t + phase)) / 2000) + 0.01 * gauss() - mean) / std);
console.log(`wasm-rnn ${info.build} build | forecaster ${config.layers.map((l) => `${l.type}`).join(' -> ')}, fresh series of ${N} samples (seed ${seed})\n`);

// 1. whole sequence
const x = { data: series.subarray(0, N), shape: [1, N, 1] };
model.forward(x); // warm-up (JIT, workspace); not timed
let t0 = performance.now();
const y = model.forward(x).data;
const fwdMs = performance.now() - t0;
let se = 0;
let sp = 0;
const from = 100; // give the state some context first
for (let t = from; t < N; t++) {
  se += (y[t] - series[t + 1]) ** 2;
  sp += (series[t] - series[t + 1]) ** 2;
}
const rmse = Math.sqrt(se / (N - from)) * std;
const persist = Math.sqrt(sp / (N - from)) * std;
console.log(`1. forward over ${N} steps: ${fwdMs.toFixed(2)} ms (${Math.round((N / fwdMs) * 1000).toLocaleString()} steps/s)`);
console.log(`   one-step RMSE ${rmse.toFixed(4)} vs ${persist.toFixed(4)} for "next = current" (${(persist / rmse).toFixed(1)}x better), series std ${std.toFixed(3)}`);

// 2. streaming
const s = model.createState({ batch: 1 });
const frame = { data: new Float32Array(1), shape: [1, 1] };
for (let t = 0; t < N; t++) {
  frame.data[0] = series[t];
  model.step(frame, s, { view: true }); // warm-up (JIT); not timed
}
s.reset();
let maxDiff = 0;
t0 = performance.now();
for (let t = 0; t < N; t++) {
  frame.data[0] = series[t];
  const out = model.step(frame, s, { view: true }).data;
  maxDiff = Math.max(maxDiff, Math.abs(out[0] - y[t]));
}
const stepMs = performance.now() - t0;
console.log(`2. step() sample by sample: ${Math.round((N / stepMs) * 1000).toLocaleString()} steps/s (${((stepMs / N) * 1000).toFixed(2)} us/step), max |step - forward| = ${maxDiff.toExponential(1)}`);

// 3. closed loop from several starting points
const H = 50;
const errs = new Float64Array(H);
let runs = 0;
for (let start = 200; start + H < N; start += 150) {
  s.reset();
  let out;
  for (let t = 0; t < start; t++) {
    frame.data[0] = series[t];
    out = model.step(frame, s, { view: true }).data;
  }
  for (let h = 0; h < H; h++) {
    const pred = out[0];
    errs[h] += (pred - series[start + h]) ** 2;
    frame.data[0] = pred;
    out = model.step(frame, s, { view: true }).data;
  }
  runs++;
}
const at = (h) => (Math.sqrt(errs[h - 1] / runs) * std).toFixed(4);
console.log(`3. closed loop (predictions fed back), ${runs} starts: RMSE at horizon 1: ${at(1)}, 10: ${at(10)}, 25: ${at(25)}, 50: ${at(50)}`);

// a look at the last closed loop
s.reset();
let out;
const start = N - 80;
for (let t = 0; t < start; t++) {
  frame.data[0] = series[t];
  out = model.step(frame, s, { view: true }).data;
}
const truth = [];
const pred = [];
for (let h = 0; h < 60; h++) {
  truth.push(series[start + h]);
  pred.push(out[0]);
  frame.data[0] = out[0];
  out = model.step(frame, s, { view: true }).data;
}
const bars = ' ▁▂▃▄▅▆▇█';
const lo = Math.min(...truth, ...pred);
const hi = Math.max(...truth, ...pred);
const spark = (v) => v.map((u) => bars[Math.round(((u - lo) / (hi - lo)) * 8)]).join('');
console.log(`\n   truth    ${spark(truth)}\n   forecast ${spark(pred)}   (60 steps fed back)`);
s.dispose();
model.dispose();
