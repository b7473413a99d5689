export { crossEntropy, mseLoss } from './losses.js';
export type { LossResult, Reduction, CrossEntropyOptions, MseLossOptions } from './losses.js';
export { Optimizer, SGD, Adam, AdamW, RMSprop, clipGradNorm } from './optim.js';
export type { SGDOptions, AdamOptions, RMSpropOptions, ClipGradNormOptions, OptimizerStateOptions } from './optim.js';
export { fit } from './fit.js';
export type { FitOptions, FitResult, StepInfo, Batch, TrainableModel, LossFunction } from './fit.js';
export type { ParamBlock, Trainable } from '../../bindings/trainable.js';
