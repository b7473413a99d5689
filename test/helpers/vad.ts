/** The Silero VAD test material: vad-web's dist/ (models and its own classes) and the committed clip with onnxruntime-node's outputs. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { readWav } from '../../src/audio/index.js';
import type { SegmentOptions } from '../../src/audio/index.js';

/** node_modules/@ricky0123/vad-web/dist/ (the models and vad-web's CommonJS modules). */
export const VAD_DIST = new URL('../../node_modules/@ricky0123/vad-web/dist/', import.meta.url).pathname;
/** test/fixtures/vad/ (tools/make-vad-fixtures.mjs). */
export const VAD_FIXTURES = new URL('../fixtures/vad/', import.meta.url).pathname;

const require = createRequire(import.meta.url);
/** A module of vad-web's dist/, e.g. 'models/silero.js'. */
export const vadWeb = (path: string) => require(`${VAD_DIST}${path}`);

/** onnxruntime-node's outputs for one model over the clip (test/fixtures/vad/<model>.json). */
export interface VadReference {
  frameSamples: number;
  contextSamples: number;
  frames: number;
  segmentOptions: SegmentOptions & { submitUserSpeechOnPause?: boolean };
  segments: [number, number][];
  probs: number[];
  finalStates: Record<string, { dims: number[]; data: number[] }>;
}

export const readReference = (name: string): VadReference => JSON.parse(readFileSync(`${VAD_FIXTURES}${name}.json`, 'utf8'));

export interface ClipPiece {
  kind: string;
  start: number;
  end: number;
}

/** The clip's samples (16 kHz mono) and its pieces (silence, sentences, noise) in samples. */
export function readClip(): { samples: Float32Array; pieces: ClipPiece[] } {
  return {
    samples: readWav(readFileSync(`${VAD_FIXTURES}clip.wav`)).channels[0],
    pieces: JSON.parse(readFileSync(`${VAD_FIXTURES}clip.json`, 'utf8')).pieces,
  };
}

/**
 * The largest |got[i] - want[i]| over the frames and the first frame where it occurs (a NaN
 * counts as Infinity); the two must have one value per frame.
 */
export function maxProbError(got: readonly number[], want: readonly number[]): { err: number; frame: number } {
  expect(got.length).toBe(want.length);
  let err = 0;
  let frame = -1;
  got.forEach((g, i) => {
    const e = Math.abs(g - want[i]);
    if (!(e <= err)) [err, frame] = [Number.isNaN(e) ? Infinity : e, i];
  });
  return { err, frame };
}
