// Bench-only entry: the public API plus the runtime handle, so kernel micro-benchmarks and the
// W5 output layer can call the same build's exports. Bundled by bench/run.mjs with esbuild.
export * from '../src/index.js';
export { runtime } from '../bindings/wasm.js';
