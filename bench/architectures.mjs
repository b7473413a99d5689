// The conv + recurrent architectures of test/fixtures/onnx/torch-arch (exported from PyTorch by
// tools/gen_onnx_torch_architectures.py: an OCR CRNN, DeepSpeech2, keyword spotting with
// attention, a packed LSTM, Tacotron's CBHG, a transformer + LSTM, a GLU / depthwise conv + LSTM,
// a bidirectional ReLU RNN, a dilated TCN + GRU, an attention decoder) on wasm-rnn's loadOnnx
// against onnxruntime-web (wasm, 1 thread) in the same process, rounds interleaved, wall clock,
// on each Node of benchNodes(): the models as an application that loads one of them runs it, on
// their first data set (opset 17), each timed alone after warm-up.
//   node bench/architectures.mjs [--rounds 200] [--node 20|24] [--no-build]
//   node bench/run.mjs --only architectures [same options]
// Writes bench/results/<date>-architectures.json and bench/.cache/architectures.md (BENCHMARKS.md with --write-md).
import { readFileSync, readdirSync } from 'node:fs';
import { opt, rel } from './lib/cli.mjs';
import { runOnBenchNodes, timeAlternating } from './lib/onnx-vs-web.mjs';
import { writeResults } from './lib/results.mjs';
import { cpuInfo } from './vad-engines.mjs';

const DIR = rel('test/fixtures/onnx/torch-arch/');

if (process.argv.includes('--child')) {
  const rounds = Number(opt('rounds', 200));
  const ort = await import(rel('node_modules/onnxruntime-web/dist/ort.node.min.mjs'));
  ort.env.wasm.numThreads = 1;
  const { ready, loadOnnx, readTensorProto } = await import(rel('dist/src/index.js'));
  await ready();
  const rows = [];
  for (const name of readdirSync(DIR).filter((d) => d.endsWith('_op17')).sort()) {
    const bytes = new Uint8Array(readFileSync(`${DIR}${name}/model.onnx`));
    const set = `${DIR}${name}/test_data_set_0/`;
    const inputs = readdirSync(set).filter((f) => f.startsWith('input_')).sort().map((f) => readTensorProto(readFileSync(set + f)));
    const ours = loadOnnx(bytes);
    const theirs = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const feeds = Object.fromEntries(inputs.map((t) => [t.name, { data: t.data, shape: t.shape }]));
    const webFeeds = Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor(t.data instanceof BigInt64Array ? 'int64' : 'float32', t.data, t.shape)]));
    const t = await timeAlternating(ours, theirs, feeds, webFeeds, rounds);
    rows.push({ model: name.replace(/_op17$/, ''), shapes: inputs.map((t) => `[${t.shape.join(', ')}]`).join(' '), 'wasm-rnn': t.ours * 1000, 'onnxruntime-web': t.theirs * 1000 });
    ours.dispose();
    await theirs.release();
  }
  console.log(JSON.stringify(rows));
  process.exit(0);
}

const cpu = cpuInfo();
const runs = runOnBenchNodes('bench/architectures.mjs');
const version = JSON.parse(readFileSync(rel('node_modules/onnxruntime-web/package.json'), 'utf8')).version;
let md = `Exported conv + recurrent architectures (test/fixtures/onnx/torch-arch, opset 17, first data set), us per run (median of interleaved rounds, wall clock); ${cpu.modelName} (${cpu.vendor}, family ${cpu.family}), onnxruntime-web ${version} (wasm, 1 thread)\n\n`;
md += '| Node | model | inputs | wasm-rnn | onnxruntime-web | ratio |\n|---|---|---|---|---|---|\n';
for (const run of runs) {
  for (const row of run.rows) md += `| ${run.node} | ${row.model} | ${row.shapes} | ${row['wasm-rnn'].toFixed(0)} | ${row['onnxruntime-web'].toFixed(0)} | ${(row['onnxruntime-web'] / row['wasm-rnn']).toFixed(2)}x |\n`;
}
const date = new Date().toISOString().slice(0, 10);
writeResults({ date, cpu, onnxruntimeWeb: version, rounds: Number(opt('rounds', 200)), runs }, md, { outPath: `bench/results/${date}-architectures.json`, tablesPath: 'bench/.cache/architectures.md', marker: 'architectures' });
