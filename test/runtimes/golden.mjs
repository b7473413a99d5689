// The golden check every runtime runs (plain JS, no imports: the caller passes the library it
// imported the way that runtime's users would, and the fixture bytes it could read).
//
// One LSTM, GRU and RNN case of test/fixtures/torch (torch state_dict + inputs + torch's
// outputs, see its README) is run on every wasm build the engine supports, through the public
// API only (ready, readSafetensors, readSafetensorsMetadata, LSTM/GRU/RNN), and compared with
// torch's outputs: max abs error <= 1e-5 for output, h and c.

/** Fixture files used (test/fixtures/torch/<name>.safetensors). */
export const GOLDEN_CASES = ['lstm_combined', 'gru_combined', 'rnn_tanh_combined'];
export const GOLDEN_TOL = 1e-5;

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as NaN > tol
  }
  return m;
}

function sameShape(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Runs the golden cases.
 * @param lib       the wasm-rnn module namespace (or an object with the same exports)
 * @param fixtures  { [case]: Uint8Array } bytes of each GOLDEN_CASES file
 * @param options   builds: builds to run (default lib.supportedBuilds());
 *                  readyOptions(build): extra ready() options per build (e.g. { module });
 *                  skipDefaultReady: do not call ready() without options first
 * @returns { ok, runtime, defaultBuild, builds, results: [{ build, case, err, ok, problem? }], problems }
 */
export async function runGolden(lib, fixtures, options = {}) {
  const problems = [];
  const results = [];
  let defaultBuild = null;
  // 1. the default loading path (no options): each runtime's way of finding the .wasm
  if (!options.skipDefaultReady) {
    try {
      defaultBuild = (await lib.ready()).build;
    } catch (e) {
      problems.push(`ready() without options failed: ${e && e.message}`);
    }
  }
  const builds = options.builds ?? lib.supportedBuilds();
  for (const build of builds) {
    let info;
    try {
      info = await lib.ready({ build, ...(options.readyOptions ? options.readyOptions(build) : {}) });
    } catch (e) {
      problems.push(`ready({ build: '${build}' }) failed: ${e && e.message}`);
      continue;
    }
    if (info.build !== build) problems.push(`ready({ build: '${build}' }) gave build ${info.build}`);
    for (const name of GOLDEN_CASES) {
      const r = { build, case: name, err: NaN, ok: false };
      results.push(r);
      try {
        const bytes = fixtures[name];
        if (!bytes) throw new Error('fixture bytes missing');
        const sd = lib.readSafetensors(bytes);
        const meta = lib.readSafetensorsMetadata(bytes);
        const config = JSON.parse(meta.config);
        const Layer = { LSTM: lib.LSTM, GRU: lib.GRU, RNN: lib.RNN }[meta.module];
        const opts = { ...config };
        if (meta.module !== 'LSTM') delete opts.projSize;
        if (meta.module !== 'RNN') delete opts.nonlinearity;
        for (const k of Object.keys(opts)) if (opts[k] === undefined || opts[k] === null) delete opts[k];
        const layer = new Layer(opts);
        const params = {};
        for (const [k, t] of Object.entries(sd)) if (!k.startsWith('input.') && !k.startsWith('output.')) params[k] = t;
        layer.loadStateDict(params);
        const fwd = {};
        if (sd['input.h0']) fwd.h0 = sd['input.h0'];
        if (sd['input.c0']) fwd.c0 = sd['input.c0'];
        if (sd['input.lengths']) fwd.lengths = sd['input.lengths'];
        const res = layer.forward(sd['input.x'], fwd);
        let err = 0;
        for (const key of meta.module === 'LSTM' ? ['output', 'h', 'c'] : ['output', 'h']) {
          const want = sd[`output.${key}`];
          const got = res[key];
          if (!got || !sameShape(got.shape, want.shape)) throw new Error(`${key} shape [${got && got.shape}] vs torch [${want.shape}]`);
          const d = maxAbsDiff(got.data, want.data);
          err = d > err || Number.isNaN(d) ? d : err;
        }
        if (typeof layer.dispose === 'function') layer.dispose();
        r.err = err;
        r.ok = err <= GOLDEN_TOL;
        if (!r.ok) r.problem = `max abs error ${err} > ${GOLDEN_TOL}`;
      } catch (e) {
        r.problem = String(e && e.stack ? e.stack : e);
      }
      if (!r.ok) problems.push(`${build} ${name}: ${r.problem}`);
    }
  }
  if (builds.length === 0) problems.push('no build to run');
  return { ok: problems.length === 0 && results.length > 0, defaultBuild, builds, results, problems };
}

/** One line a runner prints and the vitest side parses (see helpers.ts parseGolden). */
export function goldenLine(runtime, result) {
  return `GOLDEN ${JSON.stringify({ runtime, ...result })}`;
}
