// Per-call time of the ONNX Conv nodes of Silero VAD (batch 1, one frame, random weights of the
// models' shapes; the STFT's a windowed DFT basis, as in the models, and random for comparison)
// and of openWakeWord's embedding net (2-D, one 76 x 32 mel patch): the wasm path (weights packed
// at load, the node prepared as a static plan runs it) summing in float32 (the default) and in
// float64 (loadOnnx's accumulation), next to the float64 JS reference (the path of a node
// whose weights are not constants).
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

/** A prepared node: runs with packed weights summing in float32 and in float64, and on the JS reference. */
function node({ x, w, bias, attrs, basis }) {
  const inputs = bias ? ['X', 'W', 'B'] : ['X', 'W'];
  const msg = { name: 'bench', opType: 'Conv', domain: '', inputs, outputs: ['Y'], attributes: Object.entries(attrs ?? {}).map(([k, v]) => attr(k, v)) };
  const W = basis ? dftBasis(w) : rand(w);
  const ins = [rand(x), W, ...(bias ? [rand([w[0]])] : [])];
  const packedRun = (accumulation) => {
    const packedCtx = new NodeContext(msg, 16, [undefined, ...ins.slice(1)], 'f32', true, accumulation);
    const packed = CONV_OPS.Conv(packedCtx);
    if (packedCtx.resources.length !== 1) throw new Error('expected the packed path');
    // as a static plan runs it: prepared for these input types, into an output made once (the
    // node called as a function allocates its output every call, 1-3 us here)
    const prepared = packed.prepare([{ dtype: 'float32', shape: x }, ...ins.slice(1)]); // X's type, the constants themselves
    if (prepared === undefined) throw new Error('expected a prepared node');
    const outs = prepared.outputs.map(({ dtype, shape }) => ({ dtype, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));
    return () => prepared.run(ins, outs);
  };
  const general = CONV_OPS.Conv(new NodeContext(msg, 16, []));
  return { float32: packedRun('float32'), float64: packedRun('float64'), general: () => general(ins) };
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

// openWakeWord's embedding net (embedding_model.onnx), one 76 x 32 x 1 mel patch: its 20 convs
// (each followed by LeakyRelu / pooling in the model), with their shapes and padding
const WAKEWORD = {
  '3x3 1->24 [76,32] pad w': { x: [1, 1, 76, 32], w: [24, 1, 3, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '1x3 24->24 [74,32]': { x: [1, 24, 74, 32], w: [24, 24, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 24->24 [74,32]': { x: [1, 24, 74, 32], w: [24, 24, 3, 1], bias: true },
  '1x3 24->48 [36,16]': { x: [1, 24, 36, 16], w: [48, 24, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 48->48 [36,16]': { x: [1, 48, 36, 16], w: [48, 48, 3, 1], bias: true },
  '1x3 48->48 [34,16]': { x: [1, 48, 34, 16], w: [48, 48, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 48->48 [34,16]': { x: [1, 48, 34, 16], w: [48, 48, 3, 1], bias: true },
  '1x3 48->72 [32,8]': { x: [1, 48, 32, 8], w: [72, 48, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 72->72 [32,8]': { x: [1, 72, 32, 8], w: [72, 72, 3, 1], bias: true },
  '1x3 72->72 [30,8]': { x: [1, 72, 30, 8], w: [72, 72, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 72->72 [30,8]': { x: [1, 72, 30, 8], w: [72, 72, 3, 1], bias: true },
  '1x3 72->96 [14,4]': { x: [1, 72, 14, 4], w: [96, 72, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 96->96 [14,4]': { x: [1, 96, 14, 4], w: [96, 96, 3, 1], bias: true },
  '1x3 96->96 [12,4]': { x: [1, 96, 12, 4], w: [96, 96, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 96->96 [12,4]': { x: [1, 96, 12, 4], w: [96, 96, 3, 1], bias: true },
  '1x3 96->96 [10,2]': { x: [1, 96, 10, 2], w: [96, 96, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 96->96 [10,2]': { x: [1, 96, 10, 2], w: [96, 96, 3, 1], bias: true },
  '1x3 96->96 [8,2]': { x: [1, 96, 8, 2], w: [96, 96, 1, 3], bias: true, attrs: { pads: [0, 1, 0, 1] } },
  '3x1 96->96 [8,2]': { x: [1, 96, 8, 2], w: [96, 96, 3, 1], bias: true },
  '3x1 96->96 [3,1]': { x: [1, 96, 3, 1], w: [96, 96, 3, 1], bias: true },
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
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const SETS = [
  ['v5', 'Silero VAD v5 (16 kHz), one frame', V5, (k) => !k.startsWith('stft')],
  ['legacy', 'Silero VAD legacy (16 kHz), one window (the total counts each shape as often as a frame runs it)', LEGACY, () => true],
  ['wakeword', "openWakeWord's embedding net, one 76 x 32 patch", WAKEWORD, () => true],
];
for (const [key, title, set, encoderKeys] of SETS) {
  if (ONLY && ONLY !== key) continue;
  console.log(`\n${title}\n${'conv'.padEnd(34)}${'f32 sums us'.padStart(12)}${'f64 sums us'.padStart(12)}${'JS f64 us'.padStart(12)}`);
  const sum = { f32: 0, f64: 0, js: 0, enc32: 0, enc64: 0 };
  for (const [k, spec] of Object.entries(set)) {
    const n = node(spec);
    const a = time(n.float32);
    const b = time(n.float64);
    const c = key === 'wakeword' ? NaN : time(n.general);
    const row = `${k.padEnd(34)}${a.toFixed(2).padStart(12)}${b.toFixed(2).padStart(12)}${c.toFixed(1).padStart(12)}`;
    if (k.includes('GEMM')) { console.log(`${row}  (not in the total)`); continue; }
    const times = spec.times ?? 1;
    sum.f32 += a * times;
    sum.f64 += b * times;
    sum.js += c * times;
    if (encoderKeys(k)) { sum.enc32 += a * times; sum.enc64 += b * times; }
    console.log(row);
  }
  console.log(`${'total'.padEnd(34)}${sum.f32.toFixed(2).padStart(12)}${sum.f64.toFixed(2).padStart(12)}${sum.js.toFixed(1).padStart(12)}`);
  if (set === V5) console.log(`${'encoder + decoder (no stft)'.padEnd(34)}${sum.enc32.toFixed(2).padStart(12)}${sum.enc64.toFixed(2).padStart(12)}`);
}
