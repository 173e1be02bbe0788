// A probe of this machine's f32 multiply-add ceiling, for the benchmark table: 8 independent
// accumulator chains (enough to hide add latency), each doing one multiply and one add per
// iteration on register operands only. SIMD build: f32x4 lanes, 64 flops per iteration;
// scalar build: 16 flops per iteration. Returns a value that depends on every chain so the work
// cannot be optimized away.
export function probe_ceiling(iters: i32, seed: f32): f32 {
  if (ASC_FEATURE_SIMD) {
    const m = f32x4.splat(0.999999);
    let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
    let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
    const b = f32x4.splat(1e-7);
    for (let i = 0; i < iters; i++) {
      a0 = f32x4.add(f32x4.mul(a0, m), b); a1 = f32x4.add(f32x4.mul(a1, m), b);
      a2 = f32x4.add(f32x4.mul(a2, m), b); a3 = f32x4.add(f32x4.mul(a3, m), b);
      a4 = f32x4.add(f32x4.mul(a4, m), b); a5 = f32x4.add(f32x4.mul(a5, m), b);
      a6 = f32x4.add(f32x4.mul(a6, m), b); a7 = f32x4.add(f32x4.mul(a7, m), b);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
    return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
  }
  let s0 = seed, s1 = seed + 1, s2 = seed + 2, s3 = seed + 3, s4 = seed + 4, s5 = seed + 5, s6 = seed + 6, s7 = seed + 7;
  const m: f32 = 0.999999, b: f32 = 1e-7;
  for (let i = 0; i < iters; i++) {
    s0 = s0 * m + b; s1 = s1 * m + b; s2 = s2 * m + b; s3 = s3 * m + b;
    s4 = s4 * m + b; s5 = s5 * m + b; s6 = s6 * m + b; s7 = s7 * m + b;
  }
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

/** Flops one iteration of probe_ceiling performs in this build. */
export function probe_flops_per_iter(): i32 {
  return ASC_FEATURE_SIMD ? 64 : 16;
}
