// Sweep files (issue 9, first part): checked whole before anything runs, each mistake named where the
// sweep made it; expanded in a fixed order into runs whose ids hash what the run computes.
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/index.js';
import { expandSweep, hash64, MAX_SWEEP_RUNS, parseSweep } from '../src/sweep/spec.js';

const base = { data: { d: 20, nTest: 50 }, train: { steps: 10 } };

function refused(input: unknown): ConfigError {
  try {
    expandSweep(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('not refused');
}

describe('sweep files: expansion', () => {
  it('configs × grid (last field fastest) × seeds, each run resolved, in a fixed order', () => {
    const noisy = { ...base, data: { ...base.data, noise: { mode: 'exact' } } };
    const runs = expandSweep({
      base: noisy, grid: { 'data.n': [40, 80], 'data.noise.eta': [0.1, 0.2] }, seeds: [3, 4], evalAt: { every: 5 }, instruments: { paper: true },
    });
    expect(runs).toHaveLength(8);
    expect(runs.map((r) => [r.config.data.n, (r.config.data.noise as { eta: number }).eta, r.config.seed])).toEqual([
      [40, 0.1, 3], [40, 0.1, 4], [40, 0.2, 3], [40, 0.2, 4], [80, 0.1, 3], [80, 0.1, 4], [80, 0.2, 3], [80, 0.2, 4],
    ]);
    expect(runs[5]!.point).toEqual({ 'data.n': 80, 'data.noise.eta': 0.1 });
    expect(runs[0]!.config).toEqual(resolveConfig({ ...base, seed: 3, data: { ...base.data, n: 40, noise: { mode: 'exact', eta: 0.1 } } }));
    // a field no part of the sweep set, which the config needs, is named as such
    expect(refused({ base, grid: { 'data.noise.mode': ['exact', 'flip'] }, seeds: [0] }).field).toBe('sweep.grid["data.noise.mode"][1]');
    // a grid path below a field: that grid entry is named
    expect(refused({ base, grid: { 'data.noise.eta.x': [1] }, seeds: [0] }).field).toBe('sweep.grid["data.noise.eta.x"]');
    // seeds come from sweep.seeds only: one in base or a configs item is refused, not silently replaced
    expect(refused({ base: { ...base, seed: 5 }, seeds: [0] }).field).toBe('sweep.base.seed');
    expect(refused({ base, configs: [{}, { seed: 2 }], seeds: [0] }).field).toBe('sweep.configs[1].seed');
    expect(runs[0]!.evalSteps).toEqual([0, 5, 10]);
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(runs.map((r) => r.id)).size).toBe(8);
    for (const r of runs) expect(r.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('ids depend on what the run computes only: key order, the sweep name and spelled-out defaults do not change them', () => {
    const a = expandSweep({ name: 'a', base, grid: { 'data.n': [40] }, seeds: { from: 7, count: 2 } });
    const b = expandSweep({ seeds: [7, 8], grid: { 'data.n': [40] }, name: 'b', base: { train: { steps: 10 }, data: { nTest: 50, d: 20, muNorm: 1 } } });
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    const c = expandSweep({ base, grid: { 'data.n': [40] }, seeds: [7], evalAt: { every: 2 } });
    expect(c[0]!.id).not.toBe(a[0]!.id); // other evaluation steps: another run
    const d = expandSweep({ base, grid: { 'data.n': [40] }, seeds: [7], instruments: { neurons: true } });
    expect(d[0]!.id).not.toBe(a[0]!.id);
  });

  it('a list of configs, each over base, the grid applied to each', () => {
    const runs = expandSweep({ base, configs: [{ model: { m: 10 } }, { model: { m: 12 }, train: { alpha: 0.05 } }], grid: { 'data.n': [30, 60] }, seeds: [0] });
    expect(runs.map((r) => [r.config.model.m, r.config.data.n, r.config.train.alpha, r.config.train.steps])).toEqual([
      [10, 30, 0.1, 10], [10, 60, 0.1, 10], [12, 30, 0.05, 10], [12, 60, 0.05, 10],
    ]);
  });

  it('hash64 is FNV-1a 64', () => {
    expect(hash64('')).toBe('cbf29ce484222325');
    expect(hash64('a')).toBe('af63dc4c8601ec8c');
  });
});

describe('sweep files: refused before anything runs, named where the sweep made the mistake', () => {
  it.each([
    [{ base, seeds: [0], extra: 1 }, 'sweep.extra'],
    [{ base }, 'sweep.seeds'],
    [{ base, seeds: [] }, 'sweep.seeds'],
    [{ base, seeds: [1, 2, 1] }, 'sweep.seeds[2]'],
    [{ base, seeds: [0, -1] }, 'sweep.seeds[1]'],
    [{ base, seeds: { from: 0, count: 0 } }, 'sweep.seeds.count'],
    [{ base, seeds: { count: 2, step: 1 } }, 'sweep.seeds.step'],
    [{ base, seeds: [0], grid: {} }, 'sweep.grid'],
    [{ base, seeds: [0], grid: { 'data.n': [] } }, 'sweep.grid["data.n"]'],
    [{ base, seeds: [0], grid: { 'data.n': 5 } }, 'sweep.grid["data.n"]'],
    [{ base, seeds: [0], grid: { seed: [1, 2] } }, 'sweep.grid["seed"]'],
    [{ base, seeds: [0], grid: { 'data.n': [40, -5] } }, 'sweep.grid["data.n"][1]'],
    [{ base, seeds: [0], grid: { 'data.nn': [40] } }, 'sweep.grid["data.nn"][0]'],
    [{ base, seeds: [0], configs: [{}, { model: { m: 1 } }] }, 'sweep.configs[1].model.m'],
    [{ base, seeds: [0], configs: [] }, 'sweep.configs'],
    [{ base: { ...base, train: { alpha: -1 } }, seeds: [0] }, 'sweep.base.train.alpha'],
    [{ base, seeds: [0], instruments: { paper: true, bogus: 1 } }, 'sweep.instruments.bogus'],
    [{ base, seeds: [0], evalAt: { every: 0 } }, 'sweep.evalAt.every'],
    [{ base, seeds: [0], configs: [{ model: { m: 10 } }, { model: { m: 10 } }] }, 'sweep'],
    [{ base, seeds: { from: 0, count: MAX_SWEEP_RUNS }, grid: { 'data.n': [40, 50] } }, 'sweep'],
    [[], 'sweep'],
  ])('%j → %s', (input, field) => {
    const e = refused(input);
    expect(e.field).toBe(field);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('duplicate runs name both', () => {
    expect(refused({ base, seeds: [0], configs: [{ model: { m: 10 } }, { model: { m: 10 } }] }).message).toMatch(/runs 0 and 1/);
    expect(() => parseSweep({ base, seeds: [0] })).not.toThrow();
  });
});
