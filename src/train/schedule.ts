// Which steps get an evaluation record. Step 0 (the initialization) and the final step T are
// always recorded; the rest is up to the caller: explicit steps, every k steps, or log-spaced.
import { ConfigError } from '../errors.js';

export type EvalSchedule = readonly number[] | { every: number } | { log: number };

export function resolveEvalSteps(spec: EvalSchedule | undefined, T: number, field = 'evalAt'): number[] {
  const steps = new Set<number>([0, T]);
  if (spec === undefined) {
    // nothing more
  } else if (Array.isArray(spec)) {
    (spec as readonly number[]).forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0 || s > T) throw new ConfigError(`${field}[${i}]`, s, `an integer step in [0, ${T}]`);
      steps.add(s);
    });
  } else if ('every' in spec && typeof (spec as { every: unknown }).every === 'number') {
    const k = (spec as { every: number }).every;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`${field}.every`, k, 'an integer ≥ 1');
    for (let s = k; s < T; s += k) steps.add(s);
  } else if ('log' in spec) {
    const k = (spec as { log: number }).log;
    if (!Number.isInteger(k) || k < 1 || k > 100000) throw new ConfigError(`${field}.log`, k, 'an integer in [1, 100000] (points per run)');
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
