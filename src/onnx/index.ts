/** ONNX import: public API (re-exported by src/index.ts). */
export { readTensorProto } from './tensor-proto.js';
export { loadOnnx, SUPPORTED_OPS } from './registry.js';
export type { OnnxModel, OnnxBinding, BindOptions, PlanInfo, OnnxInputInfo, OnnxOutputInfo, LoadOnnxOptions, RecurrentNodeInfo } from './model.js';
