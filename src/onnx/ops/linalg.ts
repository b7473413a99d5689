/**
 * MatMul (numpy semantics: 1-D operands, broadcast batch dimensions) and Gemm (alpha, beta,
 * transA, transB, unidirectional broadcast of C), accumulating in float64 and rounding each output
 * once to float32.
 *
 * A node whose B is a float32 constant at load (MatMul: B 1-D or 2-D, A of any rank, batch
 * dimensions flattened into rows; Gemm: always 2-D) packs B once into wasm memory
 * (bindings/matmul.ts) and runs on the wasm GEMM, which sums every output's products in the same
 * ascending order from the same exact float64 products as the JS loops below: the same bits on
 * every build. Anything else (B computed by the graph, batched B, integer types, the wasm runtime
 * not loaded yet) runs the float64 JS path, which is also the tests' oracle.
 */
import { fmtShape } from '../../../base/errors.js';
import { loadedRuntime } from '../../../bindings/wasm.js';
import { PackedMatMul } from '../../../bindings/matmul.js';
import { matmulF64 } from '../../../base/reference-math.js';
import type { NodeContext } from '../node.js';
import { alloc, numelOf, type OTensor } from '../values.js';
import { broadcastShapes, bstrides, forBroadcast, requireFloat, type OpFactory } from './util.js';

/** B of `node input 1` when it is a float32 constant of a rank the packed path takes, with no zero dimension. */
function constantB(ctx: NodeContext, ranks: readonly number[]): OTensor | undefined {
  const B = ctx.constInputs[1];
  if (!B || B.dtype !== 'float32' || !ranks.includes(B.shape.length) || numelOf(B.shape) === 0) return undefined;
  return B;
}

/**
 * numpy matmul geometry: A [..., M, K] times B [..., K, N] (1-D operands promoted, then dropped),
 * batch dims broadcast; `names` name the operands in messages. MatMul's, and the quantized
 * matmuls' (quantize.ts).
 */
export interface MatMulGeometry {
  M: number;
  K: number;
  N: number;
  batch: number[];
  aBatch: number[];
  bBatch: number[];
  outShape: number[];
}

export function matmulGeometry(ctx: NodeContext, aShape: readonly number[], bShape: readonly number[], names: [string, string]): MatMulGeometry {
  if (aShape.length === 0 || bShape.length === 0) {
    throw ctx.error('SHAPE_MISMATCH', `${names[0]} and ${names[1]} must have rank >= 1 (no scalars), got ${fmtShape(aShape)} and ${fmtShape(bShape)}`);
  }
  const as = aShape.length === 1 ? [1, aShape[0]] : aShape;
  const bs = bShape.length === 1 ? [bShape[0], 1] : bShape;
  const M = as[as.length - 2];
  const K = as[as.length - 1];
  const N = bs[bs.length - 1];
  if (bs[bs.length - 2] !== K) {
    throw ctx.error('SHAPE_MISMATCH', `cannot multiply ${names[0]} ${fmtShape(aShape)} by ${names[1]} ${fmtShape(bShape)} (${K} columns against ${bs[bs.length - 2]} rows)`);
  }
  const aBatch = as.slice(0, -2);
  const bBatch = bs.slice(0, -2);
  const batch = broadcastShapes(ctx, aBatch, bBatch, () => `the batch dims of ${names[0]} ${fmtShape(aShape)} and ${names[1]} ${fmtShape(bShape)}`);
  const outShape = [...batch, ...(aShape.length === 1 ? [] : [M]), ...(bShape.length === 1 ? [] : [N])];
  return { M, K, N, batch, aBatch, bBatch, outShape };
}

/** Inputs A and B of a call, and their float32 data (DTYPE_MISMATCH for any other type). */
function floatAB(ctx: NodeContext, ins: (OTensor | undefined)[]): { A: OTensor; B: OTensor; a: Float32Array; b: Float32Array } {
  const A = ctx.input(ins, 0, 'A');
  const B = ctx.input(ins, 1, 'B');
  return { A, B, a: requireFloat(ctx, A, 'A'), b: requireFloat(ctx, B, 'B') };
}

const matmul: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  // packed: B [K, N] (or [K], N = 1) constant; A [..., K] is (numel / K) rows of K
  const Bc = constantB(ctx, [1, 2]);
  const rt = Bc && loadedRuntime();
  let packed: PackedMatMul | undefined;
  if (Bc && rt) {
    packed = new PackedMatMul(rt, Bc.data as Float32Array, Bc.shape[0], Bc.shape[1] ?? 1, false, null, ctx.label, ctx.accumulation);
    ctx.resources.push(packed);
  }
  return (ins) => {
    const { A, B, a, b } = floatAB(ctx, ins);
    if (packed && B.data === Bc!.data && A.shape.length >= 1 && A.shape[A.shape.length - 1] === packed.k) {
      const out = alloc('float32', [...A.shape.slice(0, -1), ...(B.shape.length === 2 ? [packed.n] : [])], ctx.label);
      packed.run(a, a.length / packed.k, false, out.data as Float32Array);
      return [out];
    }
    const { M, K, N, batch, aBatch, bBatch, outShape } = matmulGeometry(ctx, A.shape, B.shape, ['A', 'B']);
    const out = alloc('float32', outShape, ctx.label);
    const o = out.data as Float32Array;
    forBroadcast(batch, bstrides(aBatch, batch), bstrides(bBatch, batch), (bi, ia, ib) => {
      matmulF64({ data: a, offset: ia * M * K, rowStride: K, colStride: 1 }, { data: b, offset: ib * K * N, rowStride: N, colStride: 1 }, M, K, N, o, bi * M * N);
    });
    return [out];
  };
};

/** Gemm's C broadcast to [M, N]: its values and strides (0 along broadcast dims). */
interface GemmC {
  c: Float32Array;
  s0: number;
  s1: number;
}

/** C (when present and beta is not 0) checked against [M, N]. */
function gemmC(ctx: NodeContext, C: OTensor | undefined, beta: number, M: number, N: number): GemmC | undefined {
  if (C === undefined || beta === 0) return undefined;
  const c = requireFloat(ctx, C, 'C');
  const out = [M, N];
  if (C.shape.length > 2 || !C.shape.every((d, j) => d === 1 || d === out[2 - C.shape.length + j])) {
    throw ctx.error('SHAPE_MISMATCH', `C of shape ${fmtShape(C.shape)} does not broadcast to ${fmtShape(out)} (unidirectional: each of its last dims 1 or the output's)`);
  }
  const [s0, s1] = bstrides(C.shape, out);
  return { c, s0, s1 };
}

/** Each output alpha * sum + beta * C in float64, rounded once: o [M, N] from the float64 sums of A B. */
function finishGemm(sums: Float64Array, M: number, N: number, alpha: number, beta: number, C: GemmC | undefined, o: Float32Array): void {
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let v = alpha * sums[m * N + n];
      if (C) v += beta * C.c[m * C.s0 + n * C.s1];
      o[m * N + n] = v;
    }
  }
}

/**
 * For alpha = 1, what the GEMM adds to every row's sums so that it returns Gemm's output: null
 * when C plays no part (absent, or beta 0), beta * C as a float64 vector [N] when C is a constant
 * of one row for all (shape [], [1], [N], [1, 1] or [1, N]), else undefined (not foldable). beta * c
 * is a product of two float32 values, exact in float64, so sum + bias rounds as sum + beta * C does.
 */
function rowBias(C: OTensor | undefined, hasC: boolean, beta: number, N: number): Float64Array | null | undefined {
  if (!hasC || beta === 0) return null;
  if (!C || C.dtype !== 'float32' || C.shape.length > 2 || (C.shape.length === 2 && C.shape[0] !== 1)) return undefined;
  const n = numelOf(C.shape);
  if (n !== 1 && (n !== N || C.shape[C.shape.length - 1] !== N)) return undefined;
  const c = C.data as Float32Array;
  return Float64Array.from({ length: N }, (_, j) => beta * c[n === 1 ? 0 : j]);
}

const gemm: OpFactory = (ctx) => {
  ctx.allowOnly(['alpha', 'beta', 'transA', 'transB', 'broadcast']);
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  const tA = ctx.int('transA', 0) !== 0;
  const tB = ctx.int('transB', 0) !== 0;
  // packed: B constant; C folded into the GEMM's bias when alpha is 1 and C is one row for all,
  // else the GEMM's float64 sums finished here
  const Bc = constantB(ctx, [2]);
  const rt = Bc && loadedRuntime();
  const hasC = (ctx.node.inputs[2] ?? '') !== '';
  const Cc = hasC ? ctx.constInputs[2] : undefined;
  let packed: PackedMatMul | undefined;
  let fused = false;
  if (Bc && rt) {
    const [K, N] = tB ? [Bc.shape[1], Bc.shape[0]] : Bc.shape;
    const bias = alpha === 1 ? rowBias(Cc, hasC, beta, N) : undefined;
    fused = bias !== undefined;
    // float32 sums when the GEMM finishes every output (alpha 1, C one row); else float64 sums finished here
    packed = new PackedMatMul(rt, Bc.data as Float32Array, K, N, tB, bias ?? null, ctx.label, fused ? ctx.accumulation : 'float64');
    ctx.resources.push(packed);
  }
  return (ins) => {
    const { A, B, a, b } = floatAB(ctx, ins);
    if (A.shape.length !== 2 || B.shape.length !== 2) throw ctx.error('INVALID_INPUT', `Gemm needs 2-D A and B, got ${fmtShape(A.shape)} and ${fmtShape(B.shape)}`);
    const [M, K] = tA ? [A.shape[1], A.shape[0]] : A.shape;
    const [K2, N] = tB ? [B.shape[1], B.shape[0]] : B.shape;
    if (K !== K2) throw ctx.error('SHAPE_MISMATCH', `cannot multiply ${fmtShape(A.shape)} by ${fmtShape(B.shape)} (transA=${+tA}, transB=${+tB})`);
    const out = alloc('float32', [M, N], ctx.label);
    const o = out.data as Float32Array;
    if (packed && B.data === Bc!.data) {
      if (fused && (!hasC || beta === 0 || ins[2]?.data === Cc!.data)) {
        packed.run(a, M, tA, o);
        return [out];
      }
      if (!packed.float32) {
        const C = gemmC(ctx, ins[2], beta, M, N);
        finishGemm(packed.sums(a, M, tA), M, N, alpha, beta, C, o);
        return [out];
      }
    }
    const C = gemmC(ctx, ins[2], beta, M, N);
    const sums = new Float64Array(M * N);
    const Am = tA ? { data: a, offset: 0, rowStride: 1, colStride: M } : { data: a, offset: 0, rowStride: K, colStride: 1 };
    const Bm = tB ? { data: b, offset: 0, rowStride: 1, colStride: K } : { data: b, offset: 0, rowStride: N, colStride: 1 };
    matmulF64(Am, Bm, M, K, N, sums, 0);
    finishGemm(sums, M, N, alpha, beta, C, o);
    return [out];
  };
};


export const LINALG_OPS: Record<string, OpFactory> = {
  MatMul: matmul,
  Gemm: gemm,
};
