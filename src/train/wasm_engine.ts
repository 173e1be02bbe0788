// The WASM engine: one kernel instance per model, one arena laid out once by engineLayout
// (src/wasm/layout.ts), the same function validation sizes runs with.
import { Arena, packTransposed, unpackTransposed } from '../wasm/arena.js';
import { engineLayout, STEP_BUFFER, type EngineLayout } from '../wasm/layout.js';
import type { WasmBackend } from '../wasm/loader.js';
import { engineKernels, type ThreadTeam } from '../wasm/threads.js';
import { MIN_PIECE_COLS, MIN_PIECE_ROWS, type Engine, type EngineInit, type EngineThreads } from './engine.js';

export class WasmEngine implements Engine {
  readonly backend: WasmBackend;
  readonly path = 'primal' as const;
  readonly stepFlops: number;
  readonly rowFlops: number;
  readonly m: number;
  readonly d: number;
  readonly arena: Arena;
  readonly n: number;
  private readonly nTest: number;
  private readonly alpha: number;
  private readonly dphi0: number;
  /** byte offsets into the arena */
  readonly p: EngineLayout;
  readonly threads: number;
  /** the thread team when threads > 1 (the threaded build on a shared memory), else null */
  private readonly team: ThreadTeam | null;

  constructor(module: WebAssembly.Module, backend: WasmBackend, init: EngineInit, threads?: EngineThreads) {
    const { train, test, a, alpha, dphi0 } = init;
    this.backend = backend;
    this.n = train.n;
    this.d = train.d;
    this.m = a.length;
    this.nTest = test?.n ?? 0;
    this.alpha = alpha;
    this.dphi0 = dphi0;
    const { n, d, m, nTest } = this;
    this.stepFlops = 4 * n * d * m + 8 * n * m;
    this.rowFlops = 2 * d * m;
    const kernels = engineKernels(module, threads);
    const arena = (this.arena = new Arena(kernels.kernels));
    const base = arena.size;
    this.p = engineLayout({ n, d, m, nTest }, base);
    arena.alloc(this.p.end - base);
    this.team = kernels.startTeam(this.p.ctrl);
    this.threads = this.team?.size ?? 1;
    arena.f32(this.p.x, n * d).set(train.x);
    arena.f32(this.p.y, n).set(train.y);
    arena.f32(this.p.a, m).set(a);
    if (test) arena.f32(this.p.xTest, nTest * d).set(test.x);
    this.setWeights(init.w);
  }

  setWeights(w: ArrayLike<number>): void {
    packTransposed(w, this.m, this.d, this.arena.f32(this.p.wt, this.d * this.m));
  }

  checkpoint(slot: 0 | 1): void {
    const bytes = 4 * this.d * this.m;
    new Uint8Array(this.arena.kernels.memory.buffer).copyWithin(this.p.ckpt[slot], this.p.wt, this.p.wt + bytes);
  }

  rollback(slot: 0 | 1): void {
    const bytes = 4 * this.d * this.m;
    new Uint8Array(this.arena.kernels.memory.buffer).copyWithin(this.p.wt, this.p.ckpt[slot], this.p.ckpt[slot] + bytes);
  }

  weights(): Float32Array {
    return unpackTransposed(this.arena.f32(this.p.wt, this.d * this.m), this.m, this.d);
  }

  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number {
    const { p, n, d, m, arena } = this;
    const K = arena.kernels;
    let done = 0;
    while (done < k) {
      const chunk = Math.min(k - done, STEP_BUFFER);
      const acc = accOut ? p.acc : 0;
      const ok = this.team
        ? this.team.run((T, ctrl, size) => T.mt_gd_steps(ctrl, size, p.x, p.y, p.wt, p.a, p.z, p.f, p.c, p.g, p.terms, n, d, m, this.alpha, this.dphi0, chunk, p.loss, acc))
        : K.gd_steps(p.x, p.y, p.wt, p.a, p.z, p.f, p.c, p.g, n, d, m, this.alpha, this.dphi0, chunk, p.loss, acc);
      const written = ok < chunk ? ok + 1 : chunk;
      lossOut.set(arena.f64(p.loss, written), done);
      if (accOut) accOut.set(arena.f32(p.acc, written), done);
      done += ok;
      if (ok < chunk) break;
    }
    return done;
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

  dispose(): void {
    this.team?.stop();
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
