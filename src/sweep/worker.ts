// A sweep worker (one piscina thread): runs one sweep run at a time on one thread, its compiled
// kernels kept between runs, and gives back the run's result line. A run that fails (diverges, a
// config the engine refuses, out of memory in WASM) is a 'failed' line, not an exception; a run
// stopped by the sweep's time limit gives back only its checkpoint (when asked) and no line.
import { existsSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import '../index.js'; // the Node entry: the float64 engines for backend 'js'
import { namedInstrument } from '../metrics/record.js';
import { loadCheckpoint, saveCheckpoint } from '../node/checkpoint.js';
import { CheckpointError } from '../train/checkpoint.js';
import { ConfigError } from '../errors.js';
import { trainSync, type TrainOptions, type TrainResult } from '../train/train.js';
import type { Backend } from '../train/engine.js';
import type { SweepRun } from './spec.js';
import { summarize, type RunLine } from './summary.js';

export interface SweepTask {
  run: SweepRun;
  backend: Backend | 'auto';
  /** where this run's checkpoint lives, and how often to save it; null: no checkpoints */
  checkpoint: { file: string; everySteps?: number; everySeconds?: number } | null;
  /** the sweep's time limit (Date.now() ms), or null */
  deadline: number | null;
  attempt: number;
}

export type SweepTaskResult =
  | { kind: 'line'; line: RunLine }
  | { kind: 'stopped'; id: string; step: number };

function errorOf(e: unknown): RunLine['error'] {
  const err = e instanceof Error ? e : new Error(String(e));
  const out: NonNullable<RunLine['error']> = { name: err.name, message: err.message };
  const f = (err as { field?: unknown }).field, s = (err as { step?: unknown }).step;
  if (typeof f === 'string') out.field = f;
  if (typeof s === 'number') out.step = s;
  return out;
}

export default function runTask(task: SweepTask): SweepTaskResult {
  const { run, attempt } = task;
  // a test-only way to make a worker die as a crashed one does (RFA_TEST_CRASH_RUNS="id:attempts,...")
  const crash = process.env.RFA_TEST_CRASH_RUNS?.split(',').find((c) => c.startsWith(`${run.id}:`));
  if (crash && attempt <= Number(crash.split(':')[1])) process.exit(70);

  const t0 = performance.now();
  let resumedFrom: number | null = null;
  let unreadable: string | null = null;
  let result: TrainResult | null = null;
  let error: RunLine['error'] = null;
  try {
    const opts: TrainOptions = { backend: task.backend, threads: 1, evalAt: run.evalSteps };
    const instrument = run.instruments ? namedInstrument(run.instruments, run.config) : undefined;
    if (instrument) opts.instrument = instrument;
    if (task.deadline !== null) opts.maxSeconds = Math.max(0.001, (task.deadline - Date.now()) / 1000);
    const ck = task.checkpoint;
    if (ck) {
      if (existsSync(ck.file)) {
        try {
          opts.resume = loadCheckpoint(ck.file);
          resumedFrom = opts.resume.step;
        } catch (e) {
          // a checkpoint that cannot be read (it is written atomically, so only a disk fault or a hand
          // does this) costs the steps it held, not the run: start over, and say so in the line
          if (!(e instanceof CheckpointError)) throw e;
          unreadable = e.message;
        }
      }
      opts.checkpoint = {
        ...(ck.everySteps !== undefined ? { everySteps: ck.everySteps } : {}),
        ...(ck.everySeconds !== undefined ? { everySeconds: ck.everySeconds } : {}),
        save: (c) => saveCheckpoint(ck.file, c),
      };
    }
    try {
      result = trainSync(run.config, opts);
    } catch (e) {
      // a checkpoint of this run id made under other settings (another --backend) cannot continue it:
      // start over rather than fail the run
      if (!(opts.resume && e instanceof ConfigError && e.field.startsWith('resume'))) throw e;
      unreadable = `not usable here (${e.message}); started over`;
      delete opts.resume;
      resumedFrom = null;
      result = trainSync(run.config, opts);
    }
  } catch (e) {
    error = errorOf(e);
  }
  if (result?.stopped) return { kind: 'stopped', id: run.id, step: result.steps };
  const line: RunLine = {
    id: run.id,
    index: run.index,
    status: result ? 'ok' : 'failed',
    point: run.point,
    seed: run.config.seed,
    backend: result?.backend ?? String(task.backend),
    path: result?.path ?? null,
    config: run.config,
    summary: result ? summarize(run.config, result.history) : null,
    history: result ? result.history : null,
    error,
    timing: { ms: Math.round(performance.now() - t0), finishedAt: new Date().toISOString(), worker: threadId, attempt, resumedFrom, ...(unreadable ? { checkpointUnreadable: unreadable } : {}) },
  };
  return { kind: 'line', line };
}
