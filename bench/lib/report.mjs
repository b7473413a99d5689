// Markdown tables from a bench/results/<date>.json object.
import { gates } from './models.mjs';

const PEERS = ['onnxruntime-web', 'wasm-rnn simd', 'wasm-rnn relaxed', 'wasm-rnn scalar', 'tfjs-wasm', 'tfjs-cpu', 'plain-js'];
const TARGET = { W1: '1.5x', W2: '1.2x simd / 2x relaxed', W3: '2x, p99 < 1.5x median', W4: '1.5x', W5: '1.6x', W6: '1.2x simd / 2x relaxed' };
const med = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN; };
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const ms = (s) => (s >= 0.1 ? f(s * 1e3, 0) : s >= 0.01 ? f(s * 1e3, 1) : f(s * 1e3, 2));

/** Single-core read bandwidth (GB/s) for a working set of `bytes`, log-interpolated between probes. */
export function bwAt(run, bytes) {
  const pts = Object.values(run.bandwidth).map((v) => [v.bytes, v.best]).sort((a, b) => a[0] - b[0]);
  if (bytes <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    if (bytes <= pts[i][0]) {
      const [b0, g0] = pts[i - 1], [b1, g1] = pts[i];
      if (b1 === b0) return g1;
      const t = Math.log(bytes / b0) / Math.log(b1 / b0);
      return g0 + (g1 - g0) * t;
    }
  }
  return pts[pts.length - 1][1];
}

/** Roofline of one call (seconds) for a build: max(flops / peak, bytes / bandwidth). */
export function roofline(run, wl, build) {
  const peak = (build === 'relaxed' ? run.peak.fma.best : run.peak.muladd.best) * (build === 'scalar' ? 0.25 : 1);
  let flops = wl.flops, bytes, bwBytes;
  if (wl.kind === 'seq') {
    const G = gates(wl.cell);
    const whh = 4 * G * wl.H * wl.H, wih = 4 * G * wl.H * wl.I;
    bytes = wl.T * whh + wih; // W_hh re-read every step, W_ih once by the batched input GEMM
    bwBytes = whh;
  } else if (wl.kind === 'step') {
    bytes = wl.weightBytes;
    bwBytes = bytes;
  } else {
    flops /= wl.tokens;
    bytes = wl.weightBytes;
    bwBytes = bytes;
  }
  const compute = flops / (peak * 1e9), memory = bytes / (bwAt(run, bwBytes) * 1e9);
  return { seconds: Math.max(compute, memory), bound: compute >= memory ? 'compute' : 'memory', compute, memory };
}

function ratio(ort, x) {
  if (!ort || !x) return NaN;
  const n = Math.min(ort.rounds.length, x.rounds.length);
  const r = [];
  for (let i = 0; i < n; i++) r.push(ort.rounds[i] / x.rounds[i]);
  return med(r);
}

function cell(wl, v) {
  if (!v) return '-';
  const bad = v.maxAbsDiff > 1e-4 ? ' (!)' : '';
  if (wl.kind === 'step') return `${f(v.median * 1e6, 0)} us (p99 ${f(v.p99 * 1e6, 0)}; wall p99 ${f(v.wallP99 * 1e6, 0)})${bad}`;
  if (wl.kind === 'charlm') return `${f(v.tokensPerSec, 0)} tok/s${bad}`;
  if (wl.id === 'W6') return `${ms(v.median)} ms, ${f(v.gflops, 1)} GF/s${bad}`;
  return `${ms(v.median)} ms${bad}`;
}

export function report(result) {
  const out = [];
  const p = (s = '') => out.push(s);
  const c = result.machine.cpuInfo;
  p(`Run ${result.date.slice(0, 16)}Z on ${result.machine.cpu}${c ? ` (${c.vendor}, family ${c.family}, model ${c.model})` : ''}, ${result.machine.cores} cores (${result.machine.note}). wasm: ${result.wasmBuild}.`);
  p();
  for (const run of result.runs) {
    const wls = Object.values(run.workloads);
    p(`### ${run.label} ${run.execArgv.join(' ')}`);
    p();
    const rc = run.ready?.choice;
    if (run.ready) p(`ready() without options chose **${run.ready.build}**${rc ? ` (${rc.how}${rc.relaxedUs ? `: relaxed ${f(rc.relaxedUs, 1)} us, simd ${f(rc.simdUs, 1)} us a round` : ''})` : ''} in ${f(run.ready.ms, 1)} ms; V8 ${run.v8}.`);
    p(`Builds: ${run.builds.join(', ')}; ${run.rounds} rounds; load average ${run.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${run.loadavgEnd.map((x) => x.toFixed(1)).join('/')} at end.`);
    p(`Measured wasm SIMD peak (best of 9): **${f(run.peak.muladd.best, 1)} GFLOP/s** mul+add, **${f(run.peak.fma.best, 1)} GFLOP/s** relaxed_madd (medians ${f(run.peak.muladd.median, 1)} / ${f(run.peak.fma.median, 1)}).`);
    p(`Single-core read bandwidth (GB/s, best of 9): ${Object.entries(run.bandwidth).map(([k, v]) => `${k} ${f(v.best, 0)}`).join(', ')}.`);
    p();
    p(`Medians of on-${run.clock === 'cpu' ? 'CPU (process.cpuUsage)' : 'wall-clock'} time (seq: ms per call; W3: us per step, p99 of CPU time per step and p99 of wall time per step in brackets; W5: tokens/s; (!) = max |diff| > 1e-4 vs wasm-rnn simd):`);
    p();
    p(`| workload | ${PEERS.join(' | ')} |`);
    p(`|---|${PEERS.map(() => '---').join('|')}|`);
    for (const wl of wls) p(`| ${wl.id} ${wl.name} | ${PEERS.map((n) => cell(wl, wl.results[n])).join(' | ')} |`);
    p();
    p('Speed-up over onnxruntime-web (median of per-round ratios, > 1 = faster) and roofline (bound = max(FLOPs / measured peak, weight bytes / measured bandwidth for that size); % = bound / measured time):');
    p();
    p('| workload | simd | relaxed | scalar | tfjs-wasm | target | bound (simd) | simd % of roofline | relaxed % of roofline | ORT % of roofline | best possible vs ORT (simd, relaxed) | max abs diff (ORT, relaxed) |');
    p('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const wl of wls) {
      const R = wl.results, o = R['onnxruntime-web'];
      const rs = roofline(run, wl, 'simd'), rr = roofline(run, wl, 'relaxed');
      const pct = (rf, v) => (v ? `${f((100 * rf.seconds) / v.median, 0)}%` : '-');
      let extra = '';
      if (wl.kind === 'step' && R['wasm-rnn simd']) extra = ` (p99/median ${f(R['wasm-rnn simd'].p99 / R['wasm-rnn simd'].median, 1)})`;
      p(`| ${wl.id} | ${f(ratio(o, R['wasm-rnn simd']))}x${extra} | ${f(ratio(o, R['wasm-rnn relaxed']))}x | ${f(ratio(o, R['wasm-rnn scalar']))}x | ${f(ratio(o, R['tfjs-wasm']))}x | ${TARGET[wl.id]} | ${rs.bound} ${ms(rs.seconds)} ms${wl.kind === 'charlm' ? '/token' : ''} | ${pct(rs, R['wasm-rnn simd'])} | ${pct(rr, R['wasm-rnn relaxed'])} | ${pct(rs, o)} | ${o ? `${f(o.median / rs.seconds, 1)}x, ${f(o.median / rr.seconds, 1)}x` : '-'} | ${o ? o.maxAbsDiff.toExponential(1) : '-'}, ${R['wasm-rnn relaxed'] ? R['wasm-rnn relaxed'].maxAbsDiff.toExponential(1) : '-'} |`);
    }
    p();
    const modes = wls.map((wl) => [wl.id, wl.results['wasm-rnn simd']?.mode]).filter(([, m]) => m);
    if (modes.length) p(`wasm-rnn streaming path used: ${modes.map(([id, m]) => `${id} ${m}`).join(', ')}.`);
    p();
    p('Kernel micro-benchmarks (f32_gemm on weights packed as the library packs them: 8-column panels, or 32 (f32_gemm_nr32, marked nr32) for a W_hh the recurrence reads that way; GFLOP/s; % = roofline bound / time):');
    p();
    const builds = Object.keys(run.kernels);
    p(`| shape MxNxK | used by | ${builds.map((b) => `${b} GFLOP/s (% roofline)`).join(' | ')} |`);
    p(`|---|---|${builds.map(() => '---').join('|')}|`);
    const gemms = run.kernels[builds[0]].gemm;
    gemms.forEach((g, i) => {
      const cells = builds.map((b) => {
        const k = run.kernels[b].gemm[i];
        const peak = (b === 'relaxed' ? run.peak.fma.best : run.peak.muladd.best) * (b === 'scalar' ? 0.25 : 1);
        const bound = Math.max((2 * k.m * k.n * k.k) / (peak * 1e9), k.weightBytes / (bwAt(run, k.weightBytes) * 1e9));
        return `${f(k.gflops, 1)} (${f((100 * bound) / k.seconds, 0)}%)`;
      });
      p(`| ${g.m}x${g.n}x${g.k}${g.panelWidth === 32 ? ' nr32' : ''} | ${g.wl} ${g.what} | ${cells.join(' | ')} |`);
    });
    p();
    const acts = builds.flatMap((b) => run.kernels[b].act.map((a) => ({ b, ...a })));
    if (acts.length) {
      p(`Activation kernels: ${acts.map((a) => `${a.b} ${a.kernel}(${a.n}) ${f(a.elemsPerSec / 1e6, 0)} M units/s${a.activationsPerSec ? ` (${f(a.activationsPerSec / 1e6, 0)} M sigmoid/tanh/s)` : ''}`).join('; ')}.`);
      p();
    }
    if (run.coldStart) {
      p('Cold start, fresh process, import to first W1 result (median ms; phases):');
      p();
      p('| peer | median ms (wall) | median CPU ms | phases (median wall ms) | process start to result (wall ms) |');
      p('|---|---|---|---|---|');
      for (const [k, arr] of Object.entries(run.coldStart)) {
        if (!arr.length) continue;
        const ph = Object.keys(arr[0].phases).map((name) => `${name} ${f(med(arr.map((a) => a.phases[name])), 1)}`).join(', ');
        p(`| ${k} | ${f(med(arr.map((a) => a.ms)), 1)} | ${f(med(arr.map((a) => a.cpuMs)), 1)} | ${ph} | ${f(med(arr.map((a) => a.total)), 0)} |`);
      }
      p();
    }
  }
  p('Sizes (bytes, gzip -9 in brackets):');
  p();
  p('| peer | file | bytes | gzip |');
  p('|---|---|---|---|');
  for (const [peer, files] of Object.entries(result.sizes)) for (const s of files) p(`| ${peer} | ${s.path.replace(/^(bench\/)?node_modules\//, '')} | ${s.bytes} | ${s.gzip} |`);
  p();
  p(`Commands: ${result.commands.map((c) => `\`${c}\``).join('; ')}.`);
  return out.join('\n');
}
