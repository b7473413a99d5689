// Timing helpers. The machine this runs on is shared (2 cores, load often well above 2), so
// the default clock is the process's on-CPU time (process.cpuUsage(), user + system, us; all
// peers run single-threaded, the helper threads of V8 are idle once warm): a call's cost
// without the time the scheduler gave to other processes. (/proc/thread-self/schedstat would be
// per thread but only advances at scheduler ticks, too coarse for a step.) Wall time is kept where
// it is the point (per-step percentiles, cold start). BENCH_CLOCK=wall switches everything to
// wall time. benchmark.js runs whole calls (median of its samples), on the chosen clock through
// runInContext's process.hrtime; plain loops time single steps.
import Benchmark from 'benchmark';

const useCpu = process.env.BENCH_CLOCK !== 'wall';
const cpuNs = () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; };
export const CLOCK = useCpu ? 'cpu' : 'wall';
/** Process CPU time in ms (wall time with BENCH_CLOCK=wall). */
export const cpuMs = useCpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; } : () => performance.now();
const fd = useCpu ? 0 : -1;

function hrtime(prev) {
  let t = cpuNs();
  if (prev) t -= BigInt(prev[0]) * 1000000000n + BigInt(prev[1]);
  return [Number(t / 1000000000n), Number(t % 1000000000n)];
}
const BenchmarkCpu = fd >= 0 ? Benchmark.runInContext({ process: { hrtime } }) : Benchmark;

import { median, quantile, maxAbsDiff } from './stats.mjs';

export { median, quantile, maxAbsDiff };

/** benchmark.js run of fn (sync, or async with isAsync): { median, samples, rme }, seconds per call. */
export function bench(name, fn, { isAsync = false, maxTime = 0.5, minSamples = 8 } = {}) {
  const B = BenchmarkCpu;
  return new Promise((resolve, reject) => {
    const b = isAsync
      ? new B(name, { defer: true, fn: (d) => fn().then(() => d.resolve()), maxTime, minSamples })
      : new B(name, fn, { maxTime, minSamples });
    b.on('complete', () => (b.error ? reject(b.error) : resolve({ median: median(b.stats.sample), samples: b.stats.sample.length, rme: b.stats.rme })));
    b.on('error', () => reject(b.error));
    b.run({ async: isAsync });
  });
}

/** Cost of one cpuMs() reading, subtracted from per-step CPU times. */
export const CLOCK_COST_MS = (() => {
  const n = 2000, t0 = cpuMs();
  for (let i = 0; i < n; i++) cpuMs();
  return (cpuMs() - t0) / (n + 1);
})();

/** n calls of fn(i), each timed: { wall: seconds[], cpu: seconds[] } (cpu net of the clock read). */
export async function loop(fn, n, isAsync) {
  const wall = new Array(n), cpu = new Array(n);
  let c0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (isAsync) await fn(i);
    else fn(i);
    const t1 = performance.now(), c1 = cpuMs();
    wall[i] = (t1 - t0) / 1e3;
    cpu[i] = Math.max(0, c1 - c0 - CLOCK_COST_MS) / 1e3;
    c0 = c1;
  }
  return { wall, cpu };
}
