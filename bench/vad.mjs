// The Silero VAD bench (issue 14, section 6), in one command:
//   node bench/vad.mjs [--repeats 2] [--rounds 7] [--frames 1100] [--cold 5] [--node 20|24]
//                      [--models legacy,v5,v6] [--engines wasm-rnn,onnxruntime-web] [--no-build]
//                      [--no-cold] [--no-alloc] [--write-md] [--json <file>]
// (also `npm run bench -- --only vad [same options]`). It builds the package (`npm run build:ts`;
// the wasm in build/ is used as it is and its sha256 recorded), takes a snapshot of dist/ that
// every process of the run imports (bench/.cache/vad-pkg), then for each repeat and each Node
// version (Node 20 with --experimental-wasm-relaxed-simd, as bench/run.mjs runs it, and the Node 24
// of test/runtimes/node24):
//   bench/vad-suite.mjs  per-frame wall time (median, p99) of every engine on the clip's frames,
//                        engines interleaved in rounds, and ratios within the run;
//   bench/vad-cold.mjs   cold start in fresh processes, --cold of each engine x model, interleaved;
//   bench/vad-alloc.mjs  allocation per frame in steady state (first repeat only: not a timing);
// then the sizes a web page ships, and writes bench/results/<date>-vad.json (a run limited with
// --node/--models/--engines/--no-cold/--no-alloc/--repeats 1 goes to bench/.cache/vad-partial.json
// unless --json names a file) and the markdown (bench/.cache/vad-tables.md; with --write-md into
// BENCHMARKS.md between the vad markers).
import { execFileSync, spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import { MODELS, ENGINES, VAD_DIST, cpuInfo, engineVersions } from './vad-engines.mjs';
import { vadReport } from './vad-report.mjs';
import { benchNodes, flag, log, opt, rel, root } from './lib/cli.mjs';
import { writeResults } from './lib/results.mjs';

const sh = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);

const REPEATS = Number(opt('repeats', '2'));
const COLD = flag('no-cold') ? 0 : Number(opt('cold', '5'));
const models = opt('models', Object.keys(MODELS).join(',')).split(',');
let engines = opt('engines', ENGINES.join(',')).split(',');
fs.mkdirSync(rel('bench/.cache'), { recursive: true });
fs.writeFileSync(rel('bench/.cache/.gitignore'), '*\n');

// ------------------------------------------------------------------ build
let packageBuild = 'fresh (npm run build:ts)';
if (!flag('no-build')) {
  try {
    sh('npm', ['run', '--silent', 'build:ts']);
  } catch (e) {
    packageBuild = `STALE: npm run build:ts failed (${String(e.stderr ?? e.message).trim().split('\n').slice(0, 3).join(' / ')}), using dist/ as it was`;
    log(`!!! ${packageBuild}`);
  }
} else packageBuild = 'not rebuilt (--no-build)';
// Every process of the run imports wasm-rnn from one snapshot of the built package (other work
// may rebuild dist/ while the bench runs): bench/.cache/vad-pkg/{package.json, dist/}, named to
// the children by VAD_PKG (bench/vad-engines.mjs), fingerprinted in the results.
const pkgDir = rel('bench/.cache/vad-pkg');
fs.rmSync(pkgDir, { recursive: true, force: true });
fs.cpSync(rel('dist'), `${pkgDir}/dist`, { recursive: true });
fs.copyFileSync(rel('package.json'), `${pkgDir}/package.json`);
process.env.VAD_PKG = pkgDir;
const filesUnder = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(`${d}/${e.name}`) : [`${d}/${e.name}`])).sort();
const snapshotHash = crypto.createHash('sha256');
for (const f of filesUnder(`${pkgDir}/dist`)) snapshotHash.update(f.slice(pkgDir.length)).update(fs.readFileSync(f));
// wasm-rnn/ort and SileroVad are measured if the built package has them
engines = engines.filter((e) => {
  const p = spawnSync('node', ['--input-type=module', '-e', `await (await import('./bench/vad-engines.mjs')).importEngine(${JSON.stringify(e)})`], { cwd: root });
  if (p.status !== 0) log(`!!! ${e} cannot be imported from the built package: measured without it (${p.stderr.toString().trim().split('\n').pop()})`);
  return p.status === 0;
});

const git = (args) => { try { return sh('git', args).trim(); } catch { return undefined; } };
const dirty = git(['status', '--porcelain', '--', 'src', 'bindings', 'assembly', 'build'])?.split('\n').filter(Boolean) ?? [];
const wasmRnn = {
  commit: git(['rev-parse', '--short=12', 'HEAD']),
  uncommitted: dirty, // the bench measures the working tree, other work in progress included
  packageBuild,
  distSha256: snapshotHash.digest('hex').slice(0, 16),
  wasm: Object.fromEntries(fs.readdirSync(`${pkgDir}/dist/build`).filter((f) => f.endsWith('.wasm')).map((f) => {
    const b = fs.readFileSync(`${pkgDir}/dist/build/${f}`);
    return [f, { bytes: b.length, sha256: sha(b), mtime: fs.statSync(rel(`dist/build/${f}`)).mtime.toISOString() }];
  })),
};

// ------------------------------------------------------------------ node versions (as bench/run.mjs)
const runNodes = benchNodes();
const binName = (n) => n.binName;

const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpuInfo(),
    memGB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    note: 'a 2-core VM shared with other work: peers interleaved in rounds, ratios taken within a round, the whole run repeated',
  },
  versions: { ...engineVersions(), node: undefined, v8: undefined },
  wasmRnn,
  engines,
  models,
  commands: [],
  runs: [],
};

const lastJsonLine = (p) => p.stdout?.toString().trim().split('\n').pop();
for (let repeat = 1; repeat <= REPEATS; repeat++) {
  for (const n of runNodes) {
    // the CPU with every run: the VM may be moved between hosts
    const run = { label: n.label, repeat, cpu: cpuInfo() };
    // ---------------------------------------------------------------- per-frame timing
    const outFile = rel(`bench/.cache/vad-suite-${n.label.replace(/\W+/g, '_')}-${repeat}.json`);
    const args = [...n.flags, 'bench/vad-suite.mjs', '--rounds', opt('rounds', '7'), '--frames', opt('frames', '1100'), '--models', models.join(','), '--engines', engines.join(','), '--out', outFile];
    const cmd = `${binName(n)} ${args.map((a) => (a === outFile ? '<out>' : a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
    if (repeat === 1) result.commands.push(cmd);
    log(`\n=== repeat ${repeat}, ${n.label}: ${cmd}`);
    const started = Date.now();
    spawnSync(n.bin, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    // the suite ends itself with SIGKILL once its JSON is written: judge by the file
    if (fs.existsSync(outFile) && fs.statSync(outFile).mtimeMs >= started) run.suite = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    else log(`!!! vad-suite failed on ${n.label}`);
    run.node = n.label.slice(5);
    run.versions = run.suite?.versions;

    // ---------------------------------------------------------------- cold start
    run.cold = {};
    for (let i = 0; i < COLD; i++) {
      for (const model of models) {
        for (let k = 0; k < engines.length; k++) {
          const engine = engines[(k + i) % engines.length];
          const p = spawnSync(n.bin, [...n.flags, 'bench/vad-cold.mjs', engine, model], { cwd: root, timeout: 60000 });
          const line = lastJsonLine(p);
          run.cold[engine] ??= {};
          run.cold[engine][model] ??= [];
          if (line?.startsWith('{')) run.cold[engine][model].push(JSON.parse(line));
          else log(`!!! cold ${engine} ${model} on ${n.label}: ${p.stderr?.toString().trim().split('\n').slice(-3).join(' / ')}`);
        }
      }
    }
    if (COLD) log(`cold start (${COLD} processes each):`, Object.entries(run.cold).flatMap(([e, byModel]) => Object.entries(byModel).map(([m, a]) => `${e} ${m} ${a.map((r) => r.ms.toFixed(0)).join('/')}`)).join('; '));

    // ---------------------------------------------------------------- allocation per frame
    if (repeat === 1 && !flag('no-alloc')) {
      run.alloc = {};
      const allocFlags = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'];
      if (repeat === 1) result.commands.push(`${binName(n)} ${[...n.flags, ...allocFlags].join(' ')} bench/vad-alloc.mjs <engine> <model>`);
      for (const model of models) {
        for (const engine of engines) {
          const p = spawnSync(n.bin, [...n.flags, ...allocFlags, 'bench/vad-alloc.mjs', engine, model], { cwd: root, timeout: 120000 });
          const line = lastJsonLine(p);
          if (line?.startsWith('{')) (run.alloc[engine] ??= {})[model] = JSON.parse(line);
          else log(`!!! alloc ${engine} ${model} on ${n.label}: ${p.stderr?.toString().trim().split('\n').slice(-3).join(' / ')}`);
        }
      }
      log('allocation per frame (engine only, heap + external bytes):', Object.values(run.alloc).flatMap((byModel) => Object.values(byModel)).map((a) => `${a.engine} ${a.model} ${(a.engineOnly.heapBytesPerFrame + a.engineOnly.externalBytesPerFrame).toFixed(0)}`).join('; '));
    }
    result.runs.push(run);
  }
}
if (COLD) result.commands.push(`<node> [flags] bench/vad-cold.mjs <engine> <model> (${COLD} fresh processes each, engines rotated)`);

// ------------------------------------------------------------------ sizes a web page ships
// wasm-rnn's JS: the package's browser entries (dist/src, what a bundler starts from) bundled and
// minified by esbuild for the browser with code splitting; what a page loads before it runs is
// the entry's chunk and the chunks it imports statically (code behind import(): the thread pool
// of ready({ threads }), and in the VAD entry the build timing of ready({ calibrate: true }), is
// fetched only when used, and is left out). The .wasm is fetched beside it (a page loads one
// build: relaxed where the browser has relaxed SIMD, else simd, else scalar). onnxruntime-web:
// what vad-web loads, 'onnxruntime-web/wasm' = ort.wasm.min.mjs, plus its emscripten glue and .wasm.
const bundle = (name, source) => {
  const dir = rel(`bench/.cache/vad-size/${name}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const r = buildSync({ stdin: { contents: source, resolveDir: root, sourcefile: 'vad-entry.mjs' }, bundle: true, splitting: true, format: 'esm', platform: 'browser', minify: true, outdir: dir, metafile: true, logLevel: 'error' });
  const outputs = r.metafile.outputs;
  const eager = [];
  const visit = (o) => { if (eager.includes(o)) return; eager.push(o); for (const i of outputs[o].imports) if (i.kind === 'import-statement') visit(i.path); };
  visit(Object.keys(outputs).find((o) => outputs[o].entryPoint !== undefined));
  const out = `bench/.cache/vad-size/${name}.min.mjs`;
  fs.writeFileSync(rel(out), Buffer.concat(eager.map((o) => fs.readFileSync(rel(o)))));
  return out;
};
const vadEntry = fs.existsSync(rel('bench/.cache/vad-pkg/dist/src/vad.js')) ? 'vad' : 'index';
const fileSize = (p, what) => { const b = fs.readFileSync(rel(p)); return { what, path: p, bytes: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length, sha256: sha(b) }; };
const sizes = {
  'wasm-rnn': [
    fileSize(bundle('wasm-rnn-ort', "export * from './bench/.cache/vad-pkg/dist/src/ort/index.js';"), 'JS: wasm-rnn/ort (import * as ort), esbuild --minify'),
    fileSize(bundle('wasm-rnn-loadOnnx', "export { ready, loadOnnx } from './bench/.cache/vad-pkg/dist/src/index.js';"), 'JS: { ready, loadOnnx } from wasm-rnn, esbuild --minify'),
    ...(engines.includes('wasm-rnn SileroVad') ? [fileSize(bundle('wasm-rnn-SileroVad', `export { ready, SileroVad } from './bench/.cache/vad-pkg/dist/src/${vadEntry}.js';`), `JS: { ready, SileroVad } from wasm-rnn${vadEntry === 'vad' ? '/vad' : ''}, esbuild --minify`)] : []),
    fileSize(bundle('wasm-rnn-all', "export * from './bench/.cache/vad-pkg/dist/src/index.js';"), 'JS: the whole wasm-rnn entry, esbuild --minify'),
    ...['relaxed', 'simd', 'scalar'].map((b) => fileSize(`bench/.cache/vad-pkg/dist/build/${b}.wasm`, `wasm: ${b} build`)),
  ],
  'onnxruntime-web': [
    fileSize('node_modules/onnxruntime-web/dist/ort.wasm.min.mjs', 'JS: onnxruntime-web/wasm (what vad-web imports)'),
    fileSize('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', 'JS: emscripten glue'),
    fileSize('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', 'wasm'),
  ],
  models: Object.keys(MODELS).map((m) => fileSize(VAD_DIST + MODELS[m].file, `model ${m}`)),
};
const pick = (peer, prefix) => sizes[peer].find((s) => s.what.startsWith(prefix));
const sum = (parts) => ({ parts: parts.map((p) => p.path), bytes: parts.reduce((a, p) => a + p.bytes, 0), gzip: parts.reduce((a, p) => a + p.gzip, 0) });
const bigWasm = [pick('wasm-rnn', 'wasm: relaxed'), pick('wasm-rnn', 'wasm: simd')].sort((a, b) => b.bytes - a.bytes)[0];
sizes.totals = {};
for (const m of Object.keys(MODELS)) {
  const model = sizes.models.find((s) => s.what === `model ${m}`);
  sizes.totals[m] = {
    'wasm-rnn/ort': sum([pick('wasm-rnn', 'JS: wasm-rnn/ort'), bigWasm, model]),
    'wasm-rnn loadOnnx': sum([pick('wasm-rnn', 'JS: { ready, loadOnnx }'), bigWasm, model]),
    ...(pick('wasm-rnn', 'JS: { ready, SileroVad }') ? { 'wasm-rnn SileroVad': sum([pick('wasm-rnn', 'JS: { ready, SileroVad }'), bigWasm, model]) } : {}),
    'onnxruntime-web': sum([...sizes['onnxruntime-web'], model]),
  };
}
result.sizes = sizes;

// ------------------------------------------------------------------ write
const partial = ['node', 'models', 'engines'].some((k) => opt(k) !== undefined) || flag('no-cold') || flag('no-alloc') || REPEATS < 2;
const outPath = opt('json', partial ? 'bench/.cache/vad-partial.json' : `bench/results/${result.date.slice(0, 10)}-vad.json`);
writeResults(result, vadReport(result, outPath), { outPath, tablesPath: 'bench/.cache/vad-tables.md', marker: 'vad' });
