/**
 * wasm-rnn/vad's ready(): relaxed where the engine has it, without timing the builds (a Silero
 * frame is no slower on relaxed on any engine measured, docs/vad.md "Which build"); the options
 * that name a build or ask for the timing keep their meaning. Its own file: the build choice is
 * per JS realm.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ready, supportedBuilds, SileroVad } from '../../src/vad.js';
import { runtime } from '../../bindings/wasm.js';

const model = new Uint8Array(readFileSync(new URL('../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url)));

describe("wasm-rnn/vad's ready()", () => {
  it('takes relaxed untimed where the engine has it, else simd; { build } and { calibrate } as the main entry', async () => {
    const expected = supportedBuilds().includes('relaxed') ? 'relaxed' : 'simd';
    expect((await ready()).build).toBe(expected);
    // no timing: the runtime was made for a named build, so it records no choice
    expect(runtime().choice).toBeUndefined();
    const frame = new Float32Array(512).map((_, i) => 0.3 * Math.sin(i / 7));
    const onDefault = SileroVad.load(model).process(frame);
    expect((await ready({ build: 'simd' })).build).toBe('simd');
    const onSimd = SileroVad.load(model).process(frame);
    // the builds differ only in fused multiply-adds: the same probability to float32 rounding
    expect(Math.abs(onDefault - onSimd)).toBeLessThan(1e-5);
    expect((await ready({ calibrate: false })).build).toBe('simd');
  });
});
