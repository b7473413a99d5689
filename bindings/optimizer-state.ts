/**
 * An optimizer's state in wasm memory: per parameter, a fixed number of blocks (momentum buffer,
 * first and second moments, ...) of the parameter's own length and layout (bindings/trainable.ts),
 * so that an update is one elementwise kernel over (value, gradient, state) blocks. All blocks are
 * allocated (zeroed) up front in one allocation; freed by dispose() or once the owner is collected.
 *
 * For PyTorch's optimizer, a slot can also be read and written in the parameter's PyTorch layout
 * (readTorch / writeTorch). The map between the two layouts is asked of the parameter itself, once:
 * its block offsets (+ 1, as floats) are written into its gradient block, `readGrad()` returns them
 * in PyTorch order, and the gradient is put back. This holds for any Trainable, since the contract
 * (bindings/trainable.ts) is that a block is a permutation of the PyTorch tensor plus zero padding.
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
  /** Per parameter: PyTorch flat index -> float offset in the block (made on first use). */
  private readonly torchMaps: Array<Int32Array | undefined> = [];

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

  /** A copy of a slot's floats in the parameter's PyTorch layout (its `shape`, row-major). */
  readTorch(i: number, slot: string): Float32Array {
    this.alive();
    const map = this.torchMap(i);
    const block = this.rt.f32(this.ptr(i, slot), this.params[i].length);
    const out = new Float32Array(map.length);
    for (let t = 0; t < map.length; t++) out[t] = block[map[t]];
    return out;
  }

  /** Overwrites a slot from floats in the parameter's PyTorch layout; the block's padding is set to zero. */
  writeTorch(i: number, slot: string, data: Float32Array): void {
    this.alive();
    const map = this.torchMap(i);
    const block = this.rt.f32(this.ptr(i, slot), this.params[i].length);
    block.fill(0);
    for (let t = 0; t < map.length; t++) block[map[t]] = data[t];
  }

  /** Sets every slot of every parameter to zero (a fresh optimizer's state). */
  clear(): void {
    this.alive();
    this.params.forEach((p, i) => {
      for (const slot of this.slots) this.rt.f32(this.ptr(i, slot), p.length).fill(0);
    });
  }

  /**
   * PyTorch flat index -> block offset of parameter `i`, by probing its readGrad() (see the file's
   * comment) twice: the low 12 bits of every offset, then the rest. INVALID_INPUT when readGrad()
   * is not a permutation of the block.
   */
  torchMap(i: number): Int32Array {
    const known = this.torchMaps[i];
    if (known) return known;
    const p = this.params[i];
    const n = p.shape.reduce((a, d) => a * d, 1);
    const saved = this.rt.f32(p.gradPtr, p.length).slice();
    const map = new Int32Array(n);
    try {
      // two probes, so that every offset (+ 1) is exact as a float32 (below 2^24) whatever the length
      const parts: Array<[number, number]> = [[0, 4096], [12, 2 ** 24]];
      for (const [shift, span] of parts) {
        const g = this.rt.f32(p.gradPtr, p.length);
        for (let j = 0; j < p.length; j++) g[j] = (Math.floor(j / 2 ** shift) % span) + 1;
        const got = p.readGrad();
        if (got.length !== n) throw new RnnError('INVALID_INPUT', `optimizer: parameter '${p.name}' reads back ${got.length} floats, its shape holds ${n}`);
        for (let t = 0; t < n; t++) map[t] += (got[t] - 1) * 2 ** shift;
      }
    } finally {
      this.rt.f32(p.gradPtr, p.length).set(saved);
    }
    const seen = new Uint8Array(p.length);
    for (let t = 0; t < n; t++) {
      const j = map[t];
      if (!(j >= 0 && j < p.length) || seen[j]) {
        throw new RnnError('INVALID_INPUT', `optimizer: parameter '${p.name}' does not read its gradient block as a permutation (its PyTorch layout cannot be mapped)`);
      }
      seen[j] = 1;
    }
    this.torchMaps[i] = map;
    return map;
  }

  alive(): void {
    if (this.disposed) throw new RnnError('DISPOSED', 'optimizer: used after dispose()');
  }

  dispose(): void {
    this.disposed = true;
    this.blocks.dispose();
  }
}
