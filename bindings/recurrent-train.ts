/**
 * Training of a packed recurrent stack: the train-mode forward that keeps what back-propagation
 * through time needs, the backward, and the gradient blocks (bindings/trainable.ts).
 *
 * The train-mode forward is inference's layer loop (bindings/recurrent-run.ts) in train mode: every
 * layer runs time-major inside wasm memory (a batch-first input is read by one projection GEMM per
 * batch row; the rows' results do not depend on their order, so the outputs are bitwise those of
 * inference) and keeps, per layer-direction, the activated gates of every step, the states
 * before and after every step and (GRU) the recurrent products (docs/training.md, "Recurrent
 * backward"). The backward then makes, per layer-direction, one wasm call for the
 * whole reversed time loop (assembly/recurrence-backward.ts) and one GEMM each for the weight
 * gradients (into the gradient blocks, accumulating) and the input gradient (per batch row for
 * layer 0 of a batch-first x, whose gradient is written in x's layout). Gradients of the
 * weights are kept in the weights' own packed layout, so an optimizer updates value and gradient
 * blocks with one elementwise loop.
 */
import type { WasmRuntime } from './wasm.js';
import type { PackedRecurrent, RunResult } from './recurrent.js';
import { Workspace, layoutRegions } from './workspace.js';
import { type PreparedRun, rowBlocks } from './recurrent-run.js';
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

/** What the last train-mode forward left for its backward. */
interface Recorded {
  tLen: number;
  batch: number;
  batchFirst: boolean;
  lengths: Int32Array | null;
  version: number;
  run: PreparedRun;
  consumed: boolean;
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

  /**
   * Runs the stack like PackedRecurrent.run (the same output, h and c) and keeps what backward()
   * needs. The caller has validated the inputs.
   */
  forward(x: Float32Array, tLen: number, batch: number, o: TrainRunOptions): RunResult {
    const spec = this.packed.spec;
    const { cell, hiddenSize: hs, numLayers: nl, numDirections: nd } = spec;
    const rt = this.rt;
    rt.training('recurrent layer training');
    const ps = outputSize(spec);
    this.record = null; // a failed run leaves nothing for a backward
    let run = this.prepared;
    if (!run || run.shape.tLen !== tLen || run.shape.batch !== batch || run.shape.batchFirst !== o.batchFirst) {
      run = this.prepared = this.packed.prepareTrainRun(tLen, batch, o.batchFirst, this.ws);
    }
    const output = o.into ?? new Float32Array(tLen * batch * nd * ps);
    const h = new Float32Array(nl * nd * batch * ps);
    const c = cell === 'lstm' ? new Float32Array(nl * nd * batch * hs) : null;
    run.run(rt.detachSafe(x), rt.detachSafe(o.h0), rt.detachSafe(o.c0), o.lengths, output, h, c);
    this.record = { tLen, batch, batchFirst: o.batchFirst, lengths: o.lengths ? o.lengths.slice() : null, version: this.packed.version, run, consumed: false };
    return { output, h, c };
  }

  private prepared: PreparedRun | undefined;

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
    const reg = r.run.regions;
    const fbase = this.ws.ensure(reg.bytes, 'train workspace');
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
    const lengthsPtr = r.lengths ? fbase + reg.lengths : 0;
    let above = 0; // gradient of this layer's output (the input gradient of the layer above)
    let target = oDxA;
    for (let l = nl - 1; l >= 0; l--) {
      const input = fbase + (l === 0 ? reg.x : reg.layerOut[l - 1]);
      const inSize = l === 0 ? inputSize : dp;
      // layer 0 of a batch-first x: its rows against the time-major gates, one block per batch row
      const bl = rowBlocks(l === 0 && batchFirst, tLen, batch);
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
        const gates = fbase + reg.gates + sd * rows * gh * 4;
        const hsave = fbase + reg.hsave + sd * (tLen + 1) * batch * ps * 4;
        const hhsave = fbase + reg.hhsave + sd * rows * gh * 4;
        const dhp = oDh + sd * batch * ps * 4;
        t.x32_packw_t_x8(oWhhT, p.whh, gh, ps, p.whhPanel);
        switch (cell) {
          case 'lstm':
            if (p.whr) t.x32_packw_t_x8(oWhrT, p.whr, ps, hs, 8);
            t.lstm_recurrence_backward(
              gates, oWhhT, p.whr ? oWhrT : 0, dout, dts, dbs, fbase + reg.csave + sd * (tLen + 1) * batch * hs * 4, dhp, oDc + sd * batch * hs * 4,
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
        for (let j = 0; j < bl.count; j++) {
          t.f32_wgrad_acc(g.wih, gates + j * bl.cBlock * gh * 4, input + j * bl.aBlock * inSize * 4, gh, inSize, bl.m, bl.cRow * gh, bl.aRow * inSize, 8);
        }
        if (g.bih) {
          t.f32_colsum_acc(g.bih, gates, rows, gh, gh);
          t.f32_colsum_acc(g.bhh, dGhh, rows, gh, gh);
        }
        if (g.whr) t.f32_wgrad_acc(g.whr, oDhsave, fbase + reg.rsave + sd * rows * hs * 4, ps, hs, rows, ps, hs, 8);
        // the input gradient dgates W_ih, in the input's row order, summed over the directions
        t.x32_packw_t_x8(oWihT, p.wih, gh, inSize, 8);
        const dx = d === 0 ? target : oDxTmp;
        for (let j = 0; j < bl.count; j++) {
          k.f32_gemm(dx + j * bl.aBlock * inSize * 4, gates + j * bl.cBlock * gh * 4, oWihT, 0, bl.m, inSize, gh, bl.cRow * gh, bl.aRow * inSize);
        }
        if (d === 1) t.f32_vacc(target, oDxTmp, rows * inSize);
      }
      above = target;
      target = target === oDxA ? oDxB : oDxA;
    }
    r.consumed = true;
    const dx = rt.f32(above, rows * inputSize).slice();
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
