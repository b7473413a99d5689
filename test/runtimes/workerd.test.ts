/**
 * The packed package in workerd (Cloudflare Workers' runtime) through miniflare: worker.mjs
 * imports the .wasm builds as WebAssembly.Module values and passes them to ready({ module });
 * the package's workerd entry does the same by itself. Compiling bytes is refused there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HERE, checkGolden, makeApp, parseGolden, removeApp, startMiniflare, summary } from './helpers.js';

let app: string;
let mf: import('miniflare').Miniflare | undefined;
let reason = '';

beforeAll(async () => {
  app = makeApp('workerd');
  cpSync(join(HERE, 'worker.mjs'), join(app, 'worker.mjs'));
  // Every module listed explicitly (what a bundler such as wrangler would collect): miniflare's
  // own import scan refuses the computed dynamic import the Node fs fallback uses, which never
  // runs in workerd (there is no process there).
  const files = [join(app, 'worker.mjs'), join(app, 'golden.mjs'), ...walk(join(app, 'node_modules/wasm-rnn/dist')), ...walk(join(app, 'fixtures'))]
    .map((f) => relative(app, f))
    .filter((f) => /\.(m?js|wasm|safetensors)$/.test(f));
  ({ mf, reason } = await startMiniflare(app, files));
}, 180_000);

afterAll(async () => {
  await mf?.dispose();
  removeApp(app);
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

async function get(path: string): Promise<string> {
  const res = await mf!.dispatchFetch(`http://localhost${path}`, { signal: AbortSignal.timeout(60_000) });
  return res.text();
}

describe('workerd (miniflare)', () => {
  it('worker imports the .wasm as modules and passes them to ready({ module })', async (ctx) => {
    if (!mf) return ctx.skip(reason);
    const text = await get('/module');
    const g = parseGolden(text);
    const problems = checkGolden(g, ['simd', 'scalar']);
    if (problems.length) throw new Error(`${problems.join('\n')}\n${text}`);
    console.log(summary(g!));
  }, 120_000);

  // it.for, not it.each: each passes no test context, so the skip below could not be called
  it.for([
    ["the package's workerd entry", '/entry'],
    ["the package's workerd core entry ('wasm-rnn/core')", '/core'],
  ])('%s: plain ready() uses the imported modules', async ([, path], ctx) => {
    if (!mf) return ctx.skip(reason);
    const text = await get(path);
    const g = parseGolden(text);
    const problems = checkGolden(g, ['simd', 'scalar']);
    if (problems.length) throw new Error(`${problems.join('\n')}\n${text}`);
    console.log(summary(g!));
    // plain ready() picks the best build workerd supports (supportedBuilds() lists them best first)
    expect(g!.defaultBuild).toBe(g!.builds[0]);
  }, 120_000);

  it('compiling wasm bytes at run time is refused, as in production', async (ctx) => {
    if (!mf) return ctx.skip(reason);
    const text = await get('/bytes');
    console.log(text);
    expect(text).toMatch(/^refused: WASM_LOAD_FAILED .*(disallowed|not allowed|embedder)/i);
  }, 60_000);
});
