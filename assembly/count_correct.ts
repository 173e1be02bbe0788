// Number of samples with y_i·f_i > 0 (a zero margin counts as wrong).
import { aligned4 } from "./contract";

export function count_correct(f: usize, y: usize, n: i32): i32 {
  assert(n >= 0 && aligned4(f) && aligned4(y), "count_correct: bad length or unaligned buffer");
  let count = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(y + o) * load<f32>(f + o) > 0) count++;
  }
  return count;
}
