// The recurrence driver: the whole time loop of one layer in one direction, shared by every cell.
// Each cell only describes its row step (cells/*.ts); the driver owns the order of time steps,
// the recurrent product, the projection, packed-sequence lengths and the output writes.
//
// Per time step t (ascending, or descending when `reverse`):
//   1. hh = h W_hh^T (+ b_hh for GRU)               one f32_gemm over all B rows
//   2. for each active row b (t < lengths[b]):       the cell's fused gate update into hnew[b]
//   3. LSTM with projection: hnew = cellout W_hr^T   one f32_gemm
//   4. active rows: h[b] = hnew[b], out[t, b] = hnew[b]; inactive rows: out[t, b] = 0, h, c kept
// A row is inactive past its length, so the reverse direction of a packed sequence starts at the
// row's own last valid step with its initial state, exactly like pack_padded_sequence.
import { f32_gemm, f32_gemm_nr32 } from './kernels/f32-gemm';
import { f32_lstm_gates, f32_lstm_gates_train } from './cells/lstm';
import { f32_gru_gates, f32_gru_gates_train } from './cells/gru';
import { f32_rnn_tanh, f32_rnn_relu } from './cells/rnn';
import { qd8_quantize_u7 } from './kernels/qd8-quantize';
import { qd8_f32_qc8w_gemm } from './kernels/qd8-f32-qc8w-gemm';

export const CELL_LSTM = 0;
export const CELL_GRU = 1;
export const CELL_RNN_TANH = 2;
export const CELL_RNN_RELU = 3;

/**
 * Whether this instance packs W_hh in 32-wide panels where the size allows (set_wide_panels).
 * The bindings turn it off on engines where ready()'s timing found the 1x32 row kernel slower than
 * the 1x24 one on 8-wide panels (V8 12.4, Node 22, spills in the 1x32 loop); every instance that
 * packs or runs recurrences on the same memory (the threads' workers) is told the same.
 */
let widePanels = true;

export function set_wide_panels(on: i32): void {
  widePanels = on != 0;
}

/**
 * Panel width the recurrent weights W_hh ([N = G*H, K = P]) are packed with (x32_packw_x8 or
 * x32_packw_x32): 32 when the packed matrix is at most 1 MiB, which stays in L2 between time steps
 * and is read fastest by the one-pointer 1x32 row kernel; 8 when it is bigger and streams from
 * L3/memory every step, where the 8-wide panels' sequential pages prefetch better, and 8 always
 * where wide panels are off. The bindings pack by this function and the driver reads by it, so
 * the rule lives here only.
 */
export function recurrent_panel_width(n: i32, k: i32): i32 {
  return widePanels && ((<i64>n + 31) & ~31) * <i64>k <= 262144 ? 32 : 8;
}

/** Gates per cell kind. */
// @ts-ignore: decorator
@inline function gates(cell: i32): i32 {
  return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1;
}

/**
 * Floats of scratch the driver needs for a batch of `b` rows: hh [B, G*H], cellout [B, H],
 * hnew [B, P] (each rounded up to whole vectors), and for int8 weights the quantized rows of h or
 * of the cell output (B rows of max(H, P) bytes rounded up to 4) with their scale and zero point.
 */
export function recurrence_scratch_size(cell: i32, b: i32, hsize: i32, psize: i32): i32 {
  return round4(b * gates(cell) * hsize) + round4(b * hsize) + round4(b * psize) + quantScratch(b, hsize, psize);
}

// @ts-ignore: decorator
@inline function quantScratch(b: i32, hsize: i32, psize: i32): i32 {
  return round4(b * round4(max(hsize, psize)) / 4) + 4;
}

// @ts-ignore: decorator
@inline function round4(n: i32): i32 {
  return (n + 3) & ~3;
}

/**
 * xproj: the input projections (x W_ih^T + folded biases) of every step, [G*H] floats per
 *        (t, b) row, row (t, b) starting `t * xts + b * xbs` floats on (time-major [T, B, G*H]:
 *        xts = B*G*H, xbs = G*H; batch-major [B, T, G*H]: xts = G*H, xbs = T*G*H).
 * whh:   packed W_hh ([G*H, P], panel width recurrent_panel_width);  bhh: [G*H] (GRU only, 0 = none).
 * whr:   packed W_hr ([P, H]) or 0 when there is no projection (then P == H).
 * h:     the [B, P] state, in: h0, out: h at each row's last valid step; row b starts `b * hbs`
 *        floats on (hbs = P when the rows are contiguous; D*P for ONNX layout 1's [B, D, P]).
 * c:     the [B, H] cell state (LSTM), likewise, row b at `b * cbs`.
 * out:   where out[t=0, b=0] of this direction goes; row (t, b) starts `t * ots + b * obs` floats
 *        on. Strides are signed: a negative `ots` (with `out` at step T-1) writes the steps in
 *        processing order of a reverse run.
 * lengths: [B] i32 in [1, T], or 0 when every row has length T.
 * reverse: run t = T-1 .. 0 (a row starts at its own last valid step, as pack_padded_sequence).
 */
// @ts-ignore: decorator
@inline function recurrence(
  cell: i32, xproj: usize, xts: i32, xbs: i32, whh: usize, bhh: usize, whr: usize, h: usize, hbs: i32, c: usize, cbs: i32,
  out: usize, ots: i32, obs: i32, t_len: i32, batch: i32, hsize: i32, psize: i32,
  lengths: usize, reverse: i32, scratch: usize,
  train: bool, hsave: usize, csave: usize, rsave: usize, hhsave: usize, q8: bool,
): void {
  const g = gates(cell);
  const gh = g * hsize;
  const cellout = scratch + (<usize>round4(batch * gh) << 2);
  const hnew = cellout + (<usize>round4(batch * hsize) << 2);
  // int8 weights (whh, whr: qc8w blocks): the rows of h or of the cell output are quantized here
  const qparams = hnew + (<usize>round4(batch * psize) << 2);
  const qrows = qparams + 16;
  const pbytes = <usize>psize << 2;
  const hbytes = <usize>hsize << 2;
  const wide = recurrent_panel_width(gh, psize) == 32;
  // train mode keeps whole [B, P] / [B, H] state blocks: its callers pass contiguous states
  if (train) {
    // slot of the initial state: before step 0 (forward) or after step T-1 (reverse)
    const first = reverse ? t_len : 0;
    memory.copy(hsave + <usize>first * batch * pbytes, h, <usize>batch * pbytes);
    if (cell == CELL_LSTM) memory.copy(csave + <usize>first * batch * hbytes, c, <usize>batch * hbytes);
  }

  for (let s = 0; s < t_len; s++) {
    const t = reverse ? t_len - 1 - s : s;
    // train mode keeps GRU's recurrent products (hh_n is needed by the backward) and LSTM's
    // pre-projection outputs (for the gradient of W_hr) per step
    const hh = train && cell == CELL_GRU ? hhsave + <usize>t * batch * gh * 4 : scratch;
    const rows = train && whr != 0 ? rsave + <usize>t * batch * hbytes : cellout;
    // without projection the cell writes the new state straight into hnew
    const target = whr != 0 ? rows : hnew;
    if (q8) {
      qd8_quantize_u7(qrows, h, batch, psize, hbs, (psize + 3) & ~3, qparams);
      qd8_f32_qc8w_gemm(hh, qrows, qparams, whh, bhh, batch, gh, psize, gh);
    } else if (wide) f32_gemm_nr32(hh, h, whh, bhh, batch, gh, psize, hbs, gh);
    else f32_gemm(hh, h, whh, bhh, batch, gh, psize, hbs, gh);
    for (let b = 0; b < batch; b++) {
      const tr = target + (<usize>(b * hsize) << 2);
      if (lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2))) {
        // the backward multiplies saved rows by zero gradients: keep them finite
        if (train && whr != 0) memory.fill(tr, 0, hbytes);
        continue;
      }
      const xp = xproj + (<usize>(t * xts + b * xbs) << 2);
      const hr = hh + (<usize>(b * gh) << 2);
      if (cell == CELL_LSTM) {
        if (train) f32_lstm_gates_train(xp, hr, c + (<usize>(b * cbs) << 2), tr, hsize);
        else f32_lstm_gates(xp, hr, c + (<usize>(b * cbs) << 2), tr, hsize);
      } else if (cell == CELL_GRU) {
        if (train) f32_gru_gates_train(xp, hr, h + (<usize>(b * hbs) << 2), tr, hsize);
        else f32_gru_gates(xp, hr, h + (<usize>(b * hbs) << 2), tr, hsize);
      } else if (cell == CELL_RNN_RELU) {
        f32_rnn_relu(xp, hr, tr, hsize);
      } else {
        f32_rnn_tanh(xp, hr, tr, hsize);
      }
    }
    if (whr != 0 && q8) {
      qd8_quantize_u7(qrows, rows, batch, hsize, hsize, (hsize + 3) & ~3, qparams);
      qd8_f32_qc8w_gemm(hnew, qrows, qparams, whr, 0, batch, psize, hsize, psize);
    } else if (whr != 0) f32_gemm(hnew, rows, whr, 0, batch, psize, hsize, hsize, psize);
    for (let b = 0; b < batch; b++) {
      // signed offsets: a negative one wraps modulo 2^32, which is the intended address
      const orow = out + (<usize>(t * ots + b * obs) << 2);
      if (lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2))) {
        memory.fill(orow, 0, pbytes);
        continue;
      }
      const src = hnew + (<usize>(b * psize) << 2);
      memory.copy(h + (<usize>(b * hbs) << 2), src, pbytes);
      memory.copy(orow, src, pbytes);
    }
    if (train) {
      // the state after step t (inactive rows keep theirs): slot t + 1 forward, t reverse
      const slot = <usize>(reverse ? t : t + 1);
      memory.copy(hsave + slot * batch * pbytes, h, <usize>batch * pbytes);
      if (cell == CELL_LSTM) memory.copy(csave + slot * batch * hbytes, c, <usize>batch * hbytes);
    }
  }
}

// One export per cell kind: after inlining, `cell` is a constant and every cell test folds away,
// so the time loop contains only the chosen cell's code. `q8` (the weights are int8 qc8w blocks:
// h, and an LSTM projection's input, are quantized per step, as PyTorch's dynamically quantized
// LSTM / GRU do) is an argument: one test a step, not a second copy of each loop. The cell's row update is a call to its
// gate kernel (f32_lstm_gates, ...), not inlined: a forward is one long call of the driver, and V8
// gives a running call no new code, so in a fresh process an inlined gate loop ran the whole
// first forward in baseline code; called, it switches to optimized code between two rows.

export function lstm_recurrence(
  xproj: usize, xts: i32, xbs: i32, whh: usize, whr: usize, h: usize, hbs: i32, c: usize, cbs: i32, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, psize: i32, lengths: usize, reverse: i32, scratch: usize, q8: i32,
): void {
  recurrence(CELL_LSTM, xproj, xts, xbs, whh, 0, whr, h, hbs, c, cbs, out, ots, obs, t_len, batch, hsize, psize, lengths, reverse, scratch, false, 0, 0, 0, 0, q8 != 0);
}

export function gru_recurrence(
  xproj: usize, xts: i32, xbs: i32, whh: usize, bhh: usize, h: usize, hbs: i32, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize, q8: i32,
): void {
  recurrence(CELL_GRU, xproj, xts, xbs, whh, bhh, 0, h, hbs, 0, 0, out, ots, obs, t_len, batch, hsize, hsize, lengths, reverse, scratch, false, 0, 0, 0, 0, q8 != 0);
}

export function rnn_tanh_recurrence(
  xproj: usize, xts: i32, xbs: i32, whh: usize, h: usize, hbs: i32, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize, q8: i32,
): void {
  recurrence(CELL_RNN_TANH, xproj, xts, xbs, whh, 0, 0, h, hbs, 0, 0, out, ots, obs, t_len, batch, hsize, hsize, lengths, reverse, scratch, false, 0, 0, 0, 0, q8 != 0);
}

export function rnn_relu_recurrence(
  xproj: usize, xts: i32, xbs: i32, whh: usize, h: usize, hbs: i32, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize, q8: i32,
): void {
  recurrence(CELL_RNN_RELU, xproj, xts, xbs, whh, 0, 0, h, hbs, 0, 0, out, ots, obs, t_len, batch, hsize, hsize, lengths, reverse, scratch, false, 0, 0, 0, 0, q8 != 0);
}

// ---- train mode: the same time loop, keeping what the backward needs ----

// Where a train-mode run keeps a layer-direction's activations (recurrence-backward.ts reads
// them). All time-major, indexed by time step t (not processing order):
//  - xproj [T, B, G*H] (the driver's input): LSTM / GRU cells overwrite each active row's
//    projections with the activated gates (i, f, g, o / r, z, n);
//  - hsave [T+1, B, P]: the state h before and after every step; the state after step t is slot
//    t + 1 (forward) or t (reverse), the initial state slot 0 (forward) or T (reverse), so the
//    previous states of all steps are the T slots from 0 (forward) or 1 (reverse), one matrix;
//  - csave [T+1, B, H] (LSTM): the cell state likewise;
//  - rsave [T, B, H] (LSTM with projection): the cell output before the projection, zeros for
//    rows past their length;
//  - hhsave [T, B, 3H] (GRU): the recurrent products h W_hh^T + b_hh.
// The inference exports pass train = false, which folds every train-mode branch away.

/**
 * Train-mode lstm_recurrence: xproj is time-major ([T, B, 4H]) and receives the gates; hsave,
 * csave, rsave (0 without projection) as TrainSaves describes. Outputs and states are those of
 * lstm_recurrence, bit for bit.
 */
export function lstm_recurrence_train(
  xproj: usize, whh: usize, whr: usize, h: usize, c: usize, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, psize: i32, lengths: usize, reverse: i32, scratch: usize,
  hsave: usize, csave: usize, rsave: usize,
): void {
  recurrence(CELL_LSTM, xproj, batch * 4 * hsize, 4 * hsize, whh, 0, whr, h, psize, c, hsize, out, ots, obs, t_len, batch, hsize, psize, lengths, reverse, scratch, true, hsave, csave, rsave, 0, false);
}

/** Train-mode gru_recurrence: xproj time-major [T, B, 3H] receives the gates; hsave, hhsave as TrainSaves describes. */
export function gru_recurrence_train(
  xproj: usize, whh: usize, bhh: usize, h: usize, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize, hsave: usize, hhsave: usize,
): void {
  recurrence(CELL_GRU, xproj, batch * 3 * hsize, 3 * hsize, whh, bhh, 0, h, hsize, 0, 0, out, ots, obs, t_len, batch, hsize, hsize, lengths, reverse, scratch, true, hsave, 0, 0, hhsave, false);
}

/** Train-mode rnn_tanh_recurrence: xproj time-major [T, B, H]; hsave as TrainSaves describes. */
export function rnn_tanh_recurrence_train(
  xproj: usize, whh: usize, h: usize, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize, hsave: usize,
): void {
  recurrence(CELL_RNN_TANH, xproj, batch * hsize, hsize, whh, 0, 0, h, hsize, 0, 0, out, ots, obs, t_len, batch, hsize, hsize, lengths, reverse, scratch, true, hsave, 0, 0, 0, false);
}

/** Train-mode rnn_relu_recurrence (see rnn_tanh_recurrence_train). */
export function rnn_relu_recurrence_train(
  xproj: usize, whh: usize, h: usize, out: usize, ots: i32, obs: i32,
  t_len: i32, batch: i32, hsize: i32, lengths: usize, reverse: i32, scratch: usize, hsave: usize,
): void {
  recurrence(CELL_RNN_RELU, xproj, batch * hsize, hsize, whh, 0, 0, h, hsize, 0, 0, out, ots, obs, t_len, batch, hsize, hsize, lengths, reverse, scratch, true, hsave, 0, 0, 0, false);
}

// ---- streaming: one time step through a whole stack of unidirectional layers, one call ----

/** i32 slots per layer in a stack descriptor (see stack_step). */
export const STACK_SLOTS = 8;

/**
 * One time step through `layers` stacked unidirectional layers of one cell kind.
 * desc: per layer STACK_SLOTS i32s [wih, whh, whr, xbias, bhh, in_size, h, c]: packed weights
 *       (whr/xbias/bhh may be 0), the layer's input width, and its state blocks h [B, P],
 *       c [B, H] (updated in place).
 * x: [B, in_size of layer 0]; xproj: [B, G*H] scratch; scratch: recurrence_scratch_size floats;
 * out0 / out1: [B, P] ping-pong layer outputs. q8: the weights are qc8w blocks (int8); then
 * scratch is followed by B rows of the widest layer input in bytes (rounded up to 4) plus 16
 * bytes, where the inputs are quantized. Returns the pointer of the last layer's output.
 */
export function stack_step(
  cell: i32, desc: usize, layers: i32, x: usize, batch: i32, hsize: i32, psize: i32,
  xproj: usize, scratch: usize, out0: usize, out1: usize, q8: i32,
): usize {
  const gh = gates(cell) * hsize;
  let input = x;
  let out = out0;
  for (let l = 0; l < layers; l++) {
    const d = desc + (<usize>(l * STACK_SLOTS) << 2);
    const wih = <usize>load<i32>(d, 0);
    const whh = <usize>load<i32>(d, 4);
    const whr = <usize>load<i32>(d, 8);
    const xbias = <usize>load<i32>(d, 12);
    const bhh = <usize>load<i32>(d, 16);
    const inSize = load<i32>(d, 20);
    const h = <usize>load<i32>(d, 24);
    const c = <usize>load<i32>(d, 28);
    if (q8 != 0) {
      const qparams = scratch + (<usize>recurrence_scratch_size(cell, batch, hsize, psize) << 2);
      const qrows = qparams + 16;
      qd8_quantize_u7(qrows, input, batch, inSize, inSize, (inSize + 3) & ~3, qparams);
      qd8_f32_qc8w_gemm(xproj, qrows, qparams, wih, xbias, batch, gh, inSize, gh);
    } else {
      f32_gemm(xproj, input, wih, xbias, batch, gh, inSize, inSize, gh);
    }
    if (cell == CELL_LSTM) {
      lstm_recurrence(xproj, 0, gh, whh, whr, h, psize, c, hsize, out, 0, psize, 1, batch, hsize, psize, 0, 0, scratch, q8);
    } else if (cell == CELL_GRU) {
      gru_recurrence(xproj, 0, gh, whh, bhh, h, hsize, out, 0, psize, 1, batch, hsize, 0, 0, scratch, q8);
    } else if (cell == CELL_RNN_TANH) {
      rnn_tanh_recurrence(xproj, 0, gh, whh, h, hsize, out, 0, psize, 1, batch, hsize, 0, 0, scratch, q8);
    } else {
      rnn_relu_recurrence(xproj, 0, gh, whh, h, hsize, out, 0, psize, 1, batch, hsize, 0, 0, scratch, q8);
    }
    input = out;
    out = out == out0 ? out1 : out0;
  }
  return input;
}
