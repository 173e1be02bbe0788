// `rfa sweep run | merge | plot | preset`: sweeps over configs and seeds on every core, shards for
// array jobs, merged results and plots. Progress goes to stderr (a line per run finished, or NDJSON
// with --json); the outcome to stdout.
import { Option, type Command } from 'commander';
import { ConfigError } from '../errors.js';
import { readJsonFile } from '../node/files.js';
import { loadRenderer, renderSvg } from '../plot/render.js';
import { mergeSweeps, folderSweep } from '../sweep/merge.js';
import { expandSweep } from '../sweep/spec.js';
import { SWEEP_METRICS, sweepCells, sweepPlotSpec, sweptFields, type SweepMetric } from '../sweep/plot.js';
import { SWEEP_PRESETS } from '../sweep/presets.js';
import { makeFolder, readResults, runSweep, type SweepProgress } from '../sweep/runner.js';
import { releaseLocks } from '../sweep/lock.js';
import { resolveShard } from '../sweep/shard.js';
import type { Backend } from '../train/engine.js';
import { writeFileAtomic } from '../node/files.js';
import { join } from 'node:path';
import { backendOption, helpPointer, rangeParser } from './options.js';
import type { Session } from './session.js';

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function progressText(p: SweepProgress): string {
  const finished = p.skipped + p.done;
  return `${finished}/${p.total} runs done (${p.failed} failed${p.skipped ? `, ${p.skipped} from before${p.skippedFailed ? ` of which ${p.skippedFailed} failed` : ''}` : ''}), ${p.running} running, ${p.left} left` +
    (p.etaMs === null || p.left === 0 ? '' : `, about ${duration(p.etaMs)} to go`);
}

interface RunFlags {
  out: string; preset?: string; workers?: number; shard?: string; shards?: number; backend: Backend | 'auto';
  retryFailed?: boolean; maxSeconds?: number; json?: boolean; progress: boolean;
}

async function sweepRun(file: string | undefined, f: RunFlags, session: Session): Promise<void> {
  if ((file === undefined) === (f.preset === undefined)) throw new ConfigError('SWEEP.json', file ?? null, 'a sweep file, or --preset NAME (one of them)');
  let input: unknown;
  if (f.preset !== undefined) {
    const p = SWEEP_PRESETS[f.preset];
    if (!p) throw new ConfigError('--preset', f.preset, `one of ${Object.keys(SWEEP_PRESETS).join(', ')}`);
    input = p.sweep;
  } else {
    input = await readJsonFile(file!, 'SWEEP.json');
  }
  const shard = resolveShard(f.shard, f.shards);
  session.onCleanup(releaseLocks); // Ctrl-C, SIGTERM: the lock goes with the process (a rerun elsewhere need not wait)
  const tty = process.stderr.isTTY && f.progress && !f.json;
  // progress is a courtesy: a reader of stderr that goes away (`2>&1 | head -1`) stops it, not the sweep
  let stderrGone = false;
  const onStderrError = () => {
    stderrGone = true;
  };
  process.stderr.on('error', onStderrError);
  session.onCleanup(() => process.stderr.off('error', onStderrError));
  const err = (text: string) => {
    if (!stderrGone) process.stderr.write(text);
  };
  let lastLine = 0;
  const say = (p: SweepProgress) => {
    if (!f.progress) return;
    if (f.json) {
      err(`${JSON.stringify({ type: 'progress', ...p })}\n`);
    } else {
      const now = performance.now();
      // a line per finished run, at most one every 2 s unless on a terminal (rewritten in place there)
      if (tty) err(`\r\x1b[Krfa sweep: ${progressText(p)}`);
      else if (now - lastLine > 2000 || p.left === 0) {
        err(`rfa sweep: ${progressText(p)}${p.last?.status === 'failed' ? ` — run ${p.last.index} (${p.last.id}) failed` : ''}\n`);
        lastLine = now;
      }
    }
  };
  if (shard && !f.json && f.progress) err(`rfa sweep: shard ${shard.index} of ${shard.count} (0-based, from ${shard.source})\n`);
  const outcome = await runSweep(input, {
    out: f.out, backend: f.backend, shard, signal: session.signal, onProgress: say,
    ...(f.workers !== undefined ? { workers: f.workers } : {}),
    ...(f.retryFailed ? { retryFailed: true } : {}),
    ...(f.maxSeconds !== undefined ? { maxSeconds: f.maxSeconds } : {}),
  });
  if (tty) err('\n');
  if (f.json) {
    session.out(`${JSON.stringify({ type: 'outcome', ...outcome, shard })}\n`);
    return;
  }
  const lines = [`rfa sweep: ${outcome.skipped + outcome.done}/${outcome.total} runs done (${outcome.failed} failed${outcome.skipped ? `, ${outcome.skipped} from before${outcome.skippedFailed ? ` of which ${outcome.skippedFailed} failed` : ''}` : ''}), ${outcome.left} left, ${duration(outcome.elapsedMs)}`];
  if (outcome.stopped > 0) lines.push(`  ${outcome.stopped} run${outcome.stopped === 1 ? '' : 's'} stopped at --max-seconds (checkpointed when the sweep asks for checkpoints): run the same command again to finish`);
  if (outcome.failed + outcome.skippedFailed > 0) lines.push(`  ${outcome.failed + outcome.skippedFailed} failed: their lines hold the error; --retry-failed runs them again`);
  lines.push(`  results: ${outcome.file}`);
  session.out(`${lines.join('\n')}\n`);
}

interface PlotFlags { metric: SweepMetric; x?: string; y?: string; out?: string; json?: boolean }

async function sweepPlot(dir: string, f: PlotFlags, session: Session): Promise<void> {
  const spec = await folderSweep(dir);
  await loadRenderer();
  // the lines of this sweep's runs only (a line of another sweep appended by hand is not plotted)
  const ids = new Set(expandSweep(spec).map((r) => r.id));
  const lines = [...readResults(dir).lines.values()].filter((l) => ids.has(l.id));
  if (lines.length === 0) throw new ConfigError('DIR', dir, 'a sweep folder with results (it has none yet)');
  const swept = sweptFields(lines);
  const x = f.x ?? swept[0];
  if (x === undefined) throw new ConfigError('--x', null, 'a config field to put on the x axis (this sweep has no grid field that varies)');
  const y = f.y ?? (f.x === undefined ? swept[1] ?? null : null);
  if (y === x) throw new ConfigError('--y', y, `another field than --x (${x})`);
  const cells = sweepCells(lines, f.metric, x, y);
  // fields that vary but are on no axis are averaged over, with the seeds: say so
  const pooled = [...swept.filter((p) => p !== x && p !== y), ...(spec.configs && spec.configs.length > 1 ? ['the configs list'] : [])];
  const vl = sweepPlotSpec(cells, { metric: f.metric, x, y, title: spec.name ?? 'rfa sweep', pooled });
  const svg = await renderSvg(vl);
  const out = f.out ?? dir;
  makeFolder(out, '--out');
  const base = join(out, `sweep-${f.metric}`);
  await writeFileAtomic(`${base}.svg`, svg, '--out');
  await writeFileAtomic(`${base}.vl.json`, `${JSON.stringify(vl, null, 1)}\n`, '--out');
  await writeFileAtomic(`${base}.json`, `${JSON.stringify({ metric: f.metric, x, y, cells }, null, 1)}\n`, '--out');
  if (f.json) session.out(`${JSON.stringify({ metric: f.metric, x, y, cells, files: [`${base}.svg`, `${base}.vl.json`, `${base}.json`] })}\n`);
  else session.out(`rfa sweep plot: ${y === null ? `${f.metric} over ${x}` : `heat map of ${f.metric} over ${x} × ${y}`} (${cells.length} cells, ${lines.length} runs${pooled.length ? `; averaged over seeds and ${pooled.join(', ')}` : ''}): wrote ${base}.svg, .vl.json, .json\n`);
}

export function registerSweepCommands(program: Command, session: Session): void {
  const sweep = helpPointer(program.command('sweep').description('sweeps of many configs × seeds: run (every core, shards for array jobs), merge, plot'));

  helpPointer(sweep.command('run').description('run a sweep file (or a preset) into a folder; rerunning skips finished runs and resumes checkpointed ones'))
    .argument('[SWEEP.json]', 'the sweep: { name?, base?, grid?, configs?, seeds, evalAt?, instruments?, checkpoint? }')
    .requiredOption('--out <dir>', 'output folder: sweep.json, runs.ndjson (one line per finished run), checkpoints/')
    .option('--preset <name>', `a preset sweep instead of a file: ${Object.keys(SWEEP_PRESETS).join(', ')}`)
    .option('--workers <n>', 'worker threads (default: one per core)', rangeParser('--workers', { integer: true, min: 1, max: 256 }))
    .option('--shard <I/N>', 'run the I-th of N disjoint shares (0 ≤ I < N); default: from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or AWS_BATCH_JOB_ARRAY_INDEX')
    .option('--shards <N>', 'the number of shares, for schedulers that give only the index (Kubernetes, AWS Batch; or RFA_SHARDS)', rangeParser('--shards', { integer: true, min: 1, max: 1e6 }))
    .addOption(backendOption())
    .option('--retry-failed', 'run again the runs recorded as failed')
    .option('--max-seconds <s>', 'start no run after this many seconds and stop the running ones (checkpointed when the sweep asks); rerun to continue', rangeParser('--max-seconds', { min: 0, max: 1e9, minOpen: true }))
    .option('--json', 'progress as NDJSON on stderr, the outcome as JSON on stdout')
    .option('--no-progress', 'no progress on stderr')
    .action(async (file: string | undefined, f: RunFlags) => sweepRun(file, f, session));

  helpPointer(sweep.command('merge').description("merge shard folders into one: each run once, in the sweep's order; reports runs no folder has"))
    .argument('<dirs...>', 'the shards\' output folders')
    .requiredOption('--out <dir>', 'the merged folder (new, or one of this sweep)')
    .option('--json', 'the outcome as JSON')
    .option('--allow-missing', 'exit 0 even when runs are missing (by default an incomplete merge is written, then exits 1)')
    .action(async (dirs: string[], f: { out: string; json?: boolean; allowMissing?: boolean }) => {
      session.onCleanup(releaseLocks);
      const o = await mergeSweeps(dirs, f.out);
      const incomplete = () => {
        if (o.missing.length === 0 || f.allowMissing) return;
        const e = new Error(`${o.missing.length} of ${o.total} runs are missing from the merge (written to ${o.out}); run their shards again, or pass --allow-missing`);
        e.name = 'IncompleteSweepError';
        throw e;
      };
      if (f.json) {
        session.out(`${JSON.stringify(o)}\n`);
        incomplete();
        return;
      }
      const lines = [`rfa sweep merge: ${o.merged} of ${o.total} runs (${o.ok} ok, ${o.failed} failed) into ${o.out}/runs.ndjson; ${o.duplicates} duplicate line${o.duplicates === 1 ? '' : 's'} dropped`];
      if (o.foreign > 0) lines.push(`  ${o.foreign} line(s) of runs not in this sweep dropped`);
      if (o.missing.length > 0) {
        lines.push(`  MISSING ${o.missing.length} run${o.missing.length === 1 ? '' : 's'} (no folder has them; run their shard again): ${o.missing.slice(0, 10).map((m) => `#${m.index} ${m.id}`).join(', ')}${o.missing.length > 10 ? ', …' : ''}`);
      }
      session.out(`${lines.join('\n')}\n`);
      incomplete();
    });

  helpPointer(sweep.command('plot').description('a heat map over two swept fields (or a line over one) of a measure averaged over seeds: SVG, Vega-Lite spec, JSON'))
    .argument('<dir>', 'a sweep folder (run or merged)')
    .addOption(new Option('--metric <m>', 'excessError = test error − η; flippedFitted; fitStep = step at which half the flipped points are fitted; ...').choices([...SWEEP_METRICS]).default('excessError'))
    .option('--x <field>', 'config field on the x axis (default: the first swept one)')
    .option('--y <field>', 'config field on the y axis (default: the second swept one; none: a line plot)')
    .option('--out <dir>', 'where to write the files (default: the sweep folder)')
    .option('--json', 'print the cells as JSON')
    .action(async (dir: string, f: PlotFlags) => sweepPlot(dir, f, session));

  helpPointer(sweep.command('preset').description('print a preset sweep as JSON (to edit and run as a file), or list them'))
    .argument('[name]', Object.keys(SWEEP_PRESETS).join(', '))
    .action((name: string | undefined) => {
      if (name === undefined) {
        session.out(Object.entries(SWEEP_PRESETS).map(([k, p]) => `${k}: ${p.description}\n  then: rfa sweep plot DIR --x ${p.plot.x} --y ${p.plot.y} --metric ${p.plot.metric}`).join('\n') + '\n');
        return;
      }
      const p = SWEEP_PRESETS[name];
      if (!p) throw new ConfigError('name', name, `one of ${Object.keys(SWEEP_PRESETS).join(', ')}`);
      session.out(`${JSON.stringify(p.sweep, null, 2)}\n`);
    });
}
