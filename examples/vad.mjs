// Voice activity detection: Silero VAD finds where people speak in a WAV file.
//
//   npm run build && node examples/vad.mjs [file.wav] [--model v5|v6|legacy] [--threshold 0.5]
//
// Model: Silero VAD from @ricky0123/vad-web's dist/ (a dev dependency), run by the library's
// SileroVad (vad-web's calling protocol: v5/v6 get 512 new samples behind the previous frame's
// last 64, legacy 1536-sample frames; the recurrent state carries over). The WAV may be PCM
// (8/16/24/32-bit) or float, any channels (mixed down to their mean), any sample rate (resampled
// to the model's 16 kHz with a Kaiser windowed-sinc low-pass, see src/audio/resample.ts). Without
// a file: test/fixtures/vad/clip.wav, two synthetic sentences (espeak-ng) around three seconds of
// white noise. SpeechSegmenter turns the probabilities into segments by vad-web's rules with the
// library's defaults: speech starts at a frame >= threshold (0.5) and ends where frames fall
// below threshold - 0.15 for 1.4 s (shorter pauses stay inside a segment); segments with less
// than 400 ms of frames >= threshold are dropped (docs/vad.md). Frames go through one at a time,
// as a live stream would; SileroVad.detectSpeech does the same over a whole buffer in one call.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ready, SileroVad, SpeechSegmenter, readWav, mixDown, resample } from '../dist/src/index.js';

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

const file = positionals[0] ?? new URL('../test/fixtures/vad/clip.wav', import.meta.url);
const wav = readWav(readFileSync(file));
const mono = mixDown(wav.channels);
const audio = wav.sampleRate === RATE ? mono : resample(mono, wav.sampleRate, RATE);

const info = await ready();
const t0 = performance.now();
const modelUrl = new URL(`../node_modules/@ricky0123/vad-web/dist/${MODELS[args.model]}.onnx`, import.meta.url);
const vad = SileroVad.load(readFileSync(modelUrl));
const loadMs = performance.now() - t0;
console.log(`wasm-rnn ${info.build} build | Silero VAD ${args.model} (loaded in ${loadMs.toFixed(0)} ms)`);
console.log(`${typeof file === 'string' ? file : 'test/fixtures/vad/clip.wav'}: ${(mono.length / wav.sampleRate).toFixed(2)} s, ` +
  `${wav.channels.length} channel(s), ${wav.sampleRate} Hz ${wav.encoding} ${wav.bitsPerSample}-bit${wav.sampleRate === RATE ? '' : ` -> resampled to ${RATE} Hz`}\n`);

// Per-frame speech probabilities into the segmenter, one frame at a time; the last frame is zero-padded.
const segmenter = new SpeechSegmenter({
  positiveSpeechThreshold: threshold,
  negativeSpeechThreshold: threshold - 0.15,
  frameSamples: vad.frameSamples,
  sampleRate: vad.sampleRate,
});
const speech = [];
const frame = new Float32Array(vad.frameSamples);
const frameMs = [];
for (let at = 0; at < audio.length; at += frame.length) {
  frame.fill(0).set(audio.subarray(at, at + frame.length));
  const start = performance.now();
  const probability = vad.process(frame);
  frameMs.push(performance.now() - start);
  for (const event of segmenter.push(probability)) if (event.type === 'speech-end') speech.push(event.segment);
}
for (const event of segmenter.flush()) if (event.type === 'speech-end') speech.push(event.segment);
vad.dispose();

for (const { start, end } of speech) console.log(`  speech ${start.toFixed(2).padStart(7)} - ${end.toFixed(2).padStart(7)} s`);
if (speech.length === 0) console.log('  no speech found');
const runMs = frameMs.reduce((a, b) => a + b, 0);
const medianUs = frameMs.sort((a, b) => a - b)[frameMs.length >> 1] * 1000;
console.log(`\n${frameMs.length} frames of ${vad.frameSamples} samples in ${runMs.toFixed(0)} ms (${((audio.length / RATE / runMs) * 1000).toFixed(0)}x real time); ` +
  `per frame median ${medianUs.toFixed(0)} us, mean ${((runMs / frameMs.length) * 1000).toFixed(0)} us (the first frames include JIT warm-up)`);
