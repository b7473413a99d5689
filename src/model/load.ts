/**
 * Self-describing model files: a safetensors file whose `__metadata__.wasm_rnn` holds the
 * architecture as JSON (what the training scripts in models/ write), turned into a loaded
 * Sequential in one call:
 *
 *   const { model, config } = loadModel(readFileSync('models/chars.safetensors'));
 *
 * The JSON: { "layers": [ { "name": "emb", "type": "Embedding", "numEmbeddings": 27,
 * "embeddingDim": 16 }, { "name": "lstm", "type": "LSTM", "inputSize": 16, "hiddenSize": 80,
 * "numLayers": 2, "batchFirst": true }, { "name": "head", "type": "Linear", "inFeatures": 80,
 * "outFeatures": 27 } ], ...anything else (vocab, task, normalization) }. Layer options are the
 * constructor options of each class; parameters are read under `name.` (PyTorch's names).
 */
import { RnnError } from '../../base/errors.js';
import { readSafetensors, readSafetensorsMetadata } from '../safetensors.js';
import { GRU, LSTM, RNN } from '../layers/recurrent.js';
import { Embedding, LastStep, Linear, LogSoftmax, Softmax } from './layers.js';
import { Sequential, type SequentialLayer } from './sequential.js';

export type LayerConfig =
  | { name: string; type: 'Embedding'; numEmbeddings: number; embeddingDim: number }
  | { name: string; type: 'Linear'; inFeatures: number; outFeatures: number; bias?: boolean }
  | { name: string; type: 'LSTM' | 'GRU' | 'RNN'; [option: string]: unknown }
  | { name: string; type: 'Softmax' | 'LogSoftmax' | 'LastStep' };

export interface ModelConfig {
  layers: LayerConfig[];
  /** Sequential layout when no recurrent layer sets it. */
  batchFirst?: boolean;
  /** Token strings by id (a string: one character per id). */
  vocab?: string | string[];
  [key: string]: unknown;
}

/** The metadata key holding the architecture JSON. */
export const CONFIG_KEY = 'wasm_rnn';

/** Builds the (randomly initialized) Sequential a config describes. Needs ready(). */
export function buildModel(config: ModelConfig): Sequential {
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers)) {
    throw new RnnError('INVALID_FORMAT', 'buildModel: config must be an object with a layers array');
  }
  const built: Array<[string, SequentialLayer]> = [];
  try {
    for (const lc of config.layers) {
      if (lc === null || typeof lc !== 'object' || typeof lc.name !== 'string') {
        throw new RnnError('INVALID_FORMAT', `buildModel: every layer needs a name and a type, got ${JSON.stringify(lc)}`);
      }
      const { name, type, ...opts } = lc as { name: string; type: string; [k: string]: unknown };
      let layer: SequentialLayer;
      switch (type) {
        case 'Embedding':
          layer = new Embedding(opts.numEmbeddings as number, opts.embeddingDim as number, { seed: 0 });
          break;
        case 'Linear':
          layer = new Linear(opts.inFeatures as number, opts.outFeatures as number, (opts.bias as boolean | undefined) ?? true, { seed: 0 });
          break;
        case 'LSTM':
          layer = new LSTM({ seed: 0, ...opts } as unknown as ConstructorParameters<typeof LSTM>[0]);
          break;
        case 'GRU':
          layer = new GRU({ seed: 0, ...opts } as unknown as ConstructorParameters<typeof GRU>[0]);
          break;
        case 'RNN':
          layer = new RNN({ seed: 0, ...opts } as unknown as ConstructorParameters<typeof RNN>[0]);
          break;
        case 'Softmax':
          layer = new Softmax();
          break;
        case 'LogSoftmax':
          layer = new LogSoftmax();
          break;
        case 'LastStep':
          layer = new LastStep();
          break;
        default:
          throw new RnnError('UNSUPPORTED', `buildModel: layer '${name}' has type ${JSON.stringify(type)}; supported: Embedding, Linear, LSTM, GRU, RNN, Softmax, LogSoftmax, LastStep`);
      }
      built.push([name, layer]);
    }
    return new Sequential(built, config.batchFirst === undefined ? {} : { batchFirst: config.batchFirst });
  } catch (e) {
    for (const [, l] of built) l.dispose();
    throw e;
  }
}

/**
 * Reads a safetensors file written by the scripts of models/ (or any file with a
 * `__metadata__.wasm_rnn` architecture): builds the Sequential and loads its weights (strictly).
 */
export function loadModel(bytes: Uint8Array | ArrayBuffer): { model: Sequential; config: ModelConfig } {
  const meta = readSafetensorsMetadata(bytes);
  const raw = meta[CONFIG_KEY];
  if (raw === undefined) {
    throw new RnnError('INVALID_FORMAT', `loadModel: the file has no __metadata__.${CONFIG_KEY} architecture; build the Sequential yourself and use loadStateDict`);
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(raw) as ModelConfig;
  } catch (e) {
    throw new RnnError('INVALID_FORMAT', `loadModel: __metadata__.${CONFIG_KEY} is not valid JSON: ${(e as Error).message}`);
  }
  const model = buildModel(config);
  try {
    model.loadStateDict(readSafetensors(bytes));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, config };
}
