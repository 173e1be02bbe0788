// Elementwise dst ← dst + src over len f32 values (both (rows, m) row-major, or any flat layout).
// One f32 add per element in both builds: the same bits.
import { aligned4 } from "./contract";

export function add_f32(dst: usize, src: usize, len: i32): void {
  assert(len >= 0 && aligned4(dst) && aligned4(src), "add_f32: bad length or unaligned buffer");
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
