// The browser bench: W1, W3 and W5 in headless Chromium (Debian's chromium through playwright-core)
// and Firefox (firefox-esr through puppeteer-core over WebDriver BiDi), wasm-rnn and
// onnxruntime-web in the same page (bench/browser-page.mjs says how it times). The page and the
// package's dist/ are served from 127.0.0.1 with COOP/COEP headers, so the page is cross-origin
// isolated and performance.now() is fine-grained (onnxruntime-web still gets numThreads = 1).
// Needs `npm run build` (dist/ and build/) and the drivers of test/runtimes
// (node tools/install-peers.mjs test/runtimes). Writes bench/.cache/browsers.json (or --json).
//   node bench/browser.mjs [--browsers chromium,firefox] [--only W1,W3,W5] [--rounds 7] [--json out.json] [--not-isolated]
//   node bench/browser.mjs --only W2,W6 --threads 2   (wasm-rnn on ready({ threads: 2 }) next to one thread, docs/threads.md)
// --only ready: only what ready() chose and what it took (no workloads); --not-isolated: no
// COOP/COEP headers, the coarse clock of most pages (the workloads' step medians then suffer too).
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuInfo } from './vad-engines.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const log = (...a) => console.error(...a);

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';
// the VAD page (bench/vad-browser.mjs) also reads vad-web's models and the test clip
const MOUNTS = ['/bench/', '/dist/', '/node_modules/onnxruntime-web/dist/', '/node_modules/@ricky0123/vad-web/dist/', '/test/fixtures/vad/'];
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// ?script=<file in bench/> loads another page module (a probe) in the same setting
const page = (query) => `<!doctype html><meta charset="utf-8"><title>wasm-rnn browser bench</title>
<script type="importmap">{ "imports": { "onnxruntime-web": "/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs" } }</script>
<script type="module" src="/bench/${(new URLSearchParams(query).get('script') ?? 'browser-page.mjs').replace(/[^\w.-]/g, '')}${query}"></script>`;

/**
 * Static server of the page, dist/ and onnxruntime-web's files, cross-origin isolated unless
 * `isolated` is false (then the page sees the coarse clock most pages have: 100 us in Chromium).
 */
export function serve({ isolated = true } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const headers = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' } : { 'cache-control': 'no-store' };
    if (url.pathname === '/bench/browser.html') return void res.writeHead(200, { ...headers, 'content-type': MIME['.html'] }).end(page(url.search));
    const file = normalize(join(ROOT, decodeURIComponent(url.pathname)));
    if (!MOUNTS.some((m) => file.startsWith(join(ROOT, m))) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

// the drivers live in test/runtimes (its own package; tools/install-peers.mjs installs them)
const requireRuntimes = createRequire(join(ROOT, 'test/runtimes/package.json'));
const importDriver = (name) => import(pathToFileURL(requireRuntimes.resolve(name)).href);

async function inChromium(url) {
  const pw = await importDriver('playwright-core');
  const chromium = pw.chromium ?? pw.default.chromium;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'], timeout: 60_000 });
  try {
    const p = await browser.newPage();
    p.on('console', (m) => log(`  chromium: ${m.text()}`));
    await p.goto(url);
    await p.waitForFunction(() => typeof window.__bench === 'string', null, { timeout: 1_800_000, polling: 1000 });
    return { browser: `Chromium ${browser.version()}`, ...JSON.parse(await p.evaluate(() => window.__bench)) };
  } finally {
    await browser.close();
  }
}

async function inFirefox(url) {
  const pp = await importDriver('puppeteer-core');
  const puppeteer = pp.default ?? pp;
  const profile = mkdtempSync(join(os.tmpdir(), 'wasm-rnn-bench-ff-'));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profile, timeout: 60_000, protocolTimeout: 1_800_000,
    extraPrefsFirefox: { 'network.proxy.type': 0, 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false },
  });
  try {
    const p = await browser.newPage();
    p.on('console', (m) => log(`  firefox: ${m.text()}`));
    await p.goto(url);
    await p.waitForFunction(() => typeof window.__bench === 'string', { timeout: 1_800_000, polling: 1000 });
    return { browser: `Firefox ${await browser.version()}`, ...JSON.parse(await p.evaluate(() => window.__bench)) };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Runs the page in each browser; returns { cpu, date, runs: [...] }. `query` (default: the
 * workloads' page with `only` and `rounds`) is the page's query string, e.g. another ?script=.
 */
export async function runBrowsers({ browsers = ['chromium', 'firefox'], only = 'W1,W3,W5', rounds = 7, isolated = true, query, threads = 1 } = {}) {
  if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('dist/ is missing: npm run build:ts first');
  const srv = await serve({ isolated });
  const q = query ?? `?only=${only}&rounds=${rounds}${threads > 1 ? `&threads=${threads}` : ''}`;
  const out = { date: new Date().toISOString(), cpu: cpuInfo(), runs: [] };
  try {
    for (const b of browsers) {
      const exe = b === 'chromium' ? CHROMIUM : FIREFOX;
      if (!existsSync(exe)) { log(`${b}: ${exe} not installed, skipped`); continue; }
      log(`=== ${b}`);
      const loadavgStart = os.loadavg();
      const r = await (b === 'chromium' ? inChromium : inFirefox)(`${srv.url}bench/browser.html${q}`);
      out.runs.push({ ...r, loadavgStart, loadavgEnd: os.loadavg() });
      if (r.error) log(`${b}: ${r.error}`);
    }
  } finally {
    srv.server.close();
  }
  return out;
}

const fmt = (v, unit) => (unit === 'tok/s' ? `${(1e3 / v).toFixed(0)} tok/s` : unit === 'us' ? `${(v * 1e3).toFixed(0)} us` : `${v.toFixed(2)} ms`);

/** Markdown tables of a runBrowsers() result. */
export function browserTables(res) {
  const lines = [];
  for (const run of res.runs) {
    if (run.error) { lines.push(`### ${run.browser}\n\nfailed: ${run.error.split('\n')[0]}\n`); continue; }
    const c = run.ready.choice;
    lines.push(`### ${run.browser} (headless), ${res.cpu.modelName}`);
    lines.push('');
    lines.push(`onnxruntime-web ${run.ortVersion} (wasm, 1 thread) in the same page; builds the browser runs: ${run.builds.join(', ')}; ready() chose **${run.ready.build}**` +
      (c ? ` (${c.how}${c.relaxedUs ? `: relaxed ${c.relaxedUs.toFixed(1)} us, simd ${c.simdUs.toFixed(1)} us` : ''}; ready() ${run.ready.ms.toFixed(1)} ms)` : ` (ready() ${run.ready.ms.toFixed(1)} ms)`) +
      `. ${run.rounds} rounds, wall clock (cross-origin isolated: ${run.crossOriginIsolated}, clock step ${run.clockResolutionUs.toFixed(0)} us); load average ${run.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${run.loadavgEnd.map((x) => x.toFixed(1)).join('/')} at end.`);
    lines.push('');
    if (!Object.keys(run.workloads).length) continue;
    const peers = Object.keys(Object.values(run.workloads)[0].results);
    lines.push(`| workload | ${peers.join(' | ')} | ${peers.filter((p) => p !== 'onnxruntime-web').map((p) => `${p.replace('wasm-rnn ', '')} vs ORT`).join(' | ')} |`);
    lines.push(`|---|${peers.map(() => '---|').join('')}${peers.filter((p) => p !== 'onnxruntime-web').map(() => '---|').join('')}`);
    for (const [id, w] of Object.entries(run.workloads)) {
      const unit = w.kind === 'charlm' ? 'tok/s' : w.kind === 'step' ? 'us' : 'ms';
      const cell = (v) => `${fmt(v.median, unit)}${v.p99 !== undefined && w.kind === 'step' ? ` (p99 ${fmt(v.p99, 'us')}, ${(v.p99 / v.median).toFixed(1)}x)` : ''}${v.maxAbsDiff > 1e-4 ? ' (!)' : ''}`;
      lines.push(`| ${id} ${w.name} | ${peers.map((p) => cell(w.results[p])).join(' | ')} | ${peers.filter((p) => p !== 'onnxruntime-web').map((p) => `${w.results[p].speedup.toFixed(2)}x`).join(' | ')} |`);
    }
    const threaded = peers.filter((p) => / threads$/.test(p));
    if (threaded.length) {
      lines.push('');
      lines.push(`Threads against one thread, median of per-round ratios: ${Object.entries(run.workloads).flatMap(([id, w]) => threaded.map((p) => `${id} ${p.replace('wasm-rnn ', '')} ${w.results[p].threadsSpeedup.toFixed(2)}x`)).join('; ')}.`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const res = await runBrowsers({ browsers: opt('browsers', 'chromium,firefox').split(','), only: opt('only', 'W1,W3,W5'), rounds: Number(opt('rounds', '7')), isolated: !argv.includes('--not-isolated'), threads: Number(opt('threads', '1')) });
  const path = opt('json', join(ROOT, 'bench/.cache/browsers.json'));
  mkdirSync(join(ROOT, 'bench/.cache'), { recursive: true });
  writeFileSync(path, JSON.stringify(res, null, 1) + '\n');
  console.log(browserTables(res));
  log(`wrote ${path}`);
}
