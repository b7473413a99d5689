// Small helpers shared by test suites.
import { expect } from 'vitest';
import { RnnError, type RnnErrorCode } from '../../base/errors.js';

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

/** The RnnError that fn throws; the test fails if it throws anything else or nothing. */
export function errorOf(fn: () => unknown): RnnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnError);
    return e as RnnError;
  }
  throw new Error('expected an RnnError, nothing was thrown');
}

/** errorOf for async code: the RnnError that `p` (or what `p()` returns) rejects with, or that `p()` throws. */
export async function rejectionOf(p: Promise<unknown> | (() => unknown)): Promise<RnnError> {
  const outcome = await Promise.resolve()
    .then(() => (typeof p === 'function' ? p() : p))
    .then(
      () => ({ threw: false, error: undefined as unknown }),
      (error: unknown) => ({ threw: true, error }),
    );
  return errorOf(() => {
    if (outcome.threw) throw outcome.error;
  });
}
