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
