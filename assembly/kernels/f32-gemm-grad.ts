// The input gradient of a linear layer's backward pass, read straight from the weight in 8-column
// panels (x32_packw_x8: W [N, K] as ceil(N/8) panels of K rows of 8 floats, element (8p + j, kk)
// at float (p * K + kk) * 8 + j, zero past N):
//
//   f32_gemm_dx:  dX[M, K] = dY[M, N] W          (the input gradient; overwrites dX)
//
// The weight and bias gradients are f32_wgrad_acc and f32_colsum_acc (shared with the recurrent
// layers).
//
// Arithmetic: plain float32 multiply then add (never fused, in the `relaxed` build too), in one
// fixed order per output, so every build and the __scalar twin give the same bits: element
// (i, kk) keeps 4 partial sums, lane l taking columns n with n % 4 == l, panels in ascending order
// (per panel lanes 0-3 then 4-7); the result is (l0 + l2) + (l1 + l3).

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** dY row elements n0 .. n0 + 7 with lanes at or past n set to zero (a partial last panel). */
// @ts-ignore: decorator
@inline function dy_lane(dyrow: usize, n0: i32, j: i32, n: i32): f32 {
  return n0 + j < n ? load<f32>(dyrow + (<usize>(n0 + j) << 2)) : 0;
}

/**
 * dx: [M, ldx] output rows (K values written per row); dy: [M, ldy] rows of N values;
 * w: x32_packw_x8 panels of W [N, K]. dx must not overlap dy or w.
 */
export function f32_gemm_dx(dx: usize, dy: usize, w: usize, m: i32, n: i32, k: i32, ldy: i32, ldx: i32): void {
  if (ASC_FEATURE_SIMD) gemm_dx_simd(dx, dy, w, m, n, k, ldy, ldx);
  else f32_gemm_dx__scalar(dx, dy, w, m, n, k, ldy, ldx);
}

/** Reference of f32_gemm_dx: the same lanes and order, one float at a time. */
export function f32_gemm_dx__scalar(dx: usize, dy: usize, w: usize, m: i32, n: i32, k: i32, ldy: i32, ldx: i32): void {
  const panels = (n + 7) >> 3;
  const panelBytes = <usize>k << 5;
  for (let i = 0; i < m; i++) {
    const dyrow = dy + (<usize>(i * ldy) << 2);
    const dxrow = dx + (<usize>(i * ldx) << 2);
    for (let kk = 0; kk < k; kk++) {
      let l0: f32 = 0, l1: f32 = 0, l2: f32 = 0, l3: f32 = 0;
      let wp = w + (<usize>kk << 5);
      for (let p = 0; p < panels; p++) {
        const n0 = p << 3;
        l0 = l0 + dy_lane(dyrow, n0, 0, n) * load<f32>(wp, 0);
        l1 = l1 + dy_lane(dyrow, n0, 1, n) * load<f32>(wp, 4);
        l2 = l2 + dy_lane(dyrow, n0, 2, n) * load<f32>(wp, 8);
        l3 = l3 + dy_lane(dyrow, n0, 3, n) * load<f32>(wp, 12);
        l0 = l0 + dy_lane(dyrow, n0, 4, n) * load<f32>(wp, 16);
        l1 = l1 + dy_lane(dyrow, n0, 5, n) * load<f32>(wp, 20);
        l2 = l2 + dy_lane(dyrow, n0, 6, n) * load<f32>(wp, 24);
        l3 = l3 + dy_lane(dyrow, n0, 7, n) * load<f32>(wp, 28);
        wp += panelBytes;
      }
      store<f32>(dxrow + (<usize>kk << 2), (l0 + l2) + (l1 + l3));
    }
  }
}

/** Lanes j0 .. j0 + 3 of a dY row, zero at or past n (the partial last panel). */
// @ts-ignore: decorator
@inline function dy_tail(dyrow: usize, j0: i32, n: i32): v128 {
  let v = f32x4.splat(0);
  if (j0 < n) v = f32x4.replace_lane(v, 0, load<f32>(dyrow + (<usize>j0 << 2)));
  if (j0 + 1 < n) v = f32x4.replace_lane(v, 1, load<f32>(dyrow + (<usize>(j0 + 1) << 2)));
  if (j0 + 2 < n) v = f32x4.replace_lane(v, 2, load<f32>(dyrow + (<usize>(j0 + 2) << 2)));
  if (j0 + 3 < n) v = f32x4.replace_lane(v, 3, load<f32>(dyrow + (<usize>(j0 + 3) << 2)));
  return v;
}

// @ts-ignore: decorator
@inline function dx_step(a: v128, y0: v128, y1: v128, wp: usize): v128 {
  return f32x4.add(f32x4.add(a, f32x4.mul(y0, v128.load(wp))), f32x4.mul(y1, v128.load(wp, 16)));
}

/**
 * Whole panels read dY in place; a partial last panel's dY lanes are gathered once per row into
 * two zero-padded vectors. 4 outputs (kk .. kk + 3: adjacent 32-byte rows of a panel) share each
 * pair of dY loads.
 */
function gemm_dx_simd(dx: usize, dy: usize, w: usize, m: i32, n: i32, k: i32, ldy: i32, ldx: i32): void {
  const full = n >> 3;
  const partial = (n & 7) != 0;
  const panelBytes = <usize>k << 5;
  for (let i = 0; i < m; i++) {
    const dyrow = dy + (<usize>(i * ldy) << 2);
    const t0 = dy_tail(dyrow, full << 3, n);
    const t1 = dy_tail(dyrow, (full << 3) + 4, n);
    const tailPanel = w + <usize>full * panelBytes;
    const dxrow = dx + (<usize>(i * ldx) << 2);
    let kk = 0;
    for (; kk + 4 <= k; kk += 4) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let wp = w + (<usize>kk << 5);
      let yp = dyrow;
      for (let p = 0; p < full; p++) {
        const y0 = v128.load(yp);
        const y1 = v128.load(yp, 16);
        a0 = dx_step(a0, y0, y1, wp);
        a1 = dx_step(a1, y0, y1, wp + 32);
        a2 = dx_step(a2, y0, y1, wp + 64);
        a3 = dx_step(a3, y0, y1, wp + 96);
        wp += panelBytes;
        yp += 32;
      }
      if (partial) {
        const tp = tailPanel + (<usize>kk << 5);
        a0 = dx_step(a0, t0, t1, tp);
        a1 = dx_step(a1, t0, t1, tp + 32);
        a2 = dx_step(a2, t0, t1, tp + 64);
        a3 = dx_step(a3, t0, t1, tp + 96);
      }
      const o = dxrow + (<usize>kk << 2);
      store<f32>(o, hsum(a0), 0);
      store<f32>(o, hsum(a1), 4);
      store<f32>(o, hsum(a2), 8);
      store<f32>(o, hsum(a3), 12);
    }
    for (; kk < k; kk++) {
      let a0 = f32x4.splat(0);
      let wp = w + (<usize>kk << 5);
      let yp = dyrow;
      for (let p = 0; p < full; p++) {
        a0 = dx_step(a0, v128.load(yp), v128.load(yp, 16), wp);
        wp += panelBytes;
        yp += 32;
      }
      if (partial) a0 = dx_step(a0, t0, t1, tailPanel + (<usize>kk << 5));
      store<f32>(dxrow + (<usize>kk << 2), hsum(a0));
    }
  }
}
