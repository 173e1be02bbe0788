// The float64 reference of the kernel-space path (see dual_engine.ts): W = W(0) + C·X with C (m, n)
// in W's layout, K = X·Xᵀ and Z0 = X·W(0)ᵀ computed once; a step is Z = K·Cᵀ + Z0, then the same
// loss, mask and D as the primal step, then C ← C − α·Dᵀ. Plain loops, like reference.ts.
import type { XorDataset } from '../data.js';
import { ConfigError } from '../errors.js';
import { gemmXwtRef, logisticLossGradRef, networkOutputRef, reluBackwardRef } from '../reference.js';
import { runToEnd } from '../rng.js';
import { MIN_PIECE_ROWS, type Engine, type EngineInit } from './engine.js';

export class DualJsEngine implements Engine {
  readonly backend = 'js' as const;
  readonly path = 'kernel' as const;
  readonly threads = 1;
  readonly m: number;
  readonly d: number;
  readonly n: number;
  readonly stepFlops: number;
  readonly rowFlops: number;
  private readonly x: Float64Array<ArrayBuffer>;
  private readonly y: Float64Array<ArrayBuffer>;
  private readonly a: Float64Array<ArrayBuffer>;
  private readonly w0: Float64Array<ArrayBuffer>;
  private readonly w0sq: number;
  private readonly kmat: Float64Array<ArrayBuffer>;
  private readonly z0: Float64Array<ArrayBuffer>;
  /** C (m, n) */
  private readonly cmat: Float64Array<ArrayBuffer>;
  private readonly z: Float64Array<ArrayBuffer>;
  private readonly test: { n: number; kt: Float64Array<ArrayBuffer>; zt0: Float64Array<ArrayBuffer> } | null;
  private readonly alpha: number;
  private readonly dphi0: number;
  private readonly ckpt: [Float64Array, Float64Array];

  constructor(init: EngineInit) {
    const { train, test } = init;
    this.n = train.n;
    this.d = train.d;
    this.m = init.a.length;
    const { n, d, m } = this;
    this.stepFlops = 2 * n * n * m + 10 * n * m;
    this.rowFlops = 2 * n * m;
    this.x = Float64Array.from(train.x);
    this.y = Float64Array.from(train.y);
    this.a = Float64Array.from(init.a);
    this.w0 = Float64Array.from(init.w);
    let sq = 0;
    for (let i = 0; i < this.w0.length; i++) sq += this.w0[i]! * this.w0[i]!;
    this.w0sq = sq;
    this.kmat = new Float64Array(n * n);
    gemmXwtRef(this.x, this.x, n, d, n, this.kmat);
    this.z0 = new Float64Array(n * m);
    gemmXwtRef(this.x, this.w0, n, d, m, this.z0);
    this.test = test ? DualJsEngine.testSide(test, this.x, this.w0, n, m) : null;
    this.cmat = new Float64Array(m * n);
    this.z = new Float64Array(n * m);
    this.alpha = init.alpha;
    this.dphi0 = init.dphi0;
    this.ckpt = [new Float64Array(m * n), new Float64Array(m * n)];
  }

  private static testSide(test: XorDataset, x: Float64Array<ArrayBuffer>, w0: Float64Array<ArrayBuffer>, n: number, m: number) {
    const xt = Float64Array.from(test.x);
    const kt = new Float64Array(test.n * n), zt0 = new Float64Array(test.n * m);
    gemmXwtRef(xt, x, test.n, test.d, n, kt);
    gemmXwtRef(xt, w0, test.n, test.d, m, zt0);
    return { n: test.n, kt, zt0 };
  }

  /** Nothing to release: the float64 engine lives on the JS heap. */
  dispose(): void {}

  setWeights(w: ArrayLike<number>): void {
    for (let i = 0; i < this.w0.length; i++) {
      if (w[i] !== this.w0[i]) throw new ConfigError('weights', 'a W other than W(0)', 'W(0) on the kernel-space path (use the primal path to set other weights)');
    }
    this.cmat.fill(0);
  }

  /** C, (m, n) row-major. */
  state(): Float64Array {
    return this.cmat.slice();
  }

  setState(s: Float32Array | Float64Array): void {
    this.cmat.set(s);
  }

  checkpoint(slot: 0 | 1): void {
    this.ckpt[slot].set(this.cmat);
  }

  rollback(slot: 0 | 1): void {
    this.cmat.set(this.ckpt[slot]);
  }

  /** W = W(0) + C·X. */
  weights(): Float64Array {
    const { n, d, m, x, cmat } = this;
    const w = this.w0.slice();
    for (let j = 0; j < m; j++) {
      for (let l = 0; l < n; l++) {
        const c = cmat[j * n + l]!;
        if (c === 0) continue;
        for (let k = 0; k < d; k++) w[j * d + k]! += c * x[l * d + k]!;
      }
    }
    return w;
  }

  /** Z rows [r0, r1) of K·Cᵀ + Z0 (or of the test set's) into out, row r at out row r − base. */
  private preact(kRows: Float64Array<ArrayBuffer>, z0Rows: Float64Array<ArrayBuffer>, r0: number, r1: number, out: Float64Array<ArrayBuffer>, base = 0): void {
    const { n, m } = this;
    const o = out.subarray((r0 - base) * m, (r1 - base) * m);
    gemmXwtRef(kRows.subarray(r0 * n, r1 * n), this.cmat, r1 - r0, n, m, o);
    for (let i = 0; i < o.length; i++) o[i]! += z0Rows[r0 * m + i]!;
  }

  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number {
    for (let s = 0; s < k; s++) {
      if (runToEnd(this.pieces(lossOut.subarray(s, s + 1), accOut?.subarray(s, s + 1), this.n)) === 0) return s;
    }
    return k;
  }

  stepInPieces(lossOut: Float64Array, accOut: Float32Array | undefined, budget: number): Generator<void, number, void> {
    const rows = Math.min(this.n, Math.max(MIN_PIECE_ROWS, Math.floor(budget / (2 * this.n * this.m))));
    return this.pieces(lossOut, accOut, rows);
  }

  private *pieces(lossOut: Float64Array, accOut: Float32Array | undefined, rows: number): Generator<void, number, void> {
    const { n, m, y, a, z, cmat } = this;
    for (let r = 0; r < n; r += rows) {
      this.preact(this.kmat, this.z0, r, Math.min(n, r + rows), z);
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
    for (let j = 0; j < m; j++) for (let l = 0; l < n; l++) cmat[j * n + l]! -= this.alpha * z[l * m + j]!;
    return 1;
  }

  /** ‖W(0) + C·X‖² = ‖W(0)‖² + Σ C ⊙ (Z0 + Z)ᵀ with Z = K·Cᵀ + Z0. */
  weightNorm(): number {
    const { n, m, cmat, z0 } = this;
    const z = new Float64Array(n * m);
    this.preact(this.kmat, z0, 0, n, z);
    let s = this.w0sq;
    for (let l = 0; l < n; l++) for (let j = 0; j < m; j++) s += cmat[j * n + l]! * (z0[l * m + j]! + z[l * m + j]!);
    return Math.sqrt(Math.max(0, s));
  }

  weightsFinite(): boolean {
    for (let i = 0; i < this.cmat.length; i++) if (!Number.isFinite(this.cmat[i]!)) return false;
    return true;
  }

  preactivations(which: 'train' | 'test'): Float64Array {
    if (which === 'train') {
      const z = new Float64Array(this.n * this.m);
      this.preact(this.kmat, this.z0, 0, this.n, z);
      return z;
    }
    const t = this.test;
    if (!t) return new Float64Array(0);
    const z = new Float64Array(t.n * this.m);
    this.preact(t.kt, t.zt0, 0, t.n, z);
    return z;
  }

  outputs(which: 'train' | 'test', start = 0, count?: number): Float64Array {
    const total = which === 'train' ? this.n : this.test?.n ?? 0;
    const c = count ?? total - start;
    const [kRows, z0Rows] = which === 'train' ? [this.kmat, this.z0] : [this.test!.kt, this.test!.zt0];
    const z = new Float64Array(c * this.m);
    if (c > 0) this.preact(kRows, z0Rows, start, start + c, z, start);
    return networkOutputRef(z, this.a, c, this.m);
  }
}
