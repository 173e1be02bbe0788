// Σ terms[i] over i < len, in order, in f64: the risk's sum as logistic_loss_grad adds it.
export function sum_f64(terms: usize, len: i32): f64 {
  assert(len >= 0 && (terms & 7) == 0, "sum_f64: bad length or unaligned buffer");
  let sum: f64 = 0;
  for (let i = 0; i < len; i++) sum += load<f64>(terms + (<usize>i << 3));
  return sum;
}
