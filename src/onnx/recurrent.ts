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
import { makeFastPath } from './recurrent-fast.js';
import {
  type RecurrentAttrs, type RecurrentOpType, type RecurrentResult, type RecurrentRun,
  canonicalParams, canonicalPeepholes, familyOf, parseAttrs, recurrentOutputs, validateRun,
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

export function recurrentOp(kind: RecurrentOpType, allowFast = true): (ctx: NodeContext) => NodeFn {
  return (ctx) => {
    const at = parseAttrs(ctx, kind);
    const fast = allowFast ? makeFastPath(ctx, at) : undefined;
    const equations = equationsCache(at);
    ctx.recurrentPath = fast ? 'fast' : 'general';
    const nOut = ctx.node.outputs.length;
    if (nOut > (kind === 'LSTM' ? 3 : 2)) throw ctx.error('INVALID_FORMAT', `${kind} has at most ${kind === 'LSTM' ? 3 : 2} outputs, got ${nOut}`);
    const kernel: NodeFn = (ins) => {
      const run = validateRun(ctx, at, ins);
      const res = (fast && fast(run)) || runGeneral(at, run, equations(run));
      return [res.Y, res.Yh, res.Yc];
    };
    if (fast) kernel.prepare = (types) => fast.prepare(types, nOut);
    // Y [T, D, B, H] / [B, T, D, H] (layout 1), Y_h and Y_c [D, B, H] / [B, D, H].
    kernel.inferShapes = ([x, , r]) => {
      if (x?.dtype !== 'float32' || x.shape.length !== 3 || r === undefined || r.shape.length !== 3) return [undefined, undefined, undefined];
      const [T, B] = at.layout ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
      const D = at.dirs.length;
      const H = at.hiddenSize ?? r.shape[2];
      const state = { dtype: 'float32' as const, shape: at.layout ? [B, D, H] : [D, B, H] };
      return [{ dtype: 'float32', shape: at.layout ? [B, T, D, H] : [T, D, B, H] }, state, kind === 'LSTM' ? state : undefined];
    };
    return kernel;
  };
}
