// Baselines on the same data: a linear classifier trained by gradient descent on the logistic
// loss (the paper: no better than chance on this distribution), and the ideal classifier of
// eq. (2), sgn(|⟨µ1,x⟩| − |⟨µ2,x⟩|) (Appendix D: near-optimal).
import { idealPredict, type XorDataset, type XorMeans } from '../data.js';
import { logisticDerivRef } from '../reference.js';

export interface BaselineReport {
  trainAcc: number;
  testAcc: number | null;
  testAccClean: number | null;
}

function acc(pred: (i: number) => number, y: ArrayLike<number> | null, n: number): number | null {
  if (!y || n === 0) return null;
  let right = 0;
  for (let i = 0; i < n; i++) if (pred(i) * y[i]! > 0) right++;
  return right / n;
}

export interface LinearModel { v: Float64Array; b: number }

/**
 * x ↦ sgn(⟨v, x⟩ + b), trained by full-batch GD on the logistic loss from v = 0, with the safe
 * step size 4/max‖(x_i, 1)‖² (the loss is (max‖x̃‖²/4)-smooth). O(steps·n·d) in JS.
 */
export function trainLinear(train: XorDataset, steps = 500): LinearModel {
  const { n, d, x, y } = train;
  let maxSq = 0;
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let k = 0; k < d; k++) s += x[i * d + k]! ** 2;
    maxSq = Math.max(maxSq, s);
  }
  const lr = 4 / maxSq;
  const v = new Float64Array(d);
  const g = new Float64Array(d);
  let b = 0;
  for (let t = 0; t < steps; t++) {
    g.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let f = b;
      for (let k = 0; k < d; k++) f += v[k]! * x[i * d + k]!;
      const c = (logisticDerivRef(y[i]! * f) * y[i]!) / n;
      for (let k = 0; k < d; k++) g[k]! += c * x[i * d + k]!;
      gb += c;
    }
    for (let k = 0; k < d; k++) v[k]! -= lr * g[k]!;
    b -= lr * gb;
  }
  return { v, b };
}

export function linearOutput(model: LinearModel, ds: XorDataset): Float64Array {
  const out = new Float64Array(ds.n);
  for (let i = 0; i < ds.n; i++) {
    let f = model.b;
    for (let k = 0; k < ds.d; k++) f += model.v[k]! * ds.x[i * ds.d + k]!;
    out[i] = f;
  }
  return out;
}

export function linearBaseline(train: XorDataset, test: XorDataset, steps = 500): BaselineReport & { model: LinearModel } {
  const model = trainLinear(train, steps);
  const ft = linearOutput(model, train), fs = linearOutput(model, test);
  return {
    model,
    trainAcc: acc((i) => ft[i]!, train.y, train.n)!,
    testAcc: acc((i) => fs[i]!, test.y, test.n),
    testAccClean: acc((i) => fs[i]!, test.cleanY, test.n),
  };
}

export function idealBaseline(train: XorDataset, test: XorDataset, means: XorMeans): BaselineReport {
  const pt = idealPredict(train, means), ps = idealPredict(test, means);
  return {
    trainAcc: acc((i) => pt[i]!, train.y, train.n)!,
    testAcc: acc((i) => ps[i]!, test.y, test.n),
    testAccClean: acc((i) => ps[i]!, test.cleanY, test.n),
  };
}
