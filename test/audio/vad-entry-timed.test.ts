/**
 * wasm-rnn/vad's ready({ calibrate: true }): the entry leaves the build timing out of its module
 * graph (bindings/wasm.ts, buildTiming), so asking for it imports it then. Its own file: the
 * build choice is per JS realm.
 */
import { describe, expect, it } from 'vitest';
import { ready, supportedBuilds } from '../../src/vad.js';
import { runtime } from '../../bindings/wasm.js';
import { fasterBuild } from '../../bindings/build-choice.js';

describe.skipIf(!supportedBuilds().includes('relaxed'))("wasm-rnn/vad's ready({ calibrate: true })", () => {
  it('times relaxed against simd as the main entry does', async () => {
    const info = await ready({ calibrate: true });
    const choice = runtime().choice!;
    expect(choice).toBeDefined();
    expect(info.build).toBe(choice.build);
    if (choice.how === 'timed') {
      expect(choice.rounds).toBeGreaterThan(0);
      expect(choice.build).toBe(fasterBuild([choice.relaxedUs!], [choice.simdUs!]));
    } else {
      expect(choice).toMatchObject({ how: 'untimed', build: 'simd' });
    }
  });
});
