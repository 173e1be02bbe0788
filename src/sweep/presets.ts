// Preset sweeps: maps of where random feature amplification holds, ready to run
// (`rfa sweep run --preset NAME --out DIR`) or to print and edit (`rfa sweep preset NAME`).
import type { SweepSpec } from './spec.js';

export const SWEEP_PRESETS: Record<string, { description: string; plot: { x: string; y: string; metric: string }; sweep: SweepSpec }> = {
  'overfitting-boundary': {
    description: "test error − η over (n, d) after 10⁵ steps: Figure 2's boundary between harmful (n ≫ d) and benign (d ≫ n) overfitting of the flipped labels",
    plot: { x: 'data.d', y: 'data.n', metric: 'excessError' },
    sweep: {
      name: 'overfitting boundary over (n, d), 10^5 steps',
      base: { data: { nTest: 2000, noise: { mode: 'exact', eta: 0.15 } }, model: { m: 100 }, train: { alpha: 0.1, steps: 100_000 } },
      grid: { 'data.n': [25, 50, 100, 200], 'data.d': [10, 30, 100, 300, 1000] },
      seeds: { from: 0, count: 2 },
      evalAt: { log: 24 },
      checkpoint: { everySeconds: 60 },
    },
  },
  'noise-init': {
    description: 'test error − η and the flipped points fitted over (η, ω_init) in the low-dimensional regime (n = 200, d = 10) after 10⁵ steps: larger inits memorize more flipped labels',
    plot: { x: 'model.omegaInit', y: 'data.noise.eta', metric: 'excessError' },
    sweep: {
      name: 'noise rate and init scale, n = 200, d = 10, 10^5 steps',
      base: { data: { n: 200, d: 10, nTest: 1000, noise: { mode: 'exact', eta: 0.15 } }, model: { m: 100 }, train: { alpha: 0.1, steps: 100_000 } },
      grid: { 'data.noise.eta': [0.05, 0.1, 0.2, 0.3], 'model.omegaInit': [1e-4, 1e-2, 0.1, 0.3, 1] },
      seeds: { from: 0, count: 2 },
      evalAt: { log: 24 },
    },
  },
};
