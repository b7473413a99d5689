// Small helpers shared by test suites.
import { RnnError, type RnnErrorCode } from '../../src/errors.js';

/** mulberry32: a small seeded PRNG, so every run draws (and mutates) the same way. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs fn and returns the code of the RnnError it throws, or 'ok'; any other exception fails. */
export function codeOf(fn: () => unknown): RnnErrorCode | 'ok' {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof RnnError)) throw e;
    return e.code;
  }
  return 'ok';
}
