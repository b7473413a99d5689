/**
 * stateDict() reads the weight matrices back from the packed panels (recurrent layers and Linear
 * keep no JS copy of them): what was loaded comes back bit for bit, in both panel widths (8 and 32 columns),
 * across panel edges (sizes 1, 7, 8, 9, 31, 33), with projections, bidirectional and stacked
 * layers; the layer copies what it is given (later changes to the caller's arrays do not reach it),
 * and weights passed as views of wasm memory survive the memory growth of packing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Embedding, GRU, LSTM, Linear, RNN, ready, type RecurrentLayer, type Tensor } from '../src/index.js';
import { runtime } from '../bindings/wasm.js';
import { expectBitwise, randn, rng } from './reliability/helpers.js';

beforeAll(async () => {
  await ready();
  // wide panels where the size allows, whatever ready()'s timing chose for this engine
  // (test/panel-layout.test.ts covers the choice itself), so that both widths are read back
  runtime().exports.set_wide_panels(1);
});

type Kind = 'LSTM' | 'GRU' | 'RNN';
const make = (kind: Kind, options: object): RecurrentLayer =>
  kind === 'LSTM' ? new LSTM(options as never) : kind === 'GRU' ? new GRU(options as never) : new RNN(options as never);

/** Random weights for every parameter of `layer` (not its seeded init). */
function randomDict(layer: RecurrentLayer, seed: number): Record<string, Tensor<Float32Array>> {
  const r = rng(seed);
  return Object.fromEntries(layer.parameterShapes().map(([k, shape]) => [k, { data: randn(shape.reduce((a, b) => a * b, 1), r), shape }]));
}

const panelWidth = (rows: number, cols: number): number => (runtime().exports as unknown as { recurrent_panel_width(n: number, k: number): number }).recurrent_panel_width(rows, cols);

const configs: Array<[Kind, object]> = [];
for (const hiddenSize of [1, 7, 8, 9, 31, 33]) {
  configs.push(['LSTM', { inputSize: 5, hiddenSize }], ['GRU', { inputSize: 3, hiddenSize, bidirectional: true }], ['RNN', { inputSize: 9, hiddenSize, numLayers: 2 }]);
}
configs.push(
  ['LSTM', { inputSize: 6, hiddenSize: 9, projSize: 5, numLayers: 2, bidirectional: true }],
  ['LSTM', { inputSize: 4, hiddenSize: 17, projSize: 1 }],
  ['GRU', { inputSize: 2, hiddenSize: 10, bias: false }],
  // W_hh [1028, 257] is past recurrent_panel_width's limit for 32-column panels: 8-column ones
  ['LSTM', { inputSize: 3, hiddenSize: 257 }],
  ['RNN', { inputSize: 1, hiddenSize: 300, nonlinearity: 'relu' }],
);

describe('stateDict() returns the loaded weights bit for bit', () => {
  for (const [kind, options] of configs) {
    it(`${kind} ${JSON.stringify(options)}`, () => {
      const layer = make(kind, { ...options, seed: 1 });
      const sd = randomDict(layer, 5);
      layer.loadStateDict(sd);
      const back = layer.stateDict();
      expect(Object.keys(back)).toEqual(layer.parameterShapes().map(([k]) => k));
      for (const [k, shape] of layer.parameterShapes()) {
        expect(back[k].shape, k).toEqual(shape);
        expectBitwise(back[k].data, sd[k].data, k);
        expect(back[k].data).not.toBe(sd[k].data);
      }
      layer.dispose();
    });
  }

  it('covers both panel widths of W_hh', () => {
    const widths = new Set(configs.map(([kind, o]) => {
      const { hiddenSize: h, projSize: p = 0 } = o as { hiddenSize: number; projSize?: number };
      return panelWidth((kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1) * h, p || h);
    }));
    expect([...widths].sort()).toEqual([32, 8]);
  });
});

describe('the layer owns its weights', () => {
  it('changing the arrays passed in after loading changes neither stateDict() nor forward', () => {
    const layer = new GRU({ inputSize: 4, hiddenSize: 12, seed: 2 });
    const sd = randomDict(layer, 8);
    const frozen = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.data.slice()]));
    layer.loadStateDict(sd);
    const x = { data: randn(3 * 4, rng(3)), shape: [3, 1, 4] };
    const y0 = layer.forward(x).output.data;
    for (const t of Object.values(sd)) t.data.fill(7);
    for (const [k, t] of Object.entries(layer.stateDict())) expectBitwise(t.data, frozen[k], k);
    expectBitwise(layer.forward(x).output.data, y0, 'output');
    layer.dispose();
  });

  it('changing what stateDict() returned does not reach the layer', () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 5, seed: 4 });
    const a = layer.stateDict();
    for (const t of Object.values(a)) t.data.fill(-1);
    for (const [k, t] of Object.entries(layer.stateDict())) expect(t.data.some((v) => v !== -1), k).toBe(true);
    layer.dispose();
  });

  it('weights that are views of wasm memory load correctly although packing grows the memory', () => {
    const rt = runtime();
    const options = { inputSize: 8, hiddenSize: 512 }; // W_hh 4 MB: packing it needs new memory
    const probe = new LSTM({ ...options, seed: 1 });
    const sd = randomDict(probe, 9);
    probe.dispose();
    const blocks: number[] = [];
    const views: Record<string, Tensor<Float32Array>> = {};
    for (const [k, t] of Object.entries(sd)) {
      const ptr = rt.alloc(t.data.length * 4, 'test');
      blocks.push(ptr);
      rt.f32(ptr, t.data.length).set(t.data);
      views[k] = { data: rt.f32(ptr, t.data.length), shape: t.shape };
    }
    const before = rt.memoryBytes;
    const layer = LSTM.fromStateDict(views, options);
    expect(rt.memoryBytes).toBeGreaterThan(before); // so the views passed in are detached now
    expect(views.weight_hh_l0.data.length).toBe(0);
    for (const [k, t] of Object.entries(layer.stateDict())) expectBitwise(t.data, sd[k].data, k);
    layer.dispose();
    for (const b of blocks) rt.free(b);
  });
});

describe('Linear keeps its weights only in wasm memory', () => {
  for (const [inF, outF, bias] of [[1, 1, true], [5, 7, true], [3, 8, false], [9, 9, true], [16, 33, true], [2, 100, false]] as Array<[number, number, boolean]>) {
    it(`Linear(${inF}, ${outF}, bias ${bias}): stateDict() returns what was loaded, bit for bit`, () => {
      const layer = new Linear(inF, outF, bias, { seed: 1 });
      const r = rng(inF * 100 + outF);
      const sd = Object.fromEntries(layer.parameterShapes().map(([k, shape]) => [k, { data: randn(shape.reduce((a, b) => a * b, 1), r), shape }]));
      const frozen = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.data.slice()]));
      layer.loadStateDict(sd);
      const x = { data: randn(2 * inF, rng(4)), shape: [2, inF] };
      const y0 = layer.forward(x).data;
      for (const t of Object.values(sd)) t.data.fill(3);
      const back = layer.stateDict();
      expect(Object.keys(back)).toEqual(bias ? ['weight', 'bias'] : ['weight']);
      for (const [k, shape] of layer.parameterShapes()) {
        expect(back[k].shape).toEqual(shape);
        expectBitwise(back[k].data, frozen[k], k);
      }
      expectBitwise(layer.forward(x).data, y0, 'output');
      layer.dispose();
    });
  }

  it('loads weights that are views of wasm memory although packing grows the memory', () => {
    const rt = runtime();
    const inF = 256;
    const outF = Math.ceil(rt.memoryBytes / (inF * 4)) + 8; // more weight bytes than the memory has: packing must grow it
    const layer = new Linear(inF, outF, false, { seed: 1 });
    const weight = randn(inF * outF, rng(12));
    const ptr = rt.alloc(weight.length * 4, 'test');
    rt.f32(ptr, weight.length).set(weight);
    const view = rt.f32(ptr, weight.length);
    const before = rt.memoryBytes;
    layer.loadStateDict({ weight: { data: view, shape: [outF, inF] } });
    expect(rt.memoryBytes).toBeGreaterThan(before);
    expect(view.length).toBe(0);
    expectBitwise(layer.stateDict().weight.data, weight, 'weight');
    layer.dispose();
    rt.free(ptr);
  });
});

describe('Embedding copies what it is given', () => {
  it('changing the array passed in after loading changes nothing', () => {
    const layer = new Embedding(5, 3, { seed: 1 });
    const w = randn(15, rng(2));
    const frozen = w.slice();
    layer.loadStateDict({ weight: { data: w, shape: [5, 3] } });
    w.fill(0);
    expectBitwise(layer.stateDict().weight.data, frozen, 'weight');
    expectBitwise(layer.forward({ data: new Int32Array([4]), shape: [1] }).data, frozen.subarray(12, 15), 'row 4');
    layer.dispose();
  });
});
