// Machine-limit probes for the roofline, compiled by bench/run.mjs (asc --enable simd,relaxed-simd):
//  - peak_muladd / peak_fma: 12 independent chains acc = acc * m + a (f32x4.mul then f32x4.add,
//    or one f32x4.relaxed_madd), so latency never binds and only the FP ports do. 8 flops per
//    chain step (4 lanes x mul + add). Returns a lane sum so nothing is dead code.
//  - stream_read: sums `bytes` of memory at `p` with 8 independent v128 accumulators, `reps`
//    times: the single-core read bandwidth for a working set of that size (the weights of a
//    batch-1 recurrent step are read exactly like this, once per step).

// @ts-ignore: decorator
@inline function step_ma(acc: v128, m: v128, a: v128): v128 {
  return f32x4.add(f32x4.mul(acc, m), a);
}
// @ts-ignore: decorator
@inline function step_fma(acc: v128, m: v128, a: v128): v128 {
  return f32x4.relaxed_madd(acc, m, a);
}

export function peak_muladd(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(1 - seed * 1e-9); // not a constant: V8 in Node 24 rematerializes v128 constants at every use in a loop
  const a = f32x4.splat(seed * 1e-7);
  let x0 = f32x4.splat(seed), x1 = f32x4.splat(seed + 1), x2 = f32x4.splat(seed + 2), x3 = f32x4.splat(seed + 3);
  let x4 = f32x4.splat(seed + 4), x5 = f32x4.splat(seed + 5), x6 = f32x4.splat(seed + 6), x7 = f32x4.splat(seed + 7);
  let x8 = f32x4.splat(seed + 8), x9 = f32x4.splat(seed + 9), x10 = f32x4.splat(seed + 10), x11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    x0 = step_ma(x0, m, a); x1 = step_ma(x1, m, a); x2 = step_ma(x2, m, a); x3 = step_ma(x3, m, a);
    x4 = step_ma(x4, m, a); x5 = step_ma(x5, m, a); x6 = step_ma(x6, m, a); x7 = step_ma(x7, m, a);
    x8 = step_ma(x8, m, a); x9 = step_ma(x9, m, a); x10 = step_ma(x10, m, a); x11 = step_ma(x11, m, a);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(x8, x9), f32x4.add(x10, x11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
}

export function peak_fma(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(1 - seed * 1e-9); // not a constant: V8 in Node 24 rematerializes v128 constants at every use in a loop
  const a = f32x4.splat(seed * 1e-7);
  let x0 = f32x4.splat(seed), x1 = f32x4.splat(seed + 1), x2 = f32x4.splat(seed + 2), x3 = f32x4.splat(seed + 3);
  let x4 = f32x4.splat(seed + 4), x5 = f32x4.splat(seed + 5), x6 = f32x4.splat(seed + 6), x7 = f32x4.splat(seed + 7);
  let x8 = f32x4.splat(seed + 8), x9 = f32x4.splat(seed + 9), x10 = f32x4.splat(seed + 10), x11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    x0 = step_fma(x0, m, a); x1 = step_fma(x1, m, a); x2 = step_fma(x2, m, a); x3 = step_fma(x3, m, a);
    x4 = step_fma(x4, m, a); x5 = step_fma(x5, m, a); x6 = step_fma(x6, m, a); x7 = step_fma(x7, m, a);
    x8 = step_fma(x8, m, a); x9 = step_fma(x9, m, a); x10 = step_fma(x10, m, a); x11 = step_fma(x11, m, a);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(x8, x9), f32x4.add(x10, x11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
}

export function stream_read(p: usize, bytes: i32, reps: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  const end = p + <usize>bytes;
  for (let r = 0; r < reps; r++) {
    for (let q = p; q < end; q += 128) {
      a0 = f32x4.add(a0, v128.load(q));
      a1 = f32x4.add(a1, v128.load(q, 16));
      a2 = f32x4.add(a2, v128.load(q, 32));
      a3 = f32x4.add(a3, v128.load(q, 48));
      a4 = f32x4.add(a4, v128.load(q, 64));
      a5 = f32x4.add(a5, v128.load(q, 80));
      a6 = f32x4.add(a6, v128.load(q, 96));
      a7 = f32x4.add(a7, v128.load(q, 112));
    }
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 2);
}

export function heap_start(): usize {
  return (__heap_base + 65535) & ~65535;
}
