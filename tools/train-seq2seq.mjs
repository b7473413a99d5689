// Trains the numbers encoder-decoder of examples/seq2seq.mjs with wasm-rnn's own training API
// and writes models/numbers.safetensors and models/numbers.card.json.
//
//   npm run build && node tools/train-seq2seq.mjs [--epochs 60] [--batch 32] [--hidden 64]
//                                                 [--embed 32] [--lr 0.003] [--seed 1]
//
// Task and model: examples/numbers-task.mjs. 15 % of 0-999 (a seeded split) are held out and
// never trained on; the card reports the exact-match accuracy on them after training.
// A step: encoder forward over the words (packed `lengths`), decoder forward with h0 = the
// encoder's final h and the target shifted right as input (teacher forcing), cross-entropy over
// the answer symbols (padding ignored), then backward through head, decoder, target embedding;
// the decoder's h0 gradient is the encoder's final-h gradient; then the source embedding.
// Gradients clipped to norm 1, Adam.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ready, crossEntropy, Adam, clipGradNorm, writeSafetensors } from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';
import {
  SOURCE_VOCAB, TARGET_VOCAB, BOS, METADATA_KEY, HELD_OUT_FRACTION, LAYER_NAMES, PREFIXES,
  numberToWords, sourceIds, splitNumbers, batchSources, targetIds, createModel, stateDictOf, parameterCount, exactMatch, disposeModel,
} from '../examples/numbers-task.mjs';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '60' },
    batch: { type: 'string', default: '32' },
    hidden: { type: 'string', default: '64' },
    embed: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.003' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'models/numbers' },
  },
});
const num = (name, integer = true) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${args[name]}`);
  return v;
};
const epochs = num('epochs'), B = num('batch'), hidden = num('hidden'), embed = num('embed'), lr = num('lr', false), seed = num('seed');

const info = await ready({ training: true });
const { train, heldOut } = splitNumbers(seed);
const model = createModel({ hidden, embed, seed });
// one Trainable over the five layers, so that one Adam and one clipGradNorm see every parameter;
// its blocks carry the state-dict names ("decoder.gru.weight_ih_l0"), as a Sequential's do
const all = {
  parameters: () => LAYER_NAMES.flatMap((name) => model[name].parameters().map((p) => Object.create(p, { name: { value: PREFIXES[name] + p.name } }))),
  parametersChanged: () => LAYER_NAMES.forEach((name) => model[name].parametersChanged()),
  zeroGrad: () => LAYER_NAMES.forEach((name) => model[name].zeroGrad()),
};
const optimizer = new Adam(all, { lr });
console.log(`wasm-rnn ${info.build} training build | ${train.length} training numbers, ${heldOut.length} held out (seed ${seed})`);
console.log(`Embedding(${SOURCE_VOCAB.length}, ${embed}) -> GRU(${embed}, ${hidden}) => GRU(${embed}, ${hidden}) -> Linear(${hidden}, ${TARGET_VOCAB.length}), ${parameterCount(model).toLocaleString('en-US')} parameters; Adam lr ${lr}, batch ${B}, clip norm 1\n`);

/** One teacher-forced training step on a batch of numbers; returns the mean cross-entropy per answer symbol. */
function trainStep(numbers) {
  const n = numbers.length;
  const { ids, lengths } = batchSources(numbers.map((x) => sourceIds(numberToWords(x))));
  const answers = numbers.map(targetIds);
  const T = Math.max(...answers.map((a) => a.length));
  const decoderInput = new Int32Array(T * n).fill(BOS), target = new Int32Array(T * n).fill(-100);
  answers.forEach((a, b) => a.forEach((id, t) => {
    target[t * n + b] = id;
    if (t + 1 < T) decoderInput[(t + 1) * n + b] = id; // padded positions read some symbol; their targets are ignored
  }));

  all.zeroGrad();
  const encoded = model.encoder.forward(model.sourceEmbedding.forward(ids, { train: true }), { lengths, train: true });
  const decoded = model.decoder.forward(model.targetEmbedding.forward({ data: decoderInput, shape: [T, n] }, { train: true }), { h0: encoded.h, train: true });
  const logits = model.head.forward({ data: decoded.output.data, shape: [T * n, hidden] }, { train: true });
  const { loss, grad } = crossEntropy(logits, { data: target, shape: [T * n] }, { ignoreIndex: -100 });

  const dDecoded = model.head.backward(grad);
  const dDecoder = model.decoder.backward({ output: { data: dDecoded.data, shape: [T, n, hidden] } });
  model.targetEmbedding.backward(dDecoder.x);
  const dEncoder = model.encoder.backward({ h: dDecoder.h0 });
  model.sourceEmbedding.backward(dEncoder.x);
  clipGradNorm(all, 1);
  optimizer.step();
  return loss;
}

const shuffle = new Rng(seed + 100);
const order = train.slice();
const t0 = performance.now();
let steps = 0;
let evaluationMs = 0; // the progress lines' accuracy passes, left out of the training time
for (let epoch = 0; epoch < epochs; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let lossSum = 0, batches = 0;
  for (let start = 0; start < order.length; start += B) {
    lossSum += trainStep(order.slice(start, start + B));
    batches++;
    steps++;
  }
  if ((epoch + 1) % Math.max(1, Math.round(epochs / 12)) === 0 || epoch === 0 || epoch === epochs - 1) {
    // progress on the training numbers only: the held-out ones are measured once, at the end
    const e0 = performance.now();
    const trainAccuracy = exactMatch(model, train);
    evaluationMs += performance.now() - e0;
    console.log(`epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}  step ${steps}  loss ${(lossSum / batches).toFixed(4)}  train exact match ${(100 * trainAccuracy).toFixed(1)}%  ${((performance.now() - t0 - evaluationMs) / 1000).toFixed(1)} s`);
  }
}
const trainSeconds = (performance.now() - t0 - evaluationMs) / 1000;
const trainAccuracy = exactMatch(model, train);
const heldOutAccuracy = exactMatch(model, heldOut);
console.log(`\ntrained ${steps} steps in ${trainSeconds.toFixed(1)} s; exact match: training ${(100 * trainAccuracy).toFixed(1)}%, held out ${(100 * heldOutAccuracy).toFixed(1)}% (${Math.round(heldOutAccuracy * heldOut.length)}/${heldOut.length})`);

const config = { hidden, embed, sourceVocab: SOURCE_VOCAB, targetVocab: TARGET_VOCAB, splitSeed: seed };
const bytes = writeSafetensors(stateDictOf(model), { [METADATA_KEY]: JSON.stringify(config) });
writeFileSync(`${args.out}.safetensors`, bytes);
const card = {
  task: 'spelled-out English numbers 0-999 to digits ("three hundred forty two" -> "342")',
  architecture: `Embedding(${SOURCE_VOCAB.length}, ${embed}) -> GRU(${embed}, ${hidden}) encoder; its final h is the initial h of Embedding(${TARGET_VOCAB.length}, ${embed}) -> GRU(${embed}, ${hidden}) -> Linear(${hidden}, ${TARGET_VOCAB.length}) decoder; teacher forcing in training, greedy decoding`,
  source_vocab: SOURCE_VOCAB,
  target_vocab: TARGET_VOCAB,
  hidden_size: hidden,
  embedding_size: embed,
  params: parameterCount(model),
  bytes: bytes.length,
  split: { seed, held_out_fraction: HELD_OUT_FRACTION, train: train.length, held_out: heldOut.length },
  training: { epochs, steps, batch: B, optimizer: 'Adam', lr, clip_norm: 1, loss: 'cross-entropy per answer symbol', weight_seed: seed, shuffle_seed: seed + 100 },
  train_exact_match: Number(trainAccuracy.toFixed(4)),
  held_out_exact_match: Number(heldOutAccuracy.toFixed(4)),
  train_seconds: Number(trainSeconds.toFixed(1)),
  trained_with: `wasm-rnn ${info.build} training build, one thread`,
  cpu: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores, shared with other work)`,
  node: process.version,
};
writeFileSync(`${args.out}.card.json`, `${JSON.stringify(card, null, 1)}\n`);
console.log(`wrote ${args.out}.safetensors (${bytes.length.toLocaleString('en-US')} bytes) and ${args.out}.card.json`);
optimizer.dispose();
disposeModel(model);
