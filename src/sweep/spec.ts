// A sweep file: a base config, a grid over config fields and/or a list of configs, a list of seeds, the
// evaluation steps and the named instruments. It is checked whole before anything runs — unknown keys,
// wrong types, empty grids, values a config refuses (named by where they came from: grid["data.n"][1],
// configs[2].model.m, base.train.alpha), duplicate runs — and expanded deterministically into runs, each
// with an id that is a hash of its resolved config, seed, evaluation steps and instruments.
import { canonical, checkRange, isPlainObject, MAX_COUNT, resolveConfig, type RfaConfig, type RfaConfigInput } from '../config.js';
import { ConfigError } from '../errors.js';
import { namedInstrument, type InstrumentSpec } from '../metrics/record.js';
import { resolveEvalSteps, type EvalSchedule } from '../train/schedule.js';

export interface SweepSpec {
  /** a label for the results (not part of the runs' ids) */
  name?: string;
  /** the config every run starts from (defaults fill the rest) */
  base?: RfaConfigInput;
  /** config fields by dotted path ("data.n", "data.noise.eta", "model.omegaInit") → the values to sweep */
  grid?: Record<string, unknown[]>;
  /** explicit configs, each over base; the grid applies to each */
  configs?: RfaConfigInput[];
  /** the seeds of every config: a list, or { from, count } */
  seeds: number[] | { from: number; count: number };
  evalAt?: EvalSchedule;
  instruments?: InstrumentSpec;
  /** save each run's state every K steps and/or S seconds, so a killed sweep resumes long runs (not part of the runs' ids) */
  checkpoint?: { everySteps?: number; everySeconds?: number };
}

export interface SweepRun {
  /** 16 hex digits: a hash of the run's resolved config (seed included), evaluation steps and instruments */
  id: string;
  /** its place in the expansion order (configs, then the grid with its last field fastest, then seeds) */
  index: number;
  config: RfaConfig;
  /** the grid point this run is at, by path (empty without a grid) */
  point: Record<string, unknown>;
  evalSteps: number[];
  instruments: InstrumentSpec | null;
}

/** More runs than this is refused before expanding (a sweep file is checked whole up front). */
export const MAX_SWEEP_RUNS = 1_000_000;
const KEYS = ['name', 'base', 'grid', 'configs', 'seeds', 'evalAt', 'instruments', 'checkpoint'];


/** FNV-1a, 64 bits, over the UTF-16 code units of s: 16 hex digits (the same everywhere, no crypto module needed). */
export function hash64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let o = target;
  for (const k of path.slice(0, -1)) {
    if (!isPlainObject(o[k])) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path.at(-1)!] = value;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function getPath(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const k of path) cur = isPlainObject(cur) ? cur[k] : undefined;
  return cur;
}

/** Check a sweep file's content; a SweepSpec, or a ConfigError naming the field (sweep.grid["data.n"][1], ...). */
export function parseSweep(input: unknown): SweepSpec {
  if (!isPlainObject(input)) throw new ConfigError('sweep', input, 'an object { base?, grid?, configs?, seeds, evalAt?, instruments?, name? }');
  for (const k of Object.keys(input)) if (!KEYS.includes(k)) throw new ConfigError(`sweep.${k}`, input[k], `not set: a sweep has ${KEYS.join(', ')}`);
  const { name, base, grid, configs, seeds, evalAt, instruments, checkpoint } = input;
  if (checkpoint !== undefined) {
    if (!isPlainObject(checkpoint) || Object.keys(checkpoint).length === 0) throw new ConfigError('sweep.checkpoint', checkpoint, 'an object { everySteps?, everySeconds? } with at least one of them');
    for (const k of Object.keys(checkpoint)) if (k !== 'everySteps' && k !== 'everySeconds') throw new ConfigError(`sweep.checkpoint.${k}`, checkpoint[k], 'not set: checkpoint has everySteps and everySeconds');
    if (checkpoint.everySteps !== undefined) checkRange('sweep.checkpoint.everySteps', checkpoint.everySteps, { integer: true, min: 1, max: MAX_COUNT });
    if (checkpoint.everySeconds !== undefined) checkRange('sweep.checkpoint.everySeconds', checkpoint.everySeconds, { min: 0, max: 1e9, minOpen: true });
  }
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) throw new ConfigError('sweep.name', name, 'a string of at most 200 characters');
  if (base !== undefined && !isPlainObject(base)) throw new ConfigError('sweep.base', base, 'a config object');
  // a seed in base or a configs item would be replaced by each of sweep.seeds: refused rather than ignored
  if (isPlainObject(base) && base.seed !== undefined) throw new ConfigError('sweep.base.seed', base.seed, 'left out: the seeds of a sweep are sweep.seeds');
  if (grid !== undefined) {
    if (!isPlainObject(grid) || Object.keys(grid).length === 0) throw new ConfigError('sweep.grid', grid, 'an object of at least one field path → a non-empty array of values');
    for (const [path, values] of Object.entries(grid)) {
      if (!/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(path) || path === 'seed') {
        throw new ConfigError(`sweep.grid[${JSON.stringify(path)}]`, path, 'a config field path such as "data.n" (seeds are swept by sweep.seeds)');
      }
      if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`sweep.grid[${JSON.stringify(path)}]`, values, 'a non-empty array of values');
    }
  }
  if (configs !== undefined) {
    if (!Array.isArray(configs) || configs.length === 0) throw new ConfigError('sweep.configs', configs, 'a non-empty array of config objects');
    configs.forEach((c, i) => {
      if (!isPlainObject(c)) throw new ConfigError(`sweep.configs[${i}]`, c, 'a config object');
      if (c.seed !== undefined) throw new ConfigError(`sweep.configs[${i}].seed`, c.seed, 'left out: the seeds of a sweep are sweep.seeds');
    });
  }
  let seedList: number[];
  if (Array.isArray(seeds)) {
    if (seeds.length === 0) throw new ConfigError('sweep.seeds', seeds, 'a non-empty array of seeds');
    seeds.forEach((s, i) => { if (!Number.isInteger(s) || (s as number) < 0 || (s as number) > 0xffffffff) throw new ConfigError(`sweep.seeds[${i}]`, s, 'an integer in [0, 4294967295]'); });
    seedList = seeds as number[];
    const dup = seedList.findIndex((s, i) => seedList.indexOf(s) !== i);
    if (dup >= 0) throw new ConfigError(`sweep.seeds[${dup}]`, seedList[dup], `a seed not listed before (it is seeds[${seedList.indexOf(seedList[dup]!)}] too)`);
  } else if (isPlainObject(seeds)) {
    for (const k of Object.keys(seeds)) if (k !== 'from' && k !== 'count') throw new ConfigError(`sweep.seeds.${k}`, seeds[k], 'not set: seeds is { from, count }');
    const { from = 0, count } = seeds;
    if (!Number.isInteger(from) || (from as number) < 0 || (from as number) > 0xffffffff) throw new ConfigError('sweep.seeds.from', from, 'an integer in [0, 4294967295]');
    if (!Number.isInteger(count) || (count as number) < 1 || (from as number) + (count as number) - 1 > 0xffffffff) {
      throw new ConfigError('sweep.seeds.count', count, `an integer ≥ 1 with from + count − 1 ≤ 4294967295`);
    }
    seedList = Array.from({ length: count as number }, (_, i) => (from as number) + i);
  } else {
    throw new ConfigError('sweep.seeds', seeds, 'an array of seeds or { from, count }');
  }
  if (instruments !== undefined) {
    try {
      namedInstrument(instruments as InstrumentSpec);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`sweep.${e.field}`, e.value, e.allowed);
      throw e;
    }
  }
  const total = (Array.isArray(configs) ? configs.length : 1) * seedList.length *
    (grid ? Object.values(grid as Record<string, unknown[]>).reduce((p, v) => p * v.length, 1) : 1);
  if (total > MAX_SWEEP_RUNS) throw new ConfigError('sweep', `${total} runs`, `at most ${MAX_SWEEP_RUNS} runs (configs × grid points × seeds)`);
  return {
    ...(name !== undefined ? { name: name as string } : {}),
    ...(base !== undefined ? { base: base as RfaConfigInput } : {}),
    ...(grid !== undefined ? { grid: grid as Record<string, unknown[]> } : {}),
    ...(configs !== undefined ? { configs: configs as RfaConfigInput[] } : {}),
    seeds: seedList,
    ...(evalAt !== undefined ? { evalAt: evalAt as EvalSchedule } : {}),
    ...(instruments !== undefined ? { instruments: instruments as InstrumentSpec } : {}),
    ...(checkpoint !== undefined ? { checkpoint: checkpoint as SweepSpec['checkpoint'] } : {}),
  };
}

/** A hash of what defines a sweep's runs (not its name or checkpoint cadence): two folders of one sweep have the same. */
export function sweepHash(spec: SweepSpec): string {
  const { name: _n, checkpoint: _c, grid, ...runs } = spec;
  // the grid's field order sets the runs' order, and so the shards: a reordered grid is another sweep
  return hash64(canonical({ ...runs, grid: grid ? Object.entries(grid) : null }));
}

/**
 * Every run of a sweep, in a fixed order (configs, then grid points with the last field fastest, then
 * seeds), each resolved and checked; a value a config refuses is named where the sweep set it, and two
 * runs that would be the same (the same id) are refused.
 */
export function expandSweep(input: unknown): SweepRun[] {
  const spec = parseSweep(input);
  const paths = Object.keys(spec.grid ?? {});
  const axes = paths.map((p) => spec.grid![p]!);
  const points: Record<string, unknown>[] = [];
  const walk = (i: number, acc: Record<string, unknown>) => {
    if (i === paths.length) points.push({ ...acc });
    else axes[i]!.forEach((v) => walk(i + 1, { ...acc, [paths[i]!]: v }));
  };
  walk(0, {});
  const seeds = spec.seeds as number[];
  const runs: SweepRun[] = [];
  const seen = new Map<string, number>();
  (spec.configs ?? [{}]).forEach((item, ci) => {
    for (const point of points) {
      for (const seed of seeds) {
        const raw = clone(spec.base ?? {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(clone(item) as Record<string, unknown>)) {
          raw[k] = isPlainObject(v) && isPlainObject(raw[k]) ? { ...(raw[k] as object), ...v } : v;
        }
        for (const [path, v] of Object.entries(point)) setPath(raw, path.split('.'), clone(v));
        raw.seed = seed;
        let config: RfaConfig;
        try {
          config = resolveConfig(raw as RfaConfigInput);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          throw new ConfigError(origin(e.field, spec, ci, point), e.value, e.allowed);
        }
        const evalSteps = resolveEvalSteps(spec.evalAt, config.train.steps, 'sweep.evalAt');
        const id = hash64(canonical({ config, evalSteps, instruments: spec.instruments ?? null }));
        const index = runs.length;
        const before = seen.get(id);
        if (before !== undefined) {
          throw new ConfigError('sweep', `runs ${before} and ${index}`, 'distinct runs: these two have the same resolved config and seed');
        }
        seen.set(id, index);
        runs.push({ id, index, config, point, evalSteps, instruments: spec.instruments ?? null });
      }
    }
  });
  return runs;
}

/** Where the sweep set a config field the config refused: the grid, the configs item, or base. */
function origin(field: string, spec: SweepSpec, ci: number, point: Record<string, unknown>): string {
  const hit = Object.keys(point).find((p) => field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`));
  if (hit) return `sweep.grid[${JSON.stringify(hit)}][${spec.grid![hit]!.findIndex((v) => canonical(v) === canonical(point[hit]))}]${field.slice(hit.length)}`;
  // a grid path that goes below a field (data.noise.eta.x sets an object where a number goes): that grid entry
  const under = Object.keys(point).find((p) => p.startsWith(`${field}.`));
  if (under) return `sweep.grid[${JSON.stringify(under)}]`;
  const path = field.replace(/\[.*$/, '').split('.');
  if (spec.configs && getPath(spec.configs[ci], path) !== undefined) return `sweep.configs[${ci}].${field}`;
  if (getPath(spec.base, path) !== undefined) return `sweep.base.${field}`;
  return `sweep: ${field}`;
}
