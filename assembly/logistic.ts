// The logistic loss and its derivative, per sample.
//   ℓ(z) = log(1 + e^{−z}),  ℓ'(z) = −1/(1 + e^{z}), both evaluated stably for any |z| in f64.
import { aligned4 } from "./contract";

// ℓ(z) = log(1 + e^{−z}) = max(−z, 0) + log1p(e^{−|z|}).
// @ts-ignore: decorator
@inline export function logistic_loss(z: f64): f64 {
  return max<f64>(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

// ℓ'(z) = −1/(1 + e^{z}), written so that e^{·} never overflows.
// @ts-ignore: decorator
@inline export function logistic_deriv(z: f64): f64 {
  if (z >= 0) {
    const e = Math.exp(-z);
    return -e / (1 + e);
  }
  return -1 / (1 + Math.exp(z));
}

// For each sample: margin z_i = y_i·f_i, loss ℓ(z_i) (written to loss[i] when loss ≠ 0, f32),
// and c[i] = ℓ'(z_i)·y_i/n (f32), the factor relu_backward needs. y holds ±1 as f32.
// Returns the mean loss (1/n) Σ ℓ(z_i), summed in f64 in order.
export function logistic_loss_grad(f: usize, y: usize, loss: usize, c: usize, n: i32): f64 {
  assert(n > 0, "logistic_loss_grad: no samples");
  assert(aligned4(f) && aligned4(y) && aligned4(loss) && aligned4(c), "logistic_loss_grad: unaligned buffer");
  let sum: f64 = 0;
  const invN: f64 = 1.0 / <f64>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const yi = <f64>load<f32>(y + o);
    const zi = yi * <f64>load<f32>(f + o);
    const li = logistic_loss(zi);
    sum += li;
    if (loss != 0) store<f32>(loss + o, <f32>li);
    store<f32>(c + o, <f32>(logistic_deriv(zi) * yi * invN));
  }
  return sum * invN;
}

// Rows of logistic_loss_grad, for a team of threads: for `rows` samples, terms[i] = ℓ(z_i) (f64)
// and c[i] = ℓ'(z_i)·y_i·invN (f32), with invN = 1/n of the whole set, computed exactly as
// logistic_loss_grad computes them. Returns whether every term is finite (the risk is finite then:
// a sum of finite non-negative f64 terms of f32 margins cannot overflow).
export function logistic_terms(f: usize, y: usize, terms: usize, c: usize, rows: i32, invN: f64): bool {
  assert(rows >= 0 && invN > 0, "logistic_terms: bad size");
  assert((terms & 7) == 0 && aligned4(f) && aligned4(y) && aligned4(c), "logistic_terms: unaligned buffer");
  let finite = true;
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 2;
    const yi = <f64>load<f32>(y + o);
    const zi = yi * <f64>load<f32>(f + o);
    const li = logistic_loss(zi);
    store<f64>(terms + (<usize>i << 3), li);
    if (!isFinite(li)) finite = false;
    store<f32>(c + o, <f32>(logistic_deriv(zi) * yi * invN));
  }
  return finite;
}

// Elementwise ℓ and ℓ' of z (len f32 values), in f64 and rounded once to f32 on the way out.
// Either output pointer may be 0 to skip it.
export function logistic_eval(z: usize, loss: usize, deriv: usize, len: i32): void {
  assert(len >= 0 && aligned4(z) && aligned4(loss) && aligned4(deriv), "logistic_eval: bad length or unaligned buffer");
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    const zi = <f64>load<f32>(z + o);
    if (loss != 0) store<f32>(loss + o, <f32>logistic_loss(zi));
    if (deriv != 0) store<f32>(deriv + o, <f32>logistic_deriv(zi));
  }
}
