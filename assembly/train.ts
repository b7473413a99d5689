// The training builds (build/<name>-train.wasm, loaded by ready({ training: true })): every
// export of the inference builds (index.ts) and of their references (references.ts), plus the
// kernels of back-propagation and the optimizers. They are a build of their own so that a page that only runs models does not ship
// them (the Silero VAD page's size budget, test/runtimes/size.test.ts). bindings/kernels.ts types
// these exports (TrainingKernels); test/kernels/exports.test.ts checks both kinds of build.
export * from './references';

// ---- training: the linear layer's input gradient and the optimizers ----
export { f32_gemm_dx, f32_gemm_dx__scalar } from './kernels/f32-gemm-grad';
export {
  f32_sgd_step, f32_sgd_step__scalar, f32_adam_step, f32_adam_step__scalar, f32_rmsprop_step, f32_rmsprop_step__scalar,
  f32_sumsq_f64, f32_vscale, f32_vscale__scalar,
} from './kernels/f32-optim';

// ---- training: the recurrent layers' back-propagation through time ----
export { f32_lstm_gates_train, f32_lstm_gates_train__scalar, f32_lstm_gates_backward, f32_lstm_gates_backward__scalar } from './cells/lstm';
export { f32_gru_gates_train, f32_gru_gates_train__scalar, f32_gru_gates_backward, f32_gru_gates_backward__scalar } from './cells/gru';
export {
  f32_rnn_tanh_backward, f32_rnn_tanh_backward__scalar, f32_rnn_relu_backward, f32_rnn_relu_backward__scalar,
} from './cells/rnn';
export { lstm_recurrence_train, gru_recurrence_train, rnn_tanh_recurrence_train, rnn_relu_recurrence_train } from './recurrence';
export {
  recurrence_backward_scratch_size, lstm_recurrence_backward, gru_recurrence_backward, rnn_tanh_recurrence_backward,
  rnn_relu_recurrence_backward,
} from './recurrence-backward';
export { f32_wgrad_acc, f32_wgrad_acc__scalar } from './kernels/f32-wgrad';
export { f32_colsum_acc, f32_colsum_acc__scalar } from './kernels/f32-colsum-acc';
export { f32_vacc, f32_vacc__scalar } from './kernels/f32-vacc';
export { x32_packw_t_x8, x32_packw_t_x8_size } from './kernels/x32-packw-t-x8';
