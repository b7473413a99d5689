export { LSTM, GRU, RNN, RecurrentLayer, RecurrentState, recurrentFromStateDict } from './recurrent.js';
export type { RecurrentOptions, LSTMOptions, RNNOptions, ForwardOptions, ForwardResult, LoadOptions, Lengths } from './recurrent.js';
