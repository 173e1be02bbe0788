// Gradient product G = scale · Xᵀ · D.
//   X is (n, d) row-major f32 (the training inputs).
//   D is (n, m) row-major f32: D[i][j] = ℓ'(y_i f_i)·y_i/n · a_j · φ'(Z[i][j])  (relu_backward).
//   G out is (d, m) row-major f32, the same packed layout as Wt, so G[k][j] = ∂L̂/∂W[j][k].
// Every G[k][j] is scale · (Σ_i X[i][k]·D[i][j]) with the sum over i = 0..n-1 in order, one f32
// multiply and one f32 add per term, in both builds: the SIMD and scalar builds give the same bits.
// SIMD build: 4×8 register tile over (k, j) streaming over i, then 4×4, scalar tails.

export function grad_xtd(x: usize, dm: usize, g: usize, n: i32, d: i32, m: i32, scale: f32): void {
  grad_xtd_rows(x, dm, g, n, d, 0, d, m, scale);
}

// Rows k0 ≤ k < k1 of G only (X still has d columns). Each G[k][j] is computed whole, by the same
// sum as grad_xtd computes it, so splitting G into row blocks gives the same bits as one call:
// the trainer uses this to cut one long step into short pieces it can interrupt.
export function grad_xtd_rows(x: usize, dm: usize, g: usize, n: i32, d: i32, k0: i32, k1: i32, m: i32, scale: f32): void {
  const strideX = (<usize>d) << 2;
  const strideM = (<usize>m) << 2;
  let k = k0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 4 <= k1; k += 4) cols4(x + (<usize>k << 2), dm, g + <usize>k * strideM, n, d, m, scale);
  }
  for (; k < k1; k++) col1(x + (<usize>k << 2), strideX, dm, g + <usize>k * strideM, n, m, scale);
}

// One row k of G from column k of X (xk points at X[0][k], rows strideX bytes apart).
function col1(xk: usize, strideX: usize, dm: usize, gr: usize, n: i32, m: i32, scale: f32): void {
  const strideM = (<usize>m) << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= m; j += 4) {
      let acc = f32x4.splat(0);
      let xp = xk;
      let dp = dm + (<usize>j << 2);
      for (let i = 0; i < n; i++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(xp)), v128.load(dp)));
        xp += strideX; dp += strideM;
      }
      v128.store(gr + (<usize>j << 2), f32x4.mul(acc, f32x4.splat(scale)));
    }
    for (; j < m; j++) {
      let acc: f32 = 0;
      let xp = xk;
      let dp = dm + (<usize>j << 2);
      for (let i = 0; i < n; i++) {
        acc += load<f32>(xp) * load<f32>(dp);
        xp += strideX; dp += strideM;
      }
      store<f32>(gr + (<usize>j << 2), acc * scale);
    }
    return;
  }
  // Scalar build: i outer, j inner, so each row of D streams and the row of G stays in cache.
  memory.fill(gr, 0, strideM);
  let xp = xk;
  let dp = dm;
  for (let i = 0; i < n; i++) {
    const xv = load<f32>(xp);
    for (let jj = 0; jj < m; jj++) {
      const o = <usize>jj << 2;
      store<f32>(gr + o, load<f32>(gr + o) + xv * load<f32>(dp + o));
    }
    xp += strideX; dp += strideM;
  }
  for (let jj = 0; jj < m; jj++) {
    const o = <usize>jj << 2;
    store<f32>(gr + o, load<f32>(gr + o) * scale);
  }
}

// Four rows k..k+3 of G (SIMD build only); xk points at X[0][k].
function cols4(xk: usize, dm: usize, g0: usize, n: i32, d: i32, m: i32, scale: f32): void {
  const strideX = (<usize>d) << 2;
  const strideM = (<usize>m) << 2;
  const g1 = g0 + strideM, g2 = g1 + strideM, g3 = g2 + strideM;
  const sc = f32x4.splat(scale);
  let j = 0;
  for (; j + 8 <= m; j += 8) {
    let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
    let a1 = f32x4.splat(0), b1 = f32x4.splat(0);
    let a2 = f32x4.splat(0), b2 = f32x4.splat(0);
    let a3 = f32x4.splat(0), b3 = f32x4.splat(0);
    let xp = xk;
    let dp = dm + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const da = v128.load(dp);
      const db = v128.load(dp, 16);
      const s0 = f32x4.splat(load<f32>(xp));
      const s1 = f32x4.splat(load<f32>(xp, 4));
      const s2 = f32x4.splat(load<f32>(xp, 8));
      const s3 = f32x4.splat(load<f32>(xp, 12));
      a0 = f32x4.add(a0, f32x4.mul(s0, da)); b0 = f32x4.add(b0, f32x4.mul(s0, db));
      a1 = f32x4.add(a1, f32x4.mul(s1, da)); b1 = f32x4.add(b1, f32x4.mul(s1, db));
      a2 = f32x4.add(a2, f32x4.mul(s2, da)); b2 = f32x4.add(b2, f32x4.mul(s2, db));
      a3 = f32x4.add(a3, f32x4.mul(s3, da)); b3 = f32x4.add(b3, f32x4.mul(s3, db));
      xp += strideX; dp += strideM;
    }
    const o = <usize>j << 2;
    v128.store(g0 + o, f32x4.mul(a0, sc)); v128.store(g0 + o, f32x4.mul(b0, sc), 16);
    v128.store(g1 + o, f32x4.mul(a1, sc)); v128.store(g1 + o, f32x4.mul(b1, sc), 16);
    v128.store(g2 + o, f32x4.mul(a2, sc)); v128.store(g2 + o, f32x4.mul(b2, sc), 16);
    v128.store(g3 + o, f32x4.mul(a3, sc)); v128.store(g3 + o, f32x4.mul(b3, sc), 16);
  }
  for (; j + 4 <= m; j += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let xp = xk;
    let dp = dm + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const da = v128.load(dp);
      a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(xp)), da));
      a1 = f32x4.add(a1, f32x4.mul(f32x4.splat(load<f32>(xp, 4)), da));
      a2 = f32x4.add(a2, f32x4.mul(f32x4.splat(load<f32>(xp, 8)), da));
      a3 = f32x4.add(a3, f32x4.mul(f32x4.splat(load<f32>(xp, 12)), da));
      xp += strideX; dp += strideM;
    }
    const o = <usize>j << 2;
    v128.store(g0 + o, f32x4.mul(a0, sc)); v128.store(g1 + o, f32x4.mul(a1, sc));
    v128.store(g2 + o, f32x4.mul(a2, sc)); v128.store(g3 + o, f32x4.mul(a3, sc));
  }
  for (; j < m; j++) {
    let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
    let xp = xk;
    let dp = dm + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const dv = load<f32>(dp);
      a0 += load<f32>(xp) * dv; a1 += load<f32>(xp, 4) * dv;
      a2 += load<f32>(xp, 8) * dv; a3 += load<f32>(xp, 12) * dv;
      xp += strideX; dp += strideM;
    }
    const o = <usize>j << 2;
    store<f32>(g0 + o, a0 * scale); store<f32>(g1 + o, a1 * scale);
    store<f32>(g2 + o, a2 * scale); store<f32>(g3 + o, a3 * scale);
  }
}
