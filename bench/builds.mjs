// relaxed against simd on whole workloads, in one process: the ground truth that ready()'s
// timing of the two builds (bindings/build-choice.ts) is meant to predict. Each workload is built
// on both builds from the same weights (bench/lib/models.mjs, peers.mjs), checked, then timed in
// interleaved rounds (the order alternating), median per build and median of per-round ratios.
// It also prints what ready() itself chose in this process, and what that cost.
//   node [--experimental-wasm-relaxed-simd] bench/builds.mjs [--rounds 15] [--only W1,W3] [--clock cpu|wall]
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, makeData } from './lib/models.mjs';
import { wasmRnnPeer } from './lib/peers.mjs';
import { median } from './lib/timing.mjs';
import { cpuInfo } from './vad-engines.mjs';

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const ROUNDS = Number(opt('rounds', '15'));
const ONLY = opt('only', 'W1,W2,W3,W4,W5,W6').split(',');
const useCpu = opt('clock', 'cpu') === 'cpu';
const now = useCpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; } : () => performance.now();

const lib = await import(fileURLToPath(new URL('./.cache/lib/wasm-rnn.mjs', import.meta.url)));
const load0 = os.loadavg();
const t = performance.now();
const chosen = await lib.ready();
const readyMs = performance.now() - t;
if (!lib.supportedBuilds().includes('relaxed')) { console.log(`${process.version}: no relaxed SIMD here`); process.exit(0); }

const peers = { relaxed: await wasmRnnPeer(lib, 'relaxed'), simd: await wasmRnnPeer(lib, 'simd') };
const out = { node: process.version, v8: process.versions.v8, cpu: cpuInfo(), clock: useCpu ? 'cpu' : 'wall', loadavgStart: load0, ready: { ...chosen, ms: readyMs }, workloads: {} };
for (const id of ONLY) {
  const wl = WORKLOADS[id], data = makeData(wl);
  const inst = {};
  for (const b of ['relaxed', 'simd']) inst[b] = await peers[b][wl.kind](wl, data);
  // one unit of work per workload: a call (seq), 20 steps (step), 20 tokens (charlm)
  const work = (o) => {
    if (wl.kind === 'seq') return () => o.run();
    if (wl.kind === 'step') { const xs = (i) => data.x.subarray((i % 64) * wl.I, (i % 64 + 1) * wl.I); return () => { for (let i = 0; i < 20; i++) o.step(xs(i)); }; }
    return () => { let tok = 1; for (let i = 0; i < 20; i++) { const l = o.next(tok); let m = 0; for (let j = 1; j < l.length; j++) if (l[j] > l[m]) m = j; tok = m; } };
  };
  const fn = { relaxed: work(inst.relaxed), simd: work(inst.simd) };
  const reps = wl.id === 'W2' || wl.id === 'W6' ? 1 : 5;
  const times = { relaxed: [], simd: [] }, ratios = [];
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const b of r & 1 ? ['relaxed', 'simd'] : ['simd', 'relaxed']) {
      inst[b].reset?.();
      fn[b]();
      const t0 = now();
      for (let i = 0; i < reps; i++) fn[b]();
      if (r >= 2) times[b].push((now() - t0) / reps);
    }
    if (r >= 2) ratios.push(times.simd.at(-1) / times.relaxed.at(-1));
  }
  for (const o of Object.values(inst)) await o.dispose?.();
  out.workloads[id] = { relaxedMs: median(times.relaxed), simdMs: median(times.simd), relaxedSpeedup: median(ratios) };
  console.error(`${id}: relaxed ${median(times.relaxed).toFixed(3)} ms, simd ${median(times.simd).toFixed(3)} ms, relaxed speed-up ${median(ratios).toFixed(3)}x`);
}
out.loadavgEnd = os.loadavg();
console.log(JSON.stringify(out));
process.kill(process.pid, 'SIGKILL'); // Node 24 can hang in exit (see suite.mjs)
