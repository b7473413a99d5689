// f32-wgrad, scalar variant (see f32-wgrad.ts): one output element at a time, rows summed in
// ascending order from zero, then added to C. The reference of the SIMD variant and the kernel
// of the scalar build.

export function f32_wgrad_acc__scalar(c: usize, a: usize, b: usize, n: i32, k: i32, r: i32, lda: i32, ldb: i32, nr: i32): void {
  const astride = <usize>lda << 2;
  const bstride = <usize>ldb << 2;
  for (let nn = 0; nn < n; nn++) {
    const j = nn % nr;
    const crow = c + (<usize>((nn - j) * k + j) << 2);
    for (let kk = 0; kk < k; kk++) {
      let s: f32 = 0;
      let ap = a + (<usize>nn << 2);
      let bp = b + (<usize>kk << 2);
      for (let rr = 0; rr < r; rr++) {
        s += load<f32>(ap) * load<f32>(bp);
        ap += astride;
        bp += bstride;
      }
      const cp = crow + (<usize>(kk * nr) << 2);
      store<f32>(cp, load<f32>(cp) + s);
    }
  }
}
