// Silero VAD with int8 LSTM weights (SileroVad.load(bytes, { weights: 'int8' })) over the speech
// clip of test/fixtures/vad: the speech segments are the float32 model's (and the fixture's), and
// the per-frame probabilities stay close to float32's (measured: printed).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SileroVad } from '../../src/audio/index.js';
import { ready } from '../../src/index.js';
import { VAD_DIST, readClip, readReference } from '../helpers/vad.js';
import { codeOf } from '../helpers/common.js';

beforeAll(async () => {
  await ready();
});

const { samples: clip } = readClip();

describe('Silero VAD with int8 weights', () => {
  for (const name of ['silero_vad_v5', 'silero_vad_v6', 'silero_vad_legacy']) {
    it(`${name}: the same speech segments as float32, probabilities close`, () => {
      const bytes = new Uint8Array(readFileSync(`${VAD_DIST}${name}.onnx`));
      const ref = readReference(name);
      const { submitUserSpeechOnPause, ...options } = ref.segmentOptions;
      expect(submitUserSpeechOnPause).toBe(false);
      const f32 = SileroVad.load(bytes);
      const q = SileroVad.load(bytes, { weights: 'int8' });
      const a = f32.detectSpeech(clip, 16000, options);
      const b = q.detectSpeech(clip, 16000, options);
      const diff = Array.from(a.probabilities).reduce((m, p, i) => Math.max(m, Math.abs(p - b.probabilities[i])), 0);
      console.log(`${name}: int8 LSTM, max |p - float32 p| ${diff.toExponential(2)} over ${a.probabilities.length} frames; segments ${b.segments.length}`);
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(0.1);
      expect(b.segments.map((s) => [s.startSample, s.audioEndSample])).toEqual(a.segments.map((s) => [s.startSample, s.audioEndSample]));
      expect(a.segments.map((s) => [s.startSample, s.audioEndSample])).toEqual(ref.segments);
      f32.dispose();
      q.dispose();
    });
  }

  it('an unknown weights option is INVALID_OPTION', () => {
    const bytes = new Uint8Array(readFileSync(`${VAD_DIST}silero_vad_v5.onnx`));
    expect(codeOf(() => SileroVad.load(bytes, { weights: 'int4' as never }))).toBe('INVALID_OPTION');
  });
});
