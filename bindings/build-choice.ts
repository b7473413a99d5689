/**
 * Choosing between the `relaxed` and `simd` builds by speed (docs/performance.md, "Which build
 * ready() chooses").
 *
 * `relaxed` differs from `simd` only in using `f32x4.relaxed_madd` for every multiply-add. Whether
 * that is faster depends on the engine's code for it, not on the CPU's FMA alone: on the same
 * AMD Zen 5, Node 24 (V8 13.6) and Chromium 156 run the recurrent GEMV 7-13 % faster with it,
 * Node 20 (V8 11.3, with --experimental-wasm-relaxed-simd) 4-7 % slower. So where both builds
 * validate, ready() times them on the product the recurrences spend their time in and keeps
 * `relaxed` only when it is clearly faster: the 1x32 row kernel (`f32_gemm_nr32`, 1 x 256 x 256,
 * the recurrent h W_hh^T of every step of a streaming or B = 1 sequence; W1, W3, W4 and W5 spend
 * most of their time in it, and it is where the engines differ: V8 11 hoists its loads and spills
 * an accumulator). The 4x8 tile of the batched products (W2, W6) is within a few per cent between
 * the builds on both engines, so timing it too would double the cost and not change the choice.
 * The two forms run alternately, so that a load spike or a CPU frequency change hits both.
 *
 * The same timing decides W_hh's panel width (widerPanels): the chosen build's 1x32 against the
 * 1x24 kernel on 8-wide panels, per output column; V8 12.4 (Node 22) spills in the 1x32 loop and
 * runs it at less than half the 1x24's speed (docs/performance.md, "Which panel width W_hh gets").
 *
 * They are timed in a probe, not in the builds: build/probe.wasm (assembly/probe.ts, 1-2 KB,
 * embedded in the JS as base64) holds that same row kernel compiled both ways, with relaxed_madd
 * and with mul then add, and validates exactly where `relaxed` does. ready() compiles only the
 * probe and then the build it chose: one build compiled, not both (over the network both are
 * requested while the timing runs, and the other's download is cancelled: bindings/wasm.ts,
 * chooseBuild).
 */
import { PROBE_WASM_BASE64 } from './probe-wasm.js';

/** The probe's exports (assembly/probe.ts). */
interface ProbeExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  gemv(c: number, a: number, w: number, n: number, k: number, fma: number): void;
  gemv24(c: number, a: number, w: number, n: number, k: number): void;
}

/** The probe module: compiled once per realm, on the first ready() that chooses a build. */
let probeModule: Promise<WebAssembly.Module> | undefined;

/** An instance of the probe (build/probe.wasm, decoded from its embedded base64). */
export async function instantiateProbe(): Promise<WebAssembly.Instance> {
  probeModule ??= (async () => {
    const s = atob(PROBE_WASM_BASE64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return WebAssembly.compile(bytes);
  })();
  return WebAssembly.instantiate(await probeModule, {});
}

/** relaxed must be at least this much faster than simd to be chosen (when close, simd). */
export const RELAXED_MARGIN = 0.04;

/** What ready() measured, or why it did not measure. */
export interface BuildChoice {
  /** The build chosen. */
  build: 'relaxed' | 'simd';
  /**
   * 'timed': both builds' forms timed in the probe; 'cached': the choice made earlier in this JS
   * realm, reused; 'given': taken from ready({ choice }); 'calibrate: false': not timed at the
   * caller's request (simd); 'untimed': the
   * timing could not decide (a clock coarser than 0.2 ms, the engine not optimizing both forms
   * within 60 ms, or the probe failing to run), so simd.
   */
  how: 'timed' | 'cached' | 'given' | 'calibrate: false' | 'untimed';
  /** Each build's form's time per round in the probe (buildTime of its samples), microseconds; absent when not timed. */
  relaxedUs?: number;
  simdUs?: number;
  /**
   * Whether W_hh is packed in 32-wide panels where the size allows (the 1x32 row kernel) or in
   * 8-wide ones always (the 1x24): false where simd was chosen and its 1x24 form ran clearly
   * faster per column than its 1x32 (PANEL_MARGIN); absent when not timed (then 32-wide, as on
   * the engines measured first).
   */
  widePanels?: boolean;
  /** The chosen build's 1x32 and the simd 1x24 forms' times per output column, nanoseconds; absent when not timed. */
  widePanelNs?: number;
  narrowPanelNs?: number;
  /** Rounds timed per build. */
  rounds?: number;
  /** Wall time of the timing itself, ms (instantiation and compilation not included). */
  ms?: number;
}

/**
 * A build's time from its samples. With a fine clock (`coarse` false): the mean of the fastest
 * half, which like the minimum ignores the rounds a load spike or a context switch lengthened
 * (noise only ever adds time). With a coarse clock (browsers outside cross-origin isolation:
 * Chromium steps by 100 us with jitter, so a sample of several rounds is off by up to a step
 * either way): the mean of all but the slowest quarter, since picking the fastest samples there
 * picks the ones rounded down, on both sides alike, and hides the difference.
 */
export function buildTime(samples: readonly number[], coarse = false): number {
  const s = samples.filter((x) => Number.isFinite(x) && x > 0).sort((x, y) => x - y);
  if (!s.length) return Infinity;
  const kept = coarse ? s.slice(0, Math.max(1, s.length - Math.ceil(s.length / 4))) : s.slice(0, Math.ceil(s.length / 2));
  return kept.reduce((t, x) => t + x, 0) / kept.length;
}

/**
 * The decision from each build's samples (time per round, any unit, the same for both): relaxed
 * only if its time (buildTime) beats simd's by more than `margin` (a fraction); simd when they
 * are close, when either side has no usable sample, or when nothing was timed.
 */
export function fasterBuild(relaxed: readonly number[], simd: readonly number[], margin = RELAXED_MARGIN, coarse = false): 'relaxed' | 'simd' {
  const r = buildTime(relaxed, coarse), s = buildTime(simd, coarse);
  return Number.isFinite(r) && Number.isFinite(s) && r < s * (1 - margin) ? 'relaxed' : 'simd';
}

/**
 * 8-wide panels are chosen for W_hh only where the 1x24 kernel's time per column beats the 1x32
 * kernel's by more than this fraction (V8 12.4: 2.3x; V8 13.6: the 1x32 is 9 % faster).
 */
export const PANEL_MARGIN = 0.1;

/** Whether W_hh goes in 32-wide panels, from the chosen build's two row kernels' times per column. */
export function widerPanels(wideNs: number, narrowNs: number, margin = PANEL_MARGIN): boolean {
  return !(Number.isFinite(wideNs) && Number.isFinite(narrowNs) && narrowNs < wideNs * (1 - margin));
}

// The timed problem: eight calls of 1 x 256 x 256 on 32-column panels (one round), the recurrent
// product of a streaming step, and of 1 x 240 x 256 on 8-column panels three at a time (the
// 1x24 kernel; the same buffer). Every operand is one constant (1/128): the products are normal
// floats, so no denormal slows one form down.
const N = 256, N24 = 240, K = 256, CALLS = 8;
const FILL = 1 / 128;
/** The timed forms: the 1x32 kernel as each build compiles it, and the simd build's 1x24. */
export type Form = 'relaxed' | 'simd' | 'simd24';
const FORMS: readonly Form[] = ['relaxed', 'simd', 'simd24'];

/** Sets the probe's instance up for the problem; returns one round of each form. */
function problem(probe: WebAssembly.Instance): Record<Form, () => void> {
  const p = probe.exports as unknown as ProbeExports;
  const floats = [N * K, K, N]; // W in 32-column panels, h, h W^T
  const ptrs: number[] = [];
  let top = (p.heap_base() + 63) & ~63;
  for (const f of floats) {
    ptrs.push(top);
    top = (top + f * 4 + 63) & ~63;
  }
  const need = Math.ceil(top / 65536) - p.memory.buffer.byteLength / 65536;
  if (need > 0) p.memory.grow(need);
  new Float32Array(p.memory.buffer, ptrs[0], (top - ptrs[0]) >> 2).fill(FILL);
  const [w, h, out] = ptrs;
  const round = (fma: number) => () => {
    for (let i = 0; i < CALLS; i++) p.gemv(out, h, w, N, K, fma);
  };
  const simd24 = () => {
    for (let i = 0; i < CALLS; i++) p.gemv24(out, h, w, N24, K);
  };
  return { relaxed: round(1), simd: round(0), simd24 };
}

/**
 * Whether two builds' times can both be of optimized code: the builds differ only in
 * relaxed_madd, which moves the kernel by 4-17 % (docs/performance.md), while baseline code is
 * 1.6-3.5x slower. A gap wider than this factor means one build still ran baseline code in its
 * samples (its first rounds were slowed by noise, so a baseline round passed for optimized).
 */
export const PLAUSIBLE_RATIO = 1.5;

/** Whether times `relaxed` and `simd` (buildTime, same unit) are within PLAUSIBLE_RATIO of each other. */
export function plausibleTimes(relaxed: number, simd: number): boolean {
  return relaxed > 0 && simd > 0 && relaxed < simd * PLAUSIBLE_RATIO && simd < relaxed * PLAUSIBLE_RATIO;
}

/**
 * A form's code counts as optimized once a round takes less than this fraction of the median of
 * its first three rounds (V8 runs new wasm in its baseline compiler, Liftoff, and switches a
 * function to the optimizing compiler's code, compiled in the background, after enough calls;
 * Liftoff SIMD code is 1.6-3.5x slower for this problem on Node 20 and 24, Firefox's baseline
 * code 3-6x). The median, not the fastest: Firefox 153 may switch within those three rounds, and
 * one of them then is already as fast as the code gets.
 */
const OPTIMIZED = 0.75;
/**
 * A form whose switch was never seen (Firefox may have optimized code before the first timed
 * round) counts as optimized from this round on if relaxed's or simd's switch was seen: by then
 * every engine measured has switched (V8 after 5-20 rounds on a quiet machine, Firefox 153 after
 * 1-25). One of those two it must be: in a busy Chromium page the 1x24 switched early and both
 * 1x32 forms still ran baseline code at round 24 (91 and 90 us a round, a choice of simd where
 * relaxed is 7 % faster). If one of them still runs baseline code, the two are more than
 * PLAUSIBLE_RATIO apart and their samples are taken again. Where neither is seen switching,
 * nothing says that the code timed is the code that will run: no timing, simd.
 */
const SWITCHED_BY = 24;
/** Samples per build timed after both forms run optimized code. */
const TIMED_SAMPLES = 8;
/** A sample lasts at least this many clock ticks (several rounds per sample with a coarse clock). */
const TICKS_PER_SAMPLE = 10;
/** A clock coarser than this (ms) makes samples too long to be worth it: no timing, simd (Firefox outside isolation: 1 ms). */
const COARSEST_TICK_MS = 0.2;
/** From this clock step (ms) on, samples are averaged rather than their fastest half taken (buildTime). */
const COARSE_TICK_MS = 0.05;
/** Give up after this long (ms) if the engine has not optimized both forms by then: simd. */
const CAP_MS = 60;
/**
 * Rounds after which the budget that makes V8 optimize a function is spent (it tiered up after
 * 5-20 rounds on Node 20, Node 24 and Chromium 156): from then on the timing waits after every
 * PAUSE_EVERY-th round instead of only spinning, so that the background compile gets the CPU on
 * a 2-core machine.
 */
const BUDGET_ROUNDS = 12;
const PAUSE_EVERY = 4;

/**
 * Waits about 1 ms. Browsers clamp a setTimeout to at least 4 ms once timers nest five deep (a
 * timeout set from a timeout's task, as each pause after the first would be: 4.2 ms measured in
 * Chromium 156 and Firefox 153), which would use up CAP_MS in a dozen pauses; in a page or a web
 * worker the timeout is set from a message event, which starts a new nesting (1.2 ms measured in
 * both). Node does not clamp, and its first MessageChannel costs 6-57 ms (the messaging internals
 * load): a plain timeout there.
 */
export function pause(): Promise<void> {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return new Promise<void>((ok) => {
    if (typeof g.document !== 'object' && typeof g.WorkerGlobalScope !== 'function') return void setTimeout(ok, 1);
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      setTimeout(ok, 1);
    };
    channel.port2.postMessage(0);
  });
}

/** Whether a form was seen switching to optimized code: a round faster than OPTIMIZED x the median of its first three rounds after round 0 (`first`). */
export function switched(first: readonly number[], best: number): boolean {
  return first.length === 3 && best < OPTIMIZED * median3(first);
}

const median3 = (v: readonly number[]) => v.slice().sort((x, y) => x - y)[1];

/**
 * The smallest step of `clock` seen in a short busy loop, ms; Infinity if it did not move in
 * 200 000 reads (Cloudflare Workers advance time only across I/O, so no loop may wait for it).
 */
export function clockResolutionMs(clock: () => number = () => performance.now()): number {
  let best = Infinity;
  const start = clock();
  let last = start;
  for (let seen = 0, reads = 0; seen < 5 && last - start < 5 && reads < 200_000; reads++) {
    const t = clock();
    if (t !== last) {
      if (t - last < best) best = t - last;
      last = t;
      seen++;
    }
  }
  return best;
}

/** timeBuilds on a new instance of the probe: what ready() runs to choose. */
export async function timeProbe(): Promise<BuildChoice> {
  return timeBuilds(await instantiateProbe());
}

/**
 * Times the relaxed and simd forms of the row kernel in the probe (instantiateProbe; its memory is
 * scratch space) and returns the choice (timeForms).
 */
export function timeBuilds(probe: WebAssembly.Instance): Promise<BuildChoice> {
  return timeForms(problem(probe));
}

/**
 * The timing behind timeBuilds, given one round of each form, the clock (ms) and a pause:
 * rounds alternate between the forms until all run optimized code (switched, SWITCHED_BY), then
 * TIMED_SAMPLES samples each decide (fasterBuild), once their times are plausible for optimized
 * code on both sides (plausibleTimes; else they are taken again). docs/performance.md has what it
 * costs.
 */
export async function timeForms(
  run: Readonly<Record<Form, () => void>>, clock: () => number = () => performance.now(), wait: () => Promise<void> = pause,
): Promise<BuildChoice> {
  const t0 = clock();
  const tick = clockResolutionMs(clock);
  if (!(tick <= COARSEST_TICK_MS)) return { build: 'simd', how: 'untimed', ms: clock() - t0 };
  const minSampleMs = TICKS_PER_SAMPLE * tick;
  const coarse = tick >= COARSE_TICK_MS;
  const first = { relaxed: [], simd: [], simd24: [] } as Record<Form, number[]>; // ms per round of the first rounds after round 0 (which also compiles)
  const best = { relaxed: Infinity, simd: Infinity, simd24: Infinity };
  const timed = { relaxed: [], simd: [], simd24: [] } as Record<Form, number[]>;
  const time = (f: Form) => buildTime(timed[f], coarse);
  let reps = 1, rounds = 0, optimized = false;
  for (let i = 0; ; i++) {
    if (timed.simd.length >= TIMED_SAMPLES) {
      // the builds' forms of the 1x32 kernel are compared, never the two kernels (which may differ 2x)
      if (plausibleTimes(time('relaxed'), time('simd'))) break;
      // one form's samples are of baseline code: give its compile the CPU, then take them again
      for (const f of FORMS) timed[f].length = 0;
      await wait();
    }
    for (const f of i & 1 ? FORMS : FORMS.slice().reverse()) {
      const t = clock();
      for (let r = 0; r < reps; r++) run[f]();
      const ms = (clock() - t) / reps;
      if (!(ms > 0)) continue; // shorter than a tick
      if (i >= 1 && first[f].length < 3) first[f].push(ms);
      if (ms < best[f]) best[f] = ms;
      if (optimized) timed[f].push(ms);
    }
    if (optimized) rounds += reps;
    else {
      // a coarse clock: several rounds per sample, sized by the fastest round so far
      const fastest = Math.min(...FORMS.map((f) => best[f]));
      if (Number.isFinite(fastest)) reps = Math.max(1, Math.ceil(minSampleMs / fastest));
      const seen = FORMS.filter((f) => switched(first[f], best[f]));
      optimized = seen.length === FORMS.length || (i >= SWITCHED_BY && (seen.includes('relaxed') || seen.includes('simd')));
      if (!optimized && i >= BUDGET_ROUNDS && i % PAUSE_EVERY === 0) await wait();
    }
    if (clock() - t0 > CAP_MS) return { build: 'simd', how: 'untimed', ms: clock() - t0 };
  }
  const build = fasterBuild(timed.relaxed, timed.simd, RELAXED_MARGIN, coarse);
  // The 1x24 kernel is timed in its simd form only (a fourth form would wait for a fourth
  // tier-up). Its relaxed form is 13-17 % slower on the engines measured, so where relaxed is
  // chosen the panels stay 32-wide; where simd is, the two kernels' simd forms decide.
  const wideNs = (time(build) / (CALLS * N)) * 1e6, narrowNs = (time('simd24') / (CALLS * N24)) * 1e6;
  return {
    build,
    how: 'timed',
    relaxedUs: time('relaxed') * 1e3,
    simdUs: time('simd') * 1e3,
    widePanels: build === 'relaxed' || widerPanels(wideNs, narrowNs),
    widePanelNs: wideNs,
    narrowPanelNs: narrowNs,
    rounds,
    ms: clock() - t0,
  };
}
