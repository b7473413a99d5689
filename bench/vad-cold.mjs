// Cold start of one Silero VAD engine in a fresh process (spawned by bench/vad.mjs): from the
// first import of the engine to the first frame's speech probability. Phases: import (the
// engine's module(s)), ready (wasm-rnn: compile + instantiate its wasm), session (loadOnnx /
// InferenceSession.create from the model's bytes), first frame (vad-web's protocol). The model
// bytes and the clip's first frame are read before the clock starts (a page has them fetched).
// Prints one JSON line.
//   node bench/vad-cold.mjs <wasm-rnn|wasm-rnn/ort|onnxruntime-web|onnxruntime-node> <legacy|v5|v6>
import { clipFrames, modelBytes, importEngine, createVad } from './vad-engines.mjs';

const [engine, model] = process.argv.slice(2);
const bytes = modelBytes(model);
const frame = clipFrames(model)[0];
const bootMs = performance.now(); // process start -> here (Node's bootstrap + reading the inputs)
const cpu0 = process.cpuUsage();
const phases = {};
let tp = performance.now();
const t0 = tp;
const phase = (name) => { const t = performance.now(); phases[name] = t - tp; tp = t; };
const mods = await importEngine(engine);
phase('import');
const vad = await createVad(engine, mods, model, bytes, phase);
const p = await vad.frame(frame);
phase('first frame');
const ms = performance.now() - t0;
const cu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ engine, model, ms, cpuMs: (cu.user + cu.system) / 1e3, phases, bootMs, total: performance.now(), check: p, info: vad.info }));
// Node 24 can deadlock in process.exit() (nodejs/node#54918) and onnxruntime-web's threads have
// been seen spinning there: the line is out, so end the hard way.
process.kill(process.pid, 'SIGKILL');
