// Voice activity detection: Silero VAD finds where people speak in a WAV file.
//
//   npm run build && node examples/vad.mjs [file.wav] [--model v5|v6|legacy] [--threshold 0.5]
//
// Model: Silero VAD from @ricky0123/vad-web's dist/ (a dev dependency), loaded with loadOnnx.
// The WAV may be PCM (8/16/24/32-bit) or float, any channels (mixed down to their mean), any
// sample rate (resampled to the model's 16 kHz with a Kaiser windowed-sinc low-pass, see
// src/audio/resample.ts). Without a file: test/fixtures/vad/clip.wav, two synthetic sentences
// (espeak-ng) around three seconds of white noise. Frames are fed as vad-web does (v5/v6: 512
// new samples plus the previous frame's last 64; legacy: 1536 samples); segments follow Silero's
// own get_speech_timestamps rules: speech starts at a frame >= threshold and ends after
// 100 ms below threshold - 0.15; segments shorter than 250 ms are dropped.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, loadOnnx, readWav, mixDown, resample } from '../dist/src/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'v5' },
    threshold: { type: 'string', default: '0.5' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help || positionals.length > 1) {
  console.log('usage: node examples/vad.mjs [file.wav] [--model v5|v6|legacy] [--threshold 0.5]');
  process.exit(positionals.length > 1 ? 1 : 0);
}
const MODELS = { v5: 'silero_vad_v5', v6: 'silero_vad_v6', legacy: 'silero_vad_legacy' };
if (!(args.model in MODELS)) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}, got ${args.model}`);
const threshold = Number(args.threshold);
if (!(threshold > 0.15 && threshold < 1)) throw new Error(`--threshold must be in (0.15, 1), got ${args.threshold}`);

const RATE = 16000;
const legacy = args.model === 'legacy';
const FRAME = legacy ? 1536 : 512;
const CONTEXT = legacy ? 0 : 64;

const file = positionals[0] ?? new URL('../test/fixtures/vad/clip.wav', import.meta.url);
const wav = readWav(readFileSync(file));
const mono = mixDown(wav.channels);
const audio = wav.sampleRate === RATE ? mono : resample(mono, wav.sampleRate, RATE);

const info = await ready();
let t0 = performance.now();
const modelUrl = new URL(`../node_modules/@ricky0123/vad-web/dist/${MODELS[args.model]}.onnx`, import.meta.url);
const model = loadOnnx(readFileSync(modelUrl));
const loadMs = performance.now() - t0;
console.log(`wasm-rnn ${info.build} build | Silero VAD ${args.model} (loaded in ${loadMs.toFixed(0)} ms)`);
console.log(`${typeof file === 'string' ? file : 'test/fixtures/vad/clip.wav'}: ${(mono.length / wav.sampleRate).toFixed(2)} s, ` +
  `${wav.channels.length} channel(s), ${wav.sampleRate} Hz ${wav.encoding} ${wav.bitsPerSample}-bit${wav.sampleRate === RATE ? '' : ` -> resampled to ${RATE} Hz`}\n`);

// Per-frame speech probabilities; the recurrent state carries over from frame to frame.
const sr = { data: new BigInt64Array([BigInt(RATE)]), shape: [1] };
let state = legacy
  ? { h: { data: new Float32Array(128), shape: [2, 1, 64] }, c: { data: new Float32Array(128), shape: [2, 1, 64] } }
  : { state: { data: new Float32Array(256), shape: [2, 1, 128] } };
const input = new Float32Array(CONTEXT + FRAME);
const probs = [];
const frameMs = [];
for (let at = 0; at < audio.length; at += FRAME) {
  const start = performance.now();
  input.copyWithin(0, FRAME, FRAME + CONTEXT); // the previous frame's last CONTEXT samples
  input.fill(0, CONTEXT);
  input.set(audio.subarray(at, at + FRAME), CONTEXT); // the last frame is zero-padded
  const out = model.run({ input: { data: input, shape: [1, input.length] }, sr, ...state });
  probs.push(out.output.data[0]);
  state = legacy ? { h: out.hn, c: out.cn } : { state: out.stateN };
  frameMs.push(performance.now() - start);
}
model.dispose();

// Segments: hysteresis between threshold and threshold - 0.15, as Silero's get_speech_timestamps.
const frameSeconds = FRAME / RATE;
const minSilenceFrames = Math.ceil(0.1 / frameSeconds);
const minSpeechFrames = Math.ceil(0.25 / frameSeconds);
const segments = [];
let start = -1;
let quiet = 0;
probs.forEach((p, f) => {
  if (start < 0) {
    if (p >= threshold) [start, quiet] = [f, 0];
  } else if (p < threshold - 0.15) {
    if (++quiet >= minSilenceFrames) {
      segments.push([start, f - quiet + 1]);
      start = -1;
    }
  } else quiet = 0;
});
if (start >= 0) segments.push([start, probs.length]);
const speech = segments.filter(([a, b]) => b - a >= minSpeechFrames);

for (const [a, b] of speech) console.log(`  speech ${(a * frameSeconds).toFixed(2).padStart(7)} - ${(b * frameSeconds).toFixed(2).padStart(7)} s`);
if (speech.length === 0) console.log('  no speech found');
const runMs = frameMs.reduce((a, b) => a + b, 0);
const medianUs = frameMs.sort((a, b) => a - b)[frameMs.length >> 1] * 1000;
console.log(`\n${probs.length} frames of ${FRAME} samples in ${runMs.toFixed(0)} ms (${((audio.length / RATE / runMs) * 1000).toFixed(0)}x real time); ` +
  `per frame median ${medianUs.toFixed(0)} us, mean ${((runMs / probs.length) * 1000).toFixed(0)} us (the first frames include JIT warm-up)`);
