#!/usr/bin/env node
// Checks what `npm pack` would publish (run after `npm run build`):
//   - the file list is exactly the allowed set (dist JS + d.ts, entries, the three wasm builds,
//     README.md, LICENSE, package.json) and holds every file users need;
//   - no eval / new Function / Function( in the shipped JS, no top-level await in the library;
//   - publint (strict: warnings are errors) and @arethetypeswrong/cli (esm-only profile: the
//     package is ESM-only, so require() from CommonJS and node10 resolution are out of scope)
//     pass on the tarball itself.
// Exit code 0 when clean; prints each problem otherwise. `--json` prints a summary object.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// publint and attw belong to the runtime matrix's install (test/runtimes/package.json; `npm run
// check:package` installs it first)
const CHECKERS_BIN = join(ROOT, 'test', 'runtimes', 'node_modules', '.bin');
const problems = [];
const dir = mkdtempSync(join(tmpdir(), 'wasm-rnn-pack-'));

try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }));
  const { filename, files, size, unpackedSize } = packed[0];
  const tgz = join(dir, filename);
  const paths = files.map((f) => f.path).sort();

  const allowed = [
    /^package\.json$/,
    /^README\.md$/,
    /^LICENSE$/,
    /^dist\/(base|bindings|src)\/.+\.(js|d\.ts)$/,
    /^dist\/entries\/(embedded|workerd|workerd-core|node|node-core|node-ort|node-vad)\.(js|d\.ts)$/,
    /^dist\/entries\/chunk-[A-Z0-9]+\.js$/, // the part node.js and node-core.js share
    /^dist\/build\/(relaxed|simd|scalar)(-train)?\.wasm$/,
    /^dist\/build\/(relaxed|simd)-threads\.wasm$/, // ready({ threads }) (docs/threads.md)
  ];
  for (const p of paths) if (!allowed.some((re) => re.test(p))) problems.push(`unexpected file in the package: ${p}`);
  const required = [
    'package.json', 'README.md', 'LICENSE',
    'dist/src/index.js', 'dist/src/index.d.ts',
    'dist/entries/embedded.js', 'dist/entries/embedded.d.ts', 'dist/entries/workerd.js', 'dist/entries/workerd.d.ts',
    'dist/entries/node.js', 'dist/entries/node.d.ts', 'dist/entries/node-core.js', 'dist/entries/node-core.d.ts',
    'dist/entries/workerd-core.js', 'dist/entries/workerd-core.d.ts', 'dist/src/core.js', 'dist/src/core.d.ts',
    'dist/entries/node-ort.js', 'dist/entries/node-ort.d.ts', 'dist/src/ort/index.js', 'dist/src/ort/index.d.ts',
    'dist/src/ort/register.js', 'dist/src/ort/register.d.ts', 'dist/src/ort/register-hooks.js',
    'dist/entries/node-vad.js', 'dist/entries/node-vad.d.ts', 'dist/src/vad.js', 'dist/src/vad.d.ts',
    'dist/build/relaxed.wasm', 'dist/build/simd.wasm', 'dist/build/scalar.wasm',
    'dist/build/relaxed-threads.wasm', 'dist/build/simd-threads.wasm',
  ];
  for (const p of required) if (!paths.includes(p)) problems.push(`missing from the package: ${p}`);

  // every relative import of a shipped .js file must be shipped too (stale or missing dist files)
  for (const p of paths.filter((x) => x.endsWith('.js'))) {
    const src = readFileSync(join(ROOT, p), 'utf8');
    if (/\beval\s*\(|\bnew\s+Function\b|(^|[^.\w])Function\s*\(/.test(src)) problems.push(`${p}: eval / Function constructor`);
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = join(p, '..', m[1]).replace(/\\/g, '/');
      if (!paths.includes(target)) problems.push(`${p} imports ${m[1]}, which is not in the package`);
    }
  }

  // no top-level await: esbuild refuses to bundle it when told the target lacks it
  const esb = await import('esbuild');
  for (const entry of ['dist/src/index.js', 'dist/src/core.js', 'dist/src/ort/index.js', 'dist/entries/embedded.js', 'dist/entries/node.js', 'dist/entries/node-core.js', 'dist/entries/node-ort.js']) {
    try {
      await esb.build({ entryPoints: [join(ROOT, entry)], bundle: true, write: false, format: 'esm', platform: 'neutral', supported: { 'top-level-await': false }, logLevel: 'silent' });
    } catch (e) {
      problems.push(`${entry}: ${e.errors?.map((x) => x.text).join('; ') ?? e.message}`);
    }
  }

  const publint = spawnSync(join(CHECKERS_BIN, 'publint'), ['run', '--strict', tgz], { encoding: 'utf8', timeout: 120_000 });
  if (publint.status !== 0) problems.push(`publint:\n${publint.stdout}${publint.stderr}`);
  const attw = spawnSync(join(CHECKERS_BIN, 'attw'), ['--profile', 'esm-only', '--format', 'table-flipped', '--no-color', tgz], { encoding: 'utf8', timeout: 120_000 });
  if (attw.status !== 0) problems.push(`attw:\n${attw.stdout}${attw.stderr}`);

  const summary = { tarball: filename, files: paths.length, size, unpackedSize, publint: publint.status === 0, attw: attw.status === 0, problems };
  if (process.argv.includes('--json')) console.log(JSON.stringify(summary));
  else {
    console.log(`${filename}: ${paths.length} files, ${size} bytes packed, ${unpackedSize} unpacked`);
    console.log(`publint: ${summary.publint ? 'clean' : 'problems'}; attw (esm-only): ${summary.attw ? 'clean' : 'problems'}`);
    for (const p of problems) console.log(`PROBLEM ${p}`);
  }
  process.exitCode = problems.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
