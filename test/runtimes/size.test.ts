/**
 * Size budget: each wasm build (build/*.wasm, what dist/build gets) <= 64 KB; the library JS <= 40 KB minified (esbuild bundle of
 * dist/src/index.js, the main entry with everything it imports). The embedded entry (library +
 * base64 wasm) has no budget of its own; its size is printed.
 */
import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, assertBuilt } from './helpers.js';

const WASM_BUDGET = 64 * 1024;
const JS_BUDGET = 40 * 1024;

async function minified(entry: string): Promise<number> {
  const r = await build({ entryPoints: [join(ROOT, entry)], bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'silent' });
  return r.outputFiles[0].contents.byteLength;
}

describe('size budget', () => {
  it.each(['relaxed', 'simd', 'scalar'])('%s.wasm <= 64 KB', (b) => {
    const size = statSync(join(ROOT, 'build', `${b}.wasm`)).size;
    console.log(`${b}.wasm: ${size} bytes`);
    expect(size).toBeLessThanOrEqual(WASM_BUDGET);
  });

  it('library JS <= 40 KB minified', async () => {
    assertBuilt();
    const size = await minified('dist/src/index.js');
    const embedded = await minified('dist/entries/embedded.js');
    console.log(`library JS minified: ${size} bytes; embedded entry (with base64 wasm): ${embedded} bytes`);
    expect(size).toBeLessThanOrEqual(JS_BUDGET);
  });
});
