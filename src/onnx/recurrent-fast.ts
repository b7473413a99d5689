/**
 * Fast path of ONNX LSTM / GRU / RNN: when a node computes exactly what a PyTorch layer computes
 * (see torchCompatible) and its weights are constants, they are converted once at load into a
 * wasm-rnn core layer (gate rows reordered from ONNX to PyTorch order) and every run calls it.
 * `direction=reverse` runs a unidirectional layer on the per-item time-reversed input.
 */
import type { Tensor } from '../../base/tensor.js';
import { recurrentFromStateDict } from '../layers/index.js';
import type { NodeContext } from './node.js';
import type { RecurrentAttrs, RecurrentResult, RecurrentRun } from './recurrent.js';
import type { RecurrentState } from '../layers/index.js';
import { allocData } from './values.js';
import { swap01, torchCompatible } from './recurrent.js';
import type { OTensor } from './values.js';

/** PyTorch gate block k = ONNX gate block ORDER[k]. */
const ORDER = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2], RNN: [0] } as const;

function reorderRows(src: Float32Array, order: readonly number[], H: number, cols: number): Float32Array {
  const out = new Float32Array(order.length * H * cols);
  order.forEach((o, k) => out.set(src.subarray(o * H * cols, (o + 1) * H * cols), k * H * cols));
  return out;
}

function constFloat(t: OTensor | undefined): Float32Array | undefined {
  return t && t.dtype === 'float32' ? (t.data as Float32Array) : undefined;
}

export type FastPath = (run: RecurrentRun) => RecurrentResult | undefined;

export function makeFastPath(ctx: NodeContext, at: RecurrentAttrs): FastPath | undefined {
  if (!torchCompatible(at)) return undefined;
  const inputs = ctx.node.inputs;
  const c = ctx.constInputs;
  const W = c[1];
  const R = c[2];
  const hasB = (inputs[3] ?? '') !== '';
  const hasP = at.kind === 'LSTM' && (inputs[7] ?? '') !== '';
  if (!W || !R || (hasB && !c[3]) || (hasP && !c[7])) return undefined;
  const w = constFloat(W);
  const r = constFloat(R);
  const bias = hasB ? constFloat(c[3]) : undefined;
  if (!w || !r || (hasB && !bias)) return undefined;
  if (hasP) {
    const p = constFloat(c[7]);
    if (!p || p.some((v) => v !== 0)) return undefined;
  }
  const D = at.dirs.length;
  const G = at.gates;
  if (W.shape.length !== 3 || R.shape.length !== 3) return undefined;
  const H = at.hiddenSize ?? R.shape[2];
  const I = W.shape[2];
  if (W.shape[0] !== D || W.shape[1] !== G * H || R.shape[0] !== D || R.shape[1] !== G * H || R.shape[2] !== H) return undefined;
  if (bias && (c[3]!.shape.length !== 2 || c[3]!.shape[0] !== D || c[3]!.shape[1] !== 2 * G * H)) return undefined;

  const order = ORDER[at.kind];
  const GH = G * H;
  const dict: Record<string, Tensor> = {};
  for (let d = 0; d < D; d++) {
    const sfx = d === 1 ? '_reverse' : '';
    dict[`weight_ih_l0${sfx}`] = { data: reorderRows(w.subarray(d * GH * I, (d + 1) * GH * I), order, H, I), shape: [GH, I] };
    dict[`weight_hh_l0${sfx}`] = { data: reorderRows(r.subarray(d * GH * H, (d + 1) * GH * H), order, H, H), shape: [GH, H] };
    if (bias) {
      dict[`bias_ih_l0${sfx}`] = { data: reorderRows(bias.subarray(d * 2 * GH, d * 2 * GH + GH), order, H, 1), shape: [GH] };
      dict[`bias_hh_l0${sfx}`] = { data: reorderRows(bias.subarray(d * 2 * GH + GH, (d + 1) * 2 * GH), order, H, 1), shape: [GH] };
    }
  }
  const reverseOnly = D === 1 && at.dirs[0] === 'reverse';
  const batchFirst = at.layout === 1;
  const opts = { inputSize: I, hiddenSize: H, numLayers: 1, bias: bias !== undefined, batchFirst, bidirectional: D === 2 };
  const cell = at.kind === 'LSTM' ? 'lstm' : at.kind === 'GRU' ? 'gru' : at.acts[0][0].name === 'relu' ? 'rnn_relu' : 'rnn_tanh';
  // The wasm layer is built (weights packed) at the node's first run, so a branch that never
  // runs (Silero's 8 kHz half when fed 16 kHz) costs no packing; its weights were checked above.
  let layer: ReturnType<typeof recurrentFromStateDict> | undefined;
  // One time step (a streaming model's frame) runs as a layer step on this state: one wasm call
  // instead of forward's workspace set-up, and bitwise the same result (tested).
  let stepState: RecurrentState | undefined;
  // A disposed model's kernels never run again (OnnxModel.run throws DISPOSED first).
  ctx.resources.push({
    dispose() {
      stepState?.dispose();
      layer?.dispose();
      stepState = undefined;
      layer = undefined;
    },
  });

  const oneStep = (run: RecurrentRun): RecurrentResult => {
    const { B } = run;
    if (stepState === undefined || stepState.batch !== B) {
      stepState?.dispose();
      stepState = layer!.createState({ batch: B });
    }
    const lstm = at.kind === 'LSTM';
    // Zeros where no initial state is given; [1, B, H] and [B, 1, H] (layout 1) hold the same
    // bytes for one direction.
    if (!run.h0 || (lstm && !run.c0)) stepState.reset();
    if (run.h0) stepState.set({ data: run.h0, shape: [1, B, H] }, run.c0 && { data: run.c0, shape: [1, B, H] });
    else if (run.c0) {
      const zeros = new Float32Array(B * H);
      stepState.set({ data: zeros, shape: [1, B, H] }, { data: run.c0, shape: [1, B, H] });
    }
    const y = layer!.step({ data: run.X, shape: [B, I] }, stepState).data;
    const Y = allocData('float32', y.length) as Float32Array;
    Y.set(y);
    const h = allocData('float32', B * H) as Float32Array;
    const c = lstm ? (allocData('float32', B * H) as Float32Array) : undefined;
    stepState.copyTo(h, c);
    const stateShape = batchFirst ? [B, 1, H] : [1, B, H];
    return {
      Y: { dtype: 'float32', data: Y, shape: batchFirst ? [B, 1, 1, H] : [1, 1, B, H] },
      Yh: { dtype: 'float32', data: h, shape: stateShape },
      Yc: c && { dtype: 'float32', data: c, shape: stateShape.slice() },
    };
  };

  return (run) => {
    layer ??= recurrentFromStateDict(cell, dict, opts);
    const { T, B } = run;
    if (run.W !== w || run.R !== r || T < 1 || B < 1 || run.I !== I || run.H !== H) return undefined;
    if (run.lens && run.lens.some((l) => l === 0)) return undefined; // onnxruntime semantics for 0 in the general path
    const lens = run.lens && run.lens.every((l) => l === T) ? undefined : run.lens;
    const at3 = (t: number, b: number) => (batchFirst ? b * T + t : t * B + b) * I;
    if (T === 1 && D === 1 && !reverseOnly && lens === undefined) return oneStep(run);
    let x = run.X;
    if (reverseOnly) x = reverseTime(x, T, B, I, lens, at3);
    const res = layer.forward(
      { data: x, shape: batchFirst ? [B, T, I] : [T, B, I] },
      {
        h0: run.h0 && { data: run.h0, shape: [D, B, H] },
        c0: run.c0 && { data: run.c0, shape: [D, B, H] },
        lengths: lens,
      },
    );
    let out = res.output.data; // [T, B, D*H] or [B, T, D*H]
    if (reverseOnly) out = reverseTime(out, T, B, H, lens, (t, b) => (batchFirst ? b * T + t : t * B + b) * H);
    const hN = res.h.data;
    const cN = res.c?.data;
    if (batchFirst) {
      return {
        Y: { dtype: 'float32', data: out, shape: [B, T, D, H] },
        Yh: { dtype: 'float32', data: swap01(hN, D, B, H), shape: [B, D, H] },
        Yc: cN && { dtype: 'float32', data: swap01(cN, D, B, H), shape: [B, D, H] },
      };
    }
    // [T, B, D, H] -> [T, D, B, H]: the same bytes when B or D is 1.
    let Y = out;
    if (B > 1 && D > 1) {
      Y = new Float32Array(out.length);
      for (let t = 0; t < T; t++) Y.set(swap01(out.subarray(t * B * D * H, (t + 1) * B * D * H), B, D, H), t * B * D * H);
    }
    return {
      Y: { dtype: 'float32', data: Y, shape: [T, D, B, H] },
      Yh: { dtype: 'float32', data: hN, shape: [D, B, H] },
      Yc: cN && { dtype: 'float32', data: cN, shape: [D, B, H] },
    };
  };
}

/** Reverses each item's first L steps in time (L = lens[b] or T); steps past L are zero. */
function reverseTime(src: Float32Array, T: number, B: number, F: number, lens: Int32Array | undefined, off: (t: number, b: number) => number): Float32Array {
  const out = new Float32Array(src.length);
  for (let b = 0; b < B; b++) {
    const L = lens ? lens[b] : T;
    for (let t = 0; t < L; t++) {
      const s = off(L - 1 - t, b);
      out.set(src.subarray(s, s + F), off(t, b));
    }
  }
  return out;
}
