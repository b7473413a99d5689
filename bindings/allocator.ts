/**
 * First-fit allocator over a region of wasm linear memory, kept on the JS side.
 *
 * Why JS-side: the kernels never allocate (every buffer is passed in by pointer), so the wasm
 * carries no runtime at all; the bindings are the single owner of linear memory and can refuse
 * a request *before* anything is touched (an over-limit model fails with OUT_OF_MEMORY, never
 * with a trap inside wasm). Allocations happen at load time and when a workspace grows, never
 * per time step, so a sorted free list is plenty fast.
 *
 * Blocks are 16-byte aligned (one v128). Freed blocks coalesce with their neighbours and with
 * the top of the heap, so create/dispose cycles return to the same footprint.
 */
export const ALIGN = 16;

export interface GrowFn {
  /** Makes linear memory at least `bytes` long; returns false if the limit forbids it. */
  (bytes: number): boolean;
}

interface FreeBlock {
  ptr: number;
  size: number;
}

export class Allocator {
  private readonly free: FreeBlock[] = []; // sorted by ptr, never adjacent (always coalesced)
  private readonly live = new Map<number, number>(); // ptr -> size
  private top: number; // first byte past the highest block ever handed out (and not returned)
  private inUse = 0;

  constructor(
    base: number,
    private readonly limit: number,
    private readonly grow: GrowFn,
  ) {
    this.top = alignUp(base);
  }

  /** Bytes currently allocated (sum of live block sizes). */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** Highest address in use: the footprint the heap needs from linear memory. */
  get heapTop(): number {
    return this.top;
  }

  /** Number of live allocations. */
  get liveBlocks(): number {
    return this.live.size;
  }

  /**
   * Returns a 16-byte aligned pointer to `bytes` bytes (contents unspecified), or 0 if the
   * memory limit does not allow it. A request of 0 bytes still returns a unique block.
   */
  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) return 0;
    const size = Math.max(ALIGN, alignUp(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1);
        else {
          b.ptr += size;
          b.size -= size;
        }
        this.live.set(ptr, size);
        this.inUse += size;
        return ptr;
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.limit || !this.grow(end)) return 0;
    this.top = end;
    this.live.set(ptr, size);
    this.inUse += size;
    return ptr;
  }

  /** Frees a pointer returned by alloc. Returns false (and changes nothing) for unknown pointers. */
  release(ptr: number): boolean {
    const size = this.live.get(ptr);
    if (size === undefined) return false;
    this.live.delete(ptr);
    this.inUse -= size;
    // insert into the sorted free list, coalescing with neighbours
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.free[mid].ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    let block: FreeBlock = { ptr, size };
    const prev = this.free[lo - 1];
    const next = this.free[lo];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += size;
      block = prev;
      lo -= 1;
    } else {
      this.free.splice(lo, 0, block);
    }
    if (next && block.ptr + block.size === next.ptr) {
      block.size += next.size;
      this.free.splice(lo + 1, 1);
    }
    // a free block touching the top returns to the untouched region
    if (block.ptr + block.size === this.top) {
      this.top = block.ptr;
      this.free.splice(lo, 1);
    }
    return true;
  }

  /** Size in bytes of a live block, or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }
}

export function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
