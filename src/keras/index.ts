/** Keras / TF.js layers models: public API (re-exported by src/index.ts). */
export { loadLayersModel, KerasModel } from './model.js';
export { loadKerasModel } from './files.js';
export { loadLayersModelFile } from './node.js';
export type { LoadLayersModelOptions, KerasRecurrentInfo, Weights as LayersModelWeights } from './model.js';
