// The machine's own p99 for short calls: a JS loop of constant work (no wasm, no allocation),
// timed call by call as bench/suite.mjs times W3's steps, and when the slow calls come. On a VM
// the host's interruptions add a fixed delay to some calls, so a short step's p99 / median has a
// floor that no code can go below; compare W3's p99 with this one at the same step length.
//   node bench/jitter.mjs [target us per call, default 25]
const targetUs = Number(process.argv[2] ?? 25);
const a = new Float64Array(4096).map((_, i) => Math.sin(i));
let sink = 0;
const work = (reps) => {
  let s = 0;
  for (let k = 0; k < reps; k++) for (let i = 0; i < a.length; i++) s += a[i] * a[(i + k) & 4095];
  sink += s;
};
// warm up (so that the loop runs optimized code when it is sized), then size the work to the target length
for (const t0 = performance.now(); performance.now() - t0 < 300;) work(1);
let reps = 1;
for (;;) {
  const t = performance.now();
  for (let i = 0; i < 200; i++) work(reps);
  const us = ((performance.now() - t) / 200) * 1e3;
  if (us >= targetUs) break;
  reps = Math.max(reps + 1, Math.round((reps * targetUs) / us));
}
const n = 3000;
const wall = new Float64Array(n);
for (let round = 0; round < 5; round++) {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    work(reps);
    wall[i] = performance.now() - t;
  }
  const sorted = Array.from(wall).sort((x, y) => x - y);
  const median = sorted[n >> 1], p99 = sorted[Math.floor(n * 0.99)];
  const slow = [];
  for (let i = 0; i < n; i++) if (wall[i] > 1.5 * median) slow.push(i);
  const gaps = slow.slice(1).map((v, i) => v - slow[i]).sort((x, y) => x - y);
  console.log(`median ${(median * 1e3).toFixed(1)} us, p99 ${(p99 * 1e3).toFixed(1)} us (${(p99 / median).toFixed(2)}x); ` +
    `${slow.length} calls over 1.5x the median, typically ${gaps.length ? gaps[gaps.length >> 1] : '-'} calls apart`);
}
if (sink === 42) console.log(''); // keeps the work from being optimized away
