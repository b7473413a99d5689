// f64-windowed-rdft (an STFT written as a Conv, run as an FFT) on every build: the dispatched
// variant equals the scalar one bit for bit, and both are within float32 rounding of the windowed
// DFT summed directly in float64, at the edge sizes of its tile (two frames per f64x2: 1, 2, 3, 5
// frames) and frame lengths n = 4 (the smallest) to 512, with and without bias, rows wider than
// the frames (ldo > frames), and nothing written past the output.
import { describe, expect, it } from 'vitest';
import { unitCircle, windowedRdftTables } from '../../bindings/conv-dft.js';
import { builds, kernel, rand, runtimeFor, GUARD } from '../helpers/kernels.js';
import type { WasmRuntime } from '../../bindings/wasm.js';

function putF64(rt: WasmRuntime, data: Float64Array): number {
  const ptr = rt.alloc(data.byteLength + 64);
  new Float64Array(rt.memory.buffer, ptr, data.length).set(data);
  return ptr;
}

/** The windowed DFT summed term by term in float64, with its absolute error scale sum |x w|. */
function directDft(x: Float64Array, win: Float64Array, start: number, n: number, f: number): { re: number; im: number; scale: number } {
  let re = 0;
  let im = 0;
  let scale = 0;
  for (let k = 0; k < n; k++) {
    const v = x[start + k] * win[k];
    const a = (2 * Math.PI * ((f * k) % n)) / n;
    re += v * Math.cos(a);
    im -= v * Math.sin(a);
    scale += Math.abs(v);
  }
  return { re, im, scale };
}

const SIZES = [4, 8, 16, 64, 256, 512];
const FRAMES = [1, 2, 3, 5];

describe.each(builds)('f64_windowed_rdft [%s build]', (build) => {
  it('equals the scalar variant bit for bit and the direct float64 DFT within float32 rounding', async () => {
    const rt = await runtimeFor(build);
    const rdft = kernel(rt, 'f64_windowed_rdft');
    const scalar = kernel(rt, 'f64_windowed_rdft__scalar');
    let worst = 0;
    for (const n of SIZES) {
      for (const frames of FRAMES) {
        for (const withBias of [false, true]) {
          const stride = Math.max(1, (n >> 2) + (frames & 1)); // odd and even hops
          const ldo = frames + (withBias ? 1 : 0);
          const length = (frames - 1) * stride + n;
          const x = Float64Array.from(rand(n * 31 + frames, length));
          const win = Float64Array.from(rand(n + 7, n, 0, 1));
          const bias = withBias ? Float64Array.from(rand(n + 9, n + 2)) : null;
          const xp = putF64(rt, x);
          const wp = putF64(rt, win);
          const bp = bias ? putF64(rt, bias) : 0;
          const tp = putF64(rt, windowedRdftTables(unitCircle(n)));
          const work = rt.alloc(32 * (n / 2));
          const rows = n + 2;
          const outFloats = rows * ldo;
          const outs = [0, 1].map(() => {
            const p = rt.alloc((outFloats + 8) * 4);
            rt.f32(p, outFloats + 8).fill(GUARD);
            return p;
          });
          rdft(outs[0], ldo, xp, stride, frames, wp, bp, n, tp, work);
          scalar(outs[1], ldo, xp, stride, frames, wp, bp, n, tp, work);
          const got = rt.f32(outs[0], outFloats + 8).slice();
          const ref = rt.f32(outs[1], outFloats + 8).slice();
          const what = `n ${n}, ${frames} frames, stride ${stride}${withBias ? ', bias' : ''}`;
          expect(got, `${what}: dispatched vs scalar`).toEqual(ref);
          expect(Array.from(got.subarray(outFloats)), `${what}: past the output`).toEqual(new Array(8).fill(GUARD));
          for (let t = 0; t < frames; t++) {
            for (let f = 0; f <= n / 2; f++) {
              const d = directDft(x, win, t * stride, n, f);
              const wantRe = d.re + (bias ? bias[f] : 0);
              const wantIm = d.im + (bias ? bias[n / 2 + 1 + f] : 0);
              for (const [row, want] of [[f, wantRe], [n / 2 + 1 + f, wantIm]] as const) {
                // one float32 rounding, plus float64 rounding of sums of size `scale`
                const e = Math.abs(got[row * ldo + t] - want) / (2 ** -24 * Math.abs(want) + 1e-13 * d.scale);
                worst = Math.max(worst, e);
              }
            }
            if (ldo > frames) for (let r = 0; r < rows; r++) expect(got[r * ldo + frames], `${what}: column past the frames`).toBe(GUARD);
          }
          for (const p of [xp, wp, bp, tp, work, ...outs]) if (p) rt.free(p);
        }
      }
    }
    console.log(`f64_windowed_rdft [${build}]: worst error ${worst.toFixed(3)} x (2^-24 |want| + 1e-13 sum |x w|)`);
    expect(worst, 'worst error in units of (2^-24 |want| + 1e-13 sum |x w|)').toBeLessThanOrEqual(1.01);
  });
});
