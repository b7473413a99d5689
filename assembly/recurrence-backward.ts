// Back-propagation through time for one layer in one direction: the whole reversed time loop in
// one call, shared by every cell (cells/*.ts hold the row derivatives). It reads what a
// train-mode run kept (recurrence.ts, "train mode") and leaves the pre-activation gradients of
// every step in place of the gates, from which the bindings compute the weight and input
// gradients with one GEMM each over all time steps.
//
// Per time step t, in the reverse of the forward's processing order, with dh [B, P] holding the
// gradient of the state after step t (dc [B, H] likewise for LSTM):
//   1. active rows (t < lengths[b]): dh[b] += dout[t, b]     (padded positions get no gradient)
//   2. LSTM with projection: dhsave[t] = dh (zeros for inactive rows); dr = dh W_hr (one GEMM)
//   3. active rows: the cell's fused row backward writes d(gates) over the gates (and GRU's
//      recurrent-side gradients over hh); inactive rows get zero gradients
//   4. dprev = d(gates_hh) W_hh (one GEMM over all B rows; W_hh^T packed by x32_packw_t_x8)
//   5. active rows: dh[b] = dprev[b] (+ dh z for GRU); inactive rows keep theirs: a row's
//      state passes unchanged through its padded steps, so its gradient does too
// At the end dh (dc) hold the gradients of the initial states.
import { f32_gemm } from './kernels/f32-gemm';
import { f32_lstm_gates_backward } from './cells/lstm';
import { f32_gru_gates_backward } from './cells/gru';
import { f32_rnn_tanh_backward, f32_rnn_relu_backward } from './cells/rnn';
import { CELL_LSTM, CELL_GRU, CELL_RNN_TANH, CELL_RNN_RELU } from './recurrence';

// @ts-ignore: decorator
@inline function gates_of(cell: i32): i32 {
  return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1;
}

// @ts-ignore: decorator
@inline function round4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Floats of scratch the backward needs for a batch of `b` rows: dprev [B, P], dr [B, H], dhz [B, H]. */
export function recurrence_backward_scratch_size(cell: i32, b: i32, hsize: i32, psize: i32): i32 {
  return round4(b * psize) + 2 * round4(b * hsize);
}

/**
 * gates:  [T, B, G*H] time-major, in: what the train-mode run left (the activated gates; RNN:
 *         anything), out: the input side's pre-activation gradients (zeros past a row's length).
 * hhsave: GRU: [T, B, 3H] in: the recurrent products, out: the recurrent side's gradients.
 * whhT:   W_hh^T ([P, G*H]) packed by x32_packw_t_x8.   whrT: W_hr^T ([H, P]) likewise, or 0.
 * dout:   gradient of this direction's output, row (t, b) at `t * dts + b * dbs` floats, or 0.
 * hsave:  [T+1, B, P], csave: [T+1, B, H] (LSTM), as the train-mode run kept them.
 * dh:     [B, P] in: gradient of the final h, out: of h0.   dc: [B, H] likewise (LSTM).
 * dhsave: LSTM with projection: [T, B, P] out: the gradient of every step's projected output.
 * lengths: [B] i32 in [1, T] or 0; reverse: the direction ran t = T-1 .. 0.
 */
// @ts-ignore: decorator
@inline function recurrence_backward(
  cell: i32, gates: usize, hhsave: usize, whhT: usize, whrT: usize, dout: usize, dts: i32, dbs: i32,
  hsave: usize, csave: usize, dh: usize, dc: usize, dhsave: usize,
  t_len: i32, batch: i32, hsize: i32, psize: i32, lengths: usize, reverse: i32, scratch: usize,
): void {
  const gh = gates_of(cell) * hsize;
  const pbytes = <usize>psize << 2;
  const hbytes = <usize>hsize << 2;
  const gbytes = <usize>gh << 2;
  const dprev = scratch;
  const drbuf = dprev + (<usize>round4(batch * psize) << 2);
  const dhz = drbuf + (<usize>round4(batch * hsize) << 2);
  const step = <usize>batch * gbytes; // bytes of one time step's gates

  for (let s = t_len - 1; s >= 0; s--) {
    const t = reverse ? t_len - 1 - s : s;
    const after = <usize>(reverse ? t : t + 1); // hsave / csave slot of the state after step t
    const before = <usize>(reverse ? t + 1 : t);
    const gt = gates + <usize>t * step;
    const ghh = cell == CELL_GRU ? hhsave + <usize>t * step : gt; // the recurrent side's gradients
    if (dout != 0) {
      for (let b = 0; b < batch; b++) {
        if (lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2))) continue;
        const d = dh + <usize>b * pbytes;
        const g = dout + (<usize>(t * dts + b * dbs) << 2);
        for (let j = 0; j < psize; j++) {
          const o = <usize>j << 2;
          store<f32>(d + o, load<f32>(d + o) + load<f32>(g + o));
        }
      }
    }
    let dr = dh;
    if (whrT != 0) {
      const ds = dhsave + <usize>t * batch * pbytes;
      memory.copy(ds, dh, <usize>batch * pbytes);
      if (lengths != 0) {
        for (let b = 0; b < batch; b++) {
          if (t >= load<i32>(lengths + (<usize>b << 2))) memory.fill(ds + <usize>b * pbytes, 0, pbytes);
        }
      }
      f32_gemm(drbuf, dh, whrT, 0, batch, hsize, psize, psize, hsize);
      dr = drbuf;
    }
    for (let b = 0; b < batch; b++) {
      const g = gt + <usize>b * gbytes;
      if (lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2))) {
        memory.fill(g, 0, gbytes);
        if (cell == CELL_GRU) memory.fill(ghh + <usize>b * gbytes, 0, gbytes);
        continue;
      }
      if (cell == CELL_LSTM) {
        f32_lstm_gates_backward(
          g, csave + (before * batch + b) * hbytes, csave + (after * batch + b) * hbytes,
          dr + <usize>b * hbytes, dc + <usize>b * hbytes, hsize,
        );
      } else if (cell == CELL_GRU) {
        f32_gru_gates_backward(g, ghh + <usize>b * gbytes, hsave + (before * batch + b) * pbytes, dh + <usize>b * pbytes, dhz + <usize>b * hbytes, hsize);
      } else if (cell == CELL_RNN_RELU) {
        f32_rnn_relu_backward(g, hsave + (after * batch + b) * pbytes, dh + <usize>b * pbytes, hsize);
      } else {
        f32_rnn_tanh_backward(g, hsave + (after * batch + b) * pbytes, dh + <usize>b * pbytes, hsize);
      }
    }
    f32_gemm(dprev, ghh, whhT, 0, batch, psize, gh, gh, psize);
    for (let b = 0; b < batch; b++) {
      if (lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2))) continue;
      const d = dh + <usize>b * pbytes;
      const p = dprev + <usize>b * pbytes;
      if (cell == CELL_GRU) {
        const z = dhz + <usize>b * hbytes;
        for (let j = 0; j < psize; j++) {
          const o = <usize>j << 2;
          store<f32>(d + o, load<f32>(p + o) + load<f32>(z + o));
        }
      } else {
        memory.copy(d, p, pbytes);
      }
    }
  }
}

// One export per cell kind, as the forward driver: `cell` is a constant after inlining.

export function lstm_recurrence_backward(
  gates: usize, whhT: usize, whrT: usize, dout: usize, dts: i32, dbs: i32, csave: usize, dh: usize, dc: usize,
  dhsave: usize, t_len: i32, batch: i32, hsize: i32, psize: i32, lengths: usize, reverse: i32, scratch: usize,
): void {
  recurrence_backward(CELL_LSTM, gates, 0, whhT, whrT, dout, dts, dbs, 0, csave, dh, dc, dhsave, t_len, batch, hsize, psize, lengths, reverse, scratch);
}

export function gru_recurrence_backward(
  gates: usize, hhsave: usize, whhT: usize, dout: usize, dts: i32, dbs: i32, hsave: usize, dh: usize,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize,
): void {
  recurrence_backward(CELL_GRU, gates, hhsave, whhT, 0, dout, dts, dbs, hsave, 0, dh, 0, 0, t_len, batch, hsize, hsize, lengths, reverse, scratch);
}

export function rnn_tanh_recurrence_backward(
  gates: usize, whhT: usize, dout: usize, dts: i32, dbs: i32, hsave: usize, dh: usize,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize,
): void {
  recurrence_backward(CELL_RNN_TANH, gates, 0, whhT, 0, dout, dts, dbs, hsave, 0, dh, 0, 0, t_len, batch, hsize, hsize, lengths, reverse, scratch);
}

export function rnn_relu_recurrence_backward(
  gates: usize, whhT: usize, dout: usize, dts: i32, dbs: i32, hsave: usize, dh: usize,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize,
): void {
  recurrence_backward(CELL_RNN_RELU, gates, 0, whhT, 0, dout, dts, dbs, hsave, 0, dh, 0, 0, t_len, batch, hsize, hsize, lengths, reverse, scratch);
}
