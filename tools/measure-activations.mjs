// Measures the max abs error of every build's f32_vsigmoid and f32_vtanh against float64
// (1 / (1 + Math.exp(-x)) and Math.tanh), over every float32 bit pattern.
//
//   npm run build
//   node --experimental-wasm-relaxed-simd tools/measure-activations.mjs [--exhaustive] [--stride=K] [--workers=N]
//
// Default: every float32 with 2^-12 <= |x| < 128 (both signs, 319M inputs: everything where
// the functions are not x, 0.5 or saturated to within rounding), every K-th bit pattern
// elsewhere (default K = 61: tiny and subnormal inputs, huge ones, infinities, NaNs), and the
// special values (+-0, subnormal bounds, FLT_MIN, FLT_MAX, +-inf, NaN). --exhaustive: all 2^32
// bit patterns. Work is spread over worker threads (default one per CPU). NaN inputs are only
// checked to give NaN. The wasm files are the test builds build/<name>-ref.wasm (what `npm run
// build:wasm` just wrote; the builds a page loads leave these kernels out), the bindings from dist/.
//
// Also reported: how many results differ bitwise between builds (scalar vs simd should be 0:
// same operations in the same order) and the largest difference in ulps, and range/NaN/oddness
// violations (all should be 0).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const here = new URL('.', import.meta.url);
const BUILDS = ['simd', 'relaxed', 'scalar'];
const FUNCS = ['sigmoid', 'tanh'];
const CHUNK = 1 << 20;

function arg(name, dflt) {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}

/** Distance in ulps between two finite float32 values given by their bits (monotone int order). */
function ordered(bits) {
  return bits < 0 ? -0x80000000 - bits : bits; // bits as int32
}

async function work(jobs) {
  const { instantiate, supportedBuilds } = await import(new URL('../dist/bindings/wasm.js', here).href);
  const supported = supportedBuilds();
  const builds = BUILDS.filter((b) => supported.includes(b));
  const nb = builds.length;
  const rts = [];
  for (const b of builds) {
    const rt = await instantiate({ build: b, bytes: readFileSync(new URL(`../build/${b}-ref.wasm`, here)) });
    rts.push({ rt, x: rt.allocF32(CHUNK), y: [rt.allocF32(CHUNK), rt.allocF32(CHUNK)] });
  }
  const si = builds.indexOf('simd');
  // per function fi and build k, at [fi * nb + k]
  const err = new Float64Array(2 * nb);
  const at = new Float64Array(2 * nb);
  const count = new Float64Array(2 * nb);
  const diff = new Float64Array(2 * nb);
  const maxUlp = new Float64Array(2 * nb);
  const bad = [0, 0];
  const nan = [0, 0];
  const xs = new Float32Array(CHUNK);
  const xb = new Int32Array(xs.buffer);
  const outs = rts.map(() => [new Float32Array(CHUNK), new Float32Array(CHUNK)]);
  const outb = outs.map((o) => o.map((a) => new Int32Array(a.buffer)));
  const refs = new Float64Array(CHUNK);
  let chunkNo = 0;
  for (const { lo, hi, stride } of jobs) {
    // walk bit patterns u = lo, lo + stride, ... < hi (as unsigned, 0..2^32)
    let u = lo;
    while (u < hi) {
      let m = 0;
      for (; m < CHUNK && u < hi; m++, u += stride) xb[m] = u | 0;
      for (let k = 0; k < nb; k++) {
        const { rt, x, y } = rts[k];
        rt.f32(x, m).set(xs.subarray(0, m));
        rt.exports.f32_vsigmoid(y[0], x, m);
        rt.exports.f32_vtanh(y[1], x, m);
        outs[k][0].set(rt.f32(y[0], m));
        outs[k][1].set(rt.f32(y[1], m));
      }
      for (let fi = 0; fi < 2; fi++) {
        const lower = fi === 0 ? 0 : -1;
        for (let i = 0; i < m; i++) {
          const xv = xs[i];
          refs[i] = fi === 0 ? 1 / (1 + Math.exp(-xv)) : Math.tanh(xv);
        }
        for (let k = 0; k < nb; k++) {
          const o = outs[k][fi];
          const ob = outb[k][fi];
          const os = si >= 0 && k !== si ? outb[si][fi] : null;
          const slot = fi * nb + k;
          let emax = err[slot];
          let xat = at[slot];
          let nd = 0;
          let mu = maxUlp[slot];
          let nn = 0;
          let nbad = 0;
          for (let i = 0; i < m; i++) {
            const yv = o[i];
            const xv = xs[i];
            if (xv !== xv) {
              nn++;
              if (yv === yv) nbad++;
              continue;
            }
            const e = Math.abs(yv - refs[i]);
            if (e > emax) {
              emax = e;
              xat = xv;
            } else if (e !== e) nbad++; // NaN out for a non-NaN in
            if (!(yv >= lower && yv <= 1)) nbad++;
            if (os !== null && ob[i] !== os[i]) {
              nd++;
              const d = Math.abs(ordered(ob[i]) - ordered(os[i]));
              if (d > mu) mu = d;
            }
          }
          err[slot] = emax;
          at[slot] = xat;
          diff[slot] += nd;
          maxUlp[slot] = mu;
          count[slot] += m - nn;
          bad[fi] += nbad;
          if (k === 0) nan[fi] += nn;
        }
      }
      // tanh oddness: the pattern with the sign flipped must give the bitwise negation (x and -x
      // are visited in different slices, so check it here directly, on every 4th chunk).
      if (chunkNo++ % 4 === 0) {
        for (let k = 0; k < nb; k++) {
          const { rt, x, y } = rts[k];
          const v = rt.f32(x, m);
          for (let i = 0; i < m; i++) v[i] = -xs[i];
          rt.exports.f32_vtanh(y[1], x, m);
          const neg = new Int32Array(rt.memory.buffer, y[1], m);
          for (let i = 0; i < m; i++) if (xs[i] === xs[i] && neg[i] !== (outb[k][1][i] ^ 0x80000000)) bad[1]++;
        }
      }
    }
  }
  const st = {};
  for (let fi = 0; fi < 2; fi++) {
    const f = FUNCS[fi];
    st[f] = { builds: {}, bad: bad[fi], nan: nan[fi] };
    for (let k = 0; k < nb; k++) {
      const slot = fi * nb + k;
      st[f].builds[builds[k]] = { err: err[slot], at: at[slot], n: count[slot], diffVsSimd: diff[slot], maxUlpVsSimd: maxUlp[slot] };
    }
  }
  return { builds, st };
}

function merge(a, b) {
  if (!a) return b;
  for (const f of FUNCS) {
    a.st[f].bad += b.st[f].bad;
    a.st[f].nan += b.st[f].nan;
    for (const bn of a.builds) {
      const x = a.st[f].builds[bn];
      const y = b.st[f].builds[bn];
      if (y.err > x.err) {
        x.err = y.err;
        x.at = y.at;
      }
      x.n += y.n;
      x.diffVsSimd += y.diffVsSimd;
      x.maxUlpVsSimd = Math.max(x.maxUlpVsSimd, y.maxUlpVsSimd);
    }
  }
  return a;
}

if (isMainThread) {
  const exhaustive = process.argv.includes('--exhaustive');
  const stride = Math.max(1, Math.floor(arg('stride', 61)));
  const nw = Math.max(1, Math.floor(arg('workers', availableParallelism())));
  // Jobs: lists of bit-pattern ranges. Default: every float with 2^-12 <= |x| < 2^7 (0x39800000 ..
  // 0x43000000, both signs: where both functions are neither x / 0.5 to within rounding nor
  // saturated), every `stride`-th pattern elsewhere (tiny, huge, inf, NaN), plus the specials.
  const DENSE_LO = 0x39800000;
  const DENSE_HI = 0x43000000;
  const ranges = [];
  const split = (lo, hi, st, parts) => {
    const per = Math.ceil((hi - lo) / parts / st) * st;
    for (let a = lo; a < hi; a += per) ranges.push({ lo: a, hi: Math.min(hi, a + per), stride: st });
  };
  if (exhaustive) split(0, 2 ** 32, 1, 64);
  else {
    for (const sign of [0, 0x80000000]) {
      split(sign + DENSE_LO, sign + DENSE_HI, 1, 16);
      split(sign, sign + DENSE_LO, stride, 4);
      split(sign + DENSE_HI, sign + 0x80000000, stride, 4);
    }
    // +-0, min subnormal, max subnormal, min normal, FLT_MAX, +-inf, a NaN, each with its sign twin
    for (const b of [0, 1, 0x7fffff, 0x800000, 0x7f7fffff, 0x7f800000, 0x7fc00000]) {
      ranges.push({ lo: b, hi: b + 1, stride: 1 }, { lo: b + 0x80000000, hi: b + 0x80000001, stride: 1 });
    }
  }
  const slices = ranges.length;
  const queue = ranges.map((r) => [r]);
  const t0 = Date.now();
  let total;
  let done = 0;
  await Promise.all(
    Array.from({ length: nw }, async () => {
      const w = new Worker(new URL(import.meta.url), { workerData: null });
      const next = () => {
        const job = queue.shift();
        if (job) w.postMessage(job);
        else w.postMessage(null);
        return job;
      };
      await new Promise((resolve, reject) => {
        w.on('message', (r) => {
          total = merge(total, r);
          done++;
          if (process.stderr.isTTY) process.stderr.write(`\r${done}/${slices} slices, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
          next();
        });
        w.on('error', reject);
        w.on('exit', resolve);
        next();
      });
    }),
  );
  if (process.stderr.isTTY) process.stderr.write('\n');
  const mode = exhaustive
    ? 'exhaustive: every float32 bit pattern'
    : `every float with 2^-12 <= |x| < 128, every ${stride}-th bit pattern elsewhere, specials`;
  console.log(`max abs error vs float64 (${mode}; ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  console.log('function  build    inputs (non-NaN)  max abs error  at x              vs simd: differing  max ulp');
  for (const f of FUNCS) {
    for (const b of total.builds) {
      const r = total.st[f].builds[b];
      console.log(
        `${f.padEnd(9)} ${b.padEnd(8)} ${String(r.n).padStart(17)}  ${r.err.toExponential(3).padStart(13)}  ${String(r.at).padEnd(17)} ${
          b === 'simd' ? '-'.padStart(18) : String(r.diffVsSimd).padStart(18)
        }  ${b === 'simd' ? '-' : r.maxUlpVsSimd}`,
      );
    }
  }
  for (const f of FUNCS) {
    console.log(`${f}: NaN inputs ${total.st[f].nan} per build; violations (NaN/range${f === 'tanh' ? '/oddness' : ''}): ${total.st[f].bad}`);
  }
} else {
  parentPort.on('message', async (job) => {
    if (job === null) {
      parentPort.close();
      process.exit(0);
    }
    parentPort.postMessage(await work(job));
  });
}
