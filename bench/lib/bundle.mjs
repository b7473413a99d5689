// The library bundles the bench runs, written once for bench/run.mjs and bench/cold-runs.mjs:
// bench/.cache/lib/wasm-rnn.mjs (bench/entry.ts: the public API plus the runtime handle) and
// wasm-rnn-core.mjs (src/core.ts, the 'wasm-rnn/core' entry), with bench/.cache/build -> build/
// next to them so that their ../build/<name>.wasm URLs resolve.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rel = (p) => fileURLToPath(new URL(p, new URL('../../', import.meta.url)));

export function bundleLibrary() {
  fs.mkdirSync(rel('bench/.cache/lib'), { recursive: true });
  fs.writeFileSync(rel('bench/.cache/.gitignore'), '*\n');
  try { fs.symlinkSync('../../build', rel('bench/.cache/build')); } catch { /* exists */ }
  for (const [entry, out] of [['bench/entry.ts', 'wasm-rnn.mjs'], ['src/core.ts', 'wasm-rnn-core.mjs']]) {
    execFileSync(rel('node_modules/.bin/esbuild'), [entry, '--bundle', '--format=esm', '--platform=node', '--log-level=warning',
      `--outfile=bench/.cache/lib/${out}`], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  }
}

/**
 * `npm run build:wasm` unless --no-build; returns what the run measures ('fresh', 'not rebuilt
 * (--no-build)', or 'STALE: ...' when the build failed and build/*.wasm is used as it was).
 */
export function buildWasm() {
  if (process.argv.includes('--no-build')) return 'not rebuilt (--no-build)';
  try {
    execFileSync('npm', ['run', '--silent', 'build:wasm'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    return 'fresh';
  } catch {
    const stale = 'STALE: npm run build:wasm failed, using the build/*.wasm already there';
    console.error(`!!! ${stale}`);
    return stale;
  }
}
