/**
 * Fast path of ONNX LSTM / GRU / RNN: when a node computes exactly what a PyTorch layer computes
 * (torchCompatible) and its weights are constants, they become a model spec at load and are
 * packed into wasm memory at the node's first run (PackedRecurrent.fromParams, which puts ONNX's
 * gate blocks in the canonical order as it packs: no reordered copy), and every run is one
 * bindings call. `direction=reverse`, the
 * [T, D, B, H] and [B, T, D, H] layouts and layout 1's [B, D, H] states are arguments of that call
 * (strides of the wasm driver).
 */
import type { RecurrentSpec } from '../../base/spec.js';
import { PackedRecurrent, StreamState } from '../../bindings/recurrent.js';
import type { NodeContext, PreparedNode, ValueType } from './node.js';
import { allocData, sameShape, type OTensor } from './values.js';
import {
  type RecurrentAttrs, type RecurrentResult, type RecurrentRun, ORDER, onnxOrderParams, recurrentOutputs, torchCompatible,
} from './recurrent-node.js';

function constFloat(t: OTensor | undefined): Float32Array | undefined {
  return t && t.dtype === 'float32' ? (t.data as Float32Array) : undefined;
}

export interface FastPath {
  (run: RecurrentRun): RecurrentResult | undefined;
  /**
   * The node prepared for a static plan (input types `types`, the node's `outputs` count): Y, Y_h
   * (and Y_c) written straight from the wasm run, allocating nothing. Undefined where the general
   * path would be needed (sequence_lens, weights other than the constants).
   */
  prepare(types: readonly (ValueType | undefined)[], outputs: number): PreparedNode | undefined;
}

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

  const spec: RecurrentSpec = {
    cell: at.kind === 'LSTM' ? 'lstm' : at.kind === 'GRU' ? 'gru' : at.acts[0][0].name === 'relu' ? 'rnn_relu' : 'rnn_tanh',
    inputSize: I,
    hiddenSize: H,
    projSize: 0,
    numLayers: 1,
    numDirections: D as 1 | 2,
    bias: bias !== undefined,
  };
  // packed when the node first runs (see below): the weights as the node holds them (views, ONNX's
  // gate order), put in the canonical order by the packer
  const pack = () => PackedRecurrent.fromParams(spec, Array.from({ length: D }, (_, d) => onnxOrderParams(w, r, bias, d, G, H, I)), undefined, ctx.weights, ORDER[at.kind]);
  const reverseOnly = D === 1 && at.dirs[0] === 'reverse';
  const batchFirst = at.layout === 1;
  // Y [B, T, D, H] and states [B, D, H] for layout 1, else [T, D, B, H] and [D, B, H]
  const layoutOptions = { batchFirst, order: batchFirst ? 'BTD' : 'TDB', stateBatchFirst: batchFirst, reverse: reverseOnly } as const;
  // Packed at the node's first run, so a branch that never runs (Silero's 8 kHz half when fed
  // 16 kHz) costs no packing; its weights were checked above.
  let packed: PackedRecurrent | undefined;
  // One time step (a streaming model's frame) runs as a streaming step on this state: one wasm
  // call instead of run's workspace set-up, and bitwise the same result (tested).
  let stream: StreamState | undefined;
  // A disposed model's kernels never run again (OnnxModel.run throws DISPOSED first).
  ctx.resources.push({
    dispose() {
      stream?.dispose();
      packed?.dispose();
      stream = undefined;
      packed = undefined;
    },
  });

  /**
   * One time step of one direction on the kept stream state: h0 / c0 in (zeros where null), y,
   * h (and c) out. [1, B, H] and [B, 1, H] (layout 1) hold the same bytes for one direction.
   */
  const stepInto = (B: number, x: Float32Array, h0: Float32Array | null, c0: Float32Array | null, y: Float32Array, h: Float32Array, cN: Float32Array | undefined): void => {
    const s = streamFor(B);
    if (!h0 || (at.kind === 'LSTM' && !c0)) s.reset();
    if (h0) s.setH(h0);
    if (c0) s.setC(c0);
    y.set(s.step(x));
    s.copyTo(h, cN);
  };

  const oneStep = (run: RecurrentRun): RecurrentResult => {
    const { B } = run;
    const Y = allocData('float32', B * H) as Float32Array;
    const h = allocData('float32', B * H) as Float32Array;
    const cN = at.kind === 'LSTM' ? (allocData('float32', B * H) as Float32Array) : undefined;
    stepInto(B, run.X, run.h0 ?? null, run.c0 ?? null, Y, h, cN);
    return recurrentOutputs(at, run, Y, h, cN);
  };

  const streamFor = (B: number): StreamState => {
    packed ??= pack();
    if (stream === undefined || stream.batch !== B) {
      stream?.dispose();
      stream = new StreamState(packed.runtime, packed, B);
    }
    return stream;
  };

  const prepare: FastPath['prepare'] = (types, outputs) => {
    const [x, wt, rt, bt, lens, h0, c0, p] = types as readonly (Partial<OTensor> | undefined)[];
    if (x?.dtype !== 'float32' || x.shape?.length !== 3 || wt?.data !== w || rt?.data !== r || lens !== undefined) return undefined;
    if ((bias !== undefined) !== (bt !== undefined) || (bt !== undefined && bt.data !== bias) || (p !== undefined && p.data !== c[7]?.data)) return undefined;
    const [T, B] = at.layout ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    if (T < 1 || B < 1 || x.shape[2] !== I) return undefined;
    const stateShape = at.layout ? [B, D, H] : [D, B, H];
    const isState = (t: Partial<OTensor> | undefined) => t === undefined || (t.dtype === 'float32' && sameShape(t.shape!, stateShape));
    if (!isState(h0) || !isState(c0)) return undefined;
    const lstm = at.kind === 'LSTM';
    const types3: ValueType[] = [
      { dtype: 'float32', shape: at.layout ? [B, T, D, H] : [T, D, B, H] },
      { dtype: 'float32', shape: stateShape },
      { dtype: 'float32', shape: stateShape },
    ];
    const step = T === 1 && D === 1;
    // the final states go to the node's outputs, or here when the node does not return them
    const spareH = new Float32Array(outputs > 1 ? 0 : D * B * H);
    const spareC = new Float32Array(lstm && outputs <= 2 ? D * B * H : 0);
    return {
      outputs: types3.slice(0, outputs),
      run(ins, outs) {
        const y = outs[0].data as Float32Array;
        const h = outputs > 1 ? (outs[1].data as Float32Array) : spareH;
        const cN = lstm ? (outputs > 2 ? (outs[2].data as Float32Array) : spareC) : null;
        const h0v = (ins[5]?.data as Float32Array | undefined) ?? null;
        const c0v = lstm ? ((ins[6]?.data as Float32Array | undefined) ?? null) : null;
        if (step) return stepInto(B, ins[0]!.data as Float32Array, h0v, c0v, y, h, cN ?? undefined);
        packed ??= pack();
        const prepared = packed.prepareRun(T, B, layoutOptions);
        prepared.run(ins[0]!.data as Float32Array, h0v, c0v, null, y, h, cN);
      },
    };
  };

  const fast = (run: RecurrentRun): RecurrentResult | undefined => {
    packed ??= pack();
    const { T, B } = run;
    if (run.W !== w || run.R !== r || T < 1 || B < 1 || run.I !== I || run.H !== H) return undefined;
    if (run.lens && run.lens.some((l) => l === 0)) return undefined; // onnxruntime semantics for 0 in the general path
    const lengths = run.lens && run.lens.every((l) => l === T) ? undefined : run.lens;
    // one step: a reverse-only direction runs it as a forward one
    if (T === 1 && D === 1 && lengths === undefined) return oneStep(run);
    const res = packed.run(run.X, T, B, {
      ...layoutOptions,
      h0: run.h0,
      c0: run.c0,
      lengths,
      into: allocData('float32', T * B * D * H) as Float32Array,
    });
    return recurrentOutputs(at, run, res.output, res.h, res.c ?? undefined);
  };
  return Object.assign(fast, { prepare });
}
