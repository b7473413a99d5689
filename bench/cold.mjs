// Cold start in a fresh process: from the first import of the library to the first W1 result
// (import, wasm compile + instantiate, layer construction, loading W1's weights, one forward).
// The weights/model bytes are made before the clock starts. Prints one JSON line.
// --from-state-dict builds the layer with LSTM.fromStateDict (one phase) instead of
// `new LSTM(...)` + loadStateDict (the seeded random init that the load then replaces).
// --core imports 'wasm-rnn/core' (bench/.cache/lib/wasm-rnn-core.mjs: the layers without the
// importers) instead of the whole library.
//   node bench/cold.mjs wasm-rnn [build] [--from-state-dict] [--core] | onnxruntime-web
import { WORKLOADS, makeData, stateDict, onnxRecurrent } from './lib/models.mjs';

const fromStateDict = process.argv.includes('--from-state-dict');
const [peer, build] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const wl = WORKLOADS.W1;
const data = makeData(wl);
const model = peer === 'onnxruntime-web' ? onnxRecurrent(wl, data) : null;
const bootMs = performance.now(); // process start -> here (node bootstrap + this module)
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let y;
const phases = {};
let tp = t0;
const phase = (name) => { const t = performance.now(); phases[name] = t - tp; tp = t; };
if (peer === 'wasm-rnn') {
  const lib = await (process.argv.includes('--core') ? import('./.cache/lib/wasm-rnn-core.mjs') : import('./.cache/lib/wasm-rnn.mjs'));
  phase('import');
  await lib.ready(build ? { build } : undefined);
  phase('ready');
  let lstm;
  if (fromStateDict) {
    lstm = lib.LSTM.fromStateDict(stateDict(data.layers, wl.H, 'lstm'), { inputSize: wl.I, hiddenSize: wl.H });
    phase('fromStateDict');
  } else {
    lstm = new lib.LSTM({ inputSize: wl.I, hiddenSize: wl.H, seed: 1 });
    phase('construct');
    lstm.loadStateDict(stateDict(data.layers, wl.H, 'lstm'));
    phase('loadStateDict');
  }
  y = lstm.forward({ data: data.x, shape: [wl.T, wl.B, wl.I] }).output.data;
  phase('forward');
  y = lstm.forward({ data: data.x, shape: [wl.T, wl.B, wl.I] }).output.data;
  phase('second forward (not counted)');
} else {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  phase('import');
  const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  phase('session');
  y = (await s.run({ X: new ort.Tensor('float32', data.x, [wl.T, wl.B, wl.I]) })).Y.data;
  phase('run');
}
const ms = Object.entries(phases).filter(([k]) => !k.includes('not counted')).reduce((a, [, v]) => a + v, 0);
const cu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ peer, build: build ?? 'auto', fromStateDict, core: process.argv.includes('--core'), ms, cpuMs: (cu.user + cu.system) / 1e3, phases, bootMs, total: performance.now(), check: y[y.length - 1] }));
process.exit(0);
