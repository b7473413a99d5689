// Timing helpers: benchmark.js for whole calls (median of its samples), a plain loop with
// per-call timestamps where percentiles are needed or a single call is too slow for benchmark.js.
import Benchmark from 'benchmark';

export const median = (a) => quantile(a, 0.5);
export function quantile(a, q) {
  const s = [...a].sort((x, y) => x - y);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** benchmark.js run of fn (sync, or async with isAsync); resolves to { median, samples } in seconds. */
export function bench(name, fn, { isAsync = false, maxTime = 0.6, minSamples = 5 } = {}) {
  return new Promise((resolve, reject) => {
    const b = isAsync
      ? new Benchmark(name, { defer: true, fn: (d) => fn().then(() => d.resolve(), (e) => { throw e; }), maxTime, minSamples })
      : new Benchmark(name, fn, { maxTime, minSamples });
    b.on('complete', () => (b.error ? reject(b.error) : resolve({ median: median(b.stats.sample), samples: b.stats.sample.length, rme: b.stats.rme })));
    b.on('error', () => reject(b.error));
    b.run({ async: isAsync });
  });
}

/** n timed calls of fn (awaited if isAsync): per-call seconds. */
export async function loop(fn, n, isAsync) {
  const t = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (isAsync) await fn(i);
    else fn(i);
    t[i] = (performance.now() - t0) / 1e3;
  }
  return t;
}

export const maxAbsDiff = (a, b) => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
