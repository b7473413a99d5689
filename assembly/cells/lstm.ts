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
import { vload, vstore, vadd, vsub, vmul } from '../simd';
import { sigmoid_scalar, tanh_scalar, sigmoid_v128, tanh_v128 } from '../math/activations';

/**
 * xp: [4H] input projections, hh: [4H] recurrent products, c: [H] cell state (updated in place),
 * hout: [H] new (pre-projection) hidden output; it must not overlap xp, hh or c (it holds o
 * between the passes). `train` (a compile-time constant after inlining) also writes the
 * activated gates i, f, g, o over the projections in xp, for the backward pass.
 */
// @ts-ignore: decorator
@inline export function lstm_row(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32, train: bool): void {
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
      if (train) {
        vstore(x, ig);
        vstore(x + gs, fg);
        vstore(x + 2 * gs, gg);
        vstore(x + 3 * gs, og);
      }
    }
    // pass 2: h' = o * tanh(c') over the same vectors
    for (let k = 0; k < j; k += 4) {
      const o = <usize>k << 2;
      vstore(hout + o, vmul(vload(hout + o), tanh_v128(vload(c + o))));
    }
  }
  lstm_row_tail(xp, hh, c, hout, hsize, j, train);
}

// @ts-ignore: decorator
@inline function lstm_row_tail(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32, j0: i32, train: bool): void {
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
    if (train) {
      store<f32>(x, ig);
      store<f32>(x + gs, fg);
      store<f32>(x + 2 * gs, gg);
      store<f32>(x + 3 * gs, og);
    }
  }
}

/** Kernel export: the dispatched LSTM row update (see lstm_row). */
export function f32_lstm_gates(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  lstm_row(xp, hh, c, hout, hsize, false);
}

/** Kernel export: the scalar reference of f32_lstm_gates. */
export function f32_lstm_gates__scalar(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  lstm_row_tail(xp, hh, c, hout, hsize, 0, false);
}

/** Kernel export: f32_lstm_gates that also leaves the activated gates [i, f, g, o] in xp (train mode). */
export function f32_lstm_gates_train(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  lstm_row(xp, hh, c, hout, hsize, true);
}

/** Kernel export: the scalar reference of f32_lstm_gates_train. */
export function f32_lstm_gates_train__scalar(xp: usize, hh: usize, c: usize, hout: usize, hsize: i32): void {
  lstm_row_tail(xp, hh, c, hout, hsize, 0, true);
}

// ---- backward ----
// Given the activated gates of a step (i, f, g, o), c_{t-1}, c_t, the gradient dr of the cell
// output h = o * tanh(c_t) and the gradient dc of c_t from the later steps:
//   tc = tanh(c_t)        dc_t = dc + dr * o * (1 - tc^2)
//   d(a_i) = dc_t * g * i (1 - i)        d(a_f) = dc_t * c_{t-1} * f (1 - f)
//   d(a_g) = dc_t * i * (1 - g^2)        d(a_o) = dr * tc * o (1 - o)
//   dc_{t-1} = dc_t * f
// where a_* are the gate pre-activations (x W_ih^T + h W_hh^T + biases). tanh(c_t) is computed
// again with the forward's own function (the same floats as the forward used).

/**
 * gates: [4H], in: i, f, g, o; out: the pre-activation gradients. cprev, cnew: [H] c_{t-1}, c_t.
 * dr: [H] gradient of the (pre-projection) cell output. dc: [H], in: gradient of c_t from later
 * steps, out: gradient of c_{t-1}.
 */
// @ts-ignore: decorator
@inline export function lstm_backward_row(gates: usize, cprev: usize, cnew: usize, dr: usize, dc: usize, hsize: i32): void {
  const gs = <usize>hsize << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= hsize; j += 4) {
      const o = <usize>j << 2;
      const g0 = gates + o;
      const ig = vload(g0);
      const fg = vload(g0 + gs);
      const gg = vload(g0 + 2 * gs);
      const og = vload(g0 + 3 * gs);
      const tc = tanh_v128(vload(cnew + o));
      const d = vload(dr + o);
      const dct = vadd(vload(dc + o), vmul(vmul(d, og), vsub(one, vmul(tc, tc))));
      vstore(g0, vmul(vmul(dct, gg), vmul(ig, vsub(one, ig))));
      vstore(g0 + gs, vmul(vmul(dct, vload(cprev + o)), vmul(fg, vsub(one, fg))));
      vstore(g0 + 2 * gs, vmul(vmul(dct, ig), vsub(one, vmul(gg, gg))));
      vstore(g0 + 3 * gs, vmul(vmul(d, tc), vmul(og, vsub(one, og))));
      vstore(dc + o, vmul(dct, fg));
    }
  }
  lstm_backward_tail(gates, cprev, cnew, dr, dc, hsize, j);
}

// @ts-ignore: decorator
@inline function lstm_backward_tail(gates: usize, cprev: usize, cnew: usize, dr: usize, dc: usize, hsize: i32, j0: i32): void {
  const gs = <usize>hsize << 2;
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const g0 = gates + o;
    const ig = load<f32>(g0);
    const fg = load<f32>(g0 + gs);
    const gg = load<f32>(g0 + 2 * gs);
    const og = load<f32>(g0 + 3 * gs);
    const tc = tanh_scalar(load<f32>(cnew + o));
    const d = load<f32>(dr + o);
    const dct = load<f32>(dc + o) + d * og * (1 - tc * tc);
    store<f32>(g0, dct * gg * (ig * (1 - ig)));
    store<f32>(g0 + gs, dct * load<f32>(cprev + o) * (fg * (1 - fg)));
    store<f32>(g0 + 2 * gs, dct * ig * (1 - gg * gg));
    store<f32>(g0 + 3 * gs, d * tc * (og * (1 - og)));
    store<f32>(dc + o, dct * fg);
  }
}

/** Kernel export: one row of the LSTM cell's backward (see lstm_backward_row). */
export function f32_lstm_gates_backward(gates: usize, cprev: usize, cnew: usize, dr: usize, dc: usize, hsize: i32): void {
  lstm_backward_row(gates, cprev, cnew, dr, dc, hsize);
}

/** Kernel export: the scalar reference of f32_lstm_gates_backward. */
export function f32_lstm_gates_backward__scalar(gates: usize, cprev: usize, cnew: usize, dr: usize, dc: usize, hsize: i32): void {
  lstm_backward_tail(gates, cprev, cnew, dr, dc, hsize, 0);
}
