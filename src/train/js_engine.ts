// The float64 reference engine: the same step as the kernels, in plain loops over Float64Arrays.
import type { XorDataset } from '../data.js';
import {
  gemmXwtRef, gradRef, logisticLossGradRef, networkOutputRef, reluBackwardRef,
} from '../reference.js';
import { MIN_PIECE_COLS, MIN_PIECE_ROWS, type Engine, type EngineInit } from './engine.js';
import { runToEnd } from '../rng.js';

export class JsEngine implements Engine {
  readonly backend = 'js' as const;
  readonly path = 'primal' as const;
  readonly threads = 1;
  readonly stepFlops: number;
  readonly rowFlops: number;
  readonly m: number;
  readonly d: number;
  readonly n: number;
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
    this.stepFlops = 4 * this.n * this.d * this.m + 8 * this.n * this.m;
    this.rowFlops = 2 * this.d * this.m;
    this.setWeights(init.w);
  }

  /** Nothing to release: the float64 engine lives on the JS heap. */
  dispose(): void {}

  setWeights(w: ArrayLike<number>): void {
    for (let i = 0; i < this.w.length; i++) this.w[i] = w[i]!;
  }

  state(): Float64Array {
    return this.w.slice();
  }

  setState(s: Float32Array | Float64Array): void {
    this.w.set(s);
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

  /** k whole steps: each is the one step of stepInPieces, in a single piece. */
  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number {
    for (let s = 0; s < k; s++) {
      const ok = runToEnd(this.pieces(lossOut.subarray(s, s + 1), accOut?.subarray(s, s + 1), this.n, this.m));
      if (ok === 0) return s;
    }
    return k;
  }

  stepInPieces(lossOut: Float64Array, accOut: Float32Array | undefined, budget: number): Generator<void, number, void> {
    const { n, d, m } = this;
    const rows = Math.min(n, Math.max(MIN_PIECE_ROWS, Math.floor(budget / (2 * d * m))));
    const neurons = Math.min(m, Math.max(MIN_PIECE_COLS, Math.floor(budget / (2 * n * d))));
    return this.pieces(lossOut, accOut, rows, neurons);
  }

  /** One step: the forward product `rows` samples at a time, the gradient `block` neurons at a time. */
  private *pieces(lossOut: Float64Array, accOut: Float32Array | undefined, rows: number, block: number): Generator<void, number, void> {
    const { n, d, m, x, y, a, w, z, g } = this;
    for (let r = 0; r < n; r += rows) {
      const e = Math.min(n, r + rows);
      gemmXwtRef(x.subarray(r * d, e * d), w, e - r, d, m, z.subarray(r * m, e * m));
      yield;
    }
    const f = networkOutputRef(z, a, n, m);
    const { loss, c } = logisticLossGradRef(f, y, n);
    lossOut[0] = loss;
    if (accOut) {
      let right = 0;
      for (let i = 0; i < n; i++) if (y[i]! * f[i]! > 0) right++;
      accOut[0] = right / n;
    }
    if (!Number.isFinite(loss)) return 0;
    reluBackwardRef(z, c, a, n, m, this.dphi0, z);
    // the gradient a block of neurons at a time (rows of G in W's layout)
    for (let j = 0; j < m; j += block) {
      gradRef(z, x, n, d, m, g, j, Math.min(m, j + block));
      if (j + block < m) yield;
    }
    for (let i = 0; i < w.length; i++) w[i]! -= this.alpha * g[i]!;
    return 1;
  }

  weightNorm(): number {
    let s = 0;
    for (let i = 0; i < this.w.length; i++) s += this.w[i]! * this.w[i]!;
    return Math.sqrt(s);
  }

  weightsFinite(): boolean {
    for (let i = 0; i < this.w.length; i++) if (!Number.isFinite(this.w[i]!)) return false;
    return true;
  }

  preactivations(which: 'train' | 'test'): Float64Array {
    if (which === 'train') return gemmXwtRef(this.x, this.w, this.n, this.d, this.m);
    const t = this.test;
    return t ? gemmXwtRef(t.x, this.w, t.n, this.d, this.m) : new Float64Array(0);
  }

  outputs(which: 'train' | 'test', start = 0, count?: number): Float64Array {
    const src = which === 'train' ? this.x : this.test?.x ?? new Float32Array(0);
    const total = src.length / this.d;
    const c = count ?? total - start;
    const z = gemmXwtRef(src.subarray(start * this.d, (start + c) * this.d), this.w, c, this.d, this.m);
    return networkOutputRef(z, this.a, c, this.m);
  }
}
