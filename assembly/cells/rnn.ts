// Elman RNN cell step for one batch row: h' = act(x + h) with act = tanh or relu, where
// x = W_ih x + b_ih + b_hh (folded) and h = W_hh h.
import { vload, vstore, vadd, vsub, vmul, vrelu } from '../simd';
import { tanh_scalar, tanh_v128 } from '../math/activations';

/** xp: [H], hh: [H], hout: [H]; relu != 0 selects relu (a compile-time constant after inlining). */
// @ts-ignore: decorator
@inline export function rnn_row(xp: usize, hh: usize, hout: usize, hsize: i32, relu: bool): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= hsize; j += 4) {
      const o = <usize>j << 2;
      const s = vadd(vload(xp + o), vload(hh + o));
      vstore(hout + o, relu ? vrelu(s) : tanh_v128(s));
    }
  }
  rnn_row_tail(xp, hh, hout, hsize, relu, j);
}

// @ts-ignore: decorator
@inline function rnn_row_tail(xp: usize, hh: usize, hout: usize, hsize: i32, relu: bool, j0: i32): void {
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const s = load<f32>(xp + o) + load<f32>(hh + o);
    // max() propagates NaN (f32.max), as PyTorch's relu does
    store<f32>(hout + o, relu ? max<f32>(s, 0) : tanh_scalar(s));
  }
}

export function f32_rnn_tanh(xp: usize, hh: usize, hout: usize, hsize: i32): void {
  rnn_row(xp, hh, hout, hsize, false);
}
export function f32_rnn_tanh__scalar(xp: usize, hh: usize, hout: usize, hsize: i32): void {
  rnn_row_tail(xp, hh, hout, hsize, false, 0);
}
export function f32_rnn_relu(xp: usize, hh: usize, hout: usize, hsize: i32): void {
  rnn_row(xp, hh, hout, hsize, true);
}
export function f32_rnn_relu__scalar(xp: usize, hh: usize, hout: usize, hsize: i32): void {
  rnn_row_tail(xp, hh, hout, hsize, true, 0);
}

// ---- backward ----
// h_t = act(a): d(a) = dh * act'(a), from h_t itself: tanh' = 1 - h_t^2; relu' = 1 where h_t > 0,
// else 0 (PyTorch's threshold_backward: the gradient at 0 is 0).

/** da: [H] out: the pre-activation gradient; hnew: [H] h_t; dh: [H] its gradient. */
// @ts-ignore: decorator
@inline export function rnn_backward_row(da: usize, hnew: usize, dh: usize, hsize: i32, relu: bool): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    for (; j + 4 <= hsize; j += 4) {
      const o = <usize>j << 2;
      const h = vload(hnew + o);
      const d = vload(dh + o);
      vstore(da + o, relu ? v128.and(d, f32x4.gt(h, zero)) : vmul(d, vsub(one, vmul(h, h))));
    }
  }
  rnn_backward_tail(da, hnew, dh, hsize, relu, j);
}

// @ts-ignore: decorator
@inline function rnn_backward_tail(da: usize, hnew: usize, dh: usize, hsize: i32, relu: bool, j0: i32): void {
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const h = load<f32>(hnew + o);
    const d = load<f32>(dh + o);
    store<f32>(da + o, relu ? (h > 0 ? d : 0) : d * (1 - h * h));
  }
}

export function f32_rnn_tanh_backward(da: usize, hnew: usize, dh: usize, hsize: i32): void {
  rnn_backward_row(da, hnew, dh, hsize, false);
}
export function f32_rnn_tanh_backward__scalar(da: usize, hnew: usize, dh: usize, hsize: i32): void {
  rnn_backward_tail(da, hnew, dh, hsize, false, 0);
}
export function f32_rnn_relu_backward(da: usize, hnew: usize, dh: usize, hsize: i32): void {
  rnn_backward_row(da, hnew, dh, hsize, true);
}
export function f32_rnn_relu_backward__scalar(da: usize, hnew: usize, dh: usize, hsize: i32): void {
  rnn_backward_tail(da, hnew, dh, hsize, true, 0);
}
