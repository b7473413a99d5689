// The test builds (build/<name>-ref.wasm, never shipped): every export of the inference builds
// (index.ts) plus the scalar reference of each kernel with variants (`__scalar`), which the kernel
// tests compare the dispatched variant with in the same instance. The training builds (train.ts)
// export them too. bindings/kernels.ts types them (KernelReferences).
export * from './index';

export { f32_gemm__scalar, f32_gemm_nr32__scalar } from './kernels/f32-gemm';
export { f32_lstm_gates__scalar } from './cells/lstm';
export { f32_gru_gates__scalar } from './cells/gru';
export { f32_rnn_tanh__scalar, f32_rnn_relu__scalar } from './cells/rnn';
// the activations the cells inline, as vector kernels for their tests (bindings/kernels.ts ActivationKernels)
export { f32_vsigmoid, f32_vsigmoid__scalar } from './kernels/f32-vsigmoid';
export { f32_vtanh, f32_vtanh__scalar } from './kernels/f32-vtanh';
export { x64_im2col__scalar } from './kernels/x64-im2col';
export { x32_im2col_panels__scalar } from './kernels/x32-im2col-panels';
export { f32_vadd_rows__scalar } from './kernels/f32-vadd-rows';
export { f32_f64_vcvt__scalar } from './kernels/f32-f64-vcvt';
export { f32_gemm_f64acc__scalar, f32_gemm_f64acc_f64out__scalar } from './kernels/f32-gemm-f64acc';
export { f32_dwconv_f64acc__scalar } from './kernels/f32-dwconv-f64acc';
export { f32_dwconv1d_ncw_f64acc__scalar } from './kernels/f32-dwconv1d-ncw-f64acc';
export { f64_windowed_rdft__scalar } from './kernels/f64-windowed-rdft';
export { f32_vlog__scalar } from './kernels/f32-vlog';
export { f32_maxpool2d__scalar } from './kernels/f32-maxpool2d';
export { x32_transpose__scalar } from './kernels/x32-transpose';
