// GRU cell step for one batch row, PyTorch's gate order (r, z, n) and reset-after form:
//   r = sigmoid(x_r + h_r)   z = sigmoid(x_z + h_z)   n = tanh(x_n + r * h_n)
//   h' = (1 - z) * n + z * h, computed as n + z * (h - n) like ATen's GRU cell
// where x_* = W_i* x + b_i* and h_* = W_h* h + b_h* (b_hn must stay inside r * (...), so the
// recurrent product carries b_hh and the input projection carries b_ih).
import { vload, vstore, vadd, vsub, vmul } from '../simd';
import { sigmoid_scalar, tanh_scalar, sigmoid_v128, tanh_v128 } from '../math/activations';

/**
 * xp: [3H], hh: [3H], hprev: [H] previous state, hout: [H] new state (may equal hprev). `train`
 * (a compile-time constant after inlining) also writes the activated gates r, z, n over the
 * projections in xp, for the backward pass.
 */
// @ts-ignore: decorator
@inline export function gru_row(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32, train: bool): void {
  const gs = <usize>hsize << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    // r of the next vector is computed one iteration ahead, so that its sigmoid overlaps this
    // vector's tanh: the loop is latency-bound, and r -> n -> h' was its critical path (see
    // cells/lstm.ts). The last look-ahead reads the first floats of the z gate, inside the rows,
    // and is discarded. Same operations per vector, so bitwise the plain loop's results.
    // f32_gru_gates, H = 256: 2.1 -> 1.7 us (relaxed, Node 24), 3.1 -> 2.2-2.5 us (simd, Node
    // 20 / 24); paired, best of 25 bursts.
    let rn = hsize >= 4 ? sigmoid_v128(vadd(vload(xp), vload(hh))) : f32x4.splat(0);
    for (; j + 4 <= hsize; j += 4) {
      const o = <usize>j << 2;
      const x = xp + o;
      const h = hh + o;
      const r = rn;
      rn = sigmoid_v128(vadd(vload(x + 16), vload(h + 16)));
      const z = sigmoid_v128(vadd(vload(x + gs), vload(h + gs)));
      const n = tanh_v128(vadd(vload(x + 2 * gs), vmul(r, vload(h + 2 * gs))));
      vstore(hout + o, vadd(n, vmul(z, vsub(vload(hprev + o), n))));
      if (train) {
        // the look-ahead above has already read the next vector's r input
        vstore(x, r);
        vstore(x + gs, z);
        vstore(x + 2 * gs, n);
      }
    }
  }
  gru_row_tail(xp, hh, hprev, hout, hsize, j, train);
}

// @ts-ignore: decorator
@inline function gru_row_tail(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32, j0: i32, train: bool): void {
  const gs = <usize>hsize << 2;
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const x = xp + o;
    const h = hh + o;
    const r = sigmoid_scalar(load<f32>(x) + load<f32>(h));
    const z = sigmoid_scalar(load<f32>(x + gs) + load<f32>(h + gs));
    const n = tanh_scalar(load<f32>(x + 2 * gs) + r * load<f32>(h + 2 * gs));
    store<f32>(hout + o, n + z * (load<f32>(hprev + o) - n));
    if (train) {
      store<f32>(x, r);
      store<f32>(x + gs, z);
      store<f32>(x + 2 * gs, n);
    }
  }
}

/** Kernel export: the dispatched GRU row update (see gru_row). */
export function f32_gru_gates(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
  gru_row(xp, hh, hprev, hout, hsize, false);
}

/** Kernel export: the scalar reference of f32_gru_gates. */
export function f32_gru_gates__scalar(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
  gru_row_tail(xp, hh, hprev, hout, hsize, 0, false);
}

/** Kernel export: f32_gru_gates that also leaves the activated gates [r, z, n] in xp (train mode). */
export function f32_gru_gates_train(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
  gru_row(xp, hh, hprev, hout, hsize, true);
}

/** Kernel export: the scalar reference of f32_gru_gates_train. */
export function f32_gru_gates_train__scalar(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
  gru_row_tail(xp, hh, hprev, hout, hsize, 0, true);
}

// ---- backward ----
// Given the activated gates r, z, n of a step, hh_n = W_hn h_{t-1} + b_hn, h_{t-1} and the
// gradient dh of h_t = n + z (h_{t-1} - n):
//   dn = dh (1 - z)          d(a_n) = dn (1 - n^2)        (a_n = x_n + r hh_n)
//   d(a_r) = d(a_n) hh_n r (1 - r)                         d(a_z) = dh (h_{t-1} - n) z (1 - z)
// The input side's pre-activation gradients are [d(a_r), d(a_z), d(a_n)]; the recurrent side's
// (the gradient of hh = h W_hh^T + b_hh) are [d(a_r), d(a_z), d(a_n) r]; h_{t-1} also gets dh z
// directly.

/**
 * gates: [3H], in: r, z, n; out: the input side's pre-activation gradients. hh: [3H], in: the
 * step's recurrent products (b_hh included); out: the recurrent side's gradients. hprev: [H]
 * h_{t-1}. dh: [H] gradient of h_t. dhz: [H] out: dh * z.
 */
// @ts-ignore: decorator
@inline export function gru_backward_row(gates: usize, hh: usize, hprev: usize, dh: usize, dhz: usize, hsize: i32): void {
  const gs = <usize>hsize << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= hsize; j += 4) {
      const o = <usize>j << 2;
      const g0 = gates + o;
      const h0 = hh + o;
      const r = vload(g0);
      const z = vload(g0 + gs);
      const n = vload(g0 + 2 * gs);
      const d = vload(dh + o);
      const an = vmul(vmul(d, vsub(one, z)), vsub(one, vmul(n, n)));
      const ar = vmul(vmul(an, vload(h0 + 2 * gs)), vmul(r, vsub(one, r)));
      const az = vmul(vmul(d, vsub(vload(hprev + o), n)), vmul(z, vsub(one, z)));
      vstore(g0, ar);
      vstore(g0 + gs, az);
      vstore(g0 + 2 * gs, an);
      vstore(h0, ar);
      vstore(h0 + gs, az);
      vstore(h0 + 2 * gs, vmul(an, r));
      vstore(dhz + o, vmul(d, z));
    }
  }
  gru_backward_tail(gates, hh, hprev, dh, dhz, hsize, j);
}

// @ts-ignore: decorator
@inline function gru_backward_tail(gates: usize, hh: usize, hprev: usize, dh: usize, dhz: usize, hsize: i32, j0: i32): void {
  const gs = <usize>hsize << 2;
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const g0 = gates + o;
    const h0 = hh + o;
    const r = load<f32>(g0);
    const z = load<f32>(g0 + gs);
    const n = load<f32>(g0 + 2 * gs);
    const d = load<f32>(dh + o);
    const an = d * (1 - z) * (1 - n * n);
    const ar = an * load<f32>(h0 + 2 * gs) * (r * (1 - r));
    const az = d * (load<f32>(hprev + o) - n) * (z * (1 - z));
    store<f32>(g0, ar);
    store<f32>(g0 + gs, az);
    store<f32>(g0 + 2 * gs, an);
    store<f32>(h0, ar);
    store<f32>(h0 + gs, az);
    store<f32>(h0 + 2 * gs, an * r);
    store<f32>(dhz + o, d * z);
  }
}

/** Kernel export: one row of the GRU cell's backward (see gru_backward_row). */
export function f32_gru_gates_backward(gates: usize, hh: usize, hprev: usize, dh: usize, dhz: usize, hsize: i32): void {
  gru_backward_row(gates, hh, hprev, dh, dhz, hsize);
}

/** Kernel export: the scalar reference of f32_gru_gates_backward. */
export function f32_gru_gates_backward__scalar(gates: usize, hh: usize, hprev: usize, dh: usize, dhz: usize, hsize: i32): void {
  gru_backward_tail(gates, hh, hprev, dh, dhz, hsize, 0);
}
