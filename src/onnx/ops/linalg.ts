/**
 * MatMul (numpy semantics: 1-D operands, broadcast batch dimensions) and Gemm (alpha, beta,
 * transA, transB, unidirectional broadcast of C), accumulating in float64.
 */
import { fmtShape } from '../../errors.js';
import { alloc } from '../values.js';
import { broadcastShapes, bstrides, forBroadcast, requireFloat, type OpFactory } from './util.js';


function matmulCore(a: Float32Array, aOff: number, b: Float32Array, bOff: number, out: Float32Array, oOff: number, M: number, K: number, N: number): void {
  const acc = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const av = a[aOff + m * K + k];
      if (av === 0) continue;
      const row = bOff + k * N;
      for (let n = 0; n < N; n++) acc[n] += av * b[row + n];
    }
    for (let n = 0; n < N; n++) out[oOff + m * N + n] = acc[n];
  }
}

const matmul: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  return (ins) => {
    const A = ctx.input(ins, 0, 'A');
    const B = ctx.input(ins, 1, 'B');
    const a = requireFloat(ctx, A, 'A');
    const b = requireFloat(ctx, B, 'B');
    const as = A.shape.length === 1 ? [1, A.shape[0]] : A.shape;
    const bs = B.shape.length === 1 ? [B.shape[0], 1] : B.shape;
    if (as.length === 0 || bs.length === 0) throw ctx.error('INVALID_INPUT', 'MatMul of a scalar');
    const M = as[as.length - 2];
    const K = as[as.length - 1];
    const N = bs[bs.length - 1];
    if (bs[bs.length - 2] !== K) throw ctx.error('SHAPE_MISMATCH', `cannot multiply ${fmtShape(A.shape)} by ${fmtShape(B.shape)}`);
    const batchA = as.slice(0, -2);
    const batchB = bs.slice(0, -2);
    const batch = broadcastShapes(ctx, batchA, batchB);
    const outShape = [...batch, M, N];
    const out = alloc('float32', outShape, ctx.label);
    const o = out.data as Float32Array;
    forBroadcast(batch, bstrides(batchA, batch), bstrides(batchB, batch), (bi, ia, ib) => {
      matmulCore(a, ia * M * K, b, ib * K * N, o, bi * M * N, M, K, N);
    });
    let shape = outShape;
    if (A.shape.length === 1 && B.shape.length === 1) shape = batch;
    else if (A.shape.length === 1) shape = [...batch, N];
    else if (B.shape.length === 1) shape = [...batch, M];
    return [{ ...out, shape }];
  };
};

const gemm: OpFactory = (ctx) => {
  ctx.allowOnly(['alpha', 'beta', 'transA', 'transB', 'broadcast']);
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  const tA = ctx.int('transA', 0) !== 0;
  const tB = ctx.int('transB', 0) !== 0;
  return (ins) => {
    const A = ctx.input(ins, 0, 'A');
    const B = ctx.input(ins, 1, 'B');
    const a = requireFloat(ctx, A, 'A');
    const b = requireFloat(ctx, B, 'B');
    if (A.shape.length !== 2 || B.shape.length !== 2) throw ctx.error('INVALID_INPUT', `Gemm needs 2-D A and B, got ${fmtShape(A.shape)} and ${fmtShape(B.shape)}`);
    const [M, K] = tA ? [A.shape[1], A.shape[0]] : A.shape;
    const [K2, N] = tB ? [B.shape[1], B.shape[0]] : B.shape;
    if (K !== K2) throw ctx.error('SHAPE_MISMATCH', `cannot multiply ${fmtShape(A.shape)} by ${fmtShape(B.shape)} (transA=${+tA}, transB=${+tB})`);
    const out = alloc('float32', [M, N], ctx.label);
    const o = out.data as Float32Array;
    let cAt: ((m: number, n: number) => number) | undefined;
    const C = ins[2];
    if (C !== undefined && beta !== 0) {
      const c = requireFloat(ctx, C, 'C');
      const s = broadcastShapes(ctx, C.shape, [M, N]);
      if (s[0] !== M || s[1] !== N || s.length !== 2) throw ctx.error('SHAPE_MISMATCH', `C of shape ${fmtShape(C.shape)} does not broadcast to ${fmtShape([M, N])}`);
      const [s0, s1] = bstrides(C.shape, [M, N]);
      cAt = (m, n) => c[m * s0 + n * s1];
    }
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[tA ? k * M + m : m * K + k] * b[tB ? n * K + k : k * N + n];
        let v = alpha * acc;
        if (cAt) v += beta * cAt(m, n);
        o[m * N + n] = v;
      }
    }
    return [out];
  };
};


export const LINALG_OPS: Record<string, OpFactory> = {
  MatMul: matmul,
  Gemm: gemm,
};
