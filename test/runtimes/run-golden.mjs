// Golden runner for the command-line runtimes (Node, Deno, Bun). Copied into a temp app whose
// node_modules/wasm-rnn is the packed package, and run there, so `import 'wasm-rnn'` resolves as
// it does for users. Prints one GOLDEN line (see golden.mjs). Also checks the other loading
// paths: { bytes }, { url } of the build folder, the 'wasm-rnn/embedded' entry and the
// 'wasm-rnn/core' entry.
import * as lib from 'wasm-rnn';
import { readFileSync } from 'node:fs';
import { GOLDEN_CASES, goldenLine, runGolden } from './golden.mjs';

const runtime =
  typeof globalThis.Deno !== 'undefined'
    ? `deno ${globalThis.Deno.version.deno}`
    : typeof globalThis.Bun !== 'undefined'
      ? `bun ${globalThis.Bun.version}`
      : `node ${process.version}`;

const fixtures = Object.fromEntries(
  GOLDEN_CASES.map((n) => [n, new Uint8Array(readFileSync(new URL(`./fixtures/${n}.safetensors`, import.meta.url)))]),
);
const res = await runGolden(lib, fixtures);

const wasmDir = new URL('./node_modules/wasm-rnn/dist/build/', import.meta.url);
const best = lib.supportedBuilds()[0];
const paths = {};
const check = async (name, libx, opts) => {
  const r = await runGolden(libx, fixtures, { skipDefaultReady: true, builds: [best], ...opts });
  paths[name] = r.ok;
  for (const p of r.problems) res.problems.push(`${name}: ${p}`);
};
await check('bytes', lib, { readyOptions: (b) => ({ bytes: readFileSync(new URL(`${b}.wasm`, wasmDir)) }) });
await check('url', lib, { readyOptions: () => ({ url: wasmDir }) });
await check('embedded', await import('wasm-rnn/embedded'), {});
// 'wasm-rnn/core': the layers alone, sharing one runtime and the same classes with 'wasm-rnn'
// (in Node, Deno and Bun both are bundles of one build with a shared chunk)
const core = await import('wasm-rnn/core');
await check('core', core, {});
if (core.LSTM !== lib.LSTM || core.ready !== lib.ready) res.problems.push("core: 'wasm-rnn/core' and 'wasm-rnn' export different LSTM / ready");
if ('loadOnnx' in core) res.problems.push("core: 'wasm-rnn/core' exports the ONNX importer");
res.paths = paths;
res.ok = res.ok && res.problems.length === 0;
console.log(goldenLine(runtime, res));
