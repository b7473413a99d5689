// Per-call time of one-node ONNX MatMul / Gemm models through loadOnnx: B an initializer (packed
// once at load, run on the wasm GEMM, src/onnx/ops/linalg.ts + bindings/matmul.ts) next to B fed
// as a graph input (the float64 JS path). Both columns include the executor's per-run cost
// (about 1 us here: most of the smallest shape's time).
//   node bench/matmul.mjs          (BENCH_CLOCK=wall for wall time; default: process CPU time;
//                                   WASM_BUILD=simd|relaxed|scalar forces a build, default: the best the engine runs)
import os from 'node:os';
import { bundleLibrary } from './lib/bundle.mjs';
import { writeModel } from './lib/onnx-writer.mjs';
import { bench, CLOCK } from './lib/timing.mjs';

bundleLibrary();
const { loadOnnx, ready, runtime } = await import(new URL('./.cache/lib/wasm-rnn.mjs', import.meta.url).href);
await ready(process.env.WASM_BUILD ? { build: process.env.WASM_BUILD } : {});
const rt = runtime();

let seed = 1;
function rand(n) {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed / 2 ** 31 - 1;
  }
  return data;
}

/**
 * A one-node model of `op` on A [M, K] and B ([K, N], or [N, K] for Gemm with transB = 1, the
 * form torch.onnx.export writes for nn.Linear, with C [N]); B and C initializers when `constant`,
 * else graph inputs fed on each run. Returns run() and the feeds.
 */
function model(op, M, K, N, constant) {
  const bDims = op === 'Gemm' ? [N, K] : [K, N];
  const tensors = [{ name: 'B', data: rand(K * N), dims: bDims }, ...(op === 'Gemm' ? [{ name: 'C', data: rand(N), dims: [N] }] : [])];
  const A = { name: 'A', dims: [M, K] };
  const bytes = writeModel({
    nodes: [{ op, inputs: ['A', ...tensors.map((t) => t.name)], outputs: ['Y'], attrs: op === 'Gemm' ? { transB: 1 } : {} }],
    initializers: constant ? tensors : [],
    inputs: [A, ...(constant ? [] : tensors.map((t) => ({ name: t.name, dims: t.dims })))],
    outputs: [{ name: 'Y', dims: [M, N] }],
  });
  const blocks = rt.liveBlocks;
  const m = loadOnnx(bytes);
  if (constant && rt.liveBlocks === blocks) throw new Error(`${op} ${M}x${K}x${N}: expected packed weights`);
  const feeds = { A: { data: rand(M * K), shape: [M, K] } };
  if (!constant) for (const t of tensors) feeds[t.name] = { data: t.data, shape: t.dims };
  return { run: () => m.run(feeds), dispose: () => m.dispose() };
}

const us = async (name, fn) => (await bench(name, fn)).median * 1e6;

// M x K x N: Silero-like (a 128-wide state to one logit), a char-LM head (80 hidden -> 27
// characters), a batched square layer
const SHAPES = [[1, 128, 1], [1, 80, 27], [1, 256, 256], [64, 256, 256]];
console.log(`CPU: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cores), Node ${process.version}, wasm build '${rt.build}', clock ${CLOCK}`);
console.log(`\n${'node  M x K x N'.padEnd(26)}${'packed us'.padStart(11)}${'JS f64 us'.padStart(11)}${'JS/packed'.padStart(11)}`);
for (const op of ['MatMul', 'Gemm']) {
  for (const [M, K, N] of SHAPES) {
    const packed = model(op, M, K, N, true);
    const js = model(op, M, K, N, false);
    const a = await us('packed', packed.run);
    const b = await us('js', js.run);
    console.log(`${`${op}  ${M} x ${K} x ${N}`.padEnd(26)}${a.toFixed(2).padStart(11)}${b.toFixed(2).padStart(11)}${(b / a).toFixed(1).padStart(11)}`);
    for (const m of [packed, js]) m.dispose();
  }
}
