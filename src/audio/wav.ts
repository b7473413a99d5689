/**
 * readWav: decodes a RIFF/WAVE file into float32 channels in [-1, 1), for feeding audio models
 * (Silero VAD in examples/vad.mjs, the web demo). PCM 8/16/24/32-bit integer and IEEE float
 * 32/64-bit, plain or WAVE_FORMAT_EXTENSIBLE, any number of channels and any sample rate.
 * Integers are scaled by 2^(bits-1) (PCM16: x / 32768, as browsers' decodeAudioData and sox do).
 */
import { RnnError } from '../../base/errors.js';

export interface WavAudio {
  sampleRate: number;
  /** One Float32Array per channel (planar), all of the same length. */
  channels: Float32Array[];
  /** How the file stores its samples. */
  encoding: 'pcm' | 'float';
  bitsPerSample: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
// The 14 bytes after the format code in a WAVE_FORMAT_EXTENSIBLE sub-format GUID (KSDATAFORMAT_SUBTYPE_*).
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

interface Format {
  code: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

function readFormat(view: DataView, at: number, size: number): Format {
  if (size < 16) throw new RnnError('INVALID_FORMAT', `readWav: the 'fmt ' chunk has ${size} bytes, at least 16 are needed`);
  let code = view.getUint16(at, true);
  const fmt = {
    channels: view.getUint16(at + 2, true),
    sampleRate: view.getUint32(at + 4, true),
    blockAlign: view.getUint16(at + 12, true),
    bits: view.getUint16(at + 14, true),
  };
  if (code === FORMAT_EXTENSIBLE) {
    if (size < 40) throw new RnnError('INVALID_FORMAT', `readWav: a WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk has ${size} bytes, 40 are needed`);
    code = view.getUint16(at + 24, true);
    if (GUID_TAIL.some((b, i) => view.getUint8(at + 26 + i) !== b)) {
      throw new RnnError('UNSUPPORTED', 'readWav: the WAVE_FORMAT_EXTENSIBLE sub-format is not a standard PCM or IEEE float GUID');
    }
  }
  if (code !== FORMAT_PCM && code !== FORMAT_FLOAT) {
    throw new RnnError('UNSUPPORTED', `readWav: format code ${code} is not supported (only PCM = 1 and IEEE float = 3, also inside WAVE_FORMAT_EXTENSIBLE)`);
  }
  const bitsOk = code === FORMAT_PCM ? [8, 16, 24, 32].includes(fmt.bits) : [32, 64].includes(fmt.bits);
  if (!bitsOk) throw new RnnError('UNSUPPORTED', `readWav: ${fmt.bits}-bit ${code === FORMAT_PCM ? 'PCM' : 'float'} samples are not supported (PCM: 8, 16, 24, 32; float: 32, 64)`);
  if (fmt.channels < 1) throw new RnnError('INVALID_FORMAT', 'readWav: the file declares 0 channels');
  if (fmt.sampleRate < 1) throw new RnnError('INVALID_FORMAT', 'readWav: the file declares a sample rate of 0');
  if (fmt.blockAlign !== (fmt.channels * fmt.bits) / 8) {
    throw new RnnError('INVALID_FORMAT', `readWav: block align ${fmt.blockAlign} does not match ${fmt.channels} channels of ${fmt.bits} bits`);
  }
  return { code, ...fmt };
}

/** Decodes a WAV file's bytes; RnnError INVALID_FORMAT if malformed, UNSUPPORTED for encodings it does not read. */
export function readWav(file: Uint8Array | ArrayBuffer): WavAudio {
  const bytes = file instanceof Uint8Array ? file : file instanceof ArrayBuffer ? new Uint8Array(file) : undefined;
  if (!bytes) throw new RnnError('INVALID_INPUT', 'readWav: expected the file as a Uint8Array or ArrayBuffer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || fourcc(view, 8) !== 'WAVE' || !['RIFF', 'RIFX', 'RF64'].includes(fourcc(view, 0))) {
    throw new RnnError('INVALID_FORMAT', 'readWav: not a WAV file (no RIFF/WAVE header)');
  }
  if (fourcc(view, 0) !== 'RIFF') throw new RnnError('UNSUPPORTED', `readWav: ${fourcc(view, 0)} files (big-endian or 64-bit) are not supported, only RIFF`);
  let format: Format | undefined;
  let data: { at: number; size: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length && !data; ) {
    const id = fourcc(view, at);
    const declared = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + declared > bytes.length) throw new RnnError('INVALID_FORMAT', "readWav: the 'fmt ' chunk is truncated");
      format = readFormat(view, body, declared);
    } else if (id === 'data') {
      if (!format) throw new RnnError('INVALID_FORMAT', "readWav: the 'data' chunk comes before any 'fmt ' chunk");
      // writers that stream (pipes) leave the size 0 or 0xFFFFFFFF: the data then runs to the end
      const streamed = declared === 0 || declared === 0xffffffff;
      if (!streamed && body + declared > bytes.length) {
        throw new RnnError('INVALID_FORMAT', `readWav: the 'data' chunk declares ${declared} bytes but only ${bytes.length - body} follow (truncated file)`);
      }
      data = { at: body, size: streamed ? bytes.length - body : declared };
    }
    at = body + declared + (declared & 1); // chunks are padded to even sizes
  }
  if (!format) throw new RnnError('INVALID_FORMAT', "readWav: the file has no 'fmt ' chunk");
  if (!data) throw new RnnError('INVALID_FORMAT', "readWav: the file has no 'data' chunk");
  if (data.size % format.blockAlign !== 0) {
    throw new RnnError('INVALID_FORMAT', `readWav: the 'data' chunk has ${data.size} bytes, not a whole number of ${format.blockAlign}-byte sample frames`);
  }
  return decode(view, data.at, data.size / format.blockAlign, format);
}

function decode(view: DataView, start: number, frames: number, f: Format): WavAudio {
  const channels = Array.from({ length: f.channels }, () => new Float32Array(frames));
  const bytesPer = f.bits / 8;
  const read: (at: number) => number =
    f.code === FORMAT_FLOAT
      ? f.bits === 32
        ? (at) => view.getFloat32(at, true)
        : (at) => view.getFloat64(at, true)
      : f.bits === 8
        ? (at) => (view.getUint8(at) - 128) / 128
        : f.bits === 16
          ? (at) => view.getInt16(at, true) / 32768
          : f.bits === 24
            ? (at) => ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 8388608
            : (at) => view.getInt32(at, true) / 2147483648;
  for (let i = 0, at = start; i < frames; i++) {
    for (let c = 0; c < f.channels; c++, at += bytesPer) channels[c][i] = read(at);
  }
  return { sampleRate: f.sampleRate, channels, encoding: f.code === FORMAT_FLOAT ? 'float' : 'pcm', bitsPerSample: f.bits };
}

/** The mean of the channels, sample by sample (one channel is returned as it is). */
export function mixDown(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new RnnError('INVALID_INPUT', 'mixDown: no channels');
  if (channels.length === 1) return channels[0];
  const n = channels[0].length;
  if (channels.some((c) => c.length !== n)) throw new RnnError('INVALID_INPUT', 'mixDown: the channels differ in length');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const c of channels) sum += c[i];
    out[i] = sum / channels.length;
  }
  return out;
}
