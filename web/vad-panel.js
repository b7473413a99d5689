// The live voice activity panel of the web demo: microphone -> AudioWorklet (web/vad-worklet.js:
// mono, resampled to 16 kHz, 512-sample frames) -> Silero VAD v5 on wasm-rnn on the main thread
// (one frame is well under a millisecond of model time; the page shows the measured time) ->
// a plot of the last seconds of speech probability and the list of speech segments. The model's
// calling protocol and the segment rules are the library's SileroVad and SpeechSegmenter.
// window.vadStatus mirrors what the panel shows, for test/runtimes/vad-web-demo.test.ts.
import { ready, SileroVad, SpeechSegmenter } from 'wasm-rnn/vad';

const MODEL_URL = './vad-models/silero_vad_v5.onnx';
/** What web/vad-worklet.js posts: 512-sample frames at 16 kHz, Silero v5's frame. */
const SAMPLE_RATE = 16000;
const FRAME_SAMPLES = 512;
// vad-web's rules with a shorter redemption and minimum than the defaults (1400 / 400 ms), so
// that the live list follows speech closely
const SEGMENTER = { positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.35, redemptionMs: 500, minSpeechMs: 250 };
const PLOT_SECONDS = 10;
const PLOT_FRAMES = Math.round((PLOT_SECONDS * SAMPLE_RATE) / FRAME_SAMPLES);
const FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE;

const $ = (id) => document.getElementById(id);
const status = (window.vadStatus = { ready: false, listening: false, frames: 0, probabilities: [], segments: [], contextRate: 0, error: '' });
const modelTimes = []; // ms per frame, the last few hundred

let vad;
let segmenter;
let session; // { context, stream, node } while listening
let dirty = false;

function setMessage(text) {
  $('vad-state').textContent = text;
}

function fmt(seconds) {
  return seconds.toFixed(2);
}

function addSegment(seg) {
  status.segments.push({ start: seg.start, end: seg.end });
  const li = document.createElement('li');
  li.textContent = `${fmt(seg.start)} s – ${fmt(seg.end)} s (${fmt(seg.end - seg.start)} s)`;
  $('vad-segments').append(li);
  $('vad-none').hidden = true;
}

function onFrame(frame) {
  const t0 = performance.now();
  const p = vad.process(frame);
  modelTimes.push(performance.now() - t0);
  if (modelTimes.length > 300) modelTimes.shift();
  status.probabilities.push(p);
  status.frames++;
  for (const event of segmenter.push(p)) if (event.type === 'speech-end') addSegment(event.segment);
  $('vad-prob').textContent = p.toFixed(2);
  if (!dirty) {
    dirty = true;
    requestAnimationFrame(draw);
  }
}

function draw() {
  dirty = false;
  const canvas = $('vad-plot');
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, left = 34, right = 8, top = 8, bottom = 22;
  const first = Math.max(0, status.frames - PLOT_FRAMES); // frame index at the left edge
  const xs = (frame) => left + ((frame - first) / PLOT_FRAMES) * (W - left - right);
  const ys = (p) => top + (1 - p) * (H - top - bottom);
  ctx.clearRect(0, 0, W, H);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#667';

  // speech segments (closed ones and the open one) as shaded bands
  ctx.fillStyle = 'rgba(46, 160, 67, 0.18)';
  const bands = status.segments.map((s) => [s.start / FRAME_SECONDS, s.end / FRAME_SECONDS]);
  if (segmenter?.speaking) bands.push([segmenter.speechStart / FRAME_SECONDS, status.frames]);
  for (const [a, b] of bands) {
    if (b < first) continue;
    const x0 = xs(Math.max(a, first));
    ctx.fillRect(x0, top, xs(b) - x0, H - top - bottom);
  }

  // axes: probability 0 / 0.5 / 1, thresholds dashed, seconds along the bottom
  ctx.strokeStyle = '#e3e6ee';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#667';
  for (const p of [0, 0.5, 1]) {
    ctx.beginPath();
    ctx.moveTo(left, ys(p));
    ctx.lineTo(W - right, ys(p));
    ctx.stroke();
    ctx.fillText(p.toFixed(1), 6, ys(p) + 4);
  }
  ctx.setLineDash([4, 4]);
  for (const [p, color] of [[SEGMENTER.positiveSpeechThreshold, '#2ea043'], [SEGMENTER.negativeSpeechThreshold, '#d29922']]) {
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.moveTo(left, ys(p));
    ctx.lineTo(W - right, ys(p));
    ctx.stroke();
  }
  ctx.setLineDash([]);
  for (let s = Math.ceil(first * FRAME_SECONDS); xs(s / FRAME_SECONDS) + 12 <= W; s++) {
    ctx.fillText(`${s}s`, xs(s / FRAME_SECONDS) - 6, H - 6);
  }

  // the probability of each frame
  ctx.strokeStyle = '#2a5bd7';
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let f = first; f < status.frames; f++) {
    const x = xs(f + 0.5), y = ys(status.probabilities[f]);
    f === first ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
  }
  ctx.stroke();

  const sorted = [...modelTimes].sort((a, b) => a - b);
  if (sorted.length) $('vad-time').textContent = Math.round(sorted[sorted.length >> 1] * 1000).toLocaleString('en');
  $('vad-frames').textContent = String(status.frames);
}

async function start() {
  const button = $('vad-toggle');
  button.disabled = true;
  try {
    const context = new AudioContext();
    await context.audioWorklet.addModule('./vad-worklet.js');
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    vad.reset();
    segmenter = new SpeechSegmenter({ ...SEGMENTER, frameSamples: vad.frameSamples, sampleRate: vad.sampleRate });
    status.frames = 0;
    status.probabilities = [];
    status.segments = [];
    $('vad-segments').replaceChildren();
    $('vad-none').hidden = false;
    const node = new AudioWorkletNode(context, 'vad-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
    node.port.onmessage = (e) => {
      try {
        onFrame(e.data);
      } catch (err) {
        status.error = String(err && err.stack ? err.stack : err);
        setMessage(`error: ${err && err.message}`);
        stop();
      }
    };
    context.createMediaStreamSource(stream).connect(node);
    await context.resume();
    session = { context, stream, node };
    status.contextRate = context.sampleRate;
    status.listening = true;
    setMessage(`listening: microphone at ${context.sampleRate} Hz, resampled to 16 kHz in the worklet`);
    button.textContent = 'Stop listening';
  } catch (e) {
    setMessage(`could not open the microphone: ${e.message}`);
    status.error = `microphone: ${e.message}`;
  } finally {
    button.disabled = false;
  }
}

async function stop() {
  if (!session) return;
  const { context, stream, node } = session;
  session = undefined;
  node.port.onmessage = null;
  for (const track of stream.getTracks()) track.stop();
  await context.close();
  for (const event of segmenter.flush()) if (event.type === 'speech-end') addSegment(event.segment);
  status.listening = false;
  if (!status.error) setMessage('stopped');
  $('vad-toggle').textContent = 'Start listening';
  draw();
}

try {
  await ready();
  const t0 = performance.now();
  const res = await fetch(MODEL_URL);
  if (!res.ok) throw new Error(`${MODEL_URL}: HTTP ${res.status}`);
  vad = SileroVad.load(new Uint8Array(await res.arrayBuffer()));
  if (vad.frameSamples !== FRAME_SAMPLES) throw new Error(`${MODEL_URL}: frames of ${vad.frameSamples} samples; the worklet posts ${FRAME_SAMPLES}`);
  setMessage(`Silero VAD v5 loaded in ${Math.round(performance.now() - t0)} ms; press the button and speak`);
  $('vad-toggle').disabled = false;
  $('vad-toggle').addEventListener('click', () => (session ? stop() : start()));
  status.ready = true;
  draw();
} catch (e) {
  status.error = String(e && e.stack ? e.stack : e);
  setMessage(`error: ${e && e.message}`);
}
