// Figure 2: the paper's two regimes with Appendix E's values (m = 400, σ² = 1/d^1.2, 15% flips,
// ω_init² = 0.01/(m·d), α = 0.1, 6000 test samples), run far past the point where the network
// fits the flipped labels. Low-dimensional (n ≫ d): test accuracy falls once the flipped labels
// are fitted. High-dimensional (d ≫ n): test accuracy stays at the optimal 85% after interpolation.
import { checkRange, isPlainObject, resolveConfig, type RfaConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { figure2Spec, type CurvePoint } from '../plot/specs.js';
import type { VlSpec } from '../plot/render.js';
import { train, type EvalRecord } from '../train/train.js';
import type { RunOptions } from './common.js';

export type Figure2Size = 'quick' | 'full';

/**
 * Panel sizes. Low-dimensional: n/d = 20, so the flipped points can only be fitted by carving
 * small pockets around them, which costs test accuracy. High-dimensional: d/n = 10, so the
 * n points are nearly orthogonal and the flipped ones are fitted along directions that do not
 * move the XOR boundary. The quick size keeps the same ratios at a cost of under a minute.
 */
export const FIGURE2_PANELS: Record<Figure2Size, { name: string; n: number; d: number; steps: number }[]> = {
  quick: [
    { name: 'low-dimensional (n ≫ d)', n: 200, d: 10, steps: 100_000 },
    { name: 'high-dimensional (d ≫ n)', n: 30, d: 300, steps: 20_000 },
  ],
  full: [
    { name: 'low-dimensional (n ≫ d)', n: 400, d: 20, steps: 1_000_000 },
    { name: 'high-dimensional (d ≫ n)', n: 50, d: 1000, steps: 100_000 },
  ],
};

export interface Figure2Panel {
  name: string;
  config: RfaConfig;
  backend: string;
  timeMs: number;
  history: EvalRecord[];
  /** the first recorded step at which every training point is fitted (null if never) */
  interpolationStep: number | null;
  /** the best test accuracy seen and the final one */
  bestTestAcc: number;
  finalTestAcc: number;
  finalTrainAccFlipped: number;
}

export interface Figure2Result {
  name: 'figure2';
  /** 'quick', 'full' or 'custom' (panels given) */
  size: string;
  panels: Figure2Panel[];
  spec: VlSpec;
}

export interface Figure2Options extends RunOptions {
  size?: Figure2Size;
  /** override the panels' sizes */
  panels?: { name: string; n: number; d: number; steps: number }[];
  /** evaluation points per panel on the log axis */
  points?: number;
}

export async function figure2(o: Figure2Options = {}): Promise<Figure2Result> {
  const size = o.panels ? 'custom' : o.size ?? 'quick';
  if (o.size !== undefined && !(o.size in FIGURE2_PANELS)) throw new ConfigError('size', o.size, 'one of "quick", "full"');
  const specs = o.panels ?? FIGURE2_PANELS[o.size ?? 'quick'];
  if (!Array.isArray(specs) || specs.length === 0) throw new ConfigError('panels', specs, 'a non-empty array of { name, n, d, steps }');
  const evalPoints = checkRange('points', o.points ?? 40, { integer: true, min: 1, max: 100000 });
  // every panel's config is checked before the first one runs
  const configs = specs.map((p, i) => {
    if (!isPlainObject(p) || typeof p.name !== 'string') throw new ConfigError(`panels[${i}]`, p, 'an object { name, n, d, steps } with a name');
    return resolveConfig({ seed: o.seed ?? 0, data: { n: p.n, d: p.d, nTest: 6000 }, train: { steps: p.steps } });
  });
  const total = specs.reduce((s, p) => s + p.steps * p.n * p.d, 0);
  let doneBefore = 0;
  const panels: Figure2Panel[] = [];
  for (const [i, p] of specs.entries()) {
    const config = configs[i]!;
    const r = await train(config, {
      backend: o.backend,
      signal: o.signal,
      evalAt: { log: evalPoints },
      keepLosses: false,
      onProgress: (q) => o.onProgress?.({ label: 'figure2', done: doneBefore + q.step * p.n * p.d, total }),
    });
    doneBefore += p.steps * p.n * p.d;
    const interp = r.history.find((h) => h.trainAcc === 1);
    const tests = r.history.map((h) => h.testAcc!);
    panels.push({
      name: p.name,
      config,
      backend: r.backend,
      timeMs: r.timeMs,
      history: r.history,
      interpolationStep: interp ? interp.step : null,
      bestTestAcc: Math.max(...tests),
      finalTestAcc: tests.at(-1)!,
      finalTrainAccFlipped: r.history.at(-1)!.trainAccFlipped!,
    });
  }
  const points: CurvePoint[] = [];
  for (const panel of panels) {
    const label = `${panel.name}: n = ${panel.config.data.n}, d = ${panel.config.data.d}`;
    for (const h of panel.history) {
      points.push({ panel: label, step: h.step, series: 'train (all)', accuracy: h.trainAcc });
      points.push({ panel: label, step: h.step, series: 'train (clean points)', accuracy: h.trainAccClean! });
      points.push({ panel: label, step: h.step, series: 'train (flipped points)', accuracy: h.trainAccFlipped! });
      points.push({ panel: label, step: h.step, series: 'test (noisy labels)', accuracy: h.testAcc! });
    }
  }
  return { name: 'figure2', size, panels, spec: figure2Spec(points, 'Figure 2: accuracy over training, two regimes') };
}
