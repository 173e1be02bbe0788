// Instruments for the paper's claims (docs/computation.md §What is measured). Each reads weights, data or
// pre-activations and returns plain numbers; none trains. W is (m, d) row-major; Z = X·Wᵀ is (n, m).
// O(m·d) work runs here in JS; O(n·m·d) work (pre-activations) comes from the WASM kernels.
import type { RfaConfig } from '../config.js';
import { noiseRate } from '../config.js';
import type { XorDataset, XorMeans } from '../data.js';

type Arr = ArrayLike<number>;

export interface Stats { count: number; min: number; max: number; mean: number; median: number }

export function stats(values: Arr): Stats {
  const v = Float64Array.from(values).sort();
  const count = v.length;
  if (count === 0) return { count, min: NaN, max: NaN, mean: NaN, median: NaN };
  let s = 0;
  for (const x of v) s += x;
  const median = count % 2 ? v[(count - 1) / 2]! : (v[count / 2 - 1]! + v[count / 2]!) / 2;
  return { count, min: v[0]!, max: v[count - 1]!, mean: s / count, median };
}

/** ‖w_j‖ for each neuron. */
export function neuronNorms(w: Arr, m: number, d: number): Float64Array {
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += w[j * d + k]! ** 2;
    out[j] = Math.sqrt(s);
  }
  return out;
}

/** ⟨w_j, u⟩ for each neuron (u a unit vector). */
export function projections(w: Arr, m: number, d: number, u: Arr): Float64Array {
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += w[j * d + k]! * u[k]!;
    out[j] = s;
  }
  return out;
}

// ---- Lemma 3 ------------------------------------------------------------------------------------

export interface Lemma3 { minNorm: number; maxNorm: number; lower: number; upper: number; holds: boolean }

/** Lemma 3: ½ω√d ≤ ‖w_j(0)‖ ≤ (3/2)ω√d for every j. */
export function lemma3(w0: Arr, m: number, d: number, omegaInit: number): Lemma3 {
  const norms = neuronNorms(w0, m, d);
  const s = stats(norms);
  const lower = 0.5 * omegaInit * Math.sqrt(d), upper = 1.5 * omegaInit * Math.sqrt(d);
  return { minNorm: s.min, maxNorm: s.max, lower, upper, holds: s.min >= lower && s.max <= upper };
}

// ---- Lemma 4: the neuron sets J_µ ---------------------------------------------------------------

/** Neuron groups, indexed like clusters: 0 = J+µ1, 1 = J−µ1, 2 = J+µ2, 3 = J−µ2. */
export const GROUP_NAMES = ['J+mu1', 'J-mu1', 'J+mu2', 'J-mu2'] as const;

export interface NeuronSets {
  /** neuron indices of each group */
  sets: [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  C0: number;
  /** 1/(3·C0·√d) */
  threshold: number;
  sizes: [number, number, number, number];
  /** (m/4)(1 − 1/C0)² */
  bound: number;
  holds: boolean;
}

/** Direction (as ±1 times µ1 or µ2) of group g. */
function groupDirection(g: number, corr1: Arr, corr2: Arr, j: number): number {
  const c = g < 2 ? corr1[j]! : corr2[j]!;
  return g % 2 === 0 ? c : -c;
}

/**
 * Lemma 4: J_µ = {j : a_j > 0, ⟨w_j(0)/‖w_j(0)‖, µ⟩ ≥ 1/(3C0√d)} for µ = ±µ1, and the same with
 * a_j < 0 for µ = ±µ2; each should have at least (m/4)(1 − 1/C0)² members.
 */
export function lemma4Sets(w0: Arr, a: Arr, m: number, d: number, means: XorMeans, C0: number): NeuronSets {
  const { mu1, mu2 } = normalizedCorrelations(w0, m, d, means);
  const threshold = 1 / (3 * C0 * Math.sqrt(d));
  const lists: number[][] = [[], [], [], []];
  for (let j = 0; j < m; j++) {
    for (let g = 0; g < 4; g++) {
      const signOk = g < 2 ? a[j]! > 0 : a[j]! < 0;
      if (signOk && groupDirection(g, mu1, mu2, j) >= threshold) lists[g]!.push(j);
    }
  }
  const sets = lists.map((l) => Uint32Array.from(l)) as NeuronSets['sets'];
  const sizes = lists.map((l) => l.length) as NeuronSets['sizes'];
  const bound = (m / 4) * (1 - 1 / C0) ** 2;
  return { sets, C0, threshold, sizes, bound, holds: sizes.every((s) => s >= bound) };
}

// ---- normalized correlations (the amplification) ------------------------------------------------

export interface Correlations {
  /** ⟨w_j/‖w_j‖, µ1⟩ and ⟨w_j/‖w_j‖, µ2⟩ for every neuron (those with −µ are the negatives) */
  mu1: Float64Array;
  mu2: Float64Array;
}

export function normalizedCorrelations(w: Arr, m: number, d: number, means: XorMeans): Correlations {
  const norms = neuronNorms(w, m, d);
  const p1 = projections(w, m, d, means.mu1), p2 = projections(w, m, d, means.mu2);
  for (let j = 0; j < m; j++) {
    const nj = norms[j]! || 1;
    p1[j]! /= nj;
    p2[j]! /= nj;
  }
  return { mu1: p1, mu2: p2 };
}

export interface GroupCorrelation { group: string; own: Stats; cross: Stats }

/**
 * Per group J_µ: statistics of each neuron's correlation with its own direction µ, and of the
 * absolute correlation with the orthogonal direction (µ2 for J±µ1, µ1 for J±µ2).
 * At t = 0 both are of order 1/√d; after one step `own` is of order 1 (Lemma 12).
 */
export function correlationSummary(corr: Correlations, sets: NeuronSets): GroupCorrelation[] {
  return sets.sets.map((idx, g) => {
    const own: number[] = [], cross: number[] = [];
    for (const j of idx) {
      own.push(groupDirection(g, corr.mu1, corr.mu2, j));
      cross.push(Math.abs(g < 2 ? corr.mu2[j]! : corr.mu1[j]!));
    }
    return { group: GROUP_NAMES[g]!, own: stats(own), cross: stats(cross) };
  });
}

// ---- Conditions 9 and 10 ------------------------------------------------------------------------

export interface ConditionReport {
  holds: boolean;
  /** fraction of neurons in ∪J_µ that satisfy the condition */
  fraction: number;
  neurons: number;
  /** condition 9: fraction of (neuron, sample) pairs that violate it; condition 10: the worst ratio */
  worst: number;
}

/** The cluster a group's neurons should fire on, and the opposite one they should not. */
const FIRE = [[0, 1], [1, 0], [2, 3], [3, 2]] as const;

/**
 * Condition 9 (neuron alignment): for j ∈ J_µ, φ'(⟨w_j, x_k⟩) = 1 for every training x_k in
 * cluster µ and = 0 for every x_k in cluster −µ. z are the pre-activations (n, m); `worst` is the
 * fraction of checked (j, k) pairs that violate it.
 */
export function condition9(z: Arr, n: number, m: number, sets: NeuronSets, cluster: Uint8Array, dphi0 = 0): ConditionReport {
  const byCluster: number[][] = [[], [], [], []];
  for (let i = 0; i < n; i++) byCluster[cluster[i]!]!.push(i);
  const active = (t: number) => (t > 0 ? 1 : t === 0 ? dphi0 : 0);
  let ok = 0, neurons = 0, bad = 0, pairs = 0;
  sets.sets.forEach((idx, g) => {
    const [on, off] = FIRE[g]!;
    for (const j of idx) {
      neurons++;
      let good = true;
      for (const i of byCluster[on]!) { pairs++; if (active(z[i * m + j]!) !== 1) { good = false; bad++; } }
      for (const i of byCluster[off]!) { pairs++; if (active(z[i * m + j]!) !== 0) { good = false; bad++; } }
      if (good) ok++;
    }
  });
  return { holds: ok === neurons, fraction: neurons ? ok / neurons : NaN, neurons, worst: pairs ? bad / pairs : 0 };
}

/**
 * Condition 10 (almost-orthogonality): for j ∈ J±µ1, |⟨w_j(t), µ2⟩| ≤ 3α|a_j|; for j ∈ J±µ2,
 * |⟨w_j(t), µ1⟩| ≤ 3α|a_j|. `worst` is max_j |⟨w_j, µ⊥⟩| / (3α|a_j|) (≤ 1 where it holds).
 */
export function condition10(w: Arr, a: Arr, m: number, d: number, sets: NeuronSets, means: XorMeans, alpha: number): ConditionReport {
  const p1 = projections(w, m, d, means.mu1), p2 = projections(w, m, d, means.mu2);
  let ok = 0, neurons = 0, worst = 0;
  sets.sets.forEach((idx, g) => {
    for (const j of idx) {
      neurons++;
      const r = Math.abs(g < 2 ? p2[j]! : p1[j]!) / (3 * alpha * Math.abs(a[j]!));
      worst = Math.max(worst, r);
      if (r <= 1) ok++;
    }
  });
  return { holds: ok === neurons, fraction: neurons ? ok / neurons : NaN, neurons, worst };
}

// ---- Lemma 14 -----------------------------------------------------------------------------------

export interface Lemma14 { t: number; maxNeuronRatio: number; frobenius: number; frobeniusBound: number; holds: boolean }

/** Lemma 14: ‖w_j(t)‖ ≤ 2|a_j|αt for every j and ‖W(t)‖_F ≤ 2αt, for t ≥ 1. */
export function lemma14(w: Arr, a: Arr, m: number, d: number, alpha: number, t: number): Lemma14 {
  const norms = neuronNorms(w, m, d);
  let ratio = 0, frob = 0;
  for (let j = 0; j < m; j++) {
    frob += norms[j]! ** 2;
    if (a[j] !== 0) ratio = Math.max(ratio, norms[j]! / (2 * Math.abs(a[j]!) * alpha * t));
  }
  frob = Math.sqrt(frob);
  const bound = 2 * alpha * t;
  return { t, maxNeuronRatio: ratio, frobenius: frob, frobeniusBound: bound, holds: t >= 1 && ratio <= 1 && frob <= bound };
}

// ---- Proposition 2 ------------------------------------------------------------------------------

export interface FeatureChange {
  /** ‖φ(W(T)x_i) − φ(W(0)x_i)‖ / ‖φ(W(0)x_i)‖ per training sample */
  perSample: Float64Array;
  min: number;
  median: number;
  /** ω_init·√(m·d): Proposition 2 says min ≥ 1/(C·ω_init·√(md)) */
  omegaSqrtMd: number;
  /** min · ω_init·√(md): of order 1/C or more when the proposition holds */
  scaled: number;
}

/** Proposition 2 from the pre-activations at t = 0 and at T, both (n, m). */
export function featureChange(z0: Arr, zT: Arr, n: number, m: number, omegaInit: number, d: number): FeatureChange {
  const per = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let num = 0, den = 0;
    for (let j = 0; j < m; j++) {
      const p0 = Math.max(0, z0[i * m + j]!), p1 = Math.max(0, zT[i * m + j]!);
      num += (p1 - p0) ** 2;
      den += p0 * p0;
    }
    per[i] = den > 0 ? Math.sqrt(num / den) : Infinity;
  }
  const s = stats(per);
  const omegaSqrtMd = omegaInit * Math.sqrt(m * d);
  return { perSample: per, min: s.min, median: s.median, omegaSqrtMd, scaled: s.min * omegaSqrtMd };
}

// ---- Theorem 1 ----------------------------------------------------------------------------------

export interface Theorem1 {
  cleanAllRight: boolean;
  flippedAllWrong: boolean;
  cleanTrainAcc: number | null;
  flippedTrainAcc: number | null;
  /** test error against the noisy labels, and the noise rate η it should approach */
  testError: number | null;
  testErrorClean: number | null;
  eta: number;
  /** margins y_i f(x_i) on clean and flipped training points */
  marginsClean: Stats;
  marginsFlipped: Stats;
}

export function theorem1(fTrain: Arr, train: XorDataset, fTest: Arr | null, test: XorDataset | null, config: RfaConfig): Theorem1 {
  const clean: number[] = [], flipped: number[] = [];
  for (let i = 0; i < train.n; i++) (train.flipped?.[i] ? flipped : clean).push(train.y[i]! * fTrain[i]!);
  const err = (f: Arr, y: Arr | null) => {
    if (!y || f.length === 0) return null;
    let wrong = 0;
    for (let i = 0; i < f.length; i++) if (!(y[i]! * f[i]! > 0)) wrong++;
    return wrong / f.length;
  };
  const frac = (v: number[]) => (v.length ? v.filter((x) => x > 0).length / v.length : null);
  return {
    cleanAllRight: clean.every((x) => x > 0),
    flippedAllWrong: flipped.every((x) => x < 0),
    cleanTrainAcc: frac(clean),
    flippedTrainAcc: frac(flipped),
    testError: fTest && test ? err(fTest, test.y) : null,
    testErrorClean: fTest && test ? err(fTest, test.cleanY) : null,
    eta: noiseRate(config.data.noise),
    marginsClean: stats(clean),
    marginsFlipped: stats(flipped),
  };
}

// ---- Assumptions (A1)–(A7) ----------------------------------------------------------------------

export interface Assumption { id: string; statement: string; largestC: number }
export interface AssumptionReport {
  delta: number;
  items: Assumption[];
  /** the largest C for which (A1)–(A6) and the upper half of (A7) all hold */
  largestC: number;
  /** (A7) also needs C ≤ 1/α² and C ≥ 1/(4α²): whether largestC is at least 1/(4α²) */
  a7LowerOk: boolean;
  /** all hold for some C > 1 */
  holdsForSomeC: boolean;
}

/** For a config and δ, the largest C > 0 for which each of (A1)–(A7) holds. */
export function assumptions(config: RfaConfig, delta = 0.1): AssumptionReport {
  const { n, d, sigma, noise } = config.data;
  const { m, omegaInit } = config.model;
  const { alpha } = config.train;
  const eta = noiseRate(noise);
  const items: Assumption[] = [
    { id: 'A1', statement: 'd ≥ C·max{log²(n/δ), log(m/δ)}', largestC: d / Math.max(Math.log(n / delta) ** 2, Math.log(m / delta)) },
    { id: 'A2', statement: 'σ² ≤ 1/(C²d)', largestC: sigma > 0 ? 1 / (sigma * Math.sqrt(d)) : Infinity },
    { id: 'A3', statement: 'n ≥ C·log(m/δ)', largestC: n / Math.log(m / delta) },
    { id: 'A4', statement: 'η ≤ 1/C', largestC: eta > 0 ? 1 / eta : Infinity },
    { id: 'A5', statement: 'm ≥ C·log(1/δ)', largestC: m / Math.log(1 / delta) },
    { id: 'A6', statement: '0 < ω_init² ≤ 1/(C⁴·m·d)', largestC: (1 / (omegaInit ** 2 * m * d)) ** 0.25 },
    { id: 'A7', statement: '1/(2√C) ≤ α ≤ 1/√C', largestC: 1 / alpha ** 2 },
  ];
  const largestC = Math.min(...items.map((i) => i.largestC));
  const a7LowerOk = largestC >= 1 / (4 * alpha * alpha);
  return { delta, items, largestC, a7LowerOk, holdsForSomeC: largestC > 1 && a7LowerOk };
}
