// The configuration of one run: data (SPEC §Data), network (eq. 1) and training. A run is a pure
// function of its resolved config. resolveConfig fills the paper's defaults and validates every
// field, throwing a ConfigError that names the field, the value and the allowed range.
import { ConfigError } from './errors.js';

export type ClusterLaw = 'gaussian' | 'uniform' | 'laplace';
export const CLUSTER_LAWS: readonly ClusterLaw[] = ['gaussian', 'uniform', 'laplace'];

export type AdversarialStrategy = 'closest' | 'one-cluster';

/** Label noise (SPEC §Data). Cluster ids: 0 = +µ1, 1 = −µ1, 2 = +µ2, 3 = −µ2. */
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

export const DEFAULTS = {
  seed: 0,
  n: 200,
  d: 1000,
  nTest: 6000,
  muNorm: 1,
  mu: 'canonical' as const,
  law: 'gaussian' as const,
  noise: { mode: 'exact', eta: 0.15 } as NoiseSpec,
  m: 400,
  dphi0: 0,
  alpha: 0.1,
};

export const defaultSigma = (d: number): number => Math.pow(d, -0.6);
export const defaultOmegaInit = (m: number, d: number): number => Math.sqrt(0.01 / (m * d));
export const defaultSteps = (alpha: number): number => 1 + Math.floor(1 / (4 * alpha));

/** The largest number of f32 values the WASM arena may hold (4 GiB of linear memory). */
export const WASM_MAX_BYTES = 4 * 1024 * 1024 * 1024;
const MAX_COUNT = 2 ** 31 - 1;

// ---- field checks -------------------------------------------------------------------------------

function checkKeys(obj: object, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(`${path}${k}`, (obj as Record<string, unknown>)[k], `one of the known fields (${allowed.join(', ')}) — unknown field`);
  }
}

export function checkInt(field: string, v: unknown, min: number, max = MAX_COUNT): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(field, v, `an integer in [${min}, ${max}]`);
  }
  return v;
}

export function checkNumber(
  field: string, v: unknown, min: number, max: number,
  { minOpen = false, maxOpen = false }: { minOpen?: boolean; maxOpen?: boolean } = {},
): number {
  const lo = minOpen ? '(' : '[';
  const hi = maxOpen ? ')' : ']';
  const range = `a finite number in ${lo}${min}, ${max}${hi}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, v, range);
  if (minOpen ? v <= min : v < min) throw new ConfigError(field, v, range);
  if (maxOpen ? v >= max : v > max) throw new ConfigError(field, v, range);
  return v;
}

function checkEnum<T extends string>(field: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) {
    throw new ConfigError(field, v, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`);
  }
  return v as T;
}

function checkObject(field: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(field, v, 'an object');
  return v as Record<string, unknown>;
}

export function resolveNoise(v: unknown, field = 'data.noise'): NoiseSpec {
  if (v === undefined) return DEFAULTS.noise;
  const o = checkObject(field, v);
  const mode = checkEnum(`${field}.mode`, o.mode, NOISE_MODES);
  const eta = (): number => checkNumber(`${field}.eta`, o.eta, 0, 0.5);
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
      const r = o.rates;
      if (!Array.isArray(r) || r.length !== 4) throw new ConfigError(`${field}.rates`, r, 'an array of 4 flip probabilities, one per cluster (+µ1, −µ1, +µ2, −µ2)');
      const rates = r.map((x, k) => checkNumber(`${field}.rates[${k}]`, x, 0, 0.5)) as unknown as [number, number, number, number];
      return { mode, rates };
    }
    case 'adversarial': {
      checkKeys(o, ['mode', 'eta', 'strategy', 'cluster'], `${field}.`);
      const strategy = checkEnum(`${field}.strategy`, o.strategy ?? 'closest', ['closest', 'one-cluster'] as const);
      const spec: NoiseSpec = { mode, eta: eta(), strategy };
      if (strategy === 'one-cluster') spec.cluster = checkInt(`${field}.cluster`, o.cluster ?? 0, 0, 3);
      else if (o.cluster !== undefined) throw new ConfigError(`${field}.cluster`, o.cluster, 'left out unless strategy is "one-cluster"');
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

/** Fill defaults and validate. Throws ConfigError naming the first bad field. */
export function resolveConfig(input: RfaConfigInput = {}): RfaConfig {
  const top = checkObject('config', input);
  checkKeys(top, ['seed', 'data', 'model', 'train'], '');
  const seed = checkInt('seed', top.seed ?? DEFAULTS.seed, 0, 0xffffffff);

  const di = checkObject('data', top.data);
  checkKeys(di, ['n', 'd', 'nTest', 'sigma', 'muNorm', 'mu', 'law', 'noise'], 'data.');
  const n = checkInt('data.n', di.n ?? DEFAULTS.n, 1);
  const d = checkInt('data.d', di.d ?? DEFAULTS.d, 2);
  const nTest = checkInt('data.nTest', di.nTest ?? DEFAULTS.nTest, 0);
  const sigma = checkNumber('data.sigma', di.sigma ?? defaultSigma(d), 0, 1e30);
  const muNorm = checkNumber('data.muNorm', di.muNorm ?? DEFAULTS.muNorm, 0, 1e30, { minOpen: true });
  const mu = checkEnum('data.mu', di.mu ?? DEFAULTS.mu, ['canonical', 'random'] as const);
  const law = checkEnum('data.law', di.law ?? DEFAULTS.law, CLUSTER_LAWS);
  const noise = resolveNoise(di.noise);

  const mi = checkObject('model', top.model);
  checkKeys(mi, ['m', 'omegaInit', 'dphi0'], 'model.');
  const m = checkInt('model.m', mi.m ?? DEFAULTS.m, 1);
  const omegaInit = checkNumber('model.omegaInit', mi.omegaInit ?? defaultOmegaInit(m, d), 0, 1e30, { minOpen: true });
  const dphi0 = checkNumber('model.dphi0', mi.dphi0 ?? DEFAULTS.dphi0, 0, 1);

  const ti = checkObject('train', top.train);
  checkKeys(ti, ['alpha', 'steps'], 'train.');
  const alpha = checkNumber('train.alpha', ti.alpha ?? DEFAULTS.alpha, 0, 1e30, { minOpen: true });
  const steps = checkInt('train.steps', ti.steps ?? defaultSteps(alpha), 0, Number.MAX_SAFE_INTEGER);

  checkCounts(n, d, m, nTest);
  return {
    seed,
    data: { n, d, nTest, sigma, muNorm, mu, law, noise },
    model: { m, omegaInit, dphi0 },
    train: { alpha, steps },
  };
}

/** Bytes of WASM linear memory a run of this size lays out (see src/wasm/arena.ts). */
export function arenaBytes(n: number, d: number, m: number, nTest: number): number {
  const evalRows = Math.max(n, Math.min(nTest, 1024));
  const floats = n * d + nTest * d + 2 * d * m + m + evalRows * m + 4 * Math.max(n, evalRows);
  return floats * 4 + 1024 * 64; // plus alignment and the per-step output buffers
}

function checkCounts(n: number, d: number, m: number, nTest: number): void {
  for (const [field, v] of [['data.n × data.d', n * d], ['data.nTest × data.d', nTest * d], ['model.m × data.d', m * d], ['data.n × model.m', n * m]] as const) {
    if (v > MAX_COUNT) throw new ConfigError(field, v, `at most ${MAX_COUNT} elements`);
  }
  const bytes = arenaBytes(n, d, m, nTest);
  if (bytes > WASM_MAX_BYTES - 1024 * 1024) {
    throw new ConfigError(
      'data.n, data.d, data.nTest, model.m',
      { n, d, nTest, m },
      `sizes whose WASM arena fits in 4 GiB of linear memory: this one needs ${(bytes / 2 ** 30).toFixed(2)} GiB ` +
        `(4·(n·d + nTest·d + 2·m·d + rows·m) bytes)`,
    );
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
