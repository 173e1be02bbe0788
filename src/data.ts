// The XOR cluster distribution of docs/computation.md §Data (paper Section 2).
// Four clusters of weight 1/4 with centres ‖µ‖·(+µ1, −µ1, +µ2, −µ2); clean label +1 for ±µ1 and
// −1 for ±µ2; x = centre + z with z isotropic, mean 0, covariance σ²I, from a log-concave law;
// then label noise flips some observed labels. Every sample keeps its clean label, cluster id and
// flipped flag, so the sets C, N, I±µ1, I±µ2 of Section 4 can be read off.
import { ConfigError } from './errors.js';
import type { ClusterLaw, DataConfig, NoiseSpec, RfaConfig } from './config.js';
import { DRAWS_PER_YIELD, Rng, runToEnd } from './rng.js';

/** Cluster ids. */
export const CLUSTER = { plusMu1: 0, minusMu1: 1, plusMu2: 2, minusMu2: 3 } as const;
export const CLUSTER_NAMES = ['+mu1', '-mu1', '+mu2', '-mu2'] as const;

export type SetName = 'train' | 'test';

export interface XorDataset {
  n: number;
  d: number;
  /** (n, d) row-major inputs */
  x: Float32Array;
  /** observed labels ±1 */
  y: Int8Array;
  /** clean labels ỹ ±1 (null when the data came from outside, e.g. a .npy file) */
  cleanY: Int8Array | null;
  /** cluster id 0..3 (+µ1, −µ1, +µ2, −µ2), or null when unknown */
  cluster: Uint8Array | null;
  /** 1 where y ≠ ỹ, or null when unknown */
  flipped: Uint8Array | null;
}

export interface XorMeans {
  /** unit vectors (‖µ1‖ = ‖µ2‖ = 1, ⟨µ1, µ2⟩ = 0); the centres are muNorm·(±µ1, ±µ2) */
  mu1: Float64Array;
  mu2: Float64Array;
  muNorm: number;
}

export interface XorProblem extends XorMeans {
  train: XorDataset;
  test: XorDataset;
}

/** µ1, µ2: e1, e2, or a random orthonormal pair (Gram–Schmidt on two Gaussian vectors). */
export function makeMeans(d: number, mode: 'canonical' | 'random', rng: Rng, muNorm = 1): XorMeans {
  const mu1 = new Float64Array(d);
  const mu2 = new Float64Array(d);
  if (mode === 'canonical') {
    mu1[0] = 1;
    mu2[1] = 1;
  } else {
    for (let k = 0; k < d; k++) mu1[k] = rng.normal();
    for (let k = 0; k < d; k++) mu2[k] = rng.normal();
    normalize(mu1);
    const p = dot(mu1, mu2);
    for (let k = 0; k < d; k++) mu2[k]! -= p * mu1[k]!;
    normalize(mu2);
  }
  return { mu1, mu2, muNorm };
}

/** One draw of the cluster law with per-coordinate variance σ². */
function noiseSampler(law: ClusterLaw, sigma: number, rng: Rng): () => number {
  switch (law) {
    case 'gaussian':
      return () => sigma * rng.normal();
    case 'uniform': {
      const h = Math.sqrt(3) * sigma; // uniform on [−√3σ, √3σ] has variance σ²
      return () => h * (2 * rng.uniform() - 1);
    }
    case 'laplace': {
      const b = sigma / Math.SQRT2; // Laplace(b) has variance 2b²
      return () => rng.laplace(b);
    }
  }
}

/** Draw n samples of the clean distribution, then apply the label noise. */
export function sampleXorClusters(
  n: number, data: Pick<DataConfig, 'd' | 'sigma' | 'law' | 'noise'>, means: XorMeans, rng: Rng,
  set: SetName = 'train',
): XorDataset {
  return runToEnd(sampleXorClustersSteps(n, data, means, rng, set));
}

/** sampleXorClusters as a generator that yields every DRAWS_PER_YIELD draws (the same draws, the same bits). */
export function* sampleXorClustersSteps(
  n: number, data: Pick<DataConfig, 'd' | 'sigma' | 'law' | 'noise'>, means: XorMeans, rng: Rng,
  set: SetName = 'train',
): Generator<void, XorDataset, void> {
  const { d, sigma, law } = data;
  const x = new Float32Array(n * d);
  const cleanY = new Int8Array(n);
  const cluster = new Uint8Array(n);
  const z = noiseSampler(law, sigma, rng);
  const row = new Float64Array(d);
  const rowsPerYield = Math.max(1, Math.floor(DRAWS_PER_YIELD / d));
  for (let i = 0; i < n; i++) {
    const k = rng.int(4);
    cluster[i] = k;
    cleanY[i] = k < 2 ? 1 : -1;
    const mu = k < 2 ? means.mu1 : means.mu2;
    const s = (k % 2 === 0 ? 1 : -1) * means.muNorm;
    if (law === 'gaussian') {
      // the same draws as z() per coordinate, taken in bulk
      rng.normals(row, d);
      for (let j = 0; j < d; j++) row[j] = s * mu[j]! + sigma * row[j]!;
    } else {
      for (let j = 0; j < d; j++) row[j] = s * mu[j]! + z();
    }
    x.set(row, i * d);
    if ((i + 1) % rowsPerYield === 0) yield;
  }
  const flipped = chooseFlips(data.noise, x, n, d, cluster, means, rng, set);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) y[i] = flipped[i] ? -cleanY[i]! : cleanY[i]!;
  return { n, d, x, y, cleanY, cluster, flipped };
}

/** Which samples have their label flipped, for each noise mode of docs/computation.md §Data. */
export function chooseFlips(
  noise: NoiseSpec, x: Float32Array, n: number, d: number, cluster: Uint8Array, means: XorMeans, rng: Rng,
  set: SetName = 'train',
): Uint8Array {
  const flipped = new Uint8Array(n);
  switch (noise.mode) {
    case 'none':
      break;
    case 'independent':
      for (let i = 0; i < n; i++) flipped[i] = rng.uniform() < noise.eta ? 1 : 0;
      break;
    case 'per-cluster':
      for (let i = 0; i < n; i++) flipped[i] = rng.uniform() < noise.rates[cluster[i]!]! ? 1 : 0;
      break;
    case 'exact':
      for (const i of rng.sampleIndices(n, Math.floor(noise.eta * n))) flipped[i] = 1;
      break;
    case 'adversarial': {
      const budget = Math.floor(noise.eta * n);
      if (noise.strategy === 'closest') {
        // the points nearest the clean rule's boundary |⟨µ1,x⟩| = |⟨µ2,x⟩| (ties: lower index)
        const score = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let p1 = 0, p2 = 0;
          for (let j = 0; j < d; j++) {
            p1 += x[i * d + j]! * means.mu1[j]!;
            p2 += x[i * d + j]! * means.mu2[j]!;
          }
          score[i] = Math.abs(Math.abs(p1) - Math.abs(p2));
        }
        const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]! || a - b);
        for (let r = 0; r < budget; r++) flipped[order[r]!] = 1;
      } else {
        const c = noise.cluster ?? 0;
        const members: number[] = [];
        for (let i = 0; i < n; i++) if (cluster[i] === c) members.push(i);
        if (budget > members.length) {
          const size = set === 'train' ? 'data.n' : 'data.nTest';
          throw new ConfigError('data.noise.eta', noise.eta,
            `small enough that ⌊eta·${size}⌋ = ${budget} flips fit in cluster ${c}, which drew ${members.length} of the ` +
              `${n} samples of the ${set === 'train' ? 'training' : 'test'} set (${size} = ${n})`);
        }
        for (const r of rng.sampleIndices(members.length, budget)) flipped[members[r]!] = 1;
      }
      break;
    }
  }
  return flipped;
}

/** The training and test sets of a run, each from its own random stream. */
export function sampleProblem(config: RfaConfig): XorProblem {
  return runToEnd(sampleProblemSteps(config));
}

/** sampleProblem as a generator that yields every few milliseconds of sampling (same bits), so it can be cancelled. */
export function* sampleProblemSteps(config: RfaConfig): Generator<void, XorProblem, void> {
  const { data, seed } = config;
  const means = makeMeans(data.d, data.mu, new Rng(seed, 'mu'), data.muNorm);
  const train = yield* sampleXorClustersSteps(data.n, data, means, new Rng(seed, 'train'), 'train');
  const test = yield* sampleXorClustersSteps(data.nTest, data, means, new Rng(seed, 'test'), 'test');
  return { ...means, train, test };
}

/** The means of a config's distribution alone (µ1, µ2 from the seed's 'mu' stream), without sampling data. */
export function sampleMeans(config: RfaConfig): XorMeans {
  return makeMeans(config.data.d, config.data.mu, new Rng(config.seed, 'mu'), config.data.muNorm);
}

/**
 * A dataset from raw arrays (e.g. loaded from .npy): x (n, d) row-major, converted to f32 (a copy),
 * labels ±1, clean labels unknown. Checked like any dataset given to train (checkDataset).
 */
export function datasetFromArrays(x: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, field = 'data'): XorDataset {
  checkSize(`${field}.n`, n, 0);
  checkSize(`${field}.d`, d, 2);
  if (n * d > 2 ** 31 - 1) throw new ConfigError(`${field}.n × ${field}.d`, n * d, `at most ${2 ** 31 - 1} values`);
  for (const [k, a] of [['x', x], ['y', y]] as const) {
    if (a === null || typeof a !== 'object' || typeof a.length !== 'number') throw new ConfigError(`${field}.${k}`, a, 'an array or typed array of numbers');
    if (a instanceof BigInt64Array || a instanceof BigUint64Array) throw new ConfigError(`${field}.${k}`, a, 'an array of numbers (not BigInt)');
  }
  if (x.length !== n * d) throw new ConfigError(`${field}.x`, `length ${x.length}`, `n·d = ${n}·${d} = ${n * d} values`);
  if (y.length !== n) throw new ConfigError(`${field}.y`, `length ${y.length}`, `n = ${n} labels`);
  for (const [k, a] of [['x', x], ['y', y]] as const) {
    if (ArrayBuffer.isView(a)) continue;
    for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number') throw new ConfigError(`${field}.${k}[${i}]`, a[i], 'a number');
  }
  // a Float32Array is used as it is (no second copy of what may be gigabytes); other arrays are converted
  const ds: XorDataset = { n, d, x: x instanceof Float32Array ? x : Float32Array.from(x), y: Int8Array.from(y), cleanY: null, cluster: null, flipped: null };
  // labels: checked on the caller's values, before Int8Array wraps 257 to 1
  for (let i = 0; i < n; i++) {
    if (y[i] !== 1 && y[i] !== -1) throw new ConfigError(`${field}.y[${i}]`, y[i], '+1 or −1');
  }
  checkDataset(ds, field);
  return ds;
}

function checkSize(field: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 2 ** 31 - 1) throw new ConfigError(field, v, `an integer in [${min}, ${2 ** 31 - 1}]`);
}

/**
 * Check a dataset given to train (opts.data.train, opts.data.test): sizes, array lengths, labels ±1,
 * cluster ids 0..3, flipped flags consistent with the clean labels, and (unless `inputs` is false)
 * every input finite. Throws a ConfigError naming the field (e.g. data.train.x[3][1]); never changes
 * the dataset.
 */
export function checkDataset(ds: XorDataset, field: string, minN = 1, { inputs = true }: { inputs?: boolean } = {}): void {
  if (typeof ds !== 'object' || ds === null) throw new ConfigError(field, ds, 'a dataset { n, d, x, y, cleanY, cluster, flipped }');
  const { n, d, x, y } = ds;
  checkSize(`${field}.n`, n, minN);
  checkSize(`${field}.d`, d, 2);
  if (!(x instanceof Float32Array)) throw new ConfigError(`${field}.x`, x, 'a Float32Array (datasetFromArrays converts other arrays)');
  if (x.length !== n * d) throw new ConfigError(`${field}.x`, `length ${x.length}`, `n·d = ${n}·${d} = ${n * d} values`);
  const labels = (name: string, a: ArrayLike<number> | null | undefined, nullable: boolean, ok: (v: number) => boolean, allowed: string): void => {
    if (a === null && nullable) return;
    if (a === null || typeof a !== 'object' || typeof a.length !== 'number') throw new ConfigError(`${field}.${name}`, a, `an array of ${n} values${nullable ? ' or null' : ''}`);
    if (a.length !== n) throw new ConfigError(`${field}.${name}`, `length ${a.length}`, `n = ${n} values`);
    for (let i = 0; i < n; i++) if (!ok(a[i]!)) throw new ConfigError(`${field}.${name}[${i}]`, a[i], allowed);
  };
  const pm1 = (v: number) => v === 1 || v === -1;
  labels('y', y, false, pm1, '+1 or −1');
  labels('cleanY', ds.cleanY, true, pm1, '+1 or −1');
  labels('cluster', ds.cluster, true, (v) => v === 0 || v === 1 || v === 2 || v === 3, 'a cluster id 0..3');
  labels('flipped', ds.flipped, true, (v) => v === 0 || v === 1, '0 or 1');
  if (ds.cleanY && ds.flipped) {
    for (let i = 0; i < n; i++) {
      if ((ds.flipped[i] === 1) !== (y[i] !== ds.cleanY[i])) throw new ConfigError(`${field}.flipped[${i}]`, ds.flipped[i], `1 exactly when y[${i}] ≠ cleanY[${i}]`);
    }
  }
  if (!inputs) return;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new ConfigError(`${field}.x[${Math.floor(i / d)}][${i % d}]`, x[i], 'a finite number');
  }
}

/** The ideal classifier of eq. (2): sgn(|⟨µ1,x⟩| − |⟨µ2,x⟩|), with sgn(0) = +1. */
export function idealPredict(ds: XorDataset, means: XorMeans): Int8Array {
  const { n, d, x } = ds;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    let p1 = 0, p2 = 0;
    for (let j = 0; j < d; j++) {
      p1 += x[i * d + j]! * means.mu1[j]!;
      p2 += x[i * d + j]! * means.mu2[j]!;
    }
    out[i] = Math.abs(p1) - Math.abs(p2) >= 0 ? 1 : -1;
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normalize(a: Float64Array): void {
  const s = Math.sqrt(dot(a, a));
  for (let i = 0; i < a.length; i++) a[i]! /= s;
}
