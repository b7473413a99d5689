/**
 * Voice activity detection with Silero VAD (the models @ricky0123/vad-web ships), so that callers
 * need not re-implement its calling protocol:
 *
 * - SileroVad runs a Silero model frame by frame exactly as vad-web's dist/models/silero.js
 *   (v5 / v6: 512 new samples behind the previous frame's last 64, one `state` tensor) and
 *   legacy.js (v4: 1536-sample frames, `h` and `c`) do, at 16 kHz; at 8 kHz with the models'
 *   8 kHz branch (v5 / v6: 256 samples behind 32 of context; v4: 768 samples).
 * - SpeechSegmenter turns per-frame probabilities into speech segments with vad-web's
 *   FrameProcessor rules (hysteresis between two thresholds, redemption, minimum speech,
 *   pre-speech pad), one probability at a time.
 * - SileroVad.detectSpeech does both over a whole recording, resampling it first if needed.
 *
 * docs/vad.md describes the protocol, the rules and the defaults.
 */
import type { WeightFormat } from '../../base/quantize.js';
import { RnnError, checkOptionKeys, kindOf } from '../../base/errors.js';
import { loadOnnxWith, type FixedInputs, type OnnxBinding, type OnnxModel } from '../onnx/model.js';
import { SILERO_OPS } from '../onnx/silero-ops.js';
import { resample } from './resample.js';

/** The sample rates Silero VAD was trained at (its graphs branch on `sr == 16000`). */
export type SileroSampleRate = 16000 | 8000;

export interface SileroVadOptions {
  /** 16000 (default) or 8000 Hz: the rate of the frames given to process(). */
  sampleRate?: SileroSampleRate;
  /** The LSTM's weights: 'f32' (default) or 'int8' (docs/quantization.md). */
  weights?: WeightFormat;
}

interface StateTensor {
  /** Graph input that takes the state, and the graph output that returns its next value. */
  input: string;
  output: string;
  shape: readonly number[];
}

/** How a generation of Silero is called: its recurrent states and frame geometry per rate. */
interface SileroProtocol {
  kind: 'v5' | 'legacy';
  /** Inputs every model of this kind has, in vad-web's naming (`sr` is optional). */
  inputs: readonly string[];
  states: readonly StateTensor[];
  frameSamples: Record<SileroSampleRate, number>;
  /** Samples of the previous frame repeated in front of each new one. */
  contextSamples: Record<SileroSampleRate, number>;
}

const PROTOCOLS: readonly SileroProtocol[] = [
  {
    kind: 'v5', // also v6: the same graph with other weights
    inputs: ['input', 'state'],
    states: [{ input: 'state', output: 'stateN', shape: [2, 1, 128] }],
    frameSamples: { 16000: 512, 8000: 256 },
    contextSamples: { 16000: 64, 8000: 32 },
  },
  {
    kind: 'legacy', // v4
    inputs: ['input', 'h', 'c'],
    states: [
      { input: 'h', output: 'hn', shape: [2, 1, 64] },
      { input: 'c', output: 'cn', shape: [2, 1, 64] },
    ],
    frameSamples: { 16000: 1536, 8000: 768 },
    contextSamples: { 16000: 0, 8000: 0 },
  },
];

const SAMPLE_RATES: readonly number[] = [16000, 8000];
const LOAD_OPTION_KEYS: readonly string[] = ['sampleRate', 'weights'];

/** The shapes SileroVad binds the inputs to (`sr` aside): the window [1, context + frame] and the states. */
function inputShapes(protocol: SileroProtocol, sampleRate: SileroSampleRate): Record<string, readonly number[]> {
  const shapes: Record<string, readonly number[]> = { input: [1, protocol.contextSamples[sampleRate] + protocol.frameSamples[sampleRate]] };
  for (const s of protocol.states) shapes[s.input] = s.shape;
  return shapes;
}

/** Silero's inputs, per generation, for messages. */
function expectedProtocols(): string {
  return PROTOCOLS.map((p) => `${p.kind === 'v5' ? 'v5/v6' : 'v4 (legacy)'}: ${[...p.inputs, 'sr'].join(', ')}`).join('; or ');
}

/** The protocol whose inputs are these, if any. */
function protocolNamed(names: readonly string[]): SileroProtocol | undefined {
  return PROTOCOLS.find((p) => p.inputs.every((n) => names.includes(n)) && names.every((n) => n === 'sr' || p.inputs.includes(n)));
}

/** The protocol whose input names the model has, or an UNSUPPORTED error naming what was expected. */
function protocolOf(model: OnnxModel): SileroProtocol {
  const names = model.inputNames;
  const protocol = protocolNamed(names);
  if (!protocol) {
    const expected = expectedProtocols();
    throw new RnnError('UNSUPPORTED', `SileroVad.load: the model's inputs are ${names.join(', ') || '(none)'}; expected Silero VAD's (${expected})`);
  }
  const missing = ['output', ...protocol.states.map((s) => s.output)].filter((n) => !model.outputNames.includes(n));
  if (missing.length > 0) {
    throw new RnnError('UNSUPPORTED', `SileroVad.load: the model has no output ${missing.join(', ')} (its outputs: ${model.outputNames.join(', ')}); Silero VAD ${protocol.kind} returns ${['output', ...protocol.states.map((s) => s.output)].join(', ')}`);
  }
  return protocol;
}

/**
 * A Silero VAD model with the state of one audio stream: process() takes the next frame and
 * returns its speech probability. Create with `SileroVad.load(bytes)` after `await ready()`.
 */
export class SileroVad {
  /** 'v5' for silero_vad_v5 and v6 (the same inputs), 'legacy' for v4. */
  readonly kind: 'v5' | 'legacy';
  readonly sampleRate: SileroSampleRate;
  /** Samples per frame given to process(): v5/v6 512 at 16 kHz (32 ms), 256 at 8 kHz; v4 1536 / 768 (96 ms). */
  readonly frameSamples: number;
  /** Samples of the previous frame the model sees in front of each new one: v5/v6 64 (32 at 8 kHz), v4 none. */
  readonly contextSamples: number;

  private readonly model: OnnxModel;
  private readonly states: readonly StateTensor[];
  /**
   * The model bound to this stream's buffers (OnnxModel.bind): the window, `sr` and the states as
   * inputs, each state output fed back into its input after a run, so a frame allocates nothing.
   */
  private readonly binding: OnnxBinding;
  /** The model's `input`: the previous frame's last contextSamples samples, then the new frame. */
  private readonly window: Float32Array;
  private disposed = false;

  /**
   * Loads a Silero VAD .onnx file (v5 / v6 with inputs input, state, sr; v4 with input, h, c, sr)
   * and checks its outputs (from the types its plan infers; by one silent frame where it cannot
   * tell them). Synchronous; needs `await ready()` first.
   */
  static load(bytes: Uint8Array | ArrayBuffer, options: SileroVadOptions = {}): SileroVad {
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', `SileroVad.load: options must be an object, got ${kindOf(options)}`);
    checkOptionKeys(options, LOAD_OPTION_KEYS, 'SileroVad.load');
    const sampleRate = options.sampleRate ?? 16000;
    if (!SAMPLE_RATES.includes(sampleRate)) {
      throw new RnnError('INVALID_OPTION', `SileroVad.load: sampleRate must be 16000 or 8000 (the rates Silero VAD runs at; resample other audio), got ${sampleRate}`);
    }
    let model: OnnxModel;
    try {
      // `sr` and the shapes of the window and the states are fixed for the VAD's lifetime: the
      // model's `If` on `sr` folds at load, so the branch of the other rate is never planned (a
      // third of a cold start), and so do those on the states' shapes (v5 / v6 plan one LSTM of two)
      const sr = { data: BigInt64Array.of(BigInt(sampleRate)), shape: [1] };
      const fix = (inputs: readonly { name: string }[]): FixedInputs => {
        const protocol = protocolNamed(inputs.map((i) => i.name));
        return { values: { sr }, shapes: protocol === undefined ? {} : inputShapes(protocol, sampleRate) };
      };
      model = loadOnnxWith(SILERO_OPS, bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes, { weights: options.weights }, fix);
    } catch (e) {
      // an operator Silero does not use (silero-ops.ts): say what was expected
      if (!(e instanceof RnnError) || e.code !== 'UNSUPPORTED') throw e;
      throw new RnnError('UNSUPPORTED', `SileroVad.load: ${e.message.replace(/^\[UNSUPPORTED\] /, '')}; expected Silero VAD's (${expectedProtocols()})`);
    }
    try {
      const protocol = protocolOf(model);
      if (sampleRate !== 16000 && !model.inputNames.includes('sr')) {
        throw new RnnError('UNSUPPORTED', `SileroVad.load: the model has no 'sr' input, so it runs at 16000 Hz only, not at ${sampleRate}`);
      }
      let vad: SileroVad;
      try {
        vad = new SileroVad(model, protocol, sampleRate);
      } catch (e) {
        if (!(e instanceof RnnError) || e.code === 'OUT_OF_MEMORY') throw e;
        throw new RnnError('UNSUPPORTED', `SileroVad.load: the model does not take Silero VAD ${protocol.kind}'s inputs: ${e.message}`);
      }
      vad.checkModel();
      return vad;
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  private constructor(model: OnnxModel, protocol: SileroProtocol, sampleRate: SileroSampleRate) {
    this.model = model;
    this.kind = protocol.kind;
    this.sampleRate = sampleRate;
    this.frameSamples = protocol.frameSamples[sampleRate];
    this.contextSamples = protocol.contextSamples[sampleRate];
    this.states = protocol.states;
    const shapes = inputShapes(protocol, sampleRate);
    const feedback: Record<string, string> = {};
    for (const s of this.states) feedback[s.output] = s.input;
    // as vad-web: int64 [1] (onnxruntime and loadOnnx take it for the declared scalar)
    if (model.inputNames.includes('sr')) shapes.sr = [1];
    this.binding = model.bind(shapes, { feedback });
    this.window = this.binding.inputs.input.data as Float32Array;
    if (model.inputNames.includes('sr')) (this.binding.inputs.sr.data as BigInt64Array)[0] = BigInt(sampleRate);
  }

  /**
   * Checks that the model computes Silero's outputs for these inputs, so that a model that is not
   * Silero fails at load, naming why. From the output types the plan for the bound shapes infers
   * (no run: a cold start's first frame then is the model's first run, and pays neither a check
   * frame nor the static plan's compilation, which comes with a plan's second run); where the plan
   * cannot tell them, by running one silent frame.
   */
  private checkModel(): void {
    const what = `Silero VAD ${this.kind} at ${this.sampleRate} Hz (input [1, ${this.window.length}])`;
    const names = ['output', ...this.states.map((s) => s.output)];
    const types = this.binding.outputTypes;
    const inferred = names.every((n) => types[n] !== undefined);
    const out = this.binding.outputs;
    if (!inferred) {
      try {
        this.binding.run();
      } catch (e) {
        if (!(e instanceof RnnError) || e.code === 'OUT_OF_MEMORY') throw e;
        // a state output of another shape than its input fails the feedback copy
        if (e.code !== 'SHAPE_MISMATCH' || out.output === undefined) throw new RnnError('UNSUPPORTED', `SileroVad.load: the model does not run as ${what}: ${e.message}`);
      }
    }
    // element type and count of each output, inferred or as run
    const got = (n: string): { dtype: string; size: number } => {
      const t = types[n];
      if (inferred && t !== undefined) return { dtype: t.dtype, size: t.shape.reduce((a, b) => a * b, 1) };
      return { dtype: out[n].data instanceof Float32Array ? 'float32' : kindOf(out[n].data), size: out[n].data.length };
    };
    const bad: string[] = [];
    const p = got('output');
    if (p.size !== 1 || p.dtype !== 'float32') bad.push(`output has ${p.size} ${p.dtype} elements, expected 1 float32`);
    for (const s of this.states) {
      const g = got(s.output);
      const want = this.binding.inputs[s.input].data.length;
      if (g.dtype !== 'float32' || g.size !== want) {
        bad.push(`${s.output} has ${g.size} ${g.dtype} elements, expected ${want} float32 (shape [${s.shape.join(', ')}])`);
      }
    }
    if (bad.length > 0) throw new RnnError('UNSUPPORTED', `SileroVad.load: the model is not ${what}: ${bad.join('; ')}`);
    this.reset();
  }

  /**
   * The speech probability (0..1) of the next `frameSamples` samples of the stream. The model's
   * recurrent state and the last `contextSamples` samples carry over to the next call.
   */
  process(frame: Float32Array): number {
    if (this.disposed) throw new RnnError('DISPOSED', 'SileroVad: used after dispose()');
    const n = this.frameSamples;
    if (!(frame instanceof Float32Array)) {
      throw new RnnError('DTYPE_MISMATCH', `SileroVad.process: a frame must be a Float32Array of ${n} samples, got ${kindOf(frame)}`);
    }
    if (frame.length !== n) {
      const ms = (1000 * n) / this.sampleRate;
      throw new RnnError('SHAPE_MISMATCH', `SileroVad.process: a frame of Silero VAD ${this.kind} at ${this.sampleRate} Hz is ${n} samples (${ms} ms), got ${frame.length}`);
    }
    // the previous frame's last contextSamples samples move to the front, the new frame follows
    this.window.copyWithin(0, n);
    this.window.set(frame, this.contextSamples);
    this.binding.run();
    return this.binding.outputs.output.data[0] as number;
  }

  /** Forgets the stream: zero states and context, as before the first frame. */
  reset(): void {
    if (this.disposed) throw new RnnError('DISPOSED', 'SileroVad: used after dispose()');
    this.window.fill(0);
    for (const s of this.states) this.binding.inputs[s.input].data.fill(0 as never);
  }

  /** Frees the model's wasm memory; later calls throw DISPOSED. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  /**
   * Speech in a whole mono recording: resampled to the VAD's rate if `sampleRate` differs, cut
   * into frames (the last one zero-padded), scored from a reset state, and segmented with
   * SpeechSegmenter's rules (`options`, vad-web's option names). Leaves the VAD reset.
   */
  detectSpeech(samples: Float32Array, sampleRate: number, options: SegmentOptions = {}): SpeechDetection {
    if (!(samples instanceof Float32Array)) {
      throw new RnnError('DTYPE_MISMATCH', `SileroVad.detectSpeech: samples must be a Float32Array, got ${kindOf(samples)}`);
    }
    for (const k of GEOMETRY_KEYS) {
      if (options !== null && typeof options === 'object' && k in options) {
        throw new RnnError('INVALID_OPTION', `SileroVad.detectSpeech: ${k} is the VAD's (${this[k as 'frameSamples' | 'sampleRate']}), not an option`);
      }
    }
    const segmenter = new SpeechSegmenter({ ...options, frameSamples: this.frameSamples, sampleRate: this.sampleRate });
    const audio = sampleRate === this.sampleRate ? samples : resample(samples, sampleRate, this.sampleRate);
    const n = this.frameSamples;
    const probabilities = new Float32Array(Math.ceil(audio.length / n));
    const segments: SpeechSegment[] = [];
    const collect = (events: readonly SpeechEvent[]) => {
      for (const e of events) if (e.type === 'speech-end') segments.push(clampSegment(e.segment, audio.length, this.sampleRate));
    };
    const padded = new Float32Array(n);
    this.reset();
    try {
      for (let f = 0; f < probabilities.length; f++) {
        let frame = audio.subarray(f * n, (f + 1) * n);
        if (frame.length < n) {
          padded.set(frame);
          frame = padded;
        }
        probabilities[f] = this.process(frame);
        collect(segmenter.push(probabilities[f]));
      }
      collect(segmenter.flush());
    } finally {
      this.reset();
    }
    return { sampleRate: this.sampleRate, frameSamples: n, probabilities, segments };
  }
}

/** What SileroVad.detectSpeech found in a recording. */
export interface SpeechDetection {
  /** The VAD's rate: sample indices in `segments` count at this rate (16000 unless loaded at 8000). */
  sampleRate: number;
  frameSamples: number;
  /** The speech probability of each frame. */
  probabilities: Float32Array;
  /** The segments vad-web would report (misfires dropped), ends clamped to the recording's length. */
  segments: SpeechSegment[];
}

/** The segmentation rules, with vad-web's option names (defaults as its fixtures here: docs/vad.md). */
export interface SegmentOptions {
  /** A frame at or above this is speech: it opens a segment and resets the redemption count. Default 0.5. */
  positiveSpeechThreshold?: number;
  /** Frames below this count towards closing an open segment. Default 0.35 (at most positiveSpeechThreshold). */
  negativeSpeechThreshold?: number;
  /** A segment closes after this many ms of frames below negativeSpeechThreshold since its last speech frame. Default 1400. */
  redemptionMs?: number;
  /** A closed segment with fewer ms of speech frames than this is a misfire, not a segment. Default 400. */
  minSpeechMs?: number;
  /** How far before its start a segment's audio (audioStartSample) begins. Default 800. */
  preSpeechPadMs?: number;
}

/** The rules and the frames a SpeechSegmenter counts in. */
export interface SpeechSegmenterOptions extends SegmentOptions {
  /** Samples per frame (the VAD's frameSamples). Default 512. */
  frameSamples?: number;
  /** Samples per second (the VAD's sampleRate). Default 16000. */
  sampleRate?: number;
}

/** A stretch of speech. Sample indices count from the first frame pushed, at the segmenter's rate. */
export interface SpeechSegment {
  /** Seconds: startSample / sampleRate. */
  start: number;
  /** Seconds: endSample / sampleRate. */
  end: number;
  /** Where the first frame at or above positiveSpeechThreshold begins. */
  startSample: number;
  /**
   * Where speech stopped: the start of the first frame below negativeSpeechThreshold after the
   * segment's last frame at or above positiveSpeechThreshold (Silero's get_speech_timestamps end,
   * before its padding), or the end of the stream when it ended first.
   */
  endSample: number;
  /** Where vad-web's segment audio begins: preSpeechPadMs before startSample, not before the previous segment's audio ends. */
  audioStartSample: number;
  /** Where vad-web's segment audio (and its NonRealTimeVAD `end`) ends: the end of the frame that closed the segment, redemption included. */
  audioEndSample: number;
  /** Frames at or above positiveSpeechThreshold in the segment. */
  speechFrames: number;
}

/**
 * What a pushed probability did, as vad-web's FrameProcessor messages: SpeechStart, SpeechRealStart
 * (minSpeechMs of speech reached), SpeechEnd, VADMisfire (closed with less speech than that).
 */
export type SpeechEvent =
  | { type: 'speech-start' | 'speech-real-start'; frame: number; start: number; startSample: number }
  | { type: 'speech-end' | 'misfire'; frame: number; segment: SpeechSegment };

const NO_EVENTS: readonly SpeechEvent[] = Object.freeze([]);
const SEGMENT_KEYS: readonly string[] = ['positiveSpeechThreshold', 'negativeSpeechThreshold', 'redemptionMs', 'minSpeechMs', 'preSpeechPadMs'];
const GEOMETRY_KEYS: readonly string[] = ['frameSamples', 'sampleRate'];

/** The defaults: vad-web's durations, and the thresholds of Silero's own examples (vad-web 0.0.31: 0.3 / 0.25). */
const SEGMENT_DEFAULTS: Readonly<Required<SegmentOptions>> = Object.freeze({
  positiveSpeechThreshold: 0.5,
  negativeSpeechThreshold: 0.35,
  redemptionMs: 1400,
  minSpeechMs: 400,
  preSpeechPadMs: 800,
});

interface OpenSegment {
  startFrame: number;
  /** Frames of pre-speech pad in front of startFrame. */
  padFrames: number;
  speechFrames: number;
  /** Frames below the negative threshold since the last speech frame (vad-web's redemptionCounter). */
  quietFrames: number;
  /** The first of those frames, -1 if none. */
  firstQuietFrame: number;
  realStartSent: boolean;
}

/**
 * Speech segments from per-frame speech probabilities, one probability at a time, by vad-web's
 * FrameProcessor rules. A frame at or above positiveSpeechThreshold opens a segment (or, in one,
 * counts as speech and resets the redemption count); in an open segment, each frame below
 * negativeSpeechThreshold counts, and the segment closes when the count reaches
 * floor(redemptionMs / frame ms). It is reported if it has at least floor(minSpeechMs / frame ms)
 * speech frames, else it is a misfire.
 */
export class SpeechSegmenter {
  /** The rules in force, defaults filled in. */
  readonly options: Readonly<Required<SegmentOptions>>;
  readonly frameSamples: number;
  readonly sampleRate: number;
  readonly redemptionFrames: number;
  readonly minSpeechFrames: number;
  readonly preSpeechPadFrames: number;

  /** Index of the next frame pushed. */
  private frame = 0;
  /** The first frame since the last segment closed: a pre-speech pad never reaches before it. */
  private padFloor = 0;
  private open: OpenSegment | undefined;

  /**
   * `options`: the rules with vad-web's names (SegmentOptions) and the frames' geometry, e.g.
   * `{ ...rules, frameSamples: vad.frameSamples, sampleRate: vad.sampleRate }` (default 512
   * samples at 16 kHz).
   */
  constructor(options: SpeechSegmenterOptions = {}) {
    const what = 'SpeechSegmenter';
    if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', `${what}: options must be an object, got ${kindOf(options)}`);
    checkOptionKeys(options, [...SEGMENT_KEYS, ...GEOMETRY_KEYS], what);
    const o = { ...SEGMENT_DEFAULTS };
    for (const k of SEGMENT_KEYS as (keyof SegmentOptions)[]) if (options[k] !== undefined) o[k] = options[k]!;
    const { positiveSpeechThreshold: pos, negativeSpeechThreshold: neg } = o;
    if (typeof pos !== 'number' || !(pos >= 0 && pos <= 1)) throw new RnnError('INVALID_OPTION', `${what}: positiveSpeechThreshold must be a number in [0, 1], got ${pos}`);
    if (typeof neg !== 'number' || !(neg >= 0 && neg <= pos)) {
      throw new RnnError('INVALID_OPTION', `${what}: negativeSpeechThreshold must be a number in [0, positiveSpeechThreshold = ${pos}], got ${neg}`);
    }
    for (const k of ['redemptionMs', 'minSpeechMs', 'preSpeechPadMs'] as const) {
      if (typeof o[k] !== 'number' || !(o[k] >= 0 && o[k] < Infinity)) throw new RnnError('INVALID_OPTION', `${what}: ${k} must be a finite number >= 0, got ${o[k]}`);
    }
    this.frameSamples = options.frameSamples ?? 512;
    this.sampleRate = options.sampleRate ?? 16000;
    for (const k of ['frameSamples', 'sampleRate'] as const) {
      if (!Number.isSafeInteger(this[k]) || this[k] <= 0) throw new RnnError('INVALID_OPTION', `${what}: ${k} must be a positive integer, got ${this[k]}`);
    }
    this.options = Object.freeze(o);
    // as vad-web's calculateFrameParams: whole frames, rounded down
    const frames = (ms: number) => Math.floor((ms * this.sampleRate) / (1000 * this.frameSamples));
    this.redemptionFrames = frames(o.redemptionMs);
    this.minSpeechFrames = frames(o.minSpeechMs);
    this.preSpeechPadFrames = frames(o.preSpeechPadMs);
  }

  /** Frames pushed since construction or reset(). */
  get frames(): number {
    return this.frame;
  }

  /** Whether a segment is open (speech is going on). */
  get speaking(): boolean {
    return this.open !== undefined;
  }

  /** Seconds at which the open segment starts, undefined when none is open. */
  get speechStart(): number | undefined {
    return this.open ? (this.open.startFrame * this.frameSamples) / this.sampleRate : undefined;
  }

  /**
   * Feeds the next frame's speech probability; returns what it caused, in order (most frames
   * cause nothing: the same empty array is returned then, so a stream allocates nothing per frame).
   */
  push(probability: number): readonly SpeechEvent[] {
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
      throw new RnnError('INVALID_INPUT', `SpeechSegmenter.push: a speech probability must be a number in [0, 1], got ${probability}`);
    }
    const f = this.frame++;
    const speech = probability >= this.options.positiveSpeechThreshold;
    let s = this.open;
    let events = NO_EVENTS;
    if (s === undefined) {
      if (!speech) return NO_EVENTS;
      s = this.open = { startFrame: f, padFrames: Math.min(this.preSpeechPadFrames, f - this.padFloor), speechFrames: 0, quietFrames: 0, firstQuietFrame: -1, realStartSent: false };
      events = [this.startEvent('speech-start', f, s)];
    }
    if (speech) {
      s.speechFrames++;
      s.quietFrames = 0;
      s.firstQuietFrame = -1;
    }
    // vad-web sends SpeechRealStart when the count equals minSpeechFrames, so never for 0; here at the start then
    if (!s.realStartSent && s.speechFrames >= this.minSpeechFrames) {
      s.realStartSent = true;
      events = [...events, this.startEvent('speech-real-start', f, s)];
    }
    if (probability < this.options.negativeSpeechThreshold) {
      if (s.firstQuietFrame < 0) s.firstQuietFrame = f;
      if (++s.quietFrames >= this.redemptionFrames) events = [...events, this.close(f)];
    }
    return events;
  }

  /** Ends the stream: closes the open segment (as vad-web's endSegment), if any. */
  flush(): readonly SpeechEvent[] {
    if (this.open === undefined) return NO_EVENTS;
    return [this.close(this.frame - 1)];
  }

  /** Starts over: no open segment, the next frame pushed is frame 0 again. */
  reset(): void {
    this.frame = 0;
    this.padFloor = 0;
    this.open = undefined;
  }

  private startEvent(type: 'speech-start' | 'speech-real-start', frame: number, s: OpenSegment): SpeechEvent {
    const startSample = s.startFrame * this.frameSamples;
    return { type, frame, start: startSample / this.sampleRate, startSample };
  }

  /** Closes the open segment on frame `last` (its audio ends with that frame). */
  private close(last: number): SpeechEvent {
    const s = this.open!;
    this.open = undefined;
    this.padFloor = last + 1;
    const n = this.frameSamples;
    const startSample = s.startFrame * n;
    const endSample = (s.firstQuietFrame >= 0 ? s.firstQuietFrame : last + 1) * n;
    const segment: SpeechSegment = {
      start: startSample / this.sampleRate,
      end: endSample / this.sampleRate,
      startSample,
      endSample,
      audioStartSample: (s.startFrame - s.padFrames) * n,
      audioEndSample: (last + 1) * n,
      speechFrames: s.speechFrames,
    };
    return { type: s.speechFrames >= this.minSpeechFrames ? 'speech-end' : 'misfire', frame: last, segment };
  }
}

/** The segment with its ends no later than `length` samples (a zero-padded last frame). */
function clampSegment(seg: SpeechSegment, length: number, sampleRate: number): SpeechSegment {
  if (seg.audioEndSample <= length) return seg;
  const endSample = Math.min(seg.endSample, length);
  return { ...seg, endSample, end: endSample / sampleRate, audioEndSample: length };
}
