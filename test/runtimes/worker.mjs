// The Cloudflare Worker run by workerd.test.ts (in miniflare). It imports the .wasm builds as
// modules (the Workers module rule for .wasm gives a WebAssembly.Module) and the fixtures as Data
// modules; workerd forbids compiling wasm bytes at run time, as production does.
//   /module   main entry, ready({ build, module }) for every supported build
//   /entry    the package's workerd entry (its `workerd` export condition): plain ready()
//   /core     the same for 'wasm-rnn/core' (workerd-core.js)
//   /bytes    ready({ bytes }) must fail here (code generation from bytes is disallowed)
import * as main from './node_modules/wasm-rnn/dist/src/index.js';
import * as entry from './node_modules/wasm-rnn/dist/entries/workerd.js';
import * as coreEntry from './node_modules/wasm-rnn/dist/entries/workerd-core.js';
import relaxed from './node_modules/wasm-rnn/dist/build/relaxed.wasm';
import simd from './node_modules/wasm-rnn/dist/build/simd.wasm';
import scalar from './node_modules/wasm-rnn/dist/build/scalar.wasm';
import lstm from './fixtures/lstm_combined.safetensors';
import gru from './fixtures/gru_combined.safetensors';
import rnn from './fixtures/rnn_tanh_combined.safetensors';
import { goldenLine, runGolden } from './golden.mjs';

const MODULES = { relaxed, simd, scalar };
const fixtures = () => ({
  lstm_combined: new Uint8Array(lstm),
  gru_combined: new Uint8Array(gru),
  rnn_tanh_combined: new Uint8Array(rnn),
});

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    try {
      if (path === '/module') {
        const res = await runGolden(main, fixtures(), { skipDefaultReady: true, readyOptions: (b) => ({ module: MODULES[b] }) });
        return new Response(goldenLine('workerd module', res));
      }
      if (path === '/entry') {
        const res = await runGolden(entry, fixtures());
        return new Response(goldenLine('workerd entry', res));
      }
      if (path === '/core') {
        const res = await runGolden(coreEntry, fixtures());
        return new Response(goldenLine('workerd core entry', res));
      }
      if (path === '/bytes') {
        const bytes = new Uint8Array(8);
        try {
          await main.ready({ build: 'scalar', bytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, ...bytes.subarray(8)]) });
          return new Response('compiled bytes');
        } catch (e) {
          return new Response(`refused: ${e.code} ${e.message}`);
        }
      }
      return new Response('not found', { status: 404 });
    } catch (e) {
      return new Response(`error: ${e && e.stack}`, { status: 500 });
    }
  },
};
