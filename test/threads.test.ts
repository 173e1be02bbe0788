// One run on a team of threads (the threaded SIMD build on a shared memory, worker_threads): the same
// bits as one thread on every path, shape and piece of work, including the risk, accuracies,
// evaluations, the non-finite stop and a step cut into pieces; workers come back for the next run
// after a run ends, fails or is cancelled; bad `threads` values are refused by name.
import { describe, expect, it } from 'vitest';
import { AbortError, ConfigError, NonFiniteLossError, paperInstrument, train, trainSync } from '../src/index.js';
import { chooseThreads } from '../src/train/train.js';
import { expectBitEqual } from './helpers.js';

const shapes = [
  // d < 16·T: G split by columns (m = 37 leaves a column tail; n = 103 a row tail)
  { name: 'small d, ragged', seed: 11, data: { n: 103, d: 6, nTest: 50 }, model: { m: 37 }, train: { alpha: 0.3, steps: 120 } },
  // d ≥ 16·T: G split by rows (d = 70 is not a multiple of 4)
  { name: 'larger d', seed: 12, data: { n: 64, d: 70, nTest: 30 }, model: { m: 48 }, train: { alpha: 0.3, steps: 120 } },
  // more samples than a row share of 4, fewer than threads × 4
  { name: 'tiny n', seed: 13, data: { n: 6, d: 20, nTest: 10 }, model: { m: 9 }, train: { alpha: 0.3, steps: 60 } },
];

describe.each(shapes)('threads give the bits of one thread: $name', ({ name: _n, ...cfg }) => {
  for (const path of ['primal', 'kernel'] as const) {
    it(`${path} path, 2 and 3 threads`, () => {
      // a fresh instrument per run (paperInstrument records Lemmas 3 and 4 once, at its first call)
      const opts = () => ({ backend: 'simd' as const, path, evalAt: { every: 40 }, keepAccuracy: true, instrument: paperInstrument(cfg).instrument });
      const one = trainSync(cfg, { ...opts(), threads: 1 });
      expect(one.threads).toBe(1);
      for (const threads of [2, 3]) {
        const many = trainSync(cfg, { ...opts(), threads });
        expect(many.threads).toBe(threads);
        expect(many.path).toBe(path);
        expectBitEqual(many.losses, one.losses, `losses, ${threads} threads`);
        expectBitEqual(many.trainAccs, one.trainAccs, `per-step accuracy, ${threads} threads`);
        expectBitEqual(many.weights, one.weights, `W(T), ${threads} threads`);
        expect(JSON.stringify(many.history)).toBe(JSON.stringify(one.history));
      }
    });
  }
});

describe('threads and the rest of a run', () => {
  const cfg = { seed: 21, data: { n: 90, d: 40, nTest: 40 }, model: { m: 33 }, train: { alpha: 0.3, steps: 40 } };

  it('a step cut into pieces (tiny chunkMs) on 2 threads gives the bits of whole steps on 1', () => {
    for (const path of ['primal', 'kernel'] as const) {
      const one = trainSync(cfg, { backend: 'simd', path, threads: 1, evalAt: [0, 40] });
      const pieces = trainSync(cfg, { backend: 'simd', path, threads: 2, chunkMs: 1e-6, evalAt: [0, 40] });
      expectBitEqual(pieces.losses, one.losses, `${path} losses`);
      expectBitEqual(pieces.weights, one.weights, `${path} W(T)`);
    }
  });

  it('a non-finite loss stops at the same step with the same last weights', () => {
    const blowUp = { seed: 2, data: { n: 30, d: 100, nTest: 10, muNorm: 1e17 }, model: { m: 8, omegaInit: 1 }, train: { alpha: 1e18, steps: 50 } };
    const fail = (threads: number, path: 'primal' | 'kernel') => {
      try {
        trainSync(blowUp, { backend: 'simd', path, threads });
      } catch (e) {
        return e as NonFiniteLossError;
      }
      throw new Error('expected the run to stop');
    };
    for (const path of ['primal', 'kernel'] as const) {
      const a = fail(1, path), b = fail(2, path);
      expect(b).toBeInstanceOf(NonFiniteLossError);
      expect(b.step).toBe(a.step);
      expectBitEqual(b.lastFiniteWeights!, a.lastFiniteWeights!, `${path} last weights`);
    }
  });

  it('workers come back after a cancelled run, and the next run still matches', async () => {
    const big = { seed: 22, data: { n: 400, d: 300, nTest: 0 }, model: { m: 64 }, train: { alpha: 0.1, steps: 100000 } };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(train(big, { backend: 'simd', path: 'primal', threads: 2, signal: ac.signal, evalAt: [] })).rejects.toBeInstanceOf(AbortError);
    const one = trainSync(cfg, { backend: 'simd', threads: 1 });
    const two = await train(cfg, { backend: 'simd', threads: 2 });
    expectBitEqual(two.weights, one.weights, 'W(T) after a cancelled run');
  });

  it('refuses bad thread counts by name', () => {
    for (const bad of [0, -1, 1.5, NaN, 257, '2', null]) {
      expect(() => trainSync(cfg, { threads: bad as never })).toThrow(/threads/);
    }
    expect(() => trainSync(cfg, { backend: 'scalar', threads: 2 })).toThrow(ConfigError);
    expect(() => trainSync(cfg, { backend: 'js', threads: 2 })).toThrow(/threads.*js backend/);
  });

  it("'auto' takes one thread for small steps and every core for big ones", () => {
    expect(chooseThreads('auto', 'simd', 1e5)).toBe(1);
    expect(chooseThreads(undefined, 'js', 1e12)).toBe(1);
    expect(chooseThreads('auto', 'scalar', 1e12)).toBe(1);
    expect(chooseThreads('auto', 'simd', 1e12)).toBeGreaterThanOrEqual(1);
    expect(trainSync(cfg, { backend: 'simd' }).threads).toBe(1);
  });
});
