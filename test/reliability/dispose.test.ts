/**
 * Use after dispose is a typed error for every object, and the FinalizationRegistry frees what
 * users forget to dispose without ever freeing what is still reachable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, type RecurrentLayer } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { codeOf, collect, expectBitwise, getGc, mem, randn, recurrentOnnx, rng } from './helpers.js';

const gc = getGc();

beforeAll(async () => {
  await ready();
});

const makers: Array<[string, () => RecurrentLayer]> = [
  ['LSTM', () => new LSTM({ inputSize: 3, hiddenSize: 5, seed: 1 })],
  ['LSTM proj', () => new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 2, numLayers: 2, seed: 2 })],
  ['GRU', () => new GRU({ inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 3 })],
  ['RNN', () => new RNN({ inputSize: 3, hiddenSize: 5, nonlinearity: 'relu', seed: 4 })],
  ['RNN bidir', () => new RNN({ inputSize: 3, hiddenSize: 5, bidirectional: true, seed: 5 })],
];

describe('use after dispose', () => {
  for (const [name, make] of makers) {
    it(`${name}: every method throws DISPOSED and frees nothing twice`, () => {
      const before = mem();
      const layer = make();
      const x = { data: randn(2 * 3, rng(1)), shape: [2, 1, 3] };
      layer.forward(x);
      const sd = layer.stateDict();
      const state = layer.bidirectional ? null : layer.createState();
      const other = make(); // lives on: its blocks must not be freed by the double dispose below
      const otherOut = other.forward(x).output.data;
      layer.dispose();
      layer.dispose(); // safe twice
      expect(layer.isDisposed).toBe(true);
      expect(codeOf(() => layer.forward(x))).toBe('DISPOSED');
      expect(codeOf(() => layer.loadStateDict(sd))).toBe('DISPOSED');
      expect(codeOf(() => layer.stateDict())).toBe('DISPOSED');
      expect(codeOf(() => layer.createState())).toBe('DISPOSED');
      // bad arguments after dispose: still DISPOSED (checked first), never a TypeError
      expect(codeOf(() => layer.forward(null as never))).toBe('DISPOSED');
      expect(codeOf(() => layer.loadStateDict(null as never))).toBe('DISPOSED');
      if (state) {
        const frame = { data: new Float32Array(3), shape: [1, 3] };
        expect(codeOf(() => layer.step(frame, state))).toBe('DISPOSED');
        // the state died with its layer
        expect(codeOf(() => state.get())).toBe('DISPOSED');
        expect(codeOf(() => state.reset())).toBe('DISPOSED');
        expect(codeOf(() => state.batch)).toBe('DISPOSED');
        expect(codeOf(() => state.set({ data: new Float32Array(0), shape: [0] }))).toBe('DISPOSED');
        state.dispose(); // after its layer: a no-op
        state.dispose();
      }
      expectBitwise(other.forward(x).output.data, otherOut, 'other layer after dispose');
      other.dispose();
      expect(mem().bytesInUse).toBe(before.bytesInUse);
      expect(mem().liveBlocks).toBe(before.liveBlocks);
    });
  }

  it('a disposed state throws DISPOSED everywhere; its layer keeps working', () => {
    const before = mem();
    const layer = new GRU({ inputSize: 2, hiddenSize: 4, seed: 9 });
    const s1 = layer.createState({ batch: 2 });
    const s2 = layer.createState({ batch: 2 });
    const frame = { data: randn(4, rng(2)), shape: [2, 2] };
    const ref = layer.step(frame, s2).data;
    s2.reset();
    s1.dispose();
    s1.dispose();
    expect(codeOf(() => layer.step(frame, s1))).toBe('DISPOSED');
    expect(codeOf(() => s1.get())).toBe('DISPOSED');
    expect(codeOf(() => s1.set({ data: new Float32Array(8), shape: [1, 2, 4] }))).toBe('DISPOSED');
    expect(codeOf(() => s1.reset())).toBe('DISPOSED');
    expect(codeOf(() => s1.batch)).toBe('DISPOSED');
    expectBitwise(layer.step(frame, s2).data, ref, 'surviving state');
    layer.dispose();
    expect(mem()).toMatchObject({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
  });

  it('an ONNX model throws DISPOSED after dispose and frees its layers', () => {
    const before = mem();
    const I = 3;
    const r = rng(5);
    const bytes = recurrentOnnx('LSTM', I, 4, 5);
    const m = loadOnnx(bytes);
    expect(m.recurrentNodes[0].path).toBe('fast');
    const feeds = { x: { data: randn(2 * I, r), shape: [2, 1, I] } };
    m.run(feeds);
    // the node's wasm layer is built at its first run
    expect(mem().liveBlocks).toBeGreaterThan(before.liveBlocks);
    m.dispose();
    m.dispose();
    expect(codeOf(() => m.run(feeds))).toBe('DISPOSED');
    expect(codeOf(() => m.run(null as never))).toBe('DISPOSED');
    expect(mem()).toMatchObject({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
  });
});

describe('FinalizationRegistry', () => {
  function forgetLayers(n: number, withState: boolean): void {
    for (let i = 0; i < n; i++) {
      const l = new LSTM({ inputSize: 4, hiddenSize: 16, numLayers: 2, seed: i });
      l.forward({ data: new Float32Array(3 * 2 * 4), shape: [3, 2, 4] }); // a workspace too
      if (withState) l.step({ data: new Float32Array(4), shape: [1, 4] }, l.createState());
    }
  }

  it('frees the weights, workspace and states of unreachable undisposed layers', async () => {
    await collect(gc);
    const before = mem();
    forgetLayers(20, true);
    const held = mem();
    expect(held.liveBlocks).toBeGreaterThan(before.liveBlocks + 20 * 2);
    await collect(gc, 8);
    const after = mem();
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.bytesInUse).toBe(before.bytesInUse);
  });

  it('frees the packed weights and workspaces of unreachable undisposed ONNX models (Conv, ConvTranspose, LSTM)', async () => {
    const { model } = await import('../onnx/encode.js');
    const r = rng(11);
    const vals = (n: number) => Array.from(randn(n, r, 0.5));
    const convBytes = model({
      opset: 14,
      nodes: [
        { op: 'Conv', name: 'conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attrs: [{ name: 'pads', ints: [1, 1] }] },
        { op: 'ConvTranspose', name: 'deconv', inputs: ['c', 'Wt'], outputs: ['y'], attrs: [{ name: 'strides', ints: [2] }] },
      ],
      inputs: [{ name: 'x', shape: [1, 2, 9] }],
      initializers: [
        { name: 'W', dims: [3, 2, 3], data: vals(18) },
        { name: 'B', dims: [3], data: vals(3) },
        { name: 'Wt', dims: [3, 2, 4], data: vals(24) },
      ],
      outputs: [{ name: 'y' }],
    });
    const lstmBytes = recurrentOnnx('LSTM', 3, 8, 12);
    // in a function of its own, so that no model stays reachable from this frame
    const forgetModels = (n: number): void => {
      for (let i = 0; i < n; i++) {
        loadOnnx(convBytes).run({ x: { data: randn(18, r), shape: [1, 2, 9] } });
        loadOnnx(lstmBytes).run({ x: { data: randn(3 * 2 * 3, r), shape: [3, 2, 3] } });
      }
    };
    await collect(gc);
    const before = mem();
    forgetModels(10);
    expect(mem().liveBlocks).toBeGreaterThanOrEqual(before.liveBlocks + 10 * 3);
    await collect(gc, 8);
    expect(mem()).toMatchObject({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
  });

  it('frees the weights and workspace of unreachable undisposed Linear layers, also after a reload', async () => {
    const { Linear } = await import('../../src/index.js');
    // in a function of its own, so that no layer stays reachable from this frame
    const forgetLinears = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const l = new Linear(6, 5, i % 2 === 0, { seed: i });
        l.forward({ data: new Float32Array(3 * 6), shape: [3, 6] }); // a workspace too
        if (i % 4 === 0) l.loadStateDict(l.stateDict()); // replaced weights: the old ones are freed at once
      }
    };
    await collect(gc);
    const before = mem();
    forgetLinears(20);
    expect(mem().liveBlocks).toBeGreaterThanOrEqual(before.liveBlocks + 20 * 2);
    await collect(gc, 8);
    expect(mem()).toMatchObject({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
  });

  it('frees an unreachable undisposed state while its layer lives on', async () => {
    const layer = new LSTM({ inputSize: 4, hiddenSize: 8, seed: 3 });
    await collect(gc);
    const before = mem();
    for (let i = 0; i < 50; i++) layer.step({ data: new Float32Array(4), shape: [1, 4] }, layer.createState());
    expect(mem().liveBlocks).toBe(before.liveBlocks + 50);
    await collect(gc, 8);
    expect(mem().liveBlocks).toBe(before.liveBlocks);
    // and the layer is intact
    const s = layer.createState();
    expect(layer.step({ data: new Float32Array(4), shape: [1, 4] }, s).data.length).toBe(8);
    layer.dispose();
  });

  it('never frees what is still reachable: layers, states held alone, and layers held only through a state', async () => {
    await collect(gc);
    const before = mem();
    const r = rng(11);
    const x = { data: randn(5 * 2 * 4, r), shape: [5, 2, 4] };
    const frames = Array.from({ length: 5 }, () => ({ data: randn(4, r), shape: [1, 4] }));
    const kept = new LSTM({ inputSize: 4, hiddenSize: 12, seed: 21 });
    const ref = kept.forward(x).output.data;
    // a state whose layer is reachable only through state.layer
    const orphanState = new GRU({ inputSize: 4, hiddenSize: 6, seed: 22 }).createState();
    const refSteps = (() => {
      const l = new GRU({ inputSize: 4, hiddenSize: 6, seed: 22 });
      const s = l.createState();
      const out = frames.map((f) => l.step(f, s).data);
      l.dispose();
      return out;
    })();
    for (let round = 0; round < 3; round++) {
      forgetLayers(10, true); // garbage around them, so the gc has something to collect
      await collect(gc, 3);
      expectBitwise(kept.forward(x).output.data, ref, `kept layer, round ${round}`);
    }
    orphanState.reset();
    for (let t = 0; t < frames.length; t++) {
      expectBitwise(orphanState.layer.step(frames[t], orphanState).data, refSteps[t], `orphan state step ${t}`);
      await collect(gc, 1);
      // churn the allocator: freed blocks would be reused and overwritten here
      forgetLayers(2, true);
    }
    kept.dispose();
    orphanState.layer.dispose();
    // everything else made here was garbage: once collected, the heap is where it started
    await collect(gc, 8);
    expect(mem()).toMatchObject({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
  });
});

describe('Sequential states', () => {
  it('a forgotten Sequential state is freed once unreachable while its model lives on; model.dispose frees the ones still held', async () => {
    const { Sequential, Embedding, Linear } = await import('../../src/index.js');
    const model = new Sequential([
      ['emb', new Embedding(7, 4, { seed: 1 })],
      ['lstm', new LSTM({ inputSize: 4, hiddenSize: 6, seed: 2 })],
      ['head', new Linear(6, 7, true, { seed: 3 })],
    ]);
    const held = model.createState();
    const ref = model.step([3], held).data;
    held.reset();
    await collect(gc);
    const before = mem();
    for (let i = 0; i < 20; i++) model.step([3], model.createState()); // each allocates a block and a stream
    expect(mem().liveBlocks).toBeGreaterThan(before.liveBlocks);
    await collect(gc, 8);
    expect(mem().liveBlocks).toBe(before.liveBlocks);
    // the held state and the model are intact
    expectBitwise(model.step([3], held).data, ref, 'held state after the others were collected');
    const baseline = mem().liveBlocks;
    model.dispose();
    expect(mem().liveBlocks).toBeLessThan(baseline);
    expect(codeOf(() => held.reset())).toBe('DISPOSED');
    expect(codeOf(() => model.step([3], held))).toBe('DISPOSED');
  });
});
