/**
 * LiveKit's Node agents run Silero VAD through @livekit/agents-plugin-silero (a test peer,
 * test/package.json), whose OnnxModel opens the model it ships by file path with onnxruntime-node
 * (the native addon) and runs it frame by frame. Here that file (dist/onnx_model.js), unchanged,
 * gets wasm-rnn/ort for the 'onnxruntime-node' it imports, as a bundler alias or an import map
 * would give it: its session options, its file path, its `new Tensor('int64', BigInt64Array)`
 * without dims, and its own context and state handling.
 *
 * The plugin's silero_vad.onnx is vad-web's v6 byte for byte (checked below), so at 16 kHz every
 * frame of the speech clip is held to onnxruntime-node's committed probabilities for v6
 * (tools/make-vad-fixtures.mjs); at 8 kHz to onnxruntime-node run here with the plugin's protocol.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ready, resample } from '../../src/index.js';
import * as ort from '../../src/ort/index.js';
import { VAD_DIST, maxProbError, readClip, readReference } from '../helpers/vad.js';

const PLUGIN = join(import.meta.dirname, '../node_modules/@livekit/agents-plugin-silero');
const PROB_TOLERANCE = 2e-5;
const require = createRequire(import.meta.url);

interface OnnxModel {
  run(x: Float32Array): Promise<number>;
  reset(): void;
  readonly windowSizeSamples: number;
  readonly contextSize: number;
}
interface Plugin {
  newInferenceSession(forceCPU: boolean): Promise<unknown>;
  OnnxModel: new (session: unknown, sampleRate: 8000 | 16000) => OnnxModel;
}

let plugin: Plugin;
const { samples: clip } = readClip();

beforeAll(async () => {
  await ready();
  // wasm-rnn/ort for the onnxruntime-node the plugin resolves (test/package.json's overrides give
  // it the test peers' copy, which the reference below requires natively, unmocked)
  vi.doMock(createRequire(join(PLUGIN, 'package.json')).resolve('onnxruntime-node'), () => import('../../src/ort/index.js'));
  // the file itself: the package's index also imports @livekit/agents, which the tests do not install
  plugin = (await import(join(PLUGIN, 'dist/onnx_model.js'))) as Plugin;
});

/** The plugin's probabilities for every whole window of `samples`. */
async function probabilities(model: OnnxModel, samples: Float32Array): Promise<number[]> {
  const out: number[] = [];
  const n = model.windowSizeSamples;
  for (let at = 0; at + n <= samples.length; at += n) out.push(await model.run(samples.slice(at, at + n)));
  return out;
}

describe("LiveKit's Silero VAD plugin (onnx_model.js) on wasm-rnn/ort", () => {
  it("ships vad-web's v6 model, byte for byte", () => {
    expect(Buffer.compare(readFileSync(join(PLUGIN, 'dist/silero_vad.onnx')), readFileSync(`${VAD_DIST}silero_vad_v6.onnx`))).toBe(0);
  });

  it(`16 kHz: every frame within ${PROB_TOLERANCE} of onnxruntime-node; reset() starts over`, async () => {
    const ref = readReference('silero_vad_v6');
    // the plugin's own session: its file path and options (threads, execution mode, the cpu provider)
    const session = await plugin.newInferenceSession(true);
    expect(session, 'the session is wasm-rnn/ort\'s').toBeInstanceOf(ort.InferenceSession);
    const model = new plugin.OnnxModel(session, 16000);
    expect([model.windowSizeSamples, model.contextSize]).toEqual([ref.frameSamples, ref.contextSamples]);
    const got = await probabilities(model, clip);
    const { err, frame } = maxProbError(got, ref.probs);
    console.log(`LiveKit's OnnxModel on wasm-rnn/ort, 16 kHz: max |p - onnxruntime-node| ${err.toExponential(2)} (frame ${frame}, ${got.length} frames)`);
    expect(err, `frame ${frame}`).toBeLessThanOrEqual(PROB_TOLERANCE);
    // after reset() the state and context are zero again: the first frames repeat exactly
    model.reset();
    const again: number[] = [];
    for (let i = 0; i < 20; i++) again.push(await model.run(clip.slice(i * 512, i * 512 + 512)));
    expect(again).toEqual(got.slice(0, 20));
  });

  it(`8 kHz: every frame within ${PROB_TOLERANCE} of onnxruntime-node fed the plugin's way`, async () => {
    const clip8k = resample(clip, 16000, 8000);
    const model = new plugin.OnnxModel(await plugin.newInferenceSession(false), 8000);
    expect([model.windowSizeSamples, model.contextSize]).toEqual([256, 32]);
    const got = await probabilities(model, clip8k);

    // the reference: the real onnxruntime-node (the test peers' own copy), fed as
    // onnx_model.js feeds it: [context 32 + window 256], state [2, 1, 128], sr int64 [1]
    const native = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const session = await native.InferenceSession.create(join(PLUGIN, 'dist/silero_vad.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const sr = new native.Tensor('int64', BigInt64Array.of(8000n));
    let state = new native.Tensor('float32', new Float32Array(256), [2, 1, 128]);
    let context = new Float32Array(32);
    const want: number[] = [];
    for (let at = 0; at + 256 <= clip8k.length; at += 256) {
      const input = new Float32Array(288);
      input.set(context);
      input.set(clip8k.subarray(at, at + 256), 32);
      context = input.slice(256);
      const out = await session.run({ input: new native.Tensor('float32', input, [1, 288]), state, sr });
      want.push((out.output.data as Float32Array)[0]);
      state = out.stateN as typeof state;
    }
    await session.release();

    const { err, frame } = maxProbError(got, want);
    console.log(`LiveKit's OnnxModel on wasm-rnn/ort, 8 kHz: max |p - onnxruntime-node| ${err.toExponential(2)} (frame ${frame}, ${got.length} frames)`);
    expect(err, `frame ${frame}`).toBeLessThanOrEqual(PROB_TOLERANCE);
    // speech was heard: the clip's sentences drive the probability well above vad-web's threshold
    expect(Math.max(...got)).toBeGreaterThan(0.9);
  });
});
