// A/B of two builds of the library in one process: the same layers and inputs, timed in
// interleaved bursts (order alternating every round), so the load of a shared machine hits both
// sides alike; far steadier than comparing two separate bench runs. Each side is a bundle made
// like bench/run.mjs makes bench/.cache/lib/wasm-rnn.mjs (esbuild of bench/entry.ts, with a
// ../build/ next to it), e.g. one from a worktree of an older commit:
//   node [--experimental-wasm-relaxed-simd] bench/ab.mjs <old bundle.mjs> <new bundle.mjs> [build]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [a, b, build = 'simd'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/ab.mjs <A bundle.mjs> <B bundle.mjs> [relaxed|simd|scalar]');
  process.exit(2);
}
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
const median = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
const x = new Float32Array(100 * 128).map((_, i) => Math.sin(i * 0.1));
const frame = { data: x.subarray(0, 128), shape: [1, 128] };
const sides = {};
for (const [name, path] of [['A', a], ['B', b]]) {
  const lib = await import(pathToFileURL(resolve(path)).href);
  await lib.ready({ build });
  const lstm = new lib.LSTM({ inputSize: 128, hiddenSize: 256, seed: 1 });
  const gru = new lib.GRU({ inputSize: 128, hiddenSize: 256, seed: 1 });
  const state = lstm.createState();
  // the batched workloads W2 (B = 32) and W6 (512 -> 1024, T = 50, B = 8): the 4x8 tile's shapes
  const x2 = new Float32Array(100 * 32 * 128).map((_, i) => Math.sin(i * 0.01));
  const big = new lib.LSTM({ inputSize: 512, hiddenSize: 1024, seed: 2 });
  const x6 = new Float32Array(50 * 8 * 512).map((_, i) => Math.cos(i * 0.01));
  sides[name] = {
    out: () => lstm.forward({ data: x, shape: [100, 1, 128] }).output.data,
    'W1 lstm-seq (ms/call)': () => lstm.forward({ data: x, shape: [100, 1, 128] }),
    'W4 gru-seq (ms/call)': () => gru.forward({ data: x, shape: [100, 1, 128] }),
    'W3 lstm-step (ms/20 steps)': () => { for (let i = 0; i < 20; i++) lstm.step(frame, state, { view: true }); },
    'W2 lstm-batch (ms/call)': () => lstm.forward({ data: x2, shape: [100, 32, 128] }),
    'W6 lstm-big (ms/call)': () => big.forward({ data: x6, shape: [50, 8, 512] }),
  };
}
const ya = sides.A.out(), yb = sides.B.out();
let diff = 0;
for (let i = 0; i < ya.length; i++) diff = Math.max(diff, Math.abs(ya[i] - yb[i]));
console.log(`${process.version} ${build}: max |A - B| of the W1 output ${diff}`);
for (const wl of Object.keys(sides.A).filter((k) => k !== 'out')) {
  const t = { A: [], B: [] };
  const rounds = wl.startsWith('W2') || wl.startsWith('W6') ? 9 : 41;
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? ['A', 'B'] : ['B', 'A']) {
      sides[s][wl]();
      const t0 = cpuMs();
      const reps = rounds === 41 ? 5 : 1;
      for (let i = 0; i < reps; i++) sides[s][wl]();
      t[s].push((cpuMs() - t0) / reps);
    }
  }
  console.log(`${wl}: A ${median(t.A).toFixed(3)}  B ${median(t.B).toFixed(3)}  B speed-up ${(median(t.A) / median(t.B)).toFixed(2)}x`);
}
