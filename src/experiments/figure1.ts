// Figure 1: with 15% flipped labels the learned boundary is the simple XOR boundary; every noisy
// training point is misclassified and every clean one is right. d = 2 by default (the paper's
// picture); for d > 2 the boundary is drawn in the plane spanned by µ1 and µ2.
import { resolveConfig, type RfaConfig } from '../config.js';
import { networkOutputs } from '../metrics/forward.js';
import { projections, theorem1, type Theorem1 } from '../metrics/instruments.js';
import { figure1Spec, type GridCell, type PlanePoint } from '../plot/specs.js';
import type { VlSpec } from '../plot/render.js';
import { train } from '../train/train.js';
import type { RunOptions } from './common.js';
import { checkRange } from '../config.js';

export interface Figure1Options extends RunOptions {
  n?: number;
  d?: number;
  steps?: number;
  eta?: number;
  /** within-cluster σ; the paper's caption gives none: 0.15 keeps the four clusters apart in d = 2 */
  sigma?: number;
  /** grid cells per side for the decision regions */
  grid?: number;
  /** at most this many training points drawn */
  maxPoints?: number;
}

export interface Figure1Result {
  name: 'figure1';
  config: RfaConfig;
  backend: string;
  timeMs: number;
  final: { trainAccClean: number | null; trainAccFlipped: number | null; testAcc: number | null; testAccClean: number | null };
  theorem1: Theorem1;
  /** training points projected on (µ1, µ2), and the predicted sign on a grid of that plane */
  points: PlanePoint[];
  grid: GridCell[];
  spec: VlSpec;
}

export async function figure1(o: Figure1Options = {}): Promise<Figure1Result> {
  const d = o.d ?? 2;
  const config = resolveConfig({
    seed: o.seed ?? 0,
    data: { n: o.n ?? 5000, d, nTest: 6000, sigma: o.sigma ?? 0.15, noise: { mode: 'exact', eta: o.eta ?? 0.15 } },
    train: { steps: o.steps ?? 3000 },
  });
  const r = await train(config, {
    backend: o.backend,
    signal: o.signal,
    onProgress: (p) => o.onProgress?.({ label: 'figure1', done: p.step, total: p.steps }),
  });
  const { problem, weights, a } = r;
  const { m } = config.model;
  const { train: tr } = problem;
  // decision function on the plane x = u·µ1 + v·µ2 needs only W·µ1 and W·µ2
  const p = projections(weights, m, d, problem.mu1), q = projections(weights, m, d, problem.mu2);
  const f = (u: number, v: number) => {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[j]! * Math.max(0, u * p[j]! + v * q[j]!);
    return s;
  };
  const u1 = projections(tr.x, tr.n, d, problem.mu1), u2 = projections(tr.x, tr.n, d, problem.mu2);
  let lim = 0;
  for (let i = 0; i < tr.n; i++) lim = Math.max(lim, Math.abs(u1[i]!), Math.abs(u2[i]!));
  lim = Math.ceil(lim * 10) / 10;
  // the sign of f on a G×G grid, stored as runs of equal sign along each row (few rectangles)
  const G = checkRange('grid', o.grid ?? 200, { integer: true, min: 2, max: 4000 });
  const grid: GridCell[] = [];
  const h = (2 * lim) / G;
  const r4 = (x: number) => +x.toFixed(4);
  for (let gj = 0; gj < G; gj++) {
    const v = -lim + gj * h;
    let start = 0;
    let sign = f(-lim + h / 2, v + h / 2) > 0 ? 1 : -1;
    for (let gi = 1; gi <= G; gi++) {
      const next = gi < G ? (f(-lim + gi * h + h / 2, v + h / 2) > 0 ? 1 : -1) : 0;
      if (next !== sign) {
        grid.push({ u: r4(-lim + start * h), u2: r4(-lim + gi * h), v: r4(v), v2: r4(v + h), pred: sign });
        start = gi;
        sign = next;
      }
    }
  }
  const maxPoints = checkRange('maxPoints', o.maxPoints ?? 2000, { integer: true, min: 1, max: 1e7 });
  const points: PlanePoint[] = [];
  const stride = Math.max(1, Math.ceil(tr.n / maxPoints));
  for (let i = 0; i < tr.n; i++) {
    // thin clean and flipped points alike, so the picture keeps the true share of flipped labels
    if (i % stride === 0) points.push({ u: +u1[i]!.toFixed(4), v: +u2[i]!.toFixed(4), label: tr.y[i]!, flipped: tr.flipped![i] === 1 });
  }
  const last = r.history.at(-1)!;
  const fTrain = networkOutputs(tr.x, tr.n, d, weights, a, r.backend);
  const fTest = networkOutputs(problem.test.x, problem.test.n, d, weights, a, r.backend);
  const t1 = theorem1(fTrain, tr, fTest, problem.test, config);
  const title = d === 2 ? `Figure 1: learned decision boundary, d = 2, n = ${tr.n}, T = ${config.train.steps}` : `Figure 1 in the (µ1, µ2) plane, d = ${d}, n = ${tr.n}`;
  return {
    name: 'figure1',
    config,
    backend: r.backend,
    timeMs: r.timeMs,
    final: { trainAccClean: last.trainAccClean, trainAccFlipped: last.trainAccFlipped, testAcc: last.testAcc, testAccClean: last.testAccClean },
    theorem1: t1,
    points,
    grid,
    spec: figure1Spec(points, grid, config.train.steps, title),
  };
}
