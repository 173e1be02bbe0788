// The forward pass and the loss of one GD step, for rows i0 ≤ i < i0 + rows of the training set:
//   Z = X·Wᵀ (gemm_xwt; plus Z0 when z0 ≠ 0: the kernel-space step's Z = K·Cᵀ + Z0, with K for X and
//   Cᵀ for Wᵀ), f = φ(Z)·a (network_output), the loss terms and c = ℓ'(y·f)·y/n
//   (logistic_rows), and D over Z (relu_backward).
// When Wᵀ is one panel of gemm_xwt (d·m·4 bytes ≤ about 256 KiB: the low-dimensional shapes, where
// these elementwise passes cost as much as a good share of the products) the four run a block of
// about 32 KiB of Z at a time, so Z is read back from L1 instead of making three more trips to L2 or
// memory. Every value is computed by the same operations in the same order as the four kernels over
// all rows one after the other (the rows of Z are independent, and the loss terms are added in row
// order), so the bits do not change. When Wᵀ is larger, its panels are the blocking that matters, and
// the four run over all the rows in turn.
//   Returns `sum` plus the rows' loss terms in order (f64); terms[i] (f64) are written when terms ≠ 0.
import { gemm_xwt, panelRows } from "./gemm_xwt";
import { network_output } from "./network_output";
import { logistic_rows } from "./logistic";
import { relu_backward } from "./relu_backward";
import { add_f32 } from "./add";

/** Rows of Z per block: about 32 KiB, a multiple of 4 (gemm_xwt's row tile), at least 4. */
// @ts-ignore: decorator
@inline function blockRows(m: i32): i32 {
  return max<i32>(4, ((1 << 13) / max<i32>(m, 1)) & ~3);
}

export function forward_loss(
  x: usize, y: usize, wt: usize, a: usize, z: usize, f: usize, c: usize, terms: usize,
  i0: i32, rows: i32, d: i32, m: i32, invN: f64, dphi0: f32, sum: f64, z0: usize,
): f64 {
  const strideX = (<usize>d) << 2, strideM = (<usize>m) << 2;
  const block = d <= panelRows(m) ? blockRows(m) : max<i32>(rows, 1);
  for (let b = i0; b < i0 + rows; b += block) {
    const nb = min<i32>(block, i0 + rows - b);
    const zb = z + <usize>b * strideM;
    gemm_xwt(x + <usize>b * strideX, wt, zb, nb, d, m);
    if (z0 != 0) add_f32(zb, z0 + <usize>b * strideM, nb * m);
    network_output(zb, a, f + (<usize>b << 2), nb, m);
    sum = logistic_rows(f + (<usize>b << 2), y + (<usize>b << 2), terms == 0 ? 0 : terms + (<usize>b << 3), c + (<usize>b << 2), nb, invN, sum);
    relu_backward(zb, c + (<usize>b << 2), a, nb, m, dphi0);
  }
  return sum;
}
