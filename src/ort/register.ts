/**
 * `node --import wasm-rnn/ort/register app.js` (Node 20.6 and later): code that imports
 * 'onnxruntime-node' or 'onnxruntime-web' gets 'wasm-rnn/ort' instead, unchanged, with no native
 * addon and no 14 MB wasm. For applications whose dependencies import onnxruntime themselves
 * (LiveKit's Silero VAD plugin imports onnxruntime-node) and that do not bundle, where a bundler
 * alias or an import map would do the same. ES module imports only: `require()` still loads
 * onnxruntime. docs/ort.md, "Node".
 */
import { register } from 'node:module';

register(new URL('./register-hooks.js', import.meta.url));
