// Writes the extra package entries into dist/entries/ after tsc (see docs/loading.md):
//   embedded.js  the library with all three wasm builds inlined as base64, for hosts that cannot
//                serve .wasm files or bundles that must be one file (about 37 KB more JS);
//   workerd.js, workerd-core.js
//                the library (and its core, 'wasm-rnn/core') for Cloudflare Workers / workerd:
//                imports the builds as WebAssembly.Module values (`import m from './x.wasm'`,
//                the Workers module rule), so `await ready()` works there without compiling
//                bytes at run time.
//   node.js, node-core.js, node-ort.js, node-vad.js
//                the entries for Node, Deno and Bun (the `node` export condition): the same
//                modules as dist/src/index.js, dist/src/core.js, dist/src/ort/index.js
//                ('wasm-rnn/ort') and dist/src/vad.js ('wasm-rnn/vad') bundled, because resolving and evaluating 38 separate
//                modules took 30-45 ms of a cold start there against
//                11-14 ms for one file (browsers and bundlers keep the separate modules, which
//                they tree-shake). Built together with code splitting, so what core holds is one
//                shared chunk (chunk-<hash>.js, next to them so that its ../build/ URL resolves):
//                importing several entries gives one runtime and the same classes (RnnError).
// All keep the API of their dist/src module; only ready()'s default loading differs (and the
// node entries load the .wasm from ../build/, exactly like dist/bindings/wasm.js does).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';

const BUILDS = ['relaxed', 'simd', 'scalar'];
mkdirSync('dist/entries', { recursive: true });

// ready() with nothing that says where the wasm comes from uses the entry's own copy. Like the
// main entry, later calls return the runtime in use unless they force another build.
// wasm-rnn/embedded hands its copies to ready() as `sources`, which chooses between relaxed and
// simd by timing them as the main entry does with the files. The workerd entries pass the first
// build that validates: in Workers time does not advance while code runs (only across I/O), so
// there is nothing to time with (docs/performance.md, "Which build ready() chooses").
const wrapper = (source, mod = 'index') => `export * from '../src/${mod}.js';
import { ready as readyWith, supportedBuilds } from '../src/${mod}.js';
let last;
/** As ready() of the main entry; without module/bytes/url the wasm comes from ${source}. */
export function ready(options = {}) {
  // the training builds are not in this file: ready({ training: true }) loads them as the main entry does
  if (options.training) return readyWith(options);
  if (last && (options.build === undefined || options.build === last.build) && !options.module && !options.bytes && !options.url) return last.p;
  const own = !(options.module || options.bytes || options.url);
${source === 'this file'
    ? `  const p = own ? readyWith({ ...options, sources: (b) => (BASE64[b] === undefined ? undefined : decode(BASE64[b])) }) : readyWith(options);
  const entry = (last = { build: options.build, p });
  p.then((info) => { if (own && last === entry) entry.build = info.build; }, () => { if (last === entry) last = undefined; });`
    : `  const build = options.build ?? (own ? supportedBuilds()[0] : undefined);
  const p = own ? readyWith({ build, module: MODULES[build] }) : readyWith(options);
  const entry = (last = { build, p });
  p.catch(() => { if (last === entry) last = undefined; });`}
  return p;
}
`;

const dts = `export * from '../src/index.js';\n`;
const coreDts = `export * from '../src/core.js';\n`;

let embedded = wrapper('this file');
embedded += `function decode(b64) {
  if (b64 === undefined) throw new Error('wasm-rnn/embedded: unknown build');
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const BASE64 = {
${BUILDS.map((b) => `  ${b}: '${readFileSync(`build/${b}.wasm`).toString('base64')}',`).join('\n')}
};
`;
writeFileSync('dist/entries/embedded.js', embedded);
writeFileSync('dist/entries/embedded.d.ts', dts);

for (const [mod, name, types] of [['index', 'workerd', dts], ['core', 'workerd-core', coreDts]]) {
  let workerd = BUILDS.map((b) => `import ${b} from '../build/${b}.wasm';`).join('\n') + '\n';
  workerd += wrapper('the .wasm modules this file imports', mod);
  workerd += `const MODULES = { ${BUILDS.join(', ')} };\n`;
  writeFileSync(`dist/entries/${name}.js`, workerd);
  writeFileSync(`dist/entries/${name}.d.ts`, types);
}

for (const f of readdirSync('dist/entries')) if (/^chunk-.*\.js$/.test(f)) rmSync(`dist/entries/${f}`); // stale hashes
buildSync({
  entryPoints: [
    { in: 'dist/src/index.js', out: 'node' },
    { in: 'dist/src/core.js', out: 'node-core' },
    { in: 'dist/src/ort/index.js', out: 'node-ort' },
    { in: 'dist/src/vad.js', out: 'node-vad' },
  ],
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'neutral',
  outdir: 'dist/entries',
  legalComments: 'none',
  logLevel: 'warning',
});
writeFileSync('dist/entries/node.d.ts', dts);
writeFileSync('dist/entries/node-core.d.ts', coreDts);
writeFileSync('dist/entries/node-ort.d.ts', `export * from '../src/ort/index.js';\n`);
writeFileSync('dist/entries/node-vad.d.ts', `export * from '../src/vad.js';\n`);
