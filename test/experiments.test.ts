// The experiments and the report at toy sizes: every part runs, writes valid JSON and SVG, and the
// report folder appears only when complete.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figure1 } from '../src/experiments/figure1.js';
import { figure2 } from '../src/experiments/figure2.js';
import { amplification } from '../src/experiments/amplification.js';
import { initSweep, noiseSweep } from '../src/experiments/sweeps.js';
import { reproduce } from '../src/experiments/reproduce.js';
import { renderSvg } from '../src/plot/render.js';
import { writeReport } from '../src/node/report.js';

describe('experiments at toy sizes', () => {
  it('figure1: decision regions cover the plane and flipped points are marked', async () => {
    const r = await figure1({ n: 600, steps: 100, grid: 40 });
    expect(r.points.some((p) => p.flipped)).toBe(true);
    expect(r.grid.length).toBeGreaterThan(40); // at least one run per grid row
    const area = r.grid.reduce((s, g) => s + (g.u2 - g.u) * (g.v2 - g.v), 0);
    const side = r.grid.at(-1)!.v2 - r.grid[0]!.v;
    expect(area).toBeCloseTo(side * side, 3);
    // the XOR boundary: the plane's four corners along µ1 predict +1, along µ2 predict −1
    const at = (u: number, v: number) => r.grid.find((g) => g.u <= u && u < g.u2 && g.v <= v && v < g.v2)!.pred;
    expect(at(1, 0.01)).toBe(1);
    expect(at(-1, 0.01)).toBe(1);
    expect(at(0.01, 1)).toBe(-1);
    expect(at(0.01, -1)).toBe(-1);
    expect((await renderSvg(r.spec)).startsWith('<svg')).toBe(true);
  });

  it('figure1 in d > 2 draws the (µ1, µ2) plane', async () => {
    const r = await figure1({ n: 300, d: 50, steps: 20, grid: 20 });
    expect(r.config.data.d).toBe(50);
    expect(r.theorem1.cleanTrainAcc).toBeGreaterThan(0.9);
  });

  it('figure2 records both panels on a log axis', async () => {
    const r = await figure2({ panels: [{ name: 'low', n: 60, d: 4, steps: 300 }, { name: 'high', n: 10, d: 100, steps: 300 }], points: 10 });
    expect(r.panels).toHaveLength(2);
    for (const p of r.panels) {
      expect(p.history[0]!.step).toBe(0);
      expect(p.history.at(-1)!.step).toBe(300);
      expect(p.history.length).toBeGreaterThan(8);
    }
  });

  it('amplification reports both settings with conditions at each step', async () => {
    const r = await amplification({ n: 80, d: 300, steps: 10 });
    expect(r.settings.map((s) => s.setting)).toEqual(['appendix-e', 'theory']);
    for (const s of r.settings) {
      expect(s.conditions.map((c) => c.step)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(s.amplification).toHaveLength(4);
      expect(s.proposition2.min).toBeGreaterThan(0);
    }
    const th = r.settings[1]!;
    expect(th.medianT1).toBeGreaterThan(th.medianT0);
  });

  it('the sweeps produce one row per (value, seed)', async () => {
    const ns = await noiseSweep({ etas: [0, 0.2], seeds: 2, n: 60, d: 200, nTest: 500 });
    expect(ns.rows).toHaveLength(4);
    expect(ns.rows.find((r) => r.eta === 0)!.testError).toBeLessThan(0.05);
    const is = await initSweep({ scales: [0.01, 1], seeds: 1, n: 60, d: 200 });
    expect(is.rows).toHaveLength(2);
    expect(is.rows[0]!.minRatio).toBeGreaterThan(is.rows[1]!.minRatio);
  });
});

describe('rfa reproduce', () => {
  it('writes the whole folder atomically, with a claims table', async () => {
    const r = await reproduce({ size: 'tiny' });
    expect(r.claims.length).toBeGreaterThanOrEqual(16);
    for (const c of r.claims) {
      expect(typeof c.held).toBe('boolean');
      expect(c.measured.length).toBeGreaterThan(10);
    }
    const dir = join(mkdtempSync(join(tmpdir(), 'rfa-rep-')), 'report');
    await writeReport(dir, r);
    const files = readdirSync(dir).sort();
    for (const f of ['README.md', 'index.html', 'claims.json', 'reproduce.json', 'figure1.svg', 'figure2.svg', 'amplification.svg', 'noise-sweep.svg', 'init-sweep.svg', 'figure1.json']) {
      expect(files).toContain(f);
    }
    expect(readFileSync(join(dir, 'figure2.svg'), 'utf8').startsWith('<svg')).toBe(true);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<img src="figure1.svg"');
    expect(html).toContain('smoke test');
    expect(JSON.parse(readFileSync(join(dir, 'claims.json'), 'utf8'))).toHaveLength(r.claims.length);
    expect(readdirSync(join(dir, '..')).filter((f) => f.includes('partial'))).toEqual([]);
    // writing again replaces the folder
    await writeReport(dir, r);
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
  });

  it('the package entry points resolve by name (rfa, rfa/metrics, rfa/experiments)', () => {
    const code = "const a = await import('rfa'); const b = await import('rfa/metrics'); const c = await import('rfa/experiments');" +
      "console.log(typeof a.train, typeof b.condition9, typeof c.reproduce, typeof a.lemma3)";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function function');
  });

  it('the CLI runs an experiment subcommand and writes its files', () => {
    const out = mkdtempSync(join(tmpdir(), 'rfa-cli-exp-'));
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [cli, 'figure1', '--n', '300', '--steps', '20', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.rfa-output.json', 'figure1.json', 'figure1.svg', 'figure1.vl.json']);
    const bad = spawnSync(process.execPath, [cli, 'noise-sweep', '--seeds', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--seeds must be an integer in \[1, 1000\], got "x"/);
  });
});
