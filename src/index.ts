/**
 * wasm-rnn: PyTorch-exact RNN, LSTM and GRU inference in WebAssembly SIMD.
 *
 *   import { ready, LSTM } from 'wasm-rnn';
 *   await ready();
 *   const lstm = new LSTM({ inputSize: 8, hiddenSize: 16 });
 *   const { output, h, c } = lstm.forward({ data, shape: [T, B, 8] });
 *
 * The layers, tensors, safetensors and ready() come from ./core.js (also the 'wasm-rnn/core'
 * entry); this module adds the importers and models.
 */
export * from './core.js';
export { loadOnnx, readTensorProto, SUPPORTED_OPS } from './onnx/index.js';
export type { OnnxModel, OnnxBinding, BindOptions, PlanInfo, OnnxInputInfo, OnnxOutputInfo, LoadOnnxOptions, RecurrentNodeInfo } from './onnx/index.js';
export { readWav, mixDown, resample, SileroVad, SpeechSegmenter } from './audio/index.js';
export type { WavAudio, SileroVadOptions, SileroSampleRate, SegmentOptions, SpeechSegmenterOptions, SpeechSegment, SpeechEvent, SpeechDetection } from './audio/index.js';
export { loadLayersModel, loadKerasModel, loadLayersModelFile, KerasModel } from './keras/index.js';
export type { LoadLayersModelOptions, KerasRecurrentInfo, LayersModelWeights } from './keras/index.js';
export * from './model/index.js';
export * from './train/index.js';
export { generate, Sampler, encode, decode } from './generate.js';
export type { SamplingOptions, GenerateOptions, GenerateResult, TokenModel } from './generate.js';
export { quantize } from './quantize.js';
export type { QuantizeOptions, Quantizable } from './quantize.js';
export type { WeightFormat } from '../base/quantize.js';
