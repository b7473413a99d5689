/**
 * Silero VAD end to end (issue 14): @ricky0123/vad-web's own Silero / SileroLegacy classes,
 * unchanged, given 'wasm-rnn/ort' where they expect onnxruntime-web, and the same protocol through
 * loadOnnx directly, over the 17.7 s speech clip of test/fixtures/vad (tools/make-vad-fixtures.mjs).
 * Every frame's speech probability is within 2e-5 of onnxruntime-node's, the final recurrent
 * states within 2e-5 relative, and vad-web's FrameProcessor finds the two sentences.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import * as ort from '../../src/ort/index.js';
import type { Tensor } from '../../base/tensor.js';
import { speechSegments } from '../../tools/vad-segments.mjs';
import { VAD_DIST, maxProbError, readClip, readReference, vadWeb, type VadReference } from '../helpers/vad.js';

const { Silero } = vadWeb('models/silero.js');
const { SileroLegacy } = vadWeb('models/legacy.js');
type Reference = VadReference;

const PROB_TOLERANCE = 2e-5;
const STATE_TOLERANCE = 2e-5;
const { samples: clip, pieces } = readClip();
const sentences = pieces.filter((p) => p.kind === 'sentence');
const noise = pieces.find((p) => p.kind === 'noise')!;

const MODELS = [
  { name: 'silero_vad_legacy', legacy: true },
  { name: 'silero_vad_v5', legacy: false },
  { name: 'silero_vad_v6', legacy: false },
];

function frames(frameSamples: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i + frameSamples <= clip.length; i += frameSamples) out.push(clip.slice(i, i + frameSamples));
  return out;
}

/** Max |got - want| / max|want| over a state tensor (relative to its scale). */
function stateRelError(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

function expectStates(model: string, got: Record<string, { dims: readonly number[]; data: ArrayLike<number> }>, ref: Reference): void {
  for (const [name, want] of Object.entries(ref.finalStates)) {
    expect([...got[name].dims], `${model} ${name} dims`).toEqual(want.dims);
    const e = stateRelError(got[name].data, want.data);
    console.log(`${model} final ${name}: relative error ${e.toExponential(2)}`);
    expect(e, `${model} final ${name}`).toBeLessThanOrEqual(STATE_TOLERANCE);
  }
}

async function expectSegments(model: string, probs: number[], ref: Reference): Promise<void> {
  const segments = await speechSegments(probs, ref.frameSamples);
  expect(segments, `${model}: segments vs onnxruntime-node's`).toEqual(ref.segments);
  // one segment per sentence, covering it, and none in the noise
  expect(segments.length).toBe(sentences.length);
  sentences.forEach((s, i) => {
    const [start, end] = segments[i];
    const overlap = Math.min(end, s.end) - Math.max(start, s.start);
    expect(overlap / (s.end - s.start), `${model}: segment ${i} covers sentence ${i}`).toBeGreaterThan(0.95);
    expect(start, `${model}: segment ${i} starts within 0.25 s of sentence ${i}`).toBeGreaterThan(s.start - 4000);
  });
  for (let f = 0; f < probs.length; f++) {
    const at = f * ref.frameSamples;
    if (at >= noise.start && at + ref.frameSamples <= noise.end) expect(probs[f], `${model}: frame ${f} in the noise`).toBeLessThan(0.5);
  }
}

beforeAll(async () => {
  await ready();
});

describe("vad-web's own Silero classes on 'wasm-rnn/ort'", () => {
  for (const { name, legacy } of MODELS) {
    it(`${name}: every frame within ${PROB_TOLERANCE} of onnxruntime-node, final states, segments`, async () => {
      const ref: Reference = readReference(name);
      const bytes = readFileSync(`${VAD_DIST}${name}.onnx`);
      const modelBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const t0 = performance.now();
      const vad = await (legacy ? SileroLegacy : Silero).new(ort, async () => modelBuffer);
      const createMs = performance.now() - t0;
      const probs: number[] = [];
      const times: number[] = [];
      for (const frame of frames(ref.frameSamples)) {
        const t = performance.now();
        const { isSpeech } = await vad.process(frame);
        times.push(performance.now() - t);
        probs.push(isSpeech);
      }
      expect(probs.length).toBe(ref.frames);
      const { err, frame } = maxProbError(probs, ref.probs);
      times.sort((a, b) => a - b);
      const us = (q: number) => (times[Math.floor(q * (times.length - 1))] * 1000).toFixed(0);
      console.log(`${name} via vad-web + wasm-rnn/ort: create ${createMs.toFixed(0)} ms; max |p - ort| ${err.toExponential(2)} (frame ${frame}); per frame median ${us(0.5)} us, p99 ${us(0.99)} us`);
      expect.soft(err, `${name}: max |p - onnxruntime-node|, frame ${frame}`).toBeLessThanOrEqual(PROB_TOLERANCE); // soft: states and segments are checked too
      const states = legacy ? { hn: vad._h, cn: vad._c } : { stateN: vad._state };
      expectStates(name, states, ref);
      await expectSegments(name, probs, ref);
      await vad.release();
    });
  }
});

describe('the same protocol through loadOnnx', () => {
  for (const { name, legacy } of MODELS) {
    it(`${name}: every frame within ${PROB_TOLERANCE} of onnxruntime-node, final states, segments`, async () => {
      const ref: Reference = readReference(name);
      const model = loadOnnx(new Uint8Array(readFileSync(`${VAD_DIST}${name}.onnx`)));
      const sr: Tensor = { data: new BigInt64Array([16000n]), shape: [1] };
      let states: Record<string, Tensor> = legacy
        ? { h: { data: new Float32Array(128), shape: [2, 1, 64] }, c: { data: new Float32Array(128), shape: [2, 1, 64] } }
        : { state: { data: new Float32Array(256), shape: [2, 1, 128] } };
      const context = new Float32Array(ref.contextSamples);
      const probs: number[] = [];
      for (const frame of frames(ref.frameSamples)) {
        const input = new Float32Array(ref.contextSamples + ref.frameSamples);
        input.set(context);
        input.set(frame, ref.contextSamples);
        context.set(frame.subarray(ref.frameSamples - ref.contextSamples));
        const out = model.run({ input: { data: input, shape: [1, input.length] }, sr, ...states });
        probs.push((out.output.data as Float32Array)[0]);
        states = legacy ? { h: out.hn, c: out.cn } : { state: out.stateN };
      }
      const { err, frame } = maxProbError(probs, ref.probs);
      console.log(`${name} via loadOnnx: max |p - ort| ${err.toExponential(2)} (frame ${frame})`);
      expect.soft(err, `${name}: max |p - onnxruntime-node|, frame ${frame}`).toBeLessThanOrEqual(PROB_TOLERANCE); // soft: states and segments are checked too
      const final = legacy ? { hn: states.h, cn: states.c } : { stateN: states.state };
      expectStates(name, Object.fromEntries(Object.entries(final).map(([k, t]) => [k, { dims: t.shape, data: t.data as Float32Array }])), ref);
      await expectSegments(name, probs, ref);
      model.dispose();
    });
  }
});
