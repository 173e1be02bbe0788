// The two-layer ReLU network of eq. (1): f(x; W) = Σ_j a_j φ(⟨w_j, x⟩), φ(t) = max(0, t).
// The second layer is fixed: a_j = +1/√m for the first half of the neurons and −1/√m for the
// second half; when m is odd the last neuron gets a_m = 0. W(0)_jk ~ N(0, ω_init²) i.i.d.
import type { RfaConfig } from './config.js';
import { DRAWS_PER_YIELD, Rng, runToEnd } from './rng.js';

/** The fixed second layer a (m). */
export function secondLayer(m: number): Float32Array {
  const a = new Float32Array(m);
  const half = Math.floor(m / 2);
  const v = 1 / Math.sqrt(m);
  for (let j = 0; j < half; j++) a[j] = v;
  for (let j = half; j < 2 * half; j++) a[j] = -v;
  return a; // odd m: a[m − 1] stays 0
}

/** W(0), (m, d) row-major, entries N(0, ω²), from the seed's 'init' stream. */
export function initWeights(m: number, d: number, omegaInit: number, seed: number): Float32Array {
  return runToEnd(initWeightsSteps(m, d, omegaInit, seed));
}

/** initWeights as a generator that yields every DRAWS_PER_YIELD draws (same bits), so it can be cancelled. */
export function* initWeightsSteps(m: number, d: number, omegaInit: number, seed: number): Generator<void, Float32Array, void> {
  const rng = new Rng(seed, 'init');
  const w = new Float32Array(m * d);
  const block = new Float64Array(Math.min(w.length, DRAWS_PER_YIELD));
  for (let i = 0; i < w.length; i += DRAWS_PER_YIELD) {
    const count = Math.min(DRAWS_PER_YIELD, w.length - i);
    rng.normals(block, count); // the draws of `count` calls of rng.normal()
    for (let j = 0; j < count; j++) w[i + j] = omegaInit * block[j]!;
    if (i + count < w.length) yield;
  }
  return w;
}

export function initNetwork(config: RfaConfig): { w: Float32Array; a: Float32Array } {
  const { m, omegaInit } = config.model;
  return { w: initWeights(m, config.data.d, omegaInit, config.seed), a: secondLayer(m) };
}

/** Frobenius norm of a weight matrix, accumulated in f64. */
export function frobeniusNorm(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * w[i]!;
  return Math.sqrt(s);
}
