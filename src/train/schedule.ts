// Which steps get an evaluation record. Step 0 (the initialization) and the final step T are
// always recorded; the rest is up to the caller: explicit steps, every k steps, or log-spaced.
import { ConfigError } from '../errors.js';

export type EvalSchedule = readonly number[] | { every: number } | { log: number };

/** At most this many evaluation records per run (each is a forward pass over both sets and an object). */
export const MAX_EVAL_STEPS = 1_000_000;

export function resolveEvalSteps(spec: EvalSchedule | undefined, T: number, field = 'evalAt'): number[] {
  const steps = new Set<number>([0, T]);
  const isObj = typeof spec === 'object' && spec !== null && !Array.isArray(spec);
  const has = (k: string) => isObj && Object.prototype.hasOwnProperty.call(spec, k);
  if (spec === undefined) {
    // nothing more
  } else if (Array.isArray(spec)) {
    const list = spec as readonly unknown[];
    if (list.length > MAX_EVAL_STEPS) throw new ConfigError(field, `${list.length} steps`, `at most ${MAX_EVAL_STEPS} evaluation steps`);
    for (let i = 0; i < list.length; i++) {
      const s = i in list ? list[i] : undefined;
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > T) throw new ConfigError(`${field}[${i}]`, s, `an integer step in [0, ${T}]`);
      steps.add(s);
    }
  } else if (isObj && has('every') && Object.keys(spec).length === 1) {
    const k = (spec as { every: unknown }).every;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new ConfigError(`${field}.every`, k, 'an integer ≥ 1');
    const count = Math.ceil(T / k) + 1;
    if (count > MAX_EVAL_STEPS) {
      throw new ConfigError(`${field}.every`, k, `at least ${Math.ceil(T / (MAX_EVAL_STEPS - 1))} so that a run of ${T} steps records at most ${MAX_EVAL_STEPS} evaluations`);
    }
    for (let s = k; s < T; s += k) steps.add(s);
  } else if (isObj && has('log') && Object.keys(spec).length === 1) {
    const k = (spec as { log: unknown }).log;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 100000) throw new ConfigError(`${field}.log`, k, 'an integer in [1, 100000] (points per run)');
    for (const s of logSpacedSteps(T, k)) steps.add(s);
  } else {
    throw new ConfigError(field, spec, 'an array of steps, { every: k } or { log: k }');
  }
  return [...steps].sort((a, b) => a - b);
}

/** About k distinct integer steps in [1, T], evenly spaced on a log axis (always including 1 and T). */
export function logSpacedSteps(T: number, k: number): number[] {
  if (T < 1) return [];
  const out = new Set<number>([1, T]);
  const top = Math.log(T);
  for (let i = 0; i < k; i++) out.add(Math.max(1, Math.min(T, Math.round(Math.exp((top * i) / Math.max(1, k - 1))))));
  return [...out].sort((a, b) => a - b);
}
