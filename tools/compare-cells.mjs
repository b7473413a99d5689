// RNN (tanh) vs LSTM vs GRU, trained with this library on the same two tasks, measured: the loss
// curves and the wall time per epoch, written to docs/cells-comparison.json and drawn as SVG.
//
//   npm run build:ts --silent && node tools/compare-cells.mjs [--seeds 3] [--quick]
//
// Tasks (docs/cells.md describes them and what the numbers say):
// - adding: a sequence of T (value, marker) pairs, value uniform in [0, 1), exactly two markers
//   (one in each half of the sequence); the target is the sum of the two marked values, read from
//   the last step: cell(2, H) -> LastStep -> Linear(H, 1), MSE. Predicting the mean (1.0) scores
//   MSE 1/6, so a net that stays at 0.167 has not found the markers. Fresh batches every step; an
//   epoch is a fixed number of steps, after which a fixed test set of sequences is scored.
// - charlm: next-character prediction on the repository's docs/*.md (without the comparison's own
//   cells.md), Embedding(V, 32) -> cell(32, H) -> Linear(H, V), cross-entropy. The last 10% of the
//   text is held out; an epoch is one pass over non-overlapping windows of the rest in a seeded
//   random order, after which the held-out windows are scored.
// Every cell gets the same hidden size, optimizer (Adam, gradients clipped to norm 1), data and
// seeds (the seed drives the initial weights and the data order). Only the training steps are
// timed; scoring the held-out data is not part of an epoch's time.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { rng as makeRandom } from '../bench/lib/models.mjs'; // mulberry32: the same seed gives the same data on every machine
import { ready, Sequential, Embedding, LSTM, GRU, RNN, Linear, LastStep, Adam, fit, mseLoss, crossEntropy } from '../dist/src/index.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false }, // a smoke run: few steps, written to the system's temporary folder
  },
});
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
const quick = args.quick;
const root = new URL('..', import.meta.url);
const docs = new URL('docs/', root);

const CELLS = { RNN, LSTM, GRU };
const COLORS = { RNN: '#d62728', LSTM: '#1f77b4', GRU: '#2ca02c' };

const ADDING = {
  length: 50, hidden: 64, batch: 64, lr: 2e-3, clipNorm: 1,
  epochs: quick ? 2 : 25, stepsPerEpoch: quick ? 50 : 100, testSize: 1000, testSeed: 12345,
  // The RNN alone goes on to this many epochs, to see whether it gets there at all given time;
  // its first `epochs` are the comparison's (the same seeds make the same run).
  rnnEpochs: quick ? 4 : 100,
};
const CHARLM = {
  embedding: 32, hidden: 128, batch: 32, window: 64, lr: 2e-3, clipNorm: 1,
  epochs: quick ? 2 : 8, heldOut: 0.1, maxStepsPerEpoch: quick ? 20 : Infinity,
};

const parameterCount = (model) => Object.values(model.stateDict()).reduce((n, t) => n + t.data.length, 0);

// ---------------------------------------------------------------------------------------------
// The adding problem

/** `count` sequences, time-major [T, count, 2], and their targets [count, 1]. */
function addingBatch(random, count, T) {
  const x = new Float32Array(T * count * 2);
  const y = new Float32Array(count);
  const half = T >> 1;
  for (let b = 0; b < count; b++) {
    for (let t = 0; t < T; t++) x[(t * count + b) * 2] = random();
    const first = Math.floor(random() * half);
    const second = half + Math.floor(random() * (T - half));
    x[(first * count + b) * 2 + 1] = 1;
    x[(second * count + b) * 2 + 1] = 1;
    y[b] = x[(first * count + b) * 2] + x[(second * count + b) * 2];
  }
  return { input: { data: x, shape: [T, count, 2] }, target: { data: y, shape: [count, 1] } };
}

function runAdding(cell, seed, epochCount) {
  const { length: T, hidden: H, batch: B } = ADDING;
  const model = new Sequential([
    ['rnn', new CELLS[cell]({ inputSize: 2, hiddenSize: H, seed })],
    ['last', new LastStep()],
    ['head', new Linear(H, 1, true, { seed })],
  ]);
  const optimizer = new Adam(model, { lr: ADDING.lr });
  const random = makeRandom(seed);
  const test = addingBatch(makeRandom(ADDING.testSeed), ADDING.testSize, T);
  const losses = [], epochs = [];
  for (let epoch = 0; epoch < epochCount; epoch++) {
    const batches = Array.from({ length: ADDING.stepsPerEpoch }, () => addingBatch(random, B, T));
    const start = performance.now();
    const result = fit(model, batches, { loss: 'mse', optimizer, clipNorm: ADDING.clipNorm });
    const seconds = (performance.now() - start) / 1000;
    losses.push(...result.losses);
    const prediction = model.forward(test.input);
    const testMse = mseLoss(prediction, test.target).loss;
    // the usual pass mark for this task: a prediction within 0.04 of the sum
    let within = 0;
    for (let i = 0; i < ADDING.testSize; i++) if (Math.abs(prediction.data[i] - test.target.data[i]) < 0.04) within++;
    epochs.push({ epoch: epoch + 1, steps: losses.length, seconds, testMse, testWithin004: within / ADDING.testSize });
    log(`adding ${cell} seed ${seed} epoch ${epoch + 1}: test MSE ${testMse.toFixed(4)}, ${(100 * within / ADDING.testSize).toFixed(1)}% within 0.04, ${seconds.toFixed(2)} s`);
  }
  const parameters = parameterCount(model);
  optimizer.dispose();
  model.dispose();
  return { cell, seed, parameters, losses, epochs };
}

// ---------------------------------------------------------------------------------------------
// The character language model

function loadCorpus() {
  const files = readdirSync(docs).filter((f) => f.endsWith('.md') && f !== 'cells.md').sort();
  const text = files.map((f) => readFileSync(new URL(f, docs), 'utf8')).join('\n');
  const chars = [...text];
  const vocab = [...new Set(chars)].sort();
  const idOf = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(chars, (c) => idOf.get(c));
  const split = Math.floor(ids.length * (1 - CHARLM.heldOut));
  return {
    files: files.map((f) => `docs/${f}`),
    characters: ids.length,
    sha256: createHash('sha256').update(text).digest('hex'),
    vocab,
    train: ids.subarray(0, split),
    heldOut: ids.subarray(split),
  };
}

/** Windows (time-major [T, B] ids and next-character targets) starting at the given offsets. */
function charBatch(ids, starts, T) {
  const B = starts.length;
  const input = new Int32Array(T * B), target = new Int32Array(T * B);
  starts.forEach((start, b) => {
    for (let t = 0; t < T; t++) {
      input[t * B + b] = ids[start + t];
      target[t * B + b] = ids[start + t + 1];
    }
  });
  return { input: { data: input, shape: [T, B] }, target: { data: target, shape: [T, B] } };
}

const windowStarts = (ids, T) => Array.from({ length: Math.floor((ids.length - 1) / T) }, (_, i) => i * T);

function shuffle(array, random) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

function runCharLm(corpus, cell, seed) {
  const { embedding: E, hidden: H, batch: B, window: T } = CHARLM;
  const V = corpus.vocab.length;
  const model = new Sequential([
    ['emb', new Embedding(V, E, { seed })],
    ['rnn', new CELLS[cell]({ inputSize: E, hiddenSize: H, seed })],
    ['head', new Linear(H, V, true, { seed })],
  ]);
  const optimizer = new Adam(model, { lr: CHARLM.lr });
  const random = makeRandom(seed);
  const heldOut = charBatch(corpus.heldOut, windowStarts(corpus.heldOut, T), T);
  const losses = [], epochs = [];
  for (let epoch = 0; epoch < CHARLM.epochs; epoch++) {
    const starts = shuffle(windowStarts(corpus.train, T), random);
    const steps = Math.min(Math.floor(starts.length / B), CHARLM.maxStepsPerEpoch);
    const batches = Array.from({ length: steps }, (_, s) => charBatch(corpus.train, starts.slice(s * B, (s + 1) * B), T));
    const start = performance.now();
    const result = fit(model, batches, { loss: 'crossEntropy', optimizer, clipNorm: CHARLM.clipNorm });
    const seconds = (performance.now() - start) / 1000;
    losses.push(...result.losses);
    const logits = model.forward(heldOut.input);
    const heldOutLoss = crossEntropy(
      { data: logits.data, shape: [heldOut.target.data.length, V] },
      { data: heldOut.target.data, shape: [heldOut.target.data.length] },
    ).loss;
    epochs.push({ epoch: epoch + 1, steps: losses.length, seconds, charsPerSecond: result.samplesPerSecond, heldOutLoss });
    log(`charlm ${cell} seed ${seed} epoch ${epoch + 1}: held-out loss ${heldOutLoss.toFixed(3)}, ${seconds.toFixed(2)} s, ${Math.round(result.samplesPerSecond)} chars/s`);
  }
  const parameters = parameterCount(model);
  optimizer.dispose();
  model.dispose();
  return { cell, seed, parameters, losses, epochs };
}

// ---------------------------------------------------------------------------------------------
// SVG line charts, written by hand: axes, ticks, labelled polylines, a legend

const escapeXml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(min, max, count) {
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * series: { label, color, points: [[x, y]...], width, dash, opacity, markers }. A series without
 * a label is drawn but left out of the legend (the per-seed curves). logY draws y on log10.
 */
function lineChart({ title, xLabel, yLabel, series, logY = false, yRange, legend, legendAt = 'top-right' }) {
  const width = 760, height = 440;
  const pad = { left: 70, right: 20, top: 40, bottom: 55 };
  const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
  const all = series.flatMap((s) => s.points);
  const xMin = 0, xMax = Math.max(...all.map((p) => p[0]));
  const fy = logY ? Math.log10 : (v) => v;
  let [yMin, yMax] = yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  yMin = fy(yMin);
  yMax = fy(yMax);
  const sx = (x) => pad.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y) => pad.top + (1 - (Math.min(Math.max(fy(y), yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  // grid and ticks
  for (const x of niceTicks(xMin, xMax, 8)) {
    out.push(`<line x1="${sx(x).toFixed(1)}" y1="${pad.top}" x2="${sx(x).toFixed(1)}" y2="${pad.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${sx(x).toFixed(1)}" y="${pad.top + plotH + 17}" text-anchor="middle">${x}</text>`);
  }
  const yTicks = logY
    ? Array.from({ length: Math.floor(yMax) - Math.ceil(yMin) + 1 }, (_, i) => Number((10 ** (Math.ceil(yMin) + i)).toPrecision(1)))
    : niceTicks(yMin, yMax, 6);
  for (const y of yTicks) {
    out.push(`<line x1="${pad.left}" y1="${sy(y).toFixed(1)}" x2="${pad.left + plotW}" y2="${sy(y).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${pad.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${y}</text>`);
  }
  out.push(`<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${pad.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  // curves
  for (const s of series) {
    const d = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}" stroke-opacity="${s.opacity ?? 1}"${dash}/>`);
    if (s.markers) for (const [x, y] of s.points) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  // legend
  const entries = legend ?? series.filter((s) => s.label);
  entries.forEach((s, i) => {
    const y = legendAt === 'top-right' ? pad.top + 16 + i * 18 : pad.top + plotH - 10 - (entries.length - 1 - i) * 18;
    const x = legendAt === 'top-right' ? pad.left + plotW - 230 : pad.left + 12;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${s.color}" stroke-width="${s.width ?? 2}"${dash}/>`);
    out.push(`<text x="${x + 30}" y="${y}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Every `every` steps, the mean loss of the (up to) `span` steps before it. */
function smooth(losses, span, every) {
  const points = [];
  for (let end = every; end <= losses.length; end += every) {
    const from = Math.max(0, end - span);
    let sum = 0;
    for (let i = from; i < end; i++) sum += losses[i];
    points.push([end, sum / (end - from)]);
  }
  return points;
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// ---------------------------------------------------------------------------------------------

const log = (line) => console.log(line);
const info = await ready({ training: true });
const loadBefore = os.loadavg();
const started = performance.now();
const corpus = loadCorpus();
log(`wasm-rnn ${info.build} training build, Node ${process.version}, ${os.cpus()[0].model}; seeds ${seeds.join(', ')}${quick ? ' (quick)' : ''}`);
log(`charlm corpus: ${corpus.files.length} files, ${corpus.characters} characters, vocab ${corpus.vocab.length}`);

const adding = [], charlm = [];
for (const seed of seeds) for (const cell of Object.keys(CELLS)) adding.push(runAdding(cell, seed, cell === 'RNN' ? ADDING.rnnEpochs : ADDING.epochs));
for (const seed of seeds) for (const cell of Object.keys(CELLS)) charlm.push(runCharLm(corpus, cell, seed));

// the comparison: every cell after the same number of epochs
const firstEpochs = (run, count, stepsPerEpoch) => ({ ...run, losses: run.losses.slice(0, count * stepsPerEpoch), epochs: run.epochs.slice(0, count) });
const addingCompared = adding.map((r) => firstEpochs(r, ADDING.epochs, ADDING.stepsPerEpoch));
const rnnLong = adding.filter((r) => r.cell === 'RNN');

const summarize = (runs, finalKey, cells = Object.keys(CELLS)) => cells.map((cell) => {
  const mine = runs.filter((r) => r.cell === cell);
  const finals = mine.map((r) => r.epochs[r.epochs.length - 1][finalKey]);
  return {
    cell,
    parameters: mine[0].parameters,
    [`final_${finalKey}`]: finals,
    [`mean_final_${finalKey}`]: mean(finals),
    meanSecondsPerEpoch: mean(mine.flatMap((r) => r.epochs.map((e) => e.seconds))),
    meanMsPerStep: 1000 * mean(mine.flatMap((r) => r.epochs.map((e) => e.seconds))) * mine[0].epochs.length / mine[0].losses.length,
  };
});

const gitCommit = (() => {
  try { return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(); } catch { return null; }
})();
const report = {
  generatedBy: 'tools/compare-cells.mjs',
  date: new Date().toISOString(),
  commit: gitCommit,
  machine: {
    cpu: os.cpus()[0].model,
    cores: os.cpus().length,
    node: process.version,
    build: info.build,
    loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))),
    loadAverageAfter: os.loadavg().map((v) => Number(v.toFixed(2))),
    totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  },
  seeds,
  optimizer: 'Adam (PyTorch defaults: betas 0.9, 0.999, eps 1e-8) with clipGradNorm to 1',
  adding: {
    config: { ...ADDING, model: 'cell(2, hidden) -> LastStep -> Linear(hidden, 1)', loss: 'MSE', baselineMse: 1 / 6 },
    summary: summarize(addingCompared, 'testMse'),
    rnnLongSummary: { epochs: ADDING.rnnEpochs, ...summarize(rnnLong, 'testMse', ['RNN'])[0] },
    // the training losses as means of 10 steps (the per-step values are noise around them)
    runs: adding.map(({ losses, ...run }) => ({ ...run, lossesMeanOf10: smooth(losses, 10, 10).map((p) => p[1]) })),
  },
  charlm: {
    config: { ...CHARLM, maxStepsPerEpoch: undefined, model: 'Embedding(V, embedding) -> cell(embedding, hidden) -> Linear(hidden, V)', loss: 'cross-entropy (nats per character)' },
    corpus: { files: corpus.files, characters: corpus.characters, sha256: corpus.sha256, vocab: corpus.vocab.length, trainCharacters: corpus.train.length, heldOutCharacters: corpus.heldOut.length, uniformLoss: Math.log(corpus.vocab.length) },
    summary: summarize(charlm, 'heldOutLoss'),
    runs: charlm,
  },
};
for (const [task, key] of [['adding', 'testMse'], ['charlm', 'heldOutLoss']]) {
  for (const s of [...report[task].summary, ...(task === 'adding' ? [report.adding.rnnLongSummary] : [])]) {
    log(`${task} ${s.cell}${s.epochs ? ` after ${s.epochs} epochs` : ""}: ${s.parameters} parameters, final ${key} ${s[`final_${key}`].map((v) => v.toFixed(4)).join(' / ')}, ${s.meanSecondsPerEpoch.toFixed(2)} s/epoch, ${s.meanMsPerStep.toFixed(1)} ms/step`);
  }
}
log(`total ${report.machine.totalSeconds} s`);

{
  const outDir = quick ? new URL(`file://${os.tmpdir()}/`) : docs;
  writeFileSync(new URL('cells-comparison.json', outDir), JSON.stringify(report, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v), 1) + '\n');

  const seedSeries = (runs, span, every) => runs.map((r) => ({ color: COLORS[r.cell], opacity: 0.75, width: 1.3, points: smooth(r.losses, span, every) }));
  const legendOf = (extra = []) => [...Object.keys(CELLS).map((cell) => ({ label: `${cell} (training, ${seeds.length === 1 ? 'seed' : `${seeds.length} seeds`})`, color: COLORS[cell] })), ...extra];

  const meanLine = (steps) => ({ color: '#777', dash: '6 4', width: 1, points: [[0, 1 / 6], [steps, 1 / 6]] });
  const meanLegend = { label: 'predict the mean (MSE 1/6)', color: '#777', dash: '6 4', width: 1 };
  writeFileSync(new URL('cells-adding.svg', outDir), lineChart({
    title: `Adding problem, T = ${ADDING.length}: training MSE (mean of 50 steps), hidden ${ADDING.hidden}`,
    xLabel: `step (batch ${ADDING.batch}, Adam lr ${ADDING.lr})`,
    yLabel: 'MSE (log scale)',
    logY: true,
    yRange: [1e-4, 1],
    series: [...seedSeries(addingCompared, 50, 10), meanLine(addingCompared[0].losses.length)],
    legend: legendOf([meanLegend]),
    legendAt: 'bottom-left',
  }));

  // the RNN given four times as many steps; one marked value known and the other guessed as 0.5
  // would score the variance of one uniform value, 1/12
  const longSteps = rnnLong[0].losses.length;
  const oneValueLine = { color: '#bbb', dash: '2 2', width: 1, points: [[0, 1 / 12], [longSteps, 1 / 12]] };
  writeFileSync(new URL('cells-adding-rnn-long.svg', outDir), lineChart({
    title: `Adding problem, T = ${ADDING.length}: the RNN for ${longSteps} steps (mean of 200 steps)`,
    xLabel: `step (batch ${ADDING.batch}, Adam lr ${ADDING.lr}); LSTM and GRU stop at ${addingCompared[0].losses.length}`,
    yLabel: 'training MSE (log scale)',
    logY: true,
    yRange: [1e-4, 1],
    series: [...seedSeries(addingCompared.filter((r) => r.cell !== 'RNN'), 200, 50), ...seedSeries(rnnLong, 200, 50), meanLine(longSteps), oneValueLine],
    legend: legendOf([meanLegend, { label: 'one of the two values known (1/12)', color: '#bbb', dash: '2 2', width: 1 }]),
    legendAt: 'bottom-left',
  }));

  const heldOutSeries = charlm.map((r) => ({ color: COLORS[r.cell], dash: '2 3', width: 1, markers: true, points: r.epochs.map((e) => [e.steps, e.heldOutLoss]) }));
  writeFileSync(new URL('cells-charlm.svg', outDir), lineChart({
    title: `Character LM on docs/*.md: cross-entropy, hidden ${CHARLM.hidden}`,
    xLabel: `step (batch ${CHARLM.batch} x ${CHARLM.window} characters, Adam lr ${CHARLM.lr})`,
    yLabel: 'loss (nats per character)',
    yRange: [1, Math.ceil(Math.log(corpus.vocab.length))],
    series: [...seedSeries(charlm, 10, 5), ...heldOutSeries],
    legend: legendOf([{ label: 'held-out loss after each epoch', color: '#333', dash: '2 3', width: 1 }]),
  }));
  log(`wrote cells-comparison.json, cells-adding.svg, cells-adding-rnn-long.svg, cells-charlm.svg to ${outDir.pathname}`);
}
