// One measuring process of the training bench (bench/train.mjs spawns it once per Node version):
// the char-LM workload of bench/train-data.mjs on every engine, all single-threaded:
//   wasm-rnn <build>  ready({ build, training: true }); Sequential forward({ train: true }),
//                     crossEntropy, backward, Adam.step (the relaxed and simd training builds);
//   tfjs-wasm / tfjs-cpu  TF.js 4.22 layers (the embedding as a bias-free dense layer on one-hot
//                     input -> lstm(returnSequences, sigmoid gates) -> dense) trained with
//                     optimizer.minimize over softmaxCrossEntropy and tf.train.adam, on the wasm
//                     backend (setThreadsCount(1)) and the cpu backend. tf.layers.embedding cannot
//                     train on the wasm backend (its gradient needs UnsortedSegmentSum, which the
//                     wasm backend of 4.22 does not register); one-hot x table is the same lookup
//                     (products with 1 and 0 are exact) and the same gradient, on both backends.
//   brain.js          brain.js 2.0.0-beta.24 `recurrent.LSTM({ inputSize: 32, inputRange: 65,
//                     hiddenLayers: [256], outputSize: 65 })`, the closest model it has: a
//                     character embedding (65 + 1 rows x 32, row 0 its start/end token), one
//                     LSTM layer of 256, a linear output (65 + 1) with softmax cross-entropy. A
//                     step is `trainPattern(ids)` on each of the batch's 32 windows of 64
//                     characters (the same characters the other engines get), i.e. 32 sequences
//                     of 65 time steps (its start token, then the 64 characters; targets the 64
//                     characters and its end token), each followed by its own weight update:
//                     brain.js has no batches and no Adam (its update is RMSprop-like with
//                     decay 0.999, clipping at 5 and L2 1e-6; learningRate set to the workload's
//                     2e-3). Its LSTM is not PyTorch's (the cell it keeps is the previous hidden
//                     output: no separate c state), so it cannot load the shared weights: it
//                     starts from its own random init and is left out of the loss check; its
//                     loss (mean cross-entropy per predicted character, from trainPattern's
//                     perplexity) is recorded only to show that it trains. Normalised like the
//                     others: 2,048 characters a step.
// First the check: every engine loads the same initial weights and runs `--check-steps` steps on
// the same batches; the losses must agree with wasm-rnn simd's within 1e-4 (PyTorch's are
// compared by bench/train.mjs). Then the timing: `--rounds` rounds, each engine running `--steps`
// steps in turn (engines interleaved, the order rotated every round), each step timed on the
// process CPU clock (bench/lib/timing.mjs) and on the wall clock. Writes its JSON to --out.
//   node [--experimental-wasm-relaxed-simd] bench/train-suite.mjs --out f.json [--rounds 3] [--steps 3] [--engines a,b]
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { WORKLOAD, CHARS_PER_STEP, readWorkload, batchOf } from './train-data.mjs';
import { median, cpuMs, CLOCK } from './lib/timing.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROUNDS = Number(args.rounds ?? 3);
const STEPS = Number(args.steps ?? 3);
const CHECK_STEPS = Number(args['check-steps'] ?? 3);
const LOSS_TOLERANCE = 1e-4;
const log = (...a) => console.error(...a);

const { workload: w, weights, windows } = readWorkload();
if (JSON.stringify(w) !== JSON.stringify(WORKLOAD)) throw new Error('bench/.cache/train holds another workload: run bench/train.mjs (it rewrites it)');
const { vocab: V, embed: E, hidden: H, batch: B, seqLen: T } = w;
const batches = Array.from({ length: w.batches }, (_, k) => batchOf(windows, k));

// ------------------------------------------------------------------ engines
// Each returns { step(batch) -> loss (a number, read back: the step is finished), info, dispose }.
async function wasmRnnEngine(lib, build) {
  const info = await lib.ready({ build, training: true });
  if (info.build !== build) throw new Error(`asked for the ${build} training build, got ${info.build}`);
  // the layers and the optimizer keep the runtime they were made on, so models of two builds live side by side
  const model = new lib.Sequential([
    ['emb', new lib.Embedding(V, E, { seed: 1 })],
    ['lstm', new lib.LSTM({ inputSize: E, hiddenSize: H, seed: 1 })],
    ['head', new lib.Linear(H, V, true, { seed: 1 })],
  ]);
  model.loadStateDict(weights);
  const optimizer = new lib.Adam(model, { lr: w.lr, betas: w.betas, eps: w.eps });
  return {
    info: { build, mode: 'Sequential time-major [T, B]: zeroGrad, forward({ train: true }), crossEntropy, backward, Adam.step' },
    step(b) {
      optimizer.zeroGrad();
      const out = model.forward({ data: b.inTB, shape: [T, B] }, { train: true });
      const { loss, grad } = lib.crossEntropy({ data: out.data, shape: [T * B, V] }, { data: b.tgtTB, shape: [T * B] });
      model.backward({ data: grad.data, shape: out.shape });
      optimizer.step();
      return loss;
    },
    dispose() { optimizer.dispose(); model.dispose(); },
  };
}

async function tfEngine(backend) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(1);
  }
  const activate = async () => { if (tf.getBackend() !== backend) await tf.setBackend(backend); await tf.ready(); };
  await activate();
  const t = (a, shape) => tf.tensor(a, shape);
  const transpose = (a, rows, cols) => { const o = new Float32Array(a.length); for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) o[c * rows + r] = a[r * cols + c]; return o; };
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: E, useBias: false, batchInputShape: [B, T, V], kernelInitializer: 'zeros' }), // the embedding (see above)
      // PyTorch's LSTM: sigmoid gates (TF.js defaults to hardSigmoid), tanh cell; initializers
      // 'zeros' because the weights are overwritten (the default orthogonal one is slow at 256 x 1024)
      tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid', activation: 'tanh', kernelInitializer: 'zeros', recurrentInitializer: 'zeros' }),
      tf.layers.dense({ units: V, kernelInitializer: 'zeros' }),
    ],
  });
  // PyTorch -> Keras: Keras' LSTM gate blocks are i, f, c, o, PyTorch's i, f, g, o (the same
  // order); kernels are transposed ([in, 4H]) and the two biases are one.
  const bias = new Float32Array(4 * H);
  for (let i = 0; i < bias.length; i++) bias[i] = weights['lstm.bias_ih_l0'].data[i] + weights['lstm.bias_hh_l0'].data[i];
  const [emb, lstm, dense] = model.layers;
  emb.setWeights([t(weights['emb.weight'].data, [V, E])]);
  lstm.setWeights([
    t(transpose(weights['lstm.weight_ih_l0'].data, 4 * H, E), [E, 4 * H]),
    t(transpose(weights['lstm.weight_hh_l0'].data, 4 * H, H), [H, 4 * H]),
    t(bias, [4 * H]),
  ]);
  dense.setWeights([t(transpose(weights['head.weight'].data, V, H), [H, V]), t(weights['head.bias'].data, [V])]);
  const optimizer = tf.train.adam(w.lr, w.betas[0], w.betas[1], w.eps);
  const varList = model.trainableWeights.map((v) => v.val);
  if (varList.some((v) => !(v instanceof tf.Variable))) throw new Error('TF.js: could not reach the layers\' variables');
  const oneHot = (ids, shape) => tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d(ids, 'int32'), V), shape));
  const inputs = batches.map((b) => ({ x: oneHot(b.inBT, [B, T, V]), y: oneHot(b.tgtBT, [B * T, V]) }));
  return {
    tf,
    activate,
    info: { backend, threads: backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 1, mode: 'tf.layers model, optimizer.minimize(softmaxCrossEntropy), tf.train.adam' },
    step(b) {
      const { x, y } = inputs[batches.indexOf(b)];
      const loss = optimizer.minimize(() => {
        const logits = model.apply(x, { training: true });
        return tf.losses.softmaxCrossEntropy(y, tf.reshape(logits, [B * T, V]));
      }, true, varList);
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    },
    dispose() { optimizer.dispose(); model.dispose?.(); inputs.forEach(({ x, y }) => { x.dispose(); y.dispose(); }); },
  };
}

async function brainEngine() {
  const { createRequire } = await import('node:module');
  const brain = createRequire(import.meta.url)('brain.js');
  const version = JSON.parse(fs.readFileSync(here('./node_modules/brain.js/package.json'), 'utf8')).version;
  // dataFormatter undefined: the model takes integer ids itself (the default formatter would
  // replace the sizes by its own character count)
  const net = new brain.recurrent.LSTM({ inputSize: E, inputRange: V, hiddenLayers: [H], outputSize: V, dataFormatter: undefined });
  net.updateTrainingOptions({ learningRate: w.lr });
  net.initialize();
  const rows = (ids) => Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, (b + 1) * T)));
  const sequences = new Map(batches.map((b) => [b, rows(b.inBT)]));
  return {
    info: {
      version, comparable: false,
      mode: `recurrent.LSTM({ inputSize: ${E}, inputRange: ${V}, hiddenLayers: [${H}], outputSize: ${V} }), learningRate ${w.lr}; a step = trainPattern on each of ${B} windows of ${T} characters (${T + 1} time steps each, one weight update each)`,
      parameters: net.model.allMatrices.reduce((n, m) => n + m.rows * m.columns, 0),
    },
    step(b) {
      let nats = 0;
      for (const seq of sequences.get(b)) {
        // trainPattern returns 2^(bits / (T - 1)) / 100 for the sequence's T + 1 predictions
        const e = net.trainPattern(seq, true);
        nats += (Math.log2(e * 100) * (T - 1) * Math.LN2) / (T + 1);
      }
      return nats / B;
    },
    dispose() {},
  };
}

const lib = await import(here('./.cache/lib/wasm-rnn.mjs'));
const builds = lib.supportedBuilds();
const ALL = [
  ...['relaxed', 'simd'].filter((b) => builds.includes(b)).map((b) => ({ name: `wasm-rnn ${b}`, make: () => wasmRnnEngine(lib, b) })),
  { name: 'tfjs-wasm', make: () => tfEngine('wasm') },
  { name: 'tfjs-cpu', make: () => tfEngine('cpu') },
  { name: 'brain.js', make: () => brainEngine() },
];
const ENGINES = ALL.filter((e) => !args.engines || args.engines.split(',').includes(e.name));
const REF = ENGINES.some((e) => e.name === 'wasm-rnn simd') ? 'wasm-rnn simd' : ENGINES[0].name;

const out = {
  node: process.version,
  v8: process.versions.v8,
  execArgv: process.execArgv,
  cpu: os.cpus()[0]?.model,
  loadavgStart: os.loadavg(),
  builds,
  workload: w,
  charsPerStep: CHARS_PER_STEP,
  rounds: ROUNDS,
  stepsPerRound: STEPS,
  clock: CLOCK,
  engines: {},
};
log(`# ${process.version} ${process.execArgv.join(' ')} builds=${builds.join(',')} clock=${CLOCK} engines=${ENGINES.map((e) => e.name).join(', ')}`);

// ------------------------------------------------------------------ check: same losses from the same weights
const engines = {};
for (const e of ENGINES) {
  const t0 = performance.now();
  engines[e.name] = await e.make();
  const o = engines[e.name];
  await o.activate?.();
  const losses = [], stepMs = [];
  for (let s = 0; s < CHECK_STEPS; s++) {
    const t1 = performance.now();
    losses.push(o.step(batches[s % batches.length]));
    stepMs.push(performance.now() - t1);
  }
  out.engines[e.name] = { info: o.info, checkLosses: losses, checkStepWallMs: stepMs, setupMs: performance.now() - t0 - stepMs.reduce((a, b) => a + b, 0) };
  log(`  ${e.name}: losses ${losses.map((l) => l.toFixed(6)).join(' ')} (${stepMs.map((m) => m.toFixed(0)).join('/')} ms)`);
}
const refLosses = out.engines[REF].checkLosses;
let checkOk = true;
for (const [name, r] of Object.entries(out.engines)) {
  if (r.info.comparable === false) {
    r.checkOk = null;
    log(`  ${name}: another model and initial weights, not compared (its own losses: ${r.checkLosses.map((l) => l.toFixed(4)).join(' ')})`);
    continue;
  }
  r.firstLossDiff = Math.abs(r.checkLosses[0] - refLosses[0]);
  r.maxLossDiff = Math.max(...r.checkLosses.map((l, i) => Math.abs(l - refLosses[i])));
  r.checkOk = r.firstLossDiff <= LOSS_TOLERANCE && Number.isFinite(r.checkLosses[0]);
  if (!r.checkOk) checkOk = false;
  log(`  ${name}: |first loss - ${REF}| = ${r.firstLossDiff.toExponential(2)}, max over ${CHECK_STEPS} steps ${r.maxLossDiff.toExponential(2)} ${r.checkOk ? 'ok' : 'MISMATCH'}`);
}
out.check = { reference: REF, tolerance: LOSS_TOLERANCE, steps: CHECK_STEPS, ok: checkOk };
if (!checkOk) log(`!!! the engines do not compute the same first loss within ${LOSS_TOLERANCE}: timings are recorded but not comparable`);

// ------------------------------------------------------------------ timing: rounds, engines interleaved
const names = Object.keys(engines);
for (const n of names) Object.assign(out.engines[n], { rounds: [], wallRounds: [], stepCpuMs: [], stepWallMs: [] });
let batchIndex = CHECK_STEPS;
for (let r = 0; r < ROUNDS; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const n of order) {
    const o = engines[n];
    await o.activate?.();
    const cpu = [], wall = [];
    for (let s = 0; s < STEPS; s++) {
      const b = batches[batchIndex++ % batches.length];
      const c0 = cpuMs(), w0 = performance.now();
      o.step(b);
      cpu.push(cpuMs() - c0);
      wall.push(performance.now() - w0);
    }
    const res = out.engines[n];
    res.rounds.push(median(cpu));
    res.wallRounds.push(median(wall));
    res.stepCpuMs.push(...cpu);
    res.stepWallMs.push(...wall);
    log(`  round ${r + 1} ${n.padEnd(16)} ${cpu.map((m) => m.toFixed(0)).join('/')} ms cpu, ${wall.map((m) => m.toFixed(0)).join('/')} ms wall`);
  }
}
for (const n of names) {
  const res = out.engines[n];
  res.msPerStep = median(res.rounds);
  res.wallMsPerStep = median(res.wallRounds);
  res.charsPerSecond = CHARS_PER_STEP / (res.msPerStep / 1e3);
  res.wallCharsPerSecond = CHARS_PER_STEP / (res.wallMsPerStep / 1e3);
  log(`  ${n.padEnd(16)} ${res.msPerStep.toFixed(1)} ms/step  ${res.charsPerSecond.toFixed(0)} chars/s (wall ${res.wallCharsPerSecond.toFixed(0)})`);
}
out.loadavgEnd = os.loadavg();
for (const o of Object.values(engines)) o.dispose();
if (args.out) fs.writeFileSync(args.out, JSON.stringify(out, null, 1));
// Node 24 with TF.js loaded was seen spinning in process.exit() (bench/suite.mjs): the results
// are written, so end the process the hard way.
process.kill(process.pid, 'SIGKILL');
