// GFLOP/s of the float32 GEMM (f32_gemm / f32_gemm_nr32 on packed weights) on given shapes, to see
// how the rate depends on M, N, K and the panel width: the recurrent product of a batch
// (W2, W6: M = batch rows, weights larger than the cache) next to the input projections.
//   node bench/gemm-shapes.mjs [build] ['[[m, n, k], ...]'] ['[8, 32]']
// Uses the bundle bench/run.mjs (or bench/profile.mjs's caller) makes in bench/.cache/lib.
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const lib = await import(fileURLToPath(new URL('./.cache/lib/wasm-rnn.mjs', import.meta.url)));
const build = process.argv[2] || 'relaxed';
const shapes = JSON.parse(process.argv[3] || '[[8, 4096, 1024], [8, 1024, 256], [400, 4096, 512], [64, 4096, 1024], [1, 1024, 256]]');
const widths = JSON.parse(process.argv[4] || '[8, 32]');
await lib.ready({ build });
const rt = lib.runtime();
const ex = rt.exports;
console.log(`CPU: ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, build ${build}; wall time, median of 5 bursts after 300 ms of warm-up`);

function bench(m, n, k, nr) {
  const wFloats = nr === 32 ? ex.x32_packw_x32_size(n, k) : ex.x32_packw_x8_size(n, k);
  const w = rt.alloc(wFloats * 4), src = rt.alloc(n * k * 4), a = rt.alloc(m * k * 4), c = rt.alloc(m * n * 4);
  rt.f32(src, n * k).fill(0.01);
  rt.f32(a, m * k).fill(0.5);
  (nr === 32 ? ex.x32_packw_x32 : ex.x32_packw_x8)(w, src, n, k, k);
  const gemm = nr === 32 ? ex.f32_gemm_nr32 : ex.f32_gemm;
  const call = () => gemm(c, a, w, 0, m, n, k, k, n);
  const t0 = performance.now();
  let reps = 0;
  while (performance.now() - t0 < 300) { call(); reps++; }
  const burst = Math.max(1, Math.floor(reps / 10));
  const per = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < burst; i++) call();
    per.push((performance.now() - t) / burst);
  }
  const ms = per.sort((x, y) => x - y)[2];
  console.log(`m ${m} n ${n} k ${k} panels ${nr}: ${ms.toFixed(3)} ms, ${((2 * m * n * k) / ms / 1e6).toFixed(1)} GFLOP/s, weights ${((wFloats * 4) / 2 ** 20).toFixed(2)} MiB`);
  for (const p of [w, src, a, c]) rt.free(p);
}
for (const [m, n, k] of shapes) for (const nr of widths) bench(m, n, k, nr);
