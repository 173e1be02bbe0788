// SIGKILL at random moments while a process writes weights and history: every time, the folder
// holds either the old pair or the new pair, complete, and after the next run's recovery no stray
// temporary or journal is left. The writer uses the CLI's own output path (src/node/files.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frobeniusNorm, readNpy, Rng, writeNpy } from '../src/index.js';
import { checkOutputFiles } from '../src/node/files.js';

const CHILD = new URL('./fixtures/write-outputs.mjs', import.meta.url).pathname;
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;

/** The version of each file, or a description of what is wrong with it. */
function versions(dir: string): { w: number; h: number } {
  const w = readNpy(readFileSync(join(dir, 'W.npy')), 'W.npy').data as Float32Array;
  const v = w[0]!;
  expect(w.every((x) => x === v), 'every weight of one version').toBe(true);
  const h = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as { version: number };
  return { w: v, h: h.version };
}

async function killAfter(args: string[], delayMs: number, waitReady: boolean): Promise<void> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  if (waitReady) await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited; // reaped: its pid is gone, so recovery may treat its files as stale
}

describe('SIGKILL during writes', () => {
  it('leaves the old or the new weights-and-history pair, never a mix, a partial file or a stray temporary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-kill-'));
    writeFileSync(join(dir, 'W.npy'), writeNpy(new Float32Array(4).fill(0), [4]));
    writeFileSync(join(dir, 'history.json'), JSON.stringify({ version: 0 }));
    const rng = new Rng(20261129, 'aux');
    let next = 1;
    let sawMidCommit = 0;
    for (let round = 0; round < 16; round++) {
      const before = versions(dir);
      expect(before.w).toBe(before.h);
      await killAfter([CHILD, dir, String(next)], Math.floor(rng.uniform() * 250), true);
      // right after the kill: each file is complete on its own (atomic renames) ...
      const now = versions(dir);
      if (now.w !== now.h) sawMidCommit++;
      // ... and the next run's first act (checking its outputs) completes or undoes the commit
      checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }, { flag: '--history', path: join(dir, 'history.json') }]);
      const after = versions(dir);
      expect(after.w, `round ${round}`).toBe(after.h);
      expect(after.w).toBeGreaterThanOrEqual(before.w);
      expect(readdirSync(dir).sort(), `round ${round}: stray files`).toEqual(['W.npy', 'history.json']);
      next = after.w + 1000;
    }
    console.log(`kill test: ${sawMidCommit} of 16 kills landed between the two renames of a commit`);
  }, 120_000);

  it('two writers of the same pair at once take turns: the pair is always one writer’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-race-'));
    for (let round = 0; round < 6; round++) {
      const run = (tag: number) => new Promise<number | null>((resolve) => spawn(process.execPath, [CHILD, dir, String(1 + round * 10), '3', String(tag)], { stdio: 'ignore' }).on('exit', resolve));
      expect(await Promise.all([run(1), run(2)])).toEqual([0, 0]);
      const v = versions(dir);
      expect(v.w, `round ${round}`).toBe(v.h);
      expect(readdirSync(dir).sort()).toEqual(['W.npy', 'history.json']);
    }
  }, 120_000);

  it('a signal during synchronous work before a commit ends the writer with nothing replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-sig-'));
    writeFileSync(join(dir, 'W.npy'), writeNpy(new Float32Array(4).fill(0), [4]));
    writeFileSync(join(dir, 'history.json'), JSON.stringify({ version: 0 }));
    const child = spawn(process.execPath, [CHILD, dir, '7', '1', '0', '--busy'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve())); // it is spinning
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(versions(dir)).toEqual({ w: 0, h: 0 });
    expect(readdirSync(dir).sort()).toEqual(['W.npy', 'history.json']);
  });

  it('rfa train killed at random moments leaves the previous outputs or complete new ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-kill-cli-'));
    const rng = new Rng(7, 'aux');
    const args = (seed: number) => [CLI, 'train', '--n', '50', '--d', '2000', '--m', '400', '--n-test', '0', '--steps', '2', '--seed', String(seed),
      '--save-weights', join(dir, 'W.npy'), '--history', join(dir, 'history.json'), '--no-progress'];
    for (let round = 0; round < 6; round++) {
      await killAfter(args(round), 150 + Math.floor(rng.uniform() * 600), false);
      checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }, { flag: '--history', path: join(dir, 'history.json') }]);
      const files = readdirSync(dir).sort();
      expect(files.length === 0 || files.join() === 'W.npy,history.json', files.join()).toBe(true);
      if (files.length) {
        const h = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
        const w = readNpy(readFileSync(join(dir, 'W.npy')), 'W.npy');
        expect(w.shape).toEqual([400, 2000]);
        const norm = frobeniusNorm(w.data as Float32Array); // the pair belongs together (the kernel-space path computes the norm without W)
        expect(Math.abs(norm - h.history.at(-1).weightNorm)).toBeLessThan(1e-6 * norm);
      }
    }
  }, 120_000);
});
