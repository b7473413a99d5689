/** Audio helpers for models that take sound (Silero VAD): WAV decoding, mixing, resampling. */
export { readWav, mixDown } from './wav.js';
export type { WavAudio } from './wav.js';
export { resample } from './resample.js';
