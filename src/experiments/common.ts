// Shared pieces of the experiments: the paper's per-step instrument, run options, JSON helpers.
import type { RfaConfig } from '../config.js';
import {
  condition10, condition9, correlationSummary, lemma14, lemma4Sets, normalizedCorrelations,
  type GroupCorrelation, type NeuronSets,
} from '../metrics/instruments.js';
import type { Backend } from '../train/engine.js';
import type { EvalContext } from '../train/train.js';

export interface RunOptions {
  seed?: number;
  backend?: Backend | 'auto';
  /** progress across the whole experiment: done and total work units, and a label */
  onProgress?: (p: { label: string; done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface StepInstruments {
  correlations: GroupCorrelation[];
  condition9: { holds: boolean; fraction: number; worst: number };
  condition10: { holds: boolean; fraction: number; worst: number };
  lemma14: { holds: boolean; maxNeuronRatio: number; frobenius: number; frobeniusBound: number } | null;
  /** per-neuron normalized correlations with µ1, µ2 (only at the steps asked for) */
  perNeuron?: { mu1: number[]; mu2: number[] };
}

/**
 * The instrument recorded at each evaluation step: correlations per set J_µ (fixed from W(0) by
 * Lemma 4 with constant C0), Conditions 9 and 10, Lemma 14. Condition 9 reads the training
 * pre-activations from the engine (WASM).
 */
export function paperInstrument(config: RfaConfig, opts: { C0?: number; perNeuronAt?: number[] } = {}) {
  let sets: NeuronSets | null = null;
  const { m, dphi0 } = config.model;
  const d = config.data.d;
  const alpha = config.train.alpha;
  return {
    sets: () => sets,
    instrument(ctx: EvalContext): Record<string, unknown> {
      const { problem, a, weights, step } = ctx;
      sets ??= lemma4Sets(ctx.initialWeights, a, m, d, problem, opts.C0 ?? 2);
      const corr = normalizedCorrelations(weights, m, d, problem);
      const z = ctx.engine.preactivations('train');
      const c9 = condition9(z, problem.train.n, m, sets, problem.train.cluster!, dphi0);
      const c10 = condition10(weights, a, m, d, sets, problem, alpha);
      const l14 = step >= 1 ? lemma14(weights, a, m, d, alpha, step) : null;
      const out: StepInstruments = {
        correlations: correlationSummary(corr, sets),
        condition9: { holds: c9.holds, fraction: c9.fraction, worst: c9.worst },
        condition10: { holds: c10.holds, fraction: c10.fraction, worst: c10.worst },
        lemma14: l14 && { holds: l14.holds, maxNeuronRatio: l14.maxNeuronRatio, frobenius: l14.frobenius, frobeniusBound: l14.frobeniusBound },
      };
      if (opts.perNeuronAt?.includes(step)) out.perNeuron = { mu1: Array.from(corr.mu1), mu2: Array.from(corr.mu2) };
      return out as unknown as Record<string, unknown>;
    },
  };
}

/** JSON.stringify that turns typed arrays into arrays and non-finite numbers into strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      return v;
    },
    1,
  );
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('experiment aborted');
}
