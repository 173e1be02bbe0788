// ReLU φ(t) = max(0, t) and its subgradient mask φ'(t) = 1 (t > 0), p (t = 0), 0 (t < 0),
// where p = φ'(0) ∈ [0, 1] is a parameter. All buffers f32, elementwise or (n, m) row-major.

// out[i] = φ(z[i]) for i < len. out may alias z.
export function relu(z: usize, out: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.max(v128.load(z + o), zero));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, max<f32>(load<f32>(z + o), 0));
  }
}

// out[i] = φ'(z[i]) with φ'(0) = dphi0, for i < len. out may alias z.
export function relu_mask(z: usize, out: usize, len: i32, dphi0: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), one = f32x4.splat(1), p = f32x4.splat(dphi0);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, maskv(v128.load(z + o), zero, one, p));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, masks(load<f32>(z + o), dphi0));
  }
}

// Backward through the ReLU layer, in place over Z (n, m):
//   Z[i][j] ← (c[i]·a[j]) · φ'(Z[i][j]),
// where c (n) is the per-sample factor ℓ'(y_i f_i)·y_i/n and a (m) the second layer.
// The result is D of grad_xtd. Same bits in both builds.
export function relu_backward(z: usize, c: usize, a: usize, n: i32, m: i32, dphi0: f32): void {
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

// @ts-ignore: decorator
@inline function masks(t: f32, p: f32): f32 {
  return t > 0 ? <f32>1 : (t == 0 ? p : <f32>0);
}

// @ts-ignore: decorator
@inline function maskv(t: v128, zero: v128, one: v128, p: v128): v128 {
  // lanes with t > 0 take 1, lanes with t == 0 take p, the rest (t < 0, NaN) take 0
  const pos = f32x4.gt(t, zero);
  const eq = f32x4.eq(t, zero);
  return v128.or(v128.and(pos, one), v128.and(eq, p));
}
