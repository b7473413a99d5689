/**
 * The one error type of wasm-rnn. Every failure a caller can cause (bad options, bad weights,
 * bad input, use after dispose, exhausted memory, malformed files) is an RnnError with a stable
 * `code`; the message names the tensor / key / option and the expected vs actual value.
 * Codes are documented in docs/errors.md.
 */
export type RnnErrorCode =
  | 'NOT_READY' // ready() has not resolved yet
  | 'WASM_LOAD_FAILED' // the wasm build could not be fetched / compiled / instantiated
  | 'INVALID_OPTION' // a constructor or call option has a wrong type or value
  | 'MISSING_KEY' // a state_dict lacks a parameter the layer needs
  | 'UNEXPECTED_KEY' // a state_dict has a key the layer does not know (strict loading)
  | 'SHAPE_MISMATCH' // a tensor has the wrong shape (weights, inputs, states)
  | 'DTYPE_MISMATCH' // a tensor has the wrong element type
  | 'INVALID_INPUT' // an input tensor is malformed (rank, data length vs shape, non-integer dims)
  | 'INVALID_LENGTHS' // `lengths` has the wrong count or a value outside [1, T]
  | 'INVALID_FORMAT' // a file (safetensors, ...) is malformed or truncated
  | 'UNSUPPORTED' // a well-formed request for something wasm-rnn does not do
  | 'DISPOSED' // the object was used after dispose()
  | 'THREAD_FAILED' // a worker thread could not run its part of a computation
  | 'OUT_OF_MEMORY'; // the request would exceed the wasm memory limit

export class RnnError extends Error {
  readonly code: RnnErrorCode;
  constructor(code: RnnErrorCode, message: string) {
    super(`[${code}] ${message}`);
    this.name = 'RnnError';
    this.code = code;
  }
}

/** Formats a shape as `[2, 3, 4]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** What a value is, for messages: its class name for objects, else its typeof (or 'null'). */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

/** INVALID_OPTION naming the first key of `options` that is not in `known`. */
export function checkOptionKeys(options: object, known: readonly string[], what: string): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new RnnError('INVALID_OPTION', `${what}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
}
