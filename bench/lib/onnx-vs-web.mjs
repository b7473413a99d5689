// What bench/wakeword.mjs and bench/architectures.mjs share: a model on wasm-rnn's loadOnnx and on
// onnxruntime-web (wasm, 1 thread) timed in alternating rounds in one process, and the parent
// that runs a bench's --child on each Node of benchNodes() and collects its rows.
import { spawnSync } from 'node:child_process';
import { benchNodes, flag, log, opt, rel, root } from './cli.mjs';

/**
 * Median wall-clock milliseconds of `ours.run(feeds)` and `await theirs.run(webFeeds)`, the two
 * alternating for `rounds` rounds after 20 of warm-up.
 */
export async function timeAlternating(ours, theirs, feeds, webFeeds, rounds) {
  const a = [];
  const b = [];
  for (let r = 0; r < rounds + 20; r++) {
    let t = performance.now();
    ours.run(feeds);
    const ta = performance.now() - t;
    t = performance.now();
    await theirs.run(webFeeds);
    const tb = performance.now() - t;
    if (r >= 20) {
      a.push(ta);
      b.push(tb);
    }
  }
  const med = (x) => x.slice().sort((p, q) => p - q)[x.length >> 1];
  return { ours: med(a), theirs: med(b) };
}

/** Builds the package unless --no-build, then runs `script --child --rounds R` on each bench Node: its last line's JSON rows. */
export function runOnBenchNodes(script) {
  if (!flag('no-build')) spawnSync('npm', ['run', 'build:ts', '--silent'], { cwd: root, stdio: 'inherit' });
  const runs = [];
  for (const node of benchNodes()) {
    log(`${node.label}...`);
    const r = spawnSync(node.bin, [...node.flags, rel(script), '--child', '--rounds', opt('rounds', '200')], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${node.label}: ${r.stderr}`);
    runs.push({ node: node.label, rows: JSON.parse(r.stdout.trim().split('\n').at(-1)) });
  }
  return runs;
}
