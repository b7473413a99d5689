/**
 * The packed package in headless Chromium (Debian's chromium through playwright-core): an
 * import map points 'wasm-rnn' at the package's entry as a static host would serve it.
 *   - default loading (fetch next to the module, served as application/wasm: compileStreaming);
 *   - the same with .wasm served as application/octet-stream (the arrayBuffer fallback);
 *   - 'wasm-rnn/embedded' on a host that serves no .wasm at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { checkGolden, goldenInChromium, goldenPage, launchChromium, makeApp, removeApp, serve, summary } from './helpers.js';

let app: string;
let browser: Browser | undefined;
let reason = '';

beforeAll(async () => {
  app = makeApp('chromium');
  writeFileSync(join(app, 'index.html'), goldenPage('/node_modules/wasm-rnn/dist/src/index.js', 'chromium'));
  writeFileSync(join(app, 'embedded.html'), goldenPage('/node_modules/wasm-rnn/dist/entries/embedded.js', 'chromium embedded'));
  const l = await launchChromium();
  browser = l.browser;
  reason = l.reason ?? '';
}, 180_000);

afterAll(async () => {
  await browser?.close();
  removeApp(app);
});

describe('Chromium', () => {
  const cases: [string, string, { wasmType?: string; noWasm?: boolean }][] = [
    ['default loading, .wasm served as application/wasm', 'index.html', {}],
    ['default loading, .wasm served as application/octet-stream', 'index.html', { wasmType: 'application/octet-stream' }],
    ["'wasm-rnn/embedded' on a host that serves no .wasm", 'embedded.html', { noWasm: true }],
  ];
  // it.for, not it.each: each passes no test context, so the skip below could not be called
  it.for(cases)('%s', async ([, page, opts], ctx) => {
    if (!browser) return ctx.skip(`Chromium unavailable: ${reason}`);
    const srv = await serve(app, opts);
    try {
      const { golden, log } = await goldenInChromium(browser, srv.url + page);
      const problems = checkGolden(golden, ['relaxed', 'simd', 'scalar']);
      if (problems.length) throw new Error(`${problems.join('\n')}\n${log.join('\n')}`);
      console.log(summary(golden!));
      // default loading times relaxed against simd (bindings/build-choice.ts); the embedded entry takes the first build that validates
      expect(['relaxed', 'simd']).toContain(golden!.defaultBuild);
    } finally {
      await srv.close();
    }
  }, 120_000);
});
