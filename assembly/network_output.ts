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
  for (let i = 0; i < n; i++) {
    const zr = z + <usize>i * strideM;
    let total: f32;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      const zero = f32x4.splat(0);
      for (let j = 0; j < m4; j += 4) {
        const o = <usize>j << 2;
        acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), f32x4.max(v128.load(zr + o), zero)));
      }
      total = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
              (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
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
    let tail: f32 = 0;
    for (let j = m4; j < m; j++) {
      const o = <usize>j << 2;
      tail += load<f32>(a + o) * max<f32>(load<f32>(zr + o), 0);
    }
    store<f32>(f + (<usize>i << 2), total + tail);
  }
}
