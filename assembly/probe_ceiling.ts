// A probe of this machine's f32 multiply/add throughput ceiling, for the benchmark table.
// Six independent multiply chains and six independent add chains, register operands only: with
// 12 chains in flight the loop is bound by the floating-point ports, not by latency, and no chain
// feeds another (a single a = a·m + b chain would measure mul+add latency instead).
// SIMD build: f32x4 lanes, 48 flops per iteration; scalar build: 12 flops per iteration.
// Returns a value that depends on every chain so the work cannot be optimized away.
export function probe_ceiling(iters: i32, seed: f32): f32 {
  if (ASC_FEATURE_SIMD) {
    const m = f32x4.splat(0.99999994), b = f32x4.splat(1e-7);
    let p0 = f32x4.splat(seed + 1), p1 = f32x4.splat(seed + 2), p2 = f32x4.splat(seed + 3);
    let p3 = f32x4.splat(seed + 4), p4 = f32x4.splat(seed + 5), p5 = f32x4.splat(seed + 6);
    let s0 = f32x4.splat(seed), s1 = f32x4.splat(seed - 1), s2 = f32x4.splat(seed - 2);
    let s3 = f32x4.splat(seed - 3), s4 = f32x4.splat(seed - 4), s5 = f32x4.splat(seed - 5);
    for (let i = 0; i < iters; i++) {
      p0 = f32x4.mul(p0, m); s0 = f32x4.add(s0, b);
      p1 = f32x4.mul(p1, m); s1 = f32x4.add(s1, b);
      p2 = f32x4.mul(p2, m); s2 = f32x4.add(s2, b);
      p3 = f32x4.mul(p3, m); s3 = f32x4.add(s3, b);
      p4 = f32x4.mul(p4, m); s4 = f32x4.add(s4, b);
      p5 = f32x4.mul(p5, m); s5 = f32x4.add(s5, b);
    }
    const p = f32x4.add(f32x4.add(f32x4.add(p0, p1), f32x4.add(p2, p3)), f32x4.add(p4, p5));
    const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(s4, s5));
    const t = f32x4.add(p, s);
    return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
  }
  const m: f32 = 0.99999994, b: f32 = 1e-7;
  let p0 = seed + 1, p1 = seed + 2, p2 = seed + 3, p3 = seed + 4, p4 = seed + 5, p5 = seed + 6;
  let s0 = seed, s1 = seed - 1, s2 = seed - 2, s3 = seed - 3, s4 = seed - 4, s5 = seed - 5;
  for (let i = 0; i < iters; i++) {
    p0 *= m; s0 += b; p1 *= m; s1 += b; p2 *= m; s2 += b;
    p3 *= m; s3 += b; p4 *= m; s4 += b; p5 *= m; s5 += b;
  }
  return ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (s0 + s1)) + ((s2 + s3) + (s4 + s5));
}

/** Flops one iteration of probe_ceiling performs in this build. */
export function probe_flops_per_iter(): i32 {
  return ASC_FEATURE_SIMD ? 48 : 12;
}
