/**
 * The streaming state of a recurrent layer (RecurrentLayer.createState): h and c in wasm memory
 * (bindings' StreamState), read and set through the layer's spec.
 */
import { RnnError } from '../../base/errors.js';
import { type Tensor, checkFloatTensor, checkShape } from '../../base/tensor.js';
import { outputSize } from '../../base/spec.js';
import type { StreamState } from '../../bindings/recurrent.js';
import type { RecurrentLayer } from './recurrent.js';

/** The streaming state of a layer (see RecurrentLayer.createState). */
export class RecurrentState {
  private inner: StreamState | null;
  /** @internal */
  constructor(
    readonly layer: RecurrentLayer,
    stream: StreamState,
  ) {
    this.inner = stream;
  }

  private view: Tensor<Float32Array> | null = null;

  /** @internal The tensor returned by view steps: one object per state, its data the live view. */
  viewResult(out: Float32Array): Tensor<Float32Array> {
    if (!this.view) this.view = { data: out, shape: [this.batch, outputSize(this.layer.spec)] };
    else this.view.data = out;
    return this.view;
  }

  /** @internal */
  stream(): StreamState {
    if (!this.inner || this.inner.isDisposed) throw new RnnError('DISPOSED', 'RecurrentState: used after dispose()');
    return this.inner;
  }

  get batch(): number {
    return this.stream().batch;
  }

  /** Back to zeros. */
  reset(): void {
    this.stream().reset();
  }

  /** Copies of h [numLayers, B, P] and (LSTM) c [numLayers, B, H]. */
  get(): { h: Tensor<Float32Array>; c?: Tensor<Float32Array> } {
    const s = this.stream();
    const spec = this.layer.spec;
    const out: { h: Tensor<Float32Array>; c?: Tensor<Float32Array> } = {
      h: { data: s.getH(), shape: [spec.numLayers, s.batch, outputSize(spec)] },
    };
    const c = s.getC();
    if (c) out.c = { data: c, shape: [spec.numLayers, s.batch, spec.hiddenSize] };
    return out;
  }

  /**
   * Copies h [numLayers, B, P] (and, for LSTM, c [numLayers, B, H]) into the caller's arrays, as
   * get() without allocating (a streaming loop can reuse its arrays). Lengths are checked.
   */
  copyTo(h: Float32Array, c?: Float32Array): void {
    const s = this.stream();
    const spec = this.layer.spec;
    const hLen = spec.numLayers * s.batch * outputSize(spec);
    if (!(h instanceof Float32Array) || h.length !== hLen) {
      throw new RnnError('SHAPE_MISMATCH', `RecurrentState.copyTo: h must be a Float32Array of ${hLen} floats, got ${h instanceof Float32Array ? h.length : typeof h}`);
    }
    if (c !== undefined) {
      const cLen = spec.numLayers * s.batch * spec.hiddenSize;
      if (spec.cell !== 'lstm') throw new RnnError('INVALID_OPTION', 'RecurrentState.copyTo: c is only for LSTM');
      if (!(c instanceof Float32Array) || c.length !== cLen) {
        throw new RnnError('SHAPE_MISMATCH', `RecurrentState.copyTo: c must be a Float32Array of ${cLen} floats, got ${c instanceof Float32Array ? c.length : typeof c}`);
      }
    }
    s.copyTo(h, c);
  }

  /** Sets h (and c for LSTM; omitted = unchanged), shapes as get(). Validated before writing. */
  set(h: Tensor, c?: Tensor): void {
    const s = this.stream();
    const spec = this.layer.spec;
    checkFloatTensor(h, 'RecurrentState.set: h');
    checkShape(h, [spec.numLayers, s.batch, outputSize(spec)], 'RecurrentState.set: h');
    if (c !== undefined) {
      if (spec.cell !== 'lstm') throw new RnnError('INVALID_OPTION', 'RecurrentState.set: c is only for LSTM');
      checkFloatTensor(c, 'RecurrentState.set: c');
      checkShape(c, [spec.numLayers, s.batch, spec.hiddenSize], 'RecurrentState.set: c');
    }
    s.setH(h.data);
    if (c) s.setC(c.data as Float32Array);
  }

  /** Frees the state's wasm memory. Safe to call twice. */
  dispose(): void {
    if (!this.inner) return;
    const stream = this.inner;
    this.inner = null;
    this.layer.forgetState(this, stream);
  }
}
