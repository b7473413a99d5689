/**
 * ready() chooses between the relaxed and simd builds by timing their forms of the recurrent row
 * kernel in a probe module (bindings/build-choice.ts, assembly/probe.ts): the decision rule from
 * given timings, that the probe computes what each build computes, that the timing runs, loads
 * only the chosen build and yields a usable runtime, that a forced build or `calibrate: false`
 * skips it, that the training build follows the same choice, and that a runtime from the timed
 * choice computes bit for bit what the forced build computes.
 * No assertion here depends on which build is faster on this machine.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Form, PANEL_MARGIN, PLAUSIBLE_RATIO, RELAXED_MARGIN, buildTime, clockResolutionMs, fasterBuild, instantiateProbe, pause, plausibleTimes, timeBuilds, timeForms, widerPanels } from '../../bindings/build-choice.js';
import { buildUrl, supportedBuilds } from '../../bindings/wasm.js';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fresh copy of bindings/wasm.ts (and everything it imports): no runtime, no cached choice. */
async function freshWasm(): Promise<typeof import('../../bindings/wasm.js')> {
  vi.resetModules();
  return import('../../bindings/wasm.js');
}

const bothBuilds = supportedBuilds().includes('relaxed') && supportedBuilds().includes('simd');

describe('fasterBuild: timings -> decision', () => {
  it('takes relaxed only when its best round beats simd by more than the margin', () => {
    expect(fasterBuild([80, 90], [100, 95])).toBe('relaxed');
    expect(fasterBuild([100], [100])).toBe('simd');
    expect(fasterBuild([100 * (1 - RELAXED_MARGIN) + 0.01], [100])).toBe('simd');
    expect(fasterBuild([100 * (1 - RELAXED_MARGIN) - 0.01], [100])).toBe('relaxed');
    expect(fasterBuild([120], [100])).toBe('simd');
  });

  it('compares best rounds: one disturbed round on either side does not decide', () => {
    expect(fasterBuild([90, 5000, 91], [100, 101, 99])).toBe('relaxed');
    expect(fasterBuild([100, 101, 99], [3000, 90, 91])).toBe('simd');
  });

  it('falls back to simd when there is nothing usable to compare', () => {
    expect(fasterBuild([], [100])).toBe('simd');
    expect(fasterBuild([50], [])).toBe('simd');
    expect(fasterBuild([], [])).toBe('simd');
    expect(fasterBuild([NaN, Infinity, 0, -1], [100])).toBe('simd');
    expect(fasterBuild([50], [NaN, 0])).toBe('simd');
  });

  it('with a coarse clock, averages all samples but the slowest quarter (the fastest are the ones rounded down)', () => {
    // samples of a build that takes 0.55 against one that takes 0.61, on a 0.1 clock
    const relaxed = [0.5, 0.6, 0.5, 0.6, 0.5, 0.6, 0.5, 0.6, 3];
    const simd = [0.6, 0.6, 0.6, 0.7, 0.6, 0.6, 0.6, 0.7, 0.6];
    expect(buildTime(relaxed, true)).toBeCloseTo(0.5333);
    expect(buildTime(simd, true)).toBeCloseTo(0.6);
    expect(fasterBuild(relaxed, simd, RELAXED_MARGIN, true)).toBe('relaxed');
    // the fastest halves of both are all 0.5: they would call these equal
    const r2 = [0.5, 0.5, 0.5, 0.6, 0.5, 0.6], s2 = [0.5, 0.6, 0.6, 0.5, 0.6, 0.5, 0.6, 0.5];
    expect(fasterBuild(r2, s2)).toBe('simd');
    expect(fasterBuild(r2, s2, RELAXED_MARGIN, true)).toBe('relaxed');
  });

  it('honours a given margin', () => {
    expect(fasterBuild([95], [100], 0)).toBe('relaxed');
    expect(fasterBuild([95], [100], 0.1)).toBe('simd');
  });
});

describe('widerPanels: the 1x32 and 1x24 kernels per column -> the panel width of W_hh', () => {
  it('keeps 32-wide panels unless the 1x24 kernel is faster by more than the margin', () => {
    expect(widerPanels(11.0, 12.6)).toBe(true); // V8 13.6 (Node 24): the 1x32 is faster
    expect(widerPanels(27.0, 12.7)).toBe(false); // V8 12.4 (Node 22): the 1x32 spills
    expect(widerPanels(10, 10 * (1 - PANEL_MARGIN) + 0.01)).toBe(true);
    expect(widerPanels(10, 10 * (1 - PANEL_MARGIN) - 0.01)).toBe(false);
  });

  it('keeps 32-wide panels when a time is missing', () => {
    expect(widerPanels(Infinity, 5)).toBe(true);
    expect(widerPanels(5, NaN)).toBe(true);
  });
});

describe('plausibleTimes: both builds optimized?', () => {
  it('accepts the gaps relaxed_madd makes (a few to tens of per cent) either way', () => {
    expect(plausibleTimes(22, 24)).toBe(true);
    expect(plausibleTimes(24, 22)).toBe(true);
    expect(plausibleTimes(22, 22)).toBe(true);
  });

  it('rejects a gap only baseline code on one side makes (the Node 24 case: 21.6 against 83.7 us)', () => {
    expect(plausibleTimes(21.6, 83.7)).toBe(false);
    expect(plausibleTimes(83.7, 21.6)).toBe(false);
    expect(plausibleTimes(10, 10 * PLAUSIBLE_RATIO)).toBe(false);
  });

  it('rejects missing times', () => {
    expect(plausibleTimes(Infinity, 22)).toBe(false);
    expect(plausibleTimes(22, NaN)).toBe(false);
    expect(plausibleTimes(0, 22)).toBe(false);
  });
});

describe('the clock', () => {
  it('measures the step of a coarse clock', () => {
    let t = 0;
    expect(clockResolutionMs(() => Math.floor((t += 0.013) / 0.1) * 0.1)).toBeCloseTo(0.1);
  });

  it('gives up on a clock that does not move (workers advance time only across I/O)', () => {
    expect(clockResolutionMs(() => 42)).toBe(Infinity);
  });
});

/**
 * An engine simulated on a fake clock: each form's k-th call takes times[form](k) ms of the
 * clock, a clock read 0.001 ms (a fine clock, one round a sample), a pause `pauseMs`.
 */
function simulated(times: Record<Form, (call: number) => number>, pauseMs = 1) {
  let now = 0;
  const calls = { relaxed: 0, simd: 0, simd24: 0 };
  const pauses: number[] = [];
  const clock = () => (now += 0.001);
  const run = Object.fromEntries((['relaxed', 'simd', 'simd24'] as const).map((f) => [f, () => { now += times[f](calls[f]++); }])) as Record<Form, () => void>;
  const wait = async () => { pauses.push(calls.simd); now += pauseMs; };
  return { choose: () => timeForms(run, clock, wait), calls, pauses };
}
/** A form that runs `slow` ms a call up to call `switchAt`, `fast` ms from then on. */
const tiered = (slow: number, fast: number, switchAt: number) => (call: number) => (call < switchAt ? slow : fast);

describe('timeForms: when the forms run optimized code', () => {
  it('V8: the switch comes after 5-20 rounds, each form on its own, and the optimized times decide', async () => {
    // baseline code favours relaxed, optimized code simd (Node 20): the choice must be simd
    const e = simulated({ relaxed: tiered(0.08, 0.035, 14), simd: tiered(0.1, 0.03, 18), simd24: tiered(0.07, 0.024, 9) });
    const c = await e.choose();
    expect(c).toMatchObject({ build: 'simd', how: 'timed' });
    expect(Math.abs(c.relaxedUs! - 35)).toBeLessThan(2); // (a clock read costs 1 us here)
    expect(Math.abs(c.simdUs! - 30)).toBeLessThan(2);
    expect(e.calls.simd).toBeLessThan(40);
  });

  it('Firefox 153: a form already optimized in its first timed rounds is timed, not given up on (it was, in four fresh pages of four)', async () => {
    // traced in Firefox 153 (cross-origin isolated, 20 us clock): the 1x24 form took 0.04, 0.024,
    // 0.024 ms in rounds 1-3 and 0.022 at best, so a switch was never seen for it
    const e = simulated({ relaxed: tiered(0.12, 0.022, 3), simd: tiered(0.09, 0.024, 3), simd24: (k) => (k < 2 ? 0.04 : 0.024) });
    const c = await e.choose();
    expect(c).toMatchObject({ build: 'relaxed', how: 'timed', widePanels: true });
    // from round 24 (SWITCHED_BY), not sooner: no engine is trusted to have switched before that
    expect(e.calls.simd).toBeGreaterThanOrEqual(25 + 8);
    expect(c.ms).toBeLessThan(60);
  });

  it('a busy Chromium page: the 1x24 switches early, the 1x32 forms late; their baseline rounds are not timed', async () => {
    // traced in a page that also loaded onnxruntime-web: at round 24 relaxed and simd still ran
    // baseline code (91 and 90 us a round) and simd was chosen; optimized, relaxed is faster
    const e = simulated({ relaxed: tiered(0.091, 0.021, 40), simd: tiered(0.09, 0.0225, 42), simd24: tiered(0.07, 0.02, 6) });
    const c = await e.choose();
    expect(c).toMatchObject({ build: 'relaxed', how: 'timed' });
    expect(Math.abs(c.relaxedUs! - 21)).toBeLessThan(2);
    expect(e.calls.simd).toBeGreaterThan(42);
  });

  it('relaxed switched, simd still on baseline code at round 24: simd is waited for, not timed as it runs', async () => {
    const e = simulated({ relaxed: tiered(0.08, 0.03, 8), simd: tiered(0.09, 0.031, 30), simd24: tiered(0.07, 0.024, 8) });
    const c = await e.choose();
    expect(c.how).toBe('timed');
    expect(Math.abs(c.simdUs! - 31)).toBeLessThan(2);
  });

  it('one noisy round among the first three does not pass baseline code for optimized', async () => {
    // simd's round 2 is disturbed (0.4 ms) while it still runs baseline code; the switch comes at call 16
    const e = simulated({ relaxed: tiered(0.08, 0.03, 10), simd: (k) => (k === 2 ? 0.4 : k < 16 ? 0.1 : 0.032), simd24: tiered(0.07, 0.024, 10) });
    const c = await e.choose();
    expect(c.how).toBe('timed');
    expect(Math.abs(c.simdUs! - 32)).toBeLessThan(2); // optimized samples only
    expect(e.calls.simd).toBeGreaterThan(16 + 8);
  });

  it('gives up (simd) when no form is seen switching within the cap: stable times alone do not say the code is optimized', async () => {
    const e = simulated({ relaxed: () => 0.05, simd: () => 0.06, simd24: (k) => (k < 2000 ? 0.04 : 0.01) });
    const c = await e.choose();
    expect(c).toMatchObject({ build: 'simd', how: 'untimed' });
    expect(e.calls.simd).toBeGreaterThan(24); // well past SWITCHED_BY
  });

  it('a 1x24 form that never switches while the 1x32 forms did is timed from round 24 as it runs: slower, it keeps the 32-wide default', async () => {
    const e = simulated({ relaxed: tiered(0.08, 0.03, 10), simd: tiered(0.09, 0.031, 10), simd24: () => 0.07 });
    const c = await e.choose();
    expect(c).toMatchObject({ how: 'timed', widePanels: true });
    expect(e.calls.simd).toBeGreaterThanOrEqual(25 + 8);
  });

  it('pauses after the budget rounds, every fourth round, until the forms are optimized', async () => {
    const e = simulated({ relaxed: tiered(0.08, 0.03, 20), simd: tiered(0.09, 0.03, 20), simd24: tiered(0.07, 0.02, 20) });
    await e.choose();
    expect(e.pauses).toEqual([13, 17]); // after rounds 12 and 16; the switch comes in round 20
  });
});

describe('pause', () => {
  it('in a page, sets its timeout from a message event (a new timer nesting); elsewhere, plainly', async () => {
    const channels = vi.fn();
    class CountingChannel extends MessageChannel {
      constructor() {
        super();
        channels();
      }
    }
    vi.stubGlobal('MessageChannel', CountingChannel);
    try {
      await pause();
      expect(channels).not.toHaveBeenCalled(); // Node: no document, no worker scope
      vi.stubGlobal('document', {});
      await pause();
      expect(channels).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe.skipIf(!bothBuilds)('the timing', () => {
  const instance = async (build: 'relaxed' | 'simd') => WebAssembly.instantiate(await WebAssembly.compile(readFileSync(buildUrl(build))), {});

  type Exports = { memory: WebAssembly.Memory; heap_base(): number } & Record<string, (...args: number[]) => number>;

  /** `build`'s product of a [k] by W [n, k], W packed by its `pack` export and read by `gemm`; and the packed panels. */
  async function buildProduct(build: 'relaxed' | 'simd', pack: 'x32_packw_x32' | 'x32_packw_x8', gemm: 'f32_gemm_nr32' | 'f32_gemm', w: Float32Array, a: Float32Array, n: number, k: number) {
    const ex = (await instance(build)).exports as unknown as Exports;
    const size = ex[`${pack}_size`](n, k);
    const base = (ex.heap_base() + 15) & ~15;
    const [src, wp, ap] = [base, base + n * k * 4, base + n * k * 4 + size * 4];
    const cp = ap + k * 4;
    ex.memory.grow(Math.ceil((cp + n * 4) / 65536));
    new Float32Array(ex.memory.buffer, src, n * k).set(w);
    new Float32Array(ex.memory.buffer, ap, k).set(a);
    ex[pack](wp, src, n, k, k);
    ex[gemm](cp, ap, wp, 0, 1, n, k, k, n);
    return { want: new Float32Array(ex.memory.buffer, cp, n).slice(), packed: new Float32Array(ex.memory.buffer, wp, size).slice() };
  }

  /** The probe's `gemv` or `gemv24` on the panels a build packed (they are read as they are). */
  function probeProduct(probe: Exports, fn: 'gemv' | 'gemv24', packed: Float32Array, a: Float32Array, n: number, k: number, ...fma: number[]): Float32Array {
    const pb = (probe.heap_base() + 15) & ~15;
    const [pw, pa, pc] = [pb, pb + packed.length * 4, pb + packed.length * 4 + k * 4];
    if (probe.memory.buffer.byteLength < pc + n * 4) probe.memory.grow(Math.ceil((pc + n * 4 - probe.memory.buffer.byteLength) / 65536));
    new Float32Array(probe.memory.buffer, pw, packed.length).set(packed);
    new Float32Array(probe.memory.buffer, pa, k).set(a);
    probe[fn](pc, pa, pw, n, k, ...fma);
    return new Float32Array(probe.memory.buffer, pc, n);
  }

  it("the probe's two forms compute bit for bit what the relaxed and simd builds' f32_gemm_nr32 compute", async () => {
    const [n, k] = [96, 67];
    const w = new Float32Array(n * k).map((_, i) => Math.sin(i * 0.37));
    const a = new Float32Array(k).map((_, i) => Math.cos(i * 0.11));
    const probe = (await instantiateProbe()).exports as unknown as Exports;
    for (const [build, fma] of [['relaxed', 1], ['simd', 0]] as const) {
      const { want, packed } = await buildProduct(build, 'x32_packw_x32', 'f32_gemm_nr32', w, a, n, k);
      expect(probeProduct(probe, 'gemv', packed, a, n, k, fma), `${build} form`).toEqual(want);
    }
  });

  it("the probe's 1x24 form computes bit for bit what the simd build's f32_gemm computes on 8-column panels", async () => {
    const [n, k] = [96, 67];
    const w = new Float32Array(n * k).map((_, i) => Math.sin(i * 0.29));
    const a = new Float32Array(k).map((_, i) => Math.cos(i * 0.13));
    const probe = (await instantiateProbe()).exports as unknown as Exports;
    const { want, packed } = await buildProduct('simd', 'x32_packw_x8', 'f32_gemm', w, a, n, k);
    expect(probeProduct(probe, 'gemv24', packed, a, n, k)).toEqual(want);
  });

  it('times both forms and reports what it measured', async () => {
    const c = await timeBuilds(await instantiateProbe());
    expect(['relaxed', 'simd']).toContain(c.build);
    if (c.how === 'timed') {
      expect(c.relaxedUs).toBeGreaterThan(0);
      expect(c.simdUs).toBeGreaterThan(0);
      expect(c.rounds).toBeGreaterThan(0);
      expect(c.build).toBe(fasterBuild([c.relaxedUs!], [c.simdUs!]));
      expect(plausibleTimes(c.relaxedUs!, c.simdUs!)).toBe(true);
      expect(c.widePanelNs).toBeGreaterThan(0);
      expect(c.narrowPanelNs).toBeGreaterThan(0);
      expect(c.widePanels).toBe(c.build === 'relaxed' || widerPanels(c.widePanelNs!, c.narrowPanelNs!));
    } else {
      expect(c).toMatchObject({ build: 'simd', how: 'untimed' });
    }
    expect(c.ms).toBeGreaterThan(0);
  });

  it('ready() times once, then reuses the choice (inference and training builds alike)', async () => {
    const w = await freshWasm();
    const rt = await w.ready();
    const c = rt.choice!;
    expect(c).toBeDefined();
    expect(['timed', 'untimed']).toContain(c.how);
    expect(rt.build).toBe(c.build);
    // the runtime is fresh: the timing's scratch memory belonged to other instances
    expect(rt.bytesInUse).toBe(0);
    const train = await w.ready({ training: true });
    expect(train.isTraining).toBe(true);
    expect(train.build).toBe(c.build);
    expect(train.choice).toEqual({ ...c, how: 'cached' });
  });

  it('ready({ training: true }) as the first call chooses with the training builds', async () => {
    const w = await freshWasm();
    const rt = await w.ready({ training: true });
    expect(rt.isTraining).toBe(true);
    expect(rt.choice).toBeDefined();
    expect(rt.build).toBe(rt.choice!.build);
  });

  it('ready({ build }) forces the build and does not time', async () => {
    for (const build of supportedBuilds()) {
      const w = await freshWasm();
      const rt = await w.ready({ build });
      expect(rt.build).toBe(build);
      expect(rt.choice).toBeUndefined();
    }
  });

  it('ready({ calibrate: false }) takes simd without timing', async () => {
    const w = await freshWasm();
    const rt = await w.ready({ calibrate: false });
    expect(rt.build).toBe('simd');
    expect(rt.choice).toEqual({ build: 'simd', how: 'calibrate: false' });
    // and a training runtime loaded next is the same build
    expect((await w.ready({ training: true })).build).toBe('simd');
  });

  it('ready({ choice }) takes an earlier choice, stored as JSON, without timing: its build and its panel width', async () => {
    const first = await freshWasm();
    const made = (await first.ready()).choice!;
    const stored = JSON.parse(JSON.stringify(made));
    for (const given of [stored, { build: 'simd', widePanels: false }, { build: 'relaxed', widePanels: true }]) {
      const w = await freshWasm();
      const rt = await w.ready({ choice: given });
      expect(rt.build).toBe(given.build);
      expect(rt.choice).toEqual({ build: given.build, how: 'given', ...(given.widePanels === undefined ? {} : { widePanels: given.widePanels }) });
      // W_hh of a 256-unit LSTM (1024 x 256, 1 MiB) goes in the panels the choice says
      expect(rt.exports.recurrent_panel_width(1024, 256)).toBe(given.widePanels === false ? 8 : 32);
      // later calls in the realm keep it, as they keep a timed one
      expect((await w.ready({ training: true })).choice).toMatchObject({ build: given.build, how: 'given' });
    }
  });

  it('ready({ choice }) with a build this engine does not run is not taken; a malformed one or one beside build, module, bytes or calibrate is refused', async () => {
    const w = await freshWasm();
    for (const bad of [{ build: 'scalar' }, { build: 'fast' }, null, 'relaxed', { build: 'simd', widePanels: 'yes' }]) {
      await expect(w.ready({ choice: bad as never })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    }
    await expect(w.ready({ choice: { build: 'simd' }, build: 'relaxed' })).rejects.toThrow(/cannot be given with build/);
    await expect(w.ready({ choice: { build: 'simd' }, calibrate: true })).rejects.toThrow(/cannot be given with calibrate/);
    // an engine without relaxed SIMD given a relaxed choice (a stale store): relaxed_madd
    // (0xfd 0x85 0x02) fails validation, as on such an engine, and the choice is not taken
    const validate = WebAssembly.validate.bind(WebAssembly);
    const spy = vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => {
      const b = new Uint8Array(bytes as ArrayBuffer);
      for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) return false;
      return validate(bytes);
    });
    try {
      const w2 = await freshWasm();
      expect(w2.supportedBuilds()).toEqual(['simd', 'scalar']);
      const rt = await w2.ready({ choice: { build: 'relaxed' } });
      expect(rt.build).toBe('simd');
      expect(rt.choice).toBeUndefined(); // one SIMD build: nothing to choose, nothing given
    } finally {
      spy.mockRestore();
    }
  });

  it('a url naming one file is used as given, untimed', async () => {
    const w = await freshWasm();
    const rt = await w.ready({ url: buildUrl('simd') });
    expect(rt.choice).toBeUndefined();
  });

  it('sources (the embedded and workerd entries) are timed like the files, only the chosen build is taken, and a forced build', async () => {
    const bytes = (b: string) => new Uint8Array(readFileSync(buildUrl(b as 'simd')));
    const w = await freshWasm();
    const asked: string[] = [];
    const rt = await w.ready({ sources: (b) => (asked.push(b), bytes(b)) });
    expect(rt.choice).toBeDefined();
    expect(rt.build).toBe(rt.choice!.build);
    expect(asked).toEqual([rt.build]);
    const asked2: string[] = [];
    const forced = await w.ready({ build: 'scalar', sources: (b) => (asked2.push(b), bytes(b)) });
    expect(forced.build).toBe('scalar');
    expect(forced.choice).toBeUndefined();
    expect(asked2).toEqual(['scalar']);
    // modules as well as bytes
    const w2 = await freshWasm();
    const mods = { relaxed: await WebAssembly.compile(bytes('relaxed')), simd: await WebAssembly.compile(bytes('simd')) };
    const rt2 = await w2.ready({ sources: (b) => mods[b as 'relaxed' | 'simd'] });
    expect(['relaxed', 'simd']).toContain(rt2.build);
  });

  it('a url naming the folder of the builds is timed like the default', async () => {
    const w = await freshWasm();
    const rt = await w.ready({ url: new URL('.', buildUrl('simd')) });
    expect(rt.choice).toBeDefined();
    expect(rt.build).toBe(rt.choice!.build);
  });

  it('over the network both builds are requested before the timing, and the chosen one is compiled from that response', async () => {
    const requests: { file: string }[] = [];
    const server = createServer((req, res) => {
      const file = (req.url ?? '').slice(1);
      requests.push({ file });
      if (!/^(relaxed|simd|scalar)\.wasm$/.test(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(buildUrl(file.slice(0, -5) as 'relaxed' | 'simd')));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const w = await freshWasm();
      const rt = await w.ready({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      expect(rt.choice).toBeDefined();
      expect(rt.build).toBe(rt.choice!.build);
      // one request a build (without the prefetch: the chosen one alone; with it but not used
      // for the chosen build: that one twice)
      expect(requests.map((r) => r.file).sort()).toEqual(['relaxed.wasm', 'simd.wasm']);
      // and the runtime it made runs
      const x = rt.allocF32(4);
      expect(x).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('the chosen runtime computes bit for bit what the forced build computes', async () => {
    const chosen = await freshWasm();
    const rtChosen = await chosen.ready();
    const { LSTM } = await import('../../src/layers/index.js');
    const x = { data: new Float32Array(7 * 2 * 5).map((_, i) => Math.sin(i * 0.7)), shape: [7, 2, 5] };
    const a = new LSTM({ inputSize: 5, hiddenSize: 12, numLayers: 2, seed: 3 }).forward(x).output.data.slice();
    const forced = await chosen.ready({ build: rtChosen.build, url: new URL('.', buildUrl('simd')) });
    expect(forced).not.toBe(rtChosen);
    expect(forced.build).toBe(rtChosen.build);
    const b = new LSTM({ inputSize: 5, hiddenSize: 12, numLayers: 2, seed: 3 }).forward(x).output.data;
    expect(b).toEqual(a);
  });
});

describe('option checks', () => {
  it('calibrate must be a boolean', async () => {
    const w = await freshWasm();
    await expect(w.ready({ calibrate: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('a ready() that fails is not what later calls get: they try again', async () => {
    const w = await freshWasm();
    await expect(w.ready({ calibrate: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(w.ready({ choice: { build: 'fast' } as never })).rejects.toThrow(/choice must be/);
    const rt = await w.ready({ calibrate: false });
    expect(rt.build).toBe('simd');
    expect(w.runtime()).toBe(rt);
  });
});
