// f32_fill_uniform (the seeded weight initialisation in wasm) against the JS Rng, bitwise, on
// every build: the floats, and where the stream continues afterwards.
import { describe, it, expect } from 'vitest';
import { builds, runtimeFor, kernel, blank, get, GUARD } from '../helpers/kernels.js';
import { Rng } from '../../base/random.js';
import { fillUniform } from '../../bindings/fill.js';

const SIZES = [1, 3, 4, 5, 1000];
const SEEDS = [0, 1, 7, 0x9e3779b9, 2 ** 31, 2 ** 32 - 1];
const BOUNDS = [1, 1 / Math.sqrt(256), 1 / Math.sqrt(3)];

/** The definition: (next() * 2 - 1) * bound, stored to float32, one next() per float. */
function reference(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
  return out;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

describe('Rng.fillUniform (JS)', () => {
  it('equals one next() per float, and leaves the stream where next() would', () => {
    for (const seed of SEEDS)
      for (const n of [...SIZES, 0])
        for (const bound of BOUNDS) {
          const a = new Rng(seed), b = new Rng(seed);
          expect(bits(a.fillUniform(new Float32Array(n), bound)), `seed ${seed} n ${n}`).toEqual(bits(reference(b, n, bound)));
          expect(a.nextU32()).toBe(b.nextU32());
        }
  });
});

describe.each(builds)('f32_fill_uniform [%s build]', (build) => {
  it('is bitwise the JS Rng stream for sizes 1, 3, 4, 5, 1000 and several seeds, and writes nothing past n', async () => {
    const rt = await runtimeFor(build);
    const fill = kernel(rt, 'f32_fill_uniform');
    for (const seed of SEEDS)
      for (const n of SIZES)
        for (const bound of BOUNDS) {
          const js = new Rng(seed);
          const state = new Uint32Array(4);
          new Rng(seed).saveState(state);
          const ps = rt.alloc(16);
          rt.i32(ps, 4).set(state);
          const out = blank(rt, n);
          fill(ps, out, n, bound);
          const what = `seed ${seed} n ${n} bound ${bound}`;
          expect(bits(get(rt, out, n)), what).toEqual(bits(reference(js, n, bound)));
          expect(get(rt, out + n * 4, 8), `${what}: guard`).toEqual(new Float32Array(8).fill(GUARD));
          // the state written back continues the same stream
          const cont = new Rng(0);
          cont.loadState(new Uint32Array(rt.i32(ps, 4)));
          for (let i = 0; i < 4; i++) expect(cont.nextU32(), `${what}: next draw ${i}`).toBe(js.nextU32());
          rt.free(ps);
          rt.free(out);
        }
  });

  it('n = 0 writes nothing and keeps the state', async () => {
    const rt = await runtimeFor(build);
    const fill = kernel(rt, 'f32_fill_uniform');
    const ps = rt.alloc(16);
    rt.i32(ps, 4).set([11, 22, 33, 44]);
    const out = blank(rt, 0);
    fill(ps, out, 0, 1);
    expect(Array.from(rt.i32(ps, 4))).toEqual([11, 22, 33, 44]);
    expect(get(rt, out, 8)).toEqual(new Float32Array(8).fill(GUARD));
    rt.free(ps);
    rt.free(out);
  });

  it('bindings fillUniform: several parameters across kernel-call chunks, same floats and stream as the JS', async () => {
    const rt = await runtimeFor(build);
    const before = { bytes: rt.bytesInUse, blocks: rt.liveBlocks };
    const lengths = [40000, 16384, 16385, 3, 0, 1000];
    for (const seed of [1, 2 ** 32 - 1]) {
      const a = new Rng(seed), b = new Rng(seed);
      const got = fillUniform(rt, a, lengths, 0.0625, 'test');
      lengths.forEach((n, i) => expect(bits(got[i]), `seed ${seed} parameter ${i}`).toEqual(bits(reference(b, n, 0.0625))));
      expect(a.nextU32()).toBe(b.nextU32());
    }
    expect({ bytes: rt.bytesInUse, blocks: rt.liveBlocks }).toEqual(before);
  });
});
