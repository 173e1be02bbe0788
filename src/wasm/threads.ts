// A team of threads for one engine: the caller is thread 0 and T − 1 workers join it on a shared
// WebAssembly.Memory, each running the threaded build's mt_worker loop (assembly/threads.ts). The
// kernels split each job so that every output is computed whole by one thread, in one thread's
// order: a run gives the same bits on 1 or T threads.
//
// Workers are worker_threads (Node) kept in a pool (at most one idle worker per core) and handed to
// one team at a time; their code is inlined (`eval`), so no file has to be found next to the bundle.
// In browsers the team needs Web Workers and a cross-origin isolated page; that host is not wired
// yet, and runs there use one thread.
import { nodeBuiltin as builtin } from '../builtin.js';
import { instantiateKernels, type KernelExports } from './loader.js';
import { CTRL_BYTES } from './layout.js';

interface NodeWorker {
  postMessage(msg: unknown): void;
  on(event: 'message' | 'error' | 'exit', fn: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerThreads {
  Worker: new (code: string, opts: { eval: true; name?: string }) => NodeWorker;
}

/** Cores this process may use (1 where that cannot be known). */
export function coreCount(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Whether this host can run a team: Node's worker_threads and shared WebAssembly memory. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || builtin('node:worker_threads') === null) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** The threaded build's memory: shared, growable to 4 GiB like the others. */
export function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
}

/**
 * An engine's kernels: its own instance of `module`, or, for a team of more than one thread, an
 * instance of the threaded build on a new shared memory; `startTeam(ctrl)` starts the team once the
 * engine has laid out its arena (null for one thread).
 */
export function engineKernels(
  module: WebAssembly.Module,
  threads?: { module: WebAssembly.Module; size: number },
): { kernels: KernelExports; startTeam(ctrl: number): ThreadTeam | null } {
  if (!threads || threads.size <= 1) return { kernels: instantiateKernels(module), startTeam: () => null };
  const memory = sharedMemory();
  const kernels = instantiateKernels(threads.module, memory);
  return { kernels, startTeam: (ctrl) => new ThreadTeam(threads.module, memory, kernels, ctrl, threads.size) };
}

/** Byte offsets inside the control block (assembly/threads.ts). */
const DEAD_OFFSET = 192;
const ALIVE_OFFSET = 272;
/** How long thread 0 waits for its workers to join a team before giving up with an error. */
const JOIN_TIMEOUT_MS = 20_000;

// The worker: take a team (module, memory, control block, thread id), run its loop until the team
// stops, then wait for the next team. A trap marks the team dead so thread 0 does not wait forever.
// process.getBuiltinModule, not require: Node evaluates eval'd worker code as an ES module when the
// parent runs with --input-type=module (e.g. `node --input-type=module -e ...`), where require does not
// exist and a worker that fails to start would leave thread 0 waiting at the first barrier.
const WORKER_CODE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
parentPort.on('message', ({ module, memory, ctrl, tid, seen }) => {
  let k = null;
  const alive = new Int32Array(memory.buffer, ctrl + ${ALIVE_OFFSET}, 1);
  Atomics.add(alive, 0, 1);
  Atomics.notify(alive, 0);
  try {
    k = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('rfa kernel assertion failed'); } } }).exports;
    k.mt_worker(ctrl, tid, seen);
  } catch (e) {
    const view = new Int32Array(memory.buffer, ctrl, 64);
    Atomics.store(view, 48, 1);
    Atomics.notify(view, 32);
    Atomics.notify(view, 0);
    parentPort.postMessage({ error: String((e && e.stack) || e) });
  }
});
`;

const idle: NodeWorker[] = [];

/** Idle workers kept for the next teams (at most one per core). */
export function pooledWorkers(): number {
  return idle.length;
}
let lastWorkerError: string | null = null;

function spawn(): NodeWorker {
  const wt = builtin<WorkerThreads>('node:worker_threads');
  if (!wt) throw new Error('rfa: threads need worker_threads (Node); use threads: 1 here');
  const w = new wt.Worker(WORKER_CODE, { eval: true, name: 'rfa-kernels' });
  w.on('message', (m) => {
    const err = (m as { error?: string } | null)?.error;
    if (err) lastWorkerError = err;
  });
  w.on('error', (e) => {
    lastWorkerError = String((e as Error)?.stack ?? e);
  });
  w.unref();
  return w;
}


export class ThreadTeam {
  readonly size: number;
  private readonly workers: NodeWorker[] = [];
  private readonly kernels: KernelExports & ThreadedExports;
  private readonly ctrl: number;
  private stopped = false;

  /** A team of `size` threads (this one and size − 1 workers) on `kernels`, an instance of the threaded build. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: KernelExports, ctrl: number, size: number) {
    this.size = size;
    this.kernels = kernels as KernelExports & ThreadedExports;
    this.ctrl = ctrl;
    new Int32Array(memory.buffer, ctrl, CTRL_BYTES / 4).fill(0);
    for (let tid = 1; tid < size; tid++) {
      const w = idle.pop() ?? spawn();
      w.postMessage({ module, memory, ctrl, tid, seen: 0 });
      this.workers.push(w);
    }
    // wait until every worker has joined (a new one takes tens of ms to start); one that cannot start
    // would otherwise leave this thread waiting at the first barrier for ever
    const alive = new Int32Array(memory.buffer, ctrl + ALIVE_OFFSET, 1);
    const until = Date.now() + JOIN_TIMEOUT_MS;
    for (let n = Atomics.load(alive, 0); n < size - 1; n = Atomics.load(alive, 0)) {
      if (Date.now() > until) {
        for (const w of this.workers) void w.terminate();
        this.workers.length = 0;
        this.stopped = true;
        throw new Error(`rfa: ${size - 1 - n} of ${size - 1} kernel worker threads did not start within ${JOIN_TIMEOUT_MS / 1000} s` +
          `${lastWorkerError ? `: ${lastWorkerError.split('\n')[0]}` : ''}; use threads: 1`);
      }
      Atomics.wait(alive, 0, n, 50);
    }
  }

  /** Run a job on the team (thread 0 is this thread); a trap in a worker surfaces as an Error here. */
  run<T>(job: (k: KernelExports & ThreadedExports, ctrl: number, size: number) => T): T {
    if (this.stopped) throw new Error('rfa: this thread team has been stopped');
    try {
      return job(this.kernels, this.ctrl, this.size);
    } catch (e) {
      // the team cannot be trusted after a trap on any thread: release the others, retire the workers
      const dead = this.dead();
      this.kernels.mt_kill(this.ctrl);
      this.stopped = true;
      for (const w of this.workers) void w.terminate();
      this.workers.length = 0;
      if (dead) throw new Error(`rfa: a kernel worker thread failed${lastWorkerError ? `: ${lastWorkerError.split('\n')[0]}` : ''}`);
      throw e;
    }
  }

  private dead(): boolean {
    return new Int32Array(this.kernels.memory.buffer, this.ctrl + DEAD_OFFSET, 1)[0] !== 0;
  }

  /** End the team: its workers leave the shared memory and go back to the pool. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.workers.length === 0) return;
    this.kernels.mt_stop(this.ctrl, this.size);
    // keep at most a core's worth of idle workers for the next teams; end the rest
    for (const w of this.workers) {
      if (idle.length < coreCount()) idle.push(w);
      else void w.terminate();
    }
    this.workers.length = 0;
  }
}

/** The threaded build's own exports (assembly/threads.ts). */
export interface ThreadedExports {
  memory: WebAssembly.Memory;
  mt_kill(ctrl: number): void;
  mt_stop(ctrl: number, T: number): void;
  mt_gd_steps(
    ctrl: number, T: number, x: number, y: number, wt: number, a: number, z: number, f: number, c: number, g: number, terms: number,
    n: number, d: number, m: number, alpha: number, dphi0: number, steps: number, loss: number, acc: number,
  ): number;
  mt_gd_steps_dual(
    ctrl: number, T: number, kmat: number, ct: number, z0: number, y: number, a: number, z: number, f: number, c: number, terms: number,
    n: number, m: number, alpha: number, dphi0: number, steps: number, loss: number, acc: number,
  ): number;
  mt_predict(ctrl: number, T: number, x: number, wt: number, a: number, z: number, f: number, rows: number, d: number, m: number): void;
  mt_grad_xtd_rows(ctrl: number, T: number, x: number, dm: number, g: number, n: number, d: number, k0: number, k1: number, m: number, scale: number): void;
  mt_gemm_add(ctrl: number, T: number, x: number, wt: number, z: number, z0: number, rows: number, d: number, m: number): void;
}
