/**
 * src/audio/vad.ts: SileroVad runs the three Silero models of @ricky0123/vad-web over the speech
 * clip of test/fixtures/vad within 2e-5 of onnxruntime-node's per-frame probabilities (the
 * fixtures of tools/make-vad-fixtures.mjs), and at 8 kHz within 2e-5 of onnxruntime-node run here
 * with the same protocol; SpeechSegmenter gives the events and segments of vad-web's own
 * FrameProcessor (the fixtures' segments, and random probability streams under many options);
 * streaming and detectSpeech agree; reset() restarts exactly; misuse is a typed RnnError.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SileroVad, SpeechSegmenter, resample, type SegmentOptions, type SpeechEvent, type SpeechSegment } from '../../src/audio/index.js';
import type { RnnErrorCode } from '../../base/errors.js';
import { loadOnnx, ready } from '../../src/index.js';
import { rng } from '../helpers/common.js';
import { model } from '../onnx/encode.js';
import { VAD_DIST, maxProbError, readClip, readReference, vadWeb, type VadReference } from '../helpers/vad.js';

const { FrameProcessor } = vadWeb('frame-processor.js');
const { Message } = vadWeb('messages.js');
type Reference = VadReference;

const PROB_TOLERANCE = 2e-5;
const MODELS = [
  { name: 'silero_vad_legacy', kind: 'legacy', frameSamples: 1536, contextSamples: 0 },
  { name: 'silero_vad_v5', kind: 'v5', frameSamples: 512, contextSamples: 64 },
  { name: 'silero_vad_v6', kind: 'v5', frameSamples: 512, contextSamples: 64 },
] as const;
const { samples: clip, pieces } = readClip();
const sentences = pieces.filter((p) => p.kind === 'sentence');
const modelBytes = (name: string) => new Uint8Array(readFileSync(`${VAD_DIST}${name}.onnx`));
const reference = readReference;
/** The fixtures' segment options without vad-web's submitUserSpeechOnPause (a MicVAD pause setting). */
const segmentOptions = (ref: Reference): SegmentOptions => {
  const { submitUserSpeechOnPause, ...rest } = ref.segmentOptions;
  expect(submitUserSpeechOnPause).toBe(false);
  return rest;
};

/** `f` throws an RnnError with this code and a message matching `message`. */
function expectRnnError(f: () => unknown, code: RnnErrorCode, message = /./): void {
  expect(f).toThrow(expect.objectContaining({ name: 'RnnError', code, message: expect.stringMatching(message) }));
}

/** Every whole frame of `samples` through vad.process. */
function probabilities(vad: SileroVad, samples: Float32Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + vad.frameSamples <= samples.length; at += vad.frameSamples) out.push(vad.process(samples.slice(at, at + vad.frameSamples)));
  return out;
}

/** One segment per sentence, covering it; every segment lies mostly in its sentence. */
function expectSentences(segments: SpeechSegment[], sampleRate: number): void {
  expect(segments.length).toBe(sentences.length);
  sentences.forEach((s, i) => {
    const [start, end] = [(s.start / 16000) * sampleRate, (s.end / 16000) * sampleRate];
    const overlap = Math.min(segments[i].endSample, end) - Math.max(segments[i].startSample, start);
    expect(overlap / (end - start), `segment ${i} covers sentence ${i}`).toBeGreaterThan(0.95);
    expect(overlap / (segments[i].endSample - segments[i].startSample), `segment ${i} lies in sentence ${i}`).toBeGreaterThan(0.9);
  });
}

type EventRecord = { type: string; frame: number; audioLength?: number };

/**
 * vad-web's FrameProcessor over `probs` (frames of `frameSamples` zeros at `sampleRate`), then its
 * endSegment: the events in order, SpeechEnd with the length of the audio it carries.
 */
async function frameProcessorEvents(probs: number[], options: Required<SegmentOptions>, frameSamples: number, sampleRate: number): Promise<EventRecord[]> {
  let i = 0;
  const processor = new FrameProcessor(async () => ({ isSpeech: probs[i], notSpeech: 1 - probs[i] }), () => {}, { ...options, submitUserSpeechOnPause: false }, (1000 * frameSamples) / sampleRate);
  processor.resume();
  const events: EventRecord[] = [];
  const record = (frame: number) => (e: { msg: string; audio?: Float32Array }) => {
    const type = { [Message.SpeechStart]: 'speech-start', [Message.SpeechRealStart]: 'speech-real-start', [Message.SpeechEnd]: 'speech-end', [Message.VADMisfire]: 'misfire' }[e.msg];
    if (type) events.push({ type, frame, ...(e.audio ? { audioLength: e.audio.length } : {}) });
  };
  const frame = new Float32Array(frameSamples);
  for (; i < probs.length; i++) await processor.process(frame, record(i));
  processor.endSegment(record(probs.length - 1));
  return events;
}

/** The same through SpeechSegmenter, with the segments of speech-end. */
function segmenterEvents(probs: number[], segmenter: SpeechSegmenter): { events: EventRecord[]; segments: SpeechSegment[] } {
  const events: EventRecord[] = [];
  const segments: SpeechSegment[] = [];
  const record = (list: readonly SpeechEvent[]) => {
    for (const e of list) {
      if (e.type === 'speech-end') segments.push(e.segment);
      events.push({ type: e.type, frame: e.frame, ...(e.type === 'speech-end' ? { audioLength: e.segment.audioEndSample - e.segment.audioStartSample } : {}) });
    }
  };
  for (const p of probs) record(segmenter.push(p));
  record(segmenter.flush());
  return { events, segments };
}

beforeAll(async () => {
  await ready();
});

describe('SileroVad over the clip: every frame within 2e-5 of onnxruntime-node', () => {
  for (const { name, kind, frameSamples, contextSamples } of MODELS) {
    it(`${name}: probabilities, and detectSpeech's segments are vad-web's FrameProcessor's on onnxruntime-node's probabilities`, () => {
      const ref = reference(name);
      const vad = SileroVad.load(modelBytes(name));
      expect({ kind: vad.kind, sampleRate: vad.sampleRate, frameSamples: vad.frameSamples, contextSamples: vad.contextSamples }).toEqual({ kind, sampleRate: 16000, frameSamples, contextSamples });
      expect([ref.frameSamples, ref.contextSamples]).toEqual([frameSamples, contextSamples]);
      const probs = probabilities(vad, clip);
      expect(probs.length).toBe(ref.frames);
      const { err, frame } = maxProbError(probs, ref.probs);
      console.log(`${name}: max |p - onnxruntime-node| ${err.toExponential(2)} (frame ${frame})`);
      // soft: the segments are checked too when a frame is off
      expect.soft(err, `${name}: max |p - onnxruntime-node|, frame ${frame}`).toBeLessThanOrEqual(PROB_TOLERANCE);

      // vad-web's NonRealTimeVAD reports a segment as [its start, the end of the frame that closed it]
      const found = vad.detectSpeech(clip, 16000, segmentOptions(ref));
      expect(Array.from(found.probabilities)).toEqual(probs);
      expect(found.segments.map((s) => [s.startSample, s.audioEndSample]), `${name}: segments vs the fixture's`).toEqual(ref.segments);
      expectSentences(found.segments, 16000);
      vad.dispose();
    });
  }
});

describe('SpeechSegmenter: the rules of vad-web\'s FrameProcessor', () => {
  for (const { name, frameSamples } of MODELS) {
    it(`${name}: onnxruntime-node's probabilities give the fixture's segments, and the same events as FrameProcessor`, async () => {
      const ref = reference(name);
      const options = { ...segmentOptions(ref) } as Required<SegmentOptions>;
      const segmenter = new SpeechSegmenter({ ...options, frameSamples });
      const { events, segments } = segmenterEvents(ref.probs, segmenter);
      expect(segments.map((s) => [s.startSample, s.audioEndSample])).toEqual(ref.segments);
      expect(events).toEqual(await frameProcessorEvents(ref.probs, options, frameSamples, 16000));
    });
  }

  /** Runs of speech, silence and in-between values, with exact threshold values now and then. */
  function randomProbabilities(seed: number, frames: number, options: Required<SegmentOptions>): number[] {
    const r = rng(seed);
    const out: number[] = [];
    let level = 0;
    while (out.length < frames) {
      const run = 1 + Math.floor(r() * r() * 40);
      level = r() < 0.5 ? (level > 0.5 ? r() * 0.3 : 0.6 + r() * 0.4) : r();
      for (let k = 0; k < run && out.length < frames; k++) {
        const x = r();
        out.push(x < 0.05 ? options.positiveSpeechThreshold : x < 0.1 ? options.negativeSpeechThreshold : Math.min(1, Math.max(0, level + (r() - 0.5) * 0.3)));
      }
    }
    return out;
  }

  const OPTION_SETS: Required<SegmentOptions>[] = [
    { positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.35, redemptionMs: 1400, minSpeechMs: 400, preSpeechPadMs: 800 },
    { positiveSpeechThreshold: 0.3, negativeSpeechThreshold: 0.25, redemptionMs: 1400, minSpeechMs: 400, preSpeechPadMs: 800 }, // vad-web 0.0.31's defaults
    { positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.35, redemptionMs: 500, minSpeechMs: 250, preSpeechPadMs: 0 }, // the web panel's
    { positiveSpeechThreshold: 0.6, negativeSpeechThreshold: 0.6, redemptionMs: 0, minSpeechMs: 100, preSpeechPadMs: 300 },
    { positiveSpeechThreshold: 0.8, negativeSpeechThreshold: 0.1, redemptionMs: 96, minSpeechMs: 1000, preSpeechPadMs: 2000 },
  ];
  for (const [frameSamples, sampleRate] of [[512, 16000], [1536, 16000], [256, 8000]]) {
    it(`random probability streams, ${frameSamples}-sample frames at ${sampleRate} Hz: the same events as FrameProcessor, ${OPTION_SETS.length} option sets`, async () => {
      let segmentCount = 0;
      for (const [k, options] of OPTION_SETS.entries()) {
        for (let seed = 1; seed <= 4; seed++) {
          const probs = randomProbabilities(seed * 100 + k, 700, options);
          const { events } = segmenterEvents(probs, new SpeechSegmenter({ ...options, frameSamples, sampleRate }));
          expect(events, `options ${JSON.stringify(options)}, seed ${seed}`).toEqual(await frameProcessorEvents(probs, options, frameSamples, sampleRate));
          segmentCount += events.filter((e) => e.type === 'speech-end').length;
        }
      }
      expect(segmentCount).toBeGreaterThan(20);
    });
  }

  it('segment fields: speech ends where the first quiet frame after the last speech frame starts; the pre-speech pad stops at the previous segment', async () => {
    const options = { positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.3, redemptionMs: 96, minSpeechMs: 64, preSpeechPadMs: 128 };
    const segmenter = new SpeechSegmenter(options);
    expect([segmenter.redemptionFrames, segmenter.minSpeechFrames, segmenter.preSpeechPadFrames]).toEqual([3, 2, 4]);
    //             0  1  2    3    4    5    6    7    8    9    10   11   12 13   14
    const probs = [0, 0, 0.9, 0.4, 0.9, 0.2, 0.4, 0.1, 0.6, 0.1, 0.1, 0.1, 0, 0.9, 0.9];
    const { events, segments } = segmenterEvents(probs, segmenter);
    expect(events).toEqual(await frameProcessorEvents(probs, options, 512, 16000));
    expect(events.map((e) => `${e.type}@${e.frame}`)).toEqual(['speech-start@2', 'speech-real-start@4', 'speech-end@11', 'speech-start@13', 'speech-real-start@14', 'speech-end@14']);
    // frame 8 (0.6) is speech: the quiet count restarts, and speech ends where frame 9 starts
    expect(segments[0]).toEqual({ start: 1024 / 16000, end: 4608 / 16000, startSample: 1024, endSample: 4608, audioStartSample: 0, audioEndSample: 12 * 512, speechFrames: 3 });
    // the second: one frame of pad (frame 12; frame 11 closed the first segment), ended by the stream's end
    expect(segments[1]).toEqual({ start: 6656 / 16000, end: 7680 / 16000, startSample: 13 * 512, endSample: 15 * 512, audioStartSample: 12 * 512, audioEndSample: 15 * 512, speechFrames: 2 });
    expect(segmenter.speaking).toBe(false);
  });

  it('speaking / speechStart / frames follow the stream; reset() starts over', () => {
    const segmenter = new SpeechSegmenter();
    expect(segmenter.options).toEqual({ positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.35, redemptionMs: 1400, minSpeechMs: 400, preSpeechPadMs: 800 });
    const quiet = segmenter.push(0.1);
    expect(quiet).toEqual([]);
    expect(segmenter.push(0.2)).toBe(quiet); // no allocation for a frame without events
    expect(segmenter.push(0.7)).toEqual([{ type: 'speech-start', frame: 2, start: 0.064, startSample: 1024 }]);
    expect([segmenter.speaking, segmenter.speechStart, segmenter.frames]).toEqual([true, 0.064, 3]);
    segmenter.reset();
    expect([segmenter.speaking, segmenter.speechStart, segmenter.frames]).toEqual([false, undefined, 0]);
    expect(segmenter.push(0.7)[0]).toMatchObject({ type: 'speech-start', frame: 0, startSample: 0 });
  });
});

describe('streaming and whole-buffer', () => {
  it('v5: process + push frame by frame gives what detectSpeech gives, resampled input finds the sentences', () => {
    const vad = SileroVad.load(modelBytes('silero_vad_v5'));
    const options: SegmentOptions = { redemptionMs: 500, minSpeechMs: 250 };
    const whole = vad.detectSpeech(clip, 16000, options);

    const segmenter = new SpeechSegmenter({ ...options, frameSamples: vad.frameSamples, sampleRate: vad.sampleRate });
    const streamed: SpeechSegment[] = [];
    const probs: number[] = [];
    // audio arriving in chunks of odd sizes, cut into frames as it comes
    const pending = new Float32Array(vad.frameSamples);
    let filled = 0;
    const r = rng(7);
    for (let at = 0; at < clip.length; ) {
      const chunk = clip.subarray(at, at + 1 + Math.floor(r() * 2000));
      at += chunk.length;
      for (let i = 0; i < chunk.length; ) {
        const take = Math.min(chunk.length - i, vad.frameSamples - filled);
        pending.set(chunk.subarray(i, i + take), filled);
        [i, filled] = [i + take, filled + take];
        if (filled < vad.frameSamples) break;
        filled = 0;
        const p = vad.process(pending); // the same buffer every frame: the VAD keeps its own copy of the context
        probs.push(p);
        for (const e of segmenter.push(p)) if (e.type === 'speech-end') streamed.push(e.segment);
      }
    }
    for (const e of segmenter.flush()) if (e.type === 'speech-end') streamed.push(e.segment);
    expect(probs).toEqual(Array.from(whole.probabilities));
    expect(streamed).toEqual(whole.segments);
    expectSentences(whole.segments, 16000);
    console.log(`v5, redemption 500 ms, min speech 250 ms: ${whole.segments.map((s) => `${s.start.toFixed(3)}-${s.end.toFixed(3)} s`).join(', ')}`);

    // 44.1 kHz input is resampled to 16 kHz first; the sentences are still found, times unchanged
    const at44 = vad.detectSpeech(resample(clip, 16000, 44100), 44100, options);
    expect(at44.sampleRate).toBe(16000);
    expect(at44.probabilities.length).toBe(whole.probabilities.length);
    expectSentences(at44.segments, 16000);
    vad.dispose();
  });

  it('a partial last frame is zero-padded and segment ends are clamped to the recording', () => {
    const vad = SileroVad.load(modelBytes('silero_vad_v5'));
    const cut = clip.subarray(0, 100_000); // inside sentence 1: the stream ends in speech
    const found = vad.detectSpeech(cut, 16000);
    expect(found.probabilities.length).toBe(Math.ceil(100_000 / 512));
    const padded = new Float32Array(found.probabilities.length * 512);
    padded.set(cut);
    expect(Array.from(found.probabilities)).toEqual(probabilities(vad, padded));
    const last = found.segments[found.segments.length - 1];
    expect([last.endSample, last.audioEndSample, last.end]).toEqual([100_000, 100_000, 100_000 / 16000]);
    vad.dispose();
  });
});

describe('reset()', () => {
  for (const { name } of MODELS) {
    it(`${name}: after reset() the clip gives bit for bit a fresh instance's probabilities`, () => {
      const fresh = SileroVad.load(modelBytes(name));
      const want = probabilities(fresh, clip.subarray(0, 120_000));
      const used = SileroVad.load(modelBytes(name));
      probabilities(used, clip.subarray(150_000, 200_000)); // some other audio: state and context move away from zero
      used.reset();
      expect(probabilities(used, clip.subarray(0, 120_000))).toEqual(want);
      fresh.dispose();
      used.dispose();
    });
  }
});

describe('8 kHz: the models\' 8 kHz branch against onnxruntime-node', () => {
  let ort: typeof import('onnxruntime-node') | undefined;
  let reason = '';
  beforeAll(async () => {
    try {
      ort = require('onnxruntime-node');
    } catch (e) {
      reason = `onnxruntime-node is not installed: ${(e as Error).message}`;
    }
  });
  const clip8k = resample(clip, 16000, 8000);

  for (const { name, kind } of MODELS) {
    it(`${name} at 8000 Hz: every frame within ${PROB_TOLERANCE}; the sentences found`, async (ctx) => {
      if (!ort) return ctx.skip(reason);
      const vad = SileroVad.load(modelBytes(name), { sampleRate: 8000 });
      const [frameSamples, contextSamples] = kind === 'legacy' ? [768, 0] : [256, 32];
      expect([vad.sampleRate, vad.frameSamples, vad.contextSamples]).toEqual([8000, frameSamples, contextSamples]);

      // the reference: onnxruntime-node, fed as vad-web feeds the 16 kHz models, with the 8 kHz sizes
      const session = await ort.InferenceSession.create(`${VAD_DIST}${name}.onnx`, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      const sr = new ort.Tensor('int64', [8000n]);
      let states: Record<string, import('onnxruntime-node').Tensor> =
        kind === 'legacy'
          ? { h: new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]), c: new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]) }
          : { state: new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]) };
      let context = new Float32Array(contextSamples);
      const want: number[] = [];
      for (let at = 0; at + frameSamples <= clip8k.length; at += frameSamples) {
        const input = new Float32Array(contextSamples + frameSamples);
        input.set(context);
        input.set(clip8k.subarray(at, at + frameSamples), contextSamples);
        context = input.slice(frameSamples);
        const out = await session.run({ input: new ort.Tensor('float32', input, [1, input.length]), sr, ...states });
        want.push((out.output.data as Float32Array)[0]);
        states = kind === 'legacy' ? { h: out.hn, c: out.cn } : { state: out.stateN };
      }
      await session.release();

      const got = probabilities(vad, clip8k);
      const { err, frame } = maxProbError(got, want);
      console.log(`${name} at 8 kHz: max |p - onnxruntime-node| ${err.toExponential(2)} (frame ${frame})`);
      expect.soft(err, `${name} at 8 kHz: frame ${frame}`).toBeLessThanOrEqual(PROB_TOLERANCE);
      const found = vad.detectSpeech(clip8k, 8000);
      expect(found.sampleRate).toBe(8000);
      expectSentences(found.segments, 8000);
      vad.dispose();
    });
  }
});

describe('misuse: typed RnnErrors naming what was expected', () => {
  it('frames of the wrong length or type', () => {
    const vad = SileroVad.load(modelBytes('silero_vad_v5'));
    expectRnnError(() => vad.process(new Float32Array(480)), 'SHAPE_MISMATCH', /v5 at 16000 Hz is 512 samples \(32 ms\), got 480/);
    expectRnnError(() => vad.process(new Float64Array(512) as unknown as Float32Array), 'DTYPE_MISMATCH', /Float32Array of 512 samples, got Float64Array/);
    expectRnnError(() => vad.detectSpeech([0, 1] as unknown as Float32Array, 16000), 'DTYPE_MISMATCH', /samples must be a Float32Array, got Array/);
    expectRnnError(() => vad.detectSpeech(clip, 0), 'INVALID_OPTION', /fromRate must be a positive integer/); // resample's check
    expectRnnError(() => vad.detectSpeech(clip, 16000, { frameSamples: 256 } as SegmentOptions), 'INVALID_OPTION', /frameSamples is the VAD's \(512\)/);
    vad.dispose();
    expectRnnError(() => vad.process(new Float32Array(512)), 'DISPOSED', /SileroVad: used after dispose\(\)/);
    vad.dispose(); // twice is fine

    const legacy = SileroVad.load(modelBytes('silero_vad_legacy'));
    expectRnnError(() => legacy.process(new Float32Array(512)), 'SHAPE_MISMATCH', /legacy at 16000 Hz is 1536 samples \(96 ms\), got 512/);
    legacy.dispose();
  });

  it('sample rates other than 16000 / 8000, unknown options', () => {
    expectRnnError(() => SileroVad.load(modelBytes('silero_vad_v5'), { sampleRate: 44100 as 16000 }), 'INVALID_OPTION', /sampleRate must be 16000 or 8000.*got 44100/);
    expectRnnError(() => SileroVad.load(modelBytes('silero_vad_v5'), { rate: 16000 } as never), 'INVALID_OPTION', /unknown option 'rate' \(known: sampleRate, weights\)/);
  });

  it('a model that is not Silero VAD: UNSUPPORTED naming the inputs it expected', () => {
    const lstm = new Uint8Array(readFileSync(new URL('../fixtures/onnx/torch/char_lstm_op17/model.onnx', import.meta.url)));
    expectRnnError(() => SileroVad.load(lstm), 'UNSUPPORTED', /expected Silero VAD's \(v5\/v6: input, state, sr; or v4 \(legacy\): input, h, c, sr\)/);
    expectRnnError(() => SileroVad.load(new Uint8Array([1, 2, 3])), 'INVALID_FORMAT');
  });

  it('load runs nothing on the three models at both rates: their outputs are checked from the inferred types (sr and the input shapes fixed, the Ifs on them folded)', () => {
    for (const name of ['silero_vad_legacy', 'silero_vad_v5', 'silero_vad_v6']) {
      for (const sampleRate of [16000, 8000] as const) {
        const vad = SileroVad.load(modelBytes(name), { sampleRate });
        const inner = (vad as unknown as { model: { lastRunNodes: number; recurrentNodes: readonly unknown[] } }).model;
        expect(inner.lastRunNodes, `${name} at ${sampleRate}`).toBe(0);
        // only the branch of this rate is planned, and in it only the LSTMs of the branch the
        // bound states' shape selects: half the recurrent nodes loadOnnx plans, whose shape
        // inference folds the Ifs on the states' declared dims at load too, but not the one on sr
        expect(inner.recurrentNodes.length, `${name} at ${sampleRate}`).toBe(name === 'silero_vad_legacy' ? 2 : 1);
        expect(2 * inner.recurrentNodes.length, `${name} at ${sampleRate}`).toBe(loadOnnx(modelBytes(name)).recurrentNodes.length);
        vad.dispose();
      }
    }
  });

  it("a model with Silero's inputs but other outputs: UNSUPPORTED naming the output, at load", () => {
    // output = the window itself (576 values), stateN = state: inputs as v5's, outputs not
    const wrong = model({
      nodes: [
        { op: 'Identity', inputs: ['input'], outputs: ['output'] },
        { op: 'Identity', inputs: ['state'], outputs: ['stateN'] },
      ],
      inputs: [{ name: 'input', shape: [1, 576] }, { name: 'state', shape: [2, 1, 128] }, { name: 'sr', type: 7, shape: [] }],
      outputs: [{ name: 'output' }, { name: 'stateN' }],
    });
    expectRnnError(() => SileroVad.load(wrong), 'UNSUPPORTED', /the model is not Silero VAD v5 at 16000 Hz \(input \[1, 576\]\): output has 576 float32 elements, expected 1 float32/);
    // the same with a one-value output loads, and runs
    const right = model({
      nodes: [
        { op: 'ReduceMean', inputs: ['input'], outputs: ['output'], attrs: [{ name: 'axes', ints: [1] }] },
        { op: 'Identity', inputs: ['state'], outputs: ['stateN'] },
      ],
      inputs: [{ name: 'input', shape: [1, 576] }, { name: 'state', shape: [2, 1, 128] }, { name: 'sr', type: 7, shape: [] }],
      outputs: [{ name: 'output' }, { name: 'stateN' }],
    });
    const vad = SileroVad.load(right);
    expect(vad.process(new Float32Array(512).fill(0.5))).toBeCloseTo(0.5 * 512 / 576, 6);
    vad.dispose();
  });

  it('segmenter options and probabilities', () => {
    const bad: [SegmentOptions & Record<string, unknown>, RegExp][] = [
      [{ positiveSpeechThreshold: 1.5 }, /positiveSpeechThreshold must be a number in \[0, 1\], got 1.5/],
      [{ negativeSpeechThreshold: 0.6 }, /negativeSpeechThreshold must be a number in \[0, positiveSpeechThreshold = 0.5\], got 0.6/],
      [{ redemptionMs: -1 }, /redemptionMs must be a finite number >= 0, got -1/],
      [{ minSpeechMs: NaN }, /minSpeechMs must be a finite number >= 0, got NaN/],
      [{ frameSamples: 0 }, /frameSamples must be a positive integer, got 0/],
      [{ positiveThreshold: 0.5 }, /unknown option 'positiveThreshold'/],
    ];
    for (const [options, message] of bad) expectRnnError(() => new SpeechSegmenter(options), 'INVALID_OPTION', message);
    const segmenter = new SpeechSegmenter();
    for (const p of [NaN, -0.1, 1.1, '0.5']) expectRnnError(() => segmenter.push(p as number), 'INVALID_INPUT', /a speech probability must be a number in \[0, 1\]/);
  });
});
