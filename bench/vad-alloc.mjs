// Allocation per frame of one Silero VAD engine in steady state, in a fresh process (spawned by
// bench/vad.mjs with --expose-gc and a 64 MB young generation, so that no collection runs inside
// the measured window and ArrayBuffer backing stores are still counted when it ends):
//   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 bench/vad-alloc.mjs <engine> <model> [--frames 1000]
// Two ways of calling, each after two warm passes over the clip:
//   engine     the input tensors built before the window, one feeds object reused: what the
//              engine itself allocates per frame (outputs, promises, its own temporaries);
//   vad-web    vad-web's whole per-frame protocol (a new [context, frame] Float32Array and input
//              tensor each frame), what a vad-web caller allocates in all.
// JS heap bytes = used heap after - before + what every collection in the window freed (V8's
// GCProfiler), external bytes (ArrayBuffer backing stores) = external memory after - before,
// both net of the same window run for 0 frames (the probes' own allocations), per frame. When
// the heap bytes alone fill the young generation within the window, external bytes are counted
// over a shorter window (externalFrames) that does not.
// Memory inside a wasm instance is not JS allocation and does not show here. Prints one JSON line.
import v8 from 'node:v8';
import { clipFrames, importEngine, createVad, modelBytes } from './vad-engines.mjs';

const [engine, model] = process.argv.slice(2);
const i = process.argv.indexOf('--frames');
const FRAMES = i < 0 ? 1000 : Number(process.argv[i + 1]);
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

const frames = clipFrames(model);
const vad = await createVad(engine, await importEngine(engine), model, modelBytes(model));

/** Bytes allocated by `n` frames of `step`: { heap, external, gcs }. */
async function window(step, n) {
  gc();
  gc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const h0 = v8.getHeapStatistics();
  for (let k = 0; k < n; k++) {
    if (vad.async) await step(k);
    else step(k);
  }
  const h1 = v8.getHeapStatistics();
  const collections = profiler.stop().statistics;
  let heap = h1.used_heap_size - h0.used_heap_size, external = h1.external_memory - h0.external_memory;
  for (const g of collections) heap += g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize;
  return { heap, external, gcs: collections.length };
}

const SEMI_SPACE_BYTES = 64 * 2 ** 20;

async function measure(makeStep) {
  vad.reset();
  const step = makeStep();
  for (let k = 0; k < 2 * frames.length; k++) await step(k); // warm: JIT tiers, the engine's own caches
  await window(step, FRAMES);
  const base = await window(step, 0);
  const w = await window(step, FRAMES);
  const out = { heapBytesPerFrame: (w.heap - base.heap) / FRAMES, gcsInWindow: w.gcs, externalFrames: FRAMES, externalBytesPerFrame: (w.external - base.external) / FRAMES };
  if (w.gcs > 0) {
    // a collection frees backing stores without saying how many bytes: count the external bytes
    // over a window short enough to fill half the young generation at the rate just measured
    const n = Math.max(10, Math.floor(SEMI_SPACE_BYTES / 2 / Math.max(1, out.heapBytesPerFrame)));
    const short = await window(step, n);
    Object.assign(out, { externalFrames: n, externalBytesPerFrame: (short.external - base.external) / n, gcsInExternalWindow: short.gcs });
  }
  return out;
}

const result = {
  engine,
  model,
  frames: FRAMES,
  node: process.version,
  // the input tensors made once; the window cycles through them in clip order
  engineOnly: await measure(() => {
    vad.reset();
    const inputs = frames.map((f) => vad.prepared(f));
    return (k) => vad.framePrepared(inputs[k % inputs.length]);
  }),
  vadWebCaller: await measure(() => (k) => vad.frame(frames[k % frames.length])),
  info: vad.info,
};
console.log(JSON.stringify(result));
process.kill(process.pid, 'SIGKILL'); // see bench/vad-cold.mjs
