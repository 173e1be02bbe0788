// The paper's claims at small scale with fixed seeds (statistical: several seeds, stated tolerances).
import { describe, expect, it } from 'vitest';
import { resolveConfig, theoryConfig, trainSync } from '../src/index.js';
import { linearBaseline, idealBaseline } from '../src/metrics/baselines.js';
import { networkOutputs } from '../src/metrics/forward.js';
import { lemma4Sets, normalizedCorrelations, stats, theorem1 } from '../src/metrics/instruments.js';

const SEEDS = [1, 2, 3, 4, 5];

describe('Theorem 1 in a setting that meets (A1)–(A7) with C = 10', () => {
  const runs = SEEDS.map((seed) => {
    const config = theoryConfig(10, { seed, n: 200, d: 1000, nTest: 2000 });
    const r = trainSync(config);
    const { train, test } = r.problem;
    return {
      r,
      t1: theorem1(networkOutputs(train.x, train.n, train.d, r.weights, r.a), train, networkOutputs(test.x, test.n, test.d, r.weights, r.a), test, config),
    };
  });

  it('at T = 1 + 1/(4α) every clean point is right and every flipped one wrong, for most seeds', () => {
    const ok = runs.filter(({ t1 }) => t1.cleanAllRight && t1.flippedAllWrong).length;
    expect(ok, `${ok} of ${SEEDS.length} seeds`).toBeGreaterThanOrEqual(4);
  });

  it('the median test error is within 3% of η', () => {
    const errs = runs.map(({ t1 }) => t1.testError!).sort((a, b) => a - b);
    expect(Math.abs(errs[2]! - 0.1)).toBeLessThan(0.03);
  });

  it('one step amplifies the correlations from order 1/√d to order 1 (Lemma 12)', () => {
    const c = theoryConfig(10, { seed: 1, n: 200, d: 1000, nTest: 0 });
    const one = trainSync({ ...c, train: { ...c.train, steps: 1 } });
    const sets = lemma4Sets(one.initialWeights, one.a, 400, 1000, one.problem, 2);
    const own = (w: ArrayLike<number>) => {
      const k = normalizedCorrelations(w, 400, 1000, one.problem);
      return sets.sets.flatMap((idx, g) => Array.from(idx, (j) => (g < 2 ? k.mu1[j]! : k.mu2[j]!) * (g % 2 ? -1 : 1)));
    };
    const m0 = stats(own(one.initialWeights)).median, m1 = stats(own(one.weights)).median;
    expect(m0 * Math.sqrt(1000)).toBeLessThan(3);
    expect(m1).toBeGreaterThan(0.3);
  });
});

describe('baselines on the Appendix E setting', () => {
  const runs = [1, 2, 3].map((seed) => trainSync(resolveConfig({ seed, data: { n: 200, d: 500, nTest: 3000 } }), { keepLosses: false }));
  it('a linear classifier trained by GD is near chance', () => {
    const accs = runs.map((r) => linearBaseline(r.problem.train, r.problem.test, 200).testAcc!);
    const mean = accs.reduce((s, a) => s + a, 0) / accs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.06);
  });
  it('the ideal classifier of eq. (2) is near 1 − η, and the network matches it', () => {
    for (const r of runs) {
      const ideal = idealBaseline(r.problem.train, r.problem.test, r.problem);
      expect(Math.abs(ideal.testAcc! - 0.85)).toBeLessThan(0.025);
      expect(Math.abs(r.history.at(-1)!.testAcc! - ideal.testAcc!)).toBeLessThan(0.02);
    }
  });
});
