// The WASM engine: one kernel instance per model, one arena laid out once.
import { Arena, packTransposed, unpackTransposed } from '../wasm/arena.js';
import { instantiateKernels, type WasmBackend } from '../wasm/loader.js';
import type { Engine, EngineInit } from './engine.js';

const LOSS_CHUNK = 4096;

export class WasmEngine implements Engine {
  readonly backend: WasmBackend;
  readonly m: number;
  readonly d: number;
  readonly arena: Arena;
  private readonly n: number;
  private readonly nTest: number;
  private readonly rows: number;
  private readonly alpha: number;
  private readonly dphi0: number;
  // byte offsets into the arena
  readonly p: { x: number; y: number; wt: number; a: number; z: number; f: number; c: number; g: number; xTest: number; loss: number; acc: number; ckpt: [number, number] };

  constructor(module: WebAssembly.Module, backend: WasmBackend, init: EngineInit) {
    const { train, test, a, alpha, dphi0 } = init;
    this.backend = backend;
    this.n = train.n;
    this.d = train.d;
    this.m = a.length;
    this.nTest = test?.n ?? 0;
    this.rows = Math.max(this.n, Math.min(this.nTest, 1024));
    this.alpha = alpha;
    this.dphi0 = dphi0;
    const { n, d, m, rows, nTest } = this;
    const arena = (this.arena = new Arena(instantiateKernels(module)));
    this.p = {
      x: arena.alloc(4 * n * d),
      y: arena.alloc(4 * n),
      wt: arena.alloc(4 * d * m),
      a: arena.alloc(4 * m),
      z: arena.alloc(4 * rows * m),
      f: arena.alloc(4 * rows),
      c: arena.alloc(4 * n),
      g: arena.alloc(4 * d * m),
      xTest: arena.alloc(4 * nTest * d),
      loss: arena.alloc(8 * LOSS_CHUNK),
      acc: arena.alloc(4 * LOSS_CHUNK),
      ckpt: [arena.alloc(4 * d * m), arena.alloc(4 * d * m)],
    };
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
      const chunk = Math.min(k - done, LOSS_CHUNK);
      const ok = K.gd_steps(p.x, p.y, p.wt, p.a, p.z, p.f, p.c, p.g, n, d, m, this.alpha, this.dphi0, chunk, p.loss, accOut ? p.acc : 0);
      const written = ok < chunk ? ok + 1 : chunk;
      lossOut.set(arena.f64(p.loss, written), done);
      if (accOut) accOut.set(arena.f32(p.acc, written), done);
      done += ok;
      if (ok < chunk) break;
    }
    return done;
  }

  /** Forward over `count` rows starting at byte offset xPtr; calls sink(rowStart, Z view, f view) per block. */
  private forward(xPtr: number, count: number, sink: (row: number, rows: number) => void): void {
    const { p, d, m, arena } = this;
    for (let r = 0; r < count; r += this.rows) {
      const rows = Math.min(this.rows, count - r);
      arena.kernels.predict(xPtr + 4 * r * d, p.wt, p.a, p.z, p.f, rows, d, m);
      sink(r, rows);
    }
  }

  outputs(which: 'train' | 'test'): Float32Array {
    const [ptr, count] = which === 'train' ? [this.p.x, this.n] : [this.p.xTest, this.nTest];
    const out = new Float32Array(count);
    this.forward(ptr, count, (r, rows) => out.set(this.arena.f32(this.p.f, rows), r));
    return out;
  }

  preactivations(which: 'train' | 'test'): Float32Array {
    const [ptr, count] = which === 'train' ? [this.p.x, this.n] : [this.p.xTest, this.nTest];
    const out = new Float32Array(count * this.m);
    this.forward(ptr, count, (r, rows) => out.set(this.arena.f32(this.p.z, rows * this.m), r * this.m));
    return out;
  }
}
