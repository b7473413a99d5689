// Per-call time of the ONNX Conv nodes of Silero VAD (batch 1, one frame, random weights of the
// models' shapes; the STFT's a windowed DFT basis, as in the models, and random for comparison):
// the wasm path (weights packed at load, the node prepared as a static plan runs it) next to the
// float64 JS reference (the path of a node whose weights are not constants).
//   node bench/conv.mjs            (BENCH_CLOCK=wall for wall time; default: process CPU time;
//                                   WASM_BUILD=simd|relaxed|scalar forces a build, default: the best the engine runs)
// Bundles src/onnx/ops/conv.ts with esbuild into bench/.cache/lib/conv.mjs first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, cpuMs, CLOCK } from './lib/timing.mjs';

const rel = (p) => fileURLToPath(new URL(p, new URL('../', import.meta.url)));
fs.mkdirSync(rel('bench/.cache/lib'), { recursive: true });
fs.writeFileSync(rel('bench/.cache/.gitignore'), '*\n');
try { fs.symlinkSync('../../build', rel('bench/.cache/build')); } catch { /* exists */ }
const entry = `export { CONV_OPS } from './src/onnx/ops/conv.js';
export { NodeContext } from './src/onnx/node.js';
export { ready } from './bindings/wasm.js';`;
execFileSync(rel('node_modules/.bin/esbuild'), ['--bundle', '--format=esm', '--platform=node', '--log-level=warning',
  '--sourcefile=conv-bench-entry.ts', '--loader=ts', '--outfile=bench/.cache/lib/conv.mjs'], { cwd: rel('.'), input: entry });
const { CONV_OPS, NodeContext, ready } = await import(rel('bench/.cache/lib/conv.mjs'));
const rt = await ready(process.env.WASM_BUILD ? { build: process.env.WASM_BUILD } : {});

const INTS = 7;
const INT = 2;
const attr = (name, v) => (Array.isArray(v)
  ? { name, type: INTS, ints: v, floats: [], strings: [], tensors: [], graphs: [] }
  : { name, type: INT, i: v, ints: [], floats: [], strings: [], tensors: [], graphs: [] });

let seed = 1;
function rand(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed / 2 ** 31 - 1;
  }
  return { dtype: 'float32', data, shape };
}

/** Silero's STFT weights: a periodic-Hann windowed DFT basis (rows win cos, then -win sin), which runs as an FFT (bindings/conv-dft.ts). */
function dftBasis([m, , n]) {
  const rows = m / 2;
  const data = new Float32Array(m * n);
  for (let f = 0; f < rows; f++) {
    for (let k = 0; k < n; k++) {
      const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n);
      data[f * n + k] = win * Math.cos((2 * Math.PI * f * k) / n);
      data[(rows + f) * n + k] = -win * Math.sin((2 * Math.PI * f * k) / n);
    }
  }
  return { dtype: 'float32', data, shape: [m, 1, n] };
}

/** A prepared node: [run with packed weights, run on the JS reference]. */
function node({ x, w, bias, attrs, basis }) {
  const inputs = bias ? ['X', 'W', 'B'] : ['X', 'W'];
  const msg = { name: 'bench', opType: 'Conv', domain: '', inputs, outputs: ['Y'], attributes: Object.entries(attrs ?? {}).map(([k, v]) => attr(k, v)) };
  const W = basis ? dftBasis(w) : rand(w);
  const ins = [rand(x), W, ...(bias ? [rand([w[0]])] : [])];
  const packedCtx = new NodeContext(msg, 16, [undefined, ...ins.slice(1)]);
  const packed = CONV_OPS.Conv(packedCtx);
  if (packedCtx.resources.length !== 1) throw new Error('expected the packed path');
  // as a static plan runs it: prepared for these input types, into an output made once (the
  // node called as a function allocates its output every call, 1-3 us here)
  const prepared = packed.prepare([{ dtype: 'float32', shape: x }, ...ins.slice(1)]); // X's type, the constants themselves
  if (prepared === undefined) throw new Error('expected a prepared node');
  const outs = prepared.outputs.map(({ dtype, shape }) => ({ dtype, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));
  const general = CONV_OPS.Conv(new NodeContext(msg, 16, []));
  return { packed: () => prepared.run(ins, outs), general: () => general(ins) };
}

// Silero VAD v5, 16 kHz branch: 512 samples + 64 context, reflection-padded to 640
const V5 = {
  'stft k256 s128 [1,1,640]->258': { x: [1, 1, 640], w: [258, 1, 256], attrs: { strides: [128], pads: [0, 0] }, basis: true },
  'stft weights not a basis (GEMM)': { x: [1, 1, 640], w: [258, 1, 256], attrs: { strides: [128], pads: [0, 0] } },
  'encoder.0 k3 p1 129->128 L4': { x: [1, 129, 4], w: [128, 129, 3], bias: true, attrs: { pads: [1, 1] } },
  'encoder.1 k3 s2 p1 128->64 L4': { x: [1, 128, 4], w: [64, 128, 3], bias: true, attrs: { pads: [1, 1], strides: [2] } },
  'encoder.2 k3 s2 p1 64->64 L2': { x: [1, 64, 2], w: [64, 64, 3], bias: true, attrs: { pads: [1, 1], strides: [2] } },
  'encoder.3 k3 p1 64->128 L1': { x: [1, 64, 1], w: [128, 64, 3], bias: true, attrs: { pads: [1, 1] } },
  'decoder k1 128->1 L1': { x: [1, 128, 1], w: [1, 128, 1], bias: true },
};
// legacy (v4) 16 kHz, its convolutions as the model runs them on a 1536-sample window (the STFT's
// input reflection-padded to 1728 -> 24 frames, 129 after magnitude); `times`: how often a frame
// runs that shape (the separable blocks' two parallel pointwise convs, for one)
const LEGACY = {
  'stft k256 s64 [1,1,1728]->258': { x: [1, 1, 1728], w: [258, 1, 256], attrs: { strides: [64], pads: [0, 0] }, basis: true },
  'stft weights not a basis (GEMM)': { x: [1, 1, 1728], w: [258, 1, 256], attrs: { strides: [64], pads: [0, 0] } },
  'adaptive norm k7 L30': { x: [1, 1, 30], w: [1, 1, 7] },
  'depthwise k5 p2 g258 L24': { x: [1, 258, 24], w: [258, 1, 5], bias: true, attrs: { group: 258, pads: [2, 2] } },
  'pointwise 258->16 L24 (x2)': { x: [1, 258, 24], w: [16, 258, 1], bias: true, times: 2 },
  'pointwise s2 16->16 L24': { x: [1, 16, 24], w: [16, 16, 1], bias: true, attrs: { strides: [2] } },
  'depthwise k5 p2 g16 L12': { x: [1, 16, 12], w: [16, 1, 5], bias: true, attrs: { group: 16, pads: [2, 2] } },
  'pointwise 16->32 L12 (x2)': { x: [1, 16, 12], w: [32, 16, 1], bias: true, times: 2 },
  'pointwise s2 32->32 L12': { x: [1, 32, 12], w: [32, 32, 1], bias: true, attrs: { strides: [2] } },
  'depthwise k5 p2 g32 L6': { x: [1, 32, 6], w: [32, 1, 5], bias: true, attrs: { group: 32, pads: [2, 2] } },
  'pointwise 32->32 L6': { x: [1, 32, 6], w: [32, 32, 1], bias: true },
  'pointwise s2 32->32 L6': { x: [1, 32, 6], w: [32, 32, 1], bias: true, attrs: { strides: [2] } },
  'depthwise k5 p2 g32 L3': { x: [1, 32, 3], w: [32, 1, 5], bias: true, attrs: { group: 32, pads: [2, 2] } },
  'pointwise 32->64 L3 (x2)': { x: [1, 32, 3], w: [64, 32, 1], bias: true, times: 2 },
  'pointwise 64->64 L3': { x: [1, 64, 3], w: [64, 64, 1], bias: true },
  'decoder 64->1 L3': { x: [1, 64, 3], w: [1, 64, 1], bias: true },
};

function time(fn) {
  // warm up first (V8 tiers the wasm and JS up to optimized code in background threads, whose
  // compile time the process CPU clock would otherwise count)
  const w0 = performance.now();
  while (performance.now() - w0 < 300) fn();
  const t0 = cpuMs();
  fn();
  const reps = Math.max(1, Math.round(20 / Math.max(cpuMs() - t0, 1e-3)));
  const per = [];
  for (let r = 0; r < 9; r++) {
    const t = cpuMs();
    for (let k = 0; k < reps; k++) fn();
    per.push((cpuMs() - t) * 1e3 / reps);
  }
  return median(per);
}

console.log(`CPU: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cores), Node ${process.version}, wasm build '${rt.build}', clock ${CLOCK}`);
for (const [title, set, encoderKeys] of [['Silero VAD v5 (16 kHz), one frame', V5, (k) => !k.startsWith('stft')], ['Silero VAD legacy (16 kHz), one window (the total counts each shape as often as a frame runs it)', LEGACY, () => true]]) {
  console.log(`\n${title}\n${'conv'.padEnd(34)}${'wasm us'.padStart(10)}${'JS f64 us'.padStart(12)}`);
  let sumWasm = 0, sumJs = 0, encWasm = 0;
  for (const [k, spec] of Object.entries(set)) {
    const n = node(spec);
    const a = time(n.packed);
    const b = time(n.general);
    if (k.includes('GEMM')) { console.log(`${k.padEnd(34)}${a.toFixed(2).padStart(10)}${b.toFixed(1).padStart(12)}  (not in the total)`); continue; }
    const times = spec.times ?? 1;
    sumWasm += a * times;
    sumJs += b * times;
    if (encoderKeys(k)) encWasm += a * times;
    console.log(`${k.padEnd(34)}${a.toFixed(2).padStart(10)}${b.toFixed(1).padStart(12)}`);
  }
  console.log(`${'total'.padEnd(34)}${sumWasm.toFixed(2).padStart(10)}${sumJs.toFixed(1).padStart(12)}`);
  if (set === V5) console.log(`${'encoder + decoder (no stft)'.padEnd(34)}${encWasm.toFixed(2).padStart(10)}`);
}
