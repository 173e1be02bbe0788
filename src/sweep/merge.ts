// Merging the output folders of a sweep's shards (one per machine or array task) into one: every
// result line once (a run id found twice keeps one line, an ok line over a failed one), in the sweep's
// order, and the runs that no folder has, by id.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lockResults } from './lock.js';
import { ConfigError } from '../errors.js';
import { readJsonFile, writeFileAtomic } from '../node/files.js';
import { makeFolder, readResults, SWEEP_FILE } from './runner.js';
import { expandSweep, parseSweep, sweepHash, type SweepSpec } from './spec.js';
import type { RunLine } from './summary.js';

export interface MergeOutcome {
  out: string;
  /** runs in the sweep */
  total: number;
  /** lines written (one per run found) */
  merged: number;
  ok: number;
  failed: number;
  /** lines dropped because another folder (or an earlier line) had the run already */
  duplicates: number;
  /** runs of the sweep that no folder has: id and place in the sweep */
  missing: { id: string; index: number }[];
  /** lines whose id is not a run of this sweep (dropped) */
  foreign: number;
}

/** The sweep a folder holds (its sweep.json). */
export async function folderSweep(dir: string): Promise<SweepSpec> {
  const file = join(dir, SWEEP_FILE);
  if (!existsSync(file)) throw new ConfigError('folder', dir, `a sweep output folder (it has no ${SWEEP_FILE})`);
  const held = (await readJsonFile(file, `${SWEEP_FILE} of ${dir}`)) as { sweep?: unknown };
  try {
    return parseSweep(held?.sweep);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.field}`, e.value, e.allowed);
    throw e;
  }
}

export async function mergeSweeps(inputs: readonly string[], out: string): Promise<MergeOutcome> {
  if (inputs.length === 0) throw new ConfigError('folders', inputs, 'at least one sweep output folder');
  const specs = await Promise.all(inputs.map(folderSweep));
  const hash = sweepHash(specs[0]!);
  specs.forEach((s, i) => {
    if (sweepHash(s) !== hash) throw new ConfigError('folders', inputs[i], `folders of one sweep: ${inputs[i]} holds another sweep than ${inputs[0]}`);
  });
  // the output: a folder of this sweep (new, or one of this sweep), not while a sweep appends to it (its
  // lines would go to the file this merge replaces); what it holds already is one more input
  makeFolder(out, '--out');
  const lock = lockResults(join(out, 'runs.ndjson'), '--out');
  try {
    const outIsSweep = existsSync(join(out, SWEEP_FILE));
    if (outIsSweep && sweepHash(await folderSweep(out)) !== hash) throw new ConfigError('--out', out, 'a new folder, or one of this sweep (it holds another sweep)');
    if (!outIsSweep) {
      const other = readdirSync(out).filter((f) => !f.startsWith('.') && f !== 'runs.ndjson.lock');
      if (other.length > 0) throw new ConfigError('--out', out, `a new or empty folder, or one of this sweep (it holds ${other.slice(0, 3).join(', ')})`);
    }
    const dirs = outIsSweep && !inputs.some((d) => resolve(d) === resolve(out)) ? [...inputs, out] : [...inputs];
    const runs = expandSweep(specs[0]!);
    const index = new Map(runs.map((r) => [r.id, r.index]));
    const best = new Map<string, RunLine>();
    let duplicates = 0, foreign = 0;
    for (const d of dirs) {
      for (const line of readResults(d).lines.values()) {
        if (!index.has(line.id)) {
          foreign++;
          continue;
        }
        const had = best.get(line.id);
        if (had) {
          duplicates++;
          if (had.status === 'ok' || line.status !== 'ok') continue;
        }
        best.set(line.id, line);
      }
    }
    return await writeMerged(out, hash, specs[0]!, runs, best, { duplicates, foreign });
  } finally {
    lock.release();
  }
}

async function writeMerged(out: string, hash: string, spec: SweepSpec, runs: { id: string; index: number }[], best: Map<string, RunLine>, counts: { duplicates: number; foreign: number }): Promise<MergeOutcome> {
  const { duplicates, foreign } = counts;
  const index = new Map(runs.map((r) => [r.id, r.index]));
  const outSweep = join(out, SWEEP_FILE);
  const ordered = [...best.values()].sort((a, b) => index.get(a.id)! - index.get(b.id)!);
  const text = ordered.map((l) => JSON.stringify(l)).join('\n') + (ordered.length ? '\n' : '');
  // sweep.json last: a folder with it is a complete merge (an interrupted merge leaves none, and is redone)
  await writeFileAtomic(join(out, 'runs.ndjson'), text, '--out');
  if (!existsSync(outSweep)) await writeFileAtomic(outSweep, `${JSON.stringify({ rfa: 'sweep', version: 1, hash, sweep: spec }, null, 2)}\n`, '--out');
  const missing = runs.filter((r) => !best.has(r.id)).map((r) => ({ id: r.id, index: r.index }));
  return {
    out, total: runs.length, merged: ordered.length, ok: ordered.filter((l) => l.status === 'ok').length,
    failed: ordered.filter((l) => l.status === 'failed').length, duplicates, missing, foreign,
  };
}
