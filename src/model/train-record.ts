/**
 * What a train-mode forward records for its backward, and the checks every backward makes:
 * there was a train-mode forward since the last backward, the parameters did not change in
 * between (an optimizer step or loadStateDict counts a new version), and the gradient has the
 * shape of the forward's output.
 */
import { RnnError, checkOptionKeys, fmtShape } from '../../base/errors.js';
import { type Tensor, checkFloatTensor } from '../../base/tensor.js';

/** Options of a non-recurrent layer's forward. */
export interface TrainOptions {
  /** Record what backward() needs (default false: inference, nothing kept). */
  train?: boolean;
}

/** Validates `options` (an object with only known keys, `train` a boolean); returns `train`. */
export function trainFlag(options: unknown, what: string, known: readonly string[] = ['train']): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') throw new RnnError('INVALID_OPTION', `${what}: options must be an object, got ${String(options)}`);
  checkOptionKeys(options, known, what);
  const train = (options as TrainOptions).train;
  if (train !== undefined && typeof train !== 'boolean') throw new RnnError('INVALID_OPTION', `${what}: train must be a boolean, got ${String(train)}`);
  return train ?? false;
}

/** The record of the last train-mode forward of one layer, with its parameter version. */
export class ForwardRecord<T> {
  private version = 0;
  private last: { version: number; outShape: number[]; data: T } | null = null;

  /** Keeps `data` for the next backward; `outShape` is the shape the gradient must have. */
  keep(outShape: readonly number[], data: T): void {
    this.last = { version: this.version, outShape: [...outShape], data };
  }

  /** Forgets the record (an inference forward does not; a dispose does). */
  clear(): void {
    this.last = null;
  }

  /** The parameters changed: a backward against an earlier forward is an error. */
  bump(): void {
    this.version++;
  }

  /**
   * Checks `gradOut` (float32, the forward output's shape) and that the record is current;
   * returns the record and forgets it (one backward per forward, as PyTorch frees its graph).
   */
  take(gradOut: unknown, what: string): { data: T; grad: Tensor<Float32Array> } {
    const last = this.last;
    if (!last) {
      throw new RnnError('INVALID_INPUT', `${what}: no train-mode forward to go back through (call forward(x, { train: true }) first; each backward consumes its forward)`);
    }
    if (last.version !== this.version) {
      throw new RnnError('INVALID_INPUT', `${what}: the parameters changed (an optimizer step or loadStateDict) after the train-mode forward; run forward again`);
    }
    checkFloatTensor(gradOut, `${what}: gradOut`);
    const s = gradOut.shape;
    if (s.length !== last.outShape.length || s.some((d, i) => d !== last.outShape[i])) {
      throw new RnnError('SHAPE_MISMATCH', `${what}: gradOut has shape ${fmtShape(s)}, but the last train-mode forward's output is ${fmtShape(last.outShape)}`);
    }
    this.last = null;
    return { data: last.data, grad: gradOut };
  }
}
