// acc + a·b on f32x4 lanes, the step of every product's inner loop.
// The default builds: a multiply then an add, each rounded (two roundings), the same bits on every
// engine. The relaxed build (rfa-relaxed.wasm, opt-in): f32x4.relaxed_madd, which an engine may fuse
// into one rounding (an FMA) or not: faster where fused, and its bits depend on the engine.
// @ts-ignore: decorator
@inline export function madd4(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
