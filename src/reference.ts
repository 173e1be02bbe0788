// Float64 references: plain loops, one per kernel, with the natural layouts
// (X (n, d), W (m, d), Z (n, m), all row-major). The 'js' backend is built from these and every
// WASM kernel is tested against them.
type Arr = ArrayLike<number>;

/** Z = X·Wᵀ: (n, d) by (m, d) → (n, m). */
export function gemmXwtRef(x: Arr, w: Arr, n: number, d: number, m: number, z = new Float64Array(n * m)): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k]! * w[j * d + k]!;
      z[i * m + j] = s;
    }
  }
  return z;
}

export const reluRef = (t: number): number => (t > 0 ? t : 0);
export const reluMaskRef = (t: number, dphi0: number): number => (t > 0 ? 1 : t === 0 ? dphi0 : 0);

/** f = φ(Z)·a. */
export function networkOutputRef(z: Arr, a: Arr, n: number, m: number, f = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[j]! * reluRef(z[i * m + j]!);
    f[i] = s;
  }
  return f;
}

/** ℓ(z) = log(1 + e^{−z}), stable for any z. */
export function logisticLossRef(z: number): number {
  return Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** ℓ'(z) = −1/(1 + e^{z}), stable for any z. */
export function logisticDerivRef(z: number): number {
  if (z >= 0) {
    const e = Math.exp(-z);
    return -e / (1 + e);
  }
  return -1 / (1 + Math.exp(z));
}

/** Mean loss and c_i = ℓ'(y_i f_i)·y_i/n. */
export function logisticLossGradRef(f: Arr, y: Arr, n: number, c = new Float64Array(n)): { loss: number; c: Float64Array } {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const zi = y[i]! * f[i]!;
    sum += logisticLossRef(zi);
    c[i] = (logisticDerivRef(zi) * y[i]!) / n;
  }
  return { loss: sum / n, c };
}

/** D[i][j] = c_i · a_j · φ'(Z[i][j]). */
export function reluBackwardRef(z: Arr, c: Arr, a: Arr, n: number, m: number, dphi0: number, out = new Float64Array(n * m)): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) out[i * m + j] = c[i]! * a[j]! * reluMaskRef(z[i * m + j]!, dphi0);
  }
  return out;
}

/**
 * G = Dᵀ·X: (n, m) and (n, d) → (m, d), the gradient in W's natural layout. With j0, j1 only rows
 * j0 ≤ j < j1 of G are computed, each by the same sum, so row blocks give the bits of one call.
 */
export function gradRef(dm: Arr, x: Arr, n: number, d: number, m: number, g = new Float64Array(m * d), j0 = 0, j1 = m): Float64Array {
  g.fill(0, j0 * d, j1 * d);
  for (let i = 0; i < n; i++) {
    for (let j = j0; j < j1; j++) {
      const v = dm[i * m + j]!;
      if (v === 0) continue;
      for (let k = 0; k < d; k++) g[j * d + k]! += v * x[i * d + k]!;
    }
  }
  return g;
}

/** Empirical risk L̂(W) = (1/n) Σ ℓ(y_i f(x_i; W)), all in f64. */
export function riskRef(x: Arr, y: Arr, w: Arr, a: Arr, n: number, d: number, m: number): number {
  const f = networkOutputRef(gemmXwtRef(x, w, n, d, m), a, n, m);
  return logisticLossGradRef(f, y, n).loss;
}

/** ∇_W L̂ (m, d) in f64 (with the given φ'(0)). */
export function riskGradRef(x: Arr, y: Arr, w: Arr, a: Arr, n: number, d: number, m: number, dphi0: number): Float64Array {
  const z = gemmXwtRef(x, w, n, d, m);
  const f = networkOutputRef(z, a, n, m);
  const { c } = logisticLossGradRef(f, y, n);
  return gradRef(reluBackwardRef(z, c, a, n, m, dphi0), x, n, d, m);
}
