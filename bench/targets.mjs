// Issue 17's targets against a run of bench/run.mjs: for every engine (each Node version, each
// browser), the speed-up over onnxruntime-web of the build ready() chose there (the median of
// per-round ratios, as in the tables), and whether the target holds.
//   node bench/targets.mjs bench/results/<run>.json
import fs from 'node:fs';
import { median } from './lib/stats.mjs';

const TARGETS = { W1: 1.5, W2: 1.2, W3: 2, W4: 1.5, W5: 1.6, W6: 1.2 };
const P99_LIMIT = 2; // W3: p99 under 2x the median

/** Rows { engine, build, [id]: { speedup, holds, p99Ratio? } } of a bench/run.mjs result. */
export function targetRows(result) {
  const rows = [];
  // a bench/browser.mjs result has browser runs at the top; a bench/run.mjs one under .browsers
  const browserRuns = result.browsers?.runs ?? (result.runs ?? []).filter((r) => r.browser);
  for (const run of (result.runs ?? []).filter((r) => !r.browser)) {
    const build = run.ready?.build ?? run.builds[0];
    const row = { engine: `${run.label} (V8 ${run.v8 ?? '?'})`, build, clock: run.clock };
    for (const [id, w] of Object.entries(run.workloads)) {
      const ort = w.results['onnxruntime-web'], me = w.results[`wasm-rnn ${build}`];
      if (!ort || !me) continue;
      const n = Math.min(ort.rounds.length, me.rounds.length);
      const speedup = median(Array.from({ length: n }, (_, i) => ort.rounds[i] / me.rounds[i]));
      const p99Ratio = w.kind === 'step' ? me.wallP99 / me.wallMedian : undefined;
      row[id] = { speedup, p99Ratio, holds: speedup >= TARGETS[id] && (p99Ratio === undefined || p99Ratio < P99_LIMIT) };
    }
    rows.push(row);
  }
  for (const run of browserRuns) {
    if (run.error) continue;
    const build = run.ready.build;
    const row = { engine: run.browser, build, clock: 'wall' };
    for (const [id, w] of Object.entries(run.workloads)) {
      const me = w.results[`wasm-rnn ${build}`];
      const p99Ratio = w.kind === 'step' ? me.p99 / me.median : undefined;
      row[id] = { speedup: me.speedup, p99Ratio, holds: me.speedup >= TARGETS[id] && (p99Ratio === undefined || p99Ratio < P99_LIMIT) };
    }
    rows.push(row);
  }
  return rows;
}

export function targetTable(result) {
  const rows = targetRows(result);
  const ids = Object.keys(TARGETS);
  const head = `| engine | build ready() chose | ${ids.map((id) => `${id} (target ${TARGETS[id]}x${id === 'W3' ? ', p99 < 2x median' : ''})`).join(' | ')} |`;
  const lines = [head, `|---|---|${ids.map(() => '---|').join('')}`];
  for (const r of rows) {
    lines.push(`| ${r.engine} | ${r.build} | ${ids.map((id) => {
      const c = r[id];
      if (!c) return '-';
      const s = `${c.speedup.toFixed(2)}x${c.p99Ratio !== undefined ? ` (p99 ${c.p99Ratio.toFixed(1)}x)` : ''}`;
      return c.holds ? `**${s}**` : s;
    }).join(' | ')} |`);
  }
  return lines.join('\n');
}

const unitOf = (w, v) => (w.kind === 'charlm' ? `${(1 / v).toFixed(0)} tok/s` : w.kind === 'step' ? `${(v * 1e6).toFixed(0)} us` : `${(v * 1e3).toFixed(v < 0.01 ? 2 : 1)} ms`);

/** One compact table per Node run: times of ORT, simd and relaxed, and their speed-ups over ORT. */
export function nodeTables(result) {
  const out = [];
  for (const run of (result.runs ?? []).filter((r) => !r.browser)) {
    const c = run.ready?.choice;
    out.push(`#### ${run.label} (V8 ${run.v8}), ${run.clock === 'cpu' ? 'process CPU time' : 'wall clock'}`);
    out.push('');
    out.push(`${run.rounds} rounds; load average ${run.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${run.loadavgEnd.map((x) => x.toFixed(1)).join('/')} at end; ready() chose ${run.ready?.build}${c ? ` (${c.how}${c.relaxedUs ? `: relaxed ${c.relaxedUs.toFixed(1)} us, simd ${c.simdUs.toFixed(1)} us` : ''})` : ''}.`);
    out.push('');
    out.push('| workload | onnxruntime-web | wasm-rnn simd | wasm-rnn relaxed | simd vs ORT | relaxed vs ORT |');
    out.push('|---|---|---|---|---|---|');
    for (const [id, w] of Object.entries(run.workloads)) {
      const r = w.results, ort = r['onnxruntime-web'];
      const sp = (b) => { const me = r[`wasm-rnn ${b}`]; if (!me || !ort) return '-'; const n = Math.min(ort.rounds.length, me.rounds.length); return `${median(Array.from({ length: n }, (_, i) => ort.rounds[i] / me.rounds[i])).toFixed(2)}x`; };
      const t = (k) => (r[k] ? `${unitOf(w, r[k].median)}${w.kind === 'step' ? ` (p99 ${(r[k].wallP99 * 1e6).toFixed(0)})` : ''}` : '-');
      out.push(`| ${id} ${w.name} | ${t('onnxruntime-web')} | ${t('wasm-rnn simd')} | ${t('wasm-rnn relaxed')} | ${sp('simd')} | ${sp('relaxed')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[2]) {
  const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  console.log(targetTable(r));
  if (process.argv.includes('--tables')) console.log(`\n${nodeTables(r)}`);
}
