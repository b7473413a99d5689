// Optimizer updates and gradient-norm helpers: elementwise loops over a parameter's value block
// `w`, its gradient `g` and the optimizer's state blocks, all `n` floats in the layer's own layout
// (bindings/trainable.ts: padding has zero value, zero gradient and so zero state, and stays so).
//
// Each update follows PyTorch 1.13's single-tensor implementation (torch/optim/*.py) operation by
// operation in float32, with the Python scalars it computes in float64 (1 - beta1, lr / bias
// correction, ...) passed in already rounded to float32, as PyTorch's kernels round them. Lanes
// are independent and every operation is IEEE-exact (mul, add, div, sqrt, max: no fused
// multiply-add, no approximation), so the SIMD builds and the __scalar twins give the same bits.

// @ts-ignore: decorator
@inline function f(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function put(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline function vf(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function vput(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline function vs(x: f32): v128 {
  return f32x4.splat(x);
}

// ---------------------------------------------------------------------------------------------
// SGD: d = g + wd * w; with momentum: buf = first ? d : momentum * buf + (1 - dampening) * d,
// d = nesterov ? d + momentum * buf : buf; then w = w - lr * d (as w + (-lr) * d).

/**
 * buf: momentum buffer (unused when momentum == 0); first: 1 on the first step (buf = d);
 * oneMinusDampening = f32(1 - dampening).
 */
export function f32_sgd_step(
  w: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, oneMinusDampening: f32, weightDecay: f32, nesterov: i32, first: i32,
): void {
  sgd(w, g, buf, n, lr, momentum, oneMinusDampening, weightDecay, nesterov, first, ASC_FEATURE_SIMD);
}

export function f32_sgd_step__scalar(
  w: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, oneMinusDampening: f32, weightDecay: f32, nesterov: i32, first: i32,
): void {
  sgd(w, g, buf, n, lr, momentum, oneMinusDampening, weightDecay, nesterov, first, false);
}

// @ts-ignore: decorator
@inline function sgd(
  w: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, omd: f32, wd: f32, nesterov: i32, first: i32, simd: bool,
): void {
  const useMomentum = momentum != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 4 <= n; i += 4) {
      const wv = vf(w, i);
      let d = vf(g, i);
      if (wd != 0) d = f32x4.add(d, f32x4.mul(vs(wd), wv));
      if (useMomentum) {
        let b = d;
        if (!first) b = f32x4.add(f32x4.mul(vf(buf, i), vs(momentum)), f32x4.mul(vs(omd), d));
        vput(buf, i, b);
        d = nesterov ? f32x4.add(d, f32x4.mul(vs(momentum), b)) : b;
      }
      vput(w, i, f32x4.add(wv, f32x4.mul(vs(-lr), d)));
    }
  }
  for (; i < n; i++) {
    const wv = f(w, i);
    let d = f(g, i);
    if (wd != 0) d = d + wd * wv;
    if (useMomentum) {
      let b = d;
      if (!first) b = f(buf, i) * momentum + omd * d;
      put(buf, i, b);
      d = nesterov ? d + momentum * b : b;
    }
    put(w, i, wv + -lr * d);
  }
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW: (AdamW first w = w * decay, decay = 1 - lr * wd); (Adam: g = g + wd * w);
// m = m * beta1 + (1 - beta1) * g; v = v * beta2 + ((1 - beta2) * g) * g;
// (amsgrad: vmax = max(vmax, v), read instead of v); denom = sqrt(v) / bc2sqrt + eps;
// w = w + ((-stepSize) * m) / denom, stepSize = lr / (1 - beta1^t), bc2sqrt = sqrt(1 - beta2^t).

/**
 * m, v: first and second moments; vmax: running maximum of v (amsgrad; unused otherwise);
 * weightDecay: Adam's L2 term added to the gradient (0 for AdamW); decay: AdamW's factor on the
 * weights (1 for Adam: skipped).
 */
export function f32_adam_step(
  w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, negStepSize: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, bc2sqrt: f32, eps: f32, weightDecay: f32, decay: f32, amsgrad: i32,
): void {
  adam(w, g, m, v, vmax, n, negStepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2sqrt, eps, weightDecay, decay, amsgrad, ASC_FEATURE_SIMD);
}

export function f32_adam_step__scalar(
  w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, negStepSize: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, bc2sqrt: f32, eps: f32, weightDecay: f32, decay: f32, amsgrad: i32,
): void {
  adam(w, g, m, v, vmax, n, negStepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2sqrt, eps, weightDecay, decay, amsgrad, false);
}

// @ts-ignore: decorator
@inline function adam(
  w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, negStep: f32, b1: f32, omb1: f32,
  b2: f32, omb2: f32, bc2sqrt: f32, eps: f32, wd: f32, decay: f32, amsgrad: i32, simd: bool,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 4 <= n; i += 4) {
      let wv = vf(w, i);
      if (decay != 1) wv = f32x4.mul(wv, vs(decay));
      let gv = vf(g, i);
      if (wd != 0) gv = f32x4.add(gv, f32x4.mul(vs(wd), wv));
      const mv = f32x4.add(f32x4.mul(vf(m, i), vs(b1)), f32x4.mul(vs(omb1), gv));
      let sq = f32x4.add(f32x4.mul(vf(v, i), vs(b2)), f32x4.mul(f32x4.mul(vs(omb2), gv), gv));
      vput(m, i, mv);
      vput(v, i, sq);
      if (amsgrad) {
        sq = f32x4.max(vf(vmax, i), sq);
        vput(vmax, i, sq);
      }
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(sq), vs(bc2sqrt)), vs(eps));
      vput(w, i, f32x4.add(wv, f32x4.div(f32x4.mul(vs(negStep), mv), denom)));
    }
  }
  for (; i < n; i++) {
    let wv = f(w, i);
    if (decay != 1) wv = wv * decay;
    let gv = f(g, i);
    if (wd != 0) gv = gv + wd * wv;
    const mv = f(m, i) * b1 + omb1 * gv;
    let sq = f(v, i) * b2 + (omb2 * gv) * gv;
    put(m, i, mv);
    put(v, i, sq);
    if (amsgrad) {
      sq = max(f(vmax, i), sq);
      put(vmax, i, sq);
    }
    const denom = sqrt(sq) / bc2sqrt + eps;
    put(w, i, wv + (negStep * mv) / denom);
  }
}

// ---------------------------------------------------------------------------------------------
// RMSprop: g = g + wd * w; sq = sq * alpha + ((1 - alpha) * g) * g;
// centered: gavg = gavg * alpha + (1 - alpha) * g, avg = sqrt(sq + (-1 * gavg) * gavg), else
// avg = sqrt(sq); avg = avg + eps; momentum: buf = buf * momentum + g / avg, w = w + (-lr) * buf;
// else w = w + ((-lr) * g) / avg.

/** sq: running mean of g^2; gavg: running mean of g (centered); buf: momentum buffer (momentum > 0). */
export function f32_rmsprop_step(
  w: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32,
  weightDecay: f32, momentum: f32, centered: i32,
): void {
  rmsprop(w, g, sq, gavg, buf, n, lr, alpha, oneMinusAlpha, eps, weightDecay, momentum, centered, ASC_FEATURE_SIMD);
}

export function f32_rmsprop_step__scalar(
  w: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32,
  weightDecay: f32, momentum: f32, centered: i32,
): void {
  rmsprop(w, g, sq, gavg, buf, n, lr, alpha, oneMinusAlpha, eps, weightDecay, momentum, centered, false);
}

// @ts-ignore: decorator
@inline function rmsprop(
  w: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f32, alpha: f32, oma: f32, eps: f32,
  wd: f32, momentum: f32, centered: i32, simd: bool,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 4 <= n; i += 4) {
      const wv = vf(w, i);
      let gv = vf(g, i);
      if (wd != 0) gv = f32x4.add(gv, f32x4.mul(vs(wd), wv));
      const s = f32x4.add(f32x4.mul(vf(sq, i), vs(alpha)), f32x4.mul(f32x4.mul(vs(oma), gv), gv));
      vput(sq, i, s);
      let avg: v128;
      if (centered) {
        const ga = f32x4.add(f32x4.mul(vf(gavg, i), vs(alpha)), f32x4.mul(vs(oma), gv));
        vput(gavg, i, ga);
        avg = f32x4.sqrt(f32x4.add(s, f32x4.mul(f32x4.mul(vs(-1), ga), ga)));
      } else {
        avg = f32x4.sqrt(s);
      }
      avg = f32x4.add(avg, vs(eps));
      if (momentum > 0) {
        const b = f32x4.add(f32x4.mul(vf(buf, i), vs(momentum)), f32x4.div(gv, avg));
        vput(buf, i, b);
        vput(w, i, f32x4.add(wv, f32x4.mul(vs(-lr), b)));
      } else {
        vput(w, i, f32x4.add(wv, f32x4.div(f32x4.mul(vs(-lr), gv), avg)));
      }
    }
  }
  for (; i < n; i++) {
    const wv = f(w, i);
    let gv = f(g, i);
    if (wd != 0) gv = gv + wd * wv;
    const s = f(sq, i) * alpha + (oma * gv) * gv;
    put(sq, i, s);
    let avg: f32;
    if (centered) {
      const ga = f(gavg, i) * alpha + oma * gv;
      put(gavg, i, ga);
      avg = sqrt(s + (<f32>-1 * ga) * ga);
    } else {
      avg = sqrt(s);
    }
    avg = avg + eps;
    if (momentum > 0) {
      const b = f(buf, i) * momentum + gv / avg;
      put(buf, i, b);
      put(w, i, wv + -lr * b);
    } else {
      put(w, i, wv + (-lr * gv) / avg);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gradient norms and clipping.

/**
 * The sum of squares of x[0 .. n) in float64 (each float32 squared exactly in float64), in
 * ascending order: the squared 2-norm of a gradient block (clipGradNorm). One variant: the
 * order is the result, and the bindings call it once per parameter per step.
 */
export function f32_sumsq_f64(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>f(x, i);
    s += v * v;
  }
  return s;
}

/** x[i] = x[i] * s for i < n (clipping a gradient block in place). */
export function f32_vscale(x: usize, n: i32, s: f32): void {
  vscale(x, n, s, ASC_FEATURE_SIMD);
}

export function f32_vscale__scalar(x: usize, n: i32, s: f32): void {
  vscale(x, n, s, false);
}

// @ts-ignore: decorator
@inline function vscale(x: usize, n: i32, s: f32, simd: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && simd) {
    for (; i + 4 <= n; i += 4) vput(x, i, f32x4.mul(vf(x, i), vs(s)));
  }
  for (; i < n; i++) put(x, i, f(x, i) * s);
}
