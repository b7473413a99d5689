// Where the time goes: times one library call next to the kernels it is made of, on the same
// wasm instance (lib.runtime()'s exports), and optionally a V8 CPU profile of a workload loop.
//   node [--experimental-wasm-relaxed-simd] bench/profile.mjs [--build simd] [--only W1,W3]
//   node bench/profile.mjs --cpu-prof W3      (V8 --cpu-prof of 3 s of W3 steps; self time by function)
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, makeData, stateDict, gates } from './lib/models.mjs';
import { median, cpuMs, CLOCK } from './lib/timing.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const lib = await import(here('./.cache/lib/wasm-rnn.mjs'));
const us = (s) => `${(s * 1e6).toFixed(1)} us`;
// Components are timed interleaved (round-robin, ~15 ms bursts, 9 rounds, median per call), so
// the load of a shared machine hits the whole and its parts alike.
let pending = [];
const t = (fn) => { const slot = { fn, v: NaN }; pending.push(slot); return slot; };
async function flush() {
  const per = pending.map(() => []);
  const reps = pending.map((s) => { s.fn(); const t0 = cpuMs(); s.fn(); const dt = cpuMs() - t0; return Math.max(1, Math.round(15 / Math.max(dt, 1e-3))); });
  for (let r = 0; r < 9; r++) {
    pending.forEach((s, i) => {
      const t0 = cpuMs();
      for (let k = 0; k < reps[i]; k++) s.fn();
      per[i].push((cpuMs() - t0) / 1e3 / reps[i]);
    });
  }
  pending.forEach((s, i) => { s.v = median(per[i]); });
  pending = [];
}
const V = (slot) => slot.v;

// ---------------------------------------------------------------- CPU profile mode
if (opt('cpu-prof')) {
  const id = opt('cpu-prof');
  if (!argv.includes('--child')) {
    const dir = here('./.cache/prof');
    fs.rmSync(dir, { recursive: true, force: true });
    spawnSync(process.execPath, [...process.execArgv, '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', here('./profile.mjs'), '--cpu-prof', id, '--child', '--build', opt('build', 'simd')], { stdio: 'inherit' });
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    const prof = JSON.parse(fs.readFileSync(`${dir}/${file}`, 'utf8'));
    const self = new Map();
    const dt = prof.timeDeltas.reduce((a, b) => a + b, 0) / prof.samples.length;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    for (const s of prof.samples) {
      const n = byId.get(s);
      const cf = n.callFrame;
      const key = `${cf.functionName || '(anonymous)'} ${cf.url.startsWith('wasm') ? '[wasm]' : cf.url ? `[${cf.url.split('/').pop()}:${cf.lineNumber + 1}]` : ''}`;
      self.set(key, (self.get(key) ?? 0) + dt);
    }
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    console.log(`CPU profile of ${id} (${opt('build', 'simd')}), self time, ${(total / 1e3).toFixed(0)} ms sampled:`);
    for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    process.exit(0);
  }
  await lib.ready({ build: opt('build', 'simd') });
  const wl = WORKLOADS[id], data = makeData(wl);
  const end = performance.now() + 3000;
  if (wl.kind !== 'seq') {
    const I = wl.I ?? wl.E, x = data.x ?? data.emb;
    const layer = new lib.LSTM({ inputSize: I, hiddenSize: wl.H, numLayers: wl.L ?? 1, seed: 1 });
    layer.loadStateDict(stateDict(data.layers, wl.H, 'lstm'));
    const st = layer.createState({ batch: 1 });
    let i = 0;
    while (performance.now() < end) for (let k = 0; k < 100; k++, i++) layer.step({ data: x.subarray((i % 64) * I, (i % 64 + 1) * I), shape: [1, I] }, st, { view: true });
  } else {
    const L = wl.cell === 'lstm' ? lib.LSTM : lib.GRU;
    const layer = new L({ inputSize: wl.I, hiddenSize: wl.H, seed: 1 });
    layer.loadStateDict(stateDict(data.layers, wl.H, wl.cell));
    while (performance.now() < end) layer.forward({ data: data.x, shape: [wl.T, wl.B, wl.I] });
  }
  process.exit(0);
}

// ---------------------------------------------------------------- breakdown mode
const build = opt('build', 'simd');
await lib.ready({ build });
const rt = lib.runtime();
const ex = rt.exports;
const fill = (p, n, s) => { const v = rt.f32(p, n); for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37 + s) * 0.5; return p; };
const buf = (n, s = 0) => fill(rt.allocF32(Math.max(4, n)), n, s);
// nr: panel width (8 for input projections and Linear; the recurrence packs W_hh with
// recurrent_panel_width, see assembly/recurrence.ts)
const packed = (n, k, nr = 8) => { const src = buf(n * k, 1), dst = rt.allocF32(ex[`x32_packw_x${nr}_size`](n, k)); ex[`x32_packw_x${nr}`](dst, src, n, k, k); rt.free(src); return dst; };
const gemm = (m, n, k, nr = 8) => { const a = buf(m * k, 2), w = packed(n, k, nr), c = buf(m * n), b = buf(n, 3), f = nr === 32 ? ex.f32_gemm_nr32 : ex.f32_gemm; return () => f(c, a, w, b, m, n, k, k, n); };
const rnr = (n, k) => ex.recurrent_panel_width(n, k);
const gatesFn = (cell, H) => {
  const G = gates(cell), xp = buf(G * H, 4), hh = buf(G * H, 5), c = buf(H, 6), ho = buf(H);
  return cell === 'lstm' ? () => ex.f32_lstm_gates(xp, hh, c, ho, H) : () => ex.f32_gru_gates(xp, hh, c, ho, H);
};
console.log(`# breakdown, ${build} build, ${process.version}, clock ${CLOCK} (main-thread CPU time), interleaved bursts, median of 9`);
for (const id of (opt('only', 'W1,W2,W3,W4,W5,W6')).split(',')) {
  const wl = WORKLOADS[id], data = makeData(wl);
  let parts, total;
  if (wl.kind === 'seq') {
    const { I, H, T, B, cell } = wl, G = gates(cell), GH = G * H;
    const L = cell === 'lstm' ? lib.LSTM : lib.GRU;
    const layer = new L({ inputSize: I, hiddenSize: H, seed: 1 });
    layer.loadStateDict(stateDict(data.layers, H, cell));
    const x = { data: data.x, shape: [T, B, I] };
    const xproj = buf(T * B * GH, 7), whh = packed(GH, H, rnr(GH, H)), h = buf(B * H), c = buf(B * H), out = buf(T * B * H), bhh = buf(GH, 8);
    const scratch = rt.allocF32(ex.recurrence_scratch_size(cell === 'lstm' ? 0 : 1, B, H, H) + 16);
    const driver = cell === 'lstm'
      ? () => ex.lstm_recurrence(xproj, B * GH, GH, whh, 0, h, H, c, H, out, B * H, H, T, B, H, H, 0, 0, scratch, 0)
      : () => ex.gru_recurrence(xproj, B * GH, GH, whh, bhh, h, H, out, B * H, H, T, B, H, 0, 0, scratch, 0);
    const sF = t(() => layer.forward(x)), sIn = t(gemm(T * B, GH, I)), sDrv = t(driver), sRec = t(gemm(B, GH, H, rnr(GH, H))), sG = t(gatesFn(cell, H));
    await flush();
    total = V(sF);
    parts = [['input projection GEMM (1 call)', V(sIn)], ['recurrent GEMM x T', T * V(sRec)], ['gate epilogue x T*B', T * B * V(sG)],
      ['driver rest (copies, loop) = driver - GEMMs - gates', V(sDrv) - T * V(sRec) - T * B * V(sG)], ['JS/bindings rest = forward - input GEMM - driver', total - V(sIn) - V(sDrv)]];
  } else if (wl.kind === 'step') {
    const { I, H } = wl;
    const layer = new lib.LSTM({ inputSize: I, hiddenSize: H, seed: 1 });
    layer.loadStateDict(stateDict(data.layers, H, 'lstm'));
    const st = layer.createState({ batch: 1 });
    const xs = { data: data.x.subarray(0, I), shape: [1, I] };
    const sS = t(() => layer.step(xs, st, { view: true })), sF = t(() => layer.forward({ data: data.x.subarray(0, I), shape: [1, 1, I] }));
    const sIn = t(gemm(1, 4 * H, I)), sRec = t(gemm(1, 4 * H, H, rnr(4 * H, H))), sG = t(gatesFn('lstm', H));
    await flush();
    total = V(sS);
    parts = [['input GEMM 1x1024x128', V(sIn)], ['recurrent GEMM 1x1024x256', V(sRec)], ['gate epilogue', V(sG)],
      ['rest (JS + copies) = step - kernels', total - V(sIn) - V(sRec) - V(sG)], [`(forward T=1 instead of step: ${us(V(sF))})`, 0]];
  } else {
    const { E, H, V: NV } = wl;
    const layer = new lib.LSTM({ inputSize: E, hiddenSize: H, numLayers: 2, seed: 1 });
    layer.loadStateDict(stateDict(data.layers, H, 'lstm'));
    const st = layer.createState({ batch: 1 });
    const xs = { data: data.emb.subarray(0, E), shape: [1, E] };
    const sS = t(() => layer.step(xs, st, { view: true })), s0 = t(gemm(1, 4 * H, E)), s1 = t(gemm(1, 4 * H, H)), sG = t(gatesFn('lstm', H)), sL = t(gemm(1, NV, H));
    await flush();
    total = V(sS) + V(sL);
    parts = [['layer 0 input GEMM 1x2048x64', V(s0)], ['3 GEMMs 1x2048x512 (l0 rec, l1 in, l1 rec)', 3 * V(s1)], ['2 gate epilogues', 2 * V(sG)],
      ['Linear GEMM 1x96x512', V(sL)], ['rest (JS + copies) = step + Linear - kernels', total - V(s0) - 3 * V(s1) - 2 * V(sG) - V(sL)]];
  }
  console.log(`${id} ${wl.name}: ${us(total)} per ${wl.kind === 'seq' ? 'forward' : wl.kind === 'step' ? 'step' : 'token'}`);
  for (const [k, v] of parts) console.log(`  ${k.padEnd(56)} ${us(v).padStart(12)}  ${v ? `${((100 * v) / total).toFixed(0)}%` : ''}`);
}
process.exit(0);
