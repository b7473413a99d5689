/**
 * Training of a packed recurrent stack: the train-mode forward that keeps what back-propagation
 * through time needs, the backward, and the gradient blocks (bindings/trainable.ts).
 *
 * Train mode runs every layer time-major inside wasm memory (a batch-first input is reordered
 * once on the way in; the rows' results do not depend on their order, so the outputs are bitwise
 * those of inference) and keeps, per layer-direction, the activated gates of every step, the
 * states before and after every step and (GRU) the recurrent products (docs/training.md,
 * "Recurrent backward"). The backward then makes, per layer-direction, one wasm call for the
 * whole reversed time loop (assembly/recurrence-backward.ts) and one GEMM each for the weight
 * gradients (into the gradient blocks, accumulating) and the input gradient. Gradients of the
 * weights are kept in the weights' own packed layout, so an optimizer updates value and gradient
 * blocks with one elementwise loop.
 */
import type { WasmRuntime } from './wasm.js';
import type { PackedRecurrent, RunResult } from './recurrent.js';
import { Workspace, layoutRegions } from './workspace.js';
import { WasmBlocks, type Disposable, disposeWhenCollected, cancelDisposeWhenCollected } from './ownership.js';
import { cellId } from './kernels.js';
import { panelsLength, unpackPanels, type PanelWidth } from './panels.js';
import type { ParamBlock } from './trainable.js';
import { RnnError } from '../base/errors.js';
import { type LayerDirParams, gateCount, outputSize, layerInputSize, parameterShapes } from '../base/spec.js';

/** The gradient blocks of one layer-direction, in the layout of its values (0: absent). */
interface GradBlocks {
  wih: number;
  whh: number;
  whr: number;
  bih: number;
  bhh: number;
}

export interface TrainRunOptions {
  /** x is [B, T, I] and the output [B, T, D*P] (else time-major). */
  batchFirst: boolean;
  h0: Float32Array | null;
  c0: Float32Array | null;
  lengths: Int32Array | null;
  into: Float32Array | null;
}

export interface BackwardResult {
  /** Gradient of x, in x's layout. */
  dx: Float32Array;
  /** [L*D, B, P] */
  dh0: Float32Array;
  /** [L*D, B, H] (LSTM) */
  dc0: Float32Array | null;
}

/** Byte offsets (from the workspace start) of a train-mode run's regions. */
interface ForwardLayout {
  x: number;
  inner: number;
  last: number;
  gates: number;
  hsave: number;
  csave: number;
  rsave: number;
  hhsave: number;
  scratch: number;
  h: number;
  c: number;
  lengths: number;
  bytes: number;
}

/** What the last train-mode forward left for its backward. */
interface Recorded {
  tLen: number;
  batch: number;
  batchFirst: boolean;
  lengths: Int32Array | null;
  version: number;
  layout: ForwardLayout;
  consumed: boolean;
}

/** Floats a train-mode run keeps per layer-direction and time step, by kind (docs/training.md). */
export function keptFloatsPerStep(packed: PackedRecurrent, batch: number): number {
  const { cell, hiddenSize: hs, projSize } = packed.spec;
  const gh = gateCount(cell) * hs;
  const ps = outputSize(packed.spec);
  let per = gh + ps; // gates, state h
  if (cell === 'lstm') per += hs; // cell state c
  if (projSize > 0) per += hs; // cell output before the projection
  if (cell === 'gru') per += gh; // recurrent products
  return per * batch;
}

export class RecurrentTrainer implements Disposable {
  private readonly rt: WasmRuntime;
  private readonly grads: GradBlocks[] = [];
  private readonly memory: WasmBlocks;
  private readonly ws: Workspace;
  private readonly bws: Workspace;
  private readonly freeWorkspaces: Disposable;
  private record: Recorded | null = null;

  constructor(private readonly packed: PackedRecurrent, rt: WasmRuntime) {
    this.rt = rt;
    this.memory = new WasmBlocks(rt, this);
    const ws = new Workspace(rt);
    const bws = new Workspace(rt);
    this.ws = ws;
    this.bws = bws;
    this.freeWorkspaces = { dispose: () => (ws.free(), bws.free()) };
    disposeWhenCollected(this, this.freeWorkspaces);
    const spec = packed.spec;
    const gh = gateCount(spec.cell) * spec.hiddenSize;
    const ps = outputSize(spec);
    try {
      for (let i = 0; i < spec.numLayers * spec.numDirections; i++) {
        const p = packed.layerDir(i);
        const inSize = layerInputSize(spec, Math.floor(i / spec.numDirections));
        const block = (floats: number, what: string) => {
          const ptr = this.memory.alloc(floats * 4, `gradient of ${what}`);
          rt.f32(ptr, floats).fill(0);
          return ptr;
        };
        this.grads.push({
          wih: block(panelsLength(gh, inSize, 8), 'weight_ih'),
          whh: block(panelsLength(gh, ps, p.whhPanel), 'weight_hh'),
          whr: spec.projSize > 0 ? block(panelsLength(spec.projSize, spec.hiddenSize, 8), 'weight_hr') : 0,
          bih: spec.bias ? block(gh, 'bias_ih') : 0,
          bhh: spec.bias ? block(gh, 'bias_hh') : 0,
        });
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Every parameter with its gradient block, in PyTorch's order (named_parameters()). */
  parameters(): ParamBlock[] {
    const spec = this.packed.spec;
    const rt = this.rt;
    const gh = gateCount(spec.cell) * spec.hiddenSize;
    const out: ParamBlock[] = [];
    for (let l = 0; l < spec.numLayers; l++) {
      for (let d = 0; d < spec.numDirections; d++) {
        const i = l * spec.numDirections + d;
        const p = this.packed.layerDir(i);
        const g = this.grads[i];
        for (const [field, name, shape] of parameterShapes(spec, l, d)) {
          const [valuePtr, gradPtr, nr] = this.blocksOf(field, p, g, gh);
          const [n, k] = shape.length === 2 ? shape : [shape[0], 1];
          const length = nr ? panelsLength(n, k, nr) : n;
          const read = (ptr: number) => (nr ? unpackPanels(rt, ptr, n, k, nr) : rt.f32(ptr, n).slice());
          out.push({ runtime: rt, name, shape: [...shape], valuePtr, gradPtr, length, readValue: () => read(valuePtr), readGrad: () => read(gradPtr) });
        }
      }
    }
    return out;
  }

  /** [value, gradient, panel width (0: a plain array)] of a parameter. */
  private blocksOf(field: keyof LayerDirParams, p: ReturnType<PackedRecurrent['layerDir']>, g: GradBlocks, gh: number): [number, number, PanelWidth | 0] {
    switch (field) {
      case 'wih':
        return [p.wih, g.wih, 8];
      case 'whh':
        return [p.whh, g.whh, p.whhPanel];
      case 'whr':
        return [p.whr, g.whr, 8];
      case 'bih':
        return [p.biases, g.bih, 0];
      case 'bhh':
        return [p.biases + gh * 4, g.bhh, 0];
    }
  }

  zeroGrad(): void {
    for (const b of this.parameters()) this.rt.f32(b.gradPtr, b.length).fill(0);
  }

  /** The regions of a train-mode run of T steps of `batch` rows. */
  private layout(tLen: number, batch: number): ForwardLayout {
    const spec = this.packed.spec;
    const { cell, hiddenSize: hs, numLayers: nl, numDirections: nd, inputSize } = spec;
    const ps = outputSize(spec);
    const gh = gateCount(cell) * hs;
    const rows = tLen * batch;
    const lds = nl * nd;
    const { offsets, bytes } = layoutRegions([
      rows * inputSize, // x, time-major
      (nl - 1) * rows * nd * ps, // the inner layers' outputs, time-major
      rows * nd * ps, // the last layer's output, in the caller's layout
      lds * rows * gh, // gates
      lds * (tLen + 1) * batch * ps, // hsave
      cell === 'lstm' ? lds * (tLen + 1) * batch * hs : 0, // csave
      spec.projSize > 0 ? lds * rows * hs : 0, // rsave
      cell === 'gru' ? lds * rows * gh : 0, // hhsave
      this.rt.exports.recurrence_scratch_size(cellId(this.rt.constants, cell), batch, hs, ps),
      lds * batch * ps, // h
      cell === 'lstm' ? lds * batch * hs : 0, // c
      batch, // lengths
    ]);
    const [x, inner, last, gates, hsave, csave, rsave, hhsave, scratch, h, c, lengths] = offsets;
    return { x, inner, last, gates, hsave, csave, rsave, hhsave, scratch, h, c, lengths, bytes };
  }

  /**
   * Runs the stack like PackedRecurrent.run (the same output, h and c) and keeps what backward()
   * needs. The caller has validated the inputs.
   */
  forward(x: Float32Array, tLen: number, batch: number, o: TrainRunOptions): RunResult {
    const spec = this.packed.spec;
    const { cell, hiddenSize: hs, numLayers: nl, numDirections: nd, inputSize } = spec;
    const rt = this.rt;
    const k = rt.exports;
    const t = rt.training('recurrent layer training');
    const ps = outputSize(spec);
    const gh = gateCount(cell) * hs;
    const rows = tLen * batch;
    const dp = nd * ps;
    x = rt.detachSafe(x);
    const h0 = rt.detachSafe(o.h0);
    const c0 = rt.detachSafe(o.c0);
    const lay = this.layout(tLen, batch);
    this.record = null; // a failed run leaves nothing for a backward
    const perStep = keptFloatsPerStep(this.packed, batch) * nl * nd * 4;
    const base = this.ws.ensure(
      lay.bytes,
      `activations kept for backward (T=${tLen}, batch=${batch}: ${perStep} bytes a time step; use shorter sequences or a smaller batch)`,
    );
    const xv = rt.f32(base + lay.x, rows * inputSize);
    if (o.batchFirst) {
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < tLen; t++) xv.set(x.subarray((b * tLen + t) * inputSize, (b * tLen + t + 1) * inputSize), (t * batch + b) * inputSize);
      }
    } else {
      xv.set(x);
    }
    const lengths = o.lengths;
    let lengthsPtr = 0;
    if (lengths) {
      // padded positions never reach the cells, but the weight gradient multiplies them by zero
      for (let b = 0; b < batch; b++) {
        for (let t = lengths[b]; t < tLen; t++) xv.fill(0, (t * batch + b) * inputSize, (t * batch + b + 1) * inputSize);
      }
      rt.i32(base + lay.lengths, batch).set(lengths);
      lengthsPtr = base + lay.lengths;
    }
    const hv = rt.f32(base + lay.h, nl * nd * batch * ps);
    if (h0) hv.set(h0);
    else hv.fill(0);
    if (cell === 'lstm') {
      const cv = rt.f32(base + lay.c, nl * nd * batch * hs);
      if (c0) cv.set(c0);
      else cv.fill(0);
    }
    const scratch = base + lay.scratch;
    for (let l = 0; l < nl; l++) {
      const input = base + (l === 0 ? lay.x : lay.inner + (l - 1) * rows * dp * 4);
      const inSize = l === 0 ? inputSize : dp;
      const lastLayer = l === nl - 1;
      for (let d = 0; d < nd; d++) {
        const sd = l * nd + d;
        const p = this.packed.layerDir(sd);
        const gates = base + lay.gates + sd * rows * gh * 4;
        k.f32_gemm(gates, input, p.wih, p.xbias, rows, gh, inSize, inSize, gh);
        const out = base + (lastLayer ? lay.last : lay.inner + l * rows * dp * 4) + d * ps * 4;
        const [ots, obs] = lastLayer && o.batchFirst ? [dp, tLen * dp] : [batch * dp, dp];
        const h = base + lay.h + sd * batch * ps * 4;
        const hsave = base + lay.hsave + sd * (tLen + 1) * batch * ps * 4;
        switch (cell) {
          case 'lstm':
            t.lstm_recurrence_train(
              gates, p.whh, p.whr, h, base + lay.c + sd * batch * hs * 4, out, ots, obs, tLen, batch, hs, ps, lengthsPtr, d, scratch,
              hsave, base + lay.csave + sd * (tLen + 1) * batch * hs * 4, p.whr ? base + lay.rsave + sd * rows * hs * 4 : 0,
            );
            break;
          case 'gru':
            t.gru_recurrence_train(gates, p.whh, p.bhh, h, out, ots, obs, tLen, batch, hs, lengthsPtr, d, scratch, hsave, base + lay.hhsave + sd * rows * gh * 4);
            break;
          case 'rnn_tanh':
            t.rnn_tanh_recurrence_train(gates, p.whh, h, out, ots, obs, tLen, batch, hs, lengthsPtr, d, scratch, hsave);
            break;
          case 'rnn_relu':
            t.rnn_relu_recurrence_train(gates, p.whh, h, out, ots, obs, tLen, batch, hs, lengthsPtr, d, scratch, hsave);
        }
      }
    }
    const output = o.into ?? new Float32Array(rows * dp);
    output.set(rt.f32(base + lay.last, rows * dp));
    const hOut = rt.f32(base + lay.h, nl * nd * batch * ps).slice();
    const cOut = cell === 'lstm' ? rt.f32(base + lay.c, nl * nd * batch * hs).slice() : null;
    this.record = { tLen, batch, batchFirst: o.batchFirst, lengths: lengths ? lengths.slice() : null, version: this.packed.version, layout: lay, consumed: false };
    return { output, h: hOut, c: cOut };
  }

  /**
   * The shape of the last train-mode forward that has not had its backward yet; throws naming
   * `what` otherwise, or when the weights changed since (parametersChanged, loadStateDict).
   */
  pending(what: string): Readonly<Pick<Recorded, 'tLen' | 'batch' | 'batchFirst' | 'lengths'>> {
    return this.check(what);
  }

  private check(what: string): Recorded {
    const r = this.record;
    if (!r) throw new RnnError('INVALID_INPUT', `${what}: no train-mode forward to go back through; call forward(x, { train: true }) first`);
    if (r.consumed) throw new RnnError('INVALID_INPUT', `${what}: backward already ran for the last train-mode forward (its saved activations are used up); run forward(x, { train: true }) again`);
    if (r.version !== this.packed.version) {
      throw new RnnError('INVALID_INPUT', `${what}: the weights changed (parametersChanged or loadStateDict) after the train-mode forward; run forward(x, { train: true }) again`);
    }
    return r;
  }

  /**
   * Back-propagates through the last train-mode forward: dOut is the gradient of its output (in
   * the output's layout), dh / dc of its final states ([L*D, B, P] / [L*D, B, H]); null = zeros.
   * Accumulates the parameter gradients and returns the input and initial-state gradients. The
   * caller has checked the shapes and values; pending() must not throw.
   */
  backward(dOut: Float32Array | null, dh: Float32Array | null, dc: Float32Array | null, what: string): BackwardResult {
    const r = this.check(what);
    const spec = this.packed.spec;
    const { cell, hiddenSize: hs, numLayers: nl, numDirections: nd, inputSize, projSize } = spec;
    const rt = this.rt;
    const k = rt.exports;
    const t = rt.training('recurrent layer training');
    const { tLen, batch, batchFirst } = r;
    const ps = outputSize(spec);
    const gh = gateCount(cell) * hs;
    const rows = tLen * batch;
    const dp = nd * ps;
    dOut = rt.detachSafe(dOut);
    dh = rt.detachSafe(dh);
    dc = rt.detachSafe(dc);
    let maxIn = inputSize;
    for (let l = 1; l < nl; l++) maxIn = Math.max(maxIn, layerInputSize(spec, l));
    const dxFloats = rows * Math.max(inputSize, dp);
    const { offsets, bytes } = layoutRegions([
      dOut ? rows * dp : 0, // the output's gradient, in its layout
      dxFloats, // input gradients, ping-pong between layers
      nl > 1 ? dxFloats : 0,
      nd > 1 ? dxFloats : 0, // the second direction's input gradient
      nl * nd * batch * ps, // dh
      cell === 'lstm' ? nl * nd * batch * hs : 0, // dc
      t.recurrence_backward_scratch_size(cellId(rt.constants, cell), batch, hs, ps),
      projSize > 0 ? rows * ps : 0, // dhsave
      t.x32_packw_t_x8_size(gh, ps), // W_hh^T
      t.x32_packw_t_x8_size(gh, maxIn), // W_ih^T
      projSize > 0 ? t.x32_packw_t_x8_size(ps, hs) : 0, // W_hr^T
    ]);
    const bbase = this.bws.ensure(bytes, `backward workspace for T=${tLen}, batch=${batch}`);
    const fbase = this.ws.ensure(r.layout.bytes, 'train workspace');
    const [oDout, oDxA, oDxB, oDxTmp, oDh, oDc, oScratch, oDhsave, oWhhT, oWihT, oWhrT] = offsets.map((v) => bbase + v);
    if (dOut) rt.f32(oDout, rows * dp).set(dOut);
    const dhv = rt.f32(oDh, nl * nd * batch * ps);
    if (dh) dhv.set(dh);
    else dhv.fill(0);
    if (cell === 'lstm') {
      const dcv = rt.f32(oDc, nl * nd * batch * hs);
      if (dc) dcv.set(dc);
      else dcv.fill(0);
    }
    const lay = r.layout;
    const lengthsPtr = r.lengths ? fbase + lay.lengths : 0;
    let above = 0; // gradient of this layer's output (the input gradient of the layer above)
    let target = oDxA;
    for (let l = nl - 1; l >= 0; l--) {
      const input = fbase + (l === 0 ? lay.x : lay.inner + (l - 1) * rows * dp * 4);
      const inSize = l === 0 ? inputSize : dp;
      for (let d = 0; d < nd; d++) {
        const sd = l * nd + d;
        const p = this.packed.layerDir(sd);
        const g = this.grads[sd];
        let dout = 0;
        let dts = batch * dp;
        let dbs = dp;
        if (l === nl - 1) {
          if (dOut) dout = oDout + d * ps * 4;
          if (batchFirst) [dts, dbs] = [dp, tLen * dp];
        } else {
          dout = above + d * ps * 4;
        }
        const gates = fbase + lay.gates + sd * rows * gh * 4;
        const hsave = fbase + lay.hsave + sd * (tLen + 1) * batch * ps * 4;
        const hhsave = fbase + lay.hhsave + sd * rows * gh * 4;
        const dhp = oDh + sd * batch * ps * 4;
        t.x32_packw_t_x8(oWhhT, p.whh, gh, ps, p.whhPanel);
        switch (cell) {
          case 'lstm':
            if (p.whr) t.x32_packw_t_x8(oWhrT, p.whr, ps, hs, 8);
            t.lstm_recurrence_backward(
              gates, oWhhT, p.whr ? oWhrT : 0, dout, dts, dbs, fbase + lay.csave + sd * (tLen + 1) * batch * hs * 4, dhp, oDc + sd * batch * hs * 4,
              oDhsave, tLen, batch, hs, ps, lengthsPtr, d, oScratch,
            );
            break;
          case 'gru':
            t.gru_recurrence_backward(gates, hhsave, oWhhT, dout, dts, dbs, hsave, dhp, tLen, batch, hs, lengthsPtr, d, oScratch);
            break;
          case 'rnn_tanh':
            t.rnn_tanh_recurrence_backward(gates, oWhhT, dout, dts, dbs, hsave, dhp, tLen, batch, hs, lengthsPtr, d, oScratch);
            break;
          case 'rnn_relu':
            t.rnn_relu_recurrence_backward(gates, oWhhT, dout, dts, dbs, hsave, dhp, tLen, batch, hs, lengthsPtr, d, oScratch);
        }
        // the weight gradients over all steps at once; the previous states of all steps are one
        // matrix of hsave (slots 0 .. T-1 forward, 1 .. T reverse)
        const dGhh = cell === 'gru' ? hhsave : gates;
        t.f32_wgrad_acc(g.whh, dGhh, hsave + (d === 1 ? batch * ps * 4 : 0), gh, ps, rows, gh, ps, p.whhPanel);
        t.f32_wgrad_acc(g.wih, gates, input, gh, inSize, rows, gh, inSize, 8);
        if (g.bih) {
          t.f32_colsum_acc(g.bih, gates, rows, gh, gh);
          t.f32_colsum_acc(g.bhh, dGhh, rows, gh, gh);
        }
        if (g.whr) t.f32_wgrad_acc(g.whr, oDhsave, fbase + lay.rsave + sd * rows * hs * 4, ps, hs, rows, ps, hs, 8);
        // the input gradient: dgates W_ih, summed over the directions
        t.x32_packw_t_x8(oWihT, p.wih, gh, inSize, 8);
        if (d === 0) {
          k.f32_gemm(target, gates, oWihT, 0, rows, inSize, gh, gh, inSize);
        } else {
          k.f32_gemm(oDxTmp, gates, oWihT, 0, rows, inSize, gh, gh, inSize);
          t.f32_vacc(target, oDxTmp, rows * inSize);
        }
      }
      above = target;
      target = target === oDxA ? oDxB : oDxA;
    }
    r.consumed = true;
    const dxTime = rt.f32(above, rows * inputSize);
    let dx: Float32Array;
    if (batchFirst) {
      dx = new Float32Array(rows * inputSize);
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < tLen; t++) dx.set(dxTime.subarray((t * batch + b) * inputSize, (t * batch + b + 1) * inputSize), (b * tLen + t) * inputSize);
      }
    } else {
      dx = dxTime.slice();
    }
    return { dx, dh0: dhv.slice(), dc0: cell === 'lstm' ? rt.f32(oDc, nl * nd * batch * hs).slice() : null };
  }

  /** Frees the gradients and workspaces. Safe to call twice. */
  dispose(): void {
    this.memory.dispose();
    cancelDisposeWhenCollected(this.freeWorkspaces);
    this.ws.free();
    this.bws.free();
    this.record = null;
  }
}
