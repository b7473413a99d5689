// How a bench driver (bench/vad.mjs, bench/train.mjs) records a run: the results JSON, the
// markdown tables in bench/.cache (printed too), and with --write-md those tables in BENCHMARKS.md
// between the driver's <!-- <marker>:begin --> / <!-- <marker>:end --> lines.
import fs from 'node:fs';
import { flag, log, rel } from './cli.mjs';

/** Writes `result` to `outPath` and `md` to `tablesPath`; replaces the `marker` section of BENCHMARKS.md with --write-md. */
export function writeResults(result, md, { outPath, tablesPath, marker }) {
  fs.mkdirSync(rel('bench/results'), { recursive: true });
  fs.writeFileSync(rel(outPath), JSON.stringify(result, null, 1) + '\n');
  fs.writeFileSync(rel(tablesPath), md);
  console.log(md);
  log(`\nwrote ${outPath} and ${tablesPath}`);
  if (!flag('write-md')) return;
  const p = rel('BENCHMARKS.md');
  const cur = fs.readFileSync(p, 'utf8');
  const begin = `<!-- ${marker}:begin -->`, end = `<!-- ${marker}:end -->`;
  const a = cur.indexOf(begin), b = cur.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`BENCHMARKS.md has no ${begin} / ${end} markers`);
  fs.writeFileSync(p, `${cur.slice(0, a)}${begin}\n${md}\n${cur.slice(b)}`);
  log('updated BENCHMARKS.md');
}
