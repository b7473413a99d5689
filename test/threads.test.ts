/**
 * Threads (ready({ threads })): the threads builds (<build>-threads.wasm) and the worker pool
 * (bindings/threads.ts) split a recurrent stack's input projections by rows and its recurrences
 * by batch rows. Each part is the same kernel call on fewer rows, so every output must be the
 * same bits as the one-thread runtime of the same build computes; these tests compare bitwise,
 * after checking that the computation really was split (jobs posted to the workers).
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, SileroVad, loadOnnx, quantize, ready, type RecurrentLayer } from '../src/index.js';
import { MAX_MEMORY_BYTES, THREADS_INITIAL_PAGES, buildUrl, runtime, supportedBuilds, type BuildName } from '../bindings/wasm.js';
import { THREAD_SPLIT, splitEven } from '../bindings/recurrent-run.js';
import { expectBitwise, randn, rng } from './reliability/helpers.js';
import { model } from './onnx/encode.js';
import { codeOf } from './helpers/common.js';

const builds = supportedBuilds().filter((b): b is Exclude<BuildName, 'scalar'> => b !== 'scalar');
const defaultSplit = THREAD_SPLIT.minPartMadds;

beforeAll(() => {
  THREAD_SPLIT.minPartMadds = 1; // split every problem, however small
});
afterAll(() => {
  THREAD_SPLIT.minPartMadds = defaultSplit;
});

describe('the threads builds', () => {
  it.each(builds)('%s-threads.wasm imports a shared memory of THREADS_INITIAL_PAGES up to the memory limit and exports what the inference build exports', (build) => {
    const threaded = new WebAssembly.Module(readFileSync(buildUrl(build, false, true)));
    const plain = new WebAssembly.Module(readFileSync(buildUrl(build)));
    expect(WebAssembly.Module.imports(threaded)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.imports(plain)).toEqual([]);
    const names = (m: WebAssembly.Module) => WebAssembly.Module.exports(m).map((e) => `${e.kind} ${e.name}`).sort();
    expect(names(threaded)).toEqual(names(plain));
    // the memory import's limits, from the binary: flags 3 (shared, has maximum), minimum, maximum
    expect(memoryImportLimits(readFileSync(buildUrl(build, false, true)))).toEqual({ shared: true, min: THREADS_INITIAL_PAGES, max: MAX_MEMORY_BYTES / 65536 });
  });
});

describe('splitEven', () => {
  it('covers [0, n) in parts as even as the alignment allows', () => {
    expect(splitEven(5, 2)).toEqual([0, 3, 5]);
    expect(splitEven(8, 1)).toEqual([0, 8]);
    expect(splitEven(400, 2, 4)).toEqual([0, 200, 400]);
    expect(splitEven(102, 3, 4)).toEqual([0, 36, 68, 102]);
    expect(splitEven(7, 3)).toEqual([0, 2, 5, 7]);
  });
});

/** A layer of each kind and layout the split must keep bitwise (seeded: the same weights on both runtimes). */
const LAYERS: Array<[string, () => RecurrentLayer, number]> = [
  ['LSTM, 2 layers, bidirectional, batchFirst, B = 5', () => new LSTM({ inputSize: 12, hiddenSize: 16, numLayers: 2, bidirectional: true, batchFirst: true, seed: 11 }), 5],
  ['LSTM with projection, B = 3', () => new LSTM({ inputSize: 12, hiddenSize: 20, projSize: 6, seed: 12 }), 3],
  ['GRU, 2 layers, B = 4', () => new GRU({ inputSize: 12, hiddenSize: 16, numLayers: 2, seed: 13 }), 4],
  ['RNN tanh, B = 9', () => new RNN({ inputSize: 12, hiddenSize: 10, seed: 14 }), 9],
  ['RNN relu, bidirectional, B = 2', () => new RNN({ inputSize: 12, hiddenSize: 9, nonlinearity: 'relu', bidirectional: true, seed: 15 }), 2],
];

describe.each(builds)('threads on the %s build: the same bits as one thread', (build) => {
  it.each(LAYERS)('%s: outputs and states, with and without lengths and initial states, f32 and int8', async (_name, make, B) => {
    const T = 13;
    await ready({ build });
    const single = make();
    const singleQ8 = quantize(make(), { weights: 'int8' });
    for (const threads of [2, 3]) {
      await ready({ build, threads });
      const rt = runtime();
      expect(rt.threadCount).toBe(threads);
      expect(rt.build).toBe(build);
      const threaded = make();
      const threadedQ8 = quantize(make(), { weights: 'int8' });
      const I = 12;
      const shape = single.batchFirst ? [B, T, I] : [T, B, I];
      const layers = single.spec.numLayers * single.spec.numDirections;
      const ps = single.projSize || single.hiddenSize;
      for (const seed of [1, 2]) {
        const r = rng(seed);
        const x = { data: randn(T * B * I, r), shape };
        const lengths = Array.from({ length: B }, (_, b) => 1 + ((b * 5 + seed) % T));
        const h0 = { data: randn(layers * B * ps, r, 0.5), shape: [layers, B, ps] };
        const c0 = { data: randn(layers * B * single.hiddenSize, r, 0.5), shape: [layers, B, single.hiddenSize] };
        const state = single instanceof LSTM ? { h0, c0 } : { h0 };
        for (const [what, options] of [['plain', {}], ['lengths', { lengths }], ['initial state', state], ['both', { lengths, ...state }]] as const) {
          for (const [a, b, q] of [[single, threaded, 'f32'], [singleQ8, threadedQ8, 'int8']] as const) {
            const jobs = rt.threads!.jobsPosted;
            const ref = a.forward(x, options as never);
            const got = b.forward(x, options as never);
            expect(rt.threads!.jobsPosted, 'the run was split').toBeGreaterThan(jobs);
            const label = `${threads} threads, seed ${seed}, ${what}, ${q}`;
            expectBitwise(got.output.data, ref.output.data, `${label}: output`);
            expectBitwise(got.h.data, ref.h.data, `${label}: h`);
            if (ref.c) expectBitwise(got.c!.data, ref.c.data, `${label}: c`);
          }
        }
      }
      threaded.dispose();
      threadedQ8.dispose();
    }
    single.dispose();
    singleQ8.dispose();
  });

  it('an ONNX LSTM in layout 1 (batch-major x, y [B, T, D, H], states [B, D, H]) through a static plan', async () => {
    const [T, B, I, H] = [9, 6, 7, 11];
    const bytes = bidirectionalLayout1Lstm(I, H, 21);
    const feeds = { x: { data: randn(B * T * I, rng(5)), shape: [B, T, I] } };
    await ready({ build });
    const single = loadOnnx(bytes);
    const ref = [single.run(feeds), single.run(feeds)];
    await ready({ build, threads: 2 });
    const threaded = loadOnnx(bytes);
    const jobs = runtime().threads!.jobsPosted;
    const got = [threaded.run(feeds), threaded.run(feeds)];
    expect(runtime().threads!.jobsPosted).toBeGreaterThan(jobs);
    for (let i = 0; i < 2; i++) {
      for (const name of ['y', 'yh', 'yc']) {
        expect(got[i][name].shape).toEqual(ref[i][name].shape);
        expectBitwise(got[i][name].data as Float32Array, ref[i][name].data as Float32Array, `run ${i}: ${name}`);
      }
    }
    single.dispose();
    threaded.dispose();
  });

  it('Silero VAD v5 on a threaded runtime (its plan arena on a shared memory of its own) gives the one-thread probabilities', async () => {
    const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL('../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url))));
    const frames = Array.from({ length: 6 }, (_, f) => randn(512, rng(100 + f), 0.3));
    await ready({ build });
    const single = SileroVad.load(bytes);
    const ref = frames.map((fr) => single.process(fr));
    await ready({ build, threads: 2 });
    const threaded = SileroVad.load(bytes);
    expect(frames.map((fr) => threaded.process(fr))).toEqual(ref);
    single.dispose();
    threaded.dispose();
  });
});

describe('ready({ threads }) refuses what it cannot do', () => {
  it.each([0, 1.5, -2, 65, Number.NaN, '2'])('threads: %s -> INVALID_OPTION', async (threads) => {
    await expect(ready({ threads: threads as number })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
  it('with training, or the scalar build -> UNSUPPORTED', async () => {
    await expect(ready({ threads: 2, training: true })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(ready({ threads: 2, build: 'scalar' })).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('scalar') });
  });
  it("from an entry's own copies of the builds (wasm-rnn/embedded passes them as sources) -> UNSUPPORTED", async () => {
    const sources = (b: BuildName) => readFileSync(buildUrl(b));
    await ready({ build: builds[0] }); // one thread in use: ready({ threads: 2 }) must make a runtime
    await expect(ready({ threads: 2, sources })).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('embedded') });
  });
  it('with bytes of a build that is not a threads build -> INVALID_OPTION', async () => {
    const build = builds[0];
    await expect(ready({ threads: 2, build, bytes: readFileSync(buildUrl(build)) })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('threads build') });
  });
  it('a threads build given as bytes runs with one thread too (its shared memory made for it)', async () => {
    const build = builds[0];
    await ready({ build, bytes: readFileSync(buildUrl(build, false, true)) });
    expect(runtime().threadCount).toBe(1);
    expect(runtime().memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const layer = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
    expect(layer.forward({ data: new Float32Array(2 * 3).fill(0.5), shape: [2, 1, 3] }).output.data.every(Number.isFinite)).toBe(true);
    layer.dispose();
  });
  it('a layer made before ready({ threads }) keeps its one-thread runtime', async () => {
    await ready({ build: builds[0] });
    const before = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
    await ready({ build: builds[0], threads: 2 });
    const x = { data: new Float32Array(2 * 3 * 3).fill(0.25), shape: [2, 3, 3] };
    const after = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
    expectBitwise(before.forward(x).output.data, after.forward(x).output.data, 'output');
    expect(codeOf(() => before.forward({ data: new Float32Array(2), shape: [1, 1, 2] }))).toBe('SHAPE_MISMATCH');
    before.dispose();
    after.dispose();
  });
});

describe('a Node process with worker threads', () => {
  it('ends by itself when its work is done (idle workers keep nothing alive)', () => {
    const entry = fileURLToPath(new URL('../dist/entries/node.js', import.meta.url));
    const code = `
      const lib = await import(${JSON.stringify(entry)});
      await lib.ready({ threads: 2 });
      const l = new lib.LSTM({ inputSize: 64, hiddenSize: 128, seed: 3 });
      const y = l.forward({ data: new Float32Array(50 * 8 * 64).fill(0.1), shape: [50, 8, 64] });
      console.log('done', y.output.data.length);`;
    const major = Number(process.versions.node.split('.')[0]);
    const r = spawnSync(process.execPath, [...(major < 22 ? ['--experimental-wasm-relaxed-simd'] : []), '--input-type=module', '-e', code], { timeout: 60_000, encoding: 'utf8' });
    expect(r.error, 'the process did not end within 60 s').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`done ${50 * 8 * 128}`);
    expect(r.status).toBe(0);
  });
});

/** An LSTM node, bidirectional, layout 1, with seeded weights; inputs x [B, T, I]. */
function bidirectionalLayout1Lstm(I: number, H: number, seed: number): Uint8Array {
  const r = rng(seed);
  const vals = (n: number) => Array.from(randn(n, r, 0.5));
  return model({
    opset: 14,
    nodes: [{
      op: 'LSTM', name: 'lstm', inputs: ['x', 'W', 'R', 'B'], outputs: ['y', 'yh', 'yc'],
      attrs: [{ name: 'hidden_size', i: H }, { name: 'direction', s: 'bidirectional' }, { name: 'layout', i: 1 }],
    }],
    inputs: [{ name: 'x', shape: ['B', 'T', I] }],
    initializers: [
      { name: 'W', dims: [2, 4 * H, I], data: vals(2 * 4 * H * I) },
      { name: 'R', dims: [2, 4 * H, H], data: vals(2 * 4 * H * H) },
      { name: 'B', dims: [2, 8 * H], data: vals(2 * 8 * H) },
    ],
    outputs: [{ name: 'y' }, { name: 'yh' }, { name: 'yc' }],
  });
}

/** The limits of a wasm binary's imported memory, read from its import section. */
function memoryImportLimits(bytes: Uint8Array): { shared: boolean; min: number; max: number | undefined } | undefined {
  let p = 8;
  const leb = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  const name = () => {
    const n = leb();
    p += n;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        name();
        name();
        const kind = bytes[p++];
        if (kind !== 2) throw new Error('only a memory import was expected');
        const flags = bytes[p++];
        const min = leb();
        const max = flags & 1 ? leb() : undefined;
        return { shared: (flags & 2) !== 0, min, max };
      }
    }
    p = end;
  }
  return undefined;
}
