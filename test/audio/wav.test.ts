/**
 * src/audio: readWav decodes the WAV files sox wrote (tools/make-vad-fixtures.mjs) to exactly
 * sox's own float decode of them; mixDown + resample to 16 kHz stays close to sox's `rate`; the
 * resampler reproduces band-limited sines; malformed and unsupported files are RnnErrors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mixDown, readWav, resample } from '../../src/audio/index.js';
import { errorOf } from '../helpers/common.js';

const DIR = new URL('../fixtures/vad/', import.meta.url).pathname;
const bytesOf = (name: string) => new Uint8Array(readFileSync(DIR + name));
const f32Of = (name: string) => {
  const b = readFileSync(DIR + name);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

const FILES: [name: string, rate: number, channels: number, encoding: 'pcm' | 'float', bits: number][] = [
  ['pcm16-44k-stereo', 44100, 2, 'pcm', 16],
  ['float32-48k-3ch', 48000, 3, 'float', 32],
  ['pcm24-22k-stereo', 22050, 2, 'pcm', 24],
  ['u8-8k-stereo', 8000, 2, 'pcm', 8],
];

function maxAbsDiff(a: Float32Array, b: Float32Array, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function interleave(channels: Float32Array[]): Float32Array {
  const out = new Float32Array(channels.length * channels[0].length);
  channels.forEach((c, k) => c.forEach((v, i) => (out[i * channels.length + k] = v)));
  return out;
}


describe('readWav: the same samples as sox decodes', () => {
  for (const [name, rate, channels, encoding, bits] of FILES) {
    it(`${name}.wav`, () => {
      const wav = readWav(bytesOf(`wav/${name}.wav`));
      expect({ rate: wav.sampleRate, channels: wav.channels.length, encoding: wav.encoding, bits: wav.bitsPerSample }).toEqual({ rate, channels, encoding, bits });
      const sox = f32Of(`wav/${name}.f32`);
      expect(wav.channels[0].length * channels).toBe(sox.length);
      // the channels differ (channel k is the excerpt at 1 / 2^k), so a swap or a wrong stride shows
      expect(interleave(wav.channels)).toEqual(sox);
    });
  }

  it('the VAD clip: 16 kHz mono PCM16 with the length clip.json states', () => {
    const clip = JSON.parse(readFileSync(DIR + 'clip.json', 'utf8'));
    const wav = readWav(bytesOf('clip.wav').buffer);
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels.length).toBe(1);
    expect(wav.channels[0].length).toBe(clip.samples);
  });

  it('WAVE_FORMAT_EXTENSIBLE: the float file with its fmt chunk rewritten decodes the same', () => {
    const plain = bytesOf('wav/float32-48k-3ch.wav');
    const view = new DataView(plain.buffer, plain.byteOffset);
    const fmtSize = view.getUint32(16, true);
    const ext = new Uint8Array(plain.length - fmtSize + 40);
    ext.set(plain.subarray(0, 20));
    const ev = new DataView(ext.buffer);
    ev.setUint32(16, 40, true);
    ext.set(plain.subarray(20, 36), 20); // code, channels, rate, byte rate, block align, bits
    ev.setUint16(20, 0xfffe, true);
    ev.setUint16(36, 22, true); // cbSize
    ev.setUint16(38, 32, true); // valid bits
    ev.setUint32(40, 0x7, true); // channel mask FL FR FC
    // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT {00000003-0000-0010-8000-00aa00389b71}
    ext.set([0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 44);
    ext.set(plain.subarray(20 + fmtSize), 60);
    ev.setUint32(4, ext.length - 8, true);
    const a = readWav(plain);
    const b = readWav(ext);
    expect(b.encoding).toBe('float');
    expect(b.channels).toEqual(a.channels);
  });

  it('malformed and unsupported files are RnnErrors that say why', () => {
    const good = bytesOf('wav/pcm16-44k-stereo.wav');
    const cases: [string, Uint8Array, string, RegExp][] = [
      ['not a WAV file', new TextEncoder().encode('hello world, not a wav'), 'INVALID_FORMAT', /no RIFF\/WAVE header/],
      ['a u-law file (sox)', bytesOf('wav/ulaw-8k-stereo.wav'), 'UNSUPPORTED', /format code 7/],
      ['a truncated data chunk', good.subarray(0, good.length - 100), 'INVALID_FORMAT', /truncated/],
      ['no data chunk', good.subarray(0, 36), 'INVALID_FORMAT', /no 'data' chunk/],
      ['a big-endian RIFX file', Uint8Array.from(good, (b, i) => (i === 3 ? 0x58 : b)), 'UNSUPPORTED', /RIFX/],
    ];
    const oddBits = good.slice();
    new DataView(oddBits.buffer).setUint16(34, 12, true);
    cases.push(['12-bit PCM', oddBits, 'UNSUPPORTED', /12-bit PCM/]);
    const badAlign = good.slice();
    new DataView(badAlign.buffer).setUint16(32, 3, true);
    cases.push(['a block align that does not fit', badAlign, 'INVALID_FORMAT', /block align 3/]);
    for (const [what, bytes, code, message] of cases) {
      const e = errorOf(() => readWav(bytes));
      expect(e.code, what).toBe(code);
      expect(e.message, what).toMatch(message);
    }
    expect(errorOf(() => readWav('x.wav' as never)).code).toBe('INVALID_INPUT');
  });
});

describe('mixDown and resample', () => {
  it('mixDown is the mean of the channels', () => {
    const { channels } = readWav(bytesOf('wav/float32-48k-3ch.wav'));
    const mixed = mixDown(channels);
    for (const i of [0, 100, 2399]) expect(mixed[i]).toBeCloseTo((channels[0][i] + channels[1][i] + channels[2][i]) / 3, 7);
    expect(mixDown([channels[0]])).toBe(channels[0]);
    expect(errorOf(() => mixDown([])).code).toBe('INVALID_INPUT');
    expect(errorOf(() => mixDown([new Float32Array(2), new Float32Array(3)])).code).toBe('INVALID_INPUT');
  });

  // sox's `rate` (its default high quality, 95% band) is another filter than ours (97%), so the
  // two agree only as well as two good low-passes do; measured 7e-5 - 9e-5 (7.8e-4 for the
  // 8 kHz file, whose band edge is in the speech) against signal peaks of 0.36-0.46
  for (const [name, rate] of FILES.map(([n, r]) => [n, r] as const)) {
    it(`${name}: mixed down and resampled to 16 kHz as sox does it`, () => {
      const wav = readWav(bytesOf(`wav/${name}.wav`));
      const ours = resample(mixDown(wav.channels), rate, 16000);
      const sox = f32Of(`wav/${name}.16k.f32`);
      expect(ours.length).toBe(sox.length);
      // the first and last 2 ms depend on how each treats the signal's ends
      const edge = 32;
      const err = maxAbsDiff(ours, sox, edge, ours.length - edge);
      let peak = 0;
      for (const v of sox) peak = Math.max(peak, Math.abs(v));
      console.log(`${name}: max |ours - sox| ${err.toExponential(2)} (signal peak ${peak.toFixed(3)})`);
      expect(err).toBeLessThan(0.01 * peak);
    });
  }

  // A sine below both Nyquist frequencies is the same band-limited signal at any rate.
  const sine = (rate: number, n: number, hz: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate + 0.3));
  const conversions: [from: number, to: number, what: string][] = [
    [44100, 16000, 'down, 160 filter phases'],
    [48000, 16000, 'down by 3, one phase'],
    [8000, 16000, 'up by 2'],
    [16000, 44100, 'up, 441 phases'],
    [44100, 16001, 'down, 16001 phases: taps computed per sample'],
  ];
  for (const [from, to, what] of conversions) {
    it(`a 1 kHz sine, ${from} -> ${to} Hz (${what})`, () => {
      const seconds = 0.25;
      const got = resample(sine(from, Math.round(from * seconds), 1000), from, to);
      const want = sine(to, Math.round(to * seconds), 1000);
      expect(got.length).toBe(want.length);
      const margin = Math.ceil(0.01 * to); // 10 ms: the filter's reach past the ends
      const err = maxAbsDiff(got, want, margin, got.length - margin);
      console.log(`sine ${from} -> ${to}: max error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);
    });
  }

  it('a tone above the new Nyquist frequency is removed, not folded back', () => {
    const got = resample(sine(44100, 11025, 9000), 44100, 16000); // 9 kHz > 8 kHz
    let peak = 0;
    for (let i = 160; i < got.length - 160; i++) peak = Math.max(peak, Math.abs(got[i]));
    console.log(`9 kHz tone after 44100 -> 16000: peak ${peak.toExponential(2)} (input peak 0.5)`);
    expect(peak).toBeLessThan(1e-3);
  });

  it('rates must be positive integers; the same rate copies', () => {
    const x = new Float32Array([1, 2, 3]);
    const same = resample(x, 16000, 16000);
    expect(same).toEqual(x);
    expect(same).not.toBe(x);
    for (const bad of [0, -1, 1.5, NaN]) expect(errorOf(() => resample(x, bad, 16000)).code).toBe('INVALID_OPTION');
    expect(errorOf(() => resample([1, 2] as never, 8000, 16000)).code).toBe('INVALID_INPUT');
  });
});
