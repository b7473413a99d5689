import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readTensorProto } from '../../src/onnx/index.js';
import { NodeContext, type NodeFn } from '../../src/onnx/node.js';
import type { OpFactory } from '../../src/onnx/ops/util.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { numelOf, type OTensor } from '../../src/onnx/values.js';
import type { Tensor } from '../../base/tensor.js';
import type { Accumulation } from '../../bindings/conv.js';
import { errorOf, rng } from '../helpers/common.js';
import { rand } from '../helpers/kernels.js';

export const FIXTURES = new URL('../fixtures/onnx/', import.meta.url).pathname;

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** input_N.pb / output_N.pb of an ONNX test data set, in N order. */
export function readDataSet(dir: string, prefix: 'input' | 'output'): (Tensor & { name: string })[] {
  const out: (Tensor & { name: string })[] = [];
  for (let i = 0; existsSync(join(dir, `${prefix}_${i}.pb`)); i++) out.push(readTensorProto(readBytes(join(dir, `${prefix}_${i}.pb`))));
  return out;
}

export function listDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** max |a-b| / (1 + |b|) over all elements, after checking shapes and types agree. */
export function maxRelErr(got: Tensor, want: { data: ArrayLike<number>; shape: readonly number[] }, what: string): number {
  expect(got.shape, `${what} shape`).toEqual(Array.from(want.shape));
  expect(got.data.length, `${what} length`).toBe(want.data.length);
  let m = 0;
  for (let i = 0; i < want.data.length; i++) {
    const a = Number(got.data[i]);
    const b = want.data[i];
    const e = Math.abs(a - b) / (1 + Math.abs(b));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

export function expectClose(got: Tensor, want: { data: ArrayLike<number>; shape: readonly number[] }, tol: number, what: string): void {
  const e = maxRelErr(got, want, what);
  expect(e, `${what}: max relative error ${e}`).toBeLessThanOrEqual(tol);
}

export interface PreparedNode {
  kernel: NodeFn;
  ctx: NodeContext;
  dispose(): void;
}

/** The node of a one-node model made by its op's factory in `ops`, with `consts` as its inputs known at load. */
export function prepareNode(ops: Record<string, OpFactory>, bytes: Uint8Array, consts: (OTensor | undefined)[], accumulation?: Accumulation): PreparedNode {
  const m = decodeModel(bytes);
  const node = m.graph!.nodes[0];
  const ctx = new NodeContext(node, m.opsets.get('') ?? 0, node.inputs.map((_, i) => consts[i]), 'f32', true, accumulation);
  const kernel = ops[node.opType](ctx);
  return { kernel, ctx, dispose: () => ctx.resources.forEach((r) => r.dispose()) };
}

/** A float32 tensor of `shape`, seeded uniform values in [-1, 1). */
export function randTensor(seed: number, shape: number[]): OTensor {
  return { dtype: 'float32', data: rand(seed, numelOf(shape)), shape };
}

/** fn throws an RnnError of `code` whose message matches every one of `parts`. */
export function expectError(fn: () => unknown, code: string, ...parts: (string | RegExp)[]): void {
  const e = errorOf(fn);
  expect(e.code).toBe(code);
  for (const p of parts) expect(e.message).toMatch(p);
}

/** TensorProto element types the graph-building tests use. */
export const BOOL = 9;
export const INT64 = 7;

/** n uniform values in [-1, 1), from `seed`. */
export function randn(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

/**
 * A serialized OptionalProto (ONNX's node tests store optional inputs so): its tensor, or
 * undefined for an empty optional. Fields: name 1, elem_type 2, tensor_value 3.
 */
export function readOptionalProto(bytes: Uint8Array): (Tensor & { name: string }) | undefined {
  let at = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 2) {
      const len = varint();
      if (field === 3) return readTensorProto(bytes.subarray(at, at + len));
      at += len;
    } else throw new Error(`OptionalProto: wire type ${wire} not expected`);
  }
  return undefined;
}

/** The inputs with every value replaced by its magnitude (for sums of |terms|: the same operator on them). */
export const absolute = (ins: OTensor[]): OTensor[] => ins.map((t) => ({ ...t, data: (t.data as Float32Array).map(Math.abs) }));

/**
 * A float32 sum of `terms` terms in any order, each product exact or rounded once (FMA or not), is
 * within (terms + 1) 2^-24 sum|terms| of the exact sum, to first order (recursive summation's
 * bound, Higham, "Accuracy and Stability of Numerical Algorithms", 4.2): `got` (a float32 path)
 * against `want` (a float64 reference, itself within 2^-24 |want| of exact), with `absSum` the
 * reference's sums of |terms| (the same operator on `absolute` inputs). NaN where `want` has NaN.
 */
export function expectFloat32Sums(got: OTensor, want: OTensor, absSum: OTensor, terms: number, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const g = got.data as Float32Array;
  const w = want.data as Float32Array;
  const a = absSum.data as Float32Array;
  let worst = 0;
  for (let j = 0; j < w.length; j++) {
    if (Number.isNaN(w[j])) {
      expect(Number.isNaN(g[j]), `${what} [${j}]: NaN`).toBe(true);
      continue;
    }
    const e = Math.abs(g[j] - w[j]) / ((terms + 2) * 2 ** -24 * a[j] + 1e-30);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  expect(worst, `${what}: worst |got - want| as a fraction of the float32 summation bound`).toBeLessThanOrEqual(1);
}
