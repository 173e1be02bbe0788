// The float64 reference engine: the same step as the kernels, in plain loops over Float64Arrays.
import type { XorDataset } from '../data.js';
import {
  gemmXwtRef, gradRef, logisticLossGradRef, networkOutputRef, reluBackwardRef,
} from '../reference.js';
import type { Engine, EngineInit } from './engine.js';

export class JsEngine implements Engine {
  readonly backend = 'js' as const;
  readonly m: number;
  readonly d: number;
  private readonly n: number;
  private readonly x: Float64Array<ArrayBuffer>;
  private readonly y: Float64Array<ArrayBuffer>;
  private readonly a: Float64Array<ArrayBuffer>;
  private readonly w: Float64Array<ArrayBuffer>;
  private readonly test: XorDataset | null;
  private readonly alpha: number;
  private readonly dphi0: number;
  private readonly z: Float64Array<ArrayBuffer>;
  private readonly g: Float64Array<ArrayBuffer>;
  private readonly ckpt: [Float64Array, Float64Array];

  constructor(init: EngineInit) {
    this.n = init.train.n;
    this.d = init.train.d;
    this.m = init.a.length;
    this.x = Float64Array.from(init.train.x);
    this.y = Float64Array.from(init.train.y);
    this.a = Float64Array.from(init.a);
    this.w = new Float64Array(this.m * this.d);
    this.test = init.test;
    this.alpha = init.alpha;
    this.dphi0 = init.dphi0;
    this.z = new Float64Array(this.n * this.m);
    this.g = new Float64Array(this.m * this.d);
    this.ckpt = [new Float64Array(this.m * this.d), new Float64Array(this.m * this.d)];
    this.setWeights(init.w);
  }

  setWeights(w: ArrayLike<number>): void {
    for (let i = 0; i < this.w.length; i++) this.w[i] = w[i]!;
  }

  checkpoint(slot: 0 | 1): void {
    this.ckpt[slot].set(this.w);
  }

  rollback(slot: 0 | 1): void {
    this.w.set(this.ckpt[slot]);
  }

  weights(): Float64Array {
    return this.w.slice();
  }

  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number {
    const { n, d, m, x, y, a, w, z, g } = this;
    for (let s = 0; s < k; s++) {
      gemmXwtRef(x, w, n, d, m, z);
      const f = networkOutputRef(z, a, n, m);
      const { loss, c } = logisticLossGradRef(f, y, n);
      lossOut[s] = loss;
      if (accOut) {
        let right = 0;
        for (let i = 0; i < n; i++) if (y[i]! * f[i]! > 0) right++;
        accOut[s] = right / n;
      }
      if (!Number.isFinite(loss)) return s;
      reluBackwardRef(z, c, a, n, m, this.dphi0, z);
      gradRef(z, x, n, d, m, g);
      for (let i = 0; i < w.length; i++) w[i]! -= this.alpha * g[i]!;
    }
    return k;
  }

  preactivations(which: 'train' | 'test'): Float64Array {
    if (which === 'train') return gemmXwtRef(this.x, this.w, this.n, this.d, this.m);
    const t = this.test;
    return t ? gemmXwtRef(t.x, this.w, t.n, this.d, this.m) : new Float64Array(0);
  }

  outputs(which: 'train' | 'test'): Float64Array {
    const z = this.preactivations(which);
    return networkOutputRef(z, this.a, z.length / this.m, this.m);
  }
}
