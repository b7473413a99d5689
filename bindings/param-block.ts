/**
 * ParamBlock objects (bindings/trainable.ts) for the blocks a layer owns, and the gradient
 * helpers every trainable binding shares.
 */
import type { ParamBlock } from './trainable.js';
import { RnnError } from '../base/errors.js';
import { runtime, type WasmRuntime } from './wasm.js';

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
    runtime: rt,
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
    runtime: block.runtime,
    name,
    shape: block.shape,
    valuePtr: block.valuePtr,
    gradPtr: block.gradPtr,
    length: block.length,
    readValue: () => block.readValue(),
    readGrad: () => block.readGrad(),
  });
}

/**
 * The runtime the blocks live in; INVALID_INPUT naming `what` when they are in several (layers made
 * before and after a ready() that loaded another build), the current one when there are none.
 */
export function runtimeOfBlocks(blocks: readonly ParamBlock[], what: string): WasmRuntime {
  if (blocks.length === 0) return runtime();
  const rt = blocks[0].runtime;
  for (const b of blocks) {
    if (b.runtime !== rt) {
      throw new RnnError('INVALID_INPUT', `${what}: parameter '${b.name}' lives in another wasm runtime than '${blocks[0].name}' (layers made before and after a ready() that loaded another build); make them after the same ready()`);
    }
  }
  return rt;
}

/** Sets every gradient block of `blocks` to zero. */
export function zeroGradBlocks(rt: WasmRuntime, blocks: readonly ParamBlock[]): void {
  for (const b of blocks) rt.f32(b.gradPtr, b.length).fill(0);
}
