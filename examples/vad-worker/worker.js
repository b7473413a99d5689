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
// Data module (an ArrayBuffer), see wrangler.toml. The library's SileroVad runs the model and
// segments the speech (detectSpeech). docs/vad.md has the details and the limits.
import { ready, SileroVad, readWav, mixDown, RnnError } from 'wasm-rnn';
import sileroV5 from '@ricky0123/vad-web/dist/silero_vad_v5.onnx';

/** Largest body accepted: about 17 minutes of 16 kHz PCM16 mono, 3 minutes of 48 kHz stereo. */
const MAX_BYTES = 32 * 1024 * 1024;
const USAGE = 'POST a WAV file as the body; the response is JSON with the speech segments Silero VAD v5 finds (add ?probabilities=1 for per-frame probabilities).\n';

/** vad-web's segment rules, with a shorter redemption and minimum than its defaults (1400 / 400 ms). */
const SEGMENTS = { positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.35, redemptionMs: 500, minSpeechMs: 250 };

let vad; // loaded once per isolate, on the first request
async function loadVad() {
  if (!vad) {
    await ready();
    vad = SileroVad.load(new Uint8Array(sileroV5));
  }
  return vad;
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
    // resampled to 16 kHz when the file has another rate; the last partial frame is zero-padded
    const { probabilities, segments, frameSamples, sampleRate } = (await loadVad()).detectSpeech(mono, wav.sampleRate, SEGMENTS);
    const result = {
      model: 'silero_vad_v5',
      input: { sampleRate: wav.sampleRate, channels: wav.channels.length, seconds: mono.length / wav.sampleRate },
      frameSeconds: frameSamples / sampleRate,
      frames: probabilities.length,
      segments: segments.map(({ start, end }) => ({ start, end })),
    };
    if (new URL(request.url).searchParams.get('probabilities') === '1') result.probabilities = Array.from(probabilities);
    return json(result);
  },
};
