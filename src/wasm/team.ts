// A team of threads for one engine: the caller is thread 0 and T − 1 workers join it on a shared
// WebAssembly.Memory, each running the threaded build's mt_worker loop (assembly/threads.ts). The
// kernels split each job so that every output is computed whole by one thread, in one thread's
// order: a run gives the same bits on 1 or T threads.
//
// The workers are, in Node, worker_threads, kept in a pool (at most one idle worker per core) and handed
// to one team at a time, and, in a browser, Web Workers started from a Worker of a cross-origin
// isolated page (SharedArrayBuffer; a page's main thread may not block in Atomics.wait, which thread 0
// does), started for one team and ended with it (see pool()). Their code is inlined, so no file has to
// be found next to the bundle. A Web Worker only hears its parent while the parent is free, so in a
// browser train() starts and arms them (prepareTeam) before the synchronous steps, and trainSync runs
// one thread there.
//
// Node's ./threads.ts re-exports this file; the page bundles' ./threads.browser.ts loads it lazily.
import { nodeBuiltin as builtin } from '../builtin.js';
import { AbortError, ConfigError } from '../errors.js';
import { compileKernelsSync, instantiateKernels, kernelsAvailable, type KernelExports } from './loader.js';
import { CTRL_BYTES } from './layout.js';

interface NodeWorker {
  postMessage(msg: unknown): void;
  on(event: 'message' | 'error', fn: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerThreads {
  Worker: new (code: string, opts: { eval: true; name?: string }) => NodeWorker;
}
interface WebWorker {
  postMessage(msg: unknown): void;
  terminate(): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string; preventDefault(): void }) => void) | null;
}
type WebWorkerClass = new (url: string, opts?: { name?: string }) => WebWorker;

/** Cores this process (or page) may use (1 where that cannot be known). */
export function coreCount(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** The host's kind of kernel worker: Node's worker_threads, else Web Workers. */
function host(): 'node' | 'web' {
  return builtin('node:worker_threads') !== null ? 'node' : 'web';
}

/**
 * Why a team cannot run here, as the end of "threads must be 1 …" (null when it can): `sync` for
 * trainSync, which cannot wait for Web Workers to start.
 */
export function threadsUnavailable(sync = false): string | null {
  const web = builtin('node:worker_threads') === null;
  const why = web ? webTeamUnavailable() : null;
  if (why) return why;
  if (web && sync) return WEB_SYNC;
  if (!sharedMemoryWorks()) return 'on this host (no shared WebAssembly memory)';
  if (!kernelsAvailable('simd-mt')) return MT_MISSING;
  if (!isThreaded(compileKernelsSync('simd-mt'))) return `here (${NOT_THREADED})`;
  return null;
}

/** Why a team cannot run in this browser context (null when it may). */
function webTeamUnavailable(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown; document?: unknown; Worker?: unknown };
  if (g.document !== undefined) {
    return "on a page's main thread (thread 0 of a team waits in Atomics.wait, which a page's main thread may not: run it in a Worker, e.g. trainInWorker)";
  }
  if (g.WorkerGlobalScope === undefined) return 'on this host (a team needs worker_threads with process.getBuiltinModule, Node >= 20.16, or Web Workers)';
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function') {
    return 'in a page that is not cross-origin isolated (SharedArrayBuffer needs the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof g.Worker !== 'function') return 'in this Worker (it cannot start Workers of its own)';
  return null;
}

/** trainSync in a browser, where everything else would allow a team. */
const WEB_SYNC = "in trainSync in a browser (a team's Web Workers start asynchronously: use train())";

/** The end of "threads must be 1 …" where the threaded build cannot be had synchronously. */
const MT_MISSING = "until the threaded build is given: init({ wasm: { 'simd-mt': url } }) with rfa's build/rfa-simd-mt.wasm";

/** Nothing to load: this is the team code (the page bundles' ./threads.browser.ts loads it). */
export async function loadThreads(): Promise<void> {}

/** The threaded build's memory: shared, growable to 4 GiB like the others. */
export function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
}

/** Byte offsets inside the control block (assembly/threads.ts). */
const DEAD_OFFSET = 192;
const ALIVE_OFFSET = 272;
/** How long thread 0 waits for its workers to join a team before giving up with an error. */
const JOIN_TIMEOUT_MS = 20_000;

// What a worker does with a team: join it (count itself in ALIVE), run its loop until the team stops,
// then wait for the next team. A trap marks the team dead so thread 0 does not wait forever.
const JOIN = `(({ module, memory, ctrl, tid, seen, k }, report) => {
  const alive = new Int32Array(memory.buffer, ctrl + ${ALIVE_OFFSET}, 1);
  Atomics.add(alive, 0, 1);
  Atomics.notify(alive, 0);
  try {
    k = k || new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('rfa kernel assertion failed'); } } }).exports;
    k.mt_worker(ctrl, tid, seen);
  } catch (e) {
    const view = new Int32Array(memory.buffer, ctrl, 64);
    Atomics.store(view, ${DEAD_OFFSET / 4}, 1);
    Atomics.notify(view, 32);
    Atomics.notify(view, 0);
    report(String((e && e.stack) || e));
  }
})`;
// Node: a team's message reaches a worker while thread 0 waits. process.getBuiltinModule, not require:
// Node evaluates eval'd worker code as an ES module when the parent runs with --input-type=module (e.g.
// `node --input-type=module -e ...`), where require does not exist and a worker that fails to start
// would leave thread 0 waiting at the first barrier.
const NODE_WORKER_CODE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
parentPort.on('message', (m) => ${JOIN}(m, (error) => parentPort.postMessage({ error })));
`;
// Browsers: a message from a Worker reaches its own Workers only while it is free, and thread 0 blocks
// from the moment the engine is built. So a Web Worker is armed beforehand (the threaded build on the
// run's shared memory, and a mailbox), says so, and waits on the mailbox until it holds 1: join as
// thread box[2] of the team at box[1]. It is ended with its team (or, unused, with its run).
const WEB_WORKER_CODE = `
onmessage = (e) => {
  const { module, memory, mailbox } = e.data;
  const box = new Int32Array(mailbox);
  let k;
  try {
    k = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('rfa kernel assertion failed'); } } }).exports;
  } catch (err) {
    postMessage({ error: String((err && err.stack) || err) });
    return;
  }
  postMessage({ armed: true });
  Atomics.wait(box, 0, 0);
  ${JOIN}({ module, memory, ctrl: box[1], tid: box[2], seen: 0, k }, (error) => postMessage({ error }));
};
postMessage({ ready: true });
`;

/** A kernel worker of either host. */
interface KernelWorker {
  /** send it into the team at `ctrl` on `memory` as thread `tid`; false if it cannot go (a Web Worker not armed for this memory) */
  join(module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: number, tid: number): boolean;
  terminate(): void;
}

/** What prepareTeam sets aside for one run's team: (browsers) its shared memory and its armed workers. */
export interface TeamStart {
  memory: WebAssembly.Memory | null;
  workers: KernelWorker[];
}

const idle: KernelWorker[] = [];

/** Idle workers kept for the next teams (at most one per core). */
export function pooledWorkers(): number {
  return idle.length;
}
let lastWorkerError: string | null = null;
/** ": " and the first line of the last error a kernel worker reported, or "". */
function workerError(): string {
  const e = lastWorkerError as string | null;
  return e ? `: ${e.split('\n')[0]}` : '';
}
const workerFailed = (e: unknown) => {
  lastWorkerError = String((e as Error)?.stack ?? (e as { message?: string })?.message ?? e);
};

function spawnNode(): KernelWorker {
  const wt = builtin<WorkerThreads>('node:worker_threads')!;
  const w = new wt.Worker(NODE_WORKER_CODE, { eval: true, name: 'rfa-kernels' });
  w.on('message', (m) => {
    const err = (m as { error?: string } | null)?.error;
    if (err) lastWorkerError = err;
  });
  w.on('error', workerFailed);
  w.unref();
  return {
    join(module, memory, ctrl, tid) {
      w.postMessage({ module, memory, ctrl, tid, seen: 0 });
      return true;
    },
    terminate: () => void w.terminate(),
  };
}

/** A Web Worker running WEB_WORKER_CODE; `arm` gives it a run's module and memory. */
class WebKernelWorker implements KernelWorker {
  private box: Int32Array | null = null;
  private memory: WebAssembly.Memory | null = null;
  private waiting: { resolve(): void; reject(e: Error): void } | null = null;

  private constructor(private readonly w: WebWorker) {
    w.onmessage = (e) => {
      const m = e.data as { ready?: boolean; armed?: boolean; error?: string } | null;
      if (m?.error) lastWorkerError = m.error;
      if (m?.ready || m?.armed) this.waiting?.resolve();
      else if (m?.error) this.waiting?.reject(new Error(`a kernel Web Worker failed: ${m.error.split('\n')[0]}`));
      this.waiting = null;
    };
    w.onerror = (e) => {
      e.preventDefault();
      workerFailed(e);
      this.waiting?.reject(new Error(`a kernel Web Worker could not start: ${e.message || 'blocked by a Content-Security-Policy (worker-src blob:)?'}`));
      this.waiting = null;
    };
  }

  /** The worker's next answer ('ready', 'armed'), or an error when it fails or says nothing for ANSWER_MS. */
  private answer(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`a kernel Web Worker did not answer within ${ANSWER_MS / 1000} s`));
      }, ANSWER_MS);
      const done = (f: () => void) => {
        clearTimeout(timer);
        f();
      };
      this.waiting = { resolve: () => done(resolve), reject: (e) => done(() => reject(e)) };
    });
  }

  /** A new Web Worker, once it has started. */
  static async start(): Promise<WebKernelWorker> {
    const WorkerClass = (globalThis as unknown as { Worker: WebWorkerClass }).Worker;
    webWorkerUrl ??= URL.createObjectURL(new Blob([WEB_WORKER_CODE], { type: 'text/javascript' }));
    const k = new WebKernelWorker(new WorkerClass(webWorkerUrl, { name: 'rfa-kernels' }));
    try {
      await k.answer();
    } catch (e) {
      k.terminate();
      throw e;
    }
    return k;
  }

  /** Instantiate `module` on `memory` in the worker and leave it waiting on its mailbox. */
  async arm(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<void> {
    const mailbox = new SharedArrayBuffer(16);
    const armed = this.answer();
    this.w.postMessage({ module, memory, mailbox });
    await armed;
    this.box = new Int32Array(mailbox);
    this.memory = memory;
  }

  join(_module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: number, tid: number): boolean {
    const box = this.box;
    if (!box || memory !== this.memory) return false;
    this.box = this.memory = null;
    box[1] = ctrl;
    box[2] = tid;
    Atomics.store(box, 0, 1);
    Atomics.notify(box, 0);
    return true;
  }

  /** End the worker; an answer awaited from it fails now (its timer, which holds the run's memory, is cleared). */
  terminate(): void {
    this.w.terminate();
    this.box = this.memory = null;
    this.waiting?.reject(new Error('a kernel Web Worker was ended'));
    this.waiting = null;
  }
}
let webWorkerUrl: string | null = null;
/** How long a Web Worker may take to start or to instantiate the threaded build. */
const ANSWER_MS = 10_000;

/**
 * Set aside what one run's team needs before its synchronous steps. Browsers: the team's shared memory
 * and `workers` Web Workers, started and armed with the threaded build on it (a Worker's messages reach
 * its own Workers only while it is free). Node: nothing (worker_threads get their message while thread 0
 * waits). Give it to engineKernels; what the run did not use goes back with releaseWorkers. Where the
 * team cannot start after all (the threaded build not given in a page, a Content-Security-Policy without
 * blob: workers, a module given as the threaded build that is not it): null when the run asked for
 * 'auto' threads (it runs one), else a ConfigError naming why. An abort (`signal`) ends the workers
 * started so far and rejects with AbortError at once.
 */
export async function prepareTeam(
  workers: number, module: () => Promise<WebAssembly.Module>, asked: unknown, signal?: AbortSignal,
): Promise<TeamStart | null> {
  try {
    return await startTeam(workers, await module(), signal);
  } catch (e) {
    if (e instanceof AbortError) throw e;
    if (typeof asked === 'number') throw new ConfigError('threads', asked, `1 here (${(e as Error).message})`);
    return null;
  }
}

async function startTeam(workers: number, module: WebAssembly.Module, signal: AbortSignal | undefined): Promise<TeamStart> {
  if (!isThreaded(module)) throw new Error(NOT_THREADED);
  if (host() !== 'web') return { memory: null, workers: [] };
  const memory = sharedMemory();
  const starting = Array.from({ length: workers }, () => WebKernelWorker.start());
  try {
    const started = await abortable(Promise.all(starting), signal);
    await abortable(Promise.all(started.map((w) => w.arm(module, memory))), signal);
    return { memory, workers: started };
  } catch (e) {
    for (const w of starting) void w.then((k) => k.terminate(), () => {});
    throw e;
  }
}

/** `p`, or an AbortError as soon as `signal` fires. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortError(0));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Workers a run set aside and did not use, back to the pool (at most one idle worker per core; the rest are ended). */
export function releaseWorkers(start: TeamStart | null): void {
  if (start) pool(start.workers.splice(0));
}

/**
 * Workers back to the pool after a team, or ended. Node keeps at most one idle worker per core. A
 * browser ends them: an idle Web Worker never collects its garbage, so each would keep the run's shared
 * memory (and its address-space reservation) alive, and a Worker running team after team ran out of
 * WebAssembly memory after about 120 runs (Chromium); starting one costs a few milliseconds.
 */
function pool(workers: KernelWorker[]): void {
  for (const w of workers) {
    if (host() === 'node' && idle.length < coreCount()) idle.push(w);
    else w.terminate();
  }
}

/** Whether `module` is rfa's threaded build (a module given to init() as 'simd-mt' may be another). */
function isThreaded(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.exports(module).some((e) => e.name === 'mt_worker');
}
const NOT_THREADED = "the module given as the 'simd-mt' build is not rfa's threaded build (it has no mt_worker export): give build/rfa-simd-mt.wasm";

/**
 * An engine's kernels: its own instance of `module`, or, for a team of more than one thread, an
 * instance of the threaded build on a shared memory (the one prepareTeam made, else a new one);
 * `startTeam(ctrl)` starts the team once the engine has laid out its arena (null for one thread).
 */
export function engineKernels(
  module: WebAssembly.Module,
  threads?: { module: WebAssembly.Module; size: number; start?: unknown },
): { kernels: KernelExports; startTeam(ctrl: number): ThreadTeam | null } {
  if (!threads || threads.size <= 1) return { kernels: instantiateKernels(module), startTeam: () => null };
  if (!isThreaded(threads.module)) throw new Error(`rfa: ${NOT_THREADED}`);
  const start = threads.start as TeamStart | undefined;
  const memory = start?.memory ?? sharedMemory();
  const kernels = instantiateKernels(threads.module, memory);
  return { kernels, startTeam: (ctrl) => new ThreadTeam(threads.module, memory, kernels, ctrl, threads.size, start?.workers) };
}

export class ThreadTeam {
  readonly size: number;
  private readonly workers: KernelWorker[] = [];
  private readonly kernels: KernelExports & ThreadedExports;
  private readonly ctrl: number;
  private stopped = false;

  /** A team of `size` threads (this one and size − 1 workers) on `kernels`, an instance of the threaded build. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: KernelExports, ctrl: number, size: number, reserved?: KernelWorker[]) {
    this.size = size;
    this.kernels = kernels as KernelExports & ThreadedExports;
    this.ctrl = ctrl;
    new Int32Array(memory.buffer, ctrl, CTRL_BYTES / 4).fill(0);
    lastWorkerError = null; // a worker's error from an earlier team is not this one's
    try {
      for (let tid = 1; tid < size; tid++) {
        const w = reserved?.pop() ?? idle.pop() ?? (host() === 'node' ? spawnNode() : null);
        if (!w?.join(module, memory, ctrl, tid)) {
          if (w) pool([w]);
          throw new Error(`rfa: a team of ${size} threads in a browser needs ${size - 1} Web Workers armed by train() before its steps; use threads: 1`);
        }
        this.workers.push(w);
      }
    } catch (e) {
      this.retire(); // those that joined (a worker that cannot be started, e.g. out of resources)
      throw e;
    }
    // wait until every worker has joined (a new one takes tens of ms to start); one that cannot start
    // would otherwise leave this thread waiting at the first barrier for ever
    const alive = new Int32Array(memory.buffer, ctrl + ALIVE_OFFSET, 1);
    const until = Date.now() + JOIN_TIMEOUT_MS;
    for (let n = Atomics.load(alive, 0); n < size - 1; n = Atomics.load(alive, 0)) {
      if (Date.now() > until) {
        this.retire();
        throw new Error(`rfa: ${size - 1 - n} of ${size - 1} kernel worker threads did not start within ${JOIN_TIMEOUT_MS / 1000} s` +
          `${workerError()}; use threads: 1`);
      }
      Atomics.wait(alive, 0, n, 50);
    }
  }

  /** Stop for good: the workers are ended, not pooled (they may be inside the shared memory). */
  private retire(): void {
    this.stopped = true;
    for (const w of this.workers.splice(0)) w.terminate();
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
      this.retire();
      if (dead) throw new Error(`rfa: a kernel worker thread failed${workerError()}`);
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
    pool(this.workers.splice(0));
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
