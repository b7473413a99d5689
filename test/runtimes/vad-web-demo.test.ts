/**
 * The live voice activity panel of the web demo (web/vad-panel.js, `npm run demo:web`) in headless
 * Chromium with a fake microphone playing test/fixtures/vad/clip.wav (Chromium's
 * --use-file-for-fake-audio-capture): the page resamples the capture to 16 kHz in its AudioWorklet,
 * runs Silero VAD v5 on wasm-rnn, plots the probabilities and lists speech segments. The segments
 * must cover the clip's two sentences and nothing else, the plotted probabilities must be numbers
 * in [0, 1] that agree frame by frame with onnxruntime-node's on the clip (the speech / not-speech
 * decision at 0.5, after aligning the capture's start), and the plot must be drawn. A screenshot
 * of the panel is saved (path printed; VAD_DEMO_SCREENSHOT overrides it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, TMP_ROOT, pageLog, webDemoInChromium } from './helpers.js';

const CLIP = join(ROOT, 'test/fixtures/vad/clip.wav');
const SHOT = process.env.VAD_DEMO_SCREENSHOT ?? join(TMP_ROOT, 'vad-web-demo.png');
const FRAME_SECONDS = 512 / 16000;

interface Piece {
  kind: string;
  start: number;
  end: number;
}
const clipInfo: { sampleRate: number; samples: number; pieces: Piece[] } = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/vad/clip.json'), 'utf8'));
const seconds = (samples: number) => samples / clipInfo.sampleRate;
const sentences = clipInfo.pieces.filter((p) => p.kind === 'sentence').map((p) => ({ start: seconds(p.start), end: seconds(p.end) }));
const clipSeconds = seconds(clipInfo.samples);
/** onnxruntime-node's per-frame probabilities of silero_vad_v5 on the clip (tools/make-vad-fixtures.mjs). */
const reference: number[] = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/vad/silero_vad_v5.json'), 'utf8')).probs;

type Segment = { start: number; end: number };
type VadStatus = { ready: boolean; listening: boolean; frames: number; probabilities: number[]; segments: Segment[]; contextRate: number; error: string };

let demo: Awaited<ReturnType<typeof webDemoInChromium>> | undefined;

beforeAll(async () => {
  // the clip plays once as the microphone (%noloop), then the fake device gives silence
  demo = await webDemoInChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${CLIP}%noloop`]);
}, 120_000);

afterAll(async () => {
  await demo?.close();
});

const overlap = (a: Segment, b: Segment) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

/** The shift (in frames, capture frame f ~ clip frame f + lag) where the 0.5 decisions agree most, and that agreement. */
function bestAlignment(got: number[]): { lag: number; agreement: number } {
  let best = { lag: 0, agreement: -1 };
  for (let lag = -8; lag <= 16; lag++) {
    let same = 0, n = 0;
    for (let f = 0; f < got.length; f++) {
      const r = reference[f + lag];
      if (r === undefined) continue;
      n++;
      if (got[f] >= 0.5 === r >= 0.5) same++;
    }
    if (n > 0 && same / n > best.agreement) best = { lag, agreement: same / n };
  }
  return best;
}

describe('web demo: live VAD panel in Chromium', () => {
  it('a fake microphone playing the clip: segments cover the sentences, probabilities plotted; screenshot', async (ctx) => {
    if (!demo?.browser) return ctx.skip(`Chromium unavailable: ${demo?.reason}`);
    const page = await demo.browser.newPage({ viewport: { width: 900, height: 1000 } });
    const log = pageLog(page);
    const status = () => page.evaluate(() => (window as unknown as { vadStatus: VadStatus }).vadStatus);
    try {
      await page.goto(demo.url, { timeout: 30_000 });
      await page
        .waitForFunction(() => {
          const s = (window as unknown as { vadStatus?: VadStatus }).vadStatus;
          return !!s && (s.ready || s.error !== '');
        }, undefined, { timeout: 60_000 })
        .catch((e) => log.push(`wait: ${e.message}`));
      let s = await status();
      if (!s?.ready || s.error) throw new Error(`VAD panel did not load: ${s?.error}\n${log.join('\n')}`);

      // the button is found by its text, as a screen reader user would
      await page.getByRole('button', { name: 'Start listening' }).click();
      // the whole clip, plus 1.5 s for the last segment to close
      const wanted = Math.ceil((clipSeconds + 1.5) / FRAME_SECONDS);
      await page
        .waitForFunction((n) => {
          const v = (window as unknown as { vadStatus: VadStatus }).vadStatus;
          return v.error !== '' || v.frames >= n;
        }, wanted, { timeout: 60_000, polling: 250 })
        .catch((e) => log.push(`wait: ${e.message}`));
      s = await status();
      if (s.error || s.frames < wanted) throw new Error(`listening failed after ${s.frames} frames: ${s.error}\n${log.join('\n')}`);
      console.log(`captured ${s.frames} frames from a ${s.contextRate} Hz audio context; segments ${JSON.stringify(s.segments)}`);
      mkdirSync(dirname(SHOT), { recursive: true });
      await page.locator('#vad').screenshot({ path: SHOT });
      console.log(`screenshot: ${SHOT}`);
      await page.getByRole('button', { name: 'Stop listening' }).click();
      await page.waitForFunction(() => !(window as unknown as { vadStatus: VadStatus }).vadStatus.listening, undefined, { timeout: 10_000 });
      s = await status();

      // what is plotted: one number in [0, 1] per frame
      expect(s.probabilities.length).toBe(s.frames);
      const bad = s.probabilities.findIndex((p) => !(Number.isFinite(p) && p >= 0 && p <= 1));
      expect(bad, `frame ${bad}: probability ${s.probabilities[bad]}`).toBe(-1);

      // the capture starts a little after the clip does (and went through 48 kHz and back), so the
      // frames agree with onnxruntime-node's once aligned, not to the last digit
      const { lag, agreement } = bestAlignment(s.probabilities.slice(0, reference.length));
      console.log(`speech / not speech at 0.5 agrees with onnxruntime-node on ${(agreement * 100).toFixed(1)}% of frames (capture frame f = clip frame f + ${lag})`);
      // A live capture, not the file: under load the worklet's frames shift against the clip's
      // (seen here from 94.2 to 98.6 %); the segment checks below are the exact ones.
      expect(agreement).toBeGreaterThan(0.9);
      expect(Math.abs(lag), 'capture starts within 0.5 s of the clip').toBeLessThanOrEqual(16);

      // segments of the one pass of the clip, in clip time: one per sentence, covering it, and none elsewhere
      const shift = lag * FRAME_SECONDS;
      const segments = s.segments.map((g) => ({ start: g.start + shift, end: g.end + shift })).filter((g) => g.start < clipSeconds);
      for (const [i, sentence] of sentences.entries()) {
        const covered = segments.reduce((sum, g) => sum + overlap(g, sentence), 0) / (sentence.end - sentence.start);
        expect(covered, `sentence ${i} (${sentence.start.toFixed(2)}-${sentence.end.toFixed(2)} s) covered`).toBeGreaterThan(0.9);
      }
      for (const g of segments) {
        const inSpeech = sentences.reduce((sum, sentence) => sum + overlap(g, sentence), 0) / (g.end - g.start);
        expect(inSpeech, `segment ${g.start.toFixed(2)}-${g.end.toFixed(2)} s lies in a sentence`).toBeGreaterThan(0.8);
      }
      expect(segments.length).toBe(sentences.length);
      // the list shows them
      expect(await page.locator('#vad-segments li').count()).toBe(s.segments.length);

      // the plot: blue probability line and green speech bands on the canvas
      const pixels = await page.evaluate(() => {
        const c = document.getElementById('vad-plot') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let blue = 0, green = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 2] > 180 && d[i] < 90 && d[i + 3] > 200) blue++;
          if (d[i + 1] > d[i] + 20 && d[i + 1] > d[i + 2] + 20 && d[i + 3] > 20) green++;
        }
        return { blue, green };
      });
      expect(pixels.blue, 'probability line drawn').toBeGreaterThan(300);
      expect(pixels.green, 'speech bands drawn').toBeGreaterThan(1000);
      expect(log.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 150_000);
});
