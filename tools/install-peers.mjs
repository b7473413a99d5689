// Installs the packages that live outside the root install. The root package.json holds what
// building, the demo and the core tests need; the heavier peers live in folders with their own
// package.json + package-lock.json, each installed with `npm ci` into its own node_modules, where
// Node's resolution (nearest node_modules upwards) finds them for every file below that folder:
//
//   test/                 references of the core tests: TF.js (Keras tests), onnxruntime-node
//   test/runtimes/        the runtime matrix: miniflare/workerd, Bun, Deno, playwright-core,
//                         puppeteer-core, publint, @arethetypeswrong/cli
//   test/runtimes/node24/ Node 24 (its `node` bin must not shadow the machine's Node in npm scripts)
//   bench/                the bench's peers: benchmark, TF.js with its wasm backend, onnxruntime-node
//
// A folder is installed again only when its package.json or package-lock.json changed since its
// last install (their hash is kept in node_modules/.installed-from). Concurrent callers (vitest
// runs started at once) wait for one another through a lock directory.
//
//   node tools/install-peers.mjs test test/runtimes     (folders relative to the repository root)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const PEER_FOLDERS = ['test', 'test/runtimes', 'test/runtimes/node24', 'bench'];

const LOCK_WAIT_MS = 15 * 60_000;
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The hash of what `npm ci` installs from: package.json and package-lock.json. */
function manifestHash(dir) {
  const h = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) h.update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

const stampPath = (dir) => join(dir, 'node_modules', '.installed-from');
const isCurrent = (dir) => existsSync(stampPath(dir)) && readFileSync(stampPath(dir), 'utf8') === manifestHash(dir);

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Takes `<dir>/.install-lock` (a directory: mkdir is atomic), breaking it if its holder died. */
function lock(dir) {
  const path = join(dir, '.install-lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(path, 'pid'), 'utf8'));
    } catch {
      // the holder has made the directory but not yet written its pid
    }
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(path, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`${path} is still held by process ${holder} after ${LOCK_WAIT_MS / 60_000} min`);
    else sleep(500);
  }
}

/**
 * Installs the peer folder `folder` (relative to the repository root) unless its node_modules
 * already matches its manifests; throws if `npm ci` fails.
 */
export function installPeers(folder) {
  if (!PEER_FOLDERS.includes(folder)) throw new Error(`${folder} is not a peer folder (${PEER_FOLDERS.join(', ')})`);
  const dir = join(ROOT, folder);
  if (isCurrent(dir)) return;
  const unlock = lock(dir);
  try {
    if (isCurrent(dir)) return; // installed by the caller that held the lock
    console.error(`install-peers: npm ci in ${folder}/`);
    // onnxruntime-node ships its CPU binaries in the package; its install script would only fetch GPU ones
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip' };
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm ci in ${folder}/ failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
    writeFileSync(stampPath(dir), manifestHash(dir));
  } finally {
    unlock();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folders = process.argv.slice(2);
  if (!folders.length) {
    console.error(`usage: node tools/install-peers.mjs <folder>... (of ${PEER_FOLDERS.join(', ')})`);
    process.exit(2);
  }
  try {
    for (const f of folders) installPeers(f.replace(/\/+$/, ''));
  } catch (e) {
    console.error(`install-peers: ${e.message}`);
    process.exit(1);
  }
}
