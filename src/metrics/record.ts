// Every instrument recorded in the training history on request: pass
// `paperInstrument(config).instrument` as `train(config, { instrument })` and each evaluation record
// gets an `extra` with the paper's quantities at that step. The sets J_µ are fixed from W(0) by
// Lemma 4; O(n·m·d) work (the training pre-activations, the test outputs) runs in WASM in the engine.
import { resolveConfig, type RfaConfig, type RfaConfigInput } from '../config.js';
import { ConfigError } from '../errors.js';
import type { EvalContext } from '../train/train.js';
import {
  condition10, condition9, correlationSummary, featureChange, lemma14, lemma3, lemma4Sets, neuronNorms, normalizedCorrelations,
  projections, theorem1, type GroupCorrelation, type Lemma3, type NeuronSets,
} from './instruments.js';
import { preactivations } from './forward.js';

export interface StepInstruments {
  /** Lemmas 3 and 4, at step 0 only */
  lemma3?: Lemma3;
  lemma4?: { C0: number; threshold: number; sizes: number[]; bound: number; holds: boolean };
  correlations: GroupCorrelation[];
  condition9: { holds: boolean; fraction: number; worst: number };
  condition10: { holds: boolean; fraction: number; worst: number };
  lemma14: { holds: boolean; maxNeuronRatio: number; frobenius: number; frobeniusBound: number } | null;
  /** Proposition 2's relative feature change against W(0), over the training set */
  featureChange: { min: number; median: number; scaled: number };
  /** Theorem 1's quantities at this step */
  theorem1: {
    cleanAllRight: boolean; flippedAllWrong: boolean; testError: number | null; testErrorClean: number | null;
    minMarginClean: number; maxMarginFlipped: number;
  } | null;
  /** per-neuron normalized correlations with µ1, µ2 (only at the steps asked for) */
  perNeuron?: { mu1: number[]; mu2: number[] };
}

export interface PaperInstrumentOptions {
  /** Lemma 4's constant (default 2) */
  C0?: number;
  /** steps at which to keep every neuron's correlations */
  perNeuronAt?: number[];
}

/**
 * The paper's instruments as a `train` instrument. `config` is what was (or will be) passed to
 * train — a plain input or a resolved config; it is checked here so a mistake shows before the run,
 * and the instruments read the run's own resolved config (ctx.config) when they are called.
 */
export function paperInstrument(config?: RfaConfigInput | RfaConfig, opts: PaperInstrumentOptions = {}) {
  if (config !== undefined) resolveConfig(config);
  // what is computed once per run (from W(0)), kept per run: an instrument used for several runs, or for
  // a run resumed from a checkpoint, computes it again for each and gives each the same records
  const perRun = new WeakMap<object, { sets: NeuronSets; z0: Float32Array | Float64Array }>();
  let latest: NeuronSets | null = null;
  return {
    /** the sets J_µ of the last run instrumented, once it has had an evaluation */
    sets: () => latest,
    instrument(ctx: EvalContext): Record<string, unknown> {
      const { problem, a, weights, step, config: run } = ctx;
      const { m, dphi0, omegaInit } = run.model;
      const d = run.data.d;
      const alpha = run.train.alpha;
      const { train, test } = problem;
      // lemma 3 and 4 (about W(0)) go in the record of the run's first evaluation step
      const first = step === ctx.evalSteps[0];
      let state = perRun.get(problem);
      if (!state) {
        state = {
          sets: lemma4Sets(ctx.initialWeights, a, m, d, problem, opts.C0 ?? 2),
          z0: preactivations(train.x, train.n, d, ctx.initialWeights, m, ctx.engine.backend),
        };
        perRun.set(problem, state);
      }
      const { sets, z0 } = state;
      latest = sets;
      const corr = normalizedCorrelations(weights, m, d, problem);
      const z = ctx.engine.preactivations('train');
      const c9 = train.cluster ? condition9(z, train.n, m, sets, train.cluster, dphi0) : null;
      const c10 = condition10(weights, a, m, d, sets, problem, alpha);
      const l14 = step >= 1 ? lemma14(weights, a, m, d, alpha, step) : null;
      const fc = featureChange(z0, z, train.n, m, omegaInit, d);
      const fTrain = new Float64Array(train.n);
      for (let i = 0; i < train.n; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += a[j]! * Math.max(0, z[i * m + j]!);
        fTrain[i] = s;
      }
      const t1 = train.flipped ? theorem1(fTrain, train, test.n > 0 ? ctx.engine.outputs('test') : null, test.n > 0 ? test : null, run) : null;
      const out: StepInstruments = {
        correlations: correlationSummary(corr, sets),
        condition9: c9 ? { holds: c9.holds, fraction: c9.fraction, worst: c9.worst } : { holds: false, fraction: NaN, worst: NaN },
        condition10: { holds: c10.holds, fraction: c10.fraction, worst: c10.worst },
        lemma14: l14 && { holds: l14.holds, maxNeuronRatio: l14.maxNeuronRatio, frobenius: l14.frobenius, frobeniusBound: l14.frobeniusBound },
        featureChange: { min: fc.min, median: fc.median, scaled: fc.scaled },
        theorem1: t1 && {
          cleanAllRight: t1.cleanAllRight, flippedAllWrong: t1.flippedAllWrong, testError: t1.testError, testErrorClean: t1.testErrorClean,
          minMarginClean: t1.marginsClean.min, maxMarginFlipped: t1.marginsFlipped.max,
        },
      };
      if (first) {
        out.lemma3 = lemma3(ctx.initialWeights, m, d, omegaInit);
        out.lemma4 = { C0: sets.C0, threshold: sets.threshold, sizes: sets.sizes, bound: sets.bound, holds: sets.holds };
      }
      if (opts.perNeuronAt?.includes(step)) out.perNeuron = { mu1: Array.from(corr.mu1), mu2: Array.from(corr.mu2) };
      return out as unknown as Record<string, unknown>;
    },
  };
}

/** What every neuron looks like in the (µ1, µ2) plane: the live picture of amplification. */
export interface NeuronPicture {
  /** ⟨w_j, µ1⟩ and ⟨w_j, µ2⟩ for each neuron j (µ1, µ2 unit vectors): the network restricted to the plane */
  mu1: number[];
  mu2: number[];
  /** the normalized correlations ⟨w_j/‖w_j‖, µ1⟩, ⟨w_j/‖w_j‖, µ2⟩ (0 for a zero neuron) */
  corr1: number[];
  corr2: number[];
}

/**
 * An instrument that records every neuron's projections on µ1, µ2 and normalized correlations
 * (`extra.neurons`). The network's output on the plane, f(uµ1 + vµ2) = Σ_j a_j φ(u⟨w_j,µ1⟩ + v⟨w_j,µ2⟩),
 * follows from the projections alone: a page redraws its decision regions from them.
 */
export function neuronInstrument() {
  return {
    instrument(ctx: EvalContext): Record<string, unknown> {
      const { problem, weights, config } = ctx;
      const { m } = config.model;
      const d = config.data.d;
      const p1 = projections(weights, m, d, problem.mu1), p2 = projections(weights, m, d, problem.mu2);
      const norms = neuronNorms(weights, m, d);
      const pic: NeuronPicture = {
        mu1: Array.from(p1), mu2: Array.from(p2),
        corr1: Array.from(p1, (v, j) => (norms[j]! > 0 ? v / norms[j]! : 0)),
        corr2: Array.from(p2, (v, j) => (norms[j]! > 0 ? v / norms[j]! : 0)),
      };
      return { neurons: pic };
    },
  };
}

/** The training set in the (µ1, µ2) plane: u = ⟨x_i, µ1⟩, v = ⟨x_i, µ2⟩ (every k-th point when there are many). */
export interface PlanePicture {
  u: number[];
  v: number[];
  /** observed labels ±1 and whether each was flipped */
  y: number[];
  flipped: boolean[];
  /** every `stride`-th training point is shown */
  stride: number;
}

/** An instrument that records the training set's projection on (µ1, µ2) once, at the first evaluation (`extra.plane`). */
export function planeInstrument(maxPoints = 3000) {
  return {
    instrument(ctx: EvalContext): Record<string, unknown> {
      if (ctx.step !== ctx.evalSteps[0]) return {};
      const { train, mu1, mu2 } = ctx.problem;
      const { n, d, x } = train;
      const stride = Math.max(1, Math.ceil(n / maxPoints));
      const pic: PlanePicture = { u: [], v: [], y: [], flipped: [], stride };
      for (let i = 0; i < n; i += stride) {
        let u = 0, v = 0;
        for (let k = 0; k < d; k++) {
          u += x[i * d + k]! * mu1[k]!;
          v += x[i * d + k]! * mu2[k]!;
        }
        pic.u.push(u);
        pic.v.push(v);
        pic.y.push(train.y[i]!);
        pic.flipped.push(train.flipped?.[i] === 1);
      }
      return { plane: pic };
    },
  };
}

/**
 * Instruments named by plain data, for where a function cannot go (trainInWorker, a saved config):
 * `paper` the paper's instruments (paperInstrument; `true` or its options), `neurons` the neuron
 * picture, `plane` the training set in the (µ1, µ2) plane (once).
 */
export interface InstrumentSpec {
  paper?: boolean | PaperInstrumentOptions;
  neurons?: boolean;
  plane?: boolean;
}

/** The instrument function of a spec (undefined when it asks for nothing); checks the spec. */
export function namedInstrument(spec: InstrumentSpec, config?: RfaConfigInput | RfaConfig): ((ctx: EvalContext) => Record<string, unknown>) | undefined {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new ConfigError('instruments', spec, 'an object such as { paper: true, neurons: true }');
  for (const k of Object.keys(spec)) if (k !== 'paper' && k !== 'neurons' && k !== 'plane') throw new ConfigError(`instruments.${k}`, (spec as Record<string, unknown>)[k], 'not set: the named instruments are paper, neurons and plane');
  for (const k of ['neurons', 'plane'] as const) if (spec[k] !== undefined && typeof spec[k] !== 'boolean') throw new ConfigError(`instruments.${k}`, spec[k], 'true or false');
  const paper = spec.paper === undefined || spec.paper === false ? null
    : paperInstrument(config, spec.paper === true ? {} : checkPaperOptions(spec.paper));
  const neurons = spec.neurons ? neuronInstrument() : null;
  const plane = spec.plane ? planeInstrument() : null;
  if (!paper && !neurons && !plane) return undefined;
  return (ctx) => ({ ...(paper?.instrument(ctx) ?? {}), ...(neurons?.instrument(ctx) ?? {}), ...(plane?.instrument(ctx) ?? {}) });
}

function checkPaperOptions(o: unknown): PaperInstrumentOptions {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ConfigError('instruments.paper', o, 'true, false or { C0?, perNeuronAt? }');
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (k !== 'C0' && k !== 'perNeuronAt') throw new ConfigError(`instruments.paper.${k}`, r[k], 'not set: the options are C0 and perNeuronAt');
  if (r.C0 !== undefined && (typeof r.C0 !== 'number' || !(r.C0 > 1))) throw new ConfigError('instruments.paper.C0', r.C0, 'a number > 1');
  if (r.perNeuronAt !== undefined && (!Array.isArray(r.perNeuronAt) || !r.perNeuronAt.every((s) => Number.isInteger(s) && s >= 0))) {
    throw new ConfigError('instruments.paper.perNeuronAt', r.perNeuronAt, 'an array of steps (integers ≥ 0)');
  }
  return r as PaperInstrumentOptions;
}
