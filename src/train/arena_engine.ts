// What the two WASM engines (primal and kernel space) share: sizes and step constants from the
// init, one kernel instance (or a thread team on a shared memory, src/wasm/threads.ts), one arena laid
// out once by the path's layout function (src/wasm/layout.ts), and X, y, a copied into it.
import { Arena } from '../wasm/arena.js';
import { STEP_BUFFER, type EngineSizes } from '../wasm/layout.js';
import type { WasmBackend } from '../wasm/loader.js';
import { engineKernels, type ThreadTeam } from '../wasm/threads.js';
import type { EngineInit, EngineThreads } from './engine.js';

/** The buffers every WASM engine layout has. */
interface ArenaLayout {
  x: number;
  y: number;
  a: number;
  ctrl: number;
  loss: number;
  acc: number;
  end: number;
}

export abstract class ArenaEngine<L extends ArenaLayout> {
  readonly backend: WasmBackend;
  readonly n: number;
  readonly d: number;
  readonly m: number;
  readonly arena: Arena;
  /** byte offsets into the arena */
  readonly p: L;
  readonly threads: number;
  protected readonly nTest: number;
  protected readonly alpha: number;
  protected readonly dphi0: number;
  /** the thread team when threads > 1 (the threaded build on a shared memory), else null */
  protected readonly team: ThreadTeam | null;

  constructor(module: WebAssembly.Module, backend: WasmBackend, init: EngineInit, threads: EngineThreads | undefined, layout: (sizes: EngineSizes, base: number) => L) {
    const { train, test, a } = init;
    this.backend = backend;
    this.n = train.n;
    this.d = train.d;
    this.m = a.length;
    this.nTest = test?.n ?? 0;
    this.alpha = init.alpha;
    this.dphi0 = init.dphi0;
    const { n, d, m, nTest } = this;
    const kernels = engineKernels(module, threads);
    const arena = (this.arena = new Arena(kernels.kernels));
    const base = arena.size;
    const p = (this.p = layout({ n, d, m, nTest }, base));
    arena.alloc(p.end - base);
    this.team = kernels.startTeam(p.ctrl);
    this.threads = this.team?.size ?? 1;
    arena.f32(p.x, n * d).set(train.x);
    arena.f32(p.y, n).set(train.y);
    arena.f32(p.a, m).set(a);
  }

  /**
   * Engine.steps for a step kernel: `run(count, acc)` runs up to count steps (STEP_BUFFER at most) with
   * losses into p.loss and accuracies into p.acc (when acc ≠ 0) and returns the updates applied.
   */
  protected chunkedSteps(k: number, lossOut: Float64Array, accOut: Float32Array | undefined, run: (count: number, acc: number) => number): number {
    const { p, arena } = this;
    let done = 0;
    while (done < k) {
      const chunk = Math.min(k - done, STEP_BUFFER);
      const ok = run(chunk, accOut ? p.acc : 0);
      const written = ok < chunk ? ok + 1 : chunk;
      lossOut.set(arena.f64(p.loss, written), done);
      if (accOut) accOut.set(arena.f32(p.acc, written), done);
      done += ok;
      if (ok < chunk) break;
    }
    return done;
  }

  /** Copy `bytes` inside the arena (checkpoints of W or C). */
  protected copyBytes(to: number, from: number, bytes: number): void {
    new Uint8Array(this.arena.kernels.memory.buffer).copyWithin(to, from, from + bytes);
  }

  dispose(): void {
    this.team?.stop();
  }
}
