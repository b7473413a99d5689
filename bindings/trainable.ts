/**
 * What training sees of a layer's parameters: the contract between the layers (which compute
 * gradients) and the optimizers, clipGradNorm and gradients() (which read and update them).
 *
 * Each parameter is a block of wasm memory holding its values in the layer's own layout (packed
 * panels for weight matrices, plain arrays for biases) and a gradient block of the same length
 * and layout. An optimizer is then a plain elementwise loop over (value, gradient, state) blocks,
 * whatever the layout: a packed layout is a permutation of the PyTorch one plus zero padding, and
 * the padding has a zero gradient, so it stays zero under every update the library has (SGD with
 * momentum, Adam, AdamW, RMSprop, weight decay included). Norms over the gradient blocks are the
 * norms over the PyTorch tensors for the same reason.
 *
 * Blocks never move while their layer lives (the wasm allocator does not relocate and
 * memory.grow keeps addresses); views made of them must be made again after memory.grow.
 */

import type { WasmRuntime } from './wasm.js';

/** One parameter of a layer: its values and its gradient in wasm memory. */
export interface ParamBlock {
  /** The runtime whose memory holds the blocks (the layer's: the one current when it was made). */
  readonly runtime: WasmRuntime;
  /** The PyTorch parameter name within its layer (`weight_ih_l0`, `bias_hh_l1_reverse`, `weight`...). */
  readonly name: string;
  /** The PyTorch shape. */
  readonly shape: readonly number[];
  /** Byte address of the values (the layer's layout, padding included). */
  readonly valuePtr: number;
  /** Byte address of the gradient, in the same layout. */
  readonly gradPtr: number;
  /** Floats in each block (padding included; at least the product of `shape`). */
  readonly length: number;
  /** The values in PyTorch layout (a new array). */
  readValue(): Float32Array;
  /** The accumulated gradient in PyTorch layout (a new array). */
  readGrad(): Float32Array;
}

/** A layer that trains: its parameters, and what an optimizer must tell it. */
export interface Trainable {
  /** Every parameter, in PyTorch's order (the order of `named_parameters()`). */
  parameters(): readonly ParamBlock[];
  /**
   * Called after values were changed in place (an optimizer step, loading a state dict): the layer
   * recomputes what it derives from them (a summed bias, say) and counts a new version, so that a
   * backward() against a forward that ran on the old values is an error, not silent garbage.
   */
  parametersChanged(): void;
  /** Sets every gradient to zero. */
  zeroGrad(): void;
}
