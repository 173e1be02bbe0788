// The configuration of one run: data (docs/computation.md §Data), network (eq. 1) and training. A run is a pure
// function of its resolved config. resolveConfig fills the paper's defaults and validates every
// field, throwing a ConfigError that names the field, the value and the allowed range.
import { ConfigError } from './errors.js';

export type ClusterLaw = 'gaussian' | 'uniform' | 'laplace';
export const CLUSTER_LAWS: readonly ClusterLaw[] = ['gaussian', 'uniform', 'laplace'];

export type AdversarialStrategy = 'closest' | 'one-cluster';

/** Label noise (docs/computation.md §Data). Cluster ids: 0 = +µ1, 1 = −µ1, 2 = +µ2, 3 = −µ2. */
export type NoiseSpec =
  | { mode: 'none' }
  /** each label flipped independently with probability eta */
  | { mode: 'independent'; eta: number }
  /** exactly ⌊eta·n⌋ labels flipped, the set chosen uniformly at random */
  | { mode: 'exact'; eta: number }
  /** a label in cluster k flipped independently with probability rates[k] */
  | { mode: 'per-cluster'; rates: readonly [number, number, number, number] }
  /** a budget of ⌊eta·n⌋ flips placed by an adversary: the points closest to the clean rule's
   *  boundary (smallest ||⟨µ1,x⟩| − |⟨µ2,x⟩||), or points of one cluster only */
  | { mode: 'adversarial'; eta: number; strategy: AdversarialStrategy; cluster?: number };
export const NOISE_MODES = ['none', 'independent', 'exact', 'per-cluster', 'adversarial'] as const;

export interface DataConfig {
  /** training samples */
  n: number;
  /** input dimension (≥ 2) */
  d: number;
  /** test samples, drawn from the same distribution */
  nTest: number;
  /** within-cluster standard deviation σ; default d^(−0.6), i.e. σ² = 1/d^1.2 (Appendix E) */
  sigma: number;
  /** ‖µ1‖ = ‖µ2‖, the signal strength */
  muNorm: number;
  /** µ1 = e1, µ2 = e2, or a random orthonormal pair */
  mu: 'canonical' | 'random';
  /** the cluster law P_clust: isotropic, log-concave, variance σ² per coordinate */
  law: ClusterLaw;
  noise: NoiseSpec;
}

export interface ModelConfig {
  /** hidden neurons */
  m: number;
  /** initialization scale ω_init: W(0)_jk ~ N(0, ω_init²); default √(0.01/(m·d)) */
  omegaInit: number;
  /** the subgradient φ'(0) ∈ [0, 1] */
  dphi0: number;
}

export interface TrainConfig {
  /** step size α */
  alpha: number;
  /** number of gradient-descent steps T; default 1 + ⌊1/(4α)⌋ (Theorem 1) */
  steps: number;
}

export interface RfaConfig {
  seed: number;
  data: DataConfig;
  model: ModelConfig;
  train: TrainConfig;
}

type Partialize<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends readonly unknown[] ? T[K] : Partial<T[K]>) : T[K] };
/** What a caller passes: any field may be left out and takes its default. */
export interface RfaConfigInput {
  seed?: number;
  data?: Partialize<Omit<DataConfig, 'noise'>> & { noise?: NoiseSpec };
  model?: Partial<ModelConfig>;
  train?: Partial<TrainConfig>;
}

/** The noise rate of the default noise, and of a noise mode whose eta a command line leaves out. */
export const DEFAULT_ETA = 0.15;

export const DEFAULTS = {
  seed: 0,
  n: 200,
  d: 1000,
  nTest: 6000,
  muNorm: 1,
  mu: 'canonical' as const,
  law: 'gaussian' as const,
  noise: { mode: 'exact', eta: DEFAULT_ETA } as NoiseSpec,
  m: 400,
  dphi0: 0,
  alpha: 0.1,
};

export const defaultSigma = (d: number): number => Math.pow(d, -0.6);
export const defaultOmegaInit = (m: number, d: number): number => Math.sqrt(0.01 / (m * d));
export const defaultSteps = (alpha: number): number => 1 + Math.floor(1 / (4 * alpha));

/** The largest element count of one array (n·d, nTest·d, m·d, n·m): a typed array and an i32 index. */
export const MAX_COUNT = 2 ** 31 - 1;

// ---- ranges -------------------------------------------------------------------------------------

/** The allowed values of a numeric field: the config's checks and the CLI's flag parsers share them. */
export interface NumberRange {
  integer?: boolean;
  min: number;
  max: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

/** Every numeric field of a config, by its path. */
export const RANGES = {
  seed: { integer: true, min: 0, max: 0xffffffff },
  'data.n': { integer: true, min: 1, max: MAX_COUNT },
  'data.d': { integer: true, min: 2, max: MAX_COUNT },
  'data.nTest': { integer: true, min: 0, max: MAX_COUNT },
  'data.sigma': { min: 0, max: 1e30 },
  'data.muNorm': { min: 0, max: 1e30, minOpen: true },
  'data.noise.eta': { min: 0, max: 0.5 },
  'data.noise.rates': { min: 0, max: 0.5 },
  'data.noise.cluster': { integer: true, min: 0, max: 3 },
  // m = 1 would leave a single neuron with a = 0 (odd m): a network that cannot learn
  'model.m': { integer: true, min: 2, max: MAX_COUNT },
  'model.omegaInit': { min: 0, max: 1e30, minOpen: true },
  'model.dphi0': { min: 0, max: 1 },
  'train.alpha': { min: 0, max: 1e30, minOpen: true },
  'train.steps': { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
} as const satisfies Record<string, NumberRange>;
export type RangedField = keyof typeof RANGES;

/** The allowed values of a range, in words: "an integer in [1, 10]", "a finite number in (0, 1e+30]". */
export function describeRange(r: NumberRange): string {
  if (r.integer) return `an integer in [${r.min}, ${r.max}]`;
  return `a finite number in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
}

/** v if it is a number within the range, else a ConfigError naming `field`. */
export function checkRange(field: string, v: unknown, r: NumberRange): number {
  const ok =
    typeof v === 'number' && Number.isFinite(v) && (!r.integer || Number.isInteger(v)) &&
    (r.minOpen ? v > r.min : v >= r.min) && (r.maxOpen ? v < r.max : v <= r.max);
  if (!ok) throw new ConfigError(field, v, describeRange(r));
  return v as number;
}

// ---- field checks -------------------------------------------------------------------------------

/** A plain object (of any realm): an object literal, JSON.parse output or Object.create(null). */
/** JSON with object keys sorted at every level: equal for equal values, whatever the key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * The own value of o[key], or undefined when the field is left out. A value reached only through
 * the prototype chain is refused (a polluted Object.prototype must not configure a run).
 * null is returned as is, so the field's own check refuses it: null never means "the default".
 */
function own(o: Record<string, unknown>, key: string, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, key)) return o[key];
  if (key in o) throw new ConfigError(path, o[key], 'an own field of the config object (this one is inherited from its prototype)');
  return undefined;
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(`${path}${k}`, obj[k], `one of the known fields (${allowed.join(', ')}) — unknown field`);
  }
}

export function checkInt(field: string, v: unknown, min: number, max = MAX_COUNT): number {
  return checkRange(field, v, { integer: true, min, max });
}

export function checkNumber(
  field: string, v: unknown, min: number, max: number,
  { minOpen = false, maxOpen = false }: { minOpen?: boolean; maxOpen?: boolean } = {},
): number {
  return checkRange(field, v, { min, max, minOpen, maxOpen });
}

function checkEnum<T extends string>(field: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) {
    throw new ConfigError(field, v, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`);
  }
  return v as T;
}

/** An optional sub-object: {} when left out, a ConfigError for null, arrays and non-plain objects. */
function checkObject(field: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw new ConfigError(field, v, 'a plain object');
  return v;
}

/** A field of a sub-object: its own value, checked against RANGES, or `fallback` when left out. */
function ranged(o: Record<string, unknown>, key: string, path: RangedField, fallback: number | (() => number)): number {
  const v = own(o, key, path);
  return checkRange(path, v === undefined ? (typeof fallback === 'function' ? fallback() : fallback) : v, RANGES[path]);
}

export function resolveNoise(v: unknown, field = 'data.noise'): NoiseSpec {
  if (v === undefined) return DEFAULTS.noise;
  const o = checkObject(field, v);
  const get = (k: string) => own(o, k, `${field}.${k}`);
  // left out, the mode and η take their defaults (exact, 0.15), so { eta: 0.3 } or a sweep's grid over
  // data.noise.eta needs no mode; null is refused as everywhere
  const m = get('mode');
  const mode = checkEnum(`${field}.mode`, m === undefined ? DEFAULTS.noise.mode : m, NOISE_MODES);
  const eta = (): number => {
    const e = get('eta');
    return checkRange(`${field}.eta`, e === undefined ? DEFAULT_ETA : e, RANGES['data.noise.eta']);
  };
  switch (mode) {
    case 'none':
      checkKeys(o, ['mode'], `${field}.`);
      return { mode };
    case 'independent':
    case 'exact':
      checkKeys(o, ['mode', 'eta'], `${field}.`);
      return { mode, eta: eta() };
    case 'per-cluster': {
      checkKeys(o, ['mode', 'rates'], `${field}.`);
      const r = get('rates');
      if (!Array.isArray(r) || r.length !== 4) throw new ConfigError(`${field}.rates`, r, 'an array of 4 flip probabilities, one per cluster (+µ1, −µ1, +µ2, −µ2)');
      const rates: [number, number, number, number] = [0, 0, 0, 0];
      // a for loop, not map: map skips the holes of a sparse array ([0.1, , 0.1, 0.1])
      for (let k = 0; k < 4; k++) rates[k] = checkRange(`${field}.rates[${k}]`, k in r ? r[k] : undefined, RANGES['data.noise.rates']);
      return { mode, rates };
    }
    case 'adversarial': {
      checkKeys(o, ['mode', 'eta', 'strategy', 'cluster'], `${field}.`);
      const s = get('strategy');
      const strategy = checkEnum(`${field}.strategy`, s === undefined ? 'closest' : s, ['closest', 'one-cluster'] as const);
      const spec: NoiseSpec = { mode, eta: eta(), strategy };
      const c = get('cluster');
      if (strategy === 'one-cluster') spec.cluster = checkRange(`${field}.cluster`, c === undefined ? 0 : c, RANGES['data.noise.cluster']);
      else if (c !== undefined) throw new ConfigError(`${field}.cluster`, c, 'left out unless strategy is "one-cluster"');
      return spec;
    }
  }
}

/** The noise rate η = E[η(x)] a noise spec aims at (clusters have equal weight). */
export function noiseRate(noise: NoiseSpec): number {
  switch (noise.mode) {
    case 'none': return 0;
    case 'per-cluster': return (noise.rates[0] + noise.rates[1] + noise.rates[2] + noise.rates[3]) / 4;
    default: return noise.eta;
  }
}

/**
 * Fill defaults and validate. Throws ConfigError naming the first bad field; never changes `input`.
 * `sizes` replaces the defaults of data.n, data.d and data.nTest (train uses it for given data).
 */
export function resolveConfig(input: RfaConfigInput | RfaConfig = {}, sizes: { n?: number; d?: number; nTest?: number } = {}): RfaConfig {
  try {
    return resolve(input, sizes);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // a Proxy, a getter that throws: whatever reading the input raised is a bad config, said as one
    throw new ConfigError('config', input, `a plain object that can be read (reading it threw ${(e as Error)?.name}: ${(e as Error)?.message})`);
  }
}

function resolve(input: RfaConfigInput | RfaConfig, sizes: { n?: number; d?: number; nTest?: number }): RfaConfig {
  if (!isPlainObject(input)) throw new ConfigError('config', input, 'a plain object ({ seed, data, model, train })');
  const top = input as Record<string, unknown>;
  checkKeys(top, ['seed', 'data', 'model', 'train'], '');
  const seed = ranged(top, 'seed', 'seed', DEFAULTS.seed);

  const di = checkObject('data', own(top, 'data', 'data'));
  checkKeys(di, ['n', 'd', 'nTest', 'sigma', 'muNorm', 'mu', 'law', 'noise'], 'data.');
  const n = ranged(di, 'n', 'data.n', sizes.n ?? DEFAULTS.n);
  const d = ranged(di, 'd', 'data.d', sizes.d ?? DEFAULTS.d);
  const nTest = ranged(di, 'nTest', 'data.nTest', sizes.nTest ?? DEFAULTS.nTest);
  const sigma = ranged(di, 'sigma', 'data.sigma', () => defaultSigma(d));
  const muNorm = ranged(di, 'muNorm', 'data.muNorm', DEFAULTS.muNorm);
  const muIn = own(di, 'mu', 'data.mu');
  const mu = checkEnum('data.mu', muIn === undefined ? DEFAULTS.mu : muIn, ['canonical', 'random'] as const);
  const lawIn = own(di, 'law', 'data.law');
  const law = checkEnum('data.law', lawIn === undefined ? DEFAULTS.law : lawIn, CLUSTER_LAWS);
  const noise = resolveNoise(own(di, 'noise', 'data.noise'));

  const mi = checkObject('model', own(top, 'model', 'model'));
  checkKeys(mi, ['m', 'omegaInit', 'dphi0'], 'model.');
  const m = ranged(mi, 'm', 'model.m', DEFAULTS.m);
  const omegaInit = ranged(mi, 'omegaInit', 'model.omegaInit', () => defaultOmegaInit(m, d));
  const dphi0 = ranged(mi, 'dphi0', 'model.dphi0', DEFAULTS.dphi0);

  const ti = checkObject('train', own(top, 'train', 'train'));
  checkKeys(ti, ['alpha', 'steps'], 'train.');
  const alpha = ranged(ti, 'alpha', 'train.alpha', DEFAULTS.alpha);
  const steps = ranged(ti, 'steps', 'train.steps', () => defaultSteps(alpha));

  checkCounts(n, d, m, nTest);
  return {
    seed,
    data: { n, d, nTest, sigma, muNorm, mu, law, noise },
    model: { m, omegaInit, dphi0 },
    train: { alpha, steps },
  };
}

/** Every array a run holds is indexed by one i32 and fits one typed array. */
function checkCounts(n: number, d: number, m: number, nTest: number): void {
  for (const [field, v] of [['data.n × data.d', n * d], ['data.nTest × data.d', nTest * d], ['model.m × data.d', m * d], ['data.n × model.m', n * m]] as const) {
    if (v > MAX_COUNT) throw new ConfigError(field, v, `at most ${MAX_COUNT} elements`);
  }
}

/**
 * A config that meets (A1)–(A7) with constant C (the theorem's own regime, unlike Appendix E's):
 * σ = 1/(C√d), ω_init = 1/(C²√(m·d)), η = min(0.15, 1/C), and α in [1/(2√C), 1/√C] chosen as
 * 1/(4j) for an integer j when one fits, so that T = 1 + 1/(4α) is a whole number (else 0.75/√C).
 * (A1), (A3) and (A5) depend on n, d, m and δ: check them with `assumptions()`.
 */
export function theoryConfig(C: number, base: { seed?: number; n?: number; d?: number; m?: number; nTest?: number } = {}): RfaConfig {
  const d = base.d ?? 1000, m = base.m ?? 400;
  return resolveConfig({
    seed: base.seed ?? 0,
    data: { n: base.n ?? 200, d, nTest: base.nTest ?? 6000, sigma: 1 / (C * Math.sqrt(d)), noise: { mode: 'exact', eta: Math.min(0.15, 1 / C) } },
    model: { m, omegaInit: 1 / (C * C * Math.sqrt(m * d)) },
    train: { alpha: theoryAlpha(C) },
  });
}

function theoryAlpha(C: number): number {
  const j = Math.max(1, Math.ceil(Math.sqrt(C) / 4));
  return j <= Math.sqrt(C) / 2 ? 1 / (4 * j) : 0.75 / Math.sqrt(C);
}
