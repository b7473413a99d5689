// The training workload of issue 16 ("Fast"): a character-level language model
// Embedding(65, 32) -> LSTM(32, 256) -> Linear(256, 65), batches of 32 windows of 64 characters
// (2,048 predicted characters a step), cross-entropy, Adam. Every engine of bench/train-suite.mjs
// and bench/train_torch.py starts from the same initial weights and trains on the same batches,
// written here once to bench/.cache/train/ (raw little-endian files plus an index) so that the
// Python reference reads exactly the floats the JS engines load.
import fs from 'node:fs';
import { rel } from './lib/cli.mjs';
import { rng } from './lib/models.mjs'; // mulberry32

export const WORKLOAD = {
  vocab: 65, embed: 32, hidden: 256, batch: 32, seqLen: 64,
  lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, // Adam, PyTorch's defaults but lr
  batches: 4, // distinct batches, used in turn
  seed: 16,
};
export const CHARS_PER_STEP = WORKLOAD.batch * WORKLOAD.seqLen;
export const DATA_DIR = 'bench/.cache/train';

/**
 * The initial weights in PyTorch's layout and names, drawn like PyTorch's default init (embedding
 * N(0, 1), LSTM and Linear U(-1/sqrt(fan), 1/sqrt(fan))), and the batches: token windows
 * [batches, batch, seqLen + 1] of a text-like stream (a fixed random walk over a 65-symbol
 * alphabet with a Zipf-like preference, so the loss has something to learn).
 */
export function makeWorkload(w = WORKLOAD) {
  const r = rng(w.seed);
  const uniform = (n, bound) => Float32Array.from({ length: n }, () => (2 * r() - 1) * bound);
  const normal = (n) => Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
  const kH = 1 / Math.sqrt(w.hidden);
  const weights = {
    'emb.weight': { shape: [w.vocab, w.embed], data: normal(w.vocab * w.embed) },
    'lstm.weight_ih_l0': { shape: [4 * w.hidden, w.embed], data: uniform(4 * w.hidden * w.embed, kH) },
    'lstm.weight_hh_l0': { shape: [4 * w.hidden, w.hidden], data: uniform(4 * w.hidden * w.hidden, kH) },
    'lstm.bias_ih_l0': { shape: [4 * w.hidden], data: uniform(4 * w.hidden, kH) },
    'lstm.bias_hh_l0': { shape: [4 * w.hidden], data: uniform(4 * w.hidden, kH) },
    'head.weight': { shape: [w.vocab, w.hidden], data: uniform(w.vocab * w.hidden, kH) },
    'head.bias': { shape: [w.vocab], data: uniform(w.vocab, kH) },
  };
  const windows = new Int32Array(w.batches * w.batch * (w.seqLen + 1));
  let prev = 0;
  for (let i = 0; i < windows.length; i++) {
    // next symbol: often close to the previous one, small ids more likely
    prev = r() < 0.5 ? (prev + 1 + Math.floor(r() * 3)) % w.vocab : Math.floor(w.vocab * r() ** 2);
    windows[i] = prev;
  }
  return { weights, windows };
}

/** One batch as the engines take it: inputs and next-character targets, batch-major [B, T] and time-major [T, B]. */
export function batchOf(windows, k, w = WORKLOAD) {
  const { batch: B, seqLen: T } = w;
  const base = k * B * (T + 1);
  const inBT = new Int32Array(B * T), tgtBT = new Int32Array(B * T), inTB = new Int32Array(T * B), tgtTB = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const x = windows[base + b * (T + 1) + t], y = windows[base + b * (T + 1) + t + 1];
      inBT[b * T + t] = x; tgtBT[b * T + t] = y;
      inTB[t * B + b] = x; tgtTB[t * B + b] = y;
    }
  }
  return { inBT, tgtBT, inTB, tgtTB };
}

/** Writes the workload to bench/.cache/train/ (index.json, weights.f32, windows.i32) and returns it. */
export function writeWorkload(w = WORKLOAD) {
  const { weights, windows } = makeWorkload(w);
  fs.mkdirSync(rel(DATA_DIR), { recursive: true });
  const index = { workload: w, weights: [], windows: { file: 'windows.i32', shape: [w.batches, w.batch, w.seqLen + 1] } };
  const parts = [];
  let offset = 0;
  for (const [name, t] of Object.entries(weights)) {
    index.weights.push({ name, shape: t.shape, offset, length: t.data.length });
    parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    offset += t.data.length;
  }
  fs.writeFileSync(rel(`${DATA_DIR}/weights.f32`), Buffer.concat(parts));
  fs.writeFileSync(rel(`${DATA_DIR}/windows.i32`), Buffer.from(windows.buffer));
  fs.writeFileSync(rel(`${DATA_DIR}/index.json`), JSON.stringify(index, null, 1));
  return { weights, windows };
}

/** Reads what writeWorkload wrote. */
export function readWorkload() {
  const index = JSON.parse(fs.readFileSync(rel(`${DATA_DIR}/index.json`), 'utf8'));
  const f32 = fs.readFileSync(rel(`${DATA_DIR}/weights.f32`));
  const all = new Float32Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength));
  const weights = {};
  for (const e of index.weights) weights[e.name] = { shape: e.shape, data: all.slice(e.offset, e.offset + e.length) };
  const i32 = fs.readFileSync(rel(`${DATA_DIR}/windows.i32`));
  const windows = new Int32Array(i32.buffer.slice(i32.byteOffset, i32.byteOffset + i32.byteLength));
  return { workload: index.workload, weights, windows };
}
