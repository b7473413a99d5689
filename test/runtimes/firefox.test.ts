/**
 * The packed package in headless Firefox (Debian's firefox-esr) driven over WebDriver BiDi by
 * puppeteer-core: the same golden page as Chromium, default loading path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { checkGolden, goldenPage, launchFirefox, makeApp, parseGolden, removeApp, serve, summary } from './helpers.js';

let app: string;
let browser: Browser | undefined;
let closeBrowser = async () => {};
let reason = '';

beforeAll(async () => {
  app = makeApp('firefox');
  writeFileSync(join(app, 'index.html'), goldenPage('/node_modules/wasm-rnn/dist/src/index.js', 'firefox'));
  const l = await launchFirefox();
  browser = l.browser;
  reason = l.reason ?? '';
  closeBrowser = l.close;
}, 180_000);

afterAll(async () => {
  await closeBrowser();
  removeApp(app);
});

describe('Firefox (WebDriver BiDi)', () => {
  it('default loading: every supported build vs torch', async (ctx) => {
    if (!browser) return ctx.skip(`Firefox unavailable: ${reason}`);
    const srv = await serve(app);
    const page = await browser.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${String(e)}`));
    try {
      await page.goto(srv.url + 'index.html', { timeout: 30_000 });
      await page.waitForFunction(() => typeof (window as unknown as { __golden?: string }).__golden === 'string', { timeout: 60_000 });
      const golden = parseGolden(await page.evaluate(() => (window as unknown as { __golden: string }).__golden));
      const problems = checkGolden(golden, ['simd', 'scalar']);
      if (problems.length) throw new Error(`${problems.join('\n')}\n${log.join('\n')}`);
      console.log(summary(golden!));
      expect(golden!.runtime).toMatch(/Firefox/);
    } finally {
      await page.close();
      await srv.close();
    }
  }, 120_000);
});
