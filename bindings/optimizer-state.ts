/**
 * An optimizer's state in wasm memory: per parameter, a fixed number of blocks (momentum buffer,
 * first and second moments, ...) of the parameter's own length and layout (bindings/trainable.ts),
 * so that an update is one elementwise kernel over (value, gradient, state) blocks. All blocks are
 * allocated (zeroed) up front in one allocation; freed by dispose() or once the owner is collected.
 */
import { RnnError } from '../base/errors.js';
import { type Disposable, WasmBlocks } from './ownership.js';
import type { ParamBlock } from './trainable.js';
import type { WasmRuntime } from './wasm.js';

export class OptimizerState implements Disposable {
  private readonly blocks: WasmBlocks;
  private readonly base: number;
  private readonly offsets: number[]; // float offset of each parameter's first slot
  private disposed = false;

  /** `slots` blocks for each of `params`. Throws OUT_OF_MEMORY naming `what`; nothing is allocated then. */
  constructor(
    private readonly rt: WasmRuntime,
    readonly params: readonly ParamBlock[],
    readonly slots: readonly string[],
    owner: object,
    what: string,
  ) {
    this.blocks = new WasmBlocks(rt, owner);
    let floats = 0;
    this.offsets = params.map((p) => {
      const at = floats;
      floats += p.length * slots.length;
      floats += (4 - (floats % 4)) % 4; // 16-byte aligned blocks
      return at;
    });
    this.base = floats ? this.blocks.alloc(floats * 4, `${what} state`) : 0;
    if (floats) rt.f32(this.base, floats).fill(0);
  }

  /** Byte address of slot `slot` of parameter `i` (0 when the optimizer keeps no such slot). */
  ptr(i: number, slot: string): number {
    const s = this.slots.indexOf(slot);
    if (s < 0) return 0;
    return this.base + (this.offsets[i] + s * this.params[i].length) * 4;
  }

  /** A copy of a slot's floats (the parameter's layout). */
  read(i: number, slot: string): Float32Array {
    this.alive();
    return this.rt.f32(this.ptr(i, slot), this.params[i].length).slice();
  }

  /** Overwrites a slot; `data` must have the parameter's block length. */
  write(i: number, slot: string, data: Float32Array): void {
    this.alive();
    this.rt.f32(this.ptr(i, slot), this.params[i].length).set(data);
  }

  alive(): void {
    if (this.disposed) throw new RnnError('DISPOSED', 'optimizer: used after dispose()');
  }

  dispose(): void {
    this.disposed = true;
    this.blocks.dispose();
  }
}
