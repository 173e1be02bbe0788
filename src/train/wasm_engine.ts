// The WASM engine: one kernel instance per model, one arena laid out once by engineLayout
// (src/wasm/layout.ts), the same function validation sizes runs with.
import { packTransposed, unpackTransposed } from '../wasm/arena.js';
import { engineLayout, type EngineLayout } from '../wasm/layout.js';
import type { WasmBackend } from '../wasm/loader.js';
import { ArenaEngine } from './arena_engine.js';
import { MIN_PIECE_COLS, MIN_PIECE_ROWS, type Engine, type EngineInit, type EngineThreads } from './engine.js';

export class WasmEngine extends ArenaEngine<EngineLayout> implements Engine {
  readonly path = 'primal' as const;
  readonly stepFlops: number;
  readonly rowFlops: number;

  constructor(module: WebAssembly.Module, backend: WasmBackend, init: EngineInit, threads?: EngineThreads) {
    super(module, backend, init, threads, engineLayout);
    const { n, d, m, nTest, p, arena } = this;
    this.stepFlops = 4 * n * d * m + 8 * n * m;
    this.rowFlops = 2 * d * m;
    if (init.test) arena.f32(p.xTest, nTest * d).set(init.test.x);
    this.setWeights(init.w);
  }

  setWeights(w: ArrayLike<number>): void {
    packTransposed(w, this.m, this.d, this.arena.f32(this.p.wt, this.d * this.m));
  }

  state(): Float32Array {
    return this.weights();
  }

  setState(s: Float32Array | Float64Array): void {
    this.setWeights(s);
  }

  checkpoint(slot: 0 | 1): void {
    this.copyBytes(this.p.ckpt[slot], this.p.wt, 4 * this.d * this.m);
  }

  rollback(slot: 0 | 1): void {
    this.copyBytes(this.p.wt, this.p.ckpt[slot], 4 * this.d * this.m);
  }

  weights(): Float32Array {
    return unpackTransposed(this.arena.f32(this.p.wt, this.d * this.m), this.m, this.d);
  }

  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number {
    const { p, n, d, m } = this;
    return this.chunkedSteps(k, lossOut, accOut, (chunk, acc) =>
      this.team
        ? this.team.run((T, ctrl, size) => T.mt_gd_steps(ctrl, size, p.x, p.y, p.wt, p.a, p.z, p.f, p.c, p.g, p.terms, n, d, m, this.alpha, this.dphi0, chunk, p.loss, acc))
        : this.arena.kernels.gd_steps(p.x, p.y, p.wt, p.a, p.z, p.f, p.c, p.g, n, d, m, this.alpha, this.dphi0, chunk, p.loss, acc));
  }

  *stepInPieces(lossOut: Float64Array, accOut: Float32Array | undefined, budget: number): Generator<void, number, void> {
    const { p, n, d, m, arena } = this;
    const rows = Math.min(n, Math.max(MIN_PIECE_ROWS, Math.floor(budget / (2 * d * m))));
    const cols = Math.min(d, Math.max(MIN_PIECE_COLS, Math.floor(budget / (2 * n * m))));
    const K = arena.kernels;
    // the forward product and outputs, a block of rows at a time (each row of Z is independent)
    for (let r = 0; r < n; r += rows) {
      const count = Math.min(rows, n - r);
      this.predict(p.x + 4 * r * d, p.z + 4 * r * m, p.f + 4 * r, count);
      yield;
    }
    // then the rest of gd_steps' step, in the same order: risk and ℓ', accuracy, the backward mask
    const risk = K.logistic_loss_grad(p.f, p.y, 0, p.c, n);
    lossOut[0] = risk;
    if (accOut) accOut[0] = Math.fround(Math.fround(K.count_correct(p.f, p.y, n)) / Math.fround(n));
    if (!Number.isFinite(risk)) return 0;
    K.relu_backward(p.z, p.c, p.a, n, m, this.dphi0);
    // the gradient, a block of its rows (input dimensions) at a time; W is updated only at the end
    for (let k = 0; k < d; k += cols) {
      const k1 = Math.min(d, k + cols);
      if (this.team) this.team.run((T, ctrl, size) => T.mt_grad_xtd_rows(ctrl, size, p.x, p.z, p.g, n, d, k, k1, m, 1));
      else K.grad_xtd_rows(p.x, p.z, p.g, n, d, k, k1, m, 1);
      if (k + cols < d) yield;
    }
    K.sgd_update(p.wt, p.g, d * m, this.alpha);
    return 1;
  }

  /** ‖W‖_F summed in W's own order (neuron by neuron), as frobeniusNorm of weights() sums it: the same bits. */
  weightNorm(): number {
    const { d, m } = this;
    const wt = this.arena.f32(this.p.wt, d * m);
    let s = 0;
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < d; k++) {
        const v = wt[k * m + j]!;
        s += v * v;
      }
    }
    return Math.sqrt(s);
  }

  weightsFinite(): boolean {
    return this.arena.kernels.all_finite(this.p.wt, this.d * this.m) === 1;
  }

  /** f = φ(X·Wᵀ)·a over `rows` rows of inputs at xPtr, Z into z (rows, m): on the team when there is one. */
  private predict(xPtr: number, z: number, f: number, rows: number): void {
    const { p, d, m } = this;
    if (this.team) this.team.run((T, ctrl, size) => T.mt_predict(ctrl, size, xPtr, p.wt, p.a, z, f, rows, d, m));
    else this.arena.kernels.predict(xPtr, p.wt, p.a, z, f, rows, d, m);
  }

  /** Forward over `count` rows starting at row `start` of X (byte offset xPtr); calls sink(row, rows) per block. */
  private forward(xPtr: number, start: number, count: number, sink: (row: number, rows: number) => void): void {
    const { p, d } = this;
    for (let r = 0; r < count; r += p.rows) {
      const rows = Math.min(p.rows, count - r);
      this.predict(xPtr + 4 * (start + r) * d, p.z, p.f, rows);
      sink(r, rows);
    }
  }

  private set(which: 'train' | 'test'): [number, number] {
    return which === 'train' ? [this.p.x, this.n] : [this.p.xTest, this.nTest];
  }

  outputs(which: 'train' | 'test', start = 0, count?: number): Float32Array {
    const [ptr, total] = this.set(which);
    const c = count ?? total - start;
    const out = new Float32Array(c);
    this.forward(ptr, start, c, (r, rows) => out.set(this.arena.f32(this.p.f, rows), r));
    return out;
  }

  preactivations(which: 'train' | 'test'): Float32Array {
    const [ptr, count] = this.set(which);
    const out = new Float32Array(count * this.m);
    this.forward(ptr, 0, count, (r, rows) => out.set(this.arena.f32(this.p.z, rows * this.m), r * this.m));
    return out;
  }
}
