// The training side of the web demo's "Train in the browser" panel (web/train-panel.js), in a
// module Worker. The worker has its own copy of the library and so its own wasm runtime: the
// training build that ready({ training: true }) loads here never replaces the inference runtime
// the page's other panels made their models on, and the steps never block the page.
//
// Model: Embedding(vocab, 32) -> LSTM(32, 128) -> Linear(128, vocab) over the distinct characters
// of the text (examples/train.mjs's char model, smaller so that a step takes milliseconds). Each
// step trains on BATCH windows of SEQ characters at seeded random places (next-character targets,
// crossEntropy, backward, clipGradNorm to 1, Adam). Every SAMPLE_EVERY steps generate() writes a
// sample with the same sampling seed each time, so the samples differ only because the model did.
//
// Messages in:  { type: 'train', text, seed }  (same text as the current model: continue; else a
//               new model), { type: 'stop' }.
// Messages out: { type: 'started', fresh, build, vocabSize, chars, config }, { type: 'progress',
//               losses: [[step, loss], ...], charsPerSecond }, { type: 'sample', step, text },
//               { type: 'stopped', reason }, { type: 'error', message }.
//
// Import maps do not reach workers, so the library is imported by its served path (web/serve.mjs
// mounts dist/ at /dist/, next to this file at /).
import { ready, Sequential, Embedding, LSTM, Linear, Adam, crossEntropy, clipGradNorm, generate } from './dist/src/index.js';

const EMBED = 32;
const HIDDEN = 128;
const BATCH = 16;
const SEQ = 32;
const LR = 0.01;
const CLIP_NORM = 1;
const SAMPLE_EVERY = 25;
const SAMPLE_CHARS = 160;
const SAMPLE_TEMPERATURE = 0.8;
const MAX_STEPS = 3000; // then it stops by itself rather than keep a core busy forever
const MIN_CHARS = 8;
const CHUNK_MS = 50; // steps run back to back for about this long between progress messages

let session; // { text, chars, vocab, ids, model, optimizer, step, random, seq, trainMs, trainChars, seed }
let running = false;
let runtimeBuild;

function newSession(text, seed) {
  const chars = [...text]; // code points, one id each
  if (chars.length < MIN_CHARS) throw new Error(`paste at least ${MIN_CHARS} characters to train on (got ${chars.length})`);
  const vocab = [...new Set(chars)].sort();
  const idOf = new Map(vocab.map((c, i) => [c, i]));
  const model = new Sequential([
    ['emb', new Embedding(vocab.length, EMBED, { seed })],
    ['lstm', new LSTM({ inputSize: EMBED, hiddenSize: HIDDEN, seed })],
    ['head', new Linear(HIDDEN, vocab.length, true, { seed })],
  ]);
  let state = seed >>> 0 || 1; // the windows' generator, seeded so that a run repeats
  return {
    text,
    chars,
    vocab,
    ids: Int32Array.from(chars, (c) => idOf.get(c)),
    model,
    optimizer: new Adam(model, { lr: LR }),
    seq: Math.min(SEQ, chars.length - 1),
    step: 0,
    random: () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296,
    trainMs: 0,
    trainChars: 0,
    seed,
  };
}

function dispose(s) {
  s?.optimizer.dispose();
  s?.model.dispose();
}

/** One optimizer step on BATCH random windows; returns the loss. */
function trainStep(s) {
  const T = s.seq, B = BATCH, V = s.vocab.length;
  // time-major [T, B], the layers' native layout: the input ids and the next character as target
  const input = new Int32Array(T * B), target = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const start = Math.floor(s.random() * (s.ids.length - T));
    for (let t = 0; t < T; t++) {
      input[t * B + b] = s.ids[start + t];
      target[t * B + b] = s.ids[start + t + 1];
    }
  }
  s.optimizer.zeroGrad();
  const logits = s.model.forward({ data: input, shape: [T, B] }, { train: true });
  // the loss sees [T * B, V] rows; backward wants the gradient in the forward output's shape
  const { loss, grad } = crossEntropy({ data: logits.data, shape: [T * B, V] }, { data: target, shape: [T * B] });
  s.model.backward({ data: grad.data, shape: logits.shape });
  clipGradNorm(s.model, CLIP_NORM);
  s.optimizer.step();
  return loss;
}

function postSample(s) {
  const prompt = s.chars[0];
  const { text } = generate(s.model, { prompt, vocab: s.vocab, maxTokens: SAMPLE_CHARS, temperature: SAMPLE_TEMPERATURE, seed: s.seed });
  postMessage({ type: 'sample', step: s.step, text: prompt + text });
}

const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

async function run(s) {
  running = true;
  if (s.step === 0) postSample(s); // the untrained model's gibberish, to compare with
  while (running && session === s && s.step < MAX_STEPS) {
    const losses = [];
    const chunkStart = performance.now();
    do {
      const t0 = performance.now();
      const loss = trainStep(s);
      s.trainMs += performance.now() - t0;
      s.trainChars += s.seq * BATCH;
      s.step++;
      losses.push([s.step, loss]);
      if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at step ${s.step}`);
    } while (s.step % SAMPLE_EVERY !== 0 && s.step < MAX_STEPS && performance.now() - chunkStart < CHUNK_MS);
    postMessage({ type: 'progress', losses, charsPerSecond: (s.trainChars * 1000) / s.trainMs });
    if (s.step % SAMPLE_EVERY === 0) postSample(s);
    await yieldToMessages(); // a 'stop' or a new 'train' gets in here
  }
  if (session === s) {
    running = false;
    postMessage({ type: 'stopped', reason: s.step >= MAX_STEPS ? `reached ${MAX_STEPS} steps` : 'stopped' });
  }
}

async function train(text, seed) {
  runtimeBuild ??= (await ready({ training: true })).build;
  const fresh = !session || session.text !== text || session.seed !== seed;
  if (fresh) {
    running = false; // a loop on the old session ends at its next check
    dispose(session);
    session = undefined;
    session = newSession(text, seed);
  }
  const s = session;
  postMessage({
    type: 'started',
    fresh,
    build: runtimeBuild,
    vocabSize: s.vocab.length,
    chars: s.chars.length,
    config: { embed: EMBED, hidden: HIDDEN, batch: BATCH, seq: s.seq, lr: LR, clipNorm: CLIP_NORM, sampleEvery: SAMPLE_EVERY, maxSteps: MAX_STEPS },
  });
  if (!running) await run(s);
}

let queue = Promise.resolve(); // messages are handled one after another
self.onmessage = ({ data }) => {
  if (data.type === 'stop') {
    running = false;
    return;
  }
  if (data.type === 'train') {
    running = false; // a run in progress ends at its next check, then this one starts
    queue = queue
      .then(() => train(String(data.text), Number(data.seed) >>> 0 || 1))
      .catch((e) => {
        running = false;
        postMessage({ type: 'error', message: e && e.message ? e.message : String(e) });
      });
  }
};
