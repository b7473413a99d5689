// f32-fill-uniform: the seeded weight initialisation of base/random.ts (Rng.fillUniform) in wasm.
// xoshiro128** (Blackman & Vigna), one 32-bit draw per float, mapped exactly as the JS does it:
//   out[i] = f32(((r / 2^32) * 2 - 1) * bound)     every step in f64, one rounding to f32 at the end
// r / 2^32, * 2 and - 1 are exact in f64, so the only roundings are the f64 multiply by `bound`
// and the demotion to f32 (round to nearest even, like a Float32Array store): the stream and the
// floats are bit-identical to the JS Rng for the same state. Sequential by nature (one state), so
// there is no SIMD variant; the point is to run it as compiled code in a cold process, where the
// JS loop runs in V8's interpreter.

/**
 * state: 4 u32 (a, b, c, d), read and written back, so JS continues the same stream afterwards.
 * out: n floats, uniform in [-bound, bound).
 */
export function f32_fill_uniform(state: usize, out: usize, n: i32, bound: f64): void {
  let a = load<u32>(state);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  const end = out + (<usize>n << 2);
  for (let p = out; p < end; p += 4) {
    const r = rotl<u32>(b * 5, 7) * 9;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    store<f32>(p, <f32>((<f64>r / 4294967296.0 * 2.0 - 1.0) * bound));
  }
  store<u32>(state, a);
  store<u32>(state, b, 4);
  store<u32>(state, c, 8);
  store<u32>(state, d, 12);
}
