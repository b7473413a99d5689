// One measuring process of the Silero VAD bench (spawned by bench/vad.mjs once per Node version
// and repeat): for each model, every engine of bench/vad-engines.mjs on the same frames of the
// real clip, verified against onnxruntime-node's committed per-frame probabilities, then timed in
// interleaved rounds. A round runs, for each engine in turn (the order rotated every round), the
// clip's frames in order from a zero state (`--frames` frames: the clip played as often as that
// takes), each frame timed on the wall clock as the caller sees it: building vad-web's input
// tensor, the call (awaited for the ORT-API engines), reading the probability, keeping the state.
// The process's CPU time over the round gives CPU per frame beside it.
//   node bench/vad-suite.mjs --out f.json [--rounds 7] [--frames 1100] [--models legacy,v5,v6] [--engines wasm-rnn,onnxruntime-web]
import fs from 'node:fs';
import os from 'node:os';
import { MODELS, ENGINES, modelBytes, readClip, clipFrames, importEngine, createVad, engineVersions, cpuInfo } from './vad-engines.mjs';
import { median, quantile } from './lib/timing.mjs';

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const ROUNDS = Number(opt('rounds', '7'));
const FRAMES = Number(opt('frames', '1100'));
const models = opt('models', Object.keys(MODELS).join(',')).split(',');
const engines = opt('engines', ENGINES.join(',')).split(',');
const log = (...a) => console.error(...a);
const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; }; // ms

const out = {
  node: process.version,
  execArgv: process.execArgv,
  cpu: cpuInfo(),
  versions: engineVersions(),
  loadavgStart: os.loadavg(),
  rounds: ROUNDS,
  framesPerRound: FRAMES,
  models: {},
};
log(`# vad-suite ${process.version} ${process.execArgv.join(' ')} on ${out.cpu.modelName} (${out.cpu.vendor}, family ${out.cpu.family}); ${ROUNDS} rounds of ${FRAMES} frames`);

const clip = readClip();
const mods = {};
for (const e of engines) mods[e] = await importEngine(e);

/** max |a - b| / max |b| */
function relError(got, want) {
  let d = 0, s = 0;
  for (let i = 0; i < want.length; i++) { d = Math.max(d, Math.abs(got[i] - want[i])); s = Math.max(s, Math.abs(want[i])); }
  return got.length === want.length ? d / s : Infinity;
}

for (const model of models) {
  const frames = clipFrames(model, clip);
  const ref = JSON.parse(fs.readFileSync(new URL(`../${MODELS[model].reference}`, import.meta.url), 'utf8'));
  if (ref.frames !== frames.length) throw new Error(`${model}: ${frames.length} frames, the reference has ${ref.frames}`);
  const bytes = modelBytes(model);
  const res = { frames: frames.length, frameSamples: MODELS[model].frameSamples, engines: {} };
  const vads = {};
  for (const e of engines) {
    const t0 = performance.now();
    const vad = await createVad(e, mods[e], model, bytes);
    const createMs = performance.now() - t0;
    // verification pass (also the warm-up): every frame's probability against onnxruntime-node's
    const t1 = performance.now();
    let firstFrameMs, maxProbDiff = 0, worstFrame = -1;
    for (let i = 0; i < frames.length; i++) {
      const p = vad.async ? await vad.frame(frames[i]) : vad.frame(frames[i]);
      if (i === 0) firstFrameMs = performance.now() - t1;
      const d = Math.abs(p - ref.probs[i]);
      if (!(d <= maxProbDiff)) [maxProbDiff, worstFrame] = [Number.isNaN(d) ? Infinity : d, i];
    }
    const st = vad.states();
    const stateRelError = st ? Math.max(...Object.entries(ref.finalStates).map(([k, v]) => relError(st[k], v.data))) : null;
    vads[e] = vad;
    res.engines[e] = { info: vad.info, createMs, firstFrameMs, maxProbDiff, worstFrame, stateRelError, rounds: [] };
    log(`  ${model} ${e.padEnd(17)} create ${createMs.toFixed(1)} ms, first frame ${firstFrameMs.toFixed(2)} ms; max |p - onnxruntime-node fixture| ${maxProbDiff.toExponential(2)}, final state rel ${stateRelError?.toExponential(2) ?? '(not exposed)'}`);
  }

  for (let r = 0; r < ROUNDS; r++) {
    const order = engines.map((_, i) => engines[(i + r) % engines.length]);
    for (const e of order) {
      const vad = vads[e];
      const wall = new Float64Array(FRAMES);
      const c0 = cpuNow(), t0 = performance.now();
      for (let i = 0; i < FRAMES; i++) {
        const k = i % frames.length;
        if (k === 0) vad.reset();
        const t = performance.now();
        if (vad.async) await vad.frame(frames[k]);
        else vad.frame(frames[k]);
        wall[i] = performance.now() - t;
      }
      const total = performance.now() - t0, cpu = cpuNow() - c0;
      const w = [...wall];
      // times in microseconds
      res.engines[e].rounds.push({ median: median(w) * 1e3, p99: quantile(w, 0.99) * 1e3, max: Math.max(...w) * 1e3, mean: (total / FRAMES) * 1e3, cpuMean: (cpu / FRAMES) * 1e3 });
    }
  }
  for (const vad of Object.values(vads)) await vad.release();

  // per engine: medians over rounds; ratios per round (a load spike hits both sides), then their median
  const E = res.engines;
  for (const [e, v] of Object.entries(E)) {
    const col = (k) => v.rounds.map((x) => x[k]);
    v.median = median(col('median'));
    v.p99 = median(col('p99'));
    v.cpuMean = median(col('cpuMean'));
    v.p99OverMedian = median(v.rounds.map((x) => x.p99 / x.median));
    v.vs = {};
    for (const peer of ['onnxruntime-web', 'onnxruntime-node']) {
      if (!E[peer] || peer === e) continue;
      v.vs[peer] = {
        median: median(v.rounds.map((x, i) => E[peer].rounds[i].median / x.median)),
        p99: median(v.rounds.map((x, i) => E[peer].rounds[i].p99 / x.p99)),
        cpu: median(v.rounds.map((x, i) => E[peer].rounds[i].cpuMean / x.cpuMean)),
      };
    }
    log(`  ${model} ${e.padEnd(17)} median ${v.median.toFixed(0)} us  p99 ${v.p99.toFixed(0)} us  cpu ${v.cpuMean.toFixed(0)} us/frame  ` +
      Object.entries(v.vs).map(([p, x]) => `${p} / this ${x.median.toFixed(2)}x`).join('  ') + `  (round medians ${col0(v)})`);
  }
  out.models[model] = res;
}
function col0(v) { return v.rounds.map((x) => x.median.toFixed(0)).join(' '); }

out.loadavgEnd = os.loadavg();
const outFile = opt('out');
if (outFile) fs.writeFileSync(outFile, JSON.stringify(out, null, 1));
else console.log(JSON.stringify(out));
// Node 24 with onnxruntime-web loaded was seen spinning in process.exit() (bench/suite.mjs): the
// results are written, so end the process the hard way.
process.kill(process.pid, 'SIGKILL');
