/**
 * A matrix product against a constant right operand (ONNX MatMul / Gemm whose B is known at
 * load) on a wasm GEMM, with B packed once into wasm memory.
 *
 * Numerics (Accumulation, chosen at construction):
 *  - 'float32': the float32 GEMM the recurrent layers run on (f32_gemm, B as float32 panels; FMA
 *    on the relaxed build), each output's K products summed from zero in ascending k, then the
 *    bias added, as onnxruntime's GEMM sums them. run() only.
 *  - 'float64': as the rest of the importer, every output accumulated in float64 and rounded to
 *    float32 once. B is widened to float64 when packed and A on each call (f32_f64_vcvt), so
 *    every product is exact; f32_gemm_f64acc sums an output's K products in ascending k from
 *    zero, as the float64 JS path does, then adds the bias. The result is the same on every build
 *    (relaxed, simd, scalar) and equal to the JS path's.
 *
 * Two ways out of a call:
 *  - run(): C = A B + bias, each sum plus its bias rounded once to float32 (the bias is a
 *    float64 [N] vector given at construction, for example Gemm's beta * C when C is one row);
 *  - sums(): the float64 sums A B as they are, for a caller that finishes each output in float64
 *    before rounding it (Gemm's alpha * AB + beta * C with C of any broadcastable shape).
 *
 * The workspace (A staged, widened, and the result) is kept between calls and only grows, so
 * repeated calls of the same M allocate nothing in wasm memory.
 */
import { RnnError } from '../base/errors.js';
import { packPanels64, type Accumulation } from './panels.js';
import type { Kernels } from './kernels.js';
import { WasmBlocks } from './ownership.js';
import type { WasmRuntime } from './wasm.js';
import { Workspace } from './workspace.js';

/** Workspace addresses and views for one M (and output kind), valid while the memory buffer stays. */
interface Regions {
  m: number;
  f64out: boolean;
  buffer: ArrayBufferLike;
  staged: Float32Array;
  stagedAt: number;
  transposedAt: number;
  wideAt: number;
  outAt: number;
  out: Float32Array | Float64Array;
}

export class PackedMatMul {
  /** Inner dimension (columns of A, rows of B). */
  readonly k: number;
  /** Output columns. */
  readonly n: number;
  private readonly rt: WasmRuntime;
  private readonly ex: Kernels;
  private readonly what: string;
  private readonly blocks: WasmBlocks; // the weights and the bias, freed by dispose or once this is collected
  private weights: number; // float64 panels, or float32 ones
  private bias: number; // float64 [n] (float32 [n] on the float32 path) or 0
  /** Sums in float32 (run() only), else in float64. */
  readonly float32: boolean;
  private readonly ws: Workspace;
  private regions: Regions | undefined;

  /**
   * Packs B: [k, n] row-major, or [n, k] when `transB` (Gemm's transB = 1), widened to float64 or
   * as float32 panels; `bias` [n] (float64; rounded to float32 on the float32 path) is added to
   * every row's sums by run(). Throws OUT_OF_MEMORY naming `what`, with nothing left allocated.
   */
  constructor(rt: WasmRuntime, b: Float32Array, k: number, n: number, transB: boolean, bias: Float64Array | null, what: string, accumulation: Accumulation) {
    if (!(k >= 1 && n >= 1) || b.length !== k * n || (bias && bias.length !== n)) {
      throw new RnnError('INVALID_INPUT', `${what}: cannot pack a [${k}, ${n}] weight from ${b.length} values${bias ? ` and a bias of ${bias.length}` : ''}`);
    }
    this.rt = rt;
    this.ex = rt.exports;
    this.what = what;
    this.ws = new Workspace(rt);
    this.blocks = new WasmBlocks(rt, this);
    this.k = k;
    this.n = n;
    this.float32 = accumulation === 'float32';
    b = rt.detachSafe(b);
    try {
      this.weights = this.float32 ? this.packFloat32(b, transB) : this.blocks.put(transB ? packPanels64(b, n, k, k, 1) : packPanels64(b, n, k, 1, n), `${what}: packed weights`);
      this.bias = !bias ? 0 : this.blocks.put(this.float32 ? Float32Array.from(bias) : bias, `${what}: bias`);
    } catch (e) {
      this.blocks.dispose();
      throw e;
    }
  }

  /** B as W = B^T [n, k] in f32_gemm's 8-column panels: staged, transposed in wasm unless transB, packed. */
  private packFloat32(b: Float32Array, transB: boolean): number {
    const { k, n, ex, rt } = this;
    const dst = this.blocks.own(rt.alloc(ex.x32_packw_x8_size(n, k) * 4, `${this.what}: packed weights`));
    const tmp = rt.alloc(2 * k * n * 4, `${this.what}: weights`);
    try {
      rt.f32(tmp, k * n).set(b);
      const w = tmp + k * n * 4;
      if (!transB) ex.x32_transpose(w, tmp, k, n, n, k); // [k, n] -> [n, k]
      ex.x32_packw_x8(dst, transB ? tmp : w, n, k, k);
    } finally {
      rt.free(tmp);
    }
    return dst;
  }

  /** The workspace for m rows: staged A (floats), A transposed (floats), A widened (doubles), the result. */
  private regionsFor(m: number, f64out: boolean): Regions {
    const r = this.regions;
    if (r && r.m === m && r.f64out === f64out && r.buffer === this.rt.memory.buffer) return r;
    const { k, n } = this;
    const floats = [m * k, m * k, this.float32 ? 0 : 2 * m * k, (f64out ? 2 : 1) * m * n];
    const [stagedAt, transposedAt, wideAt, outAt] = this.ws.regions(floats, `${this.what}: workspace`);
    const buffer = this.rt.memory.buffer;
    const out = f64out ? new Float64Array(buffer, outAt, m * n) : new Float32Array(buffer, outAt, m * n);
    this.regions = { m, f64out, buffer, staged: new Float32Array(buffer, stagedAt, m * k), stagedAt, transposedAt, wideAt, outAt, out };
    return this.regions;
  }

  /** A [m, k] (or [k, m] when transA) into the workspace as rows (widened for the float64 GEMM), then the GEMM; returns the regions. */
  private multiply(a: Float32Array, m: number, transA: boolean, f64out: boolean): Regions {
    if (this.weights === 0) throw new RnnError('DISPOSED', `${this.what}: used after dispose()`);
    const { k, n, ex } = this;
    if (a.length !== m * k) throw new RnnError('INVALID_INPUT', `${this.what}: A holds ${a.length} values, not ${m} x ${k}`);
    a = this.rt.detachSafe(a);
    const r = this.regionsFor(m, f64out);
    if (m === 0) return r;
    r.staged.set(a);
    let rows = r.stagedAt;
    if (transA && m > 1 && k > 1) {
      ex.x32_transpose(r.transposedAt, r.stagedAt, k, m, m, k); // [k, m] -> [m, k]
      rows = r.transposedAt;
    }
    if (this.float32) {
      ex.f32_gemm(r.outAt, rows, this.weights, this.bias, m, n, k, k, n);
      return r;
    }
    ex.f32_f64_vcvt(r.wideAt, rows, m * k);
    (f64out ? ex.f32_gemm_f64acc_f64out : ex.f32_gemm_f64acc)(r.outAt, r.wideAt, this.weights, f64out ? 0 : this.bias, m, n, k, k, k, n);
    return r;
  }

  /** out [m, n] = A B + bias, each output rounded once to float32. A: [m, k], or [k, m] when transA. */
  run(a: Float32Array, m: number, transA: boolean, out: Float32Array): void {
    const r = this.multiply(a, m, transA, false);
    out.set(r.out);
  }

  /**
   * The float64 sums A B [m, n] (no bias), as a view of wasm memory valid until the next call or
   * allocation: read it before anything else touches this runtime. The float64 path only.
   */
  sums(a: Float32Array, m: number, transA: boolean): Float64Array {
    if (this.float32) throw new RangeError(`${this.what}: sums() needs a float64 PackedMatMul`);
    return this.multiply(a, m, transA, true).out as Float64Array;
  }

  dispose(): void {
    this.blocks.dispose();
    this.ws.free();
    this.weights = this.bias = 0;
    this.regions = undefined;
  }
}
