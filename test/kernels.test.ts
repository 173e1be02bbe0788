// Every kernel, in the SIMD and scalar builds, against its float64 reference over the shape grid.
import { describe, expect, it } from 'vitest';
import {
  gemmXwtRef, gradRef, logisticDerivRef, logisticLossGradRef, logisticLossRef, networkOutputRef,
  packTransposed, reluBackwardRef, reluMaskRef, secondLayer,
} from '../src/index.js';
import { expectBitEqual, expectClose, Harness, KERNEL_BUILDS, randomF32, SHAPES } from './helpers.js';

// f32 tolerances: a length-K f32 sum of products of O(1) terms is off by about K·2^-24 times the
// sum of |terms|; we allow atol = 4e-7·K·(typical |term|) and rtol = 1e-5.
const RTOL = 1e-5;

describe.each(KERNEL_BUILDS)('%s kernels vs float64 reference', (backend) => {
  it.each(SHAPES)('gemm_xwt Z = X·Wᵀ on (n, d, m) = (%i, %i, %i)', (n, d, m) => {
    const seed = n * 1000 + d * 10 + m;
    const x = randomF32(n * d, seed, 1, 0);
    const w = randomF32(m * d, seed, 1, 1);
    const h = new Harness(backend);
    const wt = new Float32Array(d * m);
    packTransposed(w, m, d, wt);
    const px = h.put(x), pw = h.put(wt), pz = h.zeros(n * m);
    h.k.gemm_xwt(px, pw, pz, n, d, m);
    expectClose(h.get(pz, n * m), gemmXwtRef(x, w, n, d, m), 4e-7 * d, RTOL, `gemm_xwt ${backend} seed ${seed} shape (${n},${d},${m})`);
  });

  it.each(SHAPES)('grad_xtd G = s·Xᵀ·D on (n, d, m) = (%i, %i, %i)', (n, d, m) => {
    const seed = n * 7 + d * 3 + m;
    const x = randomF32(n * d, seed, 1, 2);
    const dm = randomF32(n * m, seed, 1, 3);
    const h = new Harness(backend);
    const px = h.put(x), pd = h.put(dm), pg = h.zeros(d * m);
    const scale = 0.375;
    h.k.grad_xtd(px, pd, pg, n, d, m, scale);
    const ref = gradRef(dm, x, n, d, m); // (m, d)
    const refPacked = new Float64Array(d * m);
    for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) refPacked[k * m + j] = scale * ref[j * d + k]!;
    expectClose(h.get(pg, d * m), refPacked, 4e-7 * n * scale, RTOL, `grad_xtd ${backend} seed ${seed} shape (${n},${d},${m})`);
  });

  it.each([1, 3, 4, 5, 8, 17, 1000, 1003])('relu_mask on %i values, φ\'(0) ∈ {0, 0.5, 1}', (len) => {
    const z = randomF32(len, len, 1, 4);
    if (len > 2) { z[0] = 0; z[1] = -0; }
    const h = new Harness(backend);
    const pz = h.put(z), po = h.zeros(len);
    for (const p of [0, 0.5, 1]) {
      h.k.relu_mask(pz, po, len, p);
      expectBitEqual(h.get(po, len), Array.from(z, (t) => reluMaskRef(t, p)), `relu_mask ${backend} len ${len} dphi0 ${p}`);
    }
  });

  it.each(SHAPES)('network_output, relu_backward on (n, ·, m) = (%i, %i, %i)', (n, _d, m) => {
    const seed = 31 * n + m;
    const z = randomF32(n * m, seed, 1, 5);
    if (n * m > 3) z[2] = 0;
    const a = secondLayer(m);
    const c = randomF32(n, seed, 0.01, 6);
    const h = new Harness(backend);
    const pz = h.put(z), pa = h.put(a), pf = h.zeros(n), pc = h.put(c);
    h.k.network_output(pz, pa, pf, n, m);
    expectClose(h.get(pf, n), networkOutputRef(z, a, n, m), 4e-7 * m / Math.sqrt(m), RTOL, `network_output ${backend} seed ${seed}`);
    h.k.relu_backward(pz, pc, pa, n, m, 0.5);
    expectClose(h.get(pz, n * m), reluBackwardRef(z, c, a, n, m, 0.5), 0, 1e-6, `relu_backward ${backend} seed ${seed}`);
  });

  it('logistic loss and derivative are stable for any |z|', () => {
    const zs = Float32Array.from([0, 1e-8, -1e-8, 0.5, -0.5, 10, -10, 30, -30, 88, -88, 100, -100, 1e4, -1e4, 1e30, -1e30, 3.4e38, -3.4e38]);
    const h = new Harness(backend);
    const pz = h.put(zs), pl = h.zeros(zs.length), pd = h.zeros(zs.length);
    h.k.logistic_eval(pz, pl, pd, zs.length);
    const loss = h.get(pl, zs.length), der = h.get(pd, zs.length);
    for (let i = 0; i < zs.length; i++) {
      expect(Number.isFinite(loss[i]!), `ℓ(${zs[i]}) finite`).toBe(true);
      expect(Number.isFinite(der[i]!), `ℓ'(${zs[i]}) finite`).toBe(true);
    }
    expectClose(loss, Array.from(zs, logisticLossRef), 1e-30, 1e-6, `logistic loss ${backend}`);
    expectClose(der, Array.from(zs, logisticDerivRef), 1e-30, 1e-6, `logistic deriv ${backend}`);
    // the reference itself against closed forms: ℓ(0) = log 2, ℓ'(0) = −1/2, ℓ(−z) ≈ z for large z
    expect(logisticLossRef(0)).toBeCloseTo(Math.LN2, 15);
    expect(logisticDerivRef(0)).toBe(-0.5);
    expect(logisticLossRef(-1e4)).toBe(1e4);
    expect(logisticDerivRef(-1e4)).toBe(-1);
    expect(logisticLossRef(30)).toBeCloseTo(Math.exp(-30), 25); // log1p keeps the tiny loss exact
  });

  it.each([1, 7, 64, 1001])('logistic_loss_grad and count_correct on n = %i', (n) => {
    const f = randomF32(n, n, 3, 7);
    const y = Float32Array.from(randomF32(n, n, 1, 8), (v) => (v >= 0 ? 1 : -1));
    const h = new Harness(backend);
    const pf = h.put(f), py = h.put(y), pl = h.zeros(n), pc = h.zeros(n);
    const mean = h.k.logistic_loss_grad(pf, py, pl, pc, n);
    const ref = logisticLossGradRef(f, y, n);
    expect(Math.abs(mean - ref.loss)).toBeLessThanOrEqual(1e-12 * n);
    expectClose(h.get(pc, n), ref.c, 0, 1e-6, `c = ℓ'·y/n ${backend}`);
    expectClose(h.get(pl, n), Array.from(f, (v, i) => logisticLossRef(v * y[i]!)), 0, 1e-6, `per-sample loss ${backend}`);
    let right = 0;
    for (let i = 0; i < n; i++) if (f[i]! * y[i]! > 0) right++;
    expect(h.k.count_correct(pf, py, n)).toBe(right);
  });

  it.each([1, 3, 4, 9, 1601])('sgd_update W ← W − αG on %i values', (len) => {
    const w = randomF32(len, len, 1, 9), g = randomF32(len, len, 1, 10);
    const h = new Harness(backend);
    const pw = h.put(w), pg = h.put(g);
    h.k.sgd_update(pw, pg, len, 0.1);
    const alpha = Math.fround(0.1);
    expectBitEqual(h.get(pw, len), Array.from(w, (v, i) => Math.fround(v - Math.fround(alpha * g[i]!))), `sgd_update ${backend}`);
  });

  it('kernels never write past their outputs (guard words stay intact)', () => {
    const [n, d, m] = [5, 3, 9];
    const h = new Harness(backend);
    const guard = () => h.put(Float32Array.from({ length: 8 }, () => 12345));
    const px = h.put(randomF32(n * d, 1)); guard();
    const pw = h.put(randomF32(d * m, 2)); guard();
    const pz = h.zeros(n * m); const gz = guard();
    const pg = h.zeros(d * m); const gg = guard();
    h.k.gemm_xwt(px, pw, pz, n, d, m);
    h.k.grad_xtd(px, pz, pg, n, d, m, 1);
    for (const g of [gz, gg]) expect(Array.from(h.get(g, 8))).toEqual(Array(8).fill(12345));
  });
});

describe('the SIMD, scalar and debug builds agree bit for bit', () => {
  it.each(SHAPES.filter(([n, d, m]) => n * d * m < 3e6))('every kernel on (%i, %i, %i)', (n, d, m) => {
    const seed = n + d + m;
    const x = randomF32(n * d, seed, 1, 11), wt = randomF32(d * m, seed, 0.1, 12);
    const y = Float32Array.from(randomF32(n, seed, 1, 13), (v) => (v >= 0 ? 1 : -1));
    const a = secondLayer(m);
    const outs = KERNEL_BUILDS.map((b) => {
      const h = new Harness(b);
      const px = h.put(x), pw = h.put(wt), pa = h.put(a), py = h.put(y);
      const pz = h.zeros(n * m), pf = h.zeros(n), pc = h.zeros(n), pg = h.zeros(d * m);
      h.k.gemm_xwt(px, pw, pz, n, d, m);
      const z = h.get(pz, n * m);
      h.k.network_output(pz, pa, pf, n, m);
      const loss = h.k.logistic_loss_grad(pf, py, 0, pc, n);
      h.k.relu_backward(pz, pc, pa, n, m, 0);
      h.k.grad_xtd(px, pz, pg, n, d, m, 1);
      return { z, f: h.get(pf, n), loss, g: h.get(pg, d * m) };
    });
    for (const o of outs.slice(1)) {
      expectBitEqual(o.z, outs[0]!.z, 'Z');
      expectBitEqual(o.f, outs[0]!.f, 'f');
      expect(o.loss).toBe(outs[0]!.loss);
      expectBitEqual(o.g, outs[0]!.g, 'G');
    }
  });
});

describe('the debug build checks each kernel\'s preconditions', () => {
  const h = new Harness('debug');
  const p = h.zeros(64), q = h.zeros(64), r = h.zeros(64);
  it.each([
    ['a negative size', () => h.k.gemm_xwt(p, q, r, -1, 2, 2)],
    ['an unaligned buffer', () => h.k.gemm_xwt(p + 2, q, r, 2, 2, 2)],
    ['an output overlapping an input', () => h.k.gemm_xwt(p, q, p + 4, 2, 2, 2)],
    ['a block of G outside G', () => h.k.grad_xtd_rows(p, q, r, 2, 2, 1, 3, 2, 1)],
    ["φ'(0) outside [0, 1]", () => h.k.relu_mask(p, q, 4, 2)],
    ['no samples', () => h.k.logistic_loss_grad(p, q, 0, r, 0)],
  ] as const)('%s traps with the kernel assertion', (_what, call) => {
    expect(call).toThrow(/rfa kernel assertion failed/);
  });
  it('the release builds do not check (the same call runs)', () => {
    const s = new Harness('simd');
    const a = s.zeros(64), b = s.zeros(64), c = s.zeros(64);
    expect(() => s.k.relu_mask(a, b, 4, 2)).not.toThrow();
    void c;
  });
});
