/**
 * Who frees wasm memory, and when: the one place the bindings use a FinalizationRegistry.
 *
 * Every object holding wasm memory frees it in dispose(). Users forget to call it, so the memory
 * is also freed once the object that holds it becomes unreachable, and never while it is
 * reachable. Three tools, all on the same registry:
 *
 *  - `disposeWhenCollected(owner, resource)`: resource.dispose() runs once `owner` is collected,
 *    unless `cancelDisposeWhenCollected(resource)` ran first (the owner's own dispose does that).
 *    `resource` must not reference `owner` (else the owner never becomes unreachable).
 *  - `WasmBlocks`: the blocks one object owns (alloc / own / dispose), freed together by
 *    dispose() or when that object is collected.
 *  - `DisposeGroup`: resources each held by a JS object (a streaming state) but kept by a longer
 *    lived one (its model): a resource is disposed when its holder is collected, by
 *    `group.dispose(resource)`, or with every other by `group.disposeAll()`.
 *
 * Where FinalizationRegistry is missing (old engines), only dispose() frees.
 */
import type { WasmRuntime } from './wasm.js';

/** Anything that frees what it holds in one call, safely twice. */
export interface Disposable {
  dispose(): void;
}

const registry: FinalizationRegistry<Disposable> | undefined =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Disposable>((resource) => resource.dispose()) : undefined;

/** Disposes `resource` once `owner` is garbage-collected (see the module comment). */
export function disposeWhenCollected(owner: object, resource: Disposable): void {
  registry?.register(owner, resource, resource);
}

/** Cancels the disposeWhenCollected of `resource` (call when it is disposed otherwise). */
export function cancelDisposeWhenCollected(resource: Disposable): void {
  registry?.unregister(resource);
}

/**
 * Blocks of wasm memory owned by one object, freed together by dispose() or once that object
 * (`owner`, which this never references) is collected. Blocks can be added again after dispose().
 */
export class WasmBlocks implements Disposable {
  private blocks: number[] = [];
  private readonly freeOnCollect: { blocks: number[]; rt: WasmRuntime; dispose(): void };

  constructor(
    readonly rt: WasmRuntime,
    private readonly owner: object,
  ) {
    // the registry's held value: it must reach the blocks but neither the owner nor this object
    // (which the owner references)
    const held = {
      blocks: this.blocks,
      rt,
      dispose() {
        for (const b of held.blocks) held.rt.free(b);
        held.blocks.length = 0;
      },
    };
    this.freeOnCollect = held;
  }

  /** Takes ownership of the block at `ptr` (from rt.alloc); returns it. */
  own(ptr: number): number {
    if (this.blocks.length === 0) disposeWhenCollected(this.owner, this.freeOnCollect);
    this.blocks.push(ptr);
    return ptr;
  }

  /** Allocates `bytes` and owns the block (see WasmRuntime.alloc for `what` and errors). */
  alloc(bytes: number, what: string): number {
    return this.own(this.rt.alloc(bytes, what));
  }

  /** Copies `data` (which may be a view of wasm memory) into a new owned block; returns its address. */
  put(data: Float32Array | Float64Array, what: string): number {
    const src = this.rt.isView(data) ? data.slice() : data; // the allocation may grow the memory
    const ptr = this.alloc(src.byteLength, what);
    if (src instanceof Float32Array) this.rt.f32(ptr, src.length).set(src);
    else new Float64Array(this.rt.memory.buffer, ptr, src.length).set(src);
    return ptr;
  }

  /**
   * A new owned block of `bytes` in place of the owned block `old` (0 for none), which is freed
   * once the new one exists: on OUT_OF_MEMORY the old block stays. Contents are not copied
   * (for grow-only scratch memory).
   */
  replace(old: number, bytes: number, what: string): number {
    const ptr = this.alloc(bytes, what);
    this.free(old);
    return ptr;
  }

  /** Frees one owned block now (no-op for 0 or a block not owned here). */
  free(ptr: number): void {
    const i = this.blocks.indexOf(ptr);
    if (i < 0) return;
    this.blocks.splice(i, 1);
    this.rt.free(ptr);
  }

  /** Frees every block. Safe to call twice. */
  dispose(): void {
    if (this.blocks.length === 0) return;
    cancelDisposeWhenCollected(this.freeOnCollect);
    this.freeOnCollect.dispose();
  }
}

/**
 * Resources kept by a long-lived object (a model, a layer) on behalf of short-lived holders
 * (its streaming states): the group never references a holder, so a forgotten holder is
 * collected and its resource disposed, while disposeAll() frees what the holders still alive hold.
 */
export class DisposeGroup<T extends Disposable> {
  private readonly items = new Set<T>();

  /** Adds `resource`, held by `holder` (which `resource` must not reference). */
  add(resource: T, holder: object): void {
    this.items.add(resource);
    registry?.register(holder, { dispose: () => this.remove(resource) }, resource);
  }

  /** Disposes `resource` now (its holder's own dispose). */
  dispose(resource: T): void {
    cancelDisposeWhenCollected(resource);
    this.remove(resource);
  }

  private remove(resource: T): void {
    if (this.items.delete(resource)) resource.dispose();
  }

  /** Disposes every resource still in the group. */
  disposeAll(): void {
    for (const r of this.items) {
      cancelDisposeWhenCollected(r);
      r.dispose();
    }
    this.items.clear();
  }

  get size(): number {
    return this.items.size;
  }
}
