/**
 * The web demo's "Train in the browser" panel (web/train-panel.js, web/train-worker.js) in
 * headless Chromium: a pasted text is learned live in a worker on the training build. Checks, on
 * the values the page reports (window.trainStatus) and draws: the first loss is that of a fresh
 * model (about ln(vocabulary)), the loss falls, the samples change as the model learns, the curve
 * has one point per step, Stop stops and Train continues the same model, and the page's own
 * forecast panel keeps running meanwhile. A screenshot is saved (TRAIN_DEMO_SCREENSHOT overrides it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TMP_ROOT, pageLog, webDemoInChromium } from './helpers.js';

let demo: Awaited<ReturnType<typeof webDemoInChromium>> | undefined;
const SHOT = process.env.TRAIN_DEMO_SCREENSHOT ?? join(TMP_ROOT, 'train-demo.png');

beforeAll(async () => {
  demo = await webDemoInChromium();
}, 120_000);

afterAll(async () => {
  await demo?.close();
});

type TrainStatus = {
  state: string;
  build: string;
  vocabSize: number;
  uniformLoss: number;
  step: number;
  losses: number[];
  samples: { step: number; text: string }[];
  charsPerSecond: number;
  error: string;
};
type DemoStatus = { ready: boolean; forecasts: number; error: string };
type Win = { trainStatus: TrainStatus; demoStatus?: DemoStatus };

// what the test pastes: short, so that a few hundred steps learn it well
const TEXT = `The wind blew over the hill and the rain fell on the town.
The cat sat by the fire and the dog lay by the door.
The wind and the rain and the cat and the dog.
`;
const STEPS = 150; // sampled every 25 steps: 7 samples, from step 0 to 150

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('web demo: train in the browser (Chromium)', () => {
  it('learns a pasted text: the loss falls, the samples change, Stop and Train continue', async (ctx) => {
    if (!demo?.browser) return ctx.skip(`Chromium unavailable: ${demo?.reason}`);
    const page = await demo.browser.newPage({ viewport: { width: 900, height: 1000 } });
    const log = pageLog(page);
    const train = () => page.evaluate(() => structuredClone((window as unknown as Win).trainStatus));
    const waitFor = (what: string, fn: (arg: number) => boolean, arg: number, timeout = 60_000) =>
      page.waitForFunction(fn, arg, { timeout }).catch((e) => {
        throw new Error(`waiting for ${what}: ${e.message}\n${log.join('\n')}`);
      });
    try {
      await page.goto(demo.url + '?seed=1', { timeout: 30_000 });
      await waitFor('the demo to start', () => !!(window as unknown as Win).demoStatus?.ready || !!(window as unknown as Win).demoStatus?.error, 0);
      expect((await train()).state).toBe('idle');

      await page.fill('#train-text', TEXT);
      const forecasts0 = await page.evaluate(() => (window as unknown as Win).demoStatus!.forecasts);
      const t0 = Date.now();
      await page.click('#train-start');
      await waitFor(
        `${STEPS} steps and their samples`,
        (n) => {
          const s = (window as unknown as Win).trainStatus;
          return s.error !== '' || (s.step >= n && s.samples.some((x) => x.step >= n));
        },
        STEPS,
      );
      await page.click('#train-stop');
      await waitFor('Stop', () => ['stopped', 'error'].includes((window as unknown as Win).trainStatus.state), 0, 10_000);
      const seconds = (Date.now() - t0) / 1000;
      const forecasts1 = await page.evaluate(() => (window as unknown as Win).demoStatus!.forecasts);
      const s = await train();
      expect(s.error).toBe('');
      const vocab = new Set(TEXT).size;
      expect(s.vocabSize).toBe(vocab);
      console.log(
        `${s.build} training build: ${s.step} steps in ${seconds.toFixed(1)} s wall, ${Math.round(s.charsPerSecond)} chars/s training time; ` +
          `loss ${s.losses[0].toFixed(3)} (ln ${vocab} = ${Math.log(vocab).toFixed(3)}) -> ${mean(s.losses.slice(-5)).toFixed(3)} (mean of the last 5); ` +
          `${forecasts1 - forecasts0} forecasts drawn meanwhile\n` +
          s.samples.map((x) => `step ${x.step}: ${JSON.stringify(x.text.slice(0, 70))}`).join('\n'),
      );

      // one loss per step, all finite; the first is a fresh model's: close to guessing uniformly
      expect(s.step).toBeGreaterThanOrEqual(STEPS);
      expect(s.losses.length).toBe(s.step);
      expect(s.losses.every(Number.isFinite)).toBe(true);
      expect(Math.abs(s.losses[0] - s.uniformLoss) / s.uniformLoss).toBeLessThan(0.05);
      // the loss falls
      expect(mean(s.losses.slice(-5))).toBeLessThan(0.8 * s.losses[0]);
      expect(mean(s.losses.slice(-5))).toBeLessThan(mean(s.losses.slice(0, 25)));

      // a sample every 25 steps from step 0, and they change as the model learns
      expect(s.samples.map((x) => x.step)).toEqual(Array.from({ length: s.samples.length }, (_, i) => 25 * i));
      expect(s.samples.length).toBeGreaterThanOrEqual(STEPS / 25 + 1);
      expect(new Set(s.samples.map((x) => x.text)).size).toBeGreaterThanOrEqual(s.samples.length - 1);
      for (const x of s.samples) expect([...x.text].every((c) => TEXT.includes(c)), `sample at step ${x.step} uses the text's characters`).toBe(true);

      // the page shows the same numbers: one curve point per step, the step, the rate
      await page.waitForFunction((n) => document.getElementById('train-step')!.textContent === String(n), s.step, { timeout: 5_000 });
      const shown = await page.evaluate(() => ({
        points: document.getElementById('train-line')!.getAttribute('points')!.trim().split(/\s+/).length,
        cps: document.getElementById('train-cps')!.textContent,
        samples: [...document.querySelectorAll('#train-samples pre')].map((e) => e.textContent),
      }));
      expect(shown.points).toBe(s.losses.length);
      expect(shown.cps).toMatch(/^[\d,]+$/);
      expect(s.charsPerSecond).toBeGreaterThan(0);
      expect(shown.samples[0]).toBe(s.samples[s.samples.length - 1].text);

      // the main thread stayed free: the forecast panel (every 100 ms) kept drawing
      expect(forecasts1 - forecasts0).toBeGreaterThanOrEqual(3);

      // Stop stopped: no more steps
      await page.waitForTimeout(300);
      expect((await train()).step).toBe(s.step);

      // Train again continues the same model (same text): the steps go on, the history is kept
      await page.click('#train-start');
      await waitFor('more steps', (n) => (window as unknown as Win).trainStatus.step >= n + 10 || (window as unknown as Win).trainStatus.error !== '', s.step);
      await page.click('#train-stop');
      await waitFor('Stop', () => ['stopped', 'error'].includes((window as unknown as Win).trainStatus.state), 0, 10_000);
      const r = await train();
      expect(r.error).toBe('');
      expect(r.losses.slice(0, s.losses.length)).toEqual(s.losses);
      expect(r.losses.length).toBe(r.step);

      mkdirSync(dirname(SHOT), { recursive: true });
      await page.screenshot({ path: SHOT, fullPage: true });
      console.log(`screenshot: ${SHOT}`);
      expect(log.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 150_000);
});
