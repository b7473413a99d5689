// GRU cell step for one batch row, PyTorch's gate order (r, z, n) and reset-after form:
//   r = sigmoid(x_r + h_r)   z = sigmoid(x_z + h_z)   n = tanh(x_n + r * h_n)
//   h' = (1 - z) * n + z * h, computed as n + z * (h - n) like ATen's GRU cell
// where x_* = W_i* x + b_i* and h_* = W_h* h + b_h* (b_hn must stay inside r * (...), so the
// recurrent product carries b_hh and the input projection carries b_ih).
import { vload, vstore, vadd, vsub, vmul } from '../simd';
import { sigmoid_scalar, tanh_scalar, sigmoid_v128, tanh_v128 } from '../math/activations';

/** xp: [3H], hh: [3H], hprev: [H] previous state, hout: [H] new state (may equal hprev). */
// @ts-ignore: decorator
@inline export function gru_row(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
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
    }
  }
  gru_row_tail(xp, hh, hprev, hout, hsize, j);
}

// @ts-ignore: decorator
@inline function gru_row_tail(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32, j0: i32): void {
  const gs = <usize>hsize << 2;
  for (let j = j0; j < hsize; j++) {
    const o = <usize>j << 2;
    const x = xp + o;
    const h = hh + o;
    const r = sigmoid_scalar(load<f32>(x) + load<f32>(h));
    const z = sigmoid_scalar(load<f32>(x + gs) + load<f32>(h + gs));
    const n = tanh_scalar(load<f32>(x + 2 * gs) + r * load<f32>(h + 2 * gs));
    store<f32>(hout + o, n + z * (load<f32>(hprev + o) - n));
  }
}

/** Kernel export: the dispatched GRU row update (see gru_row). */
export function f32_gru_gates(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
  gru_row(xp, hh, hprev, hout, hsize);
}

/** Kernel export: the scalar reference of f32_gru_gates. */
export function f32_gru_gates__scalar(xp: usize, hh: usize, hprev: usize, hout: usize, hsize: i32): void {
  gru_row_tail(xp, hh, hprev, hout, hsize, 0);
}
