// The threads check a browser page (test/runtimes/threads.test.ts) or a Node process runs (plain
// JS, no imports: the caller passes the library as it imported it). On every build with a threads
// build (relaxed, simd) the engine runs, an LSTM and a GRU large enough for the default split
// thresholds (bindings/recurrent-run.ts: 50 steps of batch 8, the projection and the recurrence
// both split in two) run on a one-thread runtime and on ready({ build, threads: 2 }); the outputs
// and final states must be the same bits. Where threads are impossible (a page that is not
// cross-origin isolated), ready({ threads: 2 }) must refuse with RnnError UNSUPPORTED.

const [T, B, I, H] = [50, 8, 64, 128];

function firstDifference(a, b) {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

/**
 * @returns { isolated, results: [{ build, layer, threads, differs? }], refused?: code, message?, problems }
 */
export async function runThreadsCheck(lib) {
  const problems = [];
  const results = [];
  const isolated = globalThis.crossOriginIsolated !== false && typeof SharedArrayBuffer === 'function';
  if (!isolated) {
    try {
      await lib.ready({ threads: 2 });
      problems.push('ready({ threads: 2 }) resolved where shared memory is unavailable');
    } catch (e) {
      return { isolated, results, refused: e && e.code, message: String(e && e.message), problems };
    }
  }
  // deterministic inputs in (-1, 1) (any fixed values do: both runtimes get the same)
  const x = { data: Float32Array.from({ length: T * B * I }, (_, i) => Math.sin(i * 12.9898) * 0.9), shape: [T, B, I] };
  for (const build of lib.supportedBuilds().filter((b) => b !== 'scalar')) {
    for (const [layer, make] of [['LSTM', () => new lib.LSTM({ inputSize: I, hiddenSize: H, seed: 3 })], ['GRU', () => new lib.GRU({ inputSize: I, hiddenSize: H, seed: 4 })]]) {
      try {
        await lib.ready({ build });
        const single = make();
        const info = await lib.ready({ build, threads: 2 });
        if (info.threads !== 2) problems.push(`${build}: ready({ threads: 2 }) reports ${info.threads} threads`);
        const threaded = make();
        const ref = single.forward(x);
        const got = threaded.forward(x);
        const differs = firstDifference(got.output.data, ref.output.data) ?? firstDifference(got.h.data, ref.h.data) ?? (ref.c ? firstDifference(got.c.data, ref.c.data) : undefined);
        results.push({ build, layer, threads: info.threads, differs });
        if (differs) problems.push(`${build} ${layer}: threaded output differs from one thread's: ${differs}`);
        single.dispose();
        threaded.dispose();
      } catch (e) {
        problems.push(`${build} ${layer}: ${e && e.stack || e}`);
      }
    }
  }
  return { isolated, results, problems };
}
