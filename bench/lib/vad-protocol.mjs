// vad-web 0.0.31's calling protocol for Silero VAD (node_modules/@ricky0123/vad-web/dist/models/
// silero.js and legacy.js), shared by the Node bench (bench/vad-engines.mjs) and the browser page
// (bench/vad-browser-page.mjs), so it imports nothing of Node:
//   v5 / v6: input [1, 576] = the previous frame's last 64 samples + 512 new ones (a fresh
//            Float32Array each frame, as vad-web builds it), state [2, 1, 128], sr int64 [1] =
//            16000; outputs `output` (the speech probability) and `stateN` (the next state);
//   legacy:  input [1, 1536], h and c [2, 1, 64], sr; outputs output, hn, cn.

export const SAMPLE_RATE = 16000;

export const MODELS = {
  legacy: { file: 'silero_vad_legacy.onnx', legacy: true, frameSamples: 1536, contextSamples: 0, reference: 'test/fixtures/vad/silero_vad_legacy.json' },
  v5: { file: 'silero_vad_v5.onnx', legacy: false, frameSamples: 512, contextSamples: 64, reference: 'test/fixtures/vad/silero_vad_v5.json' },
  v6: { file: 'silero_vad_v6.onnx', legacy: false, frameSamples: 512, contextSamples: 64, reference: 'test/fixtures/vad/silero_vad_v6.json' },
};

/** vad-web's input for a frame of model `m` ([context, frame]) and the context kept for the next one. */
export function contextFeeder(m) {
  let context = new Float32Array(m.contextSamples);
  return {
    reset: () => { context = new Float32Array(m.contextSamples); },
    input: (samples) => {
      if (!m.contextSamples) return samples;
      const x = new Float32Array(m.contextSamples + m.frameSamples);
      x.set(context, 0);
      x.set(samples, m.contextSamples);
      context = samples.slice(-m.contextSamples);
      return x;
    },
  };
}

/**
 * A VAD driver on an ONNX Runtime-API `session` (onnxruntime-web / -node, or wasm-rnn/ort) and its
 * `ort` module: frame(samples) -> Promise of the speech probability; prepared(samples) builds the
 * frame's input tensor ahead and framePrepared(tensor) runs it; reset() -> zero state and context,
 * as vad-web's reset_state; states() -> the recurrent state tensors' data.
 */
export function ortSessionVad(ort, session, m) {
  const sr = new ort.Tensor('int64', [BigInt(SAMPLE_RATE)]);
  const feeds = m.legacy ? { input: null, h: null, c: null, sr } : { input: null, state: null, sr };
  const ctx = contextFeeder(m);
  const reset = () => {
    ctx.reset();
    if (m.legacy) {
      const zeroes = Array(2 * 64).fill(0);
      feeds.h = new ort.Tensor('float32', zeroes, [2, 1, 64]);
      feeds.c = new ort.Tensor('float32', zeroes, [2, 1, 64]);
    } else feeds.state = new ort.Tensor('float32', Array(2 * 128).fill(0), [2, 1, 128]);
  };
  reset();
  const framePrepared = async (input) => {
    feeds.input = input;
    const out = await session.run(feeds);
    if (m.legacy) { feeds.h = out.hn; feeds.c = out.cn; } else feeds.state = out.stateN;
    return out.output.data[0];
  };
  const prepared = (samples) => new ort.Tensor('float32', ctx.input(samples), [1, m.contextSamples + m.frameSamples]);
  return {
    async: true,
    reset,
    prepared,
    framePrepared,
    frame: (samples) => framePrepared(prepared(samples)),
    states: () => (m.legacy ? { hn: feeds.h.data, cn: feeds.c.data } : { stateN: feeds.state.data }),
    release: () => session.release(),
  };
}
