/**
 * A recurrent stack packed into wasm memory, and the kernel calls that run it.
 *
 * Weights are packed once (panels of 8 columns, or 32 for a W_hh small enough to stay in L2: the
 * kernels' `recurrent_panel_width` decides; biases folded) when the object is built; `run`
 * copies the input in, makes one GEMM per layer-direction for the input projection of all time
 * steps, and one driver call per layer-direction for the whole time loop (no JS per time step).
 * The workspace is kept between calls and only grows, so repeated calls allocate nothing.
 */
import type { WasmRuntime } from './wasm.js';
import { type PanelWidth, packPanels, unpackPanels } from './panels.js';
import { Workspace, layoutRegions } from './workspace.js';
import { type RecurrentSpec, type LayerDirParams, gateCount, outputSize, layerInputSize } from '../base/spec.js';

interface Fn {
  (...args: number[]): number;
}

interface PackedLayerDir {
  wih: number; // packed [G*H, in]
  whh: number; // packed [G*H, P]
  whhPanel: PanelWidth; // panel width W_hh was packed with
  whr: number; // packed [P, H] or 0
  xbias: number; // [G*H] folded input-projection bias or 0
  bhh: number; // GRU: [G*H] recurrent bias or 0
}

export interface RunResult {
  /** [T, B, D*P] (time-major) or [B, T, D*P] when batchFirst */
  output: Float32Array;
  /** [L*D, B, P] */
  h: Float32Array;
  /** [L*D, B, H] (LSTM) */
  c: Float32Array | null;
}

const CELL_DRIVER: Record<RecurrentSpec['cell'], string> = {
  lstm: 'lstm_recurrence',
  gru: 'gru_recurrence',
  rnn_tanh: 'rnn_tanh_recurrence',
  rnn_relu: 'rnn_relu_recurrence',
};
const CELL_ID: Record<RecurrentSpec['cell'], number> = { lstm: 0, gru: 1, rnn_tanh: 2, rnn_relu: 3 };

export class PackedRecurrent {
  readonly spec: RecurrentSpec;
  private readonly rt: WasmRuntime;
  private readonly layers: PackedLayerDir[] = [];
  private blocks: number[] = []; // every weight block, freed by dispose
  private readonly ws: Workspace;
  private readonly gemm: Fn;
  private readonly driver: Fn;

  /**
   * Packs `params` (index l * D + d). On failure (out of memory) everything allocated so far is
   * freed and the error rethrown: nothing is left half-written.
   */
  constructor(rt: WasmRuntime, spec: RecurrentSpec, params: LayerDirParams[]) {
    this.rt = rt;
    this.spec = spec;
    this.ws = new Workspace(rt);
    const ex = rt.exports as unknown as Record<string, Fn>;
    this.gemm = ex.f32_gemm;
    this.driver = ex[CELL_DRIVER[spec.cell]];
    try {
      for (let l = 0; l < spec.numLayers; l++) {
        for (let d = 0; d < spec.numDirections; d++) {
          this.layers.push(this.packLayerDir(params[l * spec.numDirections + d], layerInputSize(spec, l)));
        }
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * Bytes of wasm memory the packed weights of `spec` take (before any workspace), at most: W_hh
   * is counted with 32-column panels, which is its size when the kernels pick that layout and
   * 0-24 columns more than the 8-column one otherwise.
   */
  static packedBytes(spec: RecurrentSpec): number {
    const gh = gateCount(spec.cell) * spec.hiddenSize;
    const ps = outputSize(spec);
    const panel = (n: number, k: number, nr = 8) => Math.ceil(n / nr) * nr * k * 4;
    const layer = (l: number) => {
      let one = panel(gh, layerInputSize(spec, l)) + panel(gh, ps, 32) + (spec.bias ? 2 * gh * 4 : 0);
      if (spec.projSize > 0) one += panel(spec.projSize, spec.hiddenSize);
      return one * spec.numDirections;
    };
    // layers 1.. all have the same input width: no loop over numLayers, which may be huge here
    return layer(0) + (spec.numLayers - 1) * (spec.numLayers > 1 ? layer(1) : 0);
  }

  private own(bytes: number, what: string): number {
    const ptr = this.rt.alloc(bytes, what);
    this.blocks.push(ptr);
    return ptr;
  }

  /** Packs W [n, k] into panels of 8 columns, or 32 with `nr` 32 (bindings/panels.ts); owned by this object. */
  private packMatrix(w: Float32Array, n: number, k: number, what: string, nr: PanelWidth = 8): number {
    const ptr = packPanels(this.rt, w, n, k, nr, what);
    this.blocks.push(ptr);
    return ptr;
  }

  private packLayerDir(p: LayerDirParams, inSize: number): PackedLayerDir {
    const { cell, hiddenSize: hs, projSize } = this.spec;
    const gh = gateCount(cell) * hs;
    const ps = outputSize(this.spec);
    // the recurrence reads W_hh in the panel width this kernel function names for its shape
    const ex = this.rt.exports as unknown as Record<string, Fn>;
    const out: PackedLayerDir = { wih: 0, whh: 0, whhPanel: ex.recurrent_panel_width(gh, ps) === 32 ? 32 : 8, whr: 0, xbias: 0, bhh: 0 };
    out.wih = this.packMatrix(p.wih, gh, inSize, 'weight_ih');
    out.whh = this.packMatrix(p.whh, gh, ps, 'weight_hh', out.whhPanel);
    if (projSize > 0 && p.whr) out.whr = this.packMatrix(p.whr, projSize, hs, 'weight_hr');
    if (p.bih && p.bhh) {
      out.xbias = this.own(gh * 4, 'bias');
      const xb = this.rt.f32(out.xbias, gh);
      if (cell === 'gru') {
        // b_hn must stay inside r * (W_hn h + b_hn): the recurrent product carries b_hh
        xb.set(p.bih);
        out.bhh = this.own(gh * 4, 'bias_hh');
        this.rt.f32(out.bhh, gh).set(p.bhh);
      } else {
        for (let i = 0; i < gh; i++) xb[i] = p.bih[i] + p.bhh[i];
      }
    }
    return out;
  }

  /** Lays out (and grows if needed) the workspace for T steps of B rows; returns byte offsets. */
  private workspace(tLen: number, batch: number) {
    const { cell, hiddenSize: hs, inputSize, numLayers: nl, numDirections: nd } = this.spec;
    const ps = outputSize(this.spec);
    const gh = gateCount(cell) * hs;
    const ex = this.rt.exports as unknown as Record<string, Fn>;
    const rows = tLen * batch;
    const [x, bufA, bufB, xproj, scratch, h, c, lengths] = this.ws.regions(
      [
        rows * inputSize, // x
        rows * nd * ps, // bufA
        nl > 1 ? rows * nd * ps : 0, // bufB
        rows * gh, // xproj
        ex.recurrence_scratch_size(CELL_ID[cell], batch, hs, ps), // scratch
        nl * nd * batch * ps, // h
        cell === 'lstm' ? nl * nd * batch * hs : 0, // c
        batch, // lengths
      ],
      `workspace for T=${tLen}, batch=${batch}`,
    );
    return { x, bufA, bufB, xproj, scratch, h, c, lengths };
  }

  /**
   * Runs the stack. `x` is [T, B, I] ([B, T, I] when batchFirst); h0 [L*D, B, P] and c0
   * [L*D, B, H] or null for zeros; lengths [B] in [1, T] or null; `into` the array the output
   * goes to, or null for a new one. Inputs are validated by the caller (the layer classes).
   */
  run(
    x: Float32Array, tLen: number, batch: number, batchFirst: boolean,
    h0: Float32Array | null, c0: Float32Array | null, lengths: Int32Array | null,
    into: Float32Array | null = null,
  ): RunResult {
    const { cell, hiddenSize: hs, inputSize, numLayers: nl, numDirections: nd } = this.spec;
    const ps = outputSize(this.spec);
    const gh = gateCount(cell) * hs;
    const rows = tLen * batch;
    const rt = this.rt;
    // inputs may be views of wasm memory (a step output with { view: true }): copy them before
    // the workspace can grow the memory and detach them
    x = rt.detachSafe(x);
    h0 = rt.detachSafe(h0);
    c0 = rt.detachSafe(c0);
    const w = this.workspace(tLen, batch);

    // input, time-major
    const xv = rt.f32(w.x, rows * inputSize);
    if (batchFirst) transposeTB(x, xv, batch, tLen, inputSize);
    else xv.set(x);
    const hv = rt.f32(w.h, nl * nd * batch * ps);
    if (h0) hv.set(h0);
    else hv.fill(0);
    if (cell === 'lstm') {
      const cv = rt.f32(w.c, nl * nd * batch * hs);
      if (c0) cv.set(c0);
      else cv.fill(0);
    }
    let lengthsPtr = 0;
    if (lengths) {
      rt.i32(w.lengths, batch).set(lengths);
      lengthsPtr = w.lengths;
    }

    let input = w.x;
    let inSize = inputSize;
    let out = w.bufA;
    const ldo = nd * ps;
    for (let l = 0; l < nl; l++) {
      for (let d = 0; d < nd; d++) {
        const p = this.layers[l * nd + d];
        const sd = l * nd + d;
        this.gemm(w.xproj, input, p.wih, p.xbias, rows, gh, inSize, inSize, gh);
        const hPtr = w.h + sd * batch * ps * 4;
        const outPtr = out + d * ps * 4;
        const rev = d === 1 ? 1 : 0;
        switch (cell) {
          case 'lstm':
            this.driver(w.xproj, p.whh, p.whr, hPtr, w.c + sd * batch * hs * 4, outPtr, ldo, tLen, batch, hs, ps, lengthsPtr, rev, w.scratch);
            break;
          case 'gru':
            this.driver(w.xproj, p.whh, p.bhh, hPtr, outPtr, ldo, tLen, batch, hs, lengthsPtr, rev, w.scratch);
            break;
          default:
            this.driver(w.xproj, p.whh, hPtr, outPtr, ldo, tLen, batch, hs, lengthsPtr, rev, w.scratch);
        }
      }
      input = out;
      inSize = ldo;
      out = out === w.bufA ? w.bufB : w.bufA;
    }

    const last = rt.f32(input, rows * ldo);
    // `into`: the caller's array, checked by the layer (length rows * ldo, not in wasm memory)
    const output = into ?? new Float32Array(rows * ldo);
    if (batchFirst) transposeTB(last, output, tLen, batch, ldo);
    else output.set(last);
    return {
      output,
      h: rt.f32(w.h, nl * nd * batch * ps).slice(),
      c: cell === 'lstm' ? rt.f32(w.c, nl * nd * batch * hs).slice() : null,
    };
  }

  /**
   * The weight matrices of layer-direction `i` (l * D + d) read back from their panels: new
   * row-major arrays, bit for bit what was packed (packing only moves floats). The layer keeps
   * no JS copy of its matrices (they would double a model's memory); biases are not here, since
   * LSTM and RNN pack b_ih + b_hh as one sum.
   */
  readMatrices(i: number): { wih: Float32Array; whh: Float32Array; whr: Float32Array | null } {
    const { cell, hiddenSize: hs, projSize } = this.spec;
    const p = this.layers[i];
    const gh = gateCount(cell) * hs;
    const inSize = layerInputSize(this.spec, Math.floor(i / this.spec.numDirections));
    return {
      wih: unpackPanels(this.rt, p.wih, gh, inSize, 8),
      whh: unpackPanels(this.rt, p.whh, gh, outputSize(this.spec), p.whhPanel),
      whr: p.whr ? unpackPanels(this.rt, p.whr, projSize, hs, 8) : null,
    };
  }

  /** The packed weights of layer-direction `i` (l * D + d). */
  layerDir(i: number): Readonly<PackedLayerDir> {
    return this.layers[i];
  }

  /** Frees every block. Safe to call twice. */
  dispose(): void {
    for (const b of this.blocks) this.rt.free(b);
    this.blocks = [];
    this.ws.free();
  }
}

/** dst[j, i, :] = src[i, j, :] for src [n0, n1, inner]. */
function transposeTB(src: Float32Array, dst: Float32Array, n0: number, n1: number, inner: number): void {
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      const s = (i * n1 + j) * inner;
      dst.set(src.subarray(s, s + inner), (j * n0 + i) * inner);
    }
  }
}

const STACK_SLOTS = 8; // i32 slots per layer in a stack_step descriptor (assembly/recurrence.ts)

/**
 * Streaming state of a unidirectional stack: h [L, B, P] and c [L, B, H] live in wasm memory,
 * next to the descriptor table and the per-step buffers, in one block. A step is one copy of
 * the input frame in, one wasm call (stack_step) through every layer, and a copy (or view) out.
 * Views are cached and rebuilt only after memory.grow.
 */
export class StreamState {
  readonly batch: number;
  private readonly rt: WasmRuntime;
  private readonly spec: RecurrentSpec;
  private block = 0;
  private readonly off: { desc: number; h: number; c: number; x: number; xproj: number; scratch: number; out0: number; out1: number };
  private readonly hLen: number;
  private readonly cLen: number;
  private readonly xLen: number;
  private readonly stepFn: Fn;
  private bound: PackedRecurrent | null = null;
  private buffer: ArrayBuffer | null = null;
  private xView: Float32Array = new Float32Array(0);
  private outView: Float32Array = new Float32Array(0);

  constructor(rt: WasmRuntime, packed: PackedRecurrent, batch: number) {
    this.rt = rt;
    this.spec = packed.spec;
    this.batch = batch;
    const { cell, hiddenSize: hs, inputSize, numLayers: nl } = this.spec;
    const ps = outputSize(this.spec);
    const gh = gateCount(cell) * hs;
    const ex = rt.exports as unknown as Record<string, Fn>;
    this.stepFn = ex.stack_step;
    this.hLen = nl * batch * ps;
    this.cLen = cell === 'lstm' ? nl * batch * hs : 0;
    this.xLen = batch * inputSize;
    const { offsets, bytes } = layoutRegions([
      nl * STACK_SLOTS, // desc
      this.hLen, // h
      this.cLen, // c
      this.xLen, // x
      batch * gh, // xproj
      ex.recurrence_scratch_size(CELL_ID[cell], batch, hs, ps), // scratch
      batch * ps, // out0
      batch * ps, // out1
    ]);
    this.block = rt.alloc(bytes, `streaming state for batch ${batch}`);
    const [desc, h, c, x, xproj, scratch, out0, out1] = offsets.map((o) => this.block + o);
    this.off = { desc, h, c, x, xproj, scratch, out0, out1 };
    this.bind(packed);
    this.reset();
  }

  /** Points the descriptor table at `packed`'s weights (after a reload of the same spec). */
  bind(packed: PackedRecurrent): void {
    if (this.bound === packed) return;
    const { cell, hiddenSize: hs, numLayers: nl } = this.spec;
    const ps = outputSize(this.spec);
    const desc = this.rt.i32(this.off.desc, nl * STACK_SLOTS);
    for (let l = 0; l < nl; l++) {
      const p = packed.layerDir(l);
      desc.set(
        [p.wih, p.whh, p.whr, p.xbias, p.bhh, layerInputSize(this.spec, l),
          this.off.h + l * this.batch * ps * 4, cell === 'lstm' ? this.off.c + l * this.batch * hs * 4 : 0],
        l * STACK_SLOTS,
      );
    }
    this.bound = packed;
  }

  get boundTo(): PackedRecurrent | null {
    return this.bound;
  }

  /**
   * Runs one step on `x` ([B, I] floats); returns a view of the last layer's output [B, P]: the
   * same view object every step until memory.grow, so a step allocates nothing.
   */
  step(x: Float32Array): Float32Array {
    const { cell, hiddenSize: hs } = this.spec;
    const o = this.off;
    if (this.buffer !== this.rt.memory.buffer) {
      this.buffer = this.rt.memory.buffer as ArrayBuffer;
      this.xView = this.rt.f32(o.x, this.xLen);
      // stack_step ends in out0 after an odd number of layers, out1 after an even one
      this.outView = this.rt.f32(this.spec.numLayers % 2 === 1 ? o.out0 : o.out1, this.batch * outputSize(this.spec));
    }
    this.xView.set(x);
    this.stepFn(CELL_ID[cell], o.desc, this.spec.numLayers, o.x, this.batch, hs, outputSize(this.spec), o.xproj, o.scratch, o.out0, o.out1);
    return this.outView;
  }

  reset(): void {
    this.rt.f32(this.off.h, this.hLen).fill(0);
    if (this.cLen) this.rt.f32(this.off.c, this.cLen).fill(0);
  }

  getH(): Float32Array {
    return this.rt.f32(this.off.h, this.hLen).slice();
  }

  getC(): Float32Array | null {
    return this.cLen ? this.rt.f32(this.off.c, this.cLen).slice() : null;
  }

  /** Copies h (and c) into the caller's arrays (no allocation). */
  copyTo(h: Float32Array, c: Float32Array | undefined): void {
    h.set(this.rt.f32(this.off.h, this.hLen));
    if (c && this.cLen) c.set(this.rt.f32(this.off.c, this.cLen));
  }

  setH(h: Float32Array): void {
    this.rt.f32(this.off.h, this.hLen).set(h);
  }

  setC(c: Float32Array): void {
    if (this.cLen) this.rt.f32(this.off.c, this.cLen).set(c);
  }

  dispose(): void {
    if (this.block) this.rt.free(this.block);
    this.block = 0;
    this.bound = null;
  }

  get isDisposed(): boolean {
    return this.block === 0;
  }
}
