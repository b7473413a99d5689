// The Silero VAD bench in headless Chromium and Firefox: wasm-rnn's SileroVad and
// onnxruntime-web (wasm, 1 thread) in the same cross-origin isolated page, legacy / v5 / v6 on
// the test clip's frames, per frame as a page's caller sees it (bench/vad-browser-page.mjs says
// how it times; bench/browser.mjs serves it). Needs `npm run build` and the drivers of
// test/runtimes (node tools/install-peers.mjs test/runtimes). Writes bench/.cache/vad-browsers.json (or --json).
//   node bench/vad-browser.mjs [--browsers chromium,firefox] [--models legacy,v5,v6] [--rounds 7] [--frames 600] [--alone] [--builds relaxed,simd [--block 20]] [--json out.json]
// --alone: SileroVad without onnxruntime-web in the page (to tell its own p99 from the effect of
// another engine in the same page). --builds: SileroVad on each build instead, timed in blocks
// of --block frames (what the build choice costs a frame).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBrowsers } from './browser.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1]; };
const log = (...a) => console.error(...a);

const res = await runBrowsers({
  browsers: opt('browsers', 'chromium,firefox').split(','),
  query: `?script=vad-browser-page.mjs&models=${opt('models', 'legacy,v5,v6')}&rounds=${opt('rounds', '7')}&frames=${opt('frames', '600')}${argv.includes('--alone') ? '&alone=1' : ''}${opt('builds') ? `&builds=${opt('builds')}&block=${opt('block', '20')}` : ''}`,
});
const path = opt('json', join(ROOT, 'bench/.cache/vad-browsers.json'));
mkdirSync(join(ROOT, 'bench/.cache'), { recursive: true });
writeFileSync(path, JSON.stringify(res, null, 1) + '\n');

const lines = [];
for (const run of res.runs) {
  if (run.error) { lines.push(`### ${run.browser}\n\nfailed: ${run.error.split('\n')[0]}\n`); continue; }
  lines.push(`### Silero VAD, ${run.browser} (headless), ${res.cpu.modelName}`, '');
  if (opt('builds')) {
    const builds = opt('builds').split(',');
    lines.push(`SileroVad on each build in one page (ready({ build }) each), ${run.rounds} rounds of ${run.framesPerRound} frames timed in blocks of ${opt('block', '20')}, ` +
      `medians of rounds and of per-round ratios (cross-origin isolated: ${run.crossOriginIsolated}); load average ${run.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${run.loadavgEnd.map((x) => x.toFixed(1)).join('/')} at end.`, '');
    lines.push(`| model | ${builds.map((b) => `${b} median, us`).join(' | ')} | ${builds.slice(1).map((b) => `${b} / ${builds[0]}`).join(' | ')} |`);
    lines.push(`|---|${builds.map(() => '---|').join('')}${builds.slice(1).map(() => '---|').join('')}`);
    for (const [model, r] of Object.entries(run.models)) {
      lines.push(`| ${model} | ${builds.map((b) => (r[`wasm-rnn SileroVad ${b}`].median * 1e3).toFixed(1)).join(' | ')} | ${builds.slice(1).map((b) => `${r[`wasm-rnn SileroVad ${b}`].vsFirst.toFixed(3)}x`).join(' | ')} |`);
    }
    lines.push('');
    continue;
  }
  lines.push(`wasm-rnn's \`${run.ready.build}\` build (what the VAD entry's ready() chose); onnxruntime-web ${run.ortVersion} (wasm, 1 thread) in the same page; ` +
    `${run.rounds} rounds of ${run.framesPerRound} frames, wall clock per frame (cross-origin isolated: ${run.crossOriginIsolated}); ` +
    `load average ${run.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${run.loadavgEnd.map((x) => x.toFixed(1)).join('/')} at end.`, '');
  lines.push('| model | SileroVad median / p99, us | onnxruntime-web median / p99, us | onnxruntime-web / SileroVad | SileroVad p99 / median | max \\|p - onnxruntime-node\\| (SileroVad, onnxruntime-web) |');
  lines.push('|---|---|---|---|---|---|');
  for (const [model, r] of Object.entries(run.models)) {
    const w = r['wasm-rnn SileroVad'], o = r['onnxruntime-web'];
    const us = (v) => (v * 1e3).toFixed(0);
    lines.push(`| ${model} | ${us(w.median)} / ${us(w.p99)} | ${o ? `${us(o.median)} / ${us(o.p99)}` : '-'} | ${o ? `${w.speedup.toFixed(2)}x` : '-'} | ${(w.p99 / w.median).toFixed(1)} | ${w.maxAbsDiff.toExponential(1)}, ${o ? o.maxAbsDiff.toExponential(1) : '-'} |`);
  }
  lines.push('');
}
console.log(lines.join('\n'));
log(`wrote ${path}`);
