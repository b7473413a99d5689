/**
 * Bounded memory: a million streaming steps keep wasm memory and the JS heap flat, and ten
 * thousand create/load/forward/dispose cycles come back to the baseline with freed blocks reused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, type RecurrentLayer } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { runtime } from '../../bindings/wasm.js';
import { collect, getGc, mem, randn, recurrentOnnx, rng } from './helpers.js';

const gc = getGc();
const heapTop = () => (runtime() as unknown as { allocator: { heapTop: number } }).allocator.heapTop;

beforeAll(async () => {
  await ready();
});

describe('1,000,000 streaming steps', () => {
  it('wasm memory is flat after warm-up and the JS heap stays flat', async () => {
    const layer = new LSTM({ inputSize: 4, hiddenSize: 12, numLayers: 2, seed: 7 });
    const state = layer.createState({ batch: 1 });
    // 64 distinct frames, reused, so the loop itself allocates nothing but the outputs
    const r = rng(99);
    const frames = Array.from({ length: 64 }, () => ({ data: randn(4, r), shape: [1, 4] }));
    for (let i = 0; i < 1000; i++) layer.step(frames[i & 63], state);
    await collect(gc, 2);
    const wasm0 = mem();
    const top0 = heapTop();
    const heap0 = process.memoryUsage().heapUsed;
    const STEPS = 1_000_000;
    let checksum = 0;
    for (let i = 0; i < STEPS; i++) {
      // mostly zero-copy views, every 8th step a copy (the default) so both paths run
      const out = (i & 7) === 0 ? layer.step(frames[i & 63], state) : layer.step(frames[i & 63], state, { view: true });
      checksum += out.data[0];
      if (i % 100_000 === 99_999) {
        expect(mem(), `after ${i + 1} steps`).toEqual(wasm0);
        expect(heapTop()).toBe(top0);
        if (i % 250_000 === 249_999) state.reset(); // streams of bounded length, as an app would do
      }
    }
    expect(Number.isFinite(checksum)).toBe(true);
    await collect(gc, 2);
    const heap1 = process.memoryUsage().heapUsed;
    // outputs are garbage once read: after gc the heap is back (tolerance for V8's own caches)
    expect(heap1 - heap0, `heapUsed ${heap0} -> ${heap1}`).toBeLessThan(4 * 1024 * 1024);
    expect(mem()).toEqual(wasm0);
    // the state is still sane: same as a fresh state fed the same frames
    const h = state.get().h.data;
    expect(h.every(Number.isFinite)).toBe(true);
    layer.dispose();
  });
});

describe('10,000 create/load/forward/dispose cycles', () => {
  const kinds = [
    (o: { inputSize: number; hiddenSize: number; numLayers: number; seed: number }) => new LSTM(o),
    (o: { inputSize: number; hiddenSize: number; numLayers: number; seed: number }) => new GRU(o),
    (o: { inputSize: number; hiddenSize: number; numLayers: number; seed: number }) => new RNN(o),
  ];

  function cycle(i: number, r: () => number, largest = false): void {
    const inputSize = largest ? 8 : 1 + Math.floor(r() * 8);
    const hiddenSize = largest ? 24 : 1 + Math.floor(r() * 24);
    const numLayers = largest ? 2 : 1 + Math.floor(r() * 2);
    const make = kinds[largest ? 0 : i % 3];
    const src = make({ inputSize, hiddenSize, numLayers, seed: i });
    const layer: RecurrentLayer = make({ inputSize, hiddenSize, numLayers, seed: i + 1 });
    layer.loadStateDict(src.stateDict());
    src.dispose();
    const T = largest ? 6 : 1 + Math.floor(r() * 6);
    const B = largest ? 3 : 1 + Math.floor(r() * 3);
    const y = layer.forward({ data: randn(T * B * inputSize, r), shape: [T, B, inputSize] });
    expect(y.output.data.length).toBe(T * B * hiddenSize);
    const s = layer.createState({ batch: B });
    layer.step({ data: randn(B * inputSize, r), shape: [B, inputSize] }, s);
    if (i % 2 === 0) s.dispose(); // else the layer's dispose frees it
    layer.dispose();
  }

  it('every cycle returns to the baseline and memory never grows after the first cycles', () => {
    const r = rng(2024);
    const base = mem();
    const top0 = heapTop();
    cycle(0, r, true); // the largest configuration first: it sets the footprint
    const footprint = mem().memoryBytes;
    for (let i = 1; i < 10_000; i++) {
      cycle(i, r);
      if (i % 10 === 0 || i < 100) {
        const m = mem();
        if (m.bytesInUse !== base.bytesInUse || m.liveBlocks !== base.liveBlocks || heapTop() !== top0 || m.memoryBytes !== footprint) {
          expect.fail(`cycle ${i}: ${JSON.stringify(m)} heapTop ${heapTop()} vs baseline ${JSON.stringify(base)} heapTop ${top0}, footprint ${footprint}`);
        }
      }
    }
    expect(mem()).toEqual({ ...base, memoryBytes: footprint });
  });

  it('staggered lifetimes (freed blocks below live ones) are reused: memory stays bounded', () => {
    const r = rng(77);
    const base = mem();
    let prev: RecurrentLayer | null = null;
    let footprint = 0;
    for (let i = 0; i < 3000; i++) {
      const hiddenSize = 4 + Math.floor(r() * 12);
      const l: RecurrentLayer = new (i % 2 ? GRU : LSTM)({ inputSize: 3, hiddenSize, seed: i });
      l.forward({ data: randn(4 * 3, r), shape: [4, 1, 3] });
      prev?.dispose(); // frees a block that sits below the one just made
      prev = l;
      if (i === 100) footprint = mem().memoryBytes;
      if (i > 100 && mem().memoryBytes !== footprint) expect.fail(`cycle ${i}: memory grew to ${mem().memoryBytes} from ${footprint}`);
    }
    prev?.dispose();
    expect(mem()).toMatchObject({ bytesInUse: base.bytesInUse, liveBlocks: base.liveBlocks });
  });

  it('ONNX load/run/dispose cycles return to the baseline', () => {
    const r = rng(5);
    const bytes = (['LSTM', 'GRU', 'RNN'] as const).map((op, k) => recurrentOnnx(op, 3, 5, k));
    const base = mem();
    let footprint = 0;
    for (let i = 0; i < 1500; i++) {
      const m = loadOnnx(bytes[i % 3]);
      const T = 1 + (i % 4);
      m.run({ x: { data: randn(T * 2 * 3, r), shape: [T, 2, 3] } });
      m.dispose();
      if (i === 10) footprint = mem().memoryBytes;
      if (i > 10) {
        const now = mem();
        if (now.bytesInUse !== base.bytesInUse || now.liveBlocks !== base.liveBlocks || now.memoryBytes !== footprint) {
          expect.fail(`ONNX cycle ${i}: ${JSON.stringify(now)} vs ${JSON.stringify(base)}, footprint ${footprint}`);
        }
      }
    }
  });
});
