// The training bench (issue 16, "Fast"), in one command:
//   node bench/train.mjs [--rounds 3] [--steps 3] [--check-steps 3] [--node 20|24] [--engines a,b]
//                        [--no-torch] [--no-build] [--write-md] [--json <file>]
// (also `npm run bench -- --only train [same options]`). The workload (bench/train-data.mjs): the
// char LM Embedding(65, 32) -> LSTM(32, 256) -> Linear(256, 65), batch 32 x sequence 64 (2,048
// characters a step), cross-entropy, Adam (lr 2e-3), one thread, every engine from the same
// initial weights on the same batches. Steps:
//   1. builds the wasm (`npm run build:wasm`; --no-build uses build/ as it is, sha256 recorded) and
//      bundles the library (bench/.cache/lib, as bench/run.mjs does), writes the workload to
//      bench/.cache/train/;
//   2. per Node version (Node 20 with --experimental-wasm-relaxed-simd, and the Node 24 of
//      test/runtimes/node24): bench/train-suite.mjs (wasm-rnn relaxed and simd training builds,
//      TF.js 4.22 wasm and cpu backends, brain.js 2.0.0-beta.24's recurrent.LSTM; losses checked
//      where the model is the same, then rounds with engines interleaved),
//      then PyTorch (bench/train_torch.py, /usr/bin/python3, torch.set_num_threads(1)) as a
//      separate reference: with the system's BLAS, and with OpenBLAS (single-threaded) when a copy
//      of Debian's libopenblas0-pthread is in bench/.cache/openblas (fetched here with
//      `apt-get download` + `dpkg-deb -x`, nothing installed; skipped if that fails);
//   3. writes bench/results/<date>-train.json (a run limited with --node, --engines or --no-torch:
//      bench/.cache/train-partial.json, unless --json names a file) and the markdown table
//      (bench/.cache/train-tables.md; with --write-md into BENCHMARKS.md between the train markers).
// brain.js runs the closest workload it can express (its own LSTM, one sequence at a time, its
// own optimizer; bench/train-suite.mjs says exactly what), normalised to characters per second.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { buildWasm, bundleLibrary } from './lib/bundle.mjs';
import { benchNodes, flag, log, opt, rel, root } from './lib/cli.mjs';
import { writeResults } from './lib/results.mjs';
import { cpuInfo } from './vad-engines.mjs';
import { CHARS_PER_STEP, writeWorkload } from './train-data.mjs';

const sh = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
const git = (args) => { try { return sh('git', args).trim(); } catch { return undefined; } };
const pkgVersion = (p) => { try { return JSON.parse(fs.readFileSync(rel(p), 'utf8')).version; } catch { return undefined; } };

// issue 16's targets
const TARGET_CHARS_PER_SECOND = 8300;
const TARGET_VS_TFJS_WASM = 10;
const TARGET_VS_TORCH = 0.5; // "within 2x of single-thread native PyTorch"
const LOSS_TOLERANCE = 1e-4;

// ------------------------------------------------------------------ build
const wasmBuild = buildWasm();
bundleLibrary();
writeWorkload();

// ------------------------------------------------------------------ node versions (as bench/run.mjs)
const runNodes = benchNodes();
const binName = (n) => n.binName;

// ------------------------------------------------------------------ PyTorch (optional)
const python = '/usr/bin/python3';
const hasTorch = !flag('no-torch') && spawnSync(python, ['-c', 'import torch, numpy'], { timeout: 60000 }).status === 0;
if (!hasTorch && !flag('no-torch')) log(`!!! ${python} has no torch (or numpy): PyTorch not measured`);
const OPENBLAS_DIR = 'bench/.cache/openblas';
const OPENBLAS_LIB = `${OPENBLAS_DIR}/usr/lib/x86_64-linux-gnu/openblas-pthread`;
function openblas() {
  if (fs.existsSync(rel(`${OPENBLAS_LIB}/libblas.so.3`))) return rel(OPENBLAS_LIB);
  try {
    const tmp = fs.mkdtempSync(`${os.tmpdir()}/openblas-`);
    execFileSync('apt-get', ['download', 'libopenblas0-pthread'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 });
    const deb = fs.readdirSync(tmp).find((f) => f.endsWith('.deb'));
    execFileSync('dpkg-deb', ['-x', `${tmp}/${deb}`, rel(OPENBLAS_DIR)]);
    fs.rmSync(tmp, { recursive: true, force: true });
    return fs.existsSync(rel(`${OPENBLAS_LIB}/libblas.so.3`)) ? rel(OPENBLAS_LIB) : undefined;
  } catch (e) {
    log(`!!! no OpenBLAS for the PyTorch reference (apt-get download libopenblas0-pthread: ${String(e.message).split('\n')[0]})`);
    return undefined;
  }
}
const torchVariants = hasTorch ? [{ name: 'pytorch (system BLAS)', env: {} }] : [];
const openblasLib = hasTorch ? openblas() : undefined;
if (openblasLib) torchVariants.push({ name: 'pytorch (OpenBLAS)', env: { LD_LIBRARY_PATH: openblasLib, OPENBLAS_NUM_THREADS: '1' }, blas: `Debian libopenblas0-pthread (${OPENBLAS_LIB}), OPENBLAS_NUM_THREADS=1` });
if (torchVariants[0]) {
  // what the system's libblas.so.3 is (Debian's alternatives: reference BLAS, OpenBLAS, BLIS, ...)
  const p = spawnSync(python, ['-c', "import torch,re; print(next((l for l in open('/proc/self/maps') if re.search(r'libblas|openblas|blis|mkl', l)), '').split()[-1])"], { encoding: 'utf8' });
  let real = p.stdout.trim();
  try { real = fs.realpathSync(real); } catch { /* as printed */ }
  torchVariants[0].blas = `the system's libblas.so.3 (${real || 'unknown'})`;
}

// ------------------------------------------------------------------ run
const wasmFiles = ['relaxed-train.wasm', 'simd-train.wasm'];
const result = {
  date: new Date().toISOString(),
  machine: { cpu: cpuInfo(), memGB: os.totalmem() / 2 ** 30, kernel: os.release(), loadavgStart: os.loadavg(),
    note: 'A 2-core VM shared with other work: engines interleaved in rounds, medians over rounds, the process CPU clock (wall clock kept beside it)' },
  workload: { description: 'Embedding(65, 32) -> LSTM(32, 256) -> Linear(256, 65), batch 32 x sequence 64, cross-entropy, Adam lr 2e-3, one thread', charsPerStep: CHARS_PER_STEP },
  versions: {
    'wasm-rnn': pkgVersion('package.json'),
    '@tensorflow/tfjs': pkgVersion('bench/node_modules/@tensorflow/tfjs/package.json'),
    '@tensorflow/tfjs-backend-wasm': pkgVersion('bench/node_modules/@tensorflow/tfjs-backend-wasm/package.json'),
    'brain.js': pkgVersion('bench/node_modules/brain.js/package.json'),
  },
  wasmRnn: {
    commit: git(['rev-parse', '--short=12', 'HEAD']),
    uncommitted: git(['status', '--porcelain', '--', 'src', 'bindings', 'base', 'assembly'])?.split('\n').filter(Boolean) ?? [],
    wasmBuild,
    wasm: Object.fromEntries(wasmFiles.map((f) => { const b = fs.readFileSync(rel(`build/${f}`)); return [f, { bytes: b.length, sha256: sha(b) }]; })),
  },
  targets: { charsPerSecond: TARGET_CHARS_PER_SECOND, vsTfjsWasm: TARGET_VS_TFJS_WASM, vsTorch: TARGET_VS_TORCH, lossTolerance: LOSS_TOLERANCE },
  commands: [],
  runs: [],
};
const common = ['--rounds', opt('rounds', '3'), '--steps', opt('steps', '3'), '--check-steps', opt('check-steps', '3')];

for (const n of runNodes) {
  const run = { label: n.label, cpu: cpuInfo() };
  const outFile = rel(`bench/.cache/train-suite-${n.label.replace(/\W+/g, '_')}.json`);
  const args = [...n.flags, 'bench/train-suite.mjs', ...common, ...(opt('engines') ? ['--engines', opt('engines')] : []), '--out', outFile];
  const cmd = `${binName(n)} ${args.map((a) => (a === outFile ? '<out>' : a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
  result.commands.push(cmd);
  log(`\n=== ${n.label}: ${cmd}`);
  const started = Date.now();
  spawnSync(n.bin, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  // the suite ends itself with SIGKILL once its JSON is written: judge by the file
  if (fs.existsSync(outFile) && fs.statSync(outFile).mtimeMs >= started) run.suite = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  else log(`!!! train-suite failed on ${n.label}`);

  // PyTorch right after this Node run, so that both see about the same load
  run.torch = {};
  for (const v of torchVariants) {
    const torchArgs = ['bench/train_torch.py', ...common];
    if (!result.commands.some((c) => c.includes('train_torch.py') && c.includes(v.name))) result.commands.push(`${python} ${torchArgs.join(' ')}   # ${v.name}${v.env.LD_LIBRARY_PATH ? ` (LD_LIBRARY_PATH=${OPENBLAS_LIB} OPENBLAS_NUM_THREADS=1)` : ''}`);
    log(`--- ${v.name}`);
    const p = spawnSync(python, torchArgs, { cwd: root, env: { ...process.env, ...v.env }, encoding: 'utf8', timeout: 600000 });
    const line = p.stdout?.trim().split('\n').pop();
    if (p.status === 0 && line?.startsWith('{')) {
      run.torch[v.name] = { ...JSON.parse(line), blas: v.blas };
      log(`  ${v.name}: losses ${run.torch[v.name].checkLosses.map((l) => l.toFixed(6)).join(' ')}, ${run.torch[v.name].msPerStep.toFixed(1)} ms/step, ${run.torch[v.name].charsPerSecond.toFixed(0)} chars/s`);
    } else log(`!!! ${v.name} failed: ${p.stderr?.trim().split('\n').slice(-3).join(' / ')}`);
  }
  result.runs.push(run);
}
result.machine.loadavgEnd = os.loadavg();

// ------------------------------------------------------------------ verdicts
for (const run of result.runs) {
  const s = run.suite;
  if (!s) continue;
  const ref = s.engines[s.check.reference];
  for (const t of Object.values(run.torch)) {
    t.firstLossDiff = Math.abs(t.checkLosses[0] - ref.checkLosses[0]);
    t.maxLossDiff = Math.max(...t.checkLosses.map((l, i) => Math.abs(l - ref.checkLosses[i])));
    t.checkOk = t.firstLossDiff <= LOSS_TOLERANCE;
  }
  const tfWasm = s.engines['tfjs-wasm'];
  const best = ['wasm-rnn relaxed', 'wasm-rnn simd'].map((k) => [k, s.engines[k]]).filter(([, e]) => e).sort((a, b) => b[1].charsPerSecond - a[1].charsPerSecond)[0];
  const fastestTorch = Object.entries(run.torch).sort((a, b) => b[1].charsPerSecond - a[1].charsPerSecond)[0];
  run.verdict = {
    engine: best?.[0],
    charsPerSecond: best?.[1].charsPerSecond,
    meetsCharsPerSecond: best ? best[1].charsPerSecond >= TARGET_CHARS_PER_SECOND : undefined,
    // the ratio of medians over rounds: every round ran both engines
    vsTfjsWasm: best && tfWasm ? best[1].charsPerSecond / tfWasm.charsPerSecond : undefined,
    vsTorch: best && fastestTorch ? { torch: fastestTorch[0], ratio: best[1].charsPerSecond / fastestTorch[1].charsPerSecond } : undefined,
  };
  run.verdict.meetsVsTfjsWasm = run.verdict.vsTfjsWasm === undefined ? undefined : run.verdict.vsTfjsWasm >= TARGET_VS_TFJS_WASM;
  run.verdict.meetsVsTorch = run.verdict.vsTorch === undefined ? undefined : run.verdict.vsTorch.ratio >= TARGET_VS_TORCH;
}

// ------------------------------------------------------------------ report
const f0 = (x) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined ? '-' : x.toFixed(1));
const exp = (x) => (x === undefined ? '-' : x === 0 ? '0' : x.toExponential(1));
const la = (a) => a.map((x) => x.toFixed(1)).join(' / ');
function report(r, outPath) {
  const lines = [];
  const cpu = r.machine.cpu;
  lines.push(`Run ${r.date.slice(0, 16)}Z (\`${outPath}\`) on **${cpu.modelName}** (${cpu.vendor}, family ${cpu.family}, model ${cpu.model}, stepping ${cpu.stepping}), ${cpu.cpus} cores; load average (1 / 5 / 15 min) ${la(r.machine.loadavgStart)} at the start, ${la(r.machine.loadavgEnd)} at the end. ${r.machine.note}.`);
  lines.push('');
  lines.push(`Engines: wasm-rnn ${r.versions['wasm-rnn']} at ${r.wasmRnn.commit}${r.wasmRnn.uncommitted.length ? ` (+${r.wasmRnn.uncommitted.length} uncommitted files)` : ''}, wasm ${r.wasmRnn.wasmBuild}, ${Object.entries(r.wasmRnn.wasm).map(([f, v]) => `${f} ${v.sha256}`).join(', ')}; @tensorflow/tfjs ${r.versions['@tensorflow/tfjs']} with tfjs-backend-wasm ${r.versions['@tensorflow/tfjs-backend-wasm']} (1 thread) and the cpu backend; ${Object.values(r.runs[0]?.torch ?? {})[0] ? `PyTorch ${Object.values(r.runs[0].torch)[0].torch} (Python ${Object.values(r.runs[0].torch)[0].python}, torch.set_num_threads(1)); ` : 'PyTorch not measured; '}brain.js ${r.versions['brain.js']} (recurrent.LSTM, hidden 256, one 64-character sequence at a time, each with its own weight update; its own model and init, so not loss-checked). Medians over ${r.runs[0]?.suite?.rounds ?? '-'} rounds of ${r.runs[0]?.suite?.stepsPerRound ?? '-'} steps, process CPU clock; ${CHARS_PER_STEP} characters a step.`);
  for (const run of r.runs) {
    const s = run.suite;
    if (!s) { lines.push('', `### Training, ${run.label}: the suite failed`); continue; }
    lines.push('', `### Training, ${run.label} (V8 ${s.v8})${s.execArgv.length ? ` ${s.execArgv.join(' ')}` : ''}`, '');
    lines.push(`Load average ${la(s.loadavgStart)} at the start of the run, ${la(s.loadavgEnd)} at its end.`, '');
    lines.push('| engine | chars/s | ms/step | chars/s (wall) | / TF.js wasm | first loss | max \\|loss diff\\| over check steps |');
    lines.push('|---|---:|---:|---:|---:|---|---|');
    const tfw = s.engines['tfjs-wasm']?.charsPerSecond;
    const ref = s.engines[s.check.reference].checkLosses;
    const row = (name, e) => `| ${name} | ${f0(e.charsPerSecond)} | ${f1(e.msPerStep)} | ${f0(e.wallCharsPerSecond)} | ${tfw ? `${(e.charsPerSecond / tfw).toFixed(1)}x` : '-'} | ${e.info?.comparable === false ? `${e.checkLosses[0].toFixed(4)} (own model and init, not compared)` : `${e.checkLosses[0].toFixed(6)} (${exp(e.firstLossDiff)})`} | ${e.info?.comparable === false ? '-' : exp(e.maxLossDiff)} |`;
    for (const [name, e] of Object.entries(s.engines)) lines.push(row(name, e));
    for (const [name, e] of Object.entries(run.torch)) lines.push(row(`${name}, separate process`, e));
    lines.push('');
    lines.push(`Loss differences are against ${s.check.reference} (${ref.map((l) => l.toFixed(6)).join(', ')} over the first ${ref.length} steps from the shared initial weights).`);
    const v = run.verdict;
    if (v.engine) {
      const yes = (b) => (b === undefined ? 'not measured' : b ? '**met**' : '**not met**');
      lines.push(`Targets (${v.engine}): >= ${TARGET_CHARS_PER_SECOND.toLocaleString('en-US')} chars/s: ${f0(v.charsPerSecond)}, ${yes(v.meetsCharsPerSecond)}; >= ${TARGET_VS_TFJS_WASM}x TF.js wasm: ${v.vsTfjsWasm ? `${v.vsTfjsWasm.toFixed(1)}x` : '-'}, ${yes(v.meetsVsTfjsWasm)}; within 2x of single-thread PyTorch: ${v.vsTorch ? `${v.vsTorch.ratio.toFixed(2)}x ${v.vsTorch.torch}` : '-'}, ${yes(v.meetsVsTorch)}.`);
    }
  }
  return lines.join('\n') + '\n';
}

const partial = ['node', 'engines'].some((k) => opt(k) !== undefined) || flag('no-torch');
const outPath = opt('json', partial ? 'bench/.cache/train-partial.json' : `bench/results/${result.date.slice(0, 10)}-train.json`);
writeResults(result, report(result, outPath), { outPath, tablesPath: 'bench/.cache/train-tables.md', marker: 'train' });
