// Forward product Z = X · Wᵀ.
//   X  is (n, d) row-major f32.
//   W  is stored packed, as XNNPACK packs GEMM weights: Wt = Wᵀ is (d, m) row-major,
//      Wt[k*m + j] = W[j][k], so the inner loop runs along m, contiguous in Wt and Z.
//   Z  out is (n, m) row-major f32.
// Every Z[i][j] is the sum over k = 0..d-1, in that order, of one f32 multiply and one f32 add
// (no fused multiply-add) in the SIMD and the scalar build alike: both builds give the same bits
// (the opt-in relaxed build may fuse them: assembly/madd.ts).
// SIMD build: 4×8 register tile (8 f32x4 accumulators), then 4×4, then a scalar column tail;
// leftover rows go one at a time. Never reads past the end of any operand.
// Blocked over k for the caches: when Wt is larger than a panel of about 256 KiB, the sum runs a
// panel of rows of Wt at a time (the panel stays in L2 while every row of X walks it, instead of all
// of Wt streaming from memory once per 4 rows of X). A tile's running sum is stored in Z between
// panels and taken up again, so each Z[i][j] is still the same sum in the same order: same bits.
import { madd4 } from "./madd";
import { aligned4, disjoint } from "./contract";

/** Rows of Wt per panel: about 256 KiB of Wt, at least 16 rows. */
// @ts-ignore: decorator
@inline function panelRows(m: i32): i32 {
  return max<i32>(16, (1 << 16) / max<i32>(m, 1));
}

export function gemm_xwt(x: usize, wt: usize, z: usize, n: i32, d: i32, m: i32): void {
  assert(n >= 0 && d >= 0 && m >= 0, "gemm_xwt: negative size");
  assert(aligned4(x) && aligned4(wt) && aligned4(z), "gemm_xwt: unaligned buffer");
  assert(disjoint(z, <usize>n * m << 2, x, <usize>n * d << 2) && disjoint(z, <usize>n * m << 2, wt, <usize>d * m << 2), "gemm_xwt: Z overlaps an input");
  const strideX = (<usize>d) << 2;
  const strideW = (<usize>m) << 2;
  const kc = panelRows(m);
  for (let k0 = 0; k0 < d || k0 == 0; k0 += kc) {
    const kb = min<i32>(kc, d - k0);
    const first = k0 == 0;
    const xk = x + (<usize>k0 << 2);
    const wk = wt + <usize>k0 * strideW;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= n; i += 4) {
        const x0 = xk + <usize>i * strideX;
        gemm_4x8(x0, x0 + strideX, x0 + 2 * strideX, x0 + 3 * strideX, wk, z + <usize>i * strideW, kb, m, first);
      }
    }
    for (; i < n; i++) gemm_1x4(xk + <usize>i * strideX, wk, z + <usize>i * strideW, kb, m, first);
  }
}

// A tile's sum so far: 0 at the first panel, else what the panel before stored.
// @ts-ignore: decorator
@inline function start4(p: usize, first: bool): v128 {
  return first ? f32x4.splat(0) : v128.load(p);
}
// @ts-ignore: decorator
@inline function start1(p: usize, first: bool): f32 {
  return first ? <f32>0 : load<f32>(p);
}

// One row of Z: z[j] (+)= Σ_k x[k]·Wt[k][j] over the d rows of one panel. SIMD build: 1×4 tiles
// along j, then a scalar column tail; scalar build: an axpy per row of Wt.
function gemm_1x4(xr: usize, wt: usize, zr: usize, d: i32, m: i32, first: bool): void {
  const strideW = (<usize>m) << 2;
  if (ASC_FEATURE_SIMD) {
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      let acc = start4(zr + (<usize>j << 2), first);
      let w = wt + (<usize>j << 2);
      for (let k = 0; k < d; k++) {
        acc = madd4(f32x4.splat(load<f32>(xr + (<usize>k << 2))), v128.load(w), acc);
        w += strideW;
      }
      v128.store(zr + (<usize>j << 2), acc);
    }
    for (; j < m; j++) {
      let acc = start1(zr + (<usize>j << 2), first);
      let w = wt + (<usize>j << 2);
      for (let k = 0; k < d; k++) {
        acc += load<f32>(xr + (<usize>k << 2)) * load<f32>(w);
        w += strideW;
      }
      store<f32>(zr + (<usize>j << 2), acc);
    }
    return;
  }
  // Scalar build: k outer, j inner (an axpy along the contiguous row of Wt), so the loads stream
  // through memory. The order of the sum over k for each z[j] is unchanged.
  if (first) memory.fill(zr, 0, strideW);
  let w = wt;
  for (let k = 0; k < d; k++) {
    const xv = load<f32>(xr + (<usize>k << 2));
    for (let j = 0; j < m; j++) {
      const o = <usize>j << 2;
      store<f32>(zr + o, load<f32>(zr + o) + xv * load<f32>(w + o));
    }
    w += strideW;
  }
}

// Four rows of Z at once (SIMD build only), over the d rows of one panel: 4×8 tiles, then a 4×4
// tile and a 4×1 column tail; rows start at x0..x3, output rows at z0, z0+m, ...
function gemm_4x8(x0: usize, x1: usize, x2: usize, x3: usize, wt: usize, z0: usize, d: i32, m: i32, first: bool): void {
  const strideW = (<usize>m) << 2;
  const z1 = z0 + strideW, z2 = z1 + strideW, z3 = z2 + strideW;
  let j = 0;
  for (; j + 8 <= m; j += 8) {
    const o8 = <usize>j << 2;
    let a0 = start4(z0 + o8, first), b0 = start4(z0 + o8 + 16, first);
    let a1 = start4(z1 + o8, first), b1 = start4(z1 + o8 + 16, first);
    let a2 = start4(z2 + o8, first), b2 = start4(z2 + o8 + 16, first);
    let a3 = start4(z3 + o8, first), b3 = start4(z3 + o8 + 16, first);
    let w = wt + (<usize>j << 2);
    for (let k = 0; k < d; k++) {
      const off = <usize>k << 2;
      const wa = v128.load(w);
      const wb = v128.load(w, 16);
      const s0 = f32x4.splat(load<f32>(x0 + off));
      const s1 = f32x4.splat(load<f32>(x1 + off));
      const s2 = f32x4.splat(load<f32>(x2 + off));
      const s3 = f32x4.splat(load<f32>(x3 + off));
      a0 = madd4(s0, wa, a0); b0 = madd4(s0, wb, b0);
      a1 = madd4(s1, wa, a1); b1 = madd4(s1, wb, b1);
      a2 = madd4(s2, wa, a2); b2 = madd4(s2, wb, b2);
      a3 = madd4(s3, wa, a3); b3 = madd4(s3, wb, b3);
      w += strideW;
    }
    const o = <usize>j << 2;
    v128.store(z0 + o, a0); v128.store(z0 + o, b0, 16);
    v128.store(z1 + o, a1); v128.store(z1 + o, b1, 16);
    v128.store(z2 + o, a2); v128.store(z2 + o, b2, 16);
    v128.store(z3 + o, a3); v128.store(z3 + o, b3, 16);
  }
  for (; j + 4 <= m; j += 4) {
    const o4 = <usize>j << 2;
    let a0 = start4(z0 + o4, first), a1 = start4(z1 + o4, first), a2 = start4(z2 + o4, first), a3 = start4(z3 + o4, first);
    let w = wt + (<usize>j << 2);
    for (let k = 0; k < d; k++) {
      const off = <usize>k << 2;
      const wa = v128.load(w);
      a0 = madd4(f32x4.splat(load<f32>(x0 + off)), wa, a0);
      a1 = madd4(f32x4.splat(load<f32>(x1 + off)), wa, a1);
      a2 = madd4(f32x4.splat(load<f32>(x2 + off)), wa, a2);
      a3 = madd4(f32x4.splat(load<f32>(x3 + off)), wa, a3);
      w += strideW;
    }
    const o = <usize>j << 2;
    v128.store(z0 + o, a0); v128.store(z1 + o, a1); v128.store(z2 + o, a2); v128.store(z3 + o, a3);
  }
  for (; j < m; j++) {
    const o1 = <usize>j << 2;
    let a0 = start1(z0 + o1, first), a1 = start1(z1 + o1, first), a2 = start1(z2 + o1, first), a3 = start1(z3 + o1, first);
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
