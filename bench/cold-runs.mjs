// Cold start only: bundles the library as bench/run.mjs does (esbuild, bench/entry.ts ->
// bench/.cache/lib/wasm-rnn.mjs, no wasm rebuild), then runs bench/cold.mjs in N fresh
// processes and prints the median (and min/max) of every phase.
//   node bench/cold-runs.mjs [--runs 15] [--build relaxed|simd|scalar] [--from-state-dict] [--core] [--node <binary>] [--no-bundle] [--script bench/cold.mjs] [--json]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundleLibrary } from './lib/bundle.mjs';

const rel = (p) => fileURLToPath(new URL(p, new URL('..', import.meta.url)));
const root = rel('.');
const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const runs = Number(opt('runs', '15'));
const script = opt('script', 'bench/cold.mjs');

if (!argv.includes('--no-bundle')) bundleLibrary();

const node = opt('node', 'node');
const version = spawnSync(node, ['--version']).stdout.toString().trim();
const flags = version.startsWith('v20') ? ['--experimental-wasm-relaxed-simd'] : [];
const rows = [];
for (let i = 0; i < runs; i++) {
  const args = [script, 'wasm-rnn', ...(opt('build') ? [opt('build')] : []), ...(argv.includes('--from-state-dict') ? ['--from-state-dict'] : []), ...(argv.includes('--core') ? ['--core'] : [])];
  // timeout: Node 24 can deadlock in process.exit() (nodejs/node#54918) after printing the result
  const p = spawnSync(node, [...flags, ...args], { cwd: root, timeout: 20000 });
  const line = p.stdout?.toString().trim().split('\n').pop();
  if (!line?.startsWith('{')) { console.error(p.stderr.toString()); process.exit(1); }
  rows.push(JSON.parse(line));
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const stat = (a) => ({ median: +median(a).toFixed(2), min: +Math.min(...a).toFixed(2), max: +Math.max(...a).toFixed(2) });
const out = { runs, node: version, build: rows[0].build, check: rows[0].check, total: stat(rows.map((r) => r.ms)), cpu: stat(rows.map((r) => r.cpuMs)), phases: {} };
for (const k of Object.keys(rows[0].phases)) out.phases[k] = stat(rows.map((r) => r.phases[k]));
if (argv.includes('--json')) console.log(JSON.stringify(out));
else {
  console.log(`${runs} fresh processes, node ${version}, build ${out.build}; median [min..max] ms`);
  for (const [k, v] of Object.entries(out.phases)) console.log(`  ${k.padEnd(30)} ${String(v.median).padStart(7)}  [${v.min}..${v.max}]`);
  console.log(`  ${'total (counted phases)'.padEnd(30)} ${String(out.total.median).padStart(7)}  [${out.total.min}..${out.total.max}]   cpu ${out.cpu.median}`);
  console.log(`  check ${out.check}`);
}
