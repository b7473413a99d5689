/**
 * resample: band-limited sample-rate conversion by windowed-sinc interpolation (a Kaiser-windowed
 * low-pass at 97% of the lower Nyquist frequency, 32 zero crossings each side), as audio models
 * trained at one rate need (Silero VAD: 16 kHz). Linear phase, no delay: output sample n is the
 * band-limited input at time n / toRate; samples beyond the ends count as zero.
 * When the rates' ratio reduces to at most MAX_PHASES output phases (44100 -> 16000: 160) the
 * filter taps are computed once per phase; other ratios compute them per output sample.
 */
import { RnnError } from '../../base/errors.js';

const ZERO_CROSSINGS = 32;
const CUTOFF = 0.97;
const KAISER_BETA = 8.6; // side lobes about -90 dB
const MAX_PHASES = 4096;

/** The zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Converts `samples` at `fromRate` Hz to `toRate` Hz (both positive integers); length round(n * toRate / fromRate). */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  for (const [name, r] of [['fromRate', fromRate], ['toRate', toRate]] as const) {
    if (!Number.isSafeInteger(r) || r <= 0) throw new RnnError('INVALID_OPTION', `resample: ${name} must be a positive integer (Hz), got ${r}`);
  }
  if (!(samples instanceof Float32Array)) throw new RnnError('INVALID_INPUT', 'resample: samples must be a Float32Array');
  if (fromRate === toRate) return samples.slice();
  const g = gcd(fromRate, toRate);
  const up = toRate / g; // output samples per `down` input samples
  const down = fromRate / g;
  const scale = Math.min(1, toRate / fromRate) * CUTOFF; // cutoff as a fraction of the input Nyquist
  const halfWidth = ZERO_CROSSINGS / scale; // in input samples
  const i0Beta = besselI0(KAISER_BETA);
  const taps = 2 * Math.ceil(halfWidth) + 1;

  // Taps for an output at input time `base + frac`: weights of x[base - ceil(halfWidth) + j].
  const tapsAt = (frac: number, out: Float64Array): void => {
    const first = -Math.ceil(halfWidth);
    for (let j = 0; j < taps; j++) {
      const d = first + j - frac; // input sample time minus output time
      const r = d / halfWidth;
      if (r <= -1 || r >= 1) {
        out[j] = 0;
        continue;
      }
      const x = Math.PI * scale * d;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      out[j] = scale * sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta);
    }
  };
  // output i sits at input time i * down / up, whose fraction is ((i * down) mod up) / up
  const table = up <= MAX_PHASES ? Array.from({ length: up }, (_, phase) => {
    const t = new Float64Array(taps);
    tapsAt(phase / up, t);
    return t;
  }) : undefined;

  const n = samples.length;
  const outLength = Math.round((n * toRate) / fromRate);
  const out = new Float32Array(outLength);
  const scratch = new Float64Array(taps);
  const reach = Math.ceil(halfWidth);
  for (let i = 0; i < outLength; i++) {
    const base = Math.floor((i * down) / up);
    let w: Float64Array;
    if (table) w = table[(i * down) % up];
    else {
      tapsAt((i * down) / up - base, scratch);
      w = scratch;
    }
    const first = base - reach;
    const lo = Math.max(0, -first);
    const hi = Math.min(taps, n - first);
    let acc = 0;
    for (let j = lo; j < hi; j++) acc += w[j] * samples[first + j];
    out[i] = acc;
  }
  return out;
}
