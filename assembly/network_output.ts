// The network's output from the hidden pre-activations: f = φ(Z)·a.
//   Z is (n, m) row-major f32, a is (m) f32, f out is (n) f32.
// f[i] = Σ_j a[j]·max(0, Z[i][j]).
// The sum runs in four interleaved partial sums (j mod 4, for j below the last multiple of 4),
// combined as (s0 + s1) + (s2 + s3), plus the tail j ≥ 4⌊m/4⌋ summed in order. The scalar build
// follows the same order, so both builds give the same bits.
import { aligned4, disjoint } from "./contract";

export function network_output(z: usize, a: usize, f: usize, n: i32, m: i32): void {
  assert(n >= 0 && m >= 0, "network_output: negative size");
  assert(aligned4(z) && aligned4(a) && aligned4(f), "network_output: unaligned buffer");
  assert(disjoint(f, <usize>n << 2, z, <usize>n * m << 2), "network_output: f overlaps Z");
  const strideM = (<usize>m) << 2;
  const m4 = m & ~3;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // four rows at a time: four independent accumulator chains instead of one (each row's sum is
    // the same chain as below, so the bits do not change)
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const z0 = z + <usize>i * strideM, z1 = z0 + strideM, z2 = z1 + strideM, z3 = z2 + strideM;
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      for (let j = 0; j < m4; j += 4) {
        const o = <usize>j << 2;
        const av = v128.load(a + o);
        c0 = f32x4.add(c0, f32x4.mul(av, f32x4.max(v128.load(z0 + o), zero)));
        c1 = f32x4.add(c1, f32x4.mul(av, f32x4.max(v128.load(z1 + o), zero)));
        c2 = f32x4.add(c2, f32x4.mul(av, f32x4.max(v128.load(z2 + o), zero)));
        c3 = f32x4.add(c3, f32x4.mul(av, f32x4.max(v128.load(z3 + o), zero)));
      }
      const fo = f + (<usize>i << 2);
      store<f32>(fo, lanes(c0) + tail(z0, a, m4, m));
      store<f32>(fo, lanes(c1) + tail(z1, a, m4, m), 4);
      store<f32>(fo, lanes(c2) + tail(z2, a, m4, m), 8);
      store<f32>(fo, lanes(c3) + tail(z3, a, m4, m), 12);
    }
  }
  for (; i < n; i++) {
    const zr = z + <usize>i * strideM;
    let total: f32;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      const zero = f32x4.splat(0);
      for (let j = 0; j < m4; j += 4) {
        const o = <usize>j << 2;
        acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), f32x4.max(v128.load(zr + o), zero)));
      }
      total = lanes(acc);
    } else {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      for (let j = 0; j < m4; j += 4) {
        const o = <usize>j << 2;
        s0 += load<f32>(a + o) * max<f32>(load<f32>(zr + o), 0);
        s1 += load<f32>(a + o, 4) * max<f32>(load<f32>(zr + o, 4), 0);
        s2 += load<f32>(a + o, 8) * max<f32>(load<f32>(zr + o, 8), 0);
        s3 += load<f32>(a + o, 12) * max<f32>(load<f32>(zr + o, 12), 0);
      }
      total = (s0 + s1) + (s2 + s3);
    }
    store<f32>(f + (<usize>i << 2), total + tail(zr, a, m4, m));
  }
}

// The four partial sums combined as (s0 + s1) + (s2 + s3).
// @ts-ignore: decorator
@inline function lanes(acc: v128): f32 {
  return (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
}

// The tail j ≥ 4⌊m/4⌋ of one row, summed in order.
// @ts-ignore: decorator
@inline function tail(zr: usize, a: usize, m4: i32, m: i32): f32 {
  let t: f32 = 0;
  for (let j = m4; j < m; j++) {
    const o = <usize>j << 2;
    t += load<f32>(a + o) * max<f32>(load<f32>(zr + o), 0);
  }
  return t;
}
