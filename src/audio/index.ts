/** Audio helpers for models that take sound (Silero VAD): WAV decoding, mixing, resampling, voice activity. */
export { readWav, mixDown } from './wav.js';
export type { WavAudio } from './wav.js';
export { resample } from './resample.js';
export { SileroVad, SpeechSegmenter } from './vad.js';
export type { SileroVadOptions, SileroSampleRate, SegmentOptions, SpeechSegmenterOptions, SpeechSegment, SpeechEvent, SpeechDetection } from './vad.js';
