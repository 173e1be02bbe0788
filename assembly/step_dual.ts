// K whole GD steps in kernel space (the exact "dual" form of the same descent, for d > n).
// Every update adds a combination of the training inputs to each w_j, so W(t) = W(0) + C(t)·X with
// C (m, n); kept packed as Ct = Cᵀ (n, m), like Wt. With K = X·Xᵀ (n, n) and Z0 = X·W(0)ᵀ (n, m)
// computed once, a step is
//   Z = K·Ct + Z0            (n, m): the pre-activations X·W(t)ᵀ           2·n²·m flops
//   f, ℓ, c, D as gd_steps    D (n, m) overwrites Z
//   Ct ← Ct − α·D            since W(t+1) = W(t) − α·Dᵀ·X = W(0) + (C − α·Dᵀ)·X
// instead of 4·n·d·m flops: 20× fewer at (n, d, m) = (100, 2000, 400), 200× at (200, 40000, 400).
//   kmat (n, n), ct (n, m) updated in place, z0 (n, m), y (n), a (m); scratch z (n, m), f (n), c (n).
//   loss, acc: as gd_steps. Returns the number of updates applied, as gd_steps.
// Rounding differs from the primal step (a different order of the same arithmetic); the SIMD and
// scalar builds give the same bits as each other.
import { gemm_xwt } from "./gemm_xwt";
import { network_output } from "./network_output";
import { logistic_loss_grad } from "./logistic";
import { count_correct } from "./count_correct";
import { relu_backward } from "./relu_backward";
import { sgd_update } from "./update";
import { add_f32 } from "./add";

export function gd_steps_dual(
  kmat: usize, ct: usize, z0: usize, y: usize, a: usize,
  z: usize, f: usize, c: usize,
  n: i32, m: i32, alpha: f32, dphi0: f32,
  steps: i32, loss: usize, acc: usize,
): i32 {
  assert(n > 0 && m > 0 && steps >= 0 && loss != 0 && (loss & 7) == 0, "gd_steps_dual: bad sizes or loss buffer");
  for (let s = 0; s < steps; s++) {
    gemm_xwt(kmat, ct, z, n, n, m);
    add_f32(z, z0, n * m);
    network_output(z, a, f, n, m);
    const risk = logistic_loss_grad(f, y, 0, c, n);
    store<f64>(loss + (<usize>s << 3), risk);
    if (acc != 0) store<f32>(acc + (<usize>s << 2), <f32>count_correct(f, y, n) / <f32>n);
    if (!isFinite(risk)) return s;
    relu_backward(z, c, a, n, m, dphi0);
    sgd_update(ct, z, n * m, alpha);
  }
  return steps;
}
