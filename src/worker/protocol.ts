// The messages between trainInWorker (the page or the Node thread that calls it) and the worker
// that trains, and how errors and results cross: structured clone, with the typed arrays of a result
// transferred (not copied) and errors rebuilt as their own classes.
import { AbortError, ConfigError, NonFiniteLossError, NonFiniteWeightsError } from '../errors.js';
import type { InstrumentSpec } from '../metrics/record.js';
import type { Progress, TrainOptions } from '../train/train.js';

/** train's options that can cross to a worker, with instruments named by `instruments`. */
export type WorkerTrainOptions = Omit<TrainOptions, 'instrument' | 'onProgress' | 'signal' | 'checkpoint'> & { instruments?: InstrumentSpec };

export type ToWorker =
  | {
      type: 'train'; config: unknown; options: WorkerTrainOptions;
      /** URL of dist/wasm/loader.js (the opt-in builds are found from it) */ loaderUrl: string;
      /** the builds the caller's thread was given (init()) or read, compiled: the worker uses them too */ modules: Partial<Record<string, WebAssembly.Module>>;
    }
  | { type: 'abort' };
export type FromWorker =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  props: Record<string, unknown>;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), props: {} };
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (typeof v !== 'function') props[k] = v;
  }
  return { name: e.name, message: e.message, stack: e.stack, props };
}

const CLASSES: Record<string, { prototype: Error }> = {
  ConfigError, AbortError, NonFiniteLossError, NonFiniteWeightsError, RangeError, TypeError,
};

/** The error as thrown in the worker: its class (for rfa's errors and RangeError/TypeError), message and fields. */
export function rebuildError(s: SerializedError): Error {
  const proto = (CLASSES[s.name] ?? Error).prototype;
  const e = Object.create(proto) as Error;
  Object.defineProperty(e, 'message', { value: s.message, writable: true, configurable: true });
  if (s.stack) Object.defineProperty(e, 'stack', { value: s.stack, writable: true, configurable: true });
  Object.assign(e, s.props);
  if (!CLASSES[s.name]) e.name = s.name;
  return e;
}

/** The distinct ArrayBuffers under `v` (typed arrays in objects and arrays), to transfer instead of copying. */
export function transferables(v: unknown, out = new Set<ArrayBuffer>(), seen = new Set<unknown>()): ArrayBuffer[] {
  if (v !== null && typeof v === 'object' && !seen.has(v)) {
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
    } else {
      for (const x of Object.values(v)) transferables(x, out, seen);
    }
  }
  return [...out];
}
