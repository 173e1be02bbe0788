// Network output, logistic loss and its derivative.
//   f = φ(Z)·a : Z is (n, m) row-major f32, a is (m) f32, f out is (n) f32.
//   ℓ(z) = log(1 + e^{−z}),  ℓ'(z) = −1/(1 + e^{z}), both evaluated stably for any |z| in f64.

// f[i] = Σ_j a[j]·max(0, Z[i][j]).
// The sum runs in four interleaved partial sums (j mod 4, for j below the last multiple of 4),
// combined as (s0 + s1) + (s2 + s3), plus the tail j ≥ 4⌊m/4⌋ summed in order. The scalar build
// follows the same order, so both builds give the same bits.
export function network_output(z: usize, a: usize, f: usize, n: i32, m: i32): void {
  const strideM = (<usize>m) << 2;
  const m4 = m & ~3;
  for (let i = 0; i < n; i++) {
    const zr = z + <usize>i * strideM;
    let total: f32;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      const zero = f32x4.splat(0);
      for (let j = 0; j < m4; j += 4) {
        const o = <usize>j << 2;
        acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), f32x4.max(v128.load(zr + o), zero)));
      }
      total = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
              (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    } else {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      for (let j = 0; j < m4; j += 4) {
        const o = <usize>j << 2;
        s0 += load<f32>(a + o) * max<f32>(load<f32>(zr + o), 0);
        s1 += load<f32>(a + o, 4) * max<f32>(load<f32>(zr + o, 4), 0);
        s2 += load<f32>(a + o, 8) * max<f32>(load<f32>(zr + o, 8), 0);
        s3 += load<f32>(a + o, 12) * max<f32>(load<f32>(zr + o, 12), 0);
      }
      total = (s0 + s1) + (s2 + s3);
    }
    let tail: f32 = 0;
    for (let j = m4; j < m; j++) {
      const o = <usize>j << 2;
      tail += load<f32>(a + o) * max<f32>(load<f32>(zr + o), 0);
    }
    store<f32>(f + (<usize>i << 2), total + tail);
  }
}

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

// Σ terms[i] over i < len, in order, in f64: the risk's sum as logistic_loss_grad adds it.
export function sum_f64(terms: usize, len: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < len; i++) sum += load<f64>(terms + (<usize>i << 3));
  return sum;
}

// Elementwise ℓ and ℓ' of z (len f32 values), in f64 and rounded once to f32 on the way out.
// Either output pointer may be 0 to skip it.
export function logistic_eval(z: usize, loss: usize, deriv: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    const zi = <f64>load<f32>(z + o);
    if (loss != 0) store<f32>(loss + o, <f32>logistic_loss(zi));
    if (deriv != 0) store<f32>(deriv + o, <f32>logistic_deriv(zi));
  }
}

// Number of samples with y_i·f_i > 0 (a zero margin counts as wrong).
export function count_correct(f: usize, y: usize, n: i32): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(y + o) * load<f32>(f + o) > 0) count++;
  }
  return count;
}
