// The ReLU subgradient mask φ'(t) = 1 (t > 0), p (t = 0), 0 (t < 0), where p = φ'(0) ∈ [0, 1] is a
// parameter (φ(t) = max(0, t)), elementwise over f32 buffers; masks/maskv are the scalar and f32x4
// forms relu_backward uses too.
import { aligned4 } from "./contract";

// out[i] = φ'(z[i]) with φ'(0) = dphi0, for i < len. out may alias z.
export function relu_mask(z: usize, out: usize, len: i32, dphi0: f32): void {
  assert(len >= 0 && dphi0 >= 0 && dphi0 <= 1, "relu_mask: bad length or phi'(0)");
  assert(aligned4(z) && aligned4(out), "relu_mask: unaligned buffer");
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

// @ts-ignore: decorator
@inline export function masks(t: f32, p: f32): f32 {
  return t > 0 ? <f32>1 : (t == 0 ? p : <f32>0);
}

// @ts-ignore: decorator
@inline export function maskv(t: v128, zero: v128, one: v128, p: v128): v128 {
  // lanes with t > 0 take 1, lanes with t == 0 take p, the rest (t < 0, NaN) take 0
  const pos = f32x4.gt(t, zero);
  const eq = f32x4.eq(t, zero);
  return v128.or(v128.and(pos, one), v128.and(eq, p));
}
