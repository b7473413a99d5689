/**
 * wasm-rnn/vad: voice activity detection alone (Silero VAD, the segmenter, WAV reading and
 * resampling), for pages and processes that need nothing else of the library: importing it
 * evaluates only the ONNX importer's Silero operators and the wasm runtime, about half of what
 * the main entry loads, which is half of a VAD's cold start in Node (docs/vad.md).
 *
 *   import { ready, SileroVad } from 'wasm-rnn/vad';
 *   await ready();
 *   const vad = SileroVad.load(modelBytes);
 *   const p = vad.process(frame);
 *
 * The classes are the main entry's own (one runtime, the same RnnError), so both may be imported.
 */
import { ready as readyRuntime, supportedBuilds, type InstantiateOptions } from '../bindings/wasm.js';
import type { RuntimeInfo } from './core.js';

export { RnnError } from '../base/errors.js';
export type { RnnErrorCode } from '../base/errors.js';
export { supportedBuilds };
export type { BuildName, InstantiateOptions as ReadyOptions } from '../bindings/wasm.js';
export type { RuntimeInfo } from './core.js';
export { readWav, mixDown, resample, SileroVad, SpeechSegmenter } from './audio/index.js';
export type { WavAudio, SileroVadOptions, SileroSampleRate, SegmentOptions, SpeechSegmenterOptions, SpeechSegment, SpeechEvent, SpeechDetection } from './audio/index.js';

/**
 * As the main entry's ready(): loads the wasm once (the runtime is shared with the other entries).
 * Unless the options name a build (`build`, `module`, `bytes`, an earlier `choice`) or ask for the
 * timing (`calibrate: true`), it takes `relaxed` where the engine has it, else `simd`, without timing the
 * two: a Silero frame is no slower on `relaxed` on any engine measured (docs/vad.md, "Which
 * build"), and the timing would be a tenth of a VAD's cold start.
 */
export async function ready(options: InstantiateOptions = {}): Promise<RuntimeInfo> {
  const named = options.build !== undefined || options.module !== undefined || options.bytes !== undefined || options.calibrate !== undefined || options.choice !== undefined;
  const rt = await readyRuntime(named || options.training || !supportedBuilds().includes('relaxed') ? options : { ...options, build: 'relaxed' });
  return { build: rt.build, training: rt.isTraining, threads: rt.threadCount };
}
