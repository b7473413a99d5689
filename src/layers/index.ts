export { LSTM, GRU, RNN, RecurrentLayer, RecurrentState } from './recurrent.js';
export type { RecurrentOptions, LSTMOptions, RNNOptions, ForwardOptions, ForwardResult, LoadOptions, Lengths } from './options.js';
