// Forward product Z = X · Wᵀ.
//   X  is (n, d) row-major f32.
//   W  is stored packed, as XNNPACK packs GEMM weights: Wt = Wᵀ is (d, m) row-major,
//      Wt[k*m + j] = W[j][k], so the inner loop runs along m, contiguous in Wt and Z.
//   Z  out is (n, m) row-major f32.
// Every Z[i][j] is the sum over k = 0..d-1, in that order, of one f32 multiply and one f32 add
// (no fused multiply-add) in the SIMD and the scalar build alike: both builds give the same bits.
// SIMD build: 4×8 register tile (8 f32x4 accumulators), then 4×4, then a scalar column tail;
// leftover rows go one at a time. Never reads past the end of any operand.

export function gemm_xwt(x: usize, wt: usize, z: usize, n: i32, d: i32, m: i32): void {
  const strideX = (<usize>d) << 2;
  const strideW = (<usize>m) << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const x0 = x + <usize>i * strideX;
      rows4(x0, x0 + strideX, x0 + 2 * strideX, x0 + 3 * strideX, wt, z + <usize>i * strideW, d, m);
    }
  }
  for (; i < n; i++) row1(x + <usize>i * strideX, wt, z + <usize>i * strideW, d, m);
}

// One row of Z: z[j] = Σ_k x[k]·Wt[k][j].
function row1(xr: usize, wt: usize, zr: usize, d: i32, m: i32): void {
  const strideW = (<usize>m) << 2;
  if (!ASC_FEATURE_SIMD) {
    // Scalar build: k outer, j inner (an axpy along the contiguous row of Wt), so the loads
    // stream through memory. The order of the sum over k for each z[j] is unchanged.
    memory.fill(zr, 0, strideW);
    let w = wt;
    for (let k = 0; k < d; k++) {
      const xv = load<f32>(xr + (<usize>k << 2));
      for (let j = 0; j < m; j++) {
        const o = <usize>j << 2;
        store<f32>(zr + o, load<f32>(zr + o) + xv * load<f32>(w + o));
      }
      w += strideW;
    }
    return;
  }
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= m; j += 4) {
      let acc = f32x4.splat(0);
      let w = wt + (<usize>j << 2);
      for (let k = 0; k < d; k++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(xr + (<usize>k << 2))), v128.load(w)));
        w += strideW;
      }
      v128.store(zr + (<usize>j << 2), acc);
    }
  }
  for (; j < m; j++) {
    let acc: f32 = 0;
    let w = wt + (<usize>j << 2);
    for (let k = 0; k < d; k++) {
      acc += load<f32>(xr + (<usize>k << 2)) * load<f32>(w);
      w += strideW;
    }
    store<f32>(zr + (<usize>j << 2), acc);
  }
}

// Four rows of Z at once (SIMD build only): rows start at x0..x3, output rows at z0, z0+m, ...
function rows4(x0: usize, x1: usize, x2: usize, x3: usize, wt: usize, z0: usize, d: i32, m: i32): void {
  const strideW = (<usize>m) << 2;
  const z1 = z0 + strideW, z2 = z1 + strideW, z3 = z2 + strideW;
  let j = 0;
  for (; j + 8 <= m; j += 8) {
    let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
    let a1 = f32x4.splat(0), b1 = f32x4.splat(0);
    let a2 = f32x4.splat(0), b2 = f32x4.splat(0);
    let a3 = f32x4.splat(0), b3 = f32x4.splat(0);
    let w = wt + (<usize>j << 2);
    for (let k = 0; k < d; k++) {
      const off = <usize>k << 2;
      const wa = v128.load(w);
      const wb = v128.load(w, 16);
      const s0 = f32x4.splat(load<f32>(x0 + off));
      const s1 = f32x4.splat(load<f32>(x1 + off));
      const s2 = f32x4.splat(load<f32>(x2 + off));
      const s3 = f32x4.splat(load<f32>(x3 + off));
      a0 = f32x4.add(a0, f32x4.mul(s0, wa)); b0 = f32x4.add(b0, f32x4.mul(s0, wb));
      a1 = f32x4.add(a1, f32x4.mul(s1, wa)); b1 = f32x4.add(b1, f32x4.mul(s1, wb));
      a2 = f32x4.add(a2, f32x4.mul(s2, wa)); b2 = f32x4.add(b2, f32x4.mul(s2, wb));
      a3 = f32x4.add(a3, f32x4.mul(s3, wa)); b3 = f32x4.add(b3, f32x4.mul(s3, wb));
      w += strideW;
    }
    const o = <usize>j << 2;
    v128.store(z0 + o, a0); v128.store(z0 + o, b0, 16);
    v128.store(z1 + o, a1); v128.store(z1 + o, b1, 16);
    v128.store(z2 + o, a2); v128.store(z2 + o, b2, 16);
    v128.store(z3 + o, a3); v128.store(z3 + o, b3, 16);
  }
  for (; j + 4 <= m; j += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let w = wt + (<usize>j << 2);
    for (let k = 0; k < d; k++) {
      const off = <usize>k << 2;
      const wa = v128.load(w);
      a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(x0 + off)), wa));
      a1 = f32x4.add(a1, f32x4.mul(f32x4.splat(load<f32>(x1 + off)), wa));
      a2 = f32x4.add(a2, f32x4.mul(f32x4.splat(load<f32>(x2 + off)), wa));
      a3 = f32x4.add(a3, f32x4.mul(f32x4.splat(load<f32>(x3 + off)), wa));
      w += strideW;
    }
    const o = <usize>j << 2;
    v128.store(z0 + o, a0); v128.store(z1 + o, a1); v128.store(z2 + o, a2); v128.store(z3 + o, a3);
  }
  for (; j < m; j++) {
    let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
    let w = wt + (<usize>j << 2);
    for (let k = 0; k < d; k++) {
      const off = <usize>k << 2;
      const wv = load<f32>(w);
      a0 += load<f32>(x0 + off) * wv;
      a1 += load<f32>(x1 + off) * wv;
      a2 += load<f32>(x2 + off) * wv;
      a3 += load<f32>(x3 + off) * wv;
      w += strideW;
    }
    const o = <usize>j << 2;
    store<f32>(z0 + o, a0); store<f32>(z1 + o, a1); store<f32>(z2 + o, a2); store<f32>(z3 + o, a3);
  }
}
