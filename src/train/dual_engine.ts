// The kernel-space WASM engine: the same gradient descent run on C, with W(t) = W(0) + C(t)·X.
// Every update adds a combination of the training inputs to each w_j, so nothing is lost: with
// K = X·Xᵀ and Z0 = X·W(0)ᵀ computed once, a step costs 2·n²·m flops instead of 4·n·d·m (the
// kernel gd_steps_dual), test outputs cost 2·n·m per test point after X_test·Xᵀ and X_test·W(0)ᵀ
// are computed once, ‖W‖_F comes from K, C and Z0, and W is formed only when asked for.
// The layout is dualLayout (src/wasm/layout.ts), the one validation sizes runs with.
import { packTransposed, unpackTransposed } from '../wasm/arena.js';
import { dualLayout, TEST_BLOCK, type DualLayout } from '../wasm/layout.js';
import type { WasmBackend } from '../wasm/loader.js';
import { ArenaEngine } from './arena_engine.js';
import { ConfigError } from '../errors.js';
import { runToEnd } from '../rng.js';
import { MIN_PIECE_ROWS, type Engine, type EngineInit, type EngineThreads } from './engine.js';

export class DualWasmEngine extends ArenaEngine<DualLayout> implements Engine {
  readonly path = 'kernel' as const;
  readonly stepFlops: number;
  readonly rowFlops: number;
  private readonly w0: Float32Array;
  /** ‖W(0)‖² in f64 */
  private readonly w0sq: number;
  /** the test inputs, until prepare() has taken X_test·Xᵀ and X_test·W(0)ᵀ from them */
  private testX: Float32Array | null;
  private ready = false;

  constructor(module: WebAssembly.Module, backend: WasmBackend, init: EngineInit, threads?: EngineThreads) {
    super(module, backend, init, threads, dualLayout);
    const { n, m, p, arena } = this;
    this.stepFlops = 2 * n * n * m + 10 * n * m;
    this.rowFlops = 2 * n * m;
    this.w0 = Float32Array.from(init.w);
    let sq = 0;
    for (let i = 0; i < this.w0.length; i++) sq += this.w0[i]! * this.w0[i]!;
    this.w0sq = sq;
    this.testX = init.test?.x ?? null;
    arena.f32(p.ct, n * m).fill(0);
  }

  /**
   * The one-time work, in pieces with a yield between them so a run can be cancelled during it: Xᵀ and
   * W(0)ᵀ packed, then K = X·Xᵀ, Z0 = X·W(0)ᵀ, and for the test set X_test·Xᵀ and X_test·W(0)ᵀ, `rows`
   * rows at a time (the same bits as one call: each row of a product is computed whole). Every other method runs it to its
   * end first if it has not run.
   */
  *prepare(rows: number): Generator<void, void, void> {
    if (this.ready) return;
    const { p, n, d, m, nTest, arena } = this;
    const block = Math.max(1, Math.floor(rows));
    // first the packed Xᵀ and W(0)ᵀ, about 2^20 values a piece (one piece at each packing's end)
    const packRows = Math.max(1, Math.floor(2 ** 20 / Math.max(1, d)));
    for (let r = 0; r < n; r += packRows) {
      packTransposed(arena.f32(p.x, n * d), n, d, arena.f32(p.xt, d * n), r, Math.min(n, r + packRows)); // from the engine's own copy of X
      yield;
    }
    for (let j = 0; j < m; j += packRows) {
      packTransposed(this.w0, m, d, arena.f32(p.w0t, d * m), j, Math.min(m, j + packRows));
      yield;
    }
    for (let r = 0; r < n; r += block) {
      const count = Math.min(block, n - r);
      this.gemmAdd(p.x + 4 * r * d, p.xt, p.kmat + 4 * r * n, 0, count, d, n);
      this.gemmAdd(p.x + 4 * r * d, p.w0t, p.z0 + 4 * r * m, 0, count, d, m);
      yield;
    }
    const testX = this.testX;
    if (testX) {
      for (let r = 0; r < nTest; r += Math.min(block, TEST_BLOCK)) {
        const count = Math.min(block, TEST_BLOCK, nTest - r);
        this.arena.f32(p.testBlock, count * d).set(testX.subarray(r * d, (r + count) * d));
        this.gemmAdd(p.testBlock, p.xt, p.kt + 4 * r * n, 0, count, d, n);
        this.gemmAdd(p.testBlock, p.w0t, p.zt0 + 4 * r * m, 0, count, d, m);
        yield;
      }
    }
    this.testX = null;
    this.ready = true;
  }

  private ensureReady(): void {
    if (!this.ready) runToEnd(this.prepare(Infinity));
  }

  /** Only W(0) can be set: another W is in general not W(0) plus a combination of the inputs. */
  setWeights(w: ArrayLike<number>): void {
    for (let i = 0; i < this.w0.length; i++) {
      if (!Object.is(w[i], this.w0[i])) throw new ConfigError('weights', 'a W other than W(0)', 'W(0) on the kernel-space path (use the primal path to set other weights)');
    }
    this.arena.f32(this.p.ct, this.n * this.m).fill(0);
  }

  /** Cᵀ, (n, m) row-major (the engine's layout). */
  state(): Float32Array {
    return this.arena.f32(this.p.ct, this.n * this.m).slice();
  }

  setState(s: Float32Array | Float64Array): void {
    this.arena.f32(this.p.ct, this.n * this.m).set(s);
  }

  checkpoint(slot: 0 | 1): void {
    this.copyBytes(this.p.ckpt[slot], this.p.ct, 4 * this.n * this.m);
  }

  rollback(slot: 0 | 1): void {
    this.copyBytes(this.p.ct, this.p.ckpt[slot], 4 * this.n * this.m);
  }

  /** W = W(0) + C·X, formed now: Wt = W(0)ᵀ + Xᵀ·Ct, 2·m·n·d flops. */
  weights(): Float32Array {
    this.ensureReady();
    const { p, n, d, m, arena } = this;
    this.gemmAdd(p.xt, p.ct, p.wt, p.w0t, d, n, m);
    return unpackTransposed(arena.f32(p.wt, d * m), m, d);
  }

  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number {
    this.ensureReady();
    const { p, n, m } = this;
    return this.chunkedSteps(k, lossOut, accOut, (chunk, acc) =>
      this.team
        ? this.team.run((T, ctrl, size) => T.mt_gd_steps_dual(ctrl, size, p.kmat, p.ct, p.z0, p.y, p.a, p.z, p.f, p.c, p.terms, n, m, this.alpha, this.dphi0, chunk, p.loss, acc))
        : this.arena.kernels.gd_steps_dual(p.kmat, p.ct, p.z0, p.y, p.a, p.z, p.f, p.c, n, m, this.alpha, this.dphi0, chunk, p.loss, acc));
  }

  *stepInPieces(lossOut: Float64Array, accOut: Float32Array | undefined, budget: number): Generator<void, number, void> {
    this.ensureReady();
    const { p, n, m, arena } = this;
    const K = arena.kernels;
    const rows = Math.min(n, Math.max(MIN_PIECE_ROWS, Math.floor(budget / (2 * n * m))));
    // Z = K·Ct + Z0, a block of rows at a time (each row of Z is independent), then gd_steps_dual's step
    for (let r = 0; r < n; r += rows) {
      const count = Math.min(rows, n - r);
      this.gemmAdd(p.kmat + 4 * r * n, p.ct, p.z + 4 * r * m, p.z0 + 4 * r * m, count, n, m);
      yield;
    }
    K.network_output(p.z, p.a, p.f, n, m);
    const risk = K.logistic_loss_grad(p.f, p.y, 0, p.c, n);
    lossOut[0] = risk;
    if (accOut) accOut[0] = Math.fround(Math.fround(K.count_correct(p.f, p.y, n)) / Math.fround(n));
    if (!Number.isFinite(risk)) return 0;
    K.relu_backward(p.z, p.c, p.a, n, m, this.dphi0);
    K.sgd_update(p.ct, p.z, n * m, this.alpha);
    return 1;
  }

  /**
   * ‖W‖_F without forming W: ‖W(0) + C·X‖² = ‖W(0)‖² + Σ Ct ⊙ (2·Z0 + K·Ct) = ‖W(0)‖² + Σ Ct ⊙ (Z0 + Z)
   * with Z = K·Ct + Z0, summed in f64.
   */
  weightNorm(): number {
    this.ensureReady();
    const { p, n, m, arena } = this;
    this.preactivationsInto(p.x, 0, n); // Z of the training set into p.z
    const ct = arena.f32(p.ct, n * m), z0 = arena.f32(p.z0, n * m), z = arena.f32(p.z, n * m);
    let s = this.w0sq;
    for (let i = 0; i < ct.length; i++) s += ct[i]! * (z0[i]! + z[i]!);
    return Math.sqrt(Math.max(0, s));
  }

  /** Whether every weight is finite: C is (W = W(0) + C·X with finite W(0) and X). */
  weightsFinite(): boolean {
    return this.arena.kernels.all_finite(this.p.ct, this.n * this.m) === 1;
  }

  /** Z = X·Wᵀ (+ Z0 when z0 ≠ 0) over `rows` rows (gemm_xwt then add_f32): on the team when there is one. */
  private gemmAdd(x: number, wt: number, z: number, z0: number, rows: number, d: number, m: number): void {
    if (this.team) {
      this.team.run((T, ctrl, size) => T.mt_gemm_add(ctrl, size, x, wt, z, z0, rows, d, m));
      return;
    }
    const K = this.arena.kernels;
    K.gemm_xwt(x, wt, z, rows, d, m);
    if (z0 !== 0) K.add_f32(z, z0, rows * m);
  }

  /** Z rows [start, start + count) of the training set (src = p.x) or the test set into p.z (count ≤ rows). */
  private preactivationsInto(src: number, start: number, count: number): void {
    const { p, n, m } = this;
    const [kRows, z0Rows] = src === p.x ? [p.kmat, p.z0] : [p.kt, p.zt0];
    this.gemmAdd(kRows + 4 * start * n, p.ct, p.z, z0Rows + 4 * start * m, count, n, m);
  }

  private forward(which: 'train' | 'test', start: number, count: number, sink: (row: number, rows: number) => void): void {
    const { p, m, arena } = this;
    const src = which === 'train' ? p.x : p.kt;
    for (let r = 0; r < count; r += p.rows) {
      const rows = Math.min(p.rows, count - r);
      this.preactivationsInto(src, start + r, rows);
      arena.kernels.network_output(p.z, p.a, p.f, rows, m);
      sink(r, rows);
    }
  }

  outputs(which: 'train' | 'test', start = 0, count?: number): Float32Array {
    this.ensureReady();
    const total = which === 'train' ? this.n : this.nTest;
    const c = count ?? total - start;
    const out = new Float32Array(c);
    this.forward(which, start, c, (r, rows) => out.set(this.arena.f32(this.p.f, rows), r));
    return out;
  }

  preactivations(which: 'train' | 'test'): Float32Array {
    this.ensureReady();
    const count = which === 'train' ? this.n : this.nTest;
    const out = new Float32Array(count * this.m);
    this.forward(which, 0, count, (r, rows) => out.set(this.arena.f32(this.p.z, rows * this.m), r * this.m));
    return out;
  }
}
