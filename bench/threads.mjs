// The threads bench (issue 17 part 3: at least 1.7x on 2 cores for W2 and W6 against wasm-rnn on
// one thread): bench/threads-suite.mjs on each Node (20 with --experimental-wasm-relaxed-simd, and
// 24), once with onnxruntime-web on one thread and once on two, each process timing wasm-rnn on
// one and two threads interleaved with it. Writes bench/results/<date>-threads.json and the
// markdown table (with --write-md into BENCHMARKS.md between the threads markers).
//   node bench/threads.mjs [--node 20|24] [--rounds 7] [--only W2,W6,W1,W4] [--no-build] [--write-md] [--json <file>]
//   node bench/threads.mjs --from bench/results/<date>-threads.json [--write-md]   (the tables of that run again)
//   npm run bench -- --only threads [the same options]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { buildWasm, bundleLibrary } from './lib/bundle.mjs';
import { benchNodes, log, opt, rel, root } from './lib/cli.mjs';
import { writeResults } from './lib/results.mjs';
import { cpuInfo } from './vad-engines.mjs';

// --from <results.json>: the tables of an earlier run, nothing measured
const earlier = opt('from') && JSON.parse(fs.readFileSync(rel(opt('from')), 'utf8'));
const wasmBuild = earlier ? earlier.wasmBuild : buildWasm();
if (!earlier) bundleLibrary();
const passOn = ['rounds', 'only'].flatMap((k) => (opt(k) ? [`--${k}`, opt(k)] : []));

const runs = earlier ? earlier.runs : [];
for (const node of earlier ? [] : benchNodes()) {
  for (const ortThreads of [1, 2]) {
    log(`--- ${node.label}, onnxruntime-web on ${ortThreads} thread(s)`);
    const p = spawnSync(node.bin, [...node.flags, 'bench/threads-suite.mjs', '--ort-threads', String(ortThreads), ...passOn], { cwd: root, timeout: 1_800_000, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = p.stdout.toString().trim().split('\n').pop();
    if (!line?.startsWith('{')) throw new Error(`threads-suite on ${node.label} (onnxruntime-web ${ortThreads} threads) printed no result`);
    runs.push({ node: node.label, command: `${node.binName} ${node.flags.join(' ')} bench/threads-suite.mjs --ort-threads ${ortThreads}`.replace(/ +/g, ' '), ...JSON.parse(line) });
  }
}

const x = (v) => `${v.toFixed(2)}x`;
const rows = [];
for (const r of runs) {
  for (const [id, w] of Object.entries(r.workloads)) {
    const [one, two, ort] = Object.keys(w.peers);
    rows.push(`| ${r.node} ${r.build} | ${id} | ${w.peers[one].medianMs.toFixed(2)} | ${w.peers[two].medianMs.toFixed(2)} | **${x(w.threadsSpeedup)}** | ${ort}: ${w.peers[ort].medianMs.toFixed(2)} ms, wasm-rnn 1 / 2 threads ${x(w.vsOrt[one])} / ${x(w.vsOrt[two])} |`);
  }
}
const cpu = earlier ? earlier.cpu : cpuInfo();
const md = [
  `Threads (${(earlier?.date ?? new Date().toISOString()).slice(0, 16)}Z; ${cpu.modelName}, ${cpu.vendor} family ${cpu.family} model ${cpu.model}, ${cpu.cpus} CPUs; the build ready() chose; wall clock, median ms a call over ${runs[0]?.rounds} interleaved rounds; speed-ups are medians of per-round ratios; load average ${runs.at(-1)?.loadavgEnd?.map((l) => l.toFixed(1)).join(' ')} at the end):`,
  '',
  '| engine | workload | wasm-rnn 1 thread, ms | 2 threads, ms | 2 threads / 1 (target >= 1.7x for W2, W6) | onnxruntime-web in the same rounds |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
const result = earlier ?? { date: new Date().toISOString(), wasmBuild, cpu, runs };
const out = opt('json') ?? opt('from') ?? `bench/results/${new Date().toISOString().slice(0, 10)}-threads.json`;
writeResults(result, md, { outPath: out, tablesPath: 'bench/.cache/threads-tables.md', marker: 'threads' });
fs.writeFileSync(rel('bench/.cache/threads-last.json'), JSON.stringify(result));
