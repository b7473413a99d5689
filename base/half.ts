/**
 * IEEE 754 binary16 (half) bits to the number they encode: exact for every finite value,
 * subnormals included; +-Infinity; NaN (payload not kept; src/safetensors.ts converts at the bit
 * level where the payload matters).
 */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bits nearest to float32 `v` (ties to even, as torch's `.half()`): overflow to
 * +-Infinity, subnormals kept, NaN stays a (quiet) NaN with the top of its payload.
 */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // the half exponent field of a normal result
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry into the exponent rounds up to the next binade, or to infinity
  return sign | h;
}

/** The bfloat16 bits nearest to float32 `v` (ties to even, as torch's `.bfloat16()`); NaN stays a quiet NaN. */
export function floatToBfloat16Bits(v: number): number {
  f32[0] = v;
  const u = u32[0];
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}
