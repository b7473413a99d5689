// The browser page of the Silero VAD bench (loaded by bench/vad-browser.mjs in headless Chromium
// and Firefox): wasm-rnn's SileroVad (the package's dist/ as a VAD page loads it: the
// 'wasm-rnn/vad' entry, whose ready() takes relaxed where the engine has it) and onnxruntime-web
// (wasm execution provider, 1 thread) in the same page, on the frames of test/fixtures/vad/clip.wav, by vad-web 0.0.31's protocol (bench/lib/vad-protocol.mjs,
// which the Node bench uses too). Every engine's probabilities over the whole clip are first
// compared with onnxruntime-node's committed ones (test/fixtures/vad/silero_vad_*.json); then rounds: each engine in turn (the order alternating)
// runs `frames` frames from a zero state, each frame timed on the wall clock as the caller sees
// it (building the input, the call, awaited for onnxruntime-web, reading the probability). Per
// round the median and p99 of the frames; results are medians over rounds, and the speed-up is
// the median of the per-round ratios. window.__bench receives the result (or the error).
// builds=relaxed,simd: SileroVad on each of these builds (ready({ build }) each) instead of
// against onnxruntime-web, each sample a block of `block` frames (the browsers' clocks step by
// 5-20 us, a v5 frame takes 40-60): what a build choice costs a VAD frame.
//   /bench/browser.html?script=vad-browser-page.mjs&models=legacy,v5,v6&rounds=7&frames=600[&alone=1][&builds=relaxed,simd&block=20]
import { median, quantile, maxAbsDiff } from './lib/stats.mjs';
import { MODELS, ortSessionVad } from './lib/vad-protocol.mjs';

const params = new URLSearchParams(location.search);
const MODELS_RUN = (params.get('models') ?? 'legacy,v5,v6').split(',');
const ROUNDS = Number(params.get('rounds') ?? 7);
const FRAMES = Number(params.get('frames') ?? 600);
// alone=1: SileroVad only (its p99 without onnxruntime-web in the same page)
const BUILDS = params.get('builds')?.split(',');
const ALONE = params.get('alone') === '1' || BUILDS !== undefined;
const BLOCK = Number(params.get('block') ?? 1);
const now = () => performance.now();
const fetchBytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());

function wasmRnnVad(lib, bytes) {
  const vad = lib.SileroVad.load(bytes);
  return { async: false, reset: () => vad.reset(), frame: (samples) => vad.process(samples), release: () => vad.dispose() };
}

async function ortVad(ort, m, bytes) {
  const session = await ort.InferenceSession.create(bytes.slice().buffer, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return ortSessionVad(ort, session, m);
}

async function main() {
  const out = { userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, rounds: ROUNDS, framesPerRound: FRAMES, models: {} };
  const lib = await import('/dist/src/vad.js');
  out.ready = await lib.ready();
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  out.ortVersion = ort.env.versions?.web ?? ort.env.versions?.common;
  const clip = lib.readWav(await fetchBytes('/test/fixtures/vad/clip.wav'));
  const samples = clip.channels[0];
  for (const name of MODELS_RUN) {
    const m = MODELS[name];
    console.log(`${name}`);
    const bytes = await fetchBytes(`/node_modules/@ricky0123/vad-web/dist/${m.file}`);
    const reference = await (await fetch(`/${m.reference}`)).json();
    const frames = [];
    for (let i = 0; i + m.frameSamples <= samples.length; i += m.frameSamples) frames.push(samples.slice(i, i + m.frameSamples));
    const engines = {};
    if (BUILDS) {
      for (const build of BUILDS) {
        await lib.ready({ build });
        engines[`wasm-rnn SileroVad ${build}`] = wasmRnnVad(lib, bytes);
      }
    } else engines['wasm-rnn SileroVad'] = wasmRnnVad(lib, bytes);
    if (!ALONE) engines['onnxruntime-web'] = await ortVad(ort, m, bytes);
    const res = {};
    for (const [en, e] of Object.entries(engines)) {
      e.reset();
      const probs = [];
      for (const f of frames) probs.push(e.async ? await e.frame(f) : e.frame(f));
      res[en] = { maxAbsDiff: maxAbsDiff(probs, reference.probs), rounds: [], p99s: [] };
    }
    for (let r = 0; r < ROUNDS; r++) {
      const names = r & 1 ? Object.keys(engines).reverse() : Object.keys(engines);
      for (const en of names) {
        const e = engines[en];
        e.reset();
        const ts = new Float64Array(Math.floor(FRAMES / BLOCK));
        for (let i = 0; i < ts.length * BLOCK; i++) {
          const f = frames[i % frames.length];
          if (i % frames.length === 0) e.reset();
          const t = now();
          const p = e.async ? await e.frame(f) : e.frame(f);
          ts[Math.floor(i / BLOCK)] += (now() - t) / BLOCK;
          if (!(p >= 0 && p <= 1)) throw new Error(`${en} ${name}: probability ${p}`);
        }
        const sorted = Array.from(ts).sort((a, b) => a - b);
        res[en].rounds.push(median(sorted));
        res[en].p99s.push(quantile(sorted, 0.99));
      }
    }
    for (const e of Object.values(engines)) e.release();
    for (const v of Object.values(res)) {
      v.median = median(v.rounds);
      v.p99 = median(v.p99s);
    }
    const w = res['wasm-rnn SileroVad'];
    if (!ALONE) w.speedup = median(w.rounds.map((t, r) => res['onnxruntime-web'].rounds[r] / t));
    // builds mode: each build's time over the first's, per round (> 1: slower than the first)
    if (BUILDS) for (const b of BUILDS.slice(1)) res[`wasm-rnn SileroVad ${b}`].vsFirst = median(res[`wasm-rnn SileroVad ${b}`].rounds.map((t, r) => t / res[`wasm-rnn SileroVad ${BUILDS[0]}`].rounds[r]));
    out.models[name] = res;
  }
  return out;
}

main().then(
  (r) => { window.__bench = JSON.stringify(r); },
  (e) => { window.__bench = JSON.stringify({ error: String(e?.stack ?? e) }); },
);
