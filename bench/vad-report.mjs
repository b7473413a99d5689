// Markdown tables from a bench/results/<date>-vad.json object (bench/vad.mjs).
import { ENGINES } from './vad-engines.mjs';

const med = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN; };
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
/** One figure per repeat -> "a" or "lo–hi". */
const range = (xs, d = 0) => {
  const v = xs.filter(Number.isFinite);
  if (!v.length) return '-';
  const lo = f(Math.min(...v), d), hi = f(Math.max(...v), d);
  return lo === hi ? lo : `${lo}–${hi}`;
};
const kb = (b) => (b >= 1e6 ? `${f(b / 1e6, 2)} MB` : `${f(b / 1e3, 1)} KB`);
const bytes = (b) => (Math.abs(b) < 16 ? '0' : b >= 1000 ? `${f(b / 1000, 1)} KB` : `${f(b, 0)} B`);

export function vadReport(result, outPath) {
  const out = [];
  const p = (s = '') => out.push(s);
  const { cpu } = result.machine;
  const w = result.wasmRnn, v = result.versions;
  const repeats = Math.max(...result.runs.map((r) => r.repeat));
  p(`Run ${result.date.slice(0, 16)}Z (\`${outPath}\`) on **${cpu.modelName}** (vendor ${cpu.vendor}, family ${cpu.family}, model ${cpu.model}, stepping ${cpu.stepping}), ${cpu.cpus} cores: ${result.machine.note}.`);
  p();
  p(`Engines: wasm-rnn ${v['wasm-rnn']} at ${w.commit}${w.uncommitted.length ? ` plus ${w.uncommitted.length} uncommitted files in src/, bindings/, assembly/ (work in progress of other sessions)` : ''}, package ${w.packageBuild} (dist/ snapshot ${w.distSha256}), wasm ${Object.entries(w.wasm).map(([k, x]) => `${k} ${x.sha256}`).join(', ')}; onnxruntime-web ${v['onnxruntime-web']} (wasm EP, \`env.wasm.numThreads = 1\`); onnxruntime-node ${v['onnxruntime-node']} (CPU EP, intra/inter-op threads 1); models and calling protocol from @ricky0123/vad-web ${v['@ricky0123/vad-web']}. The Node and V8 versions head each table.`);
  p();
  const labels = [...new Set(result.runs.map((r) => r.label))];
  for (const label of labels) {
    const runs = result.runs.filter((r) => r.label === label);
    const suites = runs.map((r) => r.suite).filter(Boolean);
    const s0 = suites[0];
    if (s0) {
      const engines = ENGINES.filter((e) => Object.values(s0.models).some((m) => m.engines[e]));
      const models = Object.keys(s0.models);
      const each = (fn) => suites.map(fn);
      // the build any wasm-rnn engine reports (a run need not include loadOnnx's)
      const firstEngines = Object.values(s0.models)[0].engines;
      const build = ['wasm-rnn', 'wasm-rnn SileroVad', 'wasm-rnn/ort'].map((e) => firstEngines[e]?.info?.build).find(Boolean) ?? 'unknown';
      p(`### Silero VAD, ${label} (V8 ${s0.versions.v8})${s0.execArgv.length ? ` ${s0.execArgv.join(' ')}` : ''}`);
      p();
      p(`${suites.length} run${suites.length > 1 ? 's' : ''} (a–b = the range over them), each ${s0.rounds} rounds of ${s0.framesPerRound} frames per engine and model, engines interleaved; wasm-rnn ran its \`${build}\` build. Load average at start ${suites.map((s) => s.loadavgStart[0].toFixed(1)).join(', ')}; at end ${suites.map((s) => s.loadavgEnd[0].toFixed(1)).join(', ')}. CPU ${s0.cpu.modelName} (${s0.cpu.vendor}, family ${s0.cpu.family}).`);
      p();
      p('Wall time per frame as the caller sees it (vad-web\'s input tensor, the call, awaited for the ORT-API engines, the probability and state kept), us, median / p99 (median over rounds):');
      p();
      p(`| model | ${engines.join(' | ')} |`);
      p(`|---|${engines.map(() => '---').join('|')}|`);
      for (const m of models) {
        p(`| ${m} | ${engines.map((e) => `${range(each((s) => s.models[m]?.engines[e]?.median))} / ${range(each((s) => s.models[m]?.engines[e]?.p99))}`).join(' | ')} |`);
      }
      p();
      p('Speed-up (median of per-round ratios of the medians; > 1 = faster than the peer) and p99 / median. Targets for wasm-rnn: >= 3x onnxruntime-web, > 1x onnxruntime-node, p99 < 2x median:');
      p();
      p('| model | engine | onnxruntime-web / engine | onnxruntime-node / engine | p99 / median |');
      p('|---|---|---|---|---|');
      for (const m of models) {
        for (const e of engines) {
          const ratio = (peer) => (e === peer ? '-' : `${range(each((s) => s.models[m]?.engines[e]?.vs[peer]?.median), 2)}x`);
          p(`| ${m} | ${e} | ${ratio('onnxruntime-web')} | ${ratio('onnxruntime-node')} | ${range(each((s) => s.models[m]?.engines[e]?.p99OverMedian), 1)} |`);
        }
      }
      p();
      p('Process CPU time per frame (mean over a round, us; median over rounds) and agreement with onnxruntime-node\'s committed per-frame probabilities (test/fixtures/vad; max |p - ref| over the clip and final-state relative error, worst over the runs):');
      p();
      p(`| model | ${engines.map((e) => `${e} CPU`).join(' | ')} | ${engines.map((e) => `${e} max abs diff, state`).join(' | ')} |`);
      p(`|---|${engines.map(() => '---').join('|')}|${engines.map(() => '---').join('|')}|`);
      for (const m of models) {
        const worst = (e, k) => { const x = Math.max(...each((s) => s.models[m]?.engines[e]?.[k] ?? NaN)); return Number.isFinite(x) ? x.toExponential(1) : '-'; };
        p(`| ${m} | ${engines.map((e) => range(each((s) => s.models[m]?.engines[e]?.cpuMean))).join(' | ')} | ${engines.map((e) => `${worst(e, 'maxProbDiff')}, ${worst(e, 'stateRelError')}`).join(' | ')} |`);
      }
      p();
    }
    const colds = runs.map((r) => r.cold).filter((c) => c && Object.keys(c).length);
    if (colds.length) {
      const n = Object.values(Object.values(colds[0])[0])[0].length;
      p(`Cold start in fresh processes, import -> session -> first frame's probability (model bytes read before the clock), ${n} process${n > 1 ? 'es' : ''} per engine and model in each run, interleaved; ms of wall time, median per run (a–b), [min..max] over all ${n * colds.length}, median CPU ms, median phases. Target < 30 ms:`);
      p();
      p('| engine | model | median ms | [min..max] | CPU ms | phases (median ms) |');
      p('|---|---|---|---|---|---|');
      for (const engine of ENGINES) {
        for (const model of Object.keys(colds[0][engine] ?? {})) {
          const all = colds.flatMap((c) => c[engine]?.[model] ?? []);
          if (!all.length) continue;
          const phases = Object.keys(all[0].phases).map((ph) => `${ph} ${f(med(all.map((a) => a.phases[ph])), 1)}`).join(', ');
          p(`| ${engine} | ${model} | ${range(colds.map((c) => med((c[engine]?.[model] ?? []).map((a) => a.ms))))} | [${f(Math.min(...all.map((a) => a.ms)))}..${f(Math.max(...all.map((a) => a.ms)))}] | ${f(med(all.map((a) => a.cpuMs)))} | ${phases} |`);
        }
      }
      p();
    }
    const alloc = runs.find((r) => r.alloc)?.alloc;
    if (alloc) {
      const rows = ENGINES.flatMap((e) => Object.values(alloc[e] ?? {}));
      const a0 = rows[0];
      p(`Allocation per frame in steady state (${a0.frames} frames after two warm passes; V8 heap bytes from used-heap deltas plus what collections freed, external = ArrayBuffer backing stores; memory inside a wasm instance is not counted). "engine": input tensors made beforehand, one feeds object reused; "vad-web caller": vad-web's per-frame input Float32Array and tensor included. Target: nothing:`);
      p();
      p('| engine | model | engine: JS heap | engine: external | vad-web caller: JS heap | vad-web caller: external | collections in the window |');
      p('|---|---|---|---|---|---|---|');
      for (const a of rows) {
        const ext = (x) => `${bytes(x.externalBytesPerFrame)}${x.externalFrames !== a.frames ? ` (over ${x.externalFrames} frames)` : ''}`;
        p(`| ${a.engine} | ${a.model} | ${bytes(a.engineOnly.heapBytesPerFrame)} | ${ext(a.engineOnly)} | ${bytes(a.vadWebCaller.heapBytesPerFrame)} | ${ext(a.vadWebCaller)} | ${a.engineOnly.gcsInWindow}, ${a.vadWebCaller.gcsInWindow} |`);
      }
      p();
    }
  }
  const S = result.sizes;
  if (S) {
    p('What a web page ships for the VAD (bytes; gzip -9). wasm-rnn: the package\'s browser entry bundled and minified by esbuild with code splitting, the chunks a page loads before it runs (code behind import(), such as the thread pool, left out), and the one wasm build a browser fetches (the larger of relaxed / simd is counted); onnxruntime-web: what vad-web loads:');
    p();
    p('| | file | bytes | gzip |');
    p('|---|---|---|---|');
    for (const s of [...S['wasm-rnn'], ...S['onnxruntime-web'], ...S.models]) p(`| ${s.what} | ${s.path.replace('node_modules/', '')} | ${s.bytes} | ${s.gzip} |`);
    p();
    const kinds = Object.keys(Object.values(S.totals)[0]);
    const ours = kinds.filter((k) => k !== 'onnxruntime-web');
    p(`| model | ${kinds.map((k) => `${k}: JS + wasm + model`).join(' | ')} | onnxruntime-web / wasm-rnn/ort | target |`);
    p(`|---|${kinds.map(() => '---').join('|')}|---|---|`);
    for (const [m, t] of Object.entries(S.totals)) {
      const ort = t['onnxruntime-web'], mine = t['wasm-rnn/ort'] ?? t[ours[0]];
      p(`| ${m} | ${kinds.map((k) => `${kb(t[k].bytes)} (gzip ${kb(t[k].gzip)})`).join(' | ')} | ${f(ort.bytes / mine.bytes, 1)}x (gzip ${f(ort.gzip / mine.gzip, 1)}x) | < 2.5 MB |`);
    }
    p();
  }
  p(`Commands: ${result.commands.map((c) => `\`${c}\``).join('; ')}.`);
  return out.join('\n');
}
