// Times the batch-1 GEMV of four weight formats (gemv.ts) on the matrices W3 and W5 read every
// step, interleaved in rounds (median per call), after checking each kernel against a float64
// product of the weights it holds. Prints the CPU and the engine.
//   node [--experimental-wasm-relaxed-simd] bench/gemv-formats/run.mjs
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuInfo } from '../vad-engines.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../.cache/gemv-formats.wasm');
fs.mkdirSync(here('../.cache'), { recursive: true });
execFileSync(here('../../node_modules/.bin/asc'), [here('gemv.ts'), '--outFile', out, '-O3', '--runtime', 'stub', '--enable', 'simd', '--enable', 'relaxed-simd', '--initialMemory', '1024', '--noAssert']);
const { instance } = await WebAssembly.instantiate(fs.readFileSync(out), { env: { abort() {} } });
const e = instance.exports;
const cpu = cpuInfo();
console.log(`${cpu.modelName} (${cpu.vendor}, family ${cpu.family}), Node ${process.versions.node} (V8 ${process.versions.v8}), load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const f32ToHalf = (v) => {
  // normal range only (the kernel's h2f handles normal halves); round to nearest even
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  let exp = ((u >>> 23) & 0xff) - 112;
  let mant = u & 0x7fffff;
  if (exp <= 0) return sign; // below the normal halves: zero (the test weights stay far above)
  let h = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
};
const halfToF32 = (h) => {
  const e5 = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e5 === 0 ? 0 : 2 ** (e5 - 15) * (1 + m / 1024);
  return h & 0x8000 ? -v : v;
};

// the matrices one step reads: W3 (LSTM 128 -> 256) W_ih and W_hh, W5's largest (LSTM 512 -> 512)
for (const [label, n, k] of [['W3 W_ih', 1024, 128], ['W3 W_hh', 1024, 256], ['W5 W_hh', 2048, 512]]) {
  const mem = () => e.memory.buffer;
  const wf = e.alloc(n * k * 4), wh = e.alloc(n * k * 2), wq = e.alloc(n * k), wr = e.alloc(n * k);
  const x = e.alloc(k * 4), xq = e.alloc(k * 2), xr = e.alloc(k), y = e.alloc(n * 4), sc = e.alloc(n * 4);
  const W = Float64Array.from({ length: n * k }, () => rand() * 0.1);
  const X = Float64Array.from({ length: k }, () => rand());
  // f32 panels [N/32][K][32]; f16 the same in halves
  const Wf = new Float32Array(mem(), wf, n * k), Wh = new Uint16Array(mem(), wh, n * k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) {
    const at = (r >> 5) * k * 32 + c * 32 + (r & 31);
    Wf[at] = W[r * k + c];
    Wh[at] = f32ToHalf(W[r * k + c]);
  }
  // int8: symmetric per-row scales; q8 pairs [N/32][K/2][32][2], q8r quads [N/32][K/4][32][4]
  const S = new Float32Array(mem(), sc, n);
  const Wq = new Int8Array(mem(), wq, n * k), Wr = new Int8Array(mem(), wr, n * k);
  const Q = new Int8Array(n * k);
  for (let r = 0; r < n; r++) {
    let amax = 0;
    for (let c = 0; c < k; c++) amax = Math.max(amax, Math.abs(W[r * k + c]));
    const s = amax / 127;
    for (let c = 0; c < k; c++) Q[r * k + c] = Math.round(W[r * k + c] / s);
    S[r] = s;
  }
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) {
    Wq[(r >> 5) * k * 32 + (c >> 1) * 64 + (r & 31) * 2 + (c & 1)] = Q[r * k + c];
    Wr[(r >> 5) * k * 32 + (c >> 2) * 128 + (r & 31) * 4 + (c & 3)] = Q[r * k + c];
  }
  // activations: f32; int16 with a 15-bit scale (q8); 7-bit unsigned, zero point 64 (q8r: the
  // relaxed dot's second operand must be in [0, 127]; the library would subtract 64 * the row sum)
  new Float32Array(mem(), x, k).set(X);
  const xmax = X.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const s16 = xmax / 32767, s7 = xmax / 63;
  new Int16Array(mem(), xq, k).set(X.map((v) => Math.round(v / s16)));
  const toU7 = (v) => Math.round(v / s7) + 64;
  new Uint8Array(mem(), xr, k).set(X.map(toU7));

  const kernels = {
    f32: { bytes: 4, run: () => e.f32_gemv(y, x, wf, n, k) },
    f16: { bytes: 2, run: () => e.f16_gemv(y, x, wh, n, k) },
    q8: { bytes: 1, run: () => e.q8_gemv(y, xq, wq, sc, n, k) },
    q8r: { bytes: 1, run: () => e.q8r_gemv(y, xr, wr, sc, n, k) },
  };
  // correctness: each against the float64 product of the weights and activations it holds
  // (int8: the exact integer sum times the row scale), relative to the sum of |terms|
  const wrong = [];
  for (const [name, kk] of Object.entries(kernels)) {
    kk.run();
    const got = new Float32Array(mem(), y, n);
    const xs = name === 'q8r' ? X.map(toU7) : name === 'q8' ? X.map((v) => Math.round(v / s16)) : X.map((v) => Math.fround(v));
    const w = (r, c) => (name === 'f32' ? Math.fround(W[r * k + c]) : name === 'f16' ? halfToF32(f32ToHalf(W[r * k + c])) : Q[r * k + c]);
    for (let r = 0; r < n; r++) {
      let want = 0;
      let mag = 0;
      for (let c = 0; c < k; c++) {
        want += w(r, c) * xs[c];
        mag += Math.abs(w(r, c) * xs[c]);
      }
      const s = name.startsWith('q8') ? S[r] : 1;
      if (!(Math.abs(got[r] - want * s) <= 1e-5 * mag * s)) {
        wrong.push(`${name} (row ${r}: ${got[r]}, expected ${want * s})`);
        delete kernels[name];
        break;
      }
    }
  }
  // an engine may lower a relaxed instruction with other semantics than the spec's deterministic
  // range: such a kernel is reported, not timed
  if (wrong.length) console.log(`${label}: WRONG RESULTS, not timed: ${wrong.join(', ')}`);
  const times = Object.fromEntries(Object.keys(kernels).map((kn) => [kn, []]));
  const reps = Math.max(3, Math.round(4e6 / (n * k)));
  for (let round = 0; round < 21; round++) {
    for (const [name, kk] of Object.entries(kernels)) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) kk.run();
      times[name].push(((performance.now() - t0) / reps) * 1000);
    }
  }
  const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const base = med(times.f32);
  console.log(`${label} [${n} x ${k}]: ` + Object.entries(kernels).map(([name, kk]) => {
    const us = med(times[name]);
    return `${name} ${us.toFixed(2)} us (${((n * k * kk.bytes) / us / 1e3).toFixed(0)} GB/s, ${(base / us).toFixed(2)}x f32)`;
  }).join(', '));
}
