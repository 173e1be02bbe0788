// Shared pieces of the experiments: the paper's per-step instrument, run options, JSON helpers.
import { checkRange, type NumberRange } from '../config.js';
import { AbortError, ConfigError } from '../errors.js';
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

/** The files an experiment is written as: its data, its figure, and the figure's Vega-Lite spec. */
export const experimentFileNames = (name: string): [string, string, string] => [`${name}.json`, `${name}.svg`, `${name}.vl.json`];

export function checkAborted(signal?: AbortSignal, done = 0): void {
  if (signal?.aborted) throw new AbortError(done, 'the experiment');
}

/** A non-empty list of numbers, each in the range; a ConfigError names the option and the item. */
export function checkList(field: string, values: unknown, range: NumberRange): number[] {
  if (!Array.isArray(values) || values.length === 0) throw new ConfigError(field, values, 'a non-empty array of numbers');
  return values.map((v, i) => checkRange(`${field}[${i}]`, i in values ? v : undefined, range));
}

/** Seeds per setting: an integer in [1, 1000]. */
export const SEEDS_RANGE = { integer: true, min: 1, max: 1000 } as const;
