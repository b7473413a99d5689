/**
 * Apps built with Vite and with esbuild that use the package as users do
 * (`import { ready, LSTM } from 'wasm-rnn'`, the tarball installed with npm into a temp app),
 * served on 127.0.0.1 and run in headless Chromium: the golden check on every build.
 *   Vite:    zero config; Vite sees `new URL('../build/<name>.wasm', import.meta.url)` in the
 *            package and emits the .wasm files as assets.
 *   esbuild: esbuild does not emit assets for that pattern; the app copies
 *            node_modules/wasm-rnn/dist/build/*.wasm to wasm/ and passes ready({ url: './wasm/' }).
 *            It imports 'wasm-rnn/core' (the layers without the importers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { BIN, checkGolden, describeRun, goldenInChromium, launchChromium, makeApp, removeApp, run, serve, summary } from './helpers.js';

let app: string;
let browser: Browser | undefined;
let reason = '';

const main = (readyCall: string, from = 'wasm-rnn') => `import { ready, LSTM, GRU, RNN, readSafetensors, readSafetensorsMetadata, supportedBuilds } from '${from}';
import { GOLDEN_CASES, goldenLine, runGolden } from '../golden.mjs';

const lib = { ready: ${readyCall}, LSTM, GRU, RNN, readSafetensors, readSafetensorsMetadata, supportedBuilds };
try {
  const fixtures = {};
  for (const n of GOLDEN_CASES) fixtures[n] = new Uint8Array(await (await fetch('./fixtures/' + n + '.safetensors')).arrayBuffer());
  const res = await runGolden(lib, fixtures);
  // and the README's first lines, as a user writes them
  await ready();
  const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 1 });
  const { output } = lstm.forward({ data: new Float32Array(8), shape: [4, 1, 2] });
  if (output.shape.join() !== '4,1,3') res.problems.push('LSTM output shape ' + output.shape);
  res.ok = res.ok && res.problems.length === 0;
  window.__golden = goldenLine(navigator.userAgent, res);
} catch (e) {
  window.__golden = 'GOLDEN ' + JSON.stringify({ runtime: 'bundle', ok: false, results: [], builds: [], defaultBuild: null, problems: [String(e && e.stack || e)] });
}
`;

const html = (src: string) => `<!doctype html><meta charset="utf-8"><title>bundled app</title><script type="module" src="${src}"></script>`;

beforeAll(async () => {
  app = makeApp('bundlers', { npmInstall: true });
  mkdirSync(join(app, 'src'));
  writeFileSync(join(app, 'src/vite-main.js'), main('ready'));
  // the esbuild app imports the 'wasm-rnn/core' entry (the browser condition: dist/src/core.js)
  writeFileSync(join(app, 'src/esbuild-main.js'), main("(o = {}) => ready({ url: './wasm/', ...o })", 'wasm-rnn/core'));
  writeFileSync(join(app, 'index.html'), html('/src/vite-main.js'));
  mkdirSync(join(app, 'public'));
  cpSync(join(app, 'fixtures'), join(app, 'public/fixtures'), { recursive: true });
  const l = await launchChromium();
  browser = l.browser;
  reason = l.reason ?? '';
}, 240_000);

afterAll(async () => {
  await browser?.close();
  removeApp(app);
});

async function runIn(dir: string) {
  const srv = await serve(dir);
  try {
    const { golden, log } = await goldenInChromium(browser!, srv.url + 'index.html');
    const problems = checkGolden(golden, ['relaxed', 'simd', 'scalar']);
    if (problems.length) throw new Error(`${problems.join('\n')}\n${log.join('\n')}`);
    console.log(summary(golden!));
    return golden!;
  } finally {
    await srv.close();
  }
}

describe('bundled apps in Chromium', () => {
  it('Vite build (zero config)', async (ctx) => {
    if (!existsSync(join(BIN, 'vite'))) return ctx.skip('vite is not installed');
    if (!browser) return ctx.skip(`Chromium unavailable: ${reason}`);
    const r = run(join(BIN, 'vite'), ['build', '--outDir', 'out-vite', '--emptyOutDir', '--logLevel', 'warn'], { cwd: app, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`vite build failed: ${describeRun(r)}`);
    const assets = readdirSync(join(app, 'out-vite/assets'));
    // the three inference builds, their training builds and the threads builds (emitted, fetched
    // only by ready({ training: true }) / ready({ threads }))
    const wasm = assets.filter((f) => f.endsWith('.wasm')).map((f) => f.replace(/-[\w-]{8}\.wasm$/, ''));
    expect(wasm.sort(), `wasm assets emitted: ${assets}`).toEqual(['relaxed', 'relaxed-threads', 'relaxed-train', 'scalar', 'scalar-train', 'simd', 'simd-threads', 'simd-train']);
    await runIn(join(app, 'out-vite'));
  }, 180_000);

  it('esbuild bundle, .wasm copied and ready({ url })', async (ctx) => {
    if (!existsSync(join(BIN, 'esbuild'))) return ctx.skip('esbuild is not installed');
    if (!browser) return ctx.skip(`Chromium unavailable: ${reason}`);
    const out = join(app, 'out-esbuild');
    const r = run(join(BIN, 'esbuild'), ['src/esbuild-main.js', '--bundle', '--format=esm', '--platform=browser', '--minify', `--outfile=${join(out, 'assets/app.js')}`], {
      cwd: app,
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`esbuild failed: ${describeRun(r)}`);
    cpSync(join(app, 'node_modules/wasm-rnn/dist/build'), join(out, 'wasm'), { recursive: true });
    cpSync(join(app, 'fixtures'), join(out, 'fixtures'), { recursive: true });
    writeFileSync(join(out, 'index.html'), html('./assets/app.js'));
    await runIn(out);
  }, 180_000);
});
