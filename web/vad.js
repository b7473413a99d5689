// Silero VAD v5/v6 on wasm-rnn: the per-frame calling protocol and a speech segmenter, shared by
// the web demo's live panel (web/vad-panel.js) and the Cloudflare Worker example
// (examples/vad-worker/). Plain ES module with no imports: the caller loads the model with
// loadOnnx (from 'wasm-rnn') and passes it in, so each host picks its own package entry.

/** Silero's sample rate: frames are 512 new samples at 16 kHz (32 ms). */
export const SAMPLE_RATE = 16000;
export const FRAME_SAMPLES = 512;
/** The tail of the previous frame that v5/v6 see in front of each new frame. */
export const CONTEXT_SAMPLES = 64;
const STATE_SHAPE = [2, 1, 128];

/**
 * Runs a loaded silero_vad_v5.onnx / silero_vad_v6.onnx frame by frame, carrying the recurrent
 * state and the 64-sample context between calls as vad-web's Silero class does: the model input
 * is [1, 576] = the previous frame's last 64 samples followed by the 512 new ones.
 */
export class SileroVad {
  constructor(model) {
    for (const name of ['input', 'state', 'sr']) {
      if (!model.inputNames.includes(name)) {
        throw new Error(`SileroVad: the model has no input '${name}' (inputs: ${model.inputNames.join(', ')}); only Silero v5/v6 are supported`);
      }
    }
    this.model = model;
    this.window = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
    this.sr = { data: BigInt64Array.of(BigInt(SAMPLE_RATE)), shape: [1] };
    this.reset();
  }

  /** Forgets the audio seen so far (zero state and context), as at the start of a stream. */
  reset() {
    this.window.fill(0);
    this.state = { data: new Float32Array(2 * 128), shape: STATE_SHAPE };
  }

  /** The speech probability of the next 512 samples at 16 kHz. */
  process(frame) {
    if (frame.length !== FRAME_SAMPLES) throw new Error(`SileroVad: a frame is ${FRAME_SAMPLES} samples, got ${frame.length}`);
    // the last 64 samples of the previous frame move to the front, the new frame follows them
    this.window.copyWithin(0, FRAME_SAMPLES);
    this.window.set(frame, CONTEXT_SAMPLES);
    const out = this.model.run({ input: { data: this.window, shape: [1, this.window.length] }, state: this.state, sr: this.sr });
    this.state = out.stateN;
    return out.output.data[0];
  }
}

/**
 * Turns per-frame speech probabilities into speech segments with hysteresis: a segment opens on a
 * frame at or above `positiveThreshold`, stays open while frames are at or above
 * `negativeThreshold`, and closes after `redemptionMs` of consecutive frames below it; it then
 * ends where the last frame at or above the negative threshold ends. Segments with less than
 * `minSpeechMs` of frames at or above the positive threshold are dropped (clicks, coughs).
 * Times are in seconds from the first frame pushed.
 */
export class SpeechSegmenter {
  constructor({ positiveThreshold = 0.5, negativeThreshold = 0.35, redemptionMs = 500, minSpeechMs = 250, frameSamples = FRAME_SAMPLES, sampleRate = SAMPLE_RATE } = {}) {
    if (!(negativeThreshold >= 0 && negativeThreshold <= positiveThreshold && positiveThreshold <= 1)) {
      throw new Error(`SpeechSegmenter: thresholds must satisfy 0 <= negative (${negativeThreshold}) <= positive (${positiveThreshold}) <= 1`);
    }
    const frameMs = (1000 * frameSamples) / sampleRate;
    this.options = { positiveThreshold, negativeThreshold, redemptionMs, minSpeechMs };
    this.frameSeconds = frameSamples / sampleRate;
    this.redemptionFrames = Math.max(1, Math.round(redemptionMs / frameMs));
    this.minSpeechFrames = Math.round(minSpeechMs / frameMs);
    this.frame = 0; // index of the next frame pushed
    this.open = undefined; // { startFrame, lastVoicedFrame, speechFrames, quietFrames } while in speech
  }

  /** Whether a segment is open (speech is going on), and since when (seconds). */
  get speaking() {
    return this.open !== undefined;
  }
  get openSince() {
    return this.open ? this.open.startFrame * this.frameSeconds : undefined;
  }

  /** Feeds one frame's probability; returns the segment this frame closes, if any. */
  push(probability) {
    const { positiveThreshold, negativeThreshold } = this.options;
    const i = this.frame++;
    const s = this.open;
    if (!s) {
      if (probability >= positiveThreshold) this.open = { startFrame: i, lastVoicedFrame: i, speechFrames: 1, quietFrames: 0 };
      return undefined;
    }
    if (probability >= positiveThreshold) s.speechFrames++;
    if (probability >= negativeThreshold) {
      s.lastVoicedFrame = i;
      s.quietFrames = 0;
      return undefined;
    }
    return ++s.quietFrames >= this.redemptionFrames ? this.close() : undefined;
  }

  /** Closes the open segment at the end of the stream; returns it if it is long enough. */
  flush() {
    return this.open ? this.close() : undefined;
  }

  close() {
    const s = this.open;
    this.open = undefined;
    if (s.speechFrames < this.minSpeechFrames) return undefined;
    return { start: s.startFrame * this.frameSeconds, end: (s.lastVoicedFrame + 1) * this.frameSeconds };
  }
}

/**
 * Speech probabilities (one per whole 512-sample frame) and segments of 16 kHz mono samples; a
 * trailing partial frame is not scored.
 */
export function detectSpeech(model, samples, segmenterOptions) {
  const vad = new SileroVad(model);
  const segmenter = new SpeechSegmenter(segmenterOptions);
  const probabilities = new Float32Array(Math.floor(samples.length / FRAME_SAMPLES));
  const segments = [];
  for (let f = 0; f < probabilities.length; f++) {
    probabilities[f] = vad.process(samples.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES));
    const closed = segmenter.push(probabilities[f]);
    if (closed) segments.push(closed);
  }
  const last = segmenter.flush();
  if (last) segments.push(last);
  return { probabilities, segments };
}
