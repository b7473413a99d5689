/**
 * W_hh's panel layout follows the engine (ready()'s timing, bindings/build-choice.ts): 32-wide
 * panels where the size allows, read by the 1x32 row kernel, or 8-wide ones always, read by the
 * 1x24 kernel, where that runs faster (V8 12.4). Every kernel sums each output's terms in the
 * same order, so the layout must not change a bit: here every recurrent layer kind, packed with
 * wide panels and with them off in the same runtime, gives bitwise the same outputs and states,
 * for whole sequences (with lengths, bidirectional, stacked, projected) and for streaming steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, ready, type RecurrentLayer } from '../src/index.js';
import { runtime } from '../bindings/wasm.js';
import { expectBitwise, randn, rng } from './reliability/helpers.js';

type Kind = 'LSTM' | 'GRU' | 'RNN';
const make = (kind: Kind, options: object): RecurrentLayer =>
  kind === 'LSTM' ? new LSTM(options as never) : kind === 'GRU' ? new GRU(options as never) : new RNN(options as never);
const setWide = (on: boolean) => runtime().exports.set_wide_panels(on ? 1 : 0);
const panelWidth = (n: number, k: number) => runtime().exports.recurrent_panel_width(n, k);

beforeAll(async () => {
  await ready();
});
afterAll(() => setWide(runtime().choice?.widePanels !== false));

const configs: Array<[Kind, Record<string, unknown>]> = [
  ['LSTM', { inputSize: 5, hiddenSize: 33 }],
  ['LSTM', { inputSize: 6, hiddenSize: 40, projSize: 7, numLayers: 2, bidirectional: true }],
  ['GRU', { inputSize: 3, hiddenSize: 31, bidirectional: true }],
  ['RNN', { inputSize: 9, hiddenSize: 64, numLayers: 2, nonlinearity: 'relu' }],
  ['LSTM', { inputSize: 4, hiddenSize: 96, batchFirst: true }],
];

describe('the panel layout of W_hh does not change a bit', () => {
  it('set_wide_panels(0) packs 8-wide panels whatever the size', () => {
    setWide(true);
    expect(panelWidth(4 * 64, 64)).toBe(32);
    setWide(false);
    expect(panelWidth(4 * 64, 64)).toBe(8);
    setWide(true);
  });

  // A runtime's layout is fixed at its instantiation and its kernels read panels by it: here each
  // layer is packed and run with the flag it was packed under, as in a runtime of either kind.
  for (const [kind, options] of configs) {
    it(`${kind} ${JSON.stringify(options)}: forward with lengths and states, and streaming steps`, () => {
      const I = options.inputSize as number, B = 3, T = 6;
      const results = [true, false].map((wide) => {
        setWide(wide);
        const layer = make(kind, { ...options, seed: 3 });
        const r = rng(11);
        const x = { data: randn(T * B * I, r), shape: options.batchFirst ? [B, T, I] : [T, B, I] };
        const out = layer.forward(x, { lengths: new Int32Array([6, 2, 5]) });
        const steps: Float32Array[] = [];
        if (!options.bidirectional) {
          const state = layer.createState({ batch: 2 });
          for (let t = 0; t < 4; t++) steps.push(layer.step({ data: randn(2 * I, r), shape: [2, I] }, state).data);
        }
        layer.dispose();
        return { out, steps };
      });
      setWide(true);
      const [a, b] = results;
      expectBitwise(a.out.output.data, b.out.output.data, 'output');
      expectBitwise(a.out.h.data, b.out.h.data, 'h');
      if (a.out.c) expectBitwise(a.out.c.data, b.out.c!.data, 'c');
      a.steps.forEach((s, t) => expectBitwise(s, b.steps[t], `step ${t}`));
    });
  }
});
