/**
 * TF.js helpers for the Keras tests: build models in real TF.js (cpu backend), give them seeded
 * random weights (biases too), save them through an IOHandler to the layers format and run
 * TF.js's own predict as the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { Tensor } from '../../base/tensor.js';

export { tf };

let backendReady = false;
export async function useCpu(): Promise<void> {
  if (backendReady) return;
  await tf.setBackend('cpu');
  await tf.ready();
  backendReady = true;
}

export class Lcg {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }
  uniform(n: number, lo = -1, hi = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.next();
    return a;
  }
  ints(n: number, hi: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(this.next() * hi);
    return a;
  }
}

/** Replaces every weight with seeded uniform values in [-scale, scale]. */
export function randomizeWeights(model: tf.LayersModel, seed: number, scale = 0.6): void {
  const rng = new Lcg(seed);
  model.setWeights(model.getWeights().map((w) => tf.tensor(rng.uniform(w.size, -scale, scale), w.shape, 'float32')));
}

export interface Saved {
  /** model.json as the TF.js file handler writes it. */
  json: Record<string, unknown>;
  weights: Uint8Array;
}

export async function save(model: tf.LayersModel): Promise<Saved> {
  let art: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      art = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = art!;
  const wd = a.weightData as ArrayBuffer;
  return {
    json: {
      modelTopology: a.modelTopology,
      format: a.format,
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
    },
    weights: new Uint8Array(wd.slice(0)),
  };
}

/** TF.js predict on plain tensors; always returns an array. */
export function tfPredict(model: tf.LayersModel, xs: Tensor[]): Tensor<Float32Array>[] {
  const ins = xs.map((x) => tf.tensor(x.data as Float32Array | Int32Array, x.shape, x.data instanceof Int32Array ? 'int32' : 'float32'));
  const out = model.predict(ins.length === 1 ? ins[0] : ins);
  const outs = Array.isArray(out) ? out : [out];
  const res = outs.map((o) => ({ data: o.dataSync() as Float32Array, shape: o.shape as number[] }));
  tf.dispose([...ins, ...outs]);
  return res;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function expectClose(got: Tensor<Float32Array>, want: { data: ArrayLike<number>; shape: number[] }, tol: number, what = ''): void {
  expect(got.shape, what).toEqual(want.shape);
  let m = 0;
  let at = -1;
  for (let i = 0; i < got.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    if (!(d <= m)) {
      m = d;
      at = i;
    }
  }
  expect(m, `${what}: max abs diff ${m} at ${at}`).toBeLessThanOrEqual(tol);
}
