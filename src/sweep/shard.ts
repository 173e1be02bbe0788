// Which share of a sweep this process runs: --shard I/N, or the array-job variables of the scheduler
// it runs under. Shares are disjoint and cover the sweep: run k belongs to shard k mod N.
import { ConfigError } from '../errors.js';

export interface Shard {
  /** 0-based */
  index: number;
  count: number;
  /** where I and N came from, for the log: "--shard", "Kubernetes Indexed Job", "SLURM job array", "AWS Batch array job" */
  source: string;
}

const INT = /^\d+$/;

function int(name: string, text: string | undefined, min: number): number {
  if (text === undefined || !INT.test(text.trim()) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(name, text, `an integer ≥ ${min}`);
  }
  return Number(text);
}

/**
 * The shard of this process, or null for the whole sweep. `flag` is --shard ("I/N", 0 ≤ I < N);
 * `shards` is --shards (N, for schedulers that give only I); env is process.env.
 *   Kubernetes Indexed Job: JOB_COMPLETION_INDEX (I), N from --shards or RFA_SHARDS (set it to the Job's completions);
 *   SLURM job array: SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (I; MIN 0 when unset), SLURM_ARRAY_TASK_COUNT (N);
 *   AWS Batch array job: AWS_BATCH_JOB_ARRAY_INDEX (I), N from --shards or RFA_SHARDS (the array size).
 */
export function resolveShard(flag: string | undefined, shards: number | undefined, env: Record<string, string | undefined> = process.env): Shard | null {
  const within = (s: Shard, what: string): Shard => {
    if (s.index >= s.count) throw new ConfigError(what, s.index, `an index below the shard count ${s.count} (${s.source})`);
    return s;
  };
  const countFrom = (source: string): number => {
    if (shards !== undefined) return shards;
    if (env.RFA_SHARDS !== undefined) return int('RFA_SHARDS', env.RFA_SHARDS, 1);
    throw new ConfigError('--shards', undefined, `the number of shards (or RFA_SHARDS in the environment): a ${source} gives this process its index only`);
  };
  if (flag !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flag);
    if (!m || Number(m[2]) < 1) throw new ConfigError('--shard', flag, 'I/N with 0 ≤ I < N, e.g. 0/4 for the first of four shares');
    if (shards !== undefined && shards !== Number(m[2])) throw new ConfigError('--shards', shards, `left out, or equal to the N of --shard ${flag}`);
    return within({ index: Number(m[1]), count: Number(m[2]), source: '--shard' }, '--shard');
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const source = 'Kubernetes Indexed Job';
    return within({ index: int('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, 0), count: countFrom(source), source }, 'JOB_COMPLETION_INDEX');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const source = 'SLURM job array';
    const id = int('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, 0);
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : int('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0);
    if (id < min) throw new ConfigError('SLURM_ARRAY_TASK_ID', id, `at least SLURM_ARRAY_TASK_MIN = ${min}`);
    const count = env.SLURM_ARRAY_TASK_COUNT !== undefined ? int('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT, 1) : countFrom(source);
    if (shards !== undefined && shards !== count) throw new ConfigError('--shards', shards, `left out, or equal to SLURM_ARRAY_TASK_COUNT = ${count}`);
    // a stepped array (--array=0-9:2) has gaps: its tasks are not 0..N-1 after subtracting MIN
    if (env.SLURM_ARRAY_TASK_STEP !== undefined && env.SLURM_ARRAY_TASK_STEP !== '1') {
      throw new ConfigError('SLURM_ARRAY_TASK_STEP', env.SLURM_ARRAY_TASK_STEP, '1 (use --array=0-N-1 without a step, or pass --shard I/N)');
    }
    return within({ index: id - min, count, source }, 'SLURM_ARRAY_TASK_ID');
  }
  if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    const source = 'AWS Batch array job';
    return within({ index: int('AWS_BATCH_JOB_ARRAY_INDEX', env.AWS_BATCH_JOB_ARRAY_INDEX, 0), count: countFrom(source), source }, 'AWS_BATCH_JOB_ARRAY_INDEX');
  }
  if (shards !== undefined) throw new ConfigError('--shards', shards, 'used with --shard or under an array job (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX)');
  return null;
}

/** The results file of a shard (or of the whole sweep) inside the output folder. */
export function resultsFileName(shard: Shard | null): string {
  return shard && shard.count > 1 ? `runs.shard-${shard.index}-of-${shard.count}.ndjson` : 'runs.ndjson';
}
