// The built CLI (dist/cli.js, made by `npm run build`, which `npm test` runs first).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, resolveConfig, sampleProblem, trainSync, writeNpy } from '../src/index.js';
import { expectBitEqual } from './helpers.js';

const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const small = ['--n', '40', '--d', '30', '--m', '16', '--n-test', '100', '--seed', '5'];

describe('rfa train', () => {
  it('prints the summary', () => {
    const r = run(['train', ...small]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/train accuracy\s+clean points [\d.]+%\s+flipped points [\d.]+%/);
    expect(r.stdout).toMatch(/test accuracy\s+noisy labels [\d.]+%\s+clean labels [\d.]+%/);
    expect(r.stdout).toMatch(/‖W‖_F/);
    expect(r.stdout).toMatch(/backend simd, (primal|kernel-space) path, \d+ threads?, [\d.]+ s/);
  });

  it('--json prints NDJSON that matches the API run bit for bit', () => {
    const r = run(['train', ...small, '--json', '--eval-at', '1,2', '--steps', '6']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['eval', 'eval', 'eval', 'eval', 'summary']);
    expect(lines.slice(0, 4).map((l) => l.step)).toEqual([0, 1, 2, 6]);
    const api = trainSync({ seed: 5, data: { n: 40, d: 30, nTest: 100 }, model: { m: 16 }, train: { steps: 6 } });
    expect(lines[3].loss).toBe(api.history.at(-1)!.loss);
  });

  it('starts from .npy data and weights and writes weights and history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-cli-'));
    const cfg = resolveConfig({ seed: 9, data: { n: 40, d: 30, nTest: 0 }, model: { m: 16 } });
    const p = sampleProblem(cfg);
    writeFileSync(join(dir, 'X.npy'), writeNpy(p.train.x, [40, 30]));
    writeFileSync(join(dir, 'y.npy'), writeNpy(p.train.y, [40]));
    const w0 = Float64Array.from({ length: 16 * 30 }, (_, i) => Math.sin(i) * 0.01);
    writeFileSync(join(dir, 'W0.npy'), writeNpy(w0, [16, 30]));
    const r = run(['train', '--m', '16', '--data', join(dir, 'X.npy'), '--labels', join(dir, 'y.npy'),
      '--init', join(dir, 'W0.npy'), '--save-weights', join(dir, 'W.npy'), '--history', join(dir, 'h.json')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const w = readNpy(readFileSync(join(dir, 'W.npy')));
    expect(w.shape).toEqual([16, 30]);
    const api = trainSync(cfg, { data: { train: p.train, test: null }, init: w0 });
    expectBitEqual(w.data as Float32Array, api.weights, 'W(T) from the CLI vs the API');
    const h = JSON.parse(readFileSync(join(dir, 'h.json'), 'utf8'));
    expect(h.history.at(-1).step).toBe(3);
    expect(h.history.at(-1).trainAccClean).toBe(null); // clean labels unknown for .npy data
  });

  it('reads --config and lets flags override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-cli-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ seed: 5, data: { n: 40, d: 30, nTest: 100 }, model: { m: 16 }, train: { steps: 9 } }));
    const r = run(['train', '--config', join(dir, 'c.json'), '--steps', '4', '--json']);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(last.config.train.steps).toBe(4);
    expect(last.config.data.d).toBe(30);
  });

  it.each([
    [['train', '--alpha', '-1'], /--alpha must be a finite number in \(0, 1e\+30\], got -1/],
    [['train', '--n', 'ten'], /--n must be an integer in \[1, 2147483647\], got "ten"/],
    [['train', '--law', 'cauchy'], /argument 'cauchy' is invalid/],
    [['train', '--data', '/nonexistent/X.npy', '--labels', '/nonexistent/y.npy'], /--data must be a readable .npy file/],
    [['train', '--data', '/nonexistent/X.npy'], /--labels must be given together with --data/],
    [['train', '--config', '/nonexistent.json'], /--config must be a readable JSON file/],
  ])('bad input %j exits 1 with a clear message', (args, msg) => {
    const r = run(args as string[]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(msg);
  });

  it('does not leave a half-written file when the run fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfa-cli-'));
    const r = run(['train', '--n', '30', '--d', '10', '--m', '8', '--n-test', '10', '--mu-norm', '1e17', '--omega-init', '1', '--alpha', '1e18', '--steps', '50', '--save-weights', join(dir, 'W.npy')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/NonFiniteLossError: training loss became .* at step \d+/);
    expect(existsSync(join(dir, 'W.npy'))).toBe(false);
  });

  it('--help documents every command and flag', () => {
    const help = execFileSync(process.execPath, [CLI, 'train', '--help'], { encoding: 'utf8' });
    for (const flag of ['--config', '--seed', '--n', '--d', '--n-test', '--sigma', '--mu-norm', '--mu', '--law', '--noise', '--eta', '--rates',
      '--strategy', '--cluster', '--m', '--omega-init', '--dphi0', '--alpha', '--steps', '--eval-at', '--backend', '--data', '--labels', '--init',
      '--save-weights', '--history', '--json']) {
      expect(help).toContain(flag + ' ');
    }
  });
});
