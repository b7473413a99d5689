/**
 * Weight matrices in wasm memory, in the panel layout the GEMM kernels read (x32_packw_x8 /
 * x32_packw_x32): W [n, k] row-major becomes ceil(n / nr) panels of k rows of nr floats, panel p
 * holding W[p * nr + j][kk] at float (p * k + kk) * nr + j, zero past n.
 *
 * A layer packs its matrices once, at load, and keeps no JS copy of them: `unpackPanels` reads
 * them back (stateDict) bit for bit, since packing only moves floats. One copy of the weights per
 * model, in wasm memory (docs/design.md, "Where the weights live").
 *
 * `packPanels64` gives the float64 panels of f32_gemm_f64acc (the ONNX Conv and MatMul / Gemm
 * bindings), in JS, for the caller to copy into wasm memory.
 */
import type { WasmRuntime } from './wasm.js';

export type PanelWidth = 8 | 32;

/** Elements the `nr`-wide panels of an [n, k] matrix take (zero padding past n included). */
export function panelsLength(n: number, k: number, nr: number): number {
  return Math.ceil(n / nr) * nr * k;
}

/**
 * Where element (row, 0) of an [n, k] matrix sits in its `nr`-wide panels; element (row, kk) is
 * kk * nr further on. (Panel row / nr starts at (row - row % nr) * k.)
 */
export function panelOffset(row: number, k: number, nr: number): number {
  const j = row % nr;
  return (row - j) * k + j;
}

/**
 * Allocates and fills the packed form of `w` [n, k]; returns its address (the caller owns and
 * frees it). `w` must not be a view of wasm memory (allocating may grow the memory and detach
 * it: pass it through rt.detachSafe first). Throws OUT_OF_MEMORY naming `what`; on failure
 * nothing stays allocated.
 *
 * `blockOrder`: w's rows are blockOrder.length equal blocks and the packed matrix is w's block
 * blockOrder[j] as block j (a recurrent layer's gates given in ONNX's order, packed in the
 * canonical one), each block packed from where it is: no reordered copy of w. Each block must be
 * whole panels (rows per block a multiple of nr; see blocksArePanels).
 */
export function packPanels(rt: WasmRuntime, w: Float32Array, n: number, k: number, nr: PanelWidth, what: string, blockOrder?: readonly number[]): number {
  const ex = rt.exports;
  const size = nr === 32 ? ex.x32_packw_x32_size : ex.x32_packw_x8_size;
  const dst = rt.alloc(size(n, k) * 4, what);
  try {
    const tmp = rt.alloc(w.length * 4, what);
    try {
      rt.f32(tmp, w.length).set(w);
      const pack = nr === 32 ? ex.x32_packw_x32 : ex.x32_packw_x8;
      if (blockOrder === undefined) pack(dst, tmp, n, k, k);
      else {
        if (!blocksArePanels(n, blockOrder.length, nr)) throw new RangeError(`packPanels: ${blockOrder.length} blocks of ${n} rows are not whole ${nr}-row panels`);
        const bytes = (n / blockOrder.length) * k * 4;
        for (let j = 0; j < blockOrder.length; j++) pack(dst + j * bytes, tmp + blockOrder[j] * bytes, n / blockOrder.length, k, k);
      }
    } finally {
      rt.free(tmp);
    }
  } catch (e) {
    rt.free(dst);
    throw e;
  }
  return dst;
}

/** Whether n rows in `blocks` equal blocks are whole `nr`-row panels (packPanels' blockOrder). */
export function blocksArePanels(n: number, blocks: number, nr: PanelWidth): boolean {
  return n % blocks === 0 && (n / blocks) % nr === 0;
}

/** The row-major [n, k] matrix packed at `ptr` in `nr`-wide panels, as a new array. */
export function unpackPanels(rt: WasmRuntime, ptr: number, n: number, k: number, nr: PanelWidth): Float32Array {
  const panels = rt.f32(ptr, panelsLength(n, k, nr));
  const w = new Float32Array(n * k);
  for (let row = 0; row < n; row++) {
    const from = panelOffset(row, k, nr);
    const to = row * k;
    for (let kk = 0; kk < k; kk++) w[to + kk] = panels[from + kk * nr];
  }
  return w;
}

/** Columns per weight panel of f32_gemm_f64acc. */
export const PANEL64 = 8;

/**
 * How a packed convolution or matrix product sums its products (docs/onnx.md, "Conv numerics"
 * and the MatMul / Gemm rows): 'float32' on the float32 GEMM, in onnxruntime's order, or
 * 'float64' (every product exact, each output rounded once: the same bits on every build, half
 * the multiply-adds per second). Depthwise convolutions, ConvTranspose and Gemm whose alpha or C
 * the GEMM cannot take as a bias sum in float64 either way.
 */
export type Accumulation = 'float32' | 'float64';

/**
 * The [n, k] matrix whose element (j, kk) is src[j * strideN + kk * strideK], widened to float64
 * in the panel layout f32_gemm_f64acc reads: ceil(n / 8) panels of k rows of 8 doubles, element
 * (8p + j, kk) at double (p * k + kk) * 8 + j, zero past n. Row-major W [n, k] is strides (k, 1);
 * B [k, n] read as its transpose is strides (1, n).
 */
export function packPanels64(src: Float32Array, n: number, k: number, strideN: number, strideK: number): Float64Array {
  const out = new Float64Array(panelsLength(n, k, PANEL64));
  for (let r = 0; r < n; r++) {
    const base = panelOffset(r, k, PANEL64);
    for (let kk = 0; kk < k; kk++) out[base + kk * PANEL64] = src[r * strideN + kk * strideK];
  }
  return out;
}
