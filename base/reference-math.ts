/**
 * The float64 math of the JS code paths (ONNX operators, the Keras layers, the JS recurrence),
 * written once: each function works in float64 on float32 inputs, and the caller rounds where
 * its rounding model says (a Float32Array store rounds once).
 *
 * NaN rule: NaN propagates through every function here, as in PyTorch, onnxruntime's Relu
 * operator, TF.js and the wasm kernels (f32.max keeps NaN): relu(NaN) = NaN, softmax of a row
 * holding NaN is NaN (test/reference-math-nan.test.ts). relu(-0) is +0.
 */

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** max(0, x) with NaN kept and -0 -> +0. */
export function relu(x: number): number {
  return x > 0 ? x : x <= 0 ? 0 : x;
}

export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function softsign(x: number): number {
  return x / (1 + Math.abs(x));
}

/** erf in float64: Maclaurin series below 3, a continued fraction for erfc above (both < 1e-15 off). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (ax < 3) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.
  let frac = ax;
  for (let k = 60; k >= 1; k--) frac = ax + k / 2 / frac;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / frac;
  return Math.sign(x) * (1 - erfc);
}

/**
 * Softmax (or log-softmax) of the `dim` values src[base + k * stride], k = 0..dim-1, into the same
 * places of dst (dst may be src): exp(x - max) / sum, or x - max - log(sum).
 */
export function softmaxF64(src: Float32Array, dst: Float32Array, base: number, dim: number, stride: number, log: boolean): void {
  let max = -Infinity;
  for (let k = 0; k < dim; k++) max = Math.max(max, src[base + k * stride]);
  // each exponential computed once, kept in float64 for the division
  const e = scratch64(dim);
  let sum = 0;
  for (let k = 0; k < dim; k++) {
    const v = Math.exp(src[base + k * stride] - max);
    e[k] = v;
    sum += v;
  }
  if (log) {
    const ls = Math.log(sum);
    for (let k = 0; k < dim; k++) dst[base + k * stride] = src[base + k * stride] - max - ls;
  } else {
    for (let k = 0; k < dim; k++) dst[base + k * stride] = e[k] / sum;
  }
}

/**
 * Working float64 values of softmaxF64 (its exponentials) and matmulF64 (a row's sums), kept
 * between calls instead of allocated by each (a call per row or per batch item of a small
 * operator made that allocation most of its time). Neither calls the other or itself.
 */
let scratch = new Float64Array(64);
function scratch64(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** How a matrix operand is addressed: element (i, j) at data[offset + i * rowStride + j * colStride]. */
export interface StridedMatrix {
  data: Float32Array;
  offset: number;
  rowStride: number;
  colStride: number;
}

/**
 * out[oOff + m * N + n] = bias[n] + sum_k A(m, k) * B(k, n) for m < M, n < N: each output summed in
 * float64 from its bias (0 without) in ascending k, stored once (a Float32Array rounds it).
 */
export function matmulF64(A: StridedMatrix, B: StridedMatrix, M: number, K: number, N: number, out: Float32Array | Float64Array, oOff: number, bias: ArrayLike<number> | null = null): void {
  const acc = scratch64(N);
  const { data: a, rowStride: ars, colStride: acs } = A;
  const { data: b, rowStride: brs, colStride: bcs } = B;
  for (let m = 0; m < M; m++) {
    if (bias) for (let n = 0; n < N; n++) acc[n] = bias[n];
    else acc.fill(0, 0, N);
    const arow = A.offset + m * ars;
    for (let k = 0; k < K; k++) {
      const av = a[arow + k * acs];
      const brow = B.offset + k * brs;
      if (bcs === 1) for (let n = 0; n < N; n++) acc[n] += av * b[brow + n];
      else for (let n = 0; n < N; n++) acc[n] += av * b[brow + n * bcs];
    }
    for (let n = 0; n < N; n++) out[oOff + m * N + n] = acc[n];
  }
}

/**
 * acc[r] = bias[r] + sum_k W[r * cols + k] * x[xOff + k] for rows r in [r0, r1) of a row-major W:
 * each row summed in float64 from its bias (0 without) in ascending k.
 */
export function matvecF64(acc: Float64Array, W: Float32Array, r0: number, r1: number, cols: number, x: Float32Array, xOff: number, bias: Float32Array | null): void {
  for (let r = r0; r < r1; r++) {
    let s = bias ? bias[r] : 0;
    const w = r * cols;
    for (let k = 0; k < cols; k++) s += W[w + k] * x[xOff + k];
    acc[r] = s;
  }
}
