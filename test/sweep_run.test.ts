// Sweeps as a user runs them: the built CLI in child processes. One line per finished run; reruns skip
// them; SIGKILL at any moment then a rerun gives the lines of an uninterrupted sweep (apart from
// `timing`); failed runs and crashed workers are lines too; shards from the array-job variables of
// SLURM, Kubernetes and AWS Batch merge into the single-machine result; plots; bad input named.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandSweep } from '../src/sweep/spec.js';
import { resolveShard } from '../src/sweep/shard.js';
import { summarize } from '../src/sweep/summary.js';
import { resolveConfig } from '../src/config.js';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'rfa-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const fresh = (name: string) => join(root, `${name}-${count++}`);

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function writeSweep(spec: unknown): string {
  const f = join(root, `sweep-${count++}.json`);
  writeFileSync(f, JSON.stringify(spec));
  return f;
}

interface Line { id: string; index: number; status: string; timing: Record<string, unknown>; error: { name: string; message: string; step?: number } | null; summary: Record<string, unknown> | null }
const lines = (dir: string, file = 'runs.ndjson'): Line[] =>
  readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
/** every line of a folder without its timing, one per id, sorted by the run's place in the sweep */
function results(dir: string): string[] {
  const all = readdirSync(dir).filter((f) => /^runs.*\.ndjson$/.test(f)).flatMap((f) => lines(dir, f));
  const byId = new Map(all.map((l) => [l.id, l]));
  return [...byId.values()].sort((a, b) => a.index - b.index).map(({ timing: _t, ...rest }) => JSON.stringify(rest));
}

const small = {
  name: 'small',
  base: { data: { n: 40, d: 60, nTest: 300, noise: { mode: 'exact', eta: 0.15 } }, model: { m: 32 }, train: { steps: 400 } },
  grid: { 'data.noise.eta': [0.05, 0.3], 'data.d': [20, 200] },
  seeds: { from: 0, count: 3 },
  evalAt: { log: 10 },
};
const smallFile = writeSweep(small);
const reference = fresh('ref');
const refRun = cli(['sweep', 'run', smallFile, '--out', reference, '--workers', '2']);

describe('rfa sweep run', () => {
  it('writes one line per run, in any order, with the ids of the expansion; prints the outcome', () => {
    expect(refRun.code, refRun.err).toBe(0);
    expect(refRun.out).toMatch(/12\/12 runs done \(0 failed\)/);
    const got = lines(reference);
    expect(got.map((l) => l.id).sort()).toEqual(expandSweep(small).map((r) => r.id).sort());
    for (const l of got) {
      expect(l.status).toBe('ok');
      expect(l.summary).toMatchObject({ step: 400 });
      expect(typeof l.summary!.excessError).toBe('number');
      expect(Object.keys(l.timing).sort()).toEqual(['attempt', 'finishedAt', 'ms', 'resumedFrom', 'worker']);
    }
    expect(JSON.parse(readFileSync(join(reference, 'sweep.json'), 'utf8')).sweep.name).toBe('small');
  });

  it('a rerun skips every finished run and leaves the file as it was', () => {
    const before = readFileSync(join(reference, 'runs.ndjson'));
    const r = cli(['sweep', 'run', smallFile, '--out', reference]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/12\/12 runs done \(0 failed, 12 from before\)/);
    expect(readFileSync(join(reference, 'runs.ndjson'))).toEqual(before);
  });

  it('the same runs with 1 worker give the same lines (apart from timing)', () => {
    const one = fresh('one');
    expect(cli(['sweep', 'run', smallFile, '--out', one, '--workers', '1']).code).toBe(0);
    expect(results(one)).toEqual(results(reference));
  });

  it('--json: progress as NDJSON on stderr, the outcome as JSON on stdout', () => {
    const dir = fresh('json');
    const r = cli(['sweep', 'run', smallFile, '--out', dir, '--json', '--workers', '2']);
    expect(r.code, r.err).toBe(0);
    const events = r.err.trim().split('\n').map((l) => JSON.parse(l) as { type: string; done: number; left: number; etaMs: number | null });
    expect(events.every((e) => e.type === 'progress')).toBe(true);
    expect(events.at(-1)!).toMatchObject({ done: 12, left: 0 });
    expect(events.some((e) => e.etaMs !== null && e.left > 0)).toBe(true);
    expect(JSON.parse(r.out)).toMatchObject({ type: 'outcome', total: 12, done: 12, failed: 0, stopped: 0 });
  });
});

describe('a sweep killed at any moment and rerun ends as an uninterrupted one', () => {
  // long enough runs (about 0.3 s each) that a kill finds some in progress, checkpointed every 4000 steps
  const long = {
    base: { data: { n: 40, d: 60, nTest: 200, noise: { mode: 'exact', eta: 0.15 } }, model: { m: 32 }, train: { steps: 24_000 } },
    grid: { 'data.d': [30, 90] }, seeds: { from: 5, count: 4 }, evalAt: { every: 3000 }, instruments: { neurons: true },
    checkpoint: { everySteps: 4000 },
  };
  const file = writeSweep(long);
  const whole = fresh('whole');
  const wholeRun = cli(['sweep', 'run', file, '--out', whole, '--workers', '2']);

  async function killAfter(dir: string, ready: () => boolean): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'sweep', 'run', file, '--out', dir, '--workers', '2'], { stdio: 'ignore' });
    const t0 = Date.now();
    while (!ready() && Date.now() - t0 < 60_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  const lineCount = (dir: string) => (existsSync(join(dir, 'runs.ndjson')) ? readFileSync(join(dir, 'runs.ndjson'), 'utf8').split('\n').length - 1 : 0);
  const checkpoints = (dir: string) => (existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.ckpt')).length : 0);

  it.each([
    ['before any line, with checkpoints of runs in progress', (d: string) => checkpoints(d) >= 1],
    ['after 3 lines', (d: string) => lineCount(d) >= 3],
  ])('SIGKILL %s, then a rerun: the same lines, resumed from checkpoints', { timeout: 120_000 }, async (_what, ready) => {
    expect(wholeRun.code, wholeRun.err).toBe(0);
    const dir = fresh('killed');
    await killAfter(dir, () => ready(dir));
    const before = lineCount(dir);
    expect(before).toBeLessThan(8);
    const held = checkpoints(dir);
    const r = cli(['sweep', 'run', file, '--out', dir, '--workers', '2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`8/8 runs done \\(0 failed(, ${before} from before)?\\)`));
    expect(results(dir)).toEqual(results(whole));
    if (held > 0) expect(lines(dir).some((l) => typeof l.timing.resumedFrom === 'number' && l.timing.resumedFrom > 0)).toBe(true);
    expect(checkpoints(dir)).toBe(0); // finished runs leave no checkpoint behind
  });

  it('--max-seconds stops the sweep with its running runs checkpointed; a rerun finishes it with the same lines', () => {
    const dir = fresh('timed');
    const r = cli(['sweep', 'run', file, '--out', dir, '--workers', '2', '--max-seconds', '0.25']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/stopped at --max-seconds/);
    expect(checkpoints(dir)).toBeGreaterThan(0);
    expect(lineCount(dir)).toBeLessThan(8);
    const again = cli(['sweep', 'run', file, '--out', dir, '--workers', '2']);
    expect(again.code, again.err).toBe(0);
    expect(results(dir)).toEqual(results(whole));
    expect(lines(dir).some((l) => typeof l.timing.resumedFrom === 'number')).toBe(true);
  });
});

describe('runs that fail, workers that die', () => {
  const spec = {
    base: { data: { n: 30, d: 40, nTest: 100, noise: { mode: 'exact', eta: 0.1 } }, model: { m: 16 }, train: { steps: 200 } },
    configs: [{}, { data: { muNorm: 1e6 }, train: { alpha: 1e30 } }, { model: { m: 24 } }],
    seeds: [1, 2],
  };
  const file = writeSweep(spec);
  const ids = expandSweep(spec).map((r) => r.id);

  it('a diverging run is a failed line with its error, and the sweep goes on', () => {
    const dir = fresh('fail');
    const r = cli(['sweep', 'run', file, '--out', dir, '--workers', '2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/6\/6 runs done \(2 failed\)/);
    const failed = lines(dir).filter((l) => l.status === 'failed');
    expect(failed.map((l) => l.index).sort()).toEqual([2, 3]);
    for (const l of failed) expect(l.error).toMatchObject({ name: 'NonFiniteLossError', step: 1 });
    // failed runs are finished: a rerun skips them, --retry-failed runs them again
    expect(cli(['sweep', 'run', file, '--out', dir]).out).toMatch(/6 from before/);
    const retry = cli(['sweep', 'run', file, '--out', dir, '--retry-failed']);
    expect(retry.out).toMatch(/6\/6 runs done \(2 failed, 4 from before\)/);
  });

  it('a worker that dies is replaced and its run retried once; dying twice is a failed line', () => {
    const once = fresh('crash1');
    const r1 = cli(['sweep', 'run', file, '--out', once, '--workers', '2'], { RFA_TEST_CRASH_RUNS: `${ids[0]}:1` });
    expect(r1.code, r1.err).toBe(0);
    const l0 = lines(once).find((l) => l.id === ids[0])!;
    expect(l0.status).toBe('ok');
    expect(l0.timing.attempt).toBe(2);
    const twice = fresh('crash2');
    const r2 = cli(['sweep', 'run', file, '--out', twice, '--workers', '2'], { RFA_TEST_CRASH_RUNS: `${ids[4]}:2` });
    expect(r2.code, r2.err).toBe(0);
    const l4 = lines(twice).find((l) => l.id === ids[4])!;
    expect(l4.status).toBe('failed');
    expect(l4.error!.name).toBe('WorkerCrashError');
    expect(lines(twice).filter((l) => l.status === 'ok').length).toBe(3); // the others ran (2 diverge)
  });
});

describe('shards across machines, merged', () => {
  const run = (dir: string, env: Record<string, string>, extra: string[] = []) => cli(['sweep', 'run', smallFile, '--out', dir, '--workers', '1', ...extra], env);

  it('a SLURM job array (tasks 1..3) into one shared folder: the three shares are disjoint and complete', async () => {
    const dir = fresh('slurm');
    const kids = [1, 2, 3].map((id) => new Promise<number | null>((resolve) => {
      const c = spawn(process.execPath, [CLI, 'sweep', 'run', smallFile, '--out', dir, '--workers', '1'], {
        stdio: 'ignore', env: { ...process.env, SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' },
      });
      c.once('exit', resolve);
    }));
    expect(await Promise.all(kids)).toEqual([0, 0, 0]);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort();
    expect(files).toEqual(['runs.shard-0-of-3.ndjson', 'runs.shard-1-of-3.ndjson', 'runs.shard-2-of-3.ndjson']);
    expect(files.map((f) => lines(dir, f).length)).toEqual([4, 4, 4]);
    expect(results(dir)).toEqual(results(reference));
  }, 120_000);

  it('a Kubernetes Indexed Job with one pod killed and rerun, merged: the single-machine lines; a missing shard is reported', async () => {
    const dirs = [0, 1, 2].map((i) => fresh(`k8s${i}`));
    const env = (i: number) => ({ JOB_COMPLETION_INDEX: String(i), RFA_SHARDS: '3' });
    expect(run(dirs[0]!, env(0)).code).toBe(0);
    expect(run(dirs[2]!, env(2)).code).toBe(0);
    // pod 1 is killed as soon as it has written its first line, then restarted
    const c = spawn(process.execPath, [CLI, 'sweep', 'run', smallFile, '--out', dirs[1]!, '--workers', '1'], { stdio: 'ignore', env: { ...process.env, ...env(1) } });
    const f1 = join(dirs[1]!, 'runs.shard-1-of-3.ndjson');
    while (!(existsSync(f1) && readFileSync(f1, 'utf8').includes('\n')) && c.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
    const partial = fresh('partial');
    const m0 = cli(['sweep', 'merge', dirs[0]!, dirs[1]!, dirs[2]!, '--out', partial, '--json']);
    expect(m0.code).toBe(1); // written, and an error: runs are missing
    expect(JSON.parse(m0.err)).toMatchObject({ type: 'error', name: 'IncompleteSweepError' }); // --json: the error as JSON too
    expect(JSON.parse(m0.err).message).toMatch(/^\d+ of 12 runs are missing from the merge/);
    const o0 = JSON.parse(m0.out) as { missing: { index: number }[]; merged: number };
    expect(o0.merged + o0.missing.length).toBe(12);
    expect(o0.missing.length).toBeGreaterThan(0);
    expect(o0.missing.every((m) => m.index % 3 === 1)).toBe(true);
    expect(cli(['sweep', 'merge', dirs[0]!, dirs[1]!, dirs[2]!, '--out', fresh('p2')]).out).toMatch(/MISSING \d+ run/);
    expect(cli(['sweep', 'merge', dirs[0]!, dirs[1]!, dirs[2]!, '--out', fresh('p3'), '--allow-missing']).code).toBe(0);
    expect(run(dirs[1]!, env(1)).code).toBe(0);
    const merged = fresh('merged');
    const m = cli(['sweep', 'merge', ...dirs, reference, '--out', merged]);
    expect(m.code, m.err).toBe(0);
    expect(m.out).toMatch(/12 of 12 runs \(12 ok, 0 failed\).*12 duplicate lines dropped/);
    expect(results(merged)).toEqual(results(reference));
    expect(lines(merged).map((l) => l.index)).toEqual([...Array(12).keys()]); // in the sweep's order
  }, 120_000);

  it('an AWS Batch array job takes its size from --shards (or RFA_SHARDS), and --shard I/N wins over the variables', () => {
    const a = fresh('aws');
    const r = run(a, { AWS_BATCH_JOB_ARRAY_INDEX: '1' }, ['--shards', '2']);
    expect(r.code, r.err).toBe(0);
    expect(lines(a, 'runs.shard-1-of-2.ndjson').map((l) => l.index)).toEqual([1, 3, 5, 7, 9, 11]);
    const b = fresh('flag');
    expect(run(b, { AWS_BATCH_JOB_ARRAY_INDEX: '1', SLURM_ARRAY_TASK_ID: '0' }, ['--shard', '0/4']).code).toBe(0);
    expect(lines(b, 'runs.shard-0-of-4.ndjson').map((l) => l.index)).toEqual([0, 4, 8]);
    const missing = run(fresh('nosize'), { AWS_BATCH_JOB_ARRAY_INDEX: '1' });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/--shards must be the number of shards \(or RFA_SHARDS/);
  });
});

describe('merging into folders that hold results, and locks', () => {
  it('a merge into a folder of this sweep keeps its lines; into one a sweep is writing, it is refused', () => {
    const full = fresh('full-copy');
    expect(cli(['sweep', 'run', smallFile, '--out', full, '--workers', '2']).code).toBe(0);
    const half = fresh('half');
    expect(cli(['sweep', 'run', smallFile, '--out', half, '--shard', '0/2']).code).toBe(0);
    const m = cli(['sweep', 'merge', half, '--out', full]);
    expect(m.code, m.err).toBe(0);
    expect(results(full)).toEqual(results(reference));
    // a live process of this host holds the results file's lock (this test's own pid)
    writeFileSync(join(full, 'runs.ndjson.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
    const busy = cli(['sweep', 'merge', half, '--out', full]);
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(new RegExp(`pid ${process.pid} on .* holds`));
    rmSync(join(full, 'runs.ndjson.lock'));
    expect(results(full)).toEqual(results(reference));
  });

  it('Ctrl-C ends a sweep with status 130 and leaves no lock; a closed progress reader does not stop it', async () => {
    const dir = fresh('sigint');
    const file = writeSweep({ ...small, base: { ...small.base, train: { steps: 20_000 } } });
    const c = spawn(process.execPath, [CLI, 'sweep', 'run', file, '--out', dir, '--workers', '1'], { stdio: 'ignore' });
    while (!existsSync(join(dir, 'runs.ndjson.lock')) && c.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 200));
    c.kill('SIGINT');
    const [code, signal] = (await new Promise((r) => c.once('exit', (a, b) => r([a, b])))) as [number | null, string | null];
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(existsSync(join(dir, 'runs.ndjson.lock'))).toBe(false);
    // progress to a reader that goes away after its first line (`2>&1 | head -1`)
    const piped = spawn(process.execPath, [CLI, 'sweep', 'run', file, '--out', dir, '--workers', '2', '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    piped.stderr!.once('data', () => piped.stderr!.destroy());
    const status = await new Promise((r) => piped.once('exit', (a) => r(a)));
    expect(status).toBe(0);
    expect(results(dir).length).toBe(12);
  }, 120_000);

  it('a reordered grid is another sweep; a folder holding results but no sweep.json is not claimed', () => {
    const reordered = writeSweep({ ...small, grid: { 'data.d': [20, 200], 'data.noise.eta': [0.05, 0.3] } });
    expect(cli(['sweep', 'run', reordered, '--out', reference]).err).toMatch(/holds the results of another sweep/);
    const mine = fresh('mine-runs');
    mkdirSync(mine);
    writeFileSync(join(mine, 'runs.ndjson'), 'my own notes\n');
    const r = cli(['sweep', 'run', smallFile, '--out', mine]);
    expect(r.err).toMatch(/holds runs\.ndjson and no sweep\.json/);
    expect(existsSync(join(mine, 'sweep.json'))).toBe(false);
  });

  it('checkpoints made on another backend are not resumed: those runs start over, and nothing fails', () => {
    const dir = fresh('backend');
    const file = writeSweep({ ...small, base: { ...small.base, train: { steps: 200_000 } }, seeds: [1], grid: { 'data.d': [20, 200] }, checkpoint: { everySteps: 2000 } });
    const part = cli(['sweep', 'run', file, '--out', dir, '--workers', '2', '--backend', 'scalar', '--max-seconds', '0.5']);
    expect(part.code, part.err).toBe(0);
    expect(readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.ckpt')).length).toBeGreaterThan(0);
    const rest = cli(['sweep', 'run', file, '--out', dir, '--workers', '2']);
    expect(rest.code, rest.err).toBe(0);
    const got = lines(dir);
    expect(got.every((l) => l.status === 'ok')).toBe(true);
    expect(got.some((l) => typeof l.timing.checkpointUnreadable === 'string' && /started over/.test(l.timing.checkpointUnreadable as string))).toBe(true);
    expect(existsSync(join(dir, 'checkpoints'))).toBe(false); // emptied and removed at the end
  }, 120_000);
});

describe('rfa sweep plot', () => {
  it('a heat map over the two swept fields: SVG, Vega-Lite spec and cells averaged over seeds', () => {
    const r = cli(['sweep', 'plot', reference]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/heat map of excessError over data\.noise\.eta × data\.d \(4 cells, 12 runs\)/);
    expect(readFileSync(join(reference, 'sweep-excessError.svg'), 'utf8')).toMatch(/^<svg/);
    const cells = JSON.parse(readFileSync(join(reference, 'sweep-excessError.json'), 'utf8')).cells as { x: number; y: number; value: number; runs: number }[];
    expect(cells.length).toBe(4);
    const got = lines(reference);
    const mean = (eta: number, d: number) => {
      const v = got.filter((l) => (l as unknown as { point: Record<string, number> }).point['data.noise.eta'] === eta && (l as unknown as { point: Record<string, number> }).point['data.d'] === d)
        .map((l) => l.summary!.excessError as number);
      return v.reduce((s, x) => s + x, 0) / v.length;
    };
    for (const c of cells) {
      expect(c.runs).toBe(3);
      expect(c.value).toBeCloseTo(mean(c.x, c.y), 12);
    }
  });

  it('a line over one field, and another measure', () => {
    const r = cli(['sweep', 'plot', reference, '--x', 'data.d', '--metric', 'flippedFitted', '--out', fresh('plot')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/flippedFitted over data\.d \(2 cells, 12 runs; averaged/);
    expect(cli(['sweep', 'plot', reference, '--metric', 'nope']).code).toBe(1);
    expect(cli(['sweep', 'plot', reference, '--x', 'data.d', '--y', 'data.d']).err).toMatch(/--y must be another field than --x/);
    // one field on the axis: the other swept field is averaged over, and the plot says so
    expect(r.out).toMatch(/averaged over seeds and data\.noise\.eta/);
  });
});

describe('bad input is named and loses nothing', () => {
  it('a bad sweep file names the field and creates nothing', () => {
    const dir = fresh('bad');
    const r = cli(['sweep', 'run', writeSweep({ ...small, grid: { 'data.n': [10, -3] } }), '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sweep\.grid\["data\.n"\]\[1\]/);
    expect(existsSync(dir)).toBe(false);
    expect(cli(['sweep', 'run', '--out', dir]).err).toMatch(/a sweep file, or --preset NAME/);
    expect(cli(['sweep', 'run', '--preset', 'nope', '--out', dir]).err).toMatch(/--preset must be one of overfitting-boundary, noise-init/);
  });

  it('with --json an error is one JSON line on stderr, with its field', () => {
    const r = cli(['sweep', 'run', writeSweep({ ...small, grid: { 'data.n': [10, -3] } }), '--out', fresh('badjson'), '--json']);
    expect(r.code).toBe(1);
    const e = JSON.parse(r.err.trim()) as { type: string; name: string; field: string; message: string };
    expect(e).toMatchObject({ type: 'error', name: 'ConfigError', field: 'sweep.grid["data.n"][1]' });
    expect(r.out).toBe('');
  });

  it('a folder of another sweep, or one with files of the user, is refused', () => {
    const r = cli(['sweep', 'run', writeSweep({ ...small, seeds: [7] }), '--out', reference]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds the results of another sweep/);
    const mine = fresh('mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'x');
    expect(cli(['sweep', 'run', smallFile, '--out', mine]).err).toMatch(/holds thesis\.tex and no sweep\.json/);
  });

  it('an unwritable folder and a full disk are clear errors; the results written before stay', () => {
    const r = cli(['sweep', 'run', smallFile, '--out', '/proc/rfa-sweep']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--out must be a folder that can be created/);
    // a full disk: the file size limit (ulimit -f, with SIGXFSZ ignored so a write fails with EFBIG as
    // on a full disk) lets the first line in and refuses the second
    const dir = fresh('full');
    const limited = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 4; exec "${process.execPath}" "${CLI}" sweep run "${smallFile}" --out "${dir}" --workers 1`], { encoding: 'utf8' });
    expect(limited.status).toBe(1);
    expect(limited.stderr).toMatch(/NdjsonError: cannot append a result to .*runs\.ndjson: EFBIG.*the results written before are intact/);
    const kept = lines(dir);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(dir, 'runs.ndjson'), 'utf8').endsWith('\n')).toBe(true);
    // with room again, the same command finishes the sweep: the lines equal an uninterrupted run's
    const r2 = cli(['sweep', 'run', smallFile, '--out', dir, '--workers', '2']);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toMatch(new RegExp(`${kept.length} from before`));
    expect(results(dir)).toEqual(results(reference));
    // a results file that is a device is refused, never read for ever
    symlinkSync('/dev/zero', join(dir, 'runs.shard-1-of-6.ndjson'));
    const dev = cli(['sweep', 'run', smallFile, '--out', dir]);
    expect(dev.code).toBe(1);
    expect(dev.err).toMatch(/runs\.shard-1-of-6\.ndjson is not a regular file/);
  });
});

describe('one writer per results file', () => {
  const long = {
    base: { data: { n: 40, d: 60, nTest: 100, noise: { mode: 'exact', eta: 0.15 } }, model: { m: 32 }, train: { steps: 30_000 } },
    seeds: { from: 0, count: 6 },
  };
  const file = writeSweep(long);

  it('a second process on the same results file is refused, naming the holder; a killed holder\'s lock is taken over', async () => {
    const dir = fresh('locked');
    const first = spawn(process.execPath, [CLI, 'sweep', 'run', file, '--out', dir, '--workers', '1'], { stdio: 'ignore' });
    const lock = join(dir, 'runs.ndjson.lock');
    while (!existsSync(lock) && first.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    const second = cli(['sweep', 'run', file, '--out', dir]);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(new RegExp(`pid ${first.pid} on .* holds .*runs\\.ndjson\\.lock`));
    // another shard of the same folder has a file (and a lock) of its own
    expect(cli(['sweep', 'run', file, '--out', dir, '--shard', '1/3']).code).toBe(0);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(existsSync(lock)).toBe(true); // left by the killed process
    const again = cli(['sweep', 'run', file, '--out', dir, '--workers', '2']);
    expect(again.code, again.err).toBe(0);
    expect(existsSync(lock)).toBe(false); // released at the end
  }, 120_000);

  it('a lock of another host is respected while fresh and taken over once a minute old', () => {
    const dir = fresh('remote');
    expect(cli(['sweep', 'run', file, '--out', dir, '--shard', '0/6']).code).toBe(0);
    const lock = join(dir, 'runs.shard-1-of-6.ndjson.lock');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'some-other-node', started: '2026-01-01T00:00:00.000Z' }));
    const r = cli(['sweep', 'run', file, '--out', dir, '--shard', '1/6']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pid 1 on some-other-node/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    expect(cli(['sweep', 'run', file, '--out', dir, '--shard', '1/6']).code).toBe(0);
  });

  it('an empty lock (its writer killed between creating and writing it) is respected for a moment, then taken over', () => {
    const dir = fresh('empty-lock');
    expect(cli(['sweep', 'run', file, '--out', dir, '--shard', '0/6']).code).toBe(0);
    const lock = join(dir, 'runs.shard-2-of-6.ndjson.lock');
    writeFileSync(lock, '');
    expect(cli(['sweep', 'run', file, '--out', dir, '--shard', '2/6']).code).toBe(1);
    const old = new Date(Date.now() - 5_000);
    utimesSync(lock, old, old);
    const r = cli(['sweep', 'run', file, '--out', dir, '--shard', '2/6']);
    expect(r.code, r.err).toBe(0);
  });
});

describe('shards and summaries (units)', () => {
  it('resolveShard: the flag, then Kubernetes, SLURM and AWS Batch variables; bad values named', () => {
    expect(resolveShard(undefined, undefined, {})).toBeNull();
    expect(resolveShard('2/5', undefined, {})).toEqual({ index: 2, count: 5, source: '--shard' });
    expect(resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '3', RFA_SHARDS: '4' })).toMatchObject({ index: 3, count: 4 });
    expect(resolveShard(undefined, 8, { JOB_COMPLETION_INDEX: '3' })).toMatchObject({ index: 3, count: 8 });
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 2, count: 3 });
    expect(resolveShard(undefined, undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '0', RFA_SHARDS: '2' })).toMatchObject({ index: 0, count: 2, source: 'AWS Batch array job' });
    expect(() => resolveShard('5/5', undefined, {})).toThrow(/--shard must be an index below the shard count 5/);
    expect(() => resolveShard('1-2', undefined, {})).toThrow(/--shard must be I\/N/);
    expect(() => resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(/SLURM_ARRAY_TASK_ID must be an integer/);
    expect(() => resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/SLURM_ARRAY_TASK_STEP/);
    expect(() => resolveShard(undefined, 3, {})).toThrow(/--shards must be used with --shard/);
  });

  it('summarize: excess error, fitted fractions, and the step the flipped points start being fitted', () => {
    const config = resolveConfig({ data: { noise: { mode: 'exact', eta: 0.2 } } });
    const rec = (step: number, flipped: number, testAcc = 0.78) => ({ step, loss: 0.1, trainAcc: 1, trainAccClean: 1, trainAccFlipped: flipped, testAcc, testAccClean: 0.9, weightNorm: 1 });
    // the flipped points fitted by chance at step 0, then wrong once the clean points are learned, then memorized
    const early = { ...rec(2, 0.7), trainAccClean: 0.6 };
    const s = summarize(config, [rec(0, 0.6), { ...rec(1, 0.3), trainAccClean: 0.5 }, early, rec(10, 0.1), rec(100, 0.3), rec(1000, 0.7), rec(5000, 1)]);
    expect(s.fitStep).toBe(1000);
    expect(s.excessError).toBeCloseTo(0.22 - 0.2, 12);
    expect(s).toMatchObject({ eta: 0.2, step: 5000, flippedFitted: 1, cleanFitted: 1 });
    expect(summarize(config, [rec(0, 0.6), rec(10, 0.1)]).fitStep).toBeNull();
  });
});
