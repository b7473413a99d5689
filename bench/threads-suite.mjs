// One measuring process of the threads bench (spawned by bench/threads.mjs): wasm-rnn on one
// thread and on ready({ threads: 2 }) (the build ready() chooses), and onnxruntime-web with
// env.wasm.numThreads = --ort-threads (which the process's first session fixes), on the batched
// workloads threads are for (W2, W6) and the batch-1 sequences (W1, W4: only the input projection
// splits there). Outputs are checked first: the two wasm-rnn runtimes bitwise, onnxruntime-web
// within 1e-4. Then rounds alternate the peers (the order reversed every other round), each
// timing calls for about 150 ms of wall clock (threads run on two cores: process CPU time would
// count both). Prints one JSON line.
//   node bench/threads-suite.mjs [--ort-threads 1|2] [--rounds 7] [--only W2,W6]
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, makeData, onnxRecurrent } from './lib/models.mjs';
import { wasmRnnPeer, ortPeer } from './lib/peers.mjs';
import { median, maxAbsDiff } from './lib/stats.mjs';
import { cpuInfo } from './vad-engines.mjs';

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const ORT_THREADS = Number(opt('ort-threads', '1'));
const ROUNDS = Number(opt('rounds', '7'));
const ONLY = opt('only', 'W2,W6,W1,W4').split(',');
const log = (...a) => console.error(...a);

const lib = await import(fileURLToPath(new URL('./.cache/lib/wasm-rnn.mjs', import.meta.url)));
const { build } = await lib.ready();
const peers = {
  'wasm-rnn 1 thread': await wasmRnnPeer(lib, build),
  'wasm-rnn 2 threads': await wasmRnnPeer(lib, build, { threads: 2 }),
  [`onnxruntime-web ${ORT_THREADS} thread${ORT_THREADS > 1 ? 's' : ''}`]: await ortPeer({ recurrent: onnxRecurrent }, { threads: ORT_THREADS }),
};
const names = Object.keys(peers);

const out = { node: process.version, v8: process.versions.v8, cpu: cpuInfo(), build, ortThreads: ORT_THREADS, rounds: ROUNDS, loadavgStart: os.loadavg(), workloads: {} };
for (const id of ONLY) {
  const wl = WORKLOADS[id];
  const data = makeData(wl);
  const inst = {};
  for (const n of names) inst[n] = await peers[n].seq(wl, data);
  const ref = await inst[names[0]].run();
  const res = {};
  for (const n of names) {
    const y = await inst[n].run();
    res[n] = { maxAbsDiff: maxAbsDiff(y, ref), ms: [] };
    if (n.startsWith('wasm-rnn') ? res[n].maxAbsDiff !== 0 : !(res[n].maxAbsDiff <= 1e-4)) throw new Error(`${id} ${n}: output differs from ${names[0]} by ${res[n].maxAbsDiff}`);
  }
  // calls per sample: about 150 ms of the one-thread runtime
  const t0 = performance.now();
  await inst[names[0]].run();
  const reps = Math.max(1, Math.round(150 / (performance.now() - t0)));
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of r % 2 ? [...names].reverse() : names) {
      await inst[n].run(); // warm after the other peers ran
      const t = performance.now();
      for (let k = 0; k < reps; k++) await inst[n].run();
      res[n].ms.push((performance.now() - t) / reps);
    }
  }
  const speedup = (a, b) => median(res[a].ms.map((x, i) => x / res[b].ms[i]));
  out.workloads[id] = {
    reps,
    peers: Object.fromEntries(names.map((n) => [n, { medianMs: median(res[n].ms), ms: res[n].ms, maxAbsDiff: res[n].maxAbsDiff }])),
    // medians of the per-round ratios
    threadsSpeedup: speedup(names[0], names[1]),
    vsOrt: { [names[0]]: speedup(names[2], names[0]), [names[1]]: speedup(names[2], names[1]) },
  };
  log(`${id}: ${names.map((n) => `${n} ${median(res[n].ms).toFixed(2)} ms`).join(', ')}; 2 threads / 1: ${out.workloads[id].threadsSpeedup.toFixed(2)}x`);
  for (const n of names) inst[n].dispose?.();
}
out.loadavgEnd = os.loadavg();
console.log(JSON.stringify(out));
// onnxruntime-web's threads can keep the process from ending (as in bench/vad-cold.mjs)
process.kill(process.pid, 'SIGKILL');
