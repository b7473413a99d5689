// What int8 weights cost the demo models (docs/quantization.md, "Accuracy"): each model of
// models/ run as trained (float32) and after quantize(model, { weights: 'int8' }), on the same data:
//   chars     perplexity and next-character accuracy on every 20th word of Debian's word list
//             (/usr/share/dict/american-english, `apt-get install wamerican`; the model's data)
//   forecast  one-step predictions over the test window and a 50-step closed-loop forecast
//             (test/fixtures/models/forecast.safetensors), compared with the float32 model's
//   waveforms classes of the 16 test signals, spirals classes of the 64 test points
//   numbers   held-out exact match of the seq2seq model (examples/numbers-task.mjs's split)
//   npm run build && node tools/quantization-accuracy.mjs
import { existsSync, readFileSync } from 'node:fs';
import { ready, quantize, readSafetensors, readSafetensorsMetadata } from '../dist/src/index.js';
import { loadModel } from '../dist/src/model/index.js';
import { METADATA_KEY, splitNumbers, loadModelFrom, exactMatch, disposeModel } from '../examples/numbers-task.mjs';

const info = await ready();
const root = new URL('../', import.meta.url);
const modelBytes = (name) => readFileSync(new URL(`models/${name}.safetensors`, root));
const fixture = (name) => readSafetensors(readFileSync(new URL(`test/fixtures/models/${name}.safetensors`, root)));
const both = (name) => {
  const { model, config } = loadModel(modelBytes(name));
  return { f32: model, int8: quantize(model, { weights: 'int8' }), config };
};
const argmaxRows = (p, n) => Array.from({ length: p.length / n }, (_, r) => {
  let best = 0;
  for (let i = 1; i < n; i++) if (p[r * n + i] > p[r * n + best]) best = i;
  return best;
});
const rows = [];
console.log(`wasm-rnn ${info.build} build, Node ${process.versions.node}`);

// ---- chars: perplexity over every 20th word
{
  const WORDS = '/usr/share/dict/american-english';
  if (!existsSync(WORDS)) {
    rows.push(['chars', 'perplexity (word list missing: apt-get install wamerican)', '-', '-']);
  } else {
    const { f32, int8, config } = both('chars');
    const vocab = config.vocab;
    const words = [...new Set(readFileSync(WORDS, 'utf8').split('\n').filter((w) => /^[a-z]+$/.test(w)))].sort().filter((_, i) => i % 20 === 0);
    const measure = (model) => {
      let nll = 0;
      let n = 0;
      let right = 0;
      for (const w of words) {
        const ids = Int32Array.from(['\n', ...w, '\n'], (c) => vocab.indexOf(c));
        const logits = model.forward({ data: ids.subarray(0, ids.length - 1), shape: [1, ids.length - 1] }).data;
        const V = vocab.length;
        for (let t = 0; t < ids.length - 1; t++) {
          const row = logits.subarray(t * V, (t + 1) * V);
          let max = -Infinity;
          for (const v of row) max = Math.max(max, v);
          let sum = 0;
          for (const v of row) sum += Math.exp(v - max);
          nll -= row[ids[t + 1]] - max - Math.log(sum);
          n++;
          if (argmaxRows(row, V)[0] === ids[t + 1]) right++;
        }
      }
      return { ppl: Math.exp(nll / n), acc: right / n };
    };
    const a = measure(f32);
    const b = measure(int8);
    rows.push(['chars', `perplexity over ${words.length} words`, a.ppl.toFixed(4), b.ppl.toFixed(4)]);
    rows.push(['chars', 'next-character accuracy', (100 * a.acc).toFixed(2) + ' %', (100 * b.acc).toFixed(2) + ' %']);
  }
}

// ---- forecast
{
  const { f32, int8 } = both('forecast');
  const ref = fixture('forecast');
  const yf = f32.forward(ref['window.x']).data;
  const yq = int8.forward(ref['window.x']).data;
  const rms = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
  rows.push(['forecast', 'one-step predictions: RMS change from float32 (series std 0.237, model test RMSE 0.0133)', '0', rms(yq, yf).toExponential(2)]);
  const closed = (model) => {
    const s = model.createState();
    const frame = { data: new Float32Array(1), shape: [1, 1] };
    let out = new Float32Array(1);
    for (const v of ref['closed.warmup'].data) {
      frame.data[0] = v;
      out = model.step(frame, s).data;
    }
    const got = [];
    for (let h = 0; h < 50; h++) {
      got.push(out[0]);
      frame.data[0] = out[0];
      out = model.step(frame, s).data;
    }
    return got;
  };
  rows.push(['forecast', '50-step closed-loop forecast: RMS change from float32', '0', rms(closed(int8), closed(f32)).toExponential(2)]);
}

// ---- classifiers
for (const [name, input, n] of [['waveforms', (r) => r.x, 4], ['spirals', (r) => ({ data: r.points.data, shape: [1, 64, 2] }), 3]]) {
  const { f32, int8 } = both(name);
  const ref = fixture(name);
  const pf = argmaxRows(f32.forward(input(ref)).data, n);
  const pq = argmaxRows(int8.forward(input(ref)).data, n);
  const agree = pf.filter((c, i) => c === pq[i]).length;
  rows.push([name, `classes of the ${pf.length} test inputs: the same as float32`, `${pf.length} / ${pf.length}`, `${agree} / ${pf.length}`]);
}

// ---- numbers (seq2seq)
{
  const bytes = modelBytes('numbers');
  const config = JSON.parse(readSafetensorsMetadata(bytes)[METADATA_KEY]);
  const f32 = loadModelFrom(readSafetensors(bytes), config);
  const int8 = { ...f32 };
  for (const name of ['encoder', 'decoder', 'head']) int8[name] = quantize(f32[name], { weights: 'int8' });
  const { heldOut } = splitNumbers(config.splitSeed);
  rows.push(['numbers', `held-out exact match (${heldOut.length} numbers)`, (100 * exactMatch(f32, heldOut)).toFixed(1) + ' %', (100 * exactMatch(int8, heldOut)).toFixed(1) + ' %']);
  disposeModel(f32);
  for (const name of ['encoder', 'decoder', 'head']) int8[name].dispose();
}

console.log('\n| model | measure | float32 | int8 |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
