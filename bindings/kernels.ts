/**
 * The typed exports of the wasm builds (assembly/index.ts), bound once per runtime.
 *
 * Use: `rt.kernels.f32_gemm(c, a, w, bias, m, n, k, lda, ldc)` and `rt.constants.STACK_SLOTS`
 * (rt: the WasmRuntime). Never cast `instance.exports`: WasmRuntime does that once, here.
 *
 * Pointers are byte offsets into linear memory; sizes are element counts. Kernels with a scalar
 * twin (`name__scalar`, KernelReferences: in the test and training builds only) run the build's
 * own variant (relaxed SIMD, SIMD or scalar) under the plain name; the twin is the reference the
 * tests compare every variant with.
 *
 * The interface and the AssemblyScript sources agree by test (test/kernels/exports.test.ts):
 * every build exports exactly these functions, with these parameter names and results, and
 * exactly the constants of KERNEL_CONSTANTS. Adding, removing or changing a kernel export
 * therefore means changing this file in the same commit.
 */
import type { CellKind } from '../base/spec.js';

export interface Kernels {
  readonly memory: WebAssembly.Memory;
  /** First byte of linear memory free for the bindings' allocator. */
  heap_base(): number;
  /** Bytes of an instance's kernel scratch, and pointing this instance at a block of its own (assembly/scratch.ts; worker instances of a threads build). */
  thread_scratch_size(): number;
  use_thread_scratch(block: number): void;

  // weight packing (x32-packw-x8.ts, x32-packw-x32.ts): panels of 8 or 32 columns
  x32_packw_x8(dst: number, src: number, n: number, k: number, lds: number): void;
  x32_packw_x8_size(n: number, k: number): number;
  x32_packw_x32(dst: number, src: number, n: number, k: number, lds: number): void;
  x64_packw_x8(dst: number, src: number, n: number, k: number, inner: number, strideN: number, strideA: number, strideB: number): void;
  x64_packw_x8_size(n: number, k: number): number;
  x32_packw_x32_size(n: number, k: number): number;

  // float32 GEMM on packed weights (f32-gemm.ts): C = A W^T + bias
  f32_gemm(c: number, a: number, w: number, bias: number, m: number, n: number, k: number, lda: number, ldc: number): void;
  f32_gemm_nr32(c: number, a: number, w: number, bias: number, m: number, n: number, k: number, lda: number, ldc: number): void;

  // one row of a cell's gate update (cells/*.ts)
  f32_lstm_gates(xp: number, hh: number, c: number, hout: number, hsize: number): void;
  f32_gru_gates(xp: number, hh: number, hprev: number, hout: number, hsize: number): void;
  f32_rnn_tanh(xp: number, hh: number, hout: number, hsize: number): void;
  f32_rnn_relu(xp: number, hh: number, hout: number, hsize: number): void;

  // the recurrence driver (recurrence.ts): a layer-direction's whole time loop, or one streaming step of a stack
  recurrence_scratch_size(cell: number, b: number, hsize: number, psize: number): number;
  recurrent_panel_width(n: number, k: number): number;
  set_wide_panels(on: number): void;
  lstm_recurrence(
    xproj: number, xts: number, xbs: number, whh: number, whr: number, h: number, hbs: number, c: number, cbs: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, psize: number, lengths: number, reverse: number, scratch: number, q8: number,
  ): void;
  gru_recurrence(
    xproj: number, xts: number, xbs: number, whh: number, bhh: number, h: number, hbs: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number, q8: number,
  ): void;
  rnn_tanh_recurrence(
    xproj: number, xts: number, xbs: number, whh: number, h: number, hbs: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number, q8: number,
  ): void;
  rnn_relu_recurrence(
    xproj: number, xts: number, xbs: number, whh: number, h: number, hbs: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number, q8: number,
  ): void;
  stack_step(
    cell: number, desc: number, layers: number, x: number, batch: number, hsize: number, psize: number,
    xproj: number, scratch: number, out0: number, out1: number, q8: number,
  ): number;

  // seeded uniform fill, the floats of Rng.fillUniform (f32-fill-uniform.ts)
  f32_fill_uniform(state: number, out: number, n: number, bound: number): void;

  // int8 weights (qc8w-packw.ts, qd8-quantize.ts, qd8-f32-qc8w-gemm.ts): docs/quantization.md
  qc8w_packw_size(n: number, k: number): number;
  qc8w_packw(dst: number, src: number, scales: number, n: number, k: number, lds: number): void;
  qd8_quantize_u7(dst: number, x: number, rows: number, k: number, ldx: number, kp: number, params: number): void;
  qd8_f32_qc8w_gemm(c: number, xq: number, params: number, w: number, bias: number, m: number, n: number, k: number, ldc: number): void;
  qd8_set_relaxed_dot(on: number): void;
  qd8_relaxed_dot(): number;

  // the float64-accumulating operators of the ONNX importer (f32-gemm-f64acc.ts and friends)
  x64_im2col(
    dst: number, src: number, ldp: number, cg: number, wp: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, oh: number, ow: number,
  ): void;
  /** Patches of an NCHW image in panels of nr = 8 pixels (f32_gemm's packed operand) or nr = 1 (rows), K in (c, ky, kx) order (x32-im2col-panels.ts). */
  x32_im2col_panels(
    dst: number, src: number, cg: number, ih: number, iw: number, kh: number, kw: number, sh: number, sw: number,
    dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, nr: number, p0: number, panels: number,
  ): void;
  /** y[r, i] += bias[r] (f32-vadd-rows.ts). */
  f32_vadd_rows(y: number, bias: number, rows: number, cols: number, ld: number): void;
  f32_f64_vcvt(dst: number, src: number, n: number): void;
  f32_gemm_f64acc(c: number, a: number, w: number, bias: number, m: number, n: number, k: number, wk: number, lda: number, ldc: number): void;
  f32_gemm_f64acc_f64out(c: number, a: number, w: number, bias: number, m: number, n: number, k: number, wk: number, lda: number, ldc: number): void;
  f32_dwconv_f64acc(
    out: number, x: number, w: number, bias: number, c: number, wp: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, oh: number, ow: number,
  ): void;
  // the same sums on channels-first (NCW) data, no transposes: 1-D depthwise with stride 1
  f32_dwconv1d_ncw_f64acc(
    out: number, x: number, w: number, bias: number, c: number, inW: number, kw: number, dw: number,
    padLeft: number, padRight: number, outW: number, row: number,
  ): void;
  // windowed real DFT of overlapping frames (f64-windowed-rdft.ts): a Conv whose filters are an STFT basis (conv-dft.ts)
  f64_windowed_rdft(
    out: number, ldo: number, x: number, stride: number, frames: number, win: number, bias: number, n: number, tables: number, work: number,
  ): void;
  f64_dft_basis_deviation(w: number, circle: number, n: number, tolerance: number): number;
  x32_transpose(dst: number, src: number, m: number, n: number, lds: number, ldd: number): void;

  // elementwise operators whose float32 results equal the float64-then-rounded ones (f32-vunary-exact.ts,
  // f32-vbinary.ts): the ONNX static plans' Relu / Neg / Abs / Sqrt / Pow 2, Add / Sub / Mul / Div /
  // Max / Min and LeakyRelu (PRelu with a scalar slope) on their buffers in wasm memory
  // (plan-arena.ts); `op` is a VUNARY_* / VBINARY_* constant
  f32_vunary_exact(op: number, y: number, x: number, n: number): void;
  f32_vbinary(op: number, z: number, x: number, y: number, n: number): void;
  f32_vbinary_scalar(op: number, z: number, x: number, s: number, scalar_first: number, n: number): void;
  // Log with the JS loop's bits (f32-vlog.ts): returns the first index it left to the caller (n if none)
  f32_vlog(y: number, x: number, n: number): number;
  // MaxPool of windows inside their planes, the JS loop's bits (f32-maxpool2d.ts)
  f32_maxpool2d(y: number, x: number, planes: number, ih: number, iw: number, kh: number, kw: number, sh: number, sw: number, oh: number, ow: number): void;
}

/**
 * The activation math the recurrent cells inline (assembly/math/activations.ts) as vector kernels
 * (f32-vsigmoid.ts, f32-vtanh.ts), for the tests and tools/measure-activations.mjs that measure
 * it: exported by the test and training builds only. No binding calls them, so the builds a page
 * loads leave them out (2.7 KB each).
 */
export interface ActivationKernels {
  f32_vsigmoid(y: number, x: number, n: number): void;
  f32_vtanh(y: number, x: number, n: number): void;
}

/**
 * The kernels with a scalar reference (`<name>__scalar`, the same signature), which the kernel
 * tests compare the dispatched variant with: exported by the test builds (build/<name>-ref.wasm,
 * assembly/references.ts) and the training builds, not by the inference builds a page loads.
 */
export const KERNELS_WITH_REFERENCES = [
  'f32_gemm',
  'f32_gemm_nr32',
  'f32_lstm_gates',
  'f32_gru_gates',
  'f32_rnn_tanh',
  'f32_rnn_relu',
  'f32_vsigmoid',
  'f32_vtanh',
  'x64_im2col',
  'x32_im2col_panels',
  'f32_vadd_rows',
  'f32_f64_vcvt',
  'f32_gemm_f64acc',
  'f32_gemm_f64acc_f64out',
  'f32_dwconv_f64acc',
  'f32_dwconv1d_ncw_f64acc',
  'f64_windowed_rdft',
  'f32_vlog',
  'f32_maxpool2d',
  'x32_transpose',
] as const satisfies readonly (keyof (Kernels & ActivationKernels))[];

export type KernelReferences = { readonly [K in (typeof KERNELS_WITH_REFERENCES)[number] as `${K}__scalar`]: (Kernels & ActivationKernels)[K] };

/**
 * The exports only the training builds have (assembly/train.ts: build/<name>-train.wasm, loaded by
 * ready({ training: true })); reach them through WasmRuntime.training().
 */
export interface TrainingKernels {
  // training (f32-gemm-grad.ts): a linear layer's input gradient dX = dY W from W's 8-wide panels
  // (its weight and bias gradients are f32_wgrad_acc and f32_colsum_acc, below)
  f32_gemm_dx(dx: number, dy: number, w: number, m: number, n: number, k: number, ldy: number, ldx: number): void;
  f32_gemm_dx__scalar(dx: number, dy: number, w: number, m: number, n: number, k: number, ldy: number, ldx: number): void;

  // training (f32-optim.ts): elementwise optimizer updates over (value, gradient, state) blocks,
  // and the gradient norm / clipping helpers
  f32_sgd_step(
    w: number, g: number, buf: number, n: number, lr: number, momentum: number, oneMinusDampening: number, weightDecay: number,
    nesterov: number, first: number,
  ): void;
  f32_sgd_step__scalar(
    w: number, g: number, buf: number, n: number, lr: number, momentum: number, oneMinusDampening: number, weightDecay: number,
    nesterov: number, first: number,
  ): void;
  f32_adam_step(
    w: number, g: number, m: number, v: number, vmax: number, n: number, negStepSize: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, bc2sqrt: number, eps: number, weightDecay: number, decay: number, amsgrad: number,
  ): void;
  f32_adam_step__scalar(
    w: number, g: number, m: number, v: number, vmax: number, n: number, negStepSize: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, bc2sqrt: number, eps: number, weightDecay: number, decay: number, amsgrad: number,
  ): void;
  f32_rmsprop_step(
    w: number, g: number, sq: number, gavg: number, buf: number, n: number, lr: number, alpha: number, oneMinusAlpha: number,
    eps: number, weightDecay: number, momentum: number, centered: number,
  ): void;
  f32_rmsprop_step__scalar(
    w: number, g: number, sq: number, gavg: number, buf: number, n: number, lr: number, alpha: number, oneMinusAlpha: number,
    eps: number, weightDecay: number, momentum: number, centered: number,
  ): void;
  f32_sumsq_f64(x: number, n: number): number;
  f32_vscale(x: number, n: number, s: number): void;
  f32_vscale__scalar(x: number, n: number, s: number): void;
  // ---- training: the recurrent layers' back-propagation through time ----
  // train-mode cell rows (they also leave the activated gates in xp) and the cells' row backward (cells/*.ts)
  f32_lstm_gates_train(xp: number, hh: number, c: number, hout: number, hsize: number): void;
  f32_lstm_gates_train__scalar(xp: number, hh: number, c: number, hout: number, hsize: number): void;
  f32_lstm_gates_backward(gates: number, cprev: number, cnew: number, dr: number, dc: number, hsize: number): void;
  f32_lstm_gates_backward__scalar(gates: number, cprev: number, cnew: number, dr: number, dc: number, hsize: number): void;
  f32_gru_gates_train(xp: number, hh: number, hprev: number, hout: number, hsize: number): void;
  f32_gru_gates_train__scalar(xp: number, hh: number, hprev: number, hout: number, hsize: number): void;
  f32_gru_gates_backward(gates: number, hh: number, hprev: number, dh: number, dhz: number, hsize: number): void;
  f32_gru_gates_backward__scalar(gates: number, hh: number, hprev: number, dh: number, dhz: number, hsize: number): void;
  f32_rnn_tanh_backward(da: number, hnew: number, dh: number, hsize: number): void;
  f32_rnn_tanh_backward__scalar(da: number, hnew: number, dh: number, hsize: number): void;
  f32_rnn_relu_backward(da: number, hnew: number, dh: number, hsize: number): void;
  f32_rnn_relu_backward__scalar(da: number, hnew: number, dh: number, hsize: number): void;
  // train-mode time loops (recurrence.ts): xproj time-major, activations kept in hsave / csave / rsave / hhsave
  lstm_recurrence_train(
    xproj: number, whh: number, whr: number, h: number, c: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, psize: number, lengths: number, reverse: number, scratch: number,
    hsave: number, csave: number, rsave: number,
  ): void;
  gru_recurrence_train(
    xproj: number, whh: number, bhh: number, h: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number, hsave: number, hhsave: number,
  ): void;
  rnn_tanh_recurrence_train(
    xproj: number, whh: number, h: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number, hsave: number,
  ): void;
  rnn_relu_recurrence_train(
    xproj: number, whh: number, h: number, out: number, ots: number, obs: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number, hsave: number,
  ): void;
  // the reversed time loops (recurrence-backward.ts): one call per layer-direction
  recurrence_backward_scratch_size(cell: number, b: number, hsize: number, psize: number): number;
  lstm_recurrence_backward(
    gates: number, whhT: number, whrT: number, dout: number, dts: number, dbs: number, csave: number, dh: number, dc: number,
    dhsave: number, t_len: number, batch: number, hsize: number, psize: number, lengths: number, reverse: number, scratch: number,
  ): void;
  gru_recurrence_backward(
    gates: number, hhsave: number, whhT: number, dout: number, dts: number, dbs: number, hsave: number, dh: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number,
  ): void;
  rnn_tanh_recurrence_backward(
    gates: number, whhT: number, dout: number, dts: number, dbs: number, hsave: number, dh: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number,
  ): void;
  rnn_relu_recurrence_backward(
    gates: number, whhT: number, dout: number, dts: number, dbs: number, hsave: number, dh: number,
    t_len: number, batch: number, hsize: number, lengths: number, reverse: number, scratch: number,
  ): void;
  // weight gradients into packed panels (f32-wgrad.ts), bias gradients, sums, transposed panels
  f32_wgrad_acc(c: number, a: number, b: number, n: number, k: number, r: number, lda: number, ldb: number, nr: number): void;
  f32_wgrad_acc__scalar(c: number, a: number, b: number, n: number, k: number, r: number, lda: number, ldb: number, nr: number): void;
  f32_colsum_acc(dst: number, src: number, rows: number, cols: number, lds: number): void;
  f32_colsum_acc__scalar(dst: number, src: number, rows: number, cols: number, lds: number): void;
  f32_vacc(dst: number, src: number, n: number): void;
  f32_vacc__scalar(dst: number, src: number, n: number): void;
  x32_packw_t_x8(dst: number, src: number, n: number, k: number, nr: number): void;
  x32_packw_t_x8_size(n: number, k: number): number;
}

/**
 * The constants the kernels and the bindings must agree on, exported by the builds as globals
 * (assembly/index.ts) and read once when a runtime is made: the cell ids the driver's `cell`
 * parameters take, and the i32 slots per layer of a stack_step descriptor.
 */
export const KERNEL_CONSTANTS = [
  'CELL_LSTM', 'CELL_GRU', 'CELL_RNN_TANH', 'CELL_RNN_RELU', 'STACK_SLOTS',
  'VUNARY_RELU', 'VUNARY_NEG', 'VUNARY_ABS', 'VUNARY_SQRT', 'VUNARY_SQUARE', 'VBINARY_ADD', 'VBINARY_SUB', 'VBINARY_MUL', 'VBINARY_DIV', 'VBINARY_MAX', 'VBINARY_MIN', 'VBINARY_PRELU',
] as const;

export type KernelConstants = Readonly<Record<(typeof KERNEL_CONSTANTS)[number], number>>;

/**
 * The typed exports of `instance` and its constants. Throws if a constant is missing (a build
 * older than these bindings: rebuild with `npm run build:wasm`).
 */
export function bindKernels(instance: WebAssembly.Instance): { kernels: Kernels; training: TrainingKernels | undefined; constants: KernelConstants } {
  const raw = instance.exports;
  const constants = {} as Record<(typeof KERNEL_CONSTANTS)[number], number>;
  for (const name of KERNEL_CONSTANTS) {
    const g = raw[name];
    if (!(g instanceof WebAssembly.Global)) throw new Error(`the wasm build exports no constant ${name} (built from older sources?)`);
    constants[name] = g.value as number;
  }
  // a training build is told by its training exports (assembly/train.ts)
  const training = typeof raw.f32_adam_step === 'function' ? (raw as unknown as TrainingKernels) : undefined;
  return { kernels: raw as unknown as Kernels, training, constants: Object.freeze(constants) };
}

/** The `cell` argument of recurrence_scratch_size and stack_step for a cell kind. */
export function cellId(constants: KernelConstants, cell: CellKind): number {
  switch (cell) {
    case 'lstm':
      return constants.CELL_LSTM;
    case 'gru':
      return constants.CELL_GRU;
    case 'rnn_tanh':
      return constants.CELL_RNN_TANH;
    case 'rnn_relu':
      return constants.CELL_RNN_RELU;
  }
}
