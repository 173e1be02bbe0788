// Running a sweep on one machine: its runs (or one shard's share of them) go to a pool of worker
// threads (piscina; one per core by default, each runs one run at a time on one thread and keeps its
// compiled kernels between runs), and each finished run is appended to an NDJSON file as one line,
// flushed before the next (src/node/ndjson.ts), by this thread only.
//
// The output folder holds sweep.json (the sweep, to refuse mixing two sweeps in one folder), the
// results (runs.ndjson, or runs.shard-I-of-N.ndjson per shard), and checkpoints/<run id>.ckpt for
// runs in progress when the sweep asks for checkpoints. Rerunning the same command skips every run
// with a line in any results file of the folder (failed ones too, unless retryFailed), and resumes
// the others from their checkpoints, so a sweep killed at any moment and rerun ends with the lines of
// an uninterrupted one (equal but for `timing`).
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { checkRange } from '../config.js';
import { AbortError, ConfigError } from '../errors.js';
import { writeFileAtomic } from '../node/files.js';
import { NdjsonWriter, readNdjson } from '../node/ndjson.js';
import type { Backend } from '../train/engine.js';
import { lockResults } from './lock.js';
import { resultsFileName, type Shard } from './shard.js';
import { expandSweep, parseSweep, sweepHash, type SweepRun, type SweepSpec } from './spec.js';
import type { RunLine } from './summary.js';
import type { SweepTask, SweepTaskResult } from './worker.js';

export interface SweepOptions {
  /** the output folder (created when missing) */
  out: string;
  /** worker threads (default: one per core) */
  workers?: number;
  shard?: Shard | null;
  backend?: Backend | 'auto';
  /** run again the runs recorded as failed (their new line replaces the old when read) */
  retryFailed?: boolean;
  /** stop starting runs after this many seconds, and stop the running ones there (checkpointed when the sweep asks for checkpoints) */
  maxSeconds?: number;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepProgress {
  /** runs of this share of the sweep */
  total: number;
  /** found finished in the folder at the start */
  skipped: number;
  /** of those, recorded as failed */
  skippedFailed: number;
  /** finished by this process: ok and failed */
  done: number;
  failed: number;
  running: number;
  left: number;
  elapsedMs: number;
  /** estimated time to finish the rest, from this process's pace (null before a run has finished) */
  etaMs: number | null;
  last?: { id: string; index: number; status: 'ok' | 'failed' | 'stopped' };
}

export interface SweepOutcome extends SweepProgress {
  dir: string;
  file: string;
  /** runs stopped by maxSeconds (not finished; rerun to continue them) */
  stopped: number;
}

export const SWEEP_FILE = 'sweep.json';
const RESULTS = /^runs(\.shard-\d+-of-\d+)?\.ndjson$/;

/**
 * The worker's file: dist/sweep/worker.js beside this module; from the sources (tests) or a bundle in
 * build/ (benchmarks), the built one two folders up.
 */
function workerFile(): string {
  const here = import.meta.url;
  const candidates = [new URL('./worker.js', here), new URL('../../dist/sweep/worker.js', here)].map((u) => fileURLToPath(u));
  const found = candidates.find((f) => !f.endsWith(join('src', 'sweep', 'worker.js')) && existsSync(f));
  if (!found) throw new Error(`rfa: the sweep worker is missing (looked for ${candidates.join(' and ')}; run npm run build)`);
  return found;
}

/** Every result line in the folder's results files, the last line of each run id winning. */
export function readResults(dir: string): { lines: Map<string, RunLine>; files: string[]; tornBytes: number } {
  const lines = new Map<string, RunLine>();
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => RESULTS.test(f)).sort() : [];
  let tornBytes = 0;
  for (const f of files) {
    const r = readNdjson<RunLine>(join(dir, f));
    tornBytes += r.tornBytes;
    for (const line of r.records) {
      const had = lines.get(line.id);
      // an ok line is never replaced by a failed one (two shards, or a retry that failed again)
      if (!had || had.status !== 'ok' || line.status === 'ok') lines.set(line.id, line);
    }
  }
  return { lines, files, tornBytes };
}

/**
 * An output folder: there, or made in a folder that exists (not `mkdir -p`: a typo deep in a path is
 * refused, and Node's recursive mkdir spins for ever on some paths under /proc).
 */
export function makeFolder(dir: string, flag: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ConfigError(flag, dir, 'a folder (it is a file)');
    return;
  }
  const parent = dirname(resolve(dir));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new ConfigError(flag, dir, `a folder that can be created (its parent ${parent} is not a folder)`);
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw new ConfigError(flag, dir, `a folder that can be created (${(e as Error).message})`);
  }
}

/**
 * Temporaries of checkpoint saves a killed process left (`.<id>.ckpt.<pid>.rfa-tmp`): removed when their
 * process is gone from this host and they are a minute old (another node of a shared filesystem may be
 * writing one now; a save never takes a minute).
 */
function removeStaleTemporaries(ckDir: string): void {
  for (const f of readdirSync(ckDir)) {
    const m = /^\..+\.ckpt\.(\d+)\.rfa-tmp$/.exec(f);
    if (!m) continue;
    const path = join(ckDir, f);
    try {
      if (Date.now() - statSync(path).mtimeMs < 60_000) continue;
      try {
        process.kill(Number(m[1]), 0);
        continue; // its process is alive here
      } catch (e) {
        if ((e as { code?: string }).code === 'EPERM') continue;
      }
      rmSync(path, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** The folder's sweep.json: written on the first run, and the same sweep required after. */
async function claimFolder(dir: string, spec: SweepSpec): Promise<void> {
  makeFolder(dir, '--out');
  const file = join(dir, SWEEP_FILE);
  const hash = sweepHash(spec);
  if (!existsSync(file)) {
    // what a sweep writes may be here already: the shards of an array job start together in one folder
    const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
    // results, locks or checkpoints without sweep.json are not a sweep's (it writes sweep.json first), unless
    // another shard has just claimed the folder (sweep.json there now)
    const other = files.filter((f) => f !== SWEEP_FILE);
    if (other.length > 0 && !existsSync(file)) throw new ConfigError('--out', dir, `a new or empty folder, or one a sweep wrote (it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''} and no ${SWEEP_FILE})`);
    // shards racing here write the same bytes; the check below finds a folder claimed by another sweep meanwhile
    await writeFileAtomic(file, `${JSON.stringify({ rfa: 'sweep', version: 1, hash, sweep: spec }, null, 2)}\n`, '--out');
  }
  const { readJsonFile } = await import('../node/files.js');
  const held = (await readJsonFile(file, `${SWEEP_FILE} in --out`)) as { hash?: unknown };
  if (held?.hash !== hash) throw new ConfigError('--out', dir, `a folder of this sweep: it holds the results of another sweep (its ${SWEEP_FILE} differs); use a new folder`);
}

/** Run a sweep (a parsed or raw sweep object), or one shard's share of it, into opts.out. */
export async function runSweep(input: unknown, opts: SweepOptions): Promise<SweepOutcome> {
  const spec = parseSweep(input);
  const runs = expandSweep(spec);
  const workers = opts.workers === undefined ? availableParallelism() : checkRange('--workers', opts.workers, { integer: true, min: 1, max: 256 });
  if (opts.maxSeconds !== undefined) checkRange('--max-seconds', opts.maxSeconds, { min: 0, max: 1e9, minOpen: true });
  const start = performance.now();
  const deadline = opts.maxSeconds === undefined ? null : Date.now() + 1000 * opts.maxSeconds;
  const shard = opts.shard ?? null;
  const dir = opts.out;
  if (opts.signal?.aborted) throw new AbortError(0, 'the sweep');
  await claimFolder(dir, spec);
  const ckDir = join(dir, 'checkpoints');
  const ckEvery = spec.checkpoint ?? null;
  if (ckEvery) makeFolder(ckDir, '--out');
  const mine = shard ? runs.filter((r) => r.index % shard.count === shard.index) : runs;
  // the results file is this process's before anything in the folder is read or removed
  const file = join(dir, resultsFileName(shard));
  const lock = lockResults(file);
  let writer: NdjsonWriter;
  let lines: Map<string, RunLine>;
  try {
    lines = readResults(dir).lines;
    // checkpoints of runs that have a line are left over from a crash between the line and the delete
    if (ckEvery) for (const r of mine) if (lines.get(r.id)) rmSync(join(ckDir, `${r.id}.ckpt`), { force: true });
    if (existsSync(ckDir)) removeStaleTemporaries(ckDir);
    writer = new NdjsonWriter(file);
  } catch (e) {
    lock.release();
    throw e;
  }
  const finished = (r: SweepRun) => {
    const l = lines.get(r.id);
    return l !== undefined && (l.status === 'ok' || !opts.retryFailed);
  };
  const todo = mine.filter((r) => !finished(r));

  const skippedFailed = mine.filter((r) => finished(r) && lines.get(r.id)!.status === 'failed').length;
  const state = { total: mine.length, skipped: mine.length - todo.length, done: 0, failed: 0, running: 0, stopped: 0 };
  const progress = (last?: SweepProgress['last']): SweepProgress => {
    const elapsedMs = performance.now() - start;
    const left = state.total - state.skipped - state.done - state.stopped;
    const p: SweepProgress = {
      total: state.total, skipped: state.skipped, skippedFailed, done: state.done, failed: state.failed, running: state.running, left,
      elapsedMs, etaMs: state.done > 0 ? (elapsedMs / state.done) * (left) : null,
    };
    if (last) p.last = last;
    return p;
  };
  opts.onProgress?.(progress());
  if (todo.length === 0) {
    writer.close();
    lock.release();
    return { ...progress(), dir, file, stopped: 0 };
  }

  const pool = new Piscina({ filename: workerFile(), minThreads: Math.min(workers, todo.length), maxThreads: Math.min(workers, todo.length), idleTimeout: 60_000 });
  const task = (run: SweepRun, attempt: number): SweepTask => ({
    run,
    backend: opts.backend ?? 'auto',
    checkpoint: ckEvery ? { file: join(ckDir, `${run.id}.ckpt`), ...ckEvery } : null,
    deadline,
    attempt,
  });
  let failure: unknown = null;
  const aborted = () => opts.signal?.aborted === true;
  const record = (line: RunLine) => {
    state.running--;
    writer.append(line); // on disk when it returns; a full disk throws here, the earlier lines intact
    if (ckEvery) rmSync(join(ckDir, `${line.id}.ckpt`), { force: true });
    state.done++;
    if (line.status === 'failed') state.failed++;
    opts.onProgress?.(progress({ id: line.id, index: line.index, status: line.status }));
  };
  const runOne = async (run: SweepRun): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      let r: SweepTaskResult;
      try {
        r = (await pool.run(task(run, attempt))) as SweepTaskResult;
      } catch (e) {
        if (failure !== null || aborted()) {
          state.running--;
          return;
        }
        // the worker died under this run (process.exit, out of memory, a crash): piscina replaces it; retry once
        if (attempt < 2) continue;
        const line: RunLine = {
          id: run.id, index: run.index, status: 'failed', point: run.point, seed: run.config.seed, backend: String(opts.backend ?? 'auto'), path: null,
          config: run.config, summary: null, history: null,
          error: { name: 'WorkerCrashError', message: `the worker thread running this run died twice (${(e as Error).message})` },
          timing: { ms: 0, finishedAt: new Date().toISOString(), worker: -1, attempt, resumedFrom: null },
        };
        record(line);
        return;
      }
      if (r.kind === 'stopped') {
        state.running--;
        state.stopped++;
        opts.onProgress?.(progress({ id: r.id, index: run.index, status: 'stopped' }));
      } else {
        record(r.line);
      }
      return;
    }
  };

  let next = 0;
  const lane = async (): Promise<void> => {
    while (failure === null && !aborted() && next < todo.length && (deadline === null || Date.now() < deadline)) {
      const run = todo[next++]!;
      state.running++;
      try {
        await runOne(run); // it counts the run out of `running` when it reports it
      } catch (e) {
        failure ??= e;
      }
    }
  };
  const onAbort = () => {
    void pool.destroy();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(Array.from({ length: Math.min(workers, todo.length) }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.destroy();
    writer.close();
    lock.release();
    try {
      rmdirSync(ckDir); // an empty checkpoints/ (every run finished); one still holding checkpoints stays
    } catch {
      // not empty, or not there
    }
  }
  if (failure !== null) throw failure;
  if (aborted()) throw new AbortError(state.done, 'the sweep');
  return { ...progress(), dir, file, stopped: state.stopped };
}
