/**
 * quantize(model, { weights }): a copy of a model with its weight matrices stored as int8 (a
 * scale per output row; activations quantized per call, as PyTorch's quantize_dynamic does) or
 * back as float32. docs/quantization.md has the scheme, its accuracy and its speed.
 */
import { RnnError } from '../base/errors.js';
import { type WeightFormat } from '../base/quantize.js';
import { checkWeightFormat } from './layers/options.js';
import { LSTM, GRU, RNN, RecurrentLayer } from './layers/recurrent.js';
import { Embedding, Linear, LastStep, LogSoftmax, Softmax } from './model/layers.js';
import { Sequential, type SequentialLayer } from './model/sequential.js';

export interface QuantizeOptions {
  /** The format of the copy's weight matrices: 'int8' or 'f32'. */
  weights: WeightFormat;
}

export type Quantizable = LSTM | GRU | RNN | Linear | Embedding | Sequential;

/**
 * A new model computing what `model` computes with its weight matrices in `options.weights`
 * format; `model` is left as it is (dispose it if it is no longer needed). LSTM, GRU and RNN
 * quantize W_ih, W_hh (and W_hr), Linear its weight, Embedding its table (per row); biases stay
 * float32. In a Sequential every such child is converted; parameterless layers are new instances.
 */
export function quantize<M extends Quantizable>(model: M, options: QuantizeOptions): M {
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', `quantize: options must be an object { weights: 'int8' | 'f32' }`);
  const weights = checkWeightFormat(options.weights, 'quantize');
  if (model instanceof Sequential) {
    const converted: Array<[string, SequentialLayer]> = [];
    try {
      for (const { name, layer } of model.layers) converted.push([name, convertChild(layer, weights)]);
      return new Sequential(converted, { batchFirst: model.batchFirst }) as M;
    } catch (e) {
      for (const [, layer] of converted) layer.dispose();
      throw e;
    }
  }
  if (model instanceof RecurrentLayer || model instanceof Linear || model instanceof Embedding) return convertChild(model, weights) as M;
  throw new RnnError('INVALID_INPUT', `quantize: expected an LSTM, GRU, RNN, Linear, Embedding or Sequential, got ${(model as object)?.constructor?.name ?? typeof model}`);
}

function convertChild(layer: SequentialLayer, weights: WeightFormat): SequentialLayer {
  if (layer instanceof RecurrentLayer) {
    const stateDict = layer.stateDict();
    const common = { inputSize: layer.inputSize, hiddenSize: layer.hiddenSize, numLayers: layer.numLayers, bias: layer.bias, batchFirst: layer.batchFirst, bidirectional: layer.bidirectional, weights };
    if (layer instanceof LSTM) return LSTM.fromStateDict(stateDict, { ...common, projSize: layer.projSize });
    if (layer instanceof GRU) return GRU.fromStateDict(stateDict, common);
    return RNN.fromStateDict(stateDict, { ...common, nonlinearity: (layer as RNN).nonlinearity });
  }
  if (layer instanceof Linear) {
    const copy = new Linear(layer.inFeatures, layer.outFeatures, layer.bias, { weights, seed: 0 });
    try {
      return copy.loadStateDict(layer.stateDict());
    } catch (e) {
      copy.dispose();
      throw e;
    }
  }
  if (layer instanceof Embedding) {
    const copy = new Embedding(layer.numEmbeddings, layer.embeddingDim, { seed: 0, weights });
    try {
      return copy.loadStateDict(layer.stateDict());
    } catch (e) {
      copy.dispose();
      throw e;
    }
  }
  if (layer instanceof LogSoftmax) return new LogSoftmax();
  if (layer instanceof Softmax) return new Softmax();
  if (layer instanceof LastStep) return new LastStep();
  throw new RnnError('INVALID_INPUT', `quantize: cannot convert a ${(layer as object)?.constructor?.name ?? typeof layer}`);
}
