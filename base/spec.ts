/**
 * The model spec: plain data describing a recurrent stack in one canonical form, PyTorch's
 * (gate order LSTM i,f,g,o; GRU r,z,n; weights [out, in] row-major). Importers (PyTorch
 * state_dicts, ONNX, Keras) produce it; the bindings pack it into wasm memory. It knows nothing
 * of wasm.
 */
export type CellKind = 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';

/**
 * The structure of a cell, whatever its activations: what the JS recurrence and the importers
 * (whose cells may use other activations than PyTorch's) branch on.
 */
export type CellFamily = 'lstm' | 'gru' | 'rnn';

/** Gate blocks per cell family: the one table of them on the JS side. */
export const GATE_COUNT: Readonly<Record<CellFamily, number>> = { lstm: 4, gru: 3, rnn: 1 };

export function cellFamily(cell: CellKind): CellFamily {
  return cell === 'rnn_tanh' || cell === 'rnn_relu' ? 'rnn' : cell;
}

export interface RecurrentSpec {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  /** LSTM projection size; 0 = no projection (then P = hiddenSize). */
  projSize: number;
  numLayers: number;
  numDirections: 1 | 2;
  bias: boolean;
}

/** The parameters of one layer in one direction, canonical order and layout. */
export interface LayerDirParams {
  /** [G*H, inputSize of the layer] */
  wih: Float32Array;
  /** [G*H, P] */
  whh: Float32Array;
  /** [G*H] or null without bias */
  bih: Float32Array | null;
  /** [G*H] or null without bias */
  bhh: Float32Array | null;
  /** [P, H] (LSTM with projection) or null */
  whr: Float32Array | null;
}

export function gateCount(cell: CellKind): number {
  return GATE_COUNT[cellFamily(cell)];
}

/** Width of the hidden state / output of one direction: projSize if set, else hiddenSize. */
export function outputSize(spec: RecurrentSpec): number {
  return spec.projSize > 0 ? spec.projSize : spec.hiddenSize;
}

/** Input width of layer `l`. */
export function layerInputSize(spec: RecurrentSpec, l: number): number {
  return l === 0 ? spec.inputSize : spec.numDirections * outputSize(spec);
}

/** PyTorch state_dict names and shapes of one layer-direction. */
export function parameterShapes(spec: RecurrentSpec, l: number, d: number): Array<[keyof LayerDirParams, string, number[]]> {
  const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
  const gh = gateCount(spec.cell) * spec.hiddenSize;
  const p = outputSize(spec);
  const out: Array<[keyof LayerDirParams, string, number[]]> = [
    ['wih', `weight_ih${sfx}`, [gh, layerInputSize(spec, l)]],
    ['whh', `weight_hh${sfx}`, [gh, p]],
  ];
  if (spec.bias) {
    out.push(['bih', `bias_ih${sfx}`, [gh]], ['bhh', `bias_hh${sfx}`, [gh]]);
  }
  if (spec.projSize > 0) out.push(['whr', `weight_hr${sfx}`, [spec.projSize, spec.hiddenSize]]);
  return out;
}
