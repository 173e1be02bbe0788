// The sampler of docs/computation.md §Data: cluster weights, laws, every noise mode, means, reproducibility.
import { describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { idealPredict, makeMeans, resolveConfig, Rng, sampleProblem, sampleXorClusters, secondLayer, initWeights } from '../src/index.js';
import { expectBitEqual } from './helpers.js';

const base = { d: 6, sigma: 0.5, law: 'gaussian' as const, noise: { mode: 'none' as const } };

function stats(ds: ReturnType<typeof sampleXorClusters>, means: ReturnType<typeof makeMeans>) {
  const { n, d, x, cluster } = ds;
  let s2 = 0, s4 = 0, count = 0;
  const centre = (i: number, j: number) => {
    const k = cluster![i]!;
    const mu = k < 2 ? means.mu1 : means.mu2;
    return (k % 2 === 0 ? 1 : -1) * means.muNorm * mu[j]!;
  };
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    const z = x[i * d + j]! - centre(i, j);
    s2 += z * z; s4 += z ** 4; count++;
  }
  const v = s2 / count;
  return { variance: v, kurtosis: s4 / count / (v * v) };
}

describe('sampleXorClusters', () => {
  const means = makeMeans(6, 'canonical', new Rng(0, 'mu'));

  it('clusters have weight 1/4 and clean labels +1 for ±µ1, −1 for ±µ2', () => {
    const ds = sampleXorClusters(20000, base, means, new Rng(1, 'train'));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < ds.n; i++) {
      counts[ds.cluster![i]!]!++;
      expect(ds.cleanY![i]).toBe(ds.cluster![i]! < 2 ? 1 : -1);
      expect(ds.y[i]).toBe(ds.cleanY![i]); // no noise
    }
    for (const c of counts) expect(Math.abs(c / ds.n - 0.25)).toBeLessThan(0.015);
  });

  it.each([['gaussian', 3], ['uniform', 1.8], ['laplace', 6]] as const)('%s law: variance σ² per coordinate, kurtosis %d', (law, kurt) => {
    const ds = sampleXorClusters(20000, { ...base, law }, means, new Rng(2, 'train'));
    const s = stats(ds, means);
    expect(Math.abs(s.variance / 0.25 - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.kurtosis - kurt)).toBeLessThan(0.25 * kurt / 3 + 0.1);
  });

  it('muNorm scales the centres', () => {
    const m3 = makeMeans(6, 'canonical', new Rng(0, 'mu'), 3);
    const ds = sampleXorClusters(4000, { ...base, sigma: 0 }, m3, new Rng(3, 'train'));
    for (let i = 0; i < ds.n; i++) {
      const k = ds.cluster![i]!;
      expect(ds.x[i * 6 + (k < 2 ? 0 : 1)]).toBe(k % 2 === 0 ? 3 : -3);
    }
  });

  it('random µ1, µ2 are orthonormal and seeded', () => {
    const m = makeMeans(50, 'random', new Rng(4, 'mu'));
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    expect(dot(m.mu1, m.mu1)).toBeCloseTo(1, 12);
    expect(dot(m.mu2, m.mu2)).toBeCloseTo(1, 12);
    expect(dot(m.mu1, m.mu2)).toBeCloseTo(0, 12);
    expectBitEqual(makeMeans(50, 'random', new Rng(4, 'mu')).mu2, m.mu2, 'µ2');
  });

  it('exact mode flips ⌊ηn⌋ labels and records them', () => {
    const ds = sampleXorClusters(1001, { ...base, noise: { mode: 'exact', eta: 0.15 } }, means, new Rng(5, 'train'));
    let flips = 0;
    for (let i = 0; i < ds.n; i++) {
      flips += ds.flipped![i]!;
      expect(ds.y[i]).toBe(ds.flipped![i] ? -ds.cleanY![i]! : ds.cleanY![i]!);
    }
    expect(flips).toBe(150);
  });

  it('independent mode flips about ηn', () => {
    const ds = sampleXorClusters(20000, { ...base, noise: { mode: 'independent', eta: 0.2 } }, means, new Rng(6, 'train'));
    const flips = ds.flipped!.reduce((s, v) => s + v, 0);
    expect(Math.abs(flips / 20000 - 0.2)).toBeLessThan(0.01);
  });

  it('per-cluster mode flips at each cluster’s own rate', () => {
    const rates = [0, 0.1, 0.3, 0.45] as const;
    const ds = sampleXorClusters(40000, { ...base, noise: { mode: 'per-cluster', rates } }, means, new Rng(7, 'train'));
    const f = [0, 0, 0, 0], c = [0, 0, 0, 0];
    for (let i = 0; i < ds.n; i++) { c[ds.cluster![i]!]!++; f[ds.cluster![i]!]! += ds.flipped![i]!; }
    rates.forEach((r, k) => expect(Math.abs(f[k]! / c[k]! - r)).toBeLessThan(0.02));
    expect(f[0]).toBe(0);
  });

  it('adversarial "closest" flips exactly the budget of points nearest the clean boundary', () => {
    const ds = sampleXorClusters(500, { ...base, noise: { mode: 'adversarial', eta: 0.1, strategy: 'closest' } }, means, new Rng(8, 'train'));
    const score = (i: number) => Math.abs(Math.abs(ds.x[i * 6]!) - Math.abs(ds.x[i * 6 + 1]!));
    const flippedScores: number[] = [], keptScores: number[] = [];
    for (let i = 0; i < ds.n; i++) (ds.flipped![i] ? flippedScores : keptScores).push(score(i));
    expect(flippedScores.length).toBe(50);
    expect(Math.max(...flippedScores)).toBeLessThanOrEqual(Math.min(...keptScores));
  });

  it('adversarial "one-cluster" flips only inside the chosen cluster', () => {
    const ds = sampleXorClusters(400, { ...base, noise: { mode: 'adversarial', eta: 0.1, strategy: 'one-cluster', cluster: 2 } }, means, new Rng(9, 'train'));
    let flips = 0;
    for (let i = 0; i < ds.n; i++) if (ds.flipped![i]) { flips++; expect(ds.cluster![i]).toBe(2); }
    expect(flips).toBe(40);
  });

  it('the ideal classifier of eq. (2) is right on every clean point when clusters are tight', () => {
    const ds = sampleXorClusters(1000, { ...base, sigma: 0.05 }, means, new Rng(10, 'train'));
    const pred = idealPredict(ds, means);
    for (let i = 0; i < ds.n; i++) expect(pred[i]).toBe(ds.cleanY![i]);
  });
});

describe('reproducibility and streams', () => {
  it('Rng.normals gives the values and the state of as many normal() calls, mixed with other draws', () => {
    for (const counts of [[1], [2], [3, 4], [5, 1, 1, 2], [0, 7], [1001], [8191, 8193, 20000]]) {
      const a = new Rng(9, 'test'), b = new Rng(9, 'test');
      for (const c of counts) {
        const out = new Float64Array(c + 1);
        a.normals(out, c);
        for (let i = 0; i < c; i++) expect(Object.is(out[i], b.normal()), `counts ${counts}, value ${i}`).toBe(true);
        expect(out[c]).toBe(0); // nothing written past count
        expect(a.state()).toEqual(b.state());
        expect(a.uniform()).toBe(b.uniform());
      }
    }
  });

  it('seeding and stream jumps are pure-rand\'s xoroshiro128plus (the streams of rfa 0.1), uniform draws too', () => {
    for (const seed of [0, 1, 12345, 2 ** 31, 2 ** 32 - 1]) {
      for (let stream = 0; stream < 6; stream++) {
        const g = xoroshiro128plus(seed | 0);
        for (let j = 0; j <= stream; j++) g.jump();
        const r = new Rng(seed, stream);
        expect(r.state().gen, `seed ${seed}, stream ${stream}`).toEqual(g.getState());
        for (let k = 0; k < 5; k++) {
          const hi = g.next() >>> 5, lo = g.next() >>> 6;
          expect(r.uniform()).toBe((hi * 67108864 + lo) / 9007199254740992);
        }
      }
    }
    expect(() => Rng.fromState({ gen: [0, 0, 0, 0] })).toThrow(/not all 0/);
    expect(() => Rng.fromState({ gen: [1, 2, 3] })).toThrow(/four 32-bit integers/);
  });

  it('the WASM ziggurat is the float64 reference: the same generator states, values within 1e-15', () => {
    // a BigInt xoroshiro128+ and the ziggurat written again in plain JS (tables from JS's Math,
    // so values may differ in the last bit; the accept/reject path and so the states must not)
    const M64 = (1n << 64n) - 1n;
    const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & M64;
    const R = 3.6541528853610088, V = 4.92867323399e-3, M52 = 2 ** 52;
    const ki = new Float64Array(256), wi = new Float64Array(256), fi = new Float64Array(256);
    let dn = R, tn = R;
    const q = V / Math.exp(-0.5 * dn * dn);
    ki[0] = Math.floor((dn / q) * M52); wi[0] = q / M52; wi[255] = dn / M52; fi[0] = 1; fi[255] = Math.exp(-0.5 * dn * dn);
    for (let i = 254; i >= 1; i--) {
      dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
      ki[i + 1] = Math.floor((dn / tn) * M52); tn = dn; fi[i] = Math.exp(-0.5 * dn * dn); wi[i] = dn / M52;
    }
    for (const [seed, stream] of [[0, 'train'], [7, 'init'], [123456, 'test']] as const) {
      const rng = new Rng(seed, stream);
      const g = rng.state().gen.map((v) => BigInt(v >>> 0)); // [s0 hi, s0 lo, s1 hi, s1 lo]
      let s0 = (g[0]! << 32n) | g[1]!, s1 = (g[2]! << 32n) | g[3]!;
      const next = () => {
        const r = (s0 + s1) & M64;
        const t = s0 ^ s1;
        s0 = rotl(s0, 24n) ^ t ^ ((t << 16n) & M64);
        s1 = rotl(t, 37n);
        return r;
      };
      const uniform = () => Number(next() >> 11n) / 2 ** 53;
      const draw = (): number => {
        for (;;) {
          const r = next();
          const idx = Number(r >> 56n), negative = ((r >> 55n) & 1n) === 1n, rabs = Number(r & ((1n << 52n) - 1n));
          const x = rabs * wi[idx]!;
          if (rabs < ki[idx]!) return negative ? -x : x;
          if (idx === 0) {
            for (;;) {
              const xx = -Math.log1p(-uniform()) / R, yy = -Math.log1p(-uniform());
              if (yy + yy > xx * xx) return negative ? -(R + xx) : R + xx;
            }
          }
          if ((fi[idx - 1]! - fi[idx]!) * uniform() + fi[idx]! < Math.exp(-0.5 * x * x)) return negative ? -x : x;
        }
      };
      const count = 20000;
      const got = new Float64Array(count);
      rng.normals(got, count);
      let tails = 0;
      for (let i = 0; i < count; i++) {
        const want = draw();
        if (Math.abs(want) > R) tails++;
        expect(Math.abs(got[i]! - want), `seed ${seed}, draw ${i}`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(want)));
      }
      const st = rng.state().gen;
      expect([Number(s0 >> 32n) | 0, Number(s0 & 0xffffffffn) | 0, Number(s1 >> 32n) | 0, Number(s1 & 0xffffffffn) | 0]).toEqual(st);
      expect(tails, 'some draws took the tail path').toBeGreaterThan(0);
    }
  });

  it('normal draws follow N(0, 1): Kolmogorov–Smirnov, moments, both tails, the sign', () => {
    const N = 1 << 20;
    const z = new Float64Array(N);
    new Rng(2024, 'aux').normals(z, N);
    // Φ by erfc (W. J. Cody's rational approximation through Numerical Recipes' erfc, |error| < 1.2e-7)
    const erfc = (x: number) => {
      const t = 1 / (1 + 0.5 * Math.abs(x));
      const y = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
      return x >= 0 ? y : 2 - y;
    };
    const Phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
    const sorted = Float64Array.from(z).sort();
    let ks = 0;
    for (let i = 0; i < N; i++) {
      const F = Phi(sorted[i]!);
      ks = Math.max(ks, Math.abs(F - i / N), Math.abs(F - (i + 1) / N));
    }
    expect(ks, 'KS distance').toBeLessThan(1.63 / Math.sqrt(N)); // the 1% critical value
    let m1 = 0, m2 = 0, m3 = 0, m4 = 0, pos = 0;
    for (const v of z) { m1 += v; m2 += v * v; m3 += v ** 3; m4 += v ** 4; if (v > 0) pos++; }
    expect(Math.abs(m1 / N)).toBeLessThan(4 / Math.sqrt(N));
    expect(Math.abs(m2 / N - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
    expect(Math.abs(m3 / N)).toBeLessThan(4 * Math.sqrt(15 / N));
    expect(Math.abs(m4 / N - 3)).toBeLessThan(4 * Math.sqrt(96 / N));
    expect(Math.abs(pos / N - 0.5)).toBeLessThan(4 * 0.5 / Math.sqrt(N));
    // the tail beyond the base strip (R = 3.654) and beyond 4.5, each side: binomial counts within 4.5σ
    for (const [t, p] of [[3.6541528853610088, 0.5 * erfc(3.6541528853610088 / Math.SQRT2)], [4.5, 0.5 * erfc(4.5 / Math.SQRT2)]] as const) {
      const hi = z.filter((v) => v > t).length, lo = z.filter((v) => v < -t).length;
      const sd = Math.sqrt(N * p * (1 - p));
      expect(Math.abs(hi - N * p), `upper tail beyond ${t}`).toBeLessThan(4.5 * sd + 1);
      expect(Math.abs(lo - N * p), `lower tail beyond ${t}`).toBeLessThan(4.5 * sd + 1);
    }
    // the shape of the tail path's draws: E[|z| − R | |z| > R] = φ(R)/Q(R) − R = 0.2449 for N(0, 1)
    // (an exponential tail without the acceptance test would give 1/R = 0.2737), over 2^23 draws
    const R = 3.6541528853610088;
    const big = new Float64Array(1 << 23);
    new Rng(2025, 'aux').normals(big, big.length);
    const excess = Array.from(big.filter((v) => Math.abs(v) > R), (v) => Math.abs(v) - R);
    const mean = excess.reduce((a, b) => a + b, 0) / excess.length;
    const sd = Math.sqrt(excess.reduce((a, b) => a + (b - mean) ** 2, 0) / (excess.length - 1));
    const want = Math.exp(-R * R / 2) / Math.sqrt(2 * Math.PI) / (0.5 * erfc(R / Math.SQRT2)) - R;
    expect(Math.abs(mean - want), `mean excess beyond R over ${excess.length} tail draws`).toBeLessThan(4 * sd / Math.sqrt(excess.length));
  });

  const cfg = resolveConfig({ seed: 11, data: { n: 50, d: 20, nTest: 30, noise: { mode: 'independent', eta: 0.2 } } });
  it('the same seed gives the same bits', () => {
    const a = sampleProblem(cfg), b = sampleProblem(cfg);
    expectBitEqual(a.train.x, b.train.x, 'train x');
    expectBitEqual(a.test.y, b.test.y, 'test y');
  });
  it('training data does not change when only the test size changes (independent streams)', () => {
    const a = sampleProblem(cfg);
    const b = sampleProblem(resolveConfig({ ...cfg, data: { ...cfg.data, nTest: 300 } }));
    expectBitEqual(a.train.x, b.train.x, 'train x');
  });
  it('Rng state serializes and resumes the same sequence', () => {
    const r = new Rng(12, 'aux');
    r.normal();
    const st = r.state();
    const seq = [r.normal(), r.uniform(), r.normal()];
    const r2 = Rng.fromState(JSON.parse(JSON.stringify(st)));
    expect([r2.normal(), r2.uniform(), r2.normal()]).toEqual(seq);
  });
});

describe('network init (eq. 1)', () => {
  it('second layer ±1/√m, odd m gets a_m = 0', () => {
    expect(Array.from(secondLayer(4))).toEqual([0.5, 0.5, -0.5, -0.5]);
    const a5 = secondLayer(5);
    expect(a5[4]).toBe(0);
    expect(a5.filter((v) => v > 0).length).toBe(2);
    expect(a5.filter((v) => v < 0).length).toBe(2);
  });
  it('W(0) entries are N(0, ω²)', () => {
    const w = initWeights(200, 100, 0.01, 3);
    let s = 0, s2 = 0;
    for (const v of w) { s += v; s2 += v * v; }
    expect(Math.abs(s / w.length)).toBeLessThan(0.01 * 0.02);
    expect(Math.abs(Math.sqrt(s2 / w.length) / 0.01 - 1)).toBeLessThan(0.01);
  });
});
