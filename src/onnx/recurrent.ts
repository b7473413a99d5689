/**
 * ONNX LSTM / GRU / RNN (opset 7-21, `layout` from 14): the operator factory and its general path.
 *
 * Two paths, chosen per node at load:
 *  - FAST: the attribute set PyTorch uses (default activations, no clip, no input_forget, no or
 *    all-zero peepholes, GRU linear_before_reset=1) with constant weights -> the wasm kernels
 *    (recurrent-fast.ts).
 *  - GENERAL: everything else: the ONNX equations on the JS recurrence (base/js-recurrence.ts,
 *    its rounding model there), with the node's activations resolved once at load and its
 *    weights in canonical form (recurrent-node.ts).
 */
import { runRecurrenceJs, type CellEquations } from '../../base/js-recurrence.js';
import type { NodeFn, NodeContext } from './node.js';
import { recurrentOpWith } from './recurrent-op.js';
import {
  type RecurrentAttrs, type RecurrentOpType, type RecurrentResult, type RecurrentRun,
  canonicalParams, canonicalPeepholes, familyOf, recurrentOutputs,
} from './recurrent-node.js';

/**
 * The equations of every direction for the weights of `r`; remembered for the last weights seen,
 * so a node whose weights are constants converts them once.
 */
function equationsCache(at: RecurrentAttrs): (r: RecurrentRun) => CellEquations[] {
  let key: unknown[] = [];
  let cached: CellEquations[] = [];
  return (r) => {
    const now = [r.W, r.R, r.Bias, r.P, r.H, r.I];
    if (now.every((v, i) => v === key[i])) return cached;
    cached = at.dirs.map((_, d) => {
      const [f, g, h] = at.acts[d].map((a) => a.fn);
      return {
        family: familyOf(at.kind),
        hiddenSize: r.H,
        inputSize: r.I,
        params: canonicalParams(at.kind, r.W, r.R, r.Bias, d, r.H, r.I),
        gate: f,
        candidate: at.kind === 'RNN' ? f : g,
        output: h ?? f,
        clip: at.clip,
        inputForget: at.inputForget,
        peepholes: r.P ? canonicalPeepholes(r.P, d, r.H) : null,
        resetAfter: at.linearBeforeReset,
      };
    });
    key = now;
    return cached;
  };
}

/** The general path: the ONNX equations, for every attribute combination. */
function runGeneral(at: RecurrentAttrs, r: RecurrentRun, cells: CellEquations[]): RecurrentResult {
  const { T, B, I, H, D, X, lens, h0, c0 } = r;
  const Y = new Float32Array(T * D * B * H);
  // Y_h / Y_c in the node's layout: [D, B, H], or [B, D, H] for layout 1
  const Yh = new Float32Array(D * B * H);
  const Yc = at.kind === 'LSTM' ? new Float32Array(D * B * H) : undefined;
  if (h0) Yh.set(h0);
  if (c0 && Yc) Yc.set(c0);
  const layout1 = at.layout === 1;
  const stateAt = (d: number, b: number) => (layout1 ? (b * D + d) * H : (d * B + b) * H);
  for (let d = 0; d < D; d++) {
    runRecurrenceJs(cells[d], {
      T,
      B,
      x: X,
      xTimeStride: layout1 ? I : B * I,
      xBatchStride: layout1 ? T * I : I,
      // Y is [B, T, D, H] (layout 1) or [T, D, B, H]
      out: Y,
      outOffset: layout1 ? d * H : d * B * H,
      outTimeStride: layout1 ? D * H : D * B * H,
      outBatchStride: layout1 ? T * D * H : H,
      h: Yh,
      c: Yc ?? null,
      stateOffset: stateAt(d, 0),
      stateBatchStride: layout1 ? D * H : H,
      reverse: at.dirs[d] === 'reverse',
      lengths: lens,
      masked: 'zero',
    });
  }
  // A sequence of length 0 leaves Y zero and Y_h / Y_c at zero (as onnxruntime).
  if (lens) {
    for (let b = 0; b < B; b++) {
      if (lens[b] !== 0) continue;
      for (let d = 0; d < D; d++) {
        Yh.fill(0, stateAt(d, b), stateAt(d, b) + H);
        Yc?.fill(0, stateAt(d, b), stateAt(d, b) + H);
      }
    }
  }
  return recurrentOutputs(at, r, Y, Yh, Yc);
}

/** The LSTM / GRU / RNN operator with both paths: the fast one where the node allows it, else the general one. */
export function recurrentOp(kind: RecurrentOpType): (ctx: NodeContext) => NodeFn {
  return recurrentOpWith(kind, (at) => {
    const equations = equationsCache(at);
    return (run) => runGeneral(at, run, equations(run));
  });
}
