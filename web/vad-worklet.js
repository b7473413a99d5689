// AudioWorklet of the live VAD panel: mixes the microphone to mono, resamples it from the audio
// context's rate to 16 kHz and posts 512-sample frames (32 ms, Silero's frame) to the page, each
// a fresh Float32Array whose buffer is transferred.
//
// Resampling is band-limited (windowed sinc, Blackman window, cutoff at 95% of 8 kHz): output
// sample n is the input interpolated at time n * inRate / 16000. With inRate / 16000 = down / up
// in lowest terms the output times fall on `up` phases between input samples; their filter taps
// are computed once when there are at most MAX_PHASES of them (48 kHz: 1, 44.1 kHz: 160),
// otherwise per output sample.
const OUT_RATE = 16000;
const FRAME_SAMPLES = 512;
const ZERO_CROSSINGS = 16;
const CUTOFF = 0.95;
const MAX_PHASES = 1024;

const gcd = (a, b) => (b ? gcd(b, a % b) : a);

class Resampler {
  constructor(inRate) {
    const g = gcd(inRate, OUT_RATE);
    this.up = OUT_RATE / g;
    this.down = inRate / g;
    this.scale = Math.min(1, OUT_RATE / inRate) * CUTOFF; // cutoff as a fraction of the input Nyquist
    this.halfWidth = ZERO_CROSSINGS / this.scale; // in input samples
    this.reach = Math.ceil(this.halfWidth);
    this.taps = 2 * this.reach + 1;
    this.table = this.up <= MAX_PHASES ? Array.from({ length: this.up }, (_, p) => this.tapsAt(p / this.up, new Float32Array(this.taps))) : undefined;
    this.scratch = new Float32Array(this.taps);
    // input history; `reach` zeros in front so that the first output is centred on the first input
    this.buffer = new Float32Array(4096 + this.taps);
    this.length = this.reach;
    this.base = this.reach; // integer part of the next output's input time (an index into buffer)
    this.phase = 0; // its fractional part, in 1/up steps
  }

  /** Weights of buffer[base - reach + j] for an output at input time base + frac. */
  tapsAt(frac, out) {
    for (let j = 0; j < this.taps; j++) {
      const d = j - this.reach - frac;
      const r = d / this.halfWidth;
      if (r <= -1 || r >= 1) {
        out[j] = 0;
        continue;
      }
      const x = Math.PI * this.scale * d;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      const window = 0.42 + 0.5 * Math.cos(Math.PI * r) + 0.08 * Math.cos(2 * Math.PI * r);
      out[j] = this.scale * sinc * window;
    }
    return out;
  }

  /** Appends input samples; calls emit(sample) for every output sample that is now computable. */
  push(input, emit) {
    if (this.length + input.length > this.buffer.length) {
      // drop history no output needs any more, grow if that is not enough
      const drop = this.base - this.reach;
      this.buffer.copyWithin(0, drop, this.length);
      this.length -= drop;
      this.base -= drop;
      if (this.length + input.length > this.buffer.length) {
        const bigger = new Float32Array(2 * (this.length + input.length));
        bigger.set(this.buffer.subarray(0, this.length));
        this.buffer = bigger;
      }
    }
    this.buffer.set(input, this.length);
    this.length += input.length;
    while (this.base + this.reach < this.length) {
      const w = this.table ? this.table[this.phase] : this.tapsAt(this.phase / this.up, this.scratch);
      const first = this.base - this.reach;
      let acc = 0;
      for (let j = 0; j < this.taps; j++) acc += w[j] * this.buffer[first + j];
      emit(acc);
      this.phase += this.down;
      this.base += Math.floor(this.phase / this.up);
      this.phase %= this.up;
    }
  }
}

class VadCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.resampler = new Resampler(sampleRate); // the context's rate (AudioWorkletGlobalScope)
    this.mono = new Float32Array(128);
    this.frame = new Float32Array(FRAME_SAMPLES);
    this.filled = 0;
    this.emit = (sample) => {
      this.frame[this.filled++] = sample;
      if (this.filled === FRAME_SAMPLES) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Float32Array(FRAME_SAMPLES);
        this.filled = 0;
      }
    };
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true; // not connected yet
    const n = channels[0].length;
    if (this.mono.length !== n) this.mono = new Float32Array(n);
    this.mono.fill(0);
    for (const c of channels) for (let i = 0; i < n; i++) this.mono[i] += c[i] / channels.length;
    this.resampler.push(this.mono, this.emit);
    return true;
  }
}

registerProcessor('vad-capture', VadCapture);
