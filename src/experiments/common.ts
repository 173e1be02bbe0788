// Shared pieces of the experiments: the paper's per-step instrument, run options, JSON helpers.
import type { Backend } from '../train/engine.js';

export interface RunOptions {
  seed?: number;
  backend?: Backend | 'auto';
  /** progress across the whole experiment: done and total work units, and a label */
  onProgress?: (p: { label: string; done: number; total: number }) => void;
  signal?: AbortSignal;
}

export { paperInstrument, type StepInstruments } from '../metrics/record.js';

/** JSON.stringify that turns typed arrays into arrays and non-finite numbers into strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      return v;
    },
    1,
  );
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('experiment aborted');
}
