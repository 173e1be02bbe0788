// The package as a user installs it, outside this repository (so nothing resolves from its
// node_modules): its dependencies only, without the optional peers vega and vega-lite. Training, the
// plot specs and the JSON all work; a command that draws SVG figures says what to install before it
// computes anything.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedPackage } from './browser_helpers.js';

describe('installed without the optional vega and vega-lite', () => {
  const base = installedPackage(mkdtempSync(join(tmpdir(), 'rfa-installed-')));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const cli = join(base, 'node_modules', 'rfa', 'dist', 'cli', 'main.js');
  const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: base, encoding: 'utf8' });

  it('vega is really absent there', () => {
    expect(existsSync(join(base, 'node_modules', 'vega'))).toBe(false);
    const r = spawnSync(process.execPath, ['-e', "import('vega').then(() => console.log('found'), () => console.log('missing'))"], { cwd: base, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('missing');
  });

  it('rfa train works; the plot specs and the library import without vega', () => {
    const r = run(['train', '--n', '50', '--d', '20', '--steps', '5', '--n-test', '20', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).config.train.steps).toBe(5);
    writeFileSync(join(base, 'use.mjs'), `import { figure2Spec } from 'rfa/plots';
import { trainSync } from 'rfa';
import { networkOutputs } from 'rfa/metrics';
const r = trainSync({ seed: 1, data: { n: 40, d: 10, nTest: 10 }, train: { steps: 3 } });
const spec = figure2Spec([{ panel: 'p', step: 1, series: 'test', accuracy: 0.8 }], 't');
console.log(JSON.stringify({ schema: spec.$schema, f: networkOutputs(r.problem.test.x, 10, 10, r.weights, r.a, r.backend).length }));
`);
    const u = spawnSync(process.execPath, [join(base, 'use.mjs')], { cwd: base, encoding: 'utf8' });
    expect(u.stderr).toBe('');
    expect(JSON.parse(u.stdout)).toEqual({ schema: 'https://vega.github.io/schema/vega-lite/v6.json', f: 10 });
  });

  it('rfa sweep run works from the installed package (its worker file and piscina found there); sweep plot says what to install', () => {
    const sweep = join(base, 'sweep.json');
    writeFileSync(sweep, JSON.stringify({ base: { data: { n: 30, d: 20, nTest: 50 }, model: { m: 8 }, train: { steps: 20 } }, grid: { 'data.d': [10, 40] }, seeds: [1, 2] }));
    const r = run(['sweep', 'run', sweep, '--out', join(base, 'sweep-out'), '--workers', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'outcome', total: 4, done: 4, failed: 0 });
    const p = run(['sweep', 'plot', join(base, 'sweep-out')]);
    expect(p.status).toBe(1);
    expect(p.stderr).toMatch(/RendererMissingError/);
  });

  it.each([['figure1', '--steps', '5'], ['reproduce', '--size', 'tiny']])('rfa %s says what to install, before computing, and writes nothing', (...args) => {
    const out = join(base, `out-${args[0]}`);
    const t0 = Date.now();
    const r = run([...args, '--out', out, '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^rfa: RendererMissingError: drawing the figures as SVG needs the optional packages vega and vega-lite: npm install vega@\^6\.2\.0 vega-lite@\^6\.4\.3/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(!existsSync(out) || readdirSync(out).length === 0).toBe(true);
  });
});
