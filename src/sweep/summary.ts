// What a sweep records of each run: a line with the run's place in the sweep, its config, its history
// and a summary of the measures a sweep is plotted by. Every field but `timing` is a function of the
// run's config, seed and backend, so a sweep rerun after a crash writes the same bytes.
import { noiseRate, type RfaConfig } from '../config.js';
import type { EvalRecord } from '../train/train.js';

export interface RunSummary {
  /** the noise rate η of the config */
  eta: number;
  /** the last evaluation's step */
  step: number;
  /** test error against the observed (noisy) labels, and against the clean ones */
  testError: number | null;
  testErrorClean: number | null;
  /** testError − η: 0 is the Bayes-optimal error under label noise; the paper's Theorem 1 bounds it */
  excessError: number | null;
  /** fraction of the flipped training points fitted (classified as their flipped label) at the end */
  flippedFitted: number | null;
  /** fraction of the clean training points fitted at the end */
  cleanFitted: number | null;
  /**
   * The first evaluation step at which at least half of the flipped points are fitted, after an
   * evaluation at which the clean points were learned (≥ 90% fitted) and fewer than half the flipped
   * ones were (the network first fits the clean points and gets the flipped ones wrong, then may
   * memorize them): null when that never happens in the run.
   */
  fitStep: number | null;
  loss: number;
  weightNorm: number;
}

export function summarize(config: RfaConfig, history: readonly EvalRecord[]): RunSummary {
  const eta = noiseRate(config.data.noise);
  const last = history.at(-1);
  let fitStep: number | null = null;
  let low = false;
  for (const r of history) {
    if (r.trainAccFlipped === null) break;
    if (r.trainAccFlipped < 0.5 && r.trainAccClean !== null && r.trainAccClean >= 0.9) low = true;
    else if (low) {
      fitStep = r.step;
      break;
    }
  }
  const testError = last?.testAcc == null ? null : 1 - last.testAcc;
  return {
    eta,
    step: last?.step ?? 0,
    testError,
    testErrorClean: last?.testAccClean == null ? null : 1 - last.testAccClean,
    excessError: testError === null ? null : testError - eta,
    flippedFitted: last?.trainAccFlipped ?? null,
    cleanFitted: last?.trainAccClean ?? null,
    fitStep,
    loss: last?.loss ?? NaN,
    weightNorm: last?.weightNorm ?? NaN,
  };
}

/** Timing and placement: the only fields of a result line that differ between two runs of a sweep. */
export interface RunTiming {
  ms: number;
  finishedAt: string;
  /** the worker thread (0-based in this process) and the attempt (2 after a crashed worker) */
  worker: number;
  attempt: number;
  /** the step its checkpoint resumed it from (null: from the start) */
  resumedFrom: number | null;
  /** set when the run's checkpoint could not be read and it started over */
  checkpointUnreadable?: string;
}

export interface RunLine {
  id: string;
  index: number;
  status: 'ok' | 'failed';
  point: Record<string, unknown>;
  seed: number;
  backend: string;
  path: string | null;
  config: RfaConfig;
  summary: RunSummary | null;
  history: EvalRecord[] | null;
  error: { name: string; message: string; field?: string; step?: number } | null;
  timing: RunTiming;
}
