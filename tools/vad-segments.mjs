// Speech segments from per-frame Silero probabilities, found by @ricky0123/vad-web's own
// FrameProcessor (the hysteresis, redemption and minimum-speech logic its NonRealTimeVAD runs),
// with NonRealTimeVAD.run's start / end bookkeeping. Shared by tools/make-vad-fixtures.mjs (over
// onnxruntime-node's probabilities) and test/ort/ (over wasm-rnn's).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { FrameProcessor } = require('@ricky0123/vad-web/dist/frame-processor.js');
const { Message } = require('@ricky0123/vad-web/dist/messages.js');

/** The thresholds the fixtures and tests use (vad-web's defaults are 0.3 / 0.25). */
export const SEGMENT_OPTIONS = {
  positiveSpeechThreshold: 0.5,
  negativeSpeechThreshold: 0.35,
  preSpeechPadMs: 800,
  redemptionMs: 1400,
  minSpeechMs: 400,
  submitUserSpeechOnPause: false,
};

/**
 * Feeds `probs` (one per frame of `frameSamples` samples at 16 kHz) through FrameProcessor;
 * returns the segments it reports as [startSample, endSample) pairs.
 */
export async function speechSegments(probs, frameSamples, options = SEGMENT_OPTIONS) {
  let frameIndex = 0;
  const processor = new FrameProcessor(async () => ({ isSpeech: probs[frameIndex], notSpeech: 1 - probs[frameIndex] }), () => {}, options, frameSamples / 16);
  processor.resume();
  const segments = [];
  let start = 0;
  const frame = new Float32Array(frameSamples);
  for (; frameIndex < probs.length; frameIndex++) {
    const events = [];
    await processor.process(frame, (e) => events.push(e));
    for (const e of events) {
      if (e.msg === Message.SpeechStart) start = frameIndex * frameSamples;
      if (e.msg === Message.SpeechEnd) segments.push([start, (frameIndex + 1) * frameSamples]);
    }
  }
  processor.endSegment((e) => {
    if (e.msg === Message.SpeechEnd) segments.push([start, probs.length * frameSamples]);
  });
  return segments;
}
