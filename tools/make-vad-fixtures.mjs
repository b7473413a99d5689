#!/usr/bin/env node
// Makes test/fixtures/vad/ (issue 14): a speech clip and onnxruntime-node's Silero VAD outputs.
//
//   node tools/make-vad-fixtures.mjs        (needs espeak-ng and sox: apt-get install espeak-ng sox)
//
// clip.wav   16 kHz mono PCM16: silence, sentence 1 (espeak-ng en-us), a short pause, white noise
//            (sox synth), a short pause, sentence 2 (espeak-ng en+f3, another voice), silence.
//            Each sentence is trimmed of espeak's own leading/trailing silence by sox, so its
//            piece boundaries are where the speech starts and ends. The closing silence pads the
//            clip to a whole number of 1536-sample frames (so also of 512-sample frames).
// clip.json  where each piece starts and ends, in samples (from the pieces' lengths).
// <model>.json for silero_vad_legacy / v5 / v6 (from @ricky0123/vad-web's dist/): every frame's
//            speech probability (float32, shortest round-trip decimals), the final recurrent
//            states, and the segments vad-web's FrameProcessor finds in those probabilities.
//            Frames are fed exactly the way vad-web's dist/models/silero.js and legacy.js do.
// wav/       tiny files for test/audio/wav.test.ts, made by sox from the clip: PCM16 44.1 kHz
//            stereo, float32 48 kHz with 3 channels, PCM24, unsigned 8-bit and u-law (which the
//            reader refuses), each with sox's own
//            decode as raw interleaved float32 (<name>.f32) and its 16 kHz mono resampling
//            (<name>.16k.f32, sox's default high-quality `rate`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { speechSegments, SEGMENT_OPTIONS } from './vad-segments.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'test/fixtures/vad');
const MODELS = join(ROOT, 'node_modules/@ricky0123/vad-web/dist');
const RATE = 16000;
const tmp = mkdtempSync(join(tmpdir(), 'vad-fixtures-'));

const SENTENCES = [
  { voice: 'en-us', text: 'The quick brown fox jumps over the lazy dog, and then it runs back into the quiet forest.' },
  { voice: 'en+f3', text: 'Voice activity detection finds the parts of a recording where somebody is actually speaking.' },
];
const NOISE = { seconds: 3, amplitude: 0.05 }; // white noise, about -31 dBFS RMS
const LEAD_SILENCE = 1.5;
const PAUSE = 0.5;
const TAIL_SILENCE = 2; // at least; padded up to whole frames
const LEGACY_FRAME = 1536;

// sox arguments for 16 kHz mono little-endian PCM16 raw output; -R: repeatable (seeded noise)
const RAW16 = ['-t', 'raw', '-r', String(RATE), '-c', '1', '-e', 'signed-integer', '-b', '16', '-L'];

function sox(args) {
  return execFileSync('sox', ['-R', ...args], { maxBuffer: 1 << 28 });
}
function int16(buf) {
  return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function speech({ voice, text }, index) {
  const wav = join(tmp, `s${index}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-w', wav, text]);
  // to 16 kHz mono; trim leading silence, then (reversed) trailing silence; peak-normalise to -3 dBFS
  const trim = ['silence', '1', '0.02', '0.5%'];
  return int16(sox([wav, ...RAW16, '-', ...trim, 'reverse', ...trim, 'reverse', 'gain', '-n', '-3']));
}

function pcm16Wav(samples) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // channels
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits
  header.write('data', 36);
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

/** Shortest decimal that reads back as the same float32. */
function f32(x) {
  const v = Math.fround(x);
  for (let p = 1; p < 10; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return s;
  }
  return v;
}

function buildClip() {
  const silence = (seconds) => new Int16Array(Math.round(seconds * RATE));
  const noise = int16(sox(['-n', ...RAW16, '-', 'synth', String(NOISE.seconds), 'whitenoise', 'vol', String(NOISE.amplitude)]));
  const [s1, s2] = SENTENCES.map(speech);
  const pieces = [
    ['silence', silence(LEAD_SILENCE)],
    ['sentence', s1, SENTENCES[0]],
    ['silence', silence(PAUSE)],
    ['noise', noise],
    ['silence', silence(PAUSE)],
    ['sentence', s2, SENTENCES[1]],
  ];
  const before = pieces.reduce((n, p) => n + p[1].length, 0);
  const tail = Math.ceil((before + TAIL_SILENCE * RATE) / LEGACY_FRAME) * LEGACY_FRAME - before;
  pieces.push(['silence', new Int16Array(tail)]);

  const samples = new Int16Array(before + tail);
  const layout = [];
  let at = 0;
  for (const [kind, data, sentence] of pieces) {
    samples.set(data, at);
    layout.push({ kind, start: at, end: at + data.length, ...(sentence ?? {}) });
    at += data.length;
  }
  return { samples, layout };
}

/** Runs `frames` through a model the way vad-web's Silero (v5/v6) or SileroLegacy class does. */
async function runSilero(file, audio, legacy) {
  const session = await ort.InferenceSession.create(join(MODELS, file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const sr = new ort.Tensor('int64', [16000n]);
  const frameSamples = legacy ? LEGACY_FRAME : 512;
  const context = 64;
  let states = legacy
    ? { h: new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]), c: new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]) }
    : { state: new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]) };
  let previous = new Float32Array(context);
  const probs = [];
  for (let i = 0; i + frameSamples <= audio.length; i += frameSamples) {
    const frame = audio.slice(i, i + frameSamples);
    let input;
    if (legacy) input = new ort.Tensor('float32', frame, [1, frameSamples]);
    else {
      const withContext = new Float32Array(context + frameSamples);
      withContext.set(previous, 0);
      withContext.set(frame, context);
      previous = frame.slice(-context);
      input = new ort.Tensor('float32', withContext, [1, withContext.length]);
    }
    const out = await session.run({ input, sr, ...states });
    probs.push(f32(out.output.data[0]));
    states = legacy ? { h: out.hn, c: out.cn } : { state: out.stateN };
  }
  await session.release();
  const finalStates = {};
  for (const [name, t] of Object.entries(legacy ? { hn: states.h, cn: states.c } : { stateN: states.state })) {
    finalStates[name] = { dims: [...t.dims], data: Array.from(t.data, f32) };
  }
  return { frameSamples, probs, finalStates, segments: await speechSegments(probs, frameSamples) };
}

function makeWavFixtures() {
  const dir = join(OUT, 'wav');
  mkdirSync(dir, { recursive: true });
  const clip = join(OUT, 'clip.wav');
  const excerpt = ['trim', String(LEAD_SILENCE + 0.5), '0.05']; // 50 ms of sentence 1
  const files = {
    'pcm16-44k-stereo': ['-r', '44100', '-e', 'signed-integer', '-b', '16'],
    'float32-48k-3ch': ['-r', '48000', '-e', 'floating-point', '-b', '32'],
    'pcm24-22k-stereo': ['-r', '22050', '-e', 'signed-integer', '-b', '24'],
    'u8-8k-stereo': ['-r', '8000', '-e', 'unsigned-integer', '-b', '8'],
    'ulaw-8k-stereo': ['-r', '8000', '-e', 'u-law'], // an encoding readWav refuses
  };
  for (const [name, format] of Object.entries(files)) {
    const wav = join(dir, `${name}.wav`);
    // channels that differ: channel k is the clip at volume 1 / 2^k
    const channels = name.includes('3ch') ? ['1', '1v0.5', '1v0.25'] : ['1', '1v0.5'];
    sox([clip, ...format, wav, ...excerpt, 'remix', ...channels]);
    if (name.startsWith('ulaw')) continue;
    sox([wav, '-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', join(dir, `${name}.f32`)]);
    sox([wav, '-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', '-c', '1', '-r', String(RATE), join(dir, `${name}.16k.f32`)]);
  }
}

try {
  mkdirSync(OUT, { recursive: true });
  const { samples, layout } = buildClip();
  writeFileSync(join(OUT, 'clip.wav'), pcm16Wav(samples));
  writeFileSync(join(OUT, 'clip.json'), JSON.stringify({ sampleRate: RATE, samples: samples.length, pieces: layout }, null, 1) + '\n');
  const audio = Float32Array.from(samples, (s) => s / 32768);
  const pkg = JSON.parse(readFileSync(join(MODELS, '../package.json'), 'utf8'));
  for (const [name, legacy] of [['silero_vad_legacy', true], ['silero_vad_v5', false], ['silero_vad_v6', false]]) {
    const r = await runSilero(`${name}.onnx`, audio, legacy);
    const record = {
      model: `${pkg.name}@${pkg.version} dist/${name}.onnx`,
      reference: `onnxruntime-node ${ort.env.versions.node} (CPU, 1 thread)`,
      frameSamples: r.frameSamples,
      contextSamples: legacy ? 0 : 64,
      frames: r.probs.length,
      segmentOptions: SEGMENT_OPTIONS,
      segments: r.segments,
      probs: r.probs,
      finalStates: r.finalStates,
    };
    writeFileSync(join(OUT, `${name}.json`), JSON.stringify(record) + '\n');
    const secs = r.segments.map(([a, b]) => `${(a / RATE).toFixed(2)}-${(b / RATE).toFixed(2)} s`).join(', ');
    console.log(`${name}: ${r.probs.length} frames, segments ${secs}`);
  }
  makeWavFixtures();
  const sentences = layout.filter((p) => p.kind === 'sentence').map((p) => `${(p.start / RATE).toFixed(2)}-${(p.end / RATE).toFixed(2)} s`);
  console.log(`clip: ${(samples.length / RATE).toFixed(2)} s, sentences at ${sentences.join(', ')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
