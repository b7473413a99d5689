/**
 * The scratch memory of a packed operator (bindings/conv.ts, matmul.ts, recurrent.ts): one block
 * of wasm memory, split into regions for each call, kept between calls and only grown, so
 * repeated calls of the same shape allocate nothing in wasm memory.
 */
import type { WasmRuntime } from './wasm.js';

// not (n + 3) & ~3: sizes past 2^31 floats must stay exact so the allocator can refuse them
const round4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * Consecutive regions of the given float counts (a region of n doubles is 2n floats), each
 * 16-byte aligned: their byte offsets from the start, and the bytes they take in all.
 */
export function layoutRegions(floats: readonly number[]): { offsets: number[]; bytes: number } {
  let bytes = 0;
  const offsets = floats.map((n) => {
    const o = bytes;
    bytes += round4(n) * 4;
    return o;
  });
  return { offsets, bytes };
}

export class Workspace {
  private ptr = 0;
  private bytes = 0;

  constructor(private readonly rt: WasmRuntime) {}

  /**
   * Byte addresses of regions of the given float counts (layoutRegions), growing the block if
   * it is smaller. Throws OUT_OF_MEMORY naming `what`; the new block is allocated before the old
   * one is freed, so a failure leaves the old one intact.
   */
  regions(floats: readonly number[], what: string): number[] {
    const { offsets, bytes } = layoutRegions(floats);
    const base = this.ensure(bytes, what);
    return offsets.map((o) => base + o);
  }

  /**
   * The block's address, grown to at least `bytes` first (for a caller that laid out its regions
   * once with layoutRegions). The address changes only when the block grows.
   */
  ensure(bytes: number, what: string): number {
    if (bytes > this.bytes) {
      const ptr = this.rt.alloc(bytes, what);
      this.rt.free(this.ptr);
      this.ptr = ptr;
      this.bytes = bytes;
    }
    return this.ptr;
  }

  get allocated(): boolean {
    return this.ptr !== 0;
  }

  /** Frees the block; the next regions() allocates a new one. Safe to call twice. */
  free(): void {
    this.rt.free(this.ptr);
    this.ptr = 0;
    this.bytes = 0;
  }
}
