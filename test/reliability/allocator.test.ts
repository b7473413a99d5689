/**
 * Property test of the JS-side allocator against a reference model of its first-fit free list:
 * seeded random alloc/free sequences give the same pointers as the model, blocks are 16-byte
 * aligned and never overlap, everything freed returns to the base, and a refused request
 * (limit or a failing grow) changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { Allocator, ALIGN } from '../../bindings/allocator.js';
import { rng } from './helpers.js';

interface Interval {
  ptr: number;
  size: number;
}

/** The reference: a sorted list of free intervals below `top`, coalesced, first fit. */
class ModelHeap {
  free: Interval[] = [];
  live = new Map<number, number>();
  top: number;
  constructor(readonly base: number, readonly limit: number) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }
  alloc(bytes: number, growOk: (end: number) => boolean): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const i = this.free.findIndex((b) => b.size >= size);
    if (i >= 0) {
      const b = this.free[i];
      const ptr = b.ptr;
      if (b.size === size) this.free.splice(i, 1);
      else this.free[i] = { ptr: b.ptr + size, size: b.size - size };
      this.live.set(ptr, size);
      return ptr;
    }
    if (this.top + size > this.limit || !growOk(this.top + size)) return 0;
    const ptr = this.top;
    this.top += size;
    this.live.set(ptr, size);
    return ptr;
  }
  release(ptr: number): void {
    const size = this.live.get(ptr)!;
    this.live.delete(ptr);
    // rebuild: all free intervals plus this one, sorted and merged, then trimmed at the top
    const all = [...this.free, { ptr, size }].sort((a, b) => a.ptr - b.ptr);
    const merged: Interval[] = [];
    for (const b of all) {
      const last = merged[merged.length - 1];
      if (last && last.ptr + last.size === b.ptr) last.size += b.size;
      else merged.push({ ...b });
    }
    const last = merged[merged.length - 1];
    if (last && last.ptr + last.size === this.top) {
      this.top = last.ptr;
      merged.pop();
    }
    this.free = merged;
  }
}

type Internals = { free: Interval[]; live: Map<number, number>; top: number };
const internals = (a: Allocator) => a as unknown as Internals;

/** A cheap fingerprint of the whole state (the full state is compared to the model regularly). */
function snapshot(a: Allocator): string {
  const i = internals(a);
  let h = 0;
  for (const b of i.free) h = (Math.imul(h, 31) + b.ptr * 7 + b.size) | 0;
  return `${i.top} ${a.bytesInUse} ${a.liveBlocks} ${i.free.length} ${h}`;
}

function checkInvariants(a: Allocator, m: ModelHeap, base: number, what: string): void {
  const { free, live, top } = internals(a);
  expect(free, what).toEqual(m.free);
  expect(top, what).toBe(m.top);
  expect(a.heapTop, what).toBe(m.top);
  expect(a.liveBlocks, what).toBe(m.live.size);
  // sorted, disjoint, never adjacent, below top; live blocks aligned, disjoint, inside [base, top)
  const spans: Array<[number, number, string]> = [];
  for (const b of free) spans.push([b.ptr, b.size, 'free']);
  let inUse = 0;
  for (const [p, s] of live) {
    expect(p % ALIGN, `${what}: ptr ${p} alignment`).toBe(0);
    expect(s % ALIGN, `${what}: size ${s}`).toBe(0);
    inUse += s;
    spans.push([p, s, 'live']);
  }
  expect(a.bytesInUse, what).toBe(inUse);
  spans.sort((x, y) => x[0] - y[0]);
  let end = Math.ceil(base / ALIGN) * ALIGN;
  for (const [p, s, kind] of spans) {
    if (p < end) expect.fail(`${what}: ${kind} block at ${p} overlaps the previous block ending at ${end}`);
    if (p !== end) expect.fail(`${what}: gap at ${end}..${p} that is neither free nor live`);
    end = p + s;
  }
  expect(end, `${what}: blocks tile [base, top)`).toBe(top);
  for (let i = 1; i < free.length; i++) {
    expect(free[i - 1].ptr + free[i - 1].size, `${what}: free blocks ${i - 1},${i} not coalesced`).toBeLessThan(free[i].ptr);
  }
}

describe('Allocator against a model of its free list', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 10,000 random operations`, () => {
      const r = rng(seed * 7919);
      const base = 1000 + Math.floor(r() * 64); // unaligned on purpose
      const limit = 1 << 20;
      let memory = 65536;
      let hostCap = seed % 2 ? limit : 300_000; // odd seeds: the host refuses to grow early
      const grows: number[] = [];
      const grow = (bytes: number) => {
        if (bytes <= memory) return true;
        if (bytes > hostCap) return false;
        memory = Math.ceil(bytes / 65536) * 65536;
        grows.push(memory);
        return true;
      };
      const a = new Allocator(base, limit, grow);
      const m = new ModelHeap(base, limit);
      const livePtrs: number[] = [];
      let refused = 0;
      for (let op = 0; op < 10_000; op++) {
        const what = `seed ${seed} op ${op}`;
        const roll = r();
        if (roll < 0.5 || livePtrs.length === 0) {
          // sizes: mostly small, some large, a few absurd (beyond the limit)
          const k = r();
          const bytes = k < 0.7 ? Math.floor(r() * 256) : k < 0.98 ? Math.floor(r() * 40_000) : limit + Math.floor(r() * 1000);
          const before = snapshot(a);
          const want = m.alloc(bytes, (end) => end <= memory || end <= hostCap);
          const got = a.alloc(bytes);
          expect(got, `${what}: alloc(${bytes})`).toBe(want);
          if (got === 0) {
            refused++;
            expect(snapshot(a), `${what}: a refused alloc(${bytes}) changed the state`).toBe(before);
          } else {
            livePtrs.push(got);
            expect(a.sizeOf(got)).toBeGreaterThanOrEqual(bytes);
            expect(got + a.sizeOf(got)!).toBeLessThanOrEqual(memory);
          }
        } else if (roll < 0.97) {
          const i = Math.floor(r() * livePtrs.length);
          const ptr = livePtrs[i];
          livePtrs[i] = livePtrs[livePtrs.length - 1];
          livePtrs.pop();
          expect(a.release(ptr)).toBe(true);
          m.release(ptr);
        } else {
          // frees of unknown pointers (double free, interior, misaligned) change nothing
          const before = snapshot(a);
          const bogus = [livePtrs[0] + 16, livePtrs[0] + 1, 0, -16, base, 1 << 30, NaN][Math.floor(r() * 7)];
          if (!a.sizeOf(bogus)) {
            expect(a.release(bogus), `${what}: release(${bogus})`).toBe(false);
            expect(snapshot(a)).toBe(before);
          }
        }
        if (op % 97 === 0) checkInvariants(a, m, base, what);
        if (op === 5_000) hostCap = limit; // the host relents: growth resumes
      }
      checkInvariants(a, m, base, `seed ${seed} end`);
      expect(refused).toBeGreaterThan(0);
      // the run went past the first 64 KiB through the host's grow callback (which itself only
      // ever grows, in whole pages), and was refused too
      expect(grows.length, 'memory grew').toBeGreaterThan(0);
      // free everything in random order: back to the aligned base, empty free list
      while (livePtrs.length) {
        const i = Math.floor(r() * livePtrs.length);
        expect(a.release(livePtrs[i])).toBe(true);
        m.release(livePtrs[i]);
        livePtrs[i] = livePtrs[livePtrs.length - 1];
        livePtrs.pop();
      }
      checkInvariants(a, m, base, `seed ${seed} all freed`);
      expect(a.heapTop).toBe(Math.ceil(base / ALIGN) * ALIGN);
      expect(a.bytesInUse).toBe(0);
      expect(a.liveBlocks).toBe(0);
      expect(internals(a).free).toEqual([]);
    });
  }

  it('refuses invalid sizes and exact-limit edges without changing state', () => {
    const a = new Allocator(16, 1024, () => true);
    const before = snapshot(a);
    for (const bad of [-1, NaN, Infinity, 1.5, 2 ** 53, 1025, 1024 - 16 + 1]) {
      expect(a.alloc(bad), `alloc(${bad})`).toBe(0);
      expect(snapshot(a)).toBe(before);
    }
    // exactly up to the limit is fine
    const p = a.alloc(1024 - 16);
    expect(p).toBe(16);
    expect(a.heapTop).toBe(1024);
    expect(a.alloc(0)).toBe(0); // full: even a 0-byte request needs 16 bytes
    expect(a.release(p)).toBe(true);
    expect(a.heapTop).toBe(16);
    // 0-byte requests get distinct blocks
    const z1 = a.alloc(0);
    const z2 = a.alloc(0);
    expect(z1).not.toBe(z2);
    expect(z1 * z2).not.toBe(0);
  });
});
