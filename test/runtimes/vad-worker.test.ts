/**
 * The Cloudflare Worker example (examples/vad-worker/) in workerd through miniflare, bundled the
 * way wrangler does it: esbuild with the `workerd` export condition resolving 'wasm-rnn' (the
 * package's self-reference, through its exports map, to the built dist/entries/workerd.js), the
 * .wasm builds kept as CompiledWasm modules and the Silero model as a Data module. POSTing the speech clip of test/fixtures/vad returns one segment per
 * sentence and per-frame probabilities within 2e-5 of onnxruntime-node's; a 48 kHz stereo float
 * copy (sox) still finds the sentences; a body that is not a WAV is a 400 naming the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, assertBuilt, removeApp, run, startMiniflare, tempDir } from './helpers.js';

const CLIP = join(ROOT, 'test/fixtures/vad/clip.wav');
const PROB_TOLERANCE = 2e-5;

interface Piece {
  kind: string;
  start: number;
  end: number;
}
type Segment = { start: number; end: number };
interface Result {
  model: string;
  input: { sampleRate: number; channels: number; seconds: number };
  frames: number;
  segments: Segment[];
  probabilities?: number[];
}
const clipInfo: { sampleRate: number; pieces: Piece[] } = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/vad/clip.json'), 'utf8'));
const sentences = clipInfo.pieces.filter((p) => p.kind === 'sentence').map((p) => ({ start: p.start / clipInfo.sampleRate, end: p.end / clipInfo.sampleRate }));
/** onnxruntime-node's per-frame probabilities of silero_vad_v5 on the clip (tools/make-vad-fixtures.mjs). */
const reference: number[] = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/vad/silero_vad_v5.json'), 'utf8')).probs;

let app: string | undefined; // a temp dir for the bundle and the converted audio
let mf: import('miniflare').Miniflare | undefined;
let reason = '';

beforeAll(async () => {
  assertBuilt();
  app = tempDir('vad-worker');
  // what wrangler does: bundle with esbuild for workerd; .wasm and .onnx stay separate modules
  const { build } = await import('esbuild');
  const out = join(app, 'bundle');
  const bundled = build({
    entryPoints: [join(ROOT, 'examples/vad-worker/worker.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    loader: { '.wasm': 'copy', '.onnx': 'copy' },
    assetNames: '[name]-[hash]',
    outdir: out,
    logLevel: 'silent',
  }).catch((e: Error) => {
    const missing = [...e.message.matchAll(/No matching export in "[^"]*" for import "(\w+)"/g)].map((m) => m[1]);
    if (missing.length === 0) throw e;
    throw new Error(`the package root 'wasm-rnn' does not export ${missing.join(', ')} (src/audio), which the Worker imports; src/index.ts needs \`export * from './audio/index.js'\`\n${e.message}`);
  });
  await bundled;
  const files = readdirSync(out);
  const kB = (f: string) => `${(statSync(join(out, f)).size / 1024).toFixed(0)} kB`;
  console.log(`bundle: ${files.map((f) => `${f} ${kB(f)}`).join(', ')}`);
  ({ mf, reason } = await startMiniflare(out, ['worker.js', ...files.filter((f) => f !== 'worker.js')]));
}, 180_000);

afterAll(async () => {
  await mf?.dispose();
  removeApp(app);
});

async function post(body: Uint8Array, query = ''): Promise<{ status: number; text: string }> {
  const res = await mf!.dispatchFetch(`http://localhost/${query}`, { method: 'POST', body, headers: { 'content-type': 'audio/wav' }, signal: AbortSignal.timeout(120_000) });
  return { status: res.status, text: await res.text() };
}

function parse(r: { status: number; text: string }): Result {
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text}`);
  return JSON.parse(r.text) as Result;
}

const overlap = (a: Segment, b: Segment) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

/** One segment per sentence, covering it; every segment lies in a sentence. */
function expectSentences(segments: Segment[]): void {
  expect(segments.length).toBe(sentences.length);
  sentences.forEach((sentence, i) => {
    expect(overlap(segments[i], sentence) / (sentence.end - sentence.start), `segment ${i} covers sentence ${i}`).toBeGreaterThan(0.95);
    expect(overlap(segments[i], sentence) / (segments[i].end - segments[i].start), `segment ${i} lies in sentence ${i}`).toBeGreaterThan(0.9);
  });
}

describe('examples/vad-worker in workerd (miniflare)', () => {
  it('POST the clip: segments are the sentences, every probability within 2e-5 of onnxruntime-node', async (ctx) => {
    if (!mf) return ctx.skip(reason);
    const t0 = performance.now();
    const r = parse(await post(new Uint8Array(readFileSync(CLIP)), '?probabilities=1'));
    console.log(`clip (${r.input.seconds.toFixed(2)} s, ${r.frames} frames) in ${(performance.now() - t0).toFixed(0)} ms: ${JSON.stringify(r.segments)}`);
    expect(r.input).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(r.frames).toBe(reference.length);
    const err = Math.max(...r.probabilities!.map((p, i) => Math.abs(p - reference[i])));
    console.log(`max |p - onnxruntime-node| ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(PROB_TOLERANCE);
    expectSentences(r.segments);
  }, 150_000);

  it('POST a 48 kHz stereo float copy: resampled to 16 kHz, the same sentences', async (ctx) => {
    if (!mf) return ctx.skip(reason);
    const copy = join(app!, 'clip-48k-stereo-float.wav');
    const sox = run('sox', [CLIP, '-e', 'floating-point', '-b', '32', '-r', '48000', '-c', '2', copy]);
    if (sox.status !== 0 || !existsSync(copy)) return ctx.skip(`sox could not make the 48 kHz copy (apt-get install -y sox): ${sox.error?.message ?? sox.stderr}`);
    const r = parse(await post(new Uint8Array(readFileSync(copy))));
    console.log(`48 kHz stereo float: ${JSON.stringify(r.segments)}`);
    expect(r.input).toMatchObject({ sampleRate: 48000, channels: 2 });
    expectSentences(r.segments);
  }, 150_000);

  it('a body that is not a WAV: 400 with the error code and message', async (ctx) => {
    if (!mf) return ctx.skip(reason);
    const r = await post(new TextEncoder().encode('this is not a wav file'));
    console.log(`${r.status} ${r.text}`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toEqual({ code: 'INVALID_FORMAT', message: expect.stringMatching(/not a WAV file/) });
    const usage = await mf!.dispatchFetch('http://localhost/');
    expect(usage.status).toBe(200);
    expect(await usage.text()).toMatch(/POST a WAV file/);
  }, 60_000);
});
