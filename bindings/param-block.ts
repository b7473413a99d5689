/**
 * ParamBlock objects (bindings/trainable.ts) for the blocks a layer owns, and the gradient
 * helpers every trainable binding shares.
 */
import type { ParamBlock } from './trainable.js';
import type { WasmRuntime } from './wasm.js';

/**
 * A ParamBlock over `valuePtr` / `gradPtr` (`length` floats each). `toTorch` turns a block's
 * floats (a view, valid only during the call) into a new array in PyTorch layout; omitted, the
 * layout already is PyTorch's and the floats are copied.
 */
export function paramBlock(
  rt: WasmRuntime,
  name: string,
  shape: readonly number[],
  valuePtr: number,
  gradPtr: number,
  length: number,
  toTorch: (ptr: number) => Float32Array = (ptr) => rt.f32(ptr, length).slice(),
): ParamBlock {
  return Object.freeze({
    name,
    shape: Object.freeze([...shape]),
    valuePtr,
    gradPtr,
    length,
    readValue: () => toTorch(valuePtr),
    readGrad: () => toTorch(gradPtr),
  });
}

/** The same block under another name (a Sequential's `child.param`). */
export function renamedBlock(block: ParamBlock, name: string): ParamBlock {
  return Object.freeze({
    name,
    shape: block.shape,
    valuePtr: block.valuePtr,
    gradPtr: block.gradPtr,
    length: block.length,
    readValue: () => block.readValue(),
    readGrad: () => block.readGrad(),
  });
}

/** Sets every gradient block of `blocks` to zero. */
export function zeroGradBlocks(rt: WasmRuntime, blocks: readonly ParamBlock[]): void {
  for (const b of blocks) rt.f32(b.gradPtr, b.length).fill(0);
}
