/** onnxruntime-web (wasm backend, one thread) as a second reference, where it supports a case. */
import * as ort from 'onnxruntime-web';
import { expect } from 'vitest';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { expectClose } from './helpers.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export type OrtFeeds = Record<string, { data: Float32Array | Int32Array | BigInt64Array; shape: number[] }>;

/** Runs a model with onnxruntime; returns undefined (and the reason) when ORT rejects it. */
export async function runOrt(model: Uint8Array, feeds: OrtFeeds): Promise<{ outputs?: Record<string, { data: Float32Array; shape: number[] }>; error?: string }> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  } catch (e) {
    return { error: String((e as Error).message ?? e) };
  }
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) {
      const type = v.data instanceof Float32Array ? 'float32' : v.data instanceof Int32Array ? 'int32' : 'int64';
      f[k] = new ort.Tensor(type, v.data, v.shape);
    }
    const r = await session.run(f);
    const outputs: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const [k, v] of Object.entries(r)) outputs[k] = { data: v.data as Float32Array, shape: [...v.dims] };
    return { outputs };
  } catch (e) {
    return { error: String((e as Error).message ?? e) };
  } finally {
    await session.release();
  }
}

/**
 * Runs `bytes` with loadOnnx and with onnxruntime-web on `feeds`: both give the same outputs, each
 * within `tol` (max |a - b| / (1 + |b|); int64 outputs compared as numbers). Returns wasm-rnn's.
 */
export async function expectLikeOrt(bytes: Uint8Array, feeds: Record<string, Tensor>, tol = 1e-6): Promise<Record<string, Tensor>> {
  const got = loadOnnx(bytes).run(feeds);
  const ort = await runOrt(bytes, feeds as never);
  expect(ort.error).toBeUndefined();
  expect(Object.keys(got).sort()).toEqual(Object.keys(ort.outputs!).sort());
  for (const [name, want] of Object.entries(ort.outputs!)) {
    expectClose(got[name], { data: Array.from(want.data as ArrayLike<number | bigint>, Number), shape: want.shape }, tol, name);
  }
  return got;
}
