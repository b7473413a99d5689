// The Silero VAD bench's engines and models, shared by bench/vad-suite.mjs (per-frame timing),
// bench/vad-cold.mjs (cold start) and bench/vad-alloc.mjs (allocation per frame).
//
// Every engine is driven by the same per-frame protocol, vad-web 0.0.31's own
// (node_modules/@ricky0123/vad-web/dist/models/silero.js and legacy.js):
//   v5 / v6: input [1, 576] = the previous frame's last 64 samples + 512 new ones (a fresh
//            Float32Array each frame, as vad-web builds it), state [2, 1, 128], sr int64 [1] =
//            16000; outputs `output` (the speech probability) and `stateN` (the next state);
//   legacy:  input [1, 1536], h and c [2, 1, 64], sr; outputs output, hn, cn.
// The engines:
//   wasm-rnn         loadOnnx(bytes).run(feeds), synchronous, tensors as { data, shape };
//   wasm-rnn SileroVad  the library's own Silero driver: SileroVad.load(bytes).process(frame),
//                    synchronous (the same protocol inside, its input window reused), imported
//                    from the VAD-only entry 'wasm-rnn/vad' where the package has it;
//   wasm-rnn/ort     wasm-rnn's onnxruntime-web-compatible InferenceSession (await session.run);
//   onnxruntime-web  the wasm execution provider, env.wasm.numThreads = 1;
//   onnxruntime-node the native CPU provider, intraOpNumThreads = interOpNumThreads = 1.
// wasm-rnn is imported as the built package, through its package.json exports (the `node`
// condition): from the snapshot of dist/ that bench/vad.mjs takes after `npm run build:ts`
// (VAD_PKG names its folder), so that a rebuild by other work during a run does not change what
// is measured; without VAD_PKG, as 'wasm-rnn' and 'wasm-rnn/ort' (this repository's own dist/).
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MODELS, SAMPLE_RATE, contextFeeder, ortSessionVad } from './lib/vad-protocol.mjs';

const rel = (p) => fileURLToPath(new URL(p, new URL('..', import.meta.url)));

/** The module a `node` import of wasm-rnn's `subpath` ('.' or './ort') loads. */
function wasmRnnModule(subpath) {
  const pkgDir = process.env.VAD_PKG;
  if (!pkgDir) return import(subpath === '.' ? 'wasm-rnn' : `wasm-rnn/${subpath.slice(2)}`);
  const { exports } = JSON.parse(fs.readFileSync(`${pkgDir}/package.json`, 'utf8'));
  const entry = exports[subpath].node?.default ?? exports[subpath].default;
  return import(pathToFileURL(`${pkgDir}/${entry}`).href);
}

/** Whether the wasm-rnn package measured exports `subpath` (read before any clock starts: cached). */
const subpaths = new Map();
function hasSubpath(subpath) {
  if (!subpaths.has(subpath)) {
    const pkg = process.env.VAD_PKG ? `${process.env.VAD_PKG}/package.json` : rel('package.json');
    subpaths.set(subpath, subpath in JSON.parse(fs.readFileSync(pkg, 'utf8')).exports);
  }
  return subpaths.get(subpath);
}
/** Reads the package's exports now, so that the first import's clock does not include it. */
export const VAD_ENTRY = hasSubpath('./vad') ? 'wasm-rnn/vad' : 'wasm-rnn';

export const VAD_DIST = 'node_modules/@ricky0123/vad-web/dist/';
export const CLIP = 'test/fixtures/vad/clip.wav';
export { MODELS, SAMPLE_RATE };
export const ENGINES = ['wasm-rnn', 'wasm-rnn SileroVad', 'wasm-rnn/ort', 'onnxruntime-web', 'onnxruntime-node'];

export const modelBytes = (model) => new Uint8Array(fs.readFileSync(rel(VAD_DIST + MODELS[model].file)));

/**
 * The clip's samples as float32 in [-1, 1), read here rather than with the library's readWav so
 * that a cold-start process loads nothing of wasm-rnn before its clock starts. PCM16 mono only,
 * which is what test/fixtures/vad/clip.wav is (checked).
 */
export function readClip() {
  const b = fs.readFileSync(rel(CLIP));
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = (o) => b.toString('latin1', o, o + 4);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`${CLIP}: not a RIFF/WAVE file`);
  let fmt;
  for (let o = 12; o + 8 <= b.length;) {
    const id = tag(o), size = view.getUint32(o + 4, true);
    if (id === 'fmt ') fmt = { format: view.getUint16(o + 8, true), channels: view.getUint16(o + 10, true), rate: view.getUint32(o + 12, true), bits: view.getUint16(o + 22, true) };
    if (id === 'data') {
      if (!fmt || fmt.format !== 1 || fmt.channels !== 1 || fmt.bits !== 16 || fmt.rate !== SAMPLE_RATE) throw new Error(`${CLIP}: expected PCM16 mono ${SAMPLE_RATE} Hz, got ${JSON.stringify(fmt)}`);
      const n = size >> 1, out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(o + 8 + 2 * i, true) / 32768;
      return out;
    }
    o += 8 + size + (size & 1);
  }
  throw new Error(`${CLIP}: no data chunk`);
}

/** The clip cut into the model's frames (whole frames only, as the fixtures do). */
export function clipFrames(model, clip = readClip()) {
  const n = MODELS[model].frameSamples, out = [];
  for (let i = 0; i + n <= clip.length; i += n) out.push(clip.slice(i, i + n));
  return out;
}

/** Imports an engine's module(s): the "import" phase of a cold start. */
export async function importEngine(engine) {
  switch (engine) {
    case 'wasm-rnn': return { lib: await wasmRnnModule('.') };
    case 'wasm-rnn SileroVad': {
      // the VAD-only entry where the package has it (what a VAD page or process imports)
      const lib = await wasmRnnModule(hasSubpath('./vad') ? './vad' : '.');
      if (typeof lib.SileroVad !== 'function') throw new Error('this build of wasm-rnn has no SileroVad');
      return { lib };
    }
    case 'wasm-rnn/ort': return { ort: await wasmRnnModule('./ort') };
    case 'onnxruntime-web': {
      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = 'error';
      return { ort };
    }
    case 'onnxruntime-node': return { ort: await import('onnxruntime-node') };
    default: throw new Error(`unknown engine ${engine}`);
  }
}

const ORT_OPTIONS = {
  'wasm-rnn/ort': undefined, // vad-web passes none
  'onnxruntime-web': { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
  'onnxruntime-node': { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' },
};

/**
 * Creates a session for one model and returns a VAD driver:
 *   frame(samples) -> speech probability (a Promise for the ORT-API engines), vad-web's protocol;
 *   reset() -> zero state and context, as vad-web's reset_state;
 *   states() -> the current recurrent state tensors { name: Float32Array };
 *   prepared(samples) / framePrepared(p): the same frame split in two, the input tensor built by
 *     prepared() ahead of time, so that bench/vad-alloc.mjs counts only what the engine allocates;
 *   info: what the engine runs on (wasm build, provider), for the record.
 * `phase(name)` (optional) is called after the wasm runtime is ready (wasm-rnn only) and after
 * the session exists, so bench/vad-cold.mjs can time those phases apart.
 */
export async function createVad(engine, mods, model, bytes, phase = () => {}) {
  const m = MODELS[model];
  const inputLength = m.contextSamples + m.frameSamples;
  const ctx = contextFeeder(m);

  if (engine === 'wasm-rnn') {
    const { lib } = mods;
    const runtime = await lib.ready();
    phase('ready');
    const session = lib.loadOnnx(bytes);
    phase('session');
    const sr = { data: new BigInt64Array([BigInt(SAMPLE_RATE)]), shape: [1] };
    const shape = [1, inputLength];
    const feeds = m.legacy ? { input: null, h: null, c: null, sr } : { input: null, state: null, sr };
    const reset = () => {
      ctx.reset();
      if (m.legacy) {
        feeds.h = { data: new Float32Array(128), shape: [2, 1, 64] };
        feeds.c = { data: new Float32Array(128), shape: [2, 1, 64] };
      } else feeds.state = { data: new Float32Array(256), shape: [2, 1, 128] };
    };
    reset();
    const framePrepared = (input) => {
      feeds.input = input;
      const out = session.run(feeds);
      if (m.legacy) { feeds.h = out.hn; feeds.c = out.cn; } else feeds.state = out.stateN;
      return out.output.data[0];
    };
    return {
      async: false,
      info: { build: runtime?.build, recurrentNodes: session.recurrentNodes?.map((n) => `${n.op} ${n.name}: ${n.path}`) },
      reset,
      prepared: (samples) => ({ data: ctx.input(samples), shape }),
      framePrepared,
      frame: (samples) => framePrepared({ data: ctx.input(samples), shape }),
      states: () => (m.legacy ? { hn: feeds.h.data, cn: feeds.c.data } : { stateN: feeds.state.data }),
      release: () => session.dispose(),
    };
  }

  if (engine === 'wasm-rnn SileroVad') {
    const runtime = await mods.lib.ready();
    phase('ready');
    const vad = mods.lib.SileroVad.load(bytes);
    phase('session');
    return {
      async: false,
      info: { build: runtime?.build, entry: VAD_ENTRY },
      reset: () => vad.reset(),
      prepared: (samples) => samples,
      framePrepared: (samples) => vad.process(samples),
      frame: (samples) => vad.process(samples),
      states: () => null, // not exposed
      release: () => vad.dispose(),
    };
  }

  const { ort } = mods;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength); // vad-web hands over an ArrayBuffer
  const session = await ort.InferenceSession.create(buffer, ORT_OPTIONS[engine] && structuredClone(ORT_OPTIONS[engine])); // a copy: onnxruntime-web writes into it
  phase('session');
  return { ...ortSessionVad(ort, session, m), info: engine === 'wasm-rnn/ort' ? {} : { options: ORT_OPTIONS[engine] } };
}

/** Versions of what each engine is, read from the installed packages and this repository. */
export function engineVersions() {
  const pkg = (p) => JSON.parse(fs.readFileSync(rel(p), 'utf8')).version;
  return {
    node: process.version,
    v8: process.versions.v8,
    'wasm-rnn': pkg('package.json'),
    'onnxruntime-web': pkg('node_modules/onnxruntime-web/package.json'),
    'onnxruntime-node': pkg('bench/node_modules/onnxruntime-node/package.json'),
    'onnxruntime-common (node)': pkg('bench/node_modules/onnxruntime-node/node_modules/onnxruntime-common/package.json'),
    '@ricky0123/vad-web': pkg('node_modules/@ricky0123/vad-web/package.json'),
  };
}

/** The CPU as lscpu names it (model name, vendor, family, model, stepping). */
export function cpuInfo() {
  const l = execFileSync('lscpu', { env: { ...process.env, LC_ALL: 'C' } }).toString();
  const field = (k) => (l.match(new RegExp(`^${k}:\\s*(.*)$`, 'm')) ?? [])[1];
  return { modelName: field('Model name'), vendor: field('Vendor ID'), family: field('CPU family'), model: field('Model'), stepping: field('Stepping'), cpus: os.cpus().length };
}
