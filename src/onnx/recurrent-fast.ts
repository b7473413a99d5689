/**
 * Fast path of ONNX LSTM / GRU / RNN: when a node computes exactly what a PyTorch layer computes
 * (torchCompatible) and its weights are constants, they become a model spec and its canonical
 * parameters once at load, packed into wasm memory at the node's first run
 * (PackedRecurrent.fromParams), and every run is one bindings call. `direction=reverse`, the
 * [T, D, B, H] and [B, T, D, H] layouts are arguments of that call (strides of the wasm driver).
 */
import type { RecurrentSpec } from '../../base/spec.js';
import { PackedRecurrent, StreamState } from '../../bindings/recurrent.js';
import { runtime } from '../../bindings/wasm.js';
import type { NodeContext } from './node.js';
import { allocData, type OTensor } from './values.js';
import {
  type RecurrentAttrs, type RecurrentResult, type RecurrentRun, canonicalParams, recurrentOutputs, torchCompatible,
} from './recurrent-node.js';

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

  const spec: RecurrentSpec = {
    cell: at.kind === 'LSTM' ? 'lstm' : at.kind === 'GRU' ? 'gru' : at.acts[0][0].name === 'relu' ? 'rnn_relu' : 'rnn_tanh',
    inputSize: I,
    hiddenSize: H,
    projSize: 0,
    numLayers: 1,
    numDirections: D as 1 | 2,
    bias: bias !== undefined,
  };
  const params = Array.from({ length: D }, (_, d) => canonicalParams(at.kind, w, r, bias, d, H, I));
  const reverseOnly = D === 1 && at.dirs[0] === 'reverse';
  const batchFirst = at.layout === 1;
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

  const oneStep = (run: RecurrentRun, p: PackedRecurrent): RecurrentResult => {
    const { B } = run;
    if (stream === undefined || stream.batch !== B) {
      stream?.dispose();
      stream = new StreamState(runtime(), p, B);
    }
    // Zeros where no initial state is given; [1, B, H] and [B, 1, H] (layout 1) hold the same
    // bytes for one direction.
    if (!run.h0 || (at.kind === 'LSTM' && !run.c0)) stream.reset();
    if (run.h0) stream.setH(run.h0);
    if (run.c0) stream.setC(run.c0);
    const y = stream.step(run.X);
    const Y = allocData('float32', y.length) as Float32Array;
    Y.set(y);
    const h = allocData('float32', B * H) as Float32Array;
    const cN = at.kind === 'LSTM' ? (allocData('float32', B * H) as Float32Array) : undefined;
    stream.copyTo(h, cN);
    return recurrentOutputs(at, run, Y, h, cN);
  };

  return (run) => {
    packed ??= PackedRecurrent.fromParams(spec, params);
    const { T, B } = run;
    if (run.W !== w || run.R !== r || T < 1 || B < 1 || run.I !== I || run.H !== H) return undefined;
    if (run.lens && run.lens.some((l) => l === 0)) return undefined; // onnxruntime semantics for 0 in the general path
    const lengths = run.lens && run.lens.every((l) => l === T) ? undefined : run.lens;
    // one step: a reverse-only direction runs it as a forward one
    if (T === 1 && D === 1 && lengths === undefined) return oneStep(run, packed);
    const res = packed.run(run.X, T, B, {
      batchFirst,
      order: batchFirst ? 'BTD' : 'TDB',
      reverse: reverseOnly,
      h0: run.h0,
      c0: run.c0,
      lengths,
      into: allocData('float32', T * B * D * H) as Float32Array,
    });
    return recurrentOutputs(at, run, res.output, res.h, res.c ?? undefined);
  };
}
