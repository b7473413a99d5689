// Every export of the wasm builds: kernels that take only pointers (byte offsets into linear
// memory) and sizes, and the constants the bindings must agree on (exported as globals). The
// bindings own all memory. The same source compiles to three builds (asconfig.json): `simd`,
// `relaxed` (FMA via relaxed_madd) and `scalar`. Kernels come in named variants: the unsuffixed
// name is the variant this build dispatches to; `__scalar`, the reference every other variant is
// tested against, is exported only by the test builds (references.ts) and the training builds,
// so that what a page ships does not carry the references (about 6 KB of each build).
// bindings/kernels.ts types these exports; test/kernels/exports.test.ts fails when the two
// disagree, so change both together.

/** First byte of linear memory free for the bindings' allocator. */
export function heap_base(): usize {
  return __heap_base;
}

export { thread_scratch_size, use_thread_scratch } from './scratch';
export { x32_packw_x8, x32_packw_x8_size } from './kernels/x32-packw-x8';
export { x32_packw_x32, x32_packw_x32_size } from './kernels/x32-packw-x32';
export { x64_packw_x8, x64_packw_x8_size } from './kernels/x64-packw-x8';
export { f32_gemm, f32_gemm_nr32 } from './kernels/f32-gemm';
export { f32_lstm_gates } from './cells/lstm';
export { f32_gru_gates } from './cells/gru';
export { f32_rnn_tanh, f32_rnn_relu } from './cells/rnn';
export {
  recurrence_scratch_size, recurrent_panel_width, set_wide_panels, lstm_recurrence, gru_recurrence, rnn_tanh_recurrence, rnn_relu_recurrence, stack_step,
  CELL_LSTM, CELL_GRU, CELL_RNN_TANH, CELL_RNN_RELU, STACK_SLOTS,
} from './recurrence';
export { f32_fill_uniform } from './kernels/f32-fill-uniform';
export { x64_im2col } from './kernels/x64-im2col';
export { x32_im2col_panels } from './kernels/x32-im2col-panels';
export { f32_vadd_rows } from './kernels/f32-vadd-rows';
export { f32_f64_vcvt } from './kernels/f32-f64-vcvt';
export { f32_gemm_f64acc, f32_gemm_f64acc_f64out } from './kernels/f32-gemm-f64acc';
export { f32_dwconv_f64acc } from './kernels/f32-dwconv-f64acc';
export { f32_dwconv1d_ncw_f64acc } from './kernels/f32-dwconv1d-ncw-f64acc';
export { x32_transpose } from './kernels/x32-transpose';
export { qc8w_packw, qc8w_packw_size } from './kernels/qc8w-packw';
export { qd8_quantize_u7 } from './kernels/qd8-quantize';
export { qd8_f32_qc8w_gemm, qd8_set_relaxed_dot, qd8_relaxed_dot } from './kernels/qd8-f32-qc8w-gemm';
export { f64_windowed_rdft, f64_dft_basis_deviation } from './kernels/f64-windowed-rdft';
export { f32_vlog } from './kernels/f32-vlog';
export { f32_maxpool2d } from './kernels/f32-maxpool2d';
export { f32_vunary_exact, VUNARY_RELU, VUNARY_NEG, VUNARY_ABS, VUNARY_SQRT, VUNARY_SQUARE } from './kernels/f32-vunary-exact';
export {
  f32_vbinary, f32_vbinary_scalar, VBINARY_ADD, VBINARY_SUB, VBINARY_MUL, VBINARY_DIV, VBINARY_MAX, VBINARY_MIN, VBINARY_PRELU,
} from './kernels/f32-vbinary';
