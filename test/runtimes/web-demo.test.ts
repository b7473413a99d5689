/**
 * The web demo (web/, `npm run demo:web`) in headless Chromium: the page loads the built library,
 * streams generated characters for a typed prompt (tokens/s shown), draws the forecast plot and
 * keeps updating it. A screenshot is saved (path printed; WEB_DEMO_SCREENSHOT overrides it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TMP_ROOT, pageLog, webDemoInChromium } from './helpers.js';

let demo: Awaited<ReturnType<typeof webDemoInChromium>> | undefined;
const SHOT = process.env.WEB_DEMO_SCREENSHOT ?? join(TMP_ROOT, 'web-demo.png');

beforeAll(async () => {
  demo = await webDemoInChromium();
}, 120_000);

afterAll(async () => {
  await demo?.close();
});

type Status = { ready: boolean; tokens: number; forecasts: number; charModel: string; forecastModel: string; error: string };

describe('web demo in Chromium', () => {
  it('loads, generates as you type, draws the forecast; screenshot', async (ctx) => {
    if (!demo?.browser) return ctx.skip(`Chromium unavailable: ${demo?.reason}`);
    const page = await demo.browser.newPage({ viewport: { width: 900, height: 1000 } });
    const log = pageLog(page);
    try {
      await page.goto(demo.url + '?seed=3', { timeout: 30_000 });
      const status = () => page.evaluate(() => (window as unknown as { demoStatus: Status }).demoStatus);
      await page
        .waitForFunction(() => {
          const s = (window as unknown as { demoStatus?: Status }).demoStatus;
          return !!s && (s.error !== '' || (s.ready && s.tokens >= 20 && s.forecasts >= 3));
        }, undefined, { timeout: 60_000 })
        .catch((e) => log.push(`wait: ${e.message}`));
      let s = await status();
      if (!s?.ready || s.error) throw new Error(`demo did not start: ${s?.error}\n${log.join('\n')}`);
      console.log(`char model: ${s.charModel}\nforecaster: ${s.forecastModel}`);

      // streaming: the output grows token by token after the prompt
      const out1 = await page.textContent('#output');
      expect(out1!.startsWith('inter')).toBe(true);
      expect(out1!.length).toBeGreaterThan('inter'.length + 10);
      expect(await page.textContent('#tps')).toMatch(/^[\d,]+$/);

      // typing a new prompt restarts generation from it
      await page.fill('#prompt', 'wat');
      await page.waitForFunction(() => {
        const t = document.getElementById('output')!.textContent!;
        return t.startsWith('wat') && t.length > 13;
      }, undefined, { timeout: 30_000 });

      // the plot: blue history and orange forecast pixels on the canvas, and it keeps updating
      const colors = () =>
        page.evaluate(() => {
          const c = document.getElementById('plot') as HTMLCanvasElement;
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let blue = 0, orange = 0;
          for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] < 200) continue;
            if (d[i + 2] > 180 && d[i] < 90) blue++;
            if (d[i] > 200 && d[i + 2] < 90) orange++;
          }
          return { blue, orange, url: c.toDataURL() };
        });
      const a = await colors();
      expect(a.blue, 'history line drawn').toBeGreaterThan(100);
      expect(a.orange, 'forecast line drawn').toBeGreaterThan(20);
      const f0 = (await status()).forecasts;
      await page.waitForFunction((n) => (window as unknown as { demoStatus: Status }).demoStatus.forecasts >= n + 3, f0, { timeout: 30_000 });
      expect((await colors()).url).not.toBe(a.url);

      s = await status();
      expect(s.error).toBe('');
      mkdirSync(dirname(SHOT), { recursive: true });
      await page.screenshot({ path: SHOT, fullPage: true });
      console.log(`screenshot: ${SHOT}`);
      expect(log.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 150_000);
});
