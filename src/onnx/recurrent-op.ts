/**
 * The ONNX LSTM / GRU / RNN operator around its two paths (recurrent.ts has the whole story): the
 * node's attributes read once, the fast path (recurrent-fast.ts) where the node allows it and
 * loading did not turn it off, and a general path given by the caller. An operator set without
 * the general path (SileroVad's, silero-ops.ts) ships no JS recurrence; a node or a run that would
 * need it is UNSUPPORTED there.
 */
import type { NodeFn, NodeContext } from './node.js';
import { makeFastPath } from './recurrent-fast.js';
import { type RecurrentAttrs, type RecurrentOpType, type RecurrentResult, type RecurrentRun, parseAttrs, validateRun } from './recurrent-node.js';

/**
 * Shapes of a node's Y and of its Y_h / Y_c from X's: [T, D, B, H] and [D, B, H], or [B, T, D, H]
 * and [B, D, H] in layout 1. Dims are numbers here, numbers or symbols in shape inference (infer.ts).
 */
export function recurrentOutputShapes<Dim>(x: readonly Dim[], dirs: number, hidden: Dim, layout: number): { y: (Dim | number)[]; state: (Dim | number)[] } {
  const [T, B] = layout ? [x[1], x[0]] : [x[0], x[1]];
  return layout ? { y: [B, T, dirs, hidden], state: [B, dirs, hidden] } : { y: [T, dirs, B, hidden], state: [dirs, B, hidden] };
}

/** The general path of a node: its runner, made once per node from its attributes. */
export type GeneralPath = (at: RecurrentAttrs) => (run: RecurrentRun) => RecurrentResult;

export function recurrentOpWith(kind: RecurrentOpType, general: GeneralPath | undefined): (ctx: NodeContext) => NodeFn {
  return (ctx) => {
    const at = parseAttrs(ctx, kind);
    const fast = ctx.fastPath ? makeFastPath(ctx, at) : undefined;
    if (!fast && !general) {
      throw ctx.error('UNSUPPORTED', `${kind} with these attributes or non-constant weights needs the general path, which this operator set leaves out (load the model with loadOnnx)`);
    }
    const slow = general?.(at);
    ctx.recurrentPath = fast ? 'fast' : 'general';
    const nOut = ctx.node.outputs.length;
    if (nOut > (kind === 'LSTM' ? 3 : 2)) throw ctx.error('INVALID_FORMAT', `${kind} has at most ${kind === 'LSTM' ? 3 : 2} outputs, got ${nOut}`);
    const kernel: NodeFn = (ins) => {
      const run = validateRun(ctx, at, ins);
      const res = (fast && fast(run)) || slow?.(run);
      if (!res) throw ctx.error('UNSUPPORTED', `${kind}: this run (sequence_lens with a 0, or weights that are not the node's constants) needs the general path, which this operator set leaves out (load the model with loadOnnx)`);
      return [res.Y, res.Yh, res.Yc];
    };
    if (fast) kernel.prepare = (types) => fast.prepare(types, nOut);
    // Y [T, D, B, H] / [B, T, D, H] (layout 1), Y_h and Y_c [D, B, H] / [B, D, H].
    kernel.inferShapes = ([x, , r]) => {
      if (x?.dtype !== 'float32' || x.shape.length !== 3 || r === undefined || r.shape.length !== 3) return [undefined, undefined, undefined];
      const { y, state } = recurrentOutputShapes(x.shape, at.dirs.length, at.hiddenSize ?? r.shape[2], at.layout);
      const yh = { dtype: 'float32' as const, shape: state };
      return [{ dtype: 'float32', shape: y }, yh, kind === 'LSTM' ? yh : undefined];
    };
    return kernel;
  };
}

/** The operator with the fast path only (see the module comment). */
export function fastRecurrentOp(kind: RecurrentOpType): (ctx: NodeContext) => NodeFn {
  return recurrentOpWith(kind, undefined);
}
