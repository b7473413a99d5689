/**
 * `node --import wasm-rnn/ort/register app.js`: code that imports or requires 'onnxruntime-node'
 * or 'onnxruntime-web' gets 'wasm-rnn/ort' instead, unchanged, with no native addon and no 14 MB
 * wasm. For applications whose dependencies load onnxruntime themselves (LiveKit's Silero VAD
 * plugin loads onnxruntime-node) and that do not bundle, where a bundler alias or an import map
 * would do the same. Where Node has module.registerHooks (22.15, 23.5 and later) the hook runs in
 * this thread and answers require() too; on older Node (20.6 and later) node:module's register
 * installs it for ES module imports only. docs/ort.md, "Node".
 */
import * as nodeModule from 'node:module';
import { resolve } from './register-hooks.js';

const registerHooks = (nodeModule as { registerHooks?: (hooks: { resolve: typeof resolve }) => unknown }).registerHooks;
if (typeof registerHooks === 'function') registerHooks({ resolve });
else nodeModule.register(new URL('./register-hooks.js', import.meta.url));
