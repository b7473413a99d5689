// What the bench drivers (bench/run.mjs, bench/vad.mjs) start from: the repository root, paths in
// it, their command-line options, and a log on stderr (stdout stays for results).
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The absolute path of `p`, relative to the repository root. */
export const rel = (p) => fileURLToPath(new URL(p, new URL('../../', import.meta.url)));
export const argv = process.argv.slice(2);
/** The value after `--k`, or `d` when `--k` is not given. */
export const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
export const flag = (k) => argv.includes(`--${k}`);
export const log = (...a) => console.error(...a);
