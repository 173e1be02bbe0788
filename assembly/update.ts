// Gradient-descent update W ← W − α·G, elementwise over len f32 values.
//   Wt and G are (d, m) row-major (the packed layout), len = d·m.
// One f32 multiply and one f32 subtract per element in both builds: same bits.
import { aligned4 } from "./contract";

export function sgd_update(w: usize, g: usize, len: i32, alpha: f32): void {
  assert(len >= 0 && aligned4(w) && aligned4(g), "sgd_update: bad length or unaligned buffer");
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const a = f32x4.splat(alpha);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(a, v128.load(g + o))));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, load<f32>(w + o) - alpha * load<f32>(g + o));
  }
}
