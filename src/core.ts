/**
 * wasm-rnn/core: the layers without the model importers (ONNX, Keras, Sequential models,
 * generation), for hosts that load the package unbundled (Node, Deno, Bun), where importing
 * the whole library costs its parse time: the full entry re-exports this module, so the two
 * share one runtime (see docs/loading.md).
 *
 *   import { ready, LSTM } from 'wasm-rnn/core';
 *   await ready();
 *   const lstm = new LSTM({ inputSize: 8, hiddenSize: 16 });
 *   const { output, h, c } = lstm.forward({ data, shape: [T, B, 8] });
 */
import { ready as readyRuntime, useBuildTiming, type InstantiateOptions, type BuildName, type BuildChoice } from '../bindings/wasm.js';
import { timeProbe } from '../bindings/build-choice.js';

export { RnnError } from '../base/errors.js';
export type { RnnErrorCode } from '../base/errors.js';
export type { Tensor, TensorData, DType } from '../base/tensor.js';
export { LSTM, GRU, RNN, RecurrentLayer, RecurrentState } from './layers/index.js';
export type { RecurrentOptions, LSTMOptions, RNNOptions, ForwardOptions, ForwardResult, LoadOptions, Lengths } from './layers/index.js';
export { readSafetensors, readSafetensorsMetadata, writeSafetensors } from './safetensors.js';
export type { StateDict } from './safetensors.js';
export type { RecurrentSpec, CellKind } from '../base/spec.js';
export { supportedBuilds } from '../bindings/wasm.js';
export type { BuildName, BuildChoice, InstantiateOptions as ReadyOptions } from '../bindings/wasm.js';

export interface RuntimeInfo {
  /** The wasm build in use. */
  build: BuildName;
  /** Whether it is the training build (ready({ training: true })). */
  training: boolean;
  /**
   * How relaxed and simd were chosen between where the engine runs both (timed, or reused from
   * an earlier timing in this realm); undefined when nothing was chosen (a forced build, a
   * module or bytes given, an engine without relaxed SIMD).
   */
  choice?: BuildChoice;
  /** Threads computations may split over (ready({ threads }); 1 without workers). */
  threads: number;
}

/**
 * Loads the wasm once: probes the engine and picks the fastest build it runs (where it runs both
 * relaxed SIMD and SIMD, a few milliseconds of timing decide; else SIMD > scalar), or the one
 * `options.build` forces (`options.calibrate: false` takes SIMD without timing); `options.module` takes a precompiled
 * WebAssembly.Module (edge workers), `options.bytes` / `options.url` the build's bytes or
 * location; `options.training` loads the training build (docs/training.md). Layers created
 * afterwards use this runtime; those made before keep theirs.
 */
export async function ready(options?: InstantiateOptions): Promise<RuntimeInfo> {
  useBuildTiming(timeProbe); // (here, not at load: a call a bundler cannot drop from a side-effect-free package)
  const rt = await readyRuntime(options);
  return rt.choice ? { build: rt.build, training: rt.isTraining, choice: rt.choice, threads: rt.threadCount } : { build: rt.build, training: rt.isTraining, threads: rt.threadCount };
}
