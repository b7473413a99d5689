// The browser bench's page (loaded by bench/browser.mjs in headless Chromium and Firefox): W1,
// W3 and W5 (bench/lib/models.mjs) on wasm-rnn (each build the browser runs, from the package's
// dist/ as a page loads it) and onnxruntime-web (wasm execution provider, 1 thread) in the same
// page, the peers of bench/lib/peers.mjs. Every peer is checked against wasm-rnn simd first,
// then timed in rounds, the peers interleaved within each round (their order alternating), by
// the wall clock (performance.now(); the page is cross-origin isolated, so its resolution is
// 5-20 us and not 100 us-1 ms). Per round: seq the median of single calls, step the median of
// blocks of 20 steps and the p99 of single steps, charlm the mean per token of two 200-token generations (and the p99 of
// single tokens). Results: medians over rounds, and speed-ups over onnxruntime-web as the median
// of per-round ratios. window.__bench receives the result (or the error).
//   /bench/browser.html?only=W1,W3,W5&rounds=7
import { WORKLOADS, makeData, onnxRecurrent, onnxCharLM } from './lib/models.mjs';
import { wasmRnnPeer, ortPeer } from './lib/peers.mjs';
import { median, quantile, maxAbsDiff } from './lib/stats.mjs';

const params = new URLSearchParams(location.search);
const ONLY = (params.get('only') ?? 'W1,W3,W5').split(',').filter((id) => id in WORKLOADS); // 'ready': none
const ROUNDS = Number(params.get('rounds') ?? 7);
// threads=n: also wasm-rnn on ready({ build, threads: n }) (W2, W6: docs/threads.md), next to one thread
const THREADS = Number(params.get('threads') ?? 1);
const REF = 'wasm-rnn simd';
const now = () => performance.now();
const log = (m) => console.log(m);

function clockResolutionMs() {
  let best = Infinity, last = now();
  for (let seen = 0; seen < 20;) {
    const t = now();
    if (t !== last) { best = Math.min(best, t - last); last = t; seen++; }
  }
  return best;
}

async function main() {
  const out = {
    userAgent: navigator.userAgent,
    crossOriginIsolated: self.crossOriginIsolated,
    clockResolutionUs: clockResolutionMs() * 1e3,
    hardwareConcurrency: navigator.hardwareConcurrency,
    rounds: ROUNDS,
    workloads: {},
  };
  const lib = await import('/dist/src/index.js');
  // what a page gets from ready() without options, timed as the first thing in a fresh page
  const t0 = now();
  out.ready = await lib.ready();
  out.ready.ms = now() - t0;
  out.builds = lib.supportedBuilds().filter((b) => b !== 'scalar');
  const ort = await import('onnxruntime-web');
  out.ortVersion = ort.env.versions?.web ?? ort.env.versions?.common;
  const makers = {
    ...Object.fromEntries(out.builds.map((b) => [`wasm-rnn ${b}`, () => wasmRnnPeer(lib, b)])),
    ...(THREADS > 1 ? Object.fromEntries(out.builds.map((b) => [`wasm-rnn ${b} ${THREADS} threads`, () => wasmRnnPeer(lib, b, { threads: THREADS })])) : {}),
    'onnxruntime-web': () => ortPeer({ recurrent: onnxRecurrent, charlm: onnxCharLM }),
  };
  const peers = {};
  for (const [name, make] of Object.entries(makers)) peers[name] = await make();
  for (const id of ONLY) {
    const wl = WORKLOADS[id];
    log(`${id} ${wl.name}`);
    const data = makeData(wl);
    const inst = {};
    for (const [name, p] of Object.entries(peers)) inst[name] = await p[wl.kind](wl, data);
    const run = { seq: runSeq, step: runStep, charlm: runCharLM }[wl.kind];
    const res = await run(wl, data, inst);
    for (const o of Object.values(inst)) await o.dispose?.();
    for (const [name, v] of Object.entries(res)) {
      v.median = median(v.rounds);
      if (v.p99s) v.p99 = median(v.p99s);
      if (name !== 'onnxruntime-web') v.speedup = median(v.rounds.map((t, r) => res['onnxruntime-web'].rounds[r] / t));
      // a threaded peer against the same build on one thread, per round
      const one = name.replace(/ \d+ threads$/, '');
      if (one !== name) v.threadsSpeedup = median(v.rounds.map((t, r) => res[one].rounds[r] / t));
    }
    out.workloads[id] = { ...wl, results: res };
  }
  return out;
}

/** Peer names in the order of round r (reversed every other round, so no peer always runs first). */
const order = (inst, r) => (r & 1 ? Object.keys(inst).reverse() : Object.keys(inst));
const call = async (f) => { const y = f(); return y instanceof Promise ? await y : y; };

async function runSeq(wl, data, inst) {
  const res = {};
  const ref = await call(inst[REF].run);
  for (const [name, o] of Object.entries(inst)) {
    const t = now();
    const y = await call(o.run);
    res[name] = { maxAbsDiff: maxAbsDiff(y, ref), firstMs: now() - t, rounds: [] };
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of order(inst, r)) {
      const o = inst[name];
      await call(o.run); // warm
      const n = Math.max(5, Math.min(60, Math.round(150 / res[name].firstMs)));
      const ts = [];
      for (let i = 0; i < n; i++) {
        const t = now();
        await call(o.run);
        ts.push(now() - t);
      }
      res[name].rounds.push(median(ts));
    }
  }
  return res;
}

async function runStep(wl, data, inst) {
  const res = {};
  const xs = (i) => data.x.subarray((i % 64) * wl.I, (i % 64 + 1) * wl.I);
  inst[REF].reset();
  const refH = [];
  for (let i = 0; i < 20; i++) refH.push((await call(() => inst[REF].step(xs(i)))).slice());
  for (const [name, o] of Object.entries(inst)) {
    o.reset();
    let d = 0;
    for (let i = 0; i < 20; i++) d = Math.max(d, maxAbsDiff(await call(() => o.step(xs(i))), refH[i]));
    res[name] = { maxAbsDiff: d, mode: o.mode, rounds: [], p99s: [] };
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of order(inst, r)) {
      const o = inst[name];
      o.reset();
      const warm = [];
      for (let i = 0; i < 30; i++) { const t = now(); await call(() => o.step(xs(i))); warm.push(now() - t); }
      const n = Math.max(200, Math.min(3000, Math.round(300 / Math.max(median(warm), 0.005))));
      // single steps for the p99; the median from blocks of 20 steps, since a step (~20-60 us)
      // is only a few ticks of a browser's clock (5 us Chromium, 20 us Firefox, isolated)
      const ts = new Array(n), blocks = [];
      for (let i = 0; i < n; i++) {
        const t = now();
        await call(() => o.step(xs(i)));
        ts[i] = now() - t;
      }
      for (let i = 0; i < n; i += 20) {
        const t = now();
        for (let j = i; j < i + 20; j++) await call(() => o.step(xs(j)));
        blocks.push((now() - t) / 20);
      }
      res[name].rounds.push(median(blocks));
      res[name].p99s.push(quantile(ts, 0.99));
      res[name].steps = n;
    }
  }
  return res;
}

async function runCharLM(wl, data, inst) {
  const res = {};
  const argmax = (a) => { let m = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[m]) m = i; return m; };
  const gen = async (o) => {
    o.reset();
    const toks = [1], per = [];
    for (let i = 0; i < wl.tokens; i++) {
      const t = now();
      toks.push(argmax(await call(() => o.next(toks[toks.length - 1]))));
      per.push(now() - t);
    }
    return { toks, per };
  };
  const refToks = (await gen(inst[REF])).toks;
  inst[REF].reset();
  const refLogits = [];
  for (let i = 0; i < 30; i++) refLogits.push((await call(() => inst[REF].next(refToks[i]))).slice());
  for (const [name, o] of Object.entries(inst)) {
    o.reset();
    let d = 0;
    for (let i = 0; i < 30; i++) d = Math.max(d, maxAbsDiff(await call(() => o.next(refToks[i])), refLogits[i]));
    const { toks } = await gen(o);
    res[name] = { maxAbsDiff: d, sameTokens: toks.filter((t, i) => t === refToks[i]).length - 1, mode: o.mode, rounds: [], p99s: [] };
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of order(inst, r)) {
      const per = [], totals = [];
      for (let k = 0; k < 2; k++) {
        const g = await gen(inst[name]);
        per.push(...g.per);
        totals.push(g.per.reduce((s, x) => s + x, 0) / wl.tokens);
      }
      res[name].rounds.push(median(totals));
      res[name].p99s.push(quantile(per, 0.99));
    }
  }
  return res;
}

main().then(
  (r) => { window.__bench = JSON.stringify(r); },
  (e) => { window.__bench = JSON.stringify({ error: String(e && e.stack || e) }); },
);
