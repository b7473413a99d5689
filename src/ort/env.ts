/**
 * `env` of the onnxruntime-web-compatible entry: the fields callers set on onnxruntime-web's env
 * before creating a session (vad-web's ortConfig, app setup code) are accepted and kept, so that
 * such code runs unchanged. None of them changes what wasm-rnn does: it runs one thread, picks its
 * wasm build itself (ready() in 'wasm-rnn' chooses another), and logs nothing.
 */
export interface Env {
  wasm: {
    /** onnxruntime-web's URL prefix (or per-file URLs) of its .wasm files; not used. */
    wasmPaths?: string | Record<string, string>;
    /** Not used: wasm-rnn is single-threaded. */
    numThreads?: number;
    simd?: boolean;
    proxy?: boolean;
    initTimeout?: number;
    trace?: boolean;
    [key: string]: unknown;
  };
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  debug?: boolean;
  trace?: boolean;
  webgpu: Record<string, unknown>;
  webgl: Record<string, unknown>;
  [key: string]: unknown;
}

export const env: Env = {
  wasm: { numThreads: 1, simd: true, proxy: false },
  logLevel: 'warning',
  debug: false,
  webgpu: {},
  webgl: {},
};
