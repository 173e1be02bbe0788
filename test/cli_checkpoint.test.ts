// rfa train --max-seconds, --checkpoint and --resume as a user runs them: a run stopped by its time
// limit reports what it has and says so; resumed from its checkpoint it ends with the weights and the
// history of an uninterrupted run, byte for byte; bad or foreign checkpoints are named errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'rfa-cli-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args, '--no-progress'], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const run = ['train', '--n', '60', '--d', '30', '--m', '16', '--n-test', '100', '--steps', '300000', '--eval-at', 'log:15', '--seed', '4'];

describe('rfa train --max-seconds / --checkpoint / --resume', () => {
  it('a run stopped by its time limit, resumed (twice) from its checkpoint, ends as the uninterrupted run', () => {
    const whole = cli([...run, '--save-weights', 'W1.npy', '--history', 'h1.json']);
    expect(whole.code, whole.err).toBe(0);
    const part = cli([...run, '--max-seconds', '0.4', '--checkpoint', 'c.ckpt', '--history', 'hp.json']);
    expect(part.code, part.err).toBe(0);
    expect(part.out).toMatch(/STOPPED EARLY at step \d+ of 300000 \(--max-seconds\); the last evaluation, below, is at step \d+/);
    const hp = JSON.parse(readFileSync(join(dir, 'hp.json'), 'utf8')) as { steps: number; stopped: { reason: string; step: number } };
    expect(hp.stopped).toEqual({ reason: 'maxSeconds', step: hp.steps });
    expect(hp.steps).toBeLessThan(300000);
    // one more limited piece, then to the end: the checkpoint's config, evaluation steps and backend are used
    const mid = cli(['train', '--resume', 'c.ckpt', '--max-seconds', '0.4', '--checkpoint', 'c.ckpt']);
    expect(mid.code, mid.err).toBe(0);
    const end = cli(['train', '--resume', 'c.ckpt', '--save-weights', 'W2.npy', '--history', 'h2.json']);
    expect(end.code, end.err).toBe(0);
    expect(end.out).not.toMatch(/STOPPED EARLY/);
    expect(readFileSync(join(dir, 'W2.npy')).equals(readFileSync(join(dir, 'W1.npy')))).toBe(true);
    const h1 = JSON.parse(readFileSync(join(dir, 'h1.json'), 'utf8')) as { history: unknown[]; config: unknown };
    const h2 = JSON.parse(readFileSync(join(dir, 'h2.json'), 'utf8')) as { history: unknown[]; config: unknown };
    expect(h2.history).toEqual(h1.history);
    expect(h2.config).toEqual(h1.config);
  }, 120_000);

  it('a checkpoint of another run, a corrupt one, and misused flags are named errors', () => {
    expect(cli([...run, '--max-seconds', '0.2', '--checkpoint', 'd.ckpt']).code).toBe(0);
    const seed = cli(['train', '--resume', 'd.ckpt', '--seed', '5']);
    expect(seed.code).toBe(1);
    expect(seed.err).toMatch(/resume\.config must be the config of this run/);
    const backend = cli(['train', '--resume', 'd.ckpt', '--backend', 'scalar']);
    expect(backend.err).toMatch(/resume\.backend must be the backend of this run, "scalar"/);
    const bytes = readFileSync(join(dir, 'd.ckpt'));
    writeFileSync(join(dir, 'cut.ckpt'), bytes.subarray(0, bytes.length - 9));
    const cut = cli(['train', '--resume', 'cut.ckpt']);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/CheckpointError: .*cut\.ckpt: not a usable rfa checkpoint/);
    expect(cli(['train', '--resume', 'nope.ckpt']).err).toMatch(/nope\.ckpt: not a usable rfa checkpoint/);
    expect(cli([...run, '--checkpoint-every', '100']).err).toMatch(/--checkpoint-every must be given with --checkpoint FILE/);
    expect(cli([...run, '--max-seconds', '0']).err).toMatch(/--max-seconds must be/);
    expect(cli([...run, '--checkpoint', join(dir, 'no-such', 'x.ckpt')]).err).toMatch(/--checkpoint/);
  }, 120_000);
});
