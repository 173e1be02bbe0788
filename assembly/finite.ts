// Whether every one of len f32 values at p is finite (no NaN, no ±∞): 1 or 0.
// v − v is 0 for a finite v and NaN for NaN or ±∞; the sum of those stays 0 only when every value
// is finite. Both builds answer the same (the answer is exact, not a rounded sum).
import { aligned4 } from "./contract";

export function all_finite(p: usize, len: i32): i32 {
  assert(len >= 0 && aligned4(p), "all_finite: bad length or unaligned buffer");
  let i = 0;
  let bad: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      acc = f32x4.add(acc, f32x4.sub(v, v));
    }
    bad = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < len; i++) {
    const v = load<f32>(p + (<usize>i << 2));
    bad += v - v;
  }
  return bad == 0 ? 1 : 0;
}
