// Checks f32_vlog (assembly/kernels/f32-vlog.ts) against the ONNX importer's JS Log loop
// (`dst[i] = Math.log(src[i])` into a Float32Array) on every one of the 2^32 float32 bit patterns,
// for each build's dispatched variant and its scalar reference, with the caller's fallback
// (bindings/plan-arena.ts arenaLog: Math.log for each element the kernel leaves). Reports, per
// variant, how many results differ (must be 0) and how many elements the kernel left to the
// caller; then, for the kernel's method evaluated in JS float64 (the scalar code's operations in
// the same order), the largest difference from Math.log in units of the result's last place over
// every positive normal float (the kernel's tie margin, NEAR_TIE, must exceed it).
//   node tools/verify-vlog.mjs            (after `npm run build:wasm`; about two minutes; the
//                                          relaxed build needs an engine with relaxed SIMD, Node 22+)
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const rel = (p) => fileURLToPath(new URL(p, new URL('../', import.meta.url)));
const CHUNK = 1 << 20;

const variants = [];
for (const build of ['relaxed', 'simd', 'scalar']) {
  let instance;
  try {
    ({ instance } = await WebAssembly.instantiate(fs.readFileSync(rel(`build/${build}-ref.wasm`)), {}));
  } catch (e) {
    console.log(`${build}: not checked (${e.message.split('\n')[0]})`);
    continue;
  }
  const ex = instance.exports;
  const base = ex.heap_base();
  const need = base + 8 * CHUNK + 64;
  if (ex.memory.buffer.byteLength < need) ex.memory.grow(Math.ceil((need - ex.memory.buffer.byteLength) / 65536));
  const x = (base + 15) & ~15;
  const y = x + 4 * CHUNK;
  for (const name of build === 'scalar' ? ['f32_vlog'] : ['f32_vlog', 'f32_vlog__scalar']) {
    variants.push({ label: `${build} ${name}`, fn: ex[name], mem: ex.memory, x, y, differ: 0, left: 0, firstDiffer: -1 });
  }
}

const src = new Float32Array(CHUNK);
const bits = new Uint32Array(src.buffer);
const want = new Float32Array(CHUNK);
const wantBits = new Uint32Array(want.buffer);
const t0 = performance.now();
for (let start = 0; start < 2 ** 32; start += CHUNK) {
  for (let i = 0; i < CHUNK; i++) bits[i] = start + i;
  for (let i = 0; i < CHUNK; i++) want[i] = Math.log(src[i]);
  for (const v of variants) {
    const xs = new Float32Array(v.mem.buffer, v.x, CHUNK);
    const ys = new Float32Array(v.mem.buffer, v.y, CHUNK);
    xs.set(src);
    for (let i = 0; i < CHUNK; i++) {
      i += v.fn(v.y + 4 * i, v.x + 4 * i, CHUNK - i);
      if (i < CHUNK) {
        ys[i] = Math.log(xs[i]);
        v.left++;
      }
    }
    const got = new Uint32Array(v.mem.buffer, v.y, CHUNK);
    for (let i = 0; i < CHUNK; i++) {
      if (got[i] !== wantBits[i] && !(Number.isNaN(ys[i]) && Number.isNaN(want[i]))) {
        if (v.differ++ === 0) v.firstDiffer = start + i;
      }
    }
  }
}
const secs = ((performance.now() - t0) / 1000).toFixed(0);
console.log(`f32_vlog vs the JS loop on all 2^32 float32 patterns (${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${secs} s):`);
for (const v of variants) {
  const first = v.differ ? `, first at bits 0x${v.firstDiffer.toString(16)}` : '';
  console.log(`  ${v.label.padEnd(26)} results differing: ${v.differ}${first}; elements left to the caller: ${v.left}`);
}

// the method in JS float64, in the scalar code's order of operations
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const C = [1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13, 1 / 15, 1 / 17, 1 / 19, 1 / 21];
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function logMethod(u) {
  const k = (u - 0x3f3504f3) >> 23;
  u32[0] = u - k * 2 ** 23;
  const z = f32[0];
  const s = (z - 1) / (z + 1);
  const w = s * s;
  const p = w * (C[0] + w * (C[1] + w * (C[2] + w * (C[3] + w * (C[4] + w * (C[5] + w * (C[6] + w * (C[7] + w * (C[8] + w * C[9])))))))));
  const s2 = s + s;
  return k * LN2_HI + (s2 + (s2 * p + k * LN2_LO));
}
const ordinal = (v) => {
  f64[0] = v;
  return u64[0];
};
let worst = 0n;
let worstAt = 0;
const t1 = performance.now();
for (let u = 0x00800000; u < 0x7f800000; u++) {
  u32[0] = u;
  const m = Math.log(f32[0]);
  const r = logMethod(u);
  if (m === r) continue;
  // both have the same sign (ln x and the method's value for x != 1): the ordinals of their bits differ by their distance in ulps
  const d = ordinal(m) > ordinal(r) ? ordinal(m) - ordinal(r) : ordinal(r) - ordinal(m);
  if (d > worst) {
    worst = d;
    worstAt = u;
  }
}
console.log(`the method in float64 vs Math.log over all positive normal floats (${((performance.now() - t1) / 1000).toFixed(0)} s): ` +
  `largest difference ${worst} units in the last place (at bits 0x${worstAt.toString(16)}); NEAR_TIE is 256`);
