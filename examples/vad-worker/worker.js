// A Cloudflare Worker that finds speech in a WAV file: POST the file as the request body, get back
// the speech segments (seconds) that Silero VAD v5 finds in it, run by wasm-rnn in the Worker.
//
//   curl --data-binary @speech.wav -H 'content-type: audio/wav' https://<worker>/
//   -> { "segments": [{ "start": 1.536, "end": 6.688 }, ...], "frames": 552, ... }
//   add ?probabilities=1 for the speech probability of every 32 ms frame
//
// The WAV may be PCM 8/16/24/32-bit or float, any channels (mixed down), any sample rate
// (resampled to 16 kHz). 'wasm-rnn' resolves to the package's workerd entry, which imports its
// .wasm builds as modules (Workers cannot compile wasm bytes at run time); the model comes in as a
// Data module (an ArrayBuffer), see wrangler.toml. The framing and segmenter are shared with the
// web demo's live panel (web/vad.js). docs/vad.md has the details and the limits.
import { ready, loadOnnx, readWav, mixDown, resample, RnnError } from 'wasm-rnn';
import sileroV5 from '@ricky0123/vad-web/dist/silero_vad_v5.onnx';
import { detectSpeech, FRAME_SAMPLES, SAMPLE_RATE } from '../../web/vad.js';

/** Largest body accepted: about 17 minutes of 16 kHz PCM16 mono, 3 minutes of 48 kHz stereo. */
const MAX_BYTES = 32 * 1024 * 1024;
const USAGE = 'POST a WAV file as the body; the response is JSON with the speech segments Silero VAD v5 finds (add ?probabilities=1 for per-frame probabilities).\n';

let model; // loaded once per isolate, on the first request
async function loadModel() {
  if (!model) {
    await ready();
    model = loadOnnx(new Uint8Array(sileroV5));
  }
  return model;
}

const json = (body, status = 200) => Response.json(body, { status });
const failure = (status, code, message) => json({ error: { code, message } }, status);

export default {
  async fetch(request) {
    if (request.method === 'GET') return new Response(USAGE, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    if (request.method !== 'POST') return new Response(USAGE, { status: 405, headers: { allow: 'GET, POST' } });
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > MAX_BYTES) return failure(413, 'TOO_LARGE', `the body has ${declared} bytes; at most ${MAX_BYTES} are accepted`);
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > MAX_BYTES) return failure(413, 'TOO_LARGE', `the body has ${body.length} bytes; at most ${MAX_BYTES} are accepted`);

    let wav;
    try {
      wav = readWav(body);
    } catch (e) {
      if (e instanceof RnnError) return failure(400, e.code, e.message);
      throw e;
    }
    const mono = mixDown(wav.channels);
    const samples = wav.sampleRate === SAMPLE_RATE ? mono : resample(mono, wav.sampleRate, SAMPLE_RATE);
    const { probabilities, segments } = detectSpeech(await loadModel(), samples);
    const result = {
      model: 'silero_vad_v5',
      input: { sampleRate: wav.sampleRate, channels: wav.channels.length, seconds: mono.length / wav.sampleRate },
      frameSeconds: FRAME_SAMPLES / SAMPLE_RATE,
      frames: probabilities.length,
      segments,
    };
    if (new URL(request.url).searchParams.get('probabilities') === '1') result.probabilities = Array.from(probabilities);
    return json(result);
  },
};
