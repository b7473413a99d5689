// f32-maxpool2d: 2-D max pooling of `planes` float32 planes [ih, iw] into [oh, ow], windows of
// kh x kw taps at strides sh x sw, every window inside its plane (no padding, no dilation: the
// caller checks). Each output takes its window's first tap (ky = kx = 0), then each later tap in
// (ky, kx) order that is greater: the ONNX importer's JS loop (src/onnx/ops/pool.ts), so a NaN
// tap stays only when it comes first, and the bits are the loop's. The SIMD variant takes 4
// outputs a step when windows are 2 wide at stride 2 (deinterleaving 8 inputs of each row);
// other windows go one output at a time.

/** SIMD build: 4 outputs a step for kw = sw = 2. */
export function f32_maxpool2d(y: usize, x: usize, planes: i32, ih: i32, iw: i32, kh: i32, kw: i32, sh: i32, sw: i32, oh: i32, ow: i32): void {
  maxpool(y, x, planes, ih, iw, kh, kw, sh, sw, oh, ow, ASC_FEATURE_SIMD);
}

/** One output at a time: the reference the SIMD variant is tested against. */
export function f32_maxpool2d__scalar(y: usize, x: usize, planes: i32, ih: i32, iw: i32, kh: i32, kw: i32, sh: i32, sw: i32, oh: i32, ow: i32): void {
  maxpool(y, x, planes, ih, iw, kh, kw, sh, sw, oh, ow, false);
}

// @ts-ignore: decorator
@inline function maxpool(y: usize, x: usize, planes: i32, ih: i32, iw: i32, kh: i32, kw: i32, sh: i32, sw: i32, oh: i32, ow: i32, simd: bool): void {
  let d = y;
  for (let p = 0; p < planes; p++) {
    const plane = x + (<usize>(p * ih * iw) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const top = plane + (<usize>(oy * sh * iw) << 2);
      let ox = 0;
      if (ASC_FEATURE_SIMD && simd && kw == 2 && sw == 2) {
        for (; ox + 4 <= ow; ox += 4) {
          let best = f32x4.splat(0);
          for (let ky = 0; ky < kh; ky++) {
            const s = top + (<usize>(ky * iw + ox * 2) << 2);
            const v0 = v128.load(s);
            const v1 = v128.load(s + 16);
            const even = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
            const odd = v128.shuffle<f32>(v0, v1, 1, 3, 5, 7);
            best = ky == 0 ? even : v128.bitselect(even, best, f32x4.gt(even, best));
            best = v128.bitselect(odd, best, f32x4.gt(odd, best));
          }
          v128.store(d, best);
          d += 16;
        }
      }
      for (; ox < ow; ox++) {
        const corner = top + (<usize>(ox * sw) << 2);
        let best = load<f32>(corner);
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = ky == 0 ? 1 : 0; kx < kw; kx++) {
            const v = load<f32>(corner + (<usize>(ky * iw + kx) << 2));
            if (v > best) best = v;
          }
        }
        store<f32>(d, best);
        d += 4;
      }
    }
  }
}
