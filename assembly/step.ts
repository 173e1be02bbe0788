// K whole full-batch gradient-descent steps without returning to JavaScript.
//   X (n, d), y (n, ±1 as f32), Wt (d, m) packed weights, updated in place, a (m).
//   Scratch: Z (n, m), f (n), c (n), G (d, m). No allocation.
//   loss (f64, steps entries): loss[s] = L̂(W(t0 + s)), the risk before update s.
//   acc (f32, steps entries, or 0 to skip): training accuracy on the observed labels at W(t0 + s).
// Returns the number of updates applied. When the risk of the current weights is not finite it
// stops before updating and returns that step's index s < steps: loss[s] holds the bad value and
// Wt holds W(t0 + s), the weights that produced it.
import { gemm_xwt } from "./gemm_xwt";
import { network_output } from "./network_output";
import { logistic_loss_grad } from "./logistic";
import { count_correct } from "./count_correct";
import { relu_backward } from "./relu_backward";
import { grad_xtd } from "./grad_xtd";
import { sgd_update } from "./update";

export function gd_steps(
  x: usize, y: usize, wt: usize, a: usize,
  z: usize, f: usize, c: usize, g: usize,
  n: i32, d: i32, m: i32, alpha: f32, dphi0: f32,
  steps: i32, loss: usize, acc: usize,
): i32 {
  assert(n > 0 && d >= 0 && m > 0 && steps >= 0 && loss != 0 && (loss & 7) == 0, "gd_steps: bad sizes or loss buffer");
  for (let s = 0; s < steps; s++) {
    gemm_xwt(x, wt, z, n, d, m);
    network_output(z, a, f, n, m);
    const risk = logistic_loss_grad(f, y, 0, c, n);
    store<f64>(loss + (<usize>s << 3), risk);
    if (acc != 0) store<f32>(acc + (<usize>s << 2), <f32>count_correct(f, y, n) / <f32>n);
    if (!isFinite(risk)) return s;
    relu_backward(z, c, a, n, m, dphi0);
    grad_xtd(x, z, g, n, d, m, 1);
    sgd_update(wt, g, d * m, alpha);
  }
  return steps;
}
