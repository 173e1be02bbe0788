// Sweeps: test error against the noise rate η (Theorem 1: ≈ η), and Proposition 2's feature
// change against the initialization scale ω_init·√(m·d).
import { checkRange, RANGES, resolveConfig } from '../config.js';
import { preactivations } from '../metrics/forward.js';
import { featureChange } from '../metrics/instruments.js';
import { linearBaseline } from '../metrics/baselines.js';
import { sweepSpec, type SweepRow } from '../plot/specs.js';
import type { VlSpec } from '../plot/render.js';
import { train } from '../train/train.js';
import { checkAborted, checkList, SEEDS_RANGE, type RunOptions } from './common.js';

/** ω_init·√(m·d): any positive scale up to 10⁶. */
export const SCALE_RANGE = { min: 0, max: 1e6, minOpen: true } as const;

export interface NoiseSweepOptions extends RunOptions {
  etas?: number[];
  seeds?: number;
  n?: number;
  d?: number;
  nTest?: number;
}

export interface NoiseSweepRow { eta: number; seed: number; testError: number; testErrorClean: number; cleanAllRight: boolean; flippedAllWrong: boolean; linearTestError: number }

export interface NoiseSweepResult {
  name: 'noise-sweep';
  settings: { n: number; d: number; nTest: number; steps: number; seeds: number };
  rows: NoiseSweepRow[];
  /** max over η of |mean test error − η| */
  maxGap: number;
  spec: VlSpec;
}

export async function noiseSweep(o: NoiseSweepOptions = {}): Promise<NoiseSweepResult> {
  const etas = checkList('etas', o.etas ?? [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], RANGES['data.noise.eta']);
  const seeds = checkRange('seeds', o.seeds ?? 3, SEEDS_RANGE);
  const n = o.n ?? 200, d = o.d ?? 1000, nTest = o.nTest ?? 3000;
  const rows: NoiseSweepRow[] = [];
  let steps = 0;
  const total = etas.length * seeds;
  for (const eta of etas) {
    for (let s = 0; s < seeds; s++) {
      checkAborted(o.signal, rows.length);
      const seed = (o.seed ?? 0) * 1000 + s;
      const config = resolveConfig({ seed, data: { n, d, nTest, noise: { mode: 'exact', eta } } });
      steps = config.train.steps;
      const r = await train(config, { backend: o.backend, signal: o.signal });
      const last = r.history.at(-1)!;
      const lin = s === 0 ? linearBaseline(r.problem.train, r.problem.test, 200) : null;
      rows.push({
        eta, seed,
        testError: 1 - last.testAcc!,
        testErrorClean: 1 - last.testAccClean!,
        cleanAllRight: last.trainAccClean === 1,
        flippedAllWrong: (last.trainAccFlipped ?? 0) === 0,
        linearTestError: lin ? 1 - lin.testAcc! : NaN,
      });
      o.onProgress?.({ label: 'noise-sweep', done: rows.length, total });
    }
  }
  let maxGap = 0;
  for (const eta of etas) {
    const rs = rows.filter((r) => r.eta === eta);
    maxGap = Math.max(maxGap, Math.abs(rs.reduce((s, r) => s + r.testError, 0) / rs.length - eta));
  }
  const plot: SweepRow[] = [
    ...rows.map((r) => ({ x: r.eta, y: r.testError, seed: r.seed, series: 'network: test error (noisy labels)' })),
    ...rows.filter((r) => Number.isFinite(r.linearTestError)).map((r) => ({ x: r.eta, y: r.linearTestError, seed: r.seed, series: 'linear classifier: test error' })),
  ];
  return {
    name: 'noise-sweep',
    settings: { n, d, nTest, steps, seeds },
    rows,
    maxGap,
    spec: sweepSpec(plot, {
      title: 'Test error against the noise rate',
      subtitle: `n = ${n}, d = ${d}, T = ${steps}, ${seeds} seeds per η; dashed: y = η (Theorem 1)`,
      xTitle: 'noise rate η', yTitle: 'test error', identity: true,
    }),
  };
}

export interface InitSweepOptions extends RunOptions {
  /** values of ω_init·√(m·d) */
  scales?: number[];
  seeds?: number;
  n?: number;
  d?: number;
}

export interface InitSweepRow { omegaSqrtMd: number; omegaInit: number; seed: number; minRatio: number; medianRatio: number; scaled: number; testAcc: number }

export interface InitSweepResult {
  name: 'init-sweep';
  settings: { n: number; d: number; m: number; steps: number; seeds: number };
  rows: InitSweepRow[];
  spec: VlSpec;
}

export async function initSweep(o: InitSweepOptions = {}): Promise<InitSweepResult> {
  const scales = checkList('scales', o.scales ?? [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10], SCALE_RANGE);
  const seeds = checkRange('seeds', o.seeds ?? 2, SEEDS_RANGE);
  const n = o.n ?? 200, d = o.d ?? 1000, m = 400;
  const rows: InitSweepRow[] = [];
  let steps = 0;
  for (const sc of scales) {
    for (let s = 0; s < seeds; s++) {
      checkAborted(o.signal, rows.length);
      const omegaInit = sc / Math.sqrt(m * d);
      const config = resolveConfig({ seed: (o.seed ?? 0) * 1000 + s, data: { n, d, nTest: 2000 }, model: { m, omegaInit } });
      steps = config.train.steps;
      const r = await train(config, { backend: o.backend, signal: o.signal });
      const tr = r.problem.train;
      const fc = featureChange(preactivations(tr.x, n, d, r.initialWeights, m, r.backend), preactivations(tr.x, n, d, r.weights, m, r.backend), n, m, omegaInit, d);
      rows.push({ omegaSqrtMd: sc, omegaInit, seed: config.seed, minRatio: fc.min, medianRatio: fc.median, scaled: fc.scaled, testAcc: r.history.at(-1)!.testAcc! });
      o.onProgress?.({ label: 'init-sweep', done: rows.length, total: scales.length * seeds });
    }
  }
  const plot: SweepRow[] = rows.map((r) => ({ x: r.omegaSqrtMd, y: r.minRatio, seed: r.seed, series: 'min over training points of ‖φ(W(T)x) − φ(W(0)x)‖ / ‖φ(W(0)x)‖' }));
  const lo = Math.min(...scales), hi = Math.max(...scales);
  const ref = [{ x: lo, y: 1 / lo, seed: -1, series: '1/(ω_init·√(md)) (Proposition 2, C = 1)' }, { x: hi, y: 1 / hi, seed: -1, series: '1/(ω_init·√(md)) (Proposition 2, C = 1)' }];
  return {
    name: 'init-sweep',
    settings: { n, d, m, steps, seeds },
    rows,
    spec: sweepSpec([...plot, ...ref], {
      title: 'Proposition 2: the feature map moves far from its initialization',
      subtitle: `n = ${n}, d = ${d}, m = ${m}, T = ${steps}; relative change of φ(Wx) against the init scale`,
      xTitle: 'ω_init·√(m·d)', yTitle: 'relative feature change', logX: true, logY: true,
    }),
  };
}
