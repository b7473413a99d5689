// int8 weights against float32 and onnxruntime-web (issue 17, part 2): W1 (lstm-seq), W3
// (lstm-step) and W5 (charlm generation) from bench/lib/models.mjs, the same weights for every
// engine, wasm-rnn float32 and wasm-rnn int8 (quantize(model, { weights: 'int8' })) beside
// onnxruntime-web (float32, wasm, 1 thread). Engines interleaved in rounds, wall clock, medians of
// the per-round ratios. Also reports how far int8's outputs are from float32's.
//   node [--experimental-wasm-relaxed-simd] bench/int8.mjs [--rounds 9] [--build relaxed|simd] [--no-build]
// (run `node tools/install-peers.mjs bench` once first; it bundles the library like bench/run.mjs)
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildWasm, bundleLibrary } from './lib/bundle.mjs';
import { WORKLOADS, makeData, stateDict, onnxRecurrent, onnxCharLM } from './lib/models.mjs';
import { ortPeer } from './lib/peers.mjs';
import { median } from './lib/timing.mjs';
import { cpuInfo } from './vad-engines.mjs';

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const rounds = Number(opt('rounds', 9));
buildWasm();
bundleLibrary();
const lib = await import(fileURLToPath(new URL('./.cache/lib/wasm-rnn.mjs', import.meta.url)));
const info = await lib.ready(opt('build') ? { build: opt('build') } : undefined);
const ort = await ortPeer({ recurrent: onnxRecurrent, charlm: onnxCharLM });
const cpu = cpuInfo();
console.log(`${cpu.modelName} (${cpu.vendor}, family ${cpu.family}), Node ${process.versions.node}, wasm-rnn build ${info.build}, onnxruntime-web ${ort.ort.env.versions?.common ?? '?'}, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** The wasm-rnn engines of a workload: float32 and its int8 copy, as { name: () => result }. */
function wasmRnn(wl, data) {
  if (wl.kind === 'seq') {
    const f = new lib.LSTM({ inputSize: wl.I, hiddenSize: wl.H, seed: 1 }).loadStateDict(stateDict(data.layers, wl.H, wl.cell));
    const q = lib.quantize(f, { weights: 'int8' });
    const x = { data: data.x, shape: [wl.T, wl.B, wl.I] };
    return { f32: () => f.forward(x).output.data, int8: () => q.forward(x).output.data };
  }
  if (wl.kind === 'step') {
    const f = new lib.LSTM({ inputSize: wl.I, hiddenSize: wl.H, seed: 1 }).loadStateDict(stateDict(data.layers, wl.H, wl.cell));
    const q = lib.quantize(f, { weights: 'int8' });
    const stepper = (layer) => {
      const state = layer.createState({ batch: 1 });
      const x = { data: null, shape: [1, wl.I] };
      return () => {
        state.reset();
        let y;
        for (let t = 0; t < 64; t++) {
          x.data = data.x.subarray(t * wl.I, (t + 1) * wl.I);
          y = layer.step(x, state, { view: true }).data;
        }
        return y.slice();
      };
    };
    return { f32: stepper(f), int8: stepper(q) };
  }
  const lstm = new lib.LSTM({ inputSize: wl.E, hiddenSize: wl.H, numLayers: wl.L, seed: 1 });
  const model = new lib.Sequential([['emb', new lib.Embedding(wl.V, wl.E)], ['lstm', lstm], ['head', new lib.Linear(wl.H, wl.V)]]);
  const sd = { 'emb.weight': { data: data.emb, shape: [wl.V, wl.E] }, 'head.weight': { data: data.lin, shape: [wl.V, wl.H] }, 'head.bias': { data: data.linb, shape: [wl.V] } };
  for (const [k, v] of Object.entries(stateDict(data.layers, wl.H, 'lstm'))) sd[`lstm.${k}`] = v;
  model.loadStateDict(sd);
  const generator = (m) => {
    const state = m.createState({ batch: 1 });
    const tok = new Int32Array(1);
    return () => {
      state.reset();
      let logits;
      for (let t = 0; t < wl.tokens; t++) {
        tok[0] = (t * 7) % wl.V;
        logits = m.step(tok, state, { view: true }).data;
      }
      return logits.slice();
    };
  };
  return { f32: generator(model), int8: generator(lib.quantize(model, { weights: 'int8' })) };
}

/** onnxruntime-web for the same calls (async). */
async function onnx(wl, data) {
  if (wl.kind === 'seq') {
    const p = await ort.seq(wl, data);
    return async () => p.run();
  }
  if (wl.kind === 'step') {
    const p = await ort.step(wl, data);
    return async () => {
      p.reset();
      let y;
      for (let t = 0; t < 64; t++) y = await p.step(data.x.subarray(t * wl.I, (t + 1) * wl.I));
      return y;
    };
  }
  const p = await ort.charlm(wl, data);
  return async () => {
    p.reset();
    let y;
    for (let t = 0; t < wl.tokens; t++) y = await p.next((t * 7) % wl.V);
    return y;
  };
}

const rows = [];
for (const id of ['W1', 'W3', 'W5']) {
  const wl = WORKLOADS[id];
  const data = makeData(wl);
  const engines = { ...wasmRnn(wl, data), ort: await onnx(wl, data) };
  const ref = await engines.ort();
  const errF32 = maxAbs(engines.f32(), ref);
  const errInt8 = maxAbs(engines.int8(), ref);
  const times = { f32: [], int8: [], ort: [] };
  for (const name of Object.keys(engines)) for (let i = 0; i < 2; i++) await engines[name](); // warm
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['ort', 'int8', 'f32'] : ['f32', 'int8', 'ort'];
    for (const name of order) {
      const t0 = performance.now();
      await engines[name]();
      times[name].push(performance.now() - t0);
    }
  }
  const ratio = (a, b) => median(times[b].map((v, i) => v / times[a][i]));
  rows.push({
    id, name: wl.name,
    ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])),
    int8VsOrt: ratio('int8', 'ort'), f32VsOrt: ratio('f32', 'ort'), int8VsF32: ratio('int8', 'f32'),
    errF32, errInt8,
  });
  const last = rows[rows.length - 1];
  console.log(`${id} ${wl.name}: ms per call f32 ${last.ms.f32.toFixed(2)}, int8 ${last.ms.int8.toFixed(2)}, onnxruntime-web ${last.ms.ort.toFixed(2)}; ` +
    `int8 ${last.int8VsOrt.toFixed(2)}x onnxruntime-web (f32 ${last.f32VsOrt.toFixed(2)}x), int8 ${last.int8VsF32.toFixed(2)}x wasm-rnn f32; ` +
    `max |output - onnxruntime-web|: f32 ${errF32.toExponential(1)}, int8 ${errInt8.toExponential(1)}`);
}
