// The sampler of docs/computation.md §Data: cluster weights, laws, every noise mode, means, reproducibility.
import { describe, expect, it } from 'vitest';
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
  it('Rng.normals gives the values and the state of as many normal() calls (odd counts, a pending spare)', () => {
    for (const counts of [[1], [2], [3, 4], [5, 1, 1, 2], [0, 7], [1001]]) {
      for (const pending of [false, true]) {
        const a = new Rng(9, 'test'), b = new Rng(9, 'test');
        if (pending) {
          a.normal();
          b.normal();
        }
        for (const c of counts) {
          const out = new Float64Array(c + 1);
          a.normals(out, c);
          for (let i = 0; i < c; i++) expect(Object.is(out[i], b.normal()), `counts ${counts}, value ${i}`).toBe(true);
          expect(out[c]).toBe(0); // nothing written past count
        }
        expect(a.state()).toEqual(b.state());
        expect(a.uniform()).toBe(b.uniform());
      }
    }
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
