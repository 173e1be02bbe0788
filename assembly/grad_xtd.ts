// Gradient product G = scale · Xᵀ · D.
//   X is (n, d) row-major f32 (the training inputs).
//   D is (n, m) row-major f32: D[i][j] = ℓ'(y_i f_i)·y_i/n · a_j · φ'(Z[i][j])  (relu_backward).
//   G out is (d, m) row-major f32, the same packed layout as Wt, so G[k][j] = ∂L̂/∂W[j][k].
// Every G[k][j] is scale · (Σ_i X[i][k]·D[i][j]) with the sum over i = 0..n-1 in order, one f32
// multiply and one f32 add per term, in both builds: the SIMD and scalar builds give the same bits (the opt-in relaxed build may fuse
// the multiply and the add: assembly/madd.ts).
// SIMD build: 4×8 register tiles over (k, j) streaming over i (gradt_4x8, then 4×4 and 4×1 tails),
// single rows of G in 1×4 tiles (gradt_1x4).
// Blocked over i: the rows of D are taken a block at a time (a block of D stays in L2 while every
// column group of X walks it, instead of all of D streaming from memory once per group, and a walk
// down a block touches few pages even when m is large). A tile's running sum is stored in G between
// blocks and taken up again, unscaled, so each G[k][j] is still the same sum in the same order.
import { madd4 } from "./madd";
import { aligned4, disjoint } from "./contract";

/** Rows of D per block: about 512 KiB of D, at least 16 and at most 256 rows. */
// @ts-ignore: decorator
@inline function blockRows(m: i32): i32 {
  return min<i32>(256, max<i32>(16, (1 << 17) / max<i32>(m, 1)));
}

export function grad_xtd(x: usize, dm: usize, g: usize, n: i32, d: i32, m: i32, scale: f32): void {
  grad_xtd_rows(x, dm, g, n, d, 0, d, m, scale);
}

// Rows k0 ≤ k < k1 of G only (X still has d columns). Each G[k][j] is computed whole, by the same
// sum as grad_xtd computes it, so splitting G into row blocks gives the same bits as one call:
// the trainer uses this to cut one long step into short pieces it can interrupt.
export function grad_xtd_rows(x: usize, dm: usize, g: usize, n: i32, d: i32, k0: i32, k1: i32, m: i32, scale: f32): void {
  grad_xtd_block(x, dm, g, n, d, k0, k1, 0, m, m, scale);
}

// The block k0 ≤ k < k1, j0 ≤ j < j1 of G (rows of D and G are still m wide). Each G[k][j] is again
// computed whole by the same sum, so any split of G into blocks gives the same bits as one call:
// the threaded build splits G by rows or by columns among its threads.
export function grad_xtd_block(x: usize, dm: usize, g: usize, n: i32, d: i32, k0: i32, k1: i32, j0: i32, j1: i32, m: i32, scale: f32): void {
  assert(n >= 0 && 0 <= k0 && k0 <= k1 && k1 <= d && 0 <= j0 && j0 <= j1 && j1 <= m, "grad_xtd: bad block");
  assert(aligned4(x) && aligned4(dm) && aligned4(g), "grad_xtd: unaligned buffer");
  assert(disjoint(g, <usize>d * m << 2, x, <usize>n * d << 2) && disjoint(g, <usize>d * m << 2, dm, <usize>n * m << 2), "grad_xtd: G overlaps an input");
  const strideX = (<usize>d) << 2;
  const strideM = (<usize>m) << 2;
  if (n == 0) {
    for (let k = k0; k < k1; k++) memory.fill(g + <usize>k * strideM + (<usize>j0 << 2), 0, <usize>(j1 - j0) << 2);
    return;
  }
  const rows = blockRows(m);
  for (let i0 = 0; i0 < n; i0 += rows) {
    const nb = min<i32>(rows, n - i0);
    const first = i0 == 0;
    const last = i0 + nb == n;
    const xb = x + <usize>i0 * strideX;
    const db = dm + <usize>i0 * strideM;
    let k = k0;
    if (ASC_FEATURE_SIMD) {
      for (; k + 4 <= k1; k += 4) gradt_4x8(xb + (<usize>k << 2), db, g + <usize>k * strideM, nb, d, j0, j1, m, scale, first, last);
    }
    for (; k < k1; k++) gradt_1x4(xb + (<usize>k << 2), strideX, db, g + <usize>k * strideM, nb, j0, j1, m, scale, first, last);
  }
}

// A tile's sum so far: 0 at the first block, else what the block before stored.
// @ts-ignore: decorator
@inline function start4(p: usize, first: bool): v128 {
  return first ? f32x4.splat(0) : v128.load(p);
}
// @ts-ignore: decorator
@inline function start1(p: usize, first: bool): f32 {
  return first ? <f32>0 : load<f32>(p);
}

// Columns j0 ≤ j < j1 of one row k of G from column k of X (xk points at X[i0][k], rows strideX
// bytes apart), over the n rows of one block; `first` starts the sums at 0, `last` stores them scaled.
function gradt_1x4(xk: usize, strideX: usize, dm: usize, gr: usize, n: i32, j0: i32, j1: i32, m: i32, scale: f32, first: bool, last: bool): void {
  const strideM = (<usize>m) << 2;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    const sc = f32x4.splat(scale);
    for (; j + 4 <= j1; j += 4) {
      let acc = start4(gr + (<usize>j << 2), first);
      let xp = xk;
      let dp = dm + (<usize>j << 2);
      for (let i = 0; i < n; i++) {
        acc = madd4(f32x4.splat(load<f32>(xp)), v128.load(dp), acc);
        xp += strideX; dp += strideM;
      }
      v128.store(gr + (<usize>j << 2), last ? f32x4.mul(acc, sc) : acc);
    }
    for (; j < j1; j++) {
      let acc = start1(gr + (<usize>j << 2), first);
      let xp = xk;
      let dp = dm + (<usize>j << 2);
      for (let i = 0; i < n; i++) {
        acc += load<f32>(xp) * load<f32>(dp);
        xp += strideX; dp += strideM;
      }
      store<f32>(gr + (<usize>j << 2), last ? acc * scale : acc);
    }
    return;
  }
  // Scalar build: i outer, j inner, so each row of D streams and the row of G stays in cache.
  if (first) memory.fill(gr + (<usize>j0 << 2), 0, <usize>(j1 - j0) << 2);
  let xp = xk;
  let dp = dm;
  for (let i = 0; i < n; i++) {
    const xv = load<f32>(xp);
    for (let jj = j0; jj < j1; jj++) {
      const o = <usize>jj << 2;
      store<f32>(gr + o, load<f32>(gr + o) + xv * load<f32>(dp + o));
    }
    xp += strideX; dp += strideM;
  }
  if (last) {
    for (let jj = j0; jj < j1; jj++) {
      const o = <usize>jj << 2;
      store<f32>(gr + o, load<f32>(gr + o) * scale);
    }
  }
}

// Columns j0 ≤ j < j1 of four rows k..k+3 of G (SIMD build only) over the n rows of one block;
// xk points at X[i0][k].
function gradt_4x8(xk: usize, dm: usize, g0: usize, n: i32, d: i32, j0: i32, j1: i32, m: i32, scale: f32, first: bool, last: bool): void {
  const strideX = (<usize>d) << 2;
  const strideM = (<usize>m) << 2;
  const g1 = g0 + strideM, g2 = g1 + strideM, g3 = g2 + strideM;
  const sc = f32x4.splat(scale);
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    const o8 = <usize>j << 2;
    let a0 = start4(g0 + o8, first), b0 = start4(g0 + o8 + 16, first);
    let a1 = start4(g1 + o8, first), b1 = start4(g1 + o8 + 16, first);
    let a2 = start4(g2 + o8, first), b2 = start4(g2 + o8 + 16, first);
    let a3 = start4(g3 + o8, first), b3 = start4(g3 + o8 + 16, first);
    let xp = xk;
    let dp = dm + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const da = v128.load(dp);
      const db = v128.load(dp, 16);
      // X[i][k..k+3] in one load, each lane broadcast (k + 3 < k1 ≤ d: inside the row)
      const xv = v128.load(xp);
      const s0 = v128.shuffle<f32>(xv, xv, 0, 0, 0, 0);
      const s1 = v128.shuffle<f32>(xv, xv, 1, 1, 1, 1);
      const s2 = v128.shuffle<f32>(xv, xv, 2, 2, 2, 2);
      const s3 = v128.shuffle<f32>(xv, xv, 3, 3, 3, 3);
      a0 = madd4(s0, da, a0); b0 = madd4(s0, db, b0);
      a1 = madd4(s1, da, a1); b1 = madd4(s1, db, b1);
      a2 = madd4(s2, da, a2); b2 = madd4(s2, db, b2);
      a3 = madd4(s3, da, a3); b3 = madd4(s3, db, b3);
      xp += strideX; dp += strideM;
    }
    if (last) {
      a0 = f32x4.mul(a0, sc); b0 = f32x4.mul(b0, sc); a1 = f32x4.mul(a1, sc); b1 = f32x4.mul(b1, sc);
      a2 = f32x4.mul(a2, sc); b2 = f32x4.mul(b2, sc); a3 = f32x4.mul(a3, sc); b3 = f32x4.mul(b3, sc);
    }
    v128.store(g0 + o8, a0); v128.store(g0 + o8, b0, 16);
    v128.store(g1 + o8, a1); v128.store(g1 + o8, b1, 16);
    v128.store(g2 + o8, a2); v128.store(g2 + o8, b2, 16);
    v128.store(g3 + o8, a3); v128.store(g3 + o8, b3, 16);
  }
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    let a0 = start4(g0 + o4, first), a1 = start4(g1 + o4, first), a2 = start4(g2 + o4, first), a3 = start4(g3 + o4, first);
    let xp = xk;
    let dp = dm + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const da = v128.load(dp);
      a0 = madd4(f32x4.splat(load<f32>(xp)), da, a0);
      a1 = madd4(f32x4.splat(load<f32>(xp, 4)), da, a1);
      a2 = madd4(f32x4.splat(load<f32>(xp, 8)), da, a2);
      a3 = madd4(f32x4.splat(load<f32>(xp, 12)), da, a3);
      xp += strideX; dp += strideM;
    }
    if (last) {
      a0 = f32x4.mul(a0, sc); a1 = f32x4.mul(a1, sc); a2 = f32x4.mul(a2, sc); a3 = f32x4.mul(a3, sc);
    }
    v128.store(g0 + o4, a0); v128.store(g1 + o4, a1); v128.store(g2 + o4, a2); v128.store(g3 + o4, a3);
  }
  for (; j < j1; j++) {
    const o1 = <usize>j << 2;
    let a0 = start1(g0 + o1, first), a1 = start1(g1 + o1, first), a2 = start1(g2 + o1, first), a3 = start1(g3 + o1, first);
    let xp = xk;
    let dp = dm + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const dv = load<f32>(dp);
      a0 += load<f32>(xp) * dv; a1 += load<f32>(xp, 4) * dv;
      a2 += load<f32>(xp, 8) * dv; a3 += load<f32>(xp, 12) * dv;
      xp += strideX; dp += strideM;
    }
    store<f32>(g0 + o1, last ? a0 * scale : a0); store<f32>(g1 + o1, last ? a1 * scale : a1);
    store<f32>(g2 + o1, last ? a2 * scale : a2); store<f32>(g3 + o1, last ? a3 * scale : a3);
  }
}
