/**
 * The cold-start warm-up (bindings/warmup.ts) changes nothing observable: no memory growth, no
 * allocation left behind, no warm-up when its block would need more memory, and layers large
 * enough to trigger it give the same results as before.
 */
import { describe, expect, it } from 'vitest';
import { instantiate, supportedBuilds, type WasmRuntime } from '../../bindings/wasm.js';
import { warmUp, WARM_UP_BYTES, WARM_UP_PAYS } from '../../bindings/warmup.js';
import { PackedRecurrent } from '../../bindings/recurrent.js';
import { GRU, LSTM, RNN, ready } from '../../src/index.js';
import { expectBitwise, randn, rng } from './helpers.js';

const footprint = (rt: WasmRuntime) => ({ bytesInUse: rt.bytesInUse, liveBlocks: rt.liveBlocks, memoryBytes: rt.memoryBytes, heapTop: rt.heapTop });

// the warm-up only runs on V8 <= 11 (Node 18/20, this machine's Node); elsewhere it returns at once
describe.skipIf(!WARM_UP_PAYS).each(supportedBuilds())('warmUp [%s build]', (build) => {
  it('runs in a fresh runtime without changing the memory footprint', async () => {
    const rt = await instantiate({ build });
    const before = footprint(rt);
    warmUp(rt, 4096, 1024); // a W_hh past 1 MiB: f32_gemm only
    expect(footprint(rt)).toEqual(before);
    warmUp(rt, 1024, 256); // W1's W_hh: also f32_gemm_nr32
    expect(footprint(rt)).toEqual(before);
    warmUp(rt, 1024, 256); // the second time does nothing
    expect(footprint(rt)).toEqual(before);
  });

  it('does nothing when its block would grow the memory', async () => {
    const rt = await instantiate({ build });
    const filler = rt.alloc(rt.memoryBytes - rt.heapTop - 64);
    const before = footprint(rt);
    warmUp(rt, 1024, 256);
    expect(footprint(rt)).toEqual(before);
    rt.free(filler);
  });
});

describe('layers past the warm-up size', () => {
  it('the threshold is below the W1 layer and above small test layers', () => {
    const spec = (hiddenSize: number, inputSize: number) => ({ cell: 'lstm' as const, inputSize, hiddenSize, projSize: 0, numLayers: 1, numDirections: 1 as const, bias: true });
    expect(PackedRecurrent.packedBytes(spec(256, 128))).toBeGreaterThanOrEqual(WARM_UP_BYTES);
    expect(PackedRecurrent.packedBytes(spec(8, 4))).toBeLessThan(WARM_UP_BYTES);
  });

  it('build, run and dispose like any layer: same results as a layer built after the kernels are warm, nothing left allocated', async () => {
    const rt = await ready();
    const before = { bytesInUse: rt.bytesInUse, liveBlocks: rt.liveBlocks };
    const o = { inputSize: 128, hiddenSize: 256, seed: 3 };
    const x = { data: randn(7 * 2 * 128, rng(1)), shape: [7, 2, 128] };
    for (const make of [() => new LSTM(o), () => new GRU(o), () => new RNN(o), () => new RNN({ ...o, nonlinearity: 'relu' })]) {
      const first = make(); // the first large layer of this runtime warms the GEMM kernels (V8 <= 11)
      const second = make();
      expect(PackedRecurrent.packedBytes(first.spec)).toBeGreaterThanOrEqual(WARM_UP_BYTES);
      expectBitwise(second.forward(x).output.data, first.forward(x).output.data, first.spec.cell);
      first.dispose();
      second.dispose();
    }
    expect({ bytesInUse: rt.bytesInUse, liveBlocks: rt.liveBlocks }).toEqual(before);
  });
});
