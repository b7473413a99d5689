/**
 * A small seeded PRNG (xoshiro128**, Blackman & Vigna) for repeatable weight initialization and
 * sampling. Not cryptographic. Seeds are expanded with splitmix32 so that nearby seeds give
 * unrelated streams.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /**
   * Fills `out` with values uniform in [-bound, bound): out[i] = (next() * 2 - 1) * bound. The
   * layers make their initial weights with the f32_fill_uniform kernel instead (bindings/fill.ts),
   * which continues this same stream bit for bit.
   */
  fillUniform(out: Float32Array, bound: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = (this.next() * 2 - 1) * bound;
    return out;
  }

  /** @internal Copies the state (a, b, c, d) to `out[0..3]`, for a kernel that continues the stream. */
  saveState(out: Uint32Array): void {
    out[0] = this.a;
    out[1] = this.b;
    out[2] = this.c;
    out[3] = this.d;
  }

  /** @internal Takes the state back from `s[0..3]` (see saveState). */
  loadState(s: Uint32Array): void {
    this.a = s[0];
    this.b = s[1];
    this.c = s[2];
    this.d = s[3];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed from the platform's randomness, for layers built without one. */
export function randomSeed(): number {
  return (Math.random() * 4294967296) >>> 0;
}
