export { Embedding, Linear, Softmax, LogSoftmax, LastStep } from './layers.js';
export type { EmbeddingOptions, LinearOptions, LayerLoadOptions, FeatureLayer } from './layers.js';
export { Sequential, SequentialState } from './sequential.js';
export type {
  SequentialLayer,
  SequentialLayers,
  SequentialOptions,
  SequentialLoadOptions,
  SequentialForwardOptions,
  SequentialStepOptions,
  StepTokens,
} from './sequential.js';
export { buildModel, loadModel, CONFIG_KEY } from './load.js';
export type { ModelConfig, LayerConfig } from './load.js';
