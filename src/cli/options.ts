// One set of option parsers for every command, built from the config's own ranges (RANGES) and
// backends (BACKENDS): a flag accepts exactly what the config field it sets accepts, and a bad value
// is a ConfigError naming the flag and the value.
import { Option, type Command } from 'commander';
import { checkRange, describeRange, RANGES, type NumberRange, type RangedField } from '../config.js';
import { ConfigError } from '../errors.js';
import { BACKENDS } from '../train/engine.js';
import type { EvalSchedule } from '../train/schedule.js';

/** A decimal number as a person types it: no hex, no empty string, no trailing junk. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parse a number flag against a range. */
export function parseNumber(flag: string, text: string, range: NumberRange): number {
  const t = text.trim();
  if (!DECIMAL.test(t)) throw new ConfigError(flag, text, describeRange(range));
  const x = Number(t);
  try {
    return checkRange(flag, x, range);
  } catch (e) {
    // show what was typed when the number reads differently (-0, 1e-400, 2^53 + 1)
    if (String(x) !== t) throw new ConfigError(flag, text, describeRange(range));
    throw e;
  }
}

/** The parser of a flag that sets a config field: the field's own range. */
export const fieldParser = (flag: string, field: RangedField) => (text: string): number => parseNumber(flag, text, RANGES[field]);

/** The parser of a flag with its own range (experiment options). */
export const rangeParser = (flag: string, range: NumberRange) => (text: string): number => parseNumber(flag, text, range);

/** A comma list of numbers in a range, at least one. */
export const listParser = (flag: string, range: NumberRange) => (text: string): number[] => {
  const parts = text.split(',');
  if (text.trim() === '') throw new ConfigError(flag, text, `a comma list of numbers, each ${describeRange(range)}`);
  return parts.map((p, i) => parseNumber(parts.length > 1 ? `${flag} (item ${i + 1})` : flag, p, range));
};

/** --eval-at: log:K, every:K or a comma list of steps (checked against T when the run is planned). */
export function parseEvalAt(text: string): EvalSchedule {
  const m = /^(log|every):(\d+)$/.exec(text.trim());
  if (m) return m[1] === 'log' ? { log: Number(m[2]) } : { every: Number(m[2]) };
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new ConfigError('--eval-at', text, 'log:K, every:K or a comma list of steps (non-negative integers)');
  return parts.map(Number);
}

export const BACKEND_CHOICES = ['auto', ...BACKENDS] as const;

/** --backend, with the choices of the engine. */
export function backendOption(): Option {
  return new Option('--backend <b>', 'kernels: auto (SIMD if supported), simd, scalar, relaxed (SIMD with fused multiply-add where the engine has it; opt-in, engine-dependent bits), js (float64 reference)').choices(BACKEND_CHOICES).default('auto');
}

/** --threads: auto, or a whole number of threads for one run's steps (the same bits on any number). */
export function threadsOption(): Option {
  return new Option('--threads <n>', 'threads for the steps: auto (every core when the steps are big enough) or a number; the same results on any number')
    .argParser((text: string): number | 'auto' => {
      if (text.trim() === 'auto') return 'auto';
      try {
        return parseNumber('--threads', text, { integer: true, min: 1, max: 256 });
      } catch {
        throw new ConfigError('--threads', text, 'auto or an integer in [1, 256]');
      }
    })
    .default('auto');
}

/** --seed for every command. */
export function seedOption(defaultSeed?: number): Option {
  const o = new Option('--seed <int>', `random seed (data, init, noise)${defaultSeed === undefined ? '; default 0' : ''}`).argParser(fieldParser('--seed', 'seed'));
  return defaultSeed === undefined ? o : o.default(defaultSeed);
}

/** A percentage with two decimals, or "n/a". */
export const pct = (x: number | null, digits = 2): string => (x === null ? 'n/a' : `${(100 * x).toFixed(digits)}%`);

/** Every command prints one line pointing to its help after a usage error (not the whole help). */
export function helpPointer(cmd: Command): Command {
  const name = cmd.parent ? `${cmd.parent.name()} ${cmd.name()}` : cmd.name();
  return cmd.showHelpAfterError(`(${name} --help lists every flag)`);
}
