// LSTM cell step for one batch row, PyTorch's gate order (i, f, g, o) and equations:
//   i = sigmoid(x_i + h_i)   f = sigmoid(x_f + h_f)   g = tanh(x_g + h_g)   o = sigmoid(x_o + h_o)
//   c' = f * c + i * g       h' = o * tanh(c')
// where x_* are the input projections (biases b_ih + b_hh already folded in) and h_* the
// recurrent products h W_hh^T. All four gates of a unit are read, activated and combined in one
// pass (no gate buffer is written back); h' = o * tanh(c') follows in a second, short pass over
// the row, which reads o back from hout.
//
// Why two passes: the SIMD loop is latency-bound, not port-bound. In one pass each vector's
// critical path is a sigmoid/tanh (~25 dependent operations), then c', then tanh(c') again, and
// the reorder buffer holds only about 1.5 such iterations, so little of the next vector overlaps.
// Split, pass 1's four activations are independent of each other and pass 2's iterations are
// short, so several vectors are in flight in both. Same operations in the same order, so the
// results are bitwise those of the one-pass loop. f32_lstm_gates, H = 256: 3.0 -> 2.4 us
// (relaxed, Node 24), 3.4-4.5 -> 2.8-3.2 us (simd, Node 20 / 24); paired, best of 25 bursts.
import { vload, vstore, vadd, vmul } from '../simd';
import { sigmoid_scalar, tanh_scalar, sigmoid_v128, tanh_v128 } from '../math/activations';

/**
 * xp: [4H] input projections, hh: [4H] recurrent products, c: [H] cell state (updated in place),
 * hout: [H] new (pre-projection) hidden output; it must not overlap xp, hh or c (it holds o
 * between the passes).
 */
// @ts-ignore: decorator
@inline export function lstm_row(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  const gs = <usize>hsize << 2; // bytes between gates
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= hsize; j += 4) {
      const o = <usize>j << 2;
      const x = xp + o;
      const h = hh + o;
      const ig = sigmoid_v128(vadd(vload(x), vload(h)));
      const fg = sigmoid_v128(vadd(vload(x + gs), vload(h + gs)));
      const gg = tanh_v128(vadd(vload(x + 2 * gs), vload(h + 2 * gs)));
      const og = sigmoid_v128(vadd(vload(x + 3 * gs), vload(h + 3 * gs)));
      const cn = vadd(vmul(fg, vload(c + o)), vmul(ig, gg));
      vstore(c + o, cn);
      vstore(hout + o, og);
    }
    // pass 2: h' = o * tanh(c') over the same vectors
    for (let k = 0; k < j; k += 4) {
      const o = <usize>k << 2;
      vstore(hout + o, vmul(vload(hout + o), tanh_v128(vload(c + o))));
    }
  }
  lstm_row_tail(xp, hh, c, hout, hsize, j);
}

// @ts-ignore: decorator
@inline function lstm_row_tail(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32, j0: i32): void {
  const gs = <usize>hsize << 2;
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const x = xp + o;
    const h = hh + o;
    const ig = sigmoid_scalar(load<f32>(x) + load<f32>(h));
    const fg = sigmoid_scalar(load<f32>(x + gs) + load<f32>(h + gs));
    const gg = tanh_scalar(load<f32>(x + 2 * gs) + load<f32>(h + 2 * gs));
    const og = sigmoid_scalar(load<f32>(x + 3 * gs) + load<f32>(h + 3 * gs));
    const cn = fg * load<f32>(c + o) + ig * gg;
    store<f32>(c + o, cn);
    store<f32>(hout + o, og * tanh_scalar(cn));
  }
}

/** Kernel export: the dispatched LSTM row update (see lstm_row). */
export function f32_lstm_gates(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  lstm_row(xp, hh, c, hout, hsize);
}

/** Kernel export: the scalar reference of f32_lstm_gates. */
export function f32_lstm_gates__scalar(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  lstm_row_tail(xp, hh, c, hout, hsize, 0);
}
