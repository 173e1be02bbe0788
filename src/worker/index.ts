// trainInWorker: train() in a worker, so the page (or the Node event loop) stays free. The worker is
// a browser Worker made from an inlined copy of build/rfa-worker.js (a Blob URL; give `worker` to
// load the file from your server instead, e.g. under a CSP that forbids blob: workers), or a Node
// worker_threads Worker. Sampling, the steps, evaluation and the instruments all run in the worker;
// progress (with each evaluation record and its instruments) comes back as it is made.
import { AbortError, ConfigError } from '../errors.js';
import { nodeBuiltin } from '../builtin.js';
import { packageUrl } from '../wasm/here.js';
import { givenModules } from '../wasm/loader.js';
import type { Progress, TrainResult } from '../train/train.js';
import { rebuildError, type FromWorker, type ToWorker, type WorkerTrainOptions } from './protocol.js';
import workerCode from '../../build/rfa-worker.inline.js';

export type { WorkerTrainOptions } from './protocol.js';
export type { InstrumentSpec } from '../metrics/record.js';

export interface TrainInWorkerOptions extends WorkerTrainOptions {
  /** called on this thread with the worker's progress, each evaluation record (and its instruments) included */
  onProgress?: (p: Progress) => void;
  /** cancels the run: the promise rejects with AbortError within 50 ms (the worker is stopped if it has not answered) */
  signal?: AbortSignal;
  /** browsers: the URL of build/rfa-worker.js to start the worker from, instead of the inlined copy */
  worker?: string | URL;
}

/** Where dist/wasm/loader.js is (the worker finds the opt-in builds from it); '' in a bundle without import.meta. */
function loaderUrl(): string {
  return packageUrl('./loader.js')?.href ?? '';
}

/** How long an abort may take before the worker is terminated. */
const ABORT_GRACE_MS = 40;

interface AnyWorker {
  post(msg: ToWorker): void;
  terminate(): void;
}

function nodeWorkerThreads(): { Worker: new (code: string, o: { eval: true; name?: string }) => NodeWorker } | null {
  return nodeBuiltin('node:worker_threads');
}
interface NodeWorker {
  postMessage(m: unknown): void;
  on(e: 'message' | 'error' | 'exit', fn: (v: never) => void): void;
  terminate(): Promise<number>;
}

function start(o: TrainInWorkerOptions, onMessage: (m: FromWorker) => void, onFailure: (e: Error) => void): AnyWorker {
  const wt = nodeWorkerThreads();
  if (wt && o.worker === undefined) {
    const w = new wt.Worker(workerCode, { eval: true, name: 'rfa-train' });
    w.on('message', (m: FromWorker) => onMessage(m));
    w.on('error', (e: Error) => onFailure(new Error(`the training worker failed: ${e.message}`)));
    w.on('exit', (code: number) => onFailure(new Error(`the training worker exited (code ${code}) before the run ended`)));
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  if (typeof Worker !== 'function') throw new Error('trainInWorker needs Web Workers (browsers) or worker_threads (Node)');
  let url: string | URL;
  let revoke: string | null = null;
  if (o.worker !== undefined) url = o.worker;
  else {
    url = revoke = URL.createObjectURL(new Blob([workerCode], { type: 'text/javascript' }));
  }
  const w = new Worker(url, { name: 'rfa-train' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    onFailure(new Error(`the training worker failed: ${e.message || 'it could not start (blocked by a Content-Security-Policy? give the worker option)'}`));
  };
  return {
    post: (m) => w.postMessage(m),
    terminate: () => {
      w.terminate();
      if (revoke) URL.revokeObjectURL(revoke);
    },
  };
}

/**
 * train(config, opts) in a worker: the same result (typed arrays transferred back), onProgress on
 * this thread with every evaluation record as it is made, and an AbortSignal that stops the run
 * within 50 ms. Options must be data (they are cloned): name instruments with `instruments`
 * ({ paper: true, neurons: true }) instead of passing an `instrument` function.
 */
export function trainInWorker(config: unknown, opts: TrainInWorkerOptions = {}): Promise<TrainResult> {
  return new Promise<TrainResult>((resolve, reject) => {
    if (opts === null || typeof opts !== 'object') throw new ConfigError('options', opts, 'an object');
    if ('instrument' in opts) {
      throw new ConfigError('instrument', (opts as { instrument: unknown }).instrument, 'given as instruments: { paper?, neurons? } (a function cannot go to a worker)');
    }
    const { onProgress, signal, worker: _worker, ...options } = opts;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new ConfigError('onProgress', onProgress, 'a function');
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ConfigError('signal', signal, 'an AbortSignal');
    if (signal?.aborted) throw new AbortError(0);
    let settled = false;
    let lastStep = 0;
    let graceTimer: ReturnType<typeof setTimeout> | null = null;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      if (graceTimer) clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      w.terminate();
      f();
    };
    const onAbort = () => {
      w.post({ type: 'abort' });
      graceTimer = setTimeout(() => finish(() => reject(new AbortError(lastStep))), ABORT_GRACE_MS);
    };
    const w = start(opts, (m) => {
      if (settled) return;
      if (m.type === 'progress') {
        lastStep = m.progress.step;
        try {
          onProgress?.(m.progress);
        } catch (e) {
          finish(() => reject(e));
        }
      } else if (m.type === 'done') finish(() => resolve(m.result as TrainResult));
      else if (m.type === 'error') finish(() => reject(rebuildError(m.error)));
    }, (e) => finish(() => reject(e)));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      w.post({ type: 'train', config, options, loaderUrl: loaderUrl(), modules: givenModules() });
    } catch (e) {
      finish(() => reject(new ConfigError('config and options', config, `data a worker can receive (structured clone): ${(e as Error).message}`)));
    }
  });
}
