import { masks, maskv } from "./relu_mask";
import { aligned4 } from "./contract";

// Backward through the ReLU layer, in place over Z (n, m):
//   Z[i][j] ← (c[i]·a[j]) · φ'(Z[i][j]),
// where c (n) is the per-sample factor ℓ'(y_i f_i)·y_i/n and a (m) the second layer.
// The result is D of grad_xtd. Same bits in both builds.
export function relu_backward(z: usize, c: usize, a: usize, n: i32, m: i32, dphi0: f32): void {
  assert(n >= 0 && m >= 0 && dphi0 >= 0 && dphi0 <= 1, "relu_backward: bad size or phi'(0)");
  assert(aligned4(z) && aligned4(c) && aligned4(a), "relu_backward: unaligned buffer");
  const strideM = (<usize>m) << 2;
  for (let i = 0; i < n; i++) {
    const zr = z + <usize>i * strideM;
    const ci = load<f32>(c + (<usize>i << 2));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0), one = f32x4.splat(1), p = f32x4.splat(dphi0);
      const cv = f32x4.splat(ci);
      for (; j + 4 <= m; j += 4) {
        const o = <usize>j << 2;
        const ca = f32x4.mul(cv, v128.load(a + o));
        v128.store(zr + o, f32x4.mul(ca, maskv(v128.load(zr + o), zero, one, p)));
      }
    }
    for (; j < m; j++) {
      const o = <usize>j << 2;
      store<f32>(zr + o, (ci * load<f32>(a + o)) * masks(load<f32>(zr + o), dphi0));
    }
  }
}
