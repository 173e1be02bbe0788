// Experiment subcommands: each runs an experiment from src/experiments and writes its JSON and SVG;
// `reproduce` runs them all and writes the report folder.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { amplification } from './experiments/amplification.js';
import type { RunOptions } from './experiments/common.js';
import { figure1 } from './experiments/figure1.js';
import { figure2 } from './experiments/figure2.js';
import { reproduce } from './experiments/reproduce.js';
import { initSweep, noiseSweep } from './experiments/sweeps.js';
import { writeExperiment, writeReport } from './node/report.js';
import { progressBar } from './node/progress.js';
import type { Backend } from './train/engine.js';

interface Common { out: string; seed: number; backend: Backend | 'auto'; progress: boolean }

const int = (flag: string) => (v: string): number => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new InvalidArgumentError(`${flag} must be a non-negative integer, got "${v}"`);
  return x;
};
const list = (flag: string) => (v: string): number[] => {
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`${flag} must be a comma list of numbers, got "${v}"`);
  return xs;
};

function common(cmd: Command, defaultOut: string): Command {
  return cmd
    .option('--out <dir>', 'output folder', defaultOut)
    .option('--seed <int>', 'random seed', int('--seed'), 0)
    .addOption(new Option('--backend <b>', 'kernels').choices(['auto', 'simd', 'scalar', 'js']).default('auto'))
    .option('--no-progress', 'no progress bar on stderr');
}

function runOpts(f: Common, label: string): { opts: RunOptions; done: () => void } {
  const bar = progressBar(label, f.progress);
  return { opts: { seed: f.seed, backend: f.backend, onProgress: (p) => bar.update(p.done, p.total) }, done: () => bar.stop() };
}

async function single(f: Common, name: string, run: (o: RunOptions) => Promise<{ spec: never } | { spec: unknown }>): Promise<void> {
  const { opts, done } = runOpts(f, name);
  let result;
  try {
    result = await run(opts);
  } finally {
    done();
  }
  const files = await writeExperiment(f.out, name, result as never);
  console.log(`${name}: wrote ${files.join(', ')}`);
}

export function registerExperimentCommands(program: Command): void {
  common(program.command('figure1').description('Figure 1: the learned decision boundary with 15% flipped labels (d = 2, n = 5000, T = 3000)'), 'rfa-out')
    .option('--n <int>', 'training samples', int('--n'), 5000)
    .option('--d <int>', 'dimension (d > 2 is drawn in the (µ1, µ2) plane)', int('--d'), 2)
    .option('--steps <int>', 'GD steps', int('--steps'), 3000)
    .action(async (f: Common & { n: number; d: number; steps: number }) => single(f, 'figure1', (o) => figure1({ ...o, n: f.n, d: f.d, steps: f.steps })));

  common(program.command('figure2').description('Figure 2: accuracy over 10⁵+ steps in the low- and high-dimensional regimes'), 'rfa-out')
    .option('--full', 'the full size (10⁶ and 10⁵ steps) instead of the quick one')
    .action(async (f: Common & { full?: boolean }) => single(f, 'figure2', (o) => figure2({ ...o, size: f.full ? 'full' : 'quick' })));

  common(program.command('amplification').description('correlation histograms at t = 0, 1, T per neuron set, Conditions 9/10 over time'), 'rfa-out')
    .option('--steps <int>', 'how far past T to track the conditions', int('--steps'), 300)
    .action(async (f: Common & { steps: number }) => single(f, 'amplification', (o) => amplification({ ...o, steps: f.steps })));

  common(program.command('noise-sweep').description('test error against the noise rate η, several seeds each'), 'rfa-out')
    .option('--etas <list>', 'noise rates', list('--etas'))
    .option('--seeds <int>', 'seeds per η', int('--seeds'), 3)
    .action(async (f: Common & { etas?: number[]; seeds: number }) => single(f, 'noise-sweep', (o) => noiseSweep({ ...o, etas: f.etas, seeds: f.seeds })));

  common(program.command('init-sweep').description("Proposition 2's feature change against ω_init·√(m·d)"), 'rfa-out')
    .option('--scales <list>', 'values of ω_init·√(m·d)', list('--scales'))
    .option('--seeds <int>', 'seeds per scale', int('--seeds'), 2)
    .action(async (f: Common & { scales?: number[]; seeds: number }) => single(f, 'init-sweep', (o) => initSweep({ ...o, scales: f.scales, seeds: f.seeds })));

  common(program.command('reproduce').description('run every experiment and write one report folder (index.html, README.md, SVG, JSON)'), 'rfa-report')
    .option('--full', 'the full size (Figure 2 at 10⁶ and 10⁵ steps, more seeds); the default finishes in a few minutes')
    .addOption(new Option('--size <size>', 'quick (default), full, or tiny (a seconds-long smoke test of the pipeline)').choices(['tiny', 'quick', 'full']))
    .action(async (f: Common & { full?: boolean; size?: 'tiny' | 'quick' | 'full' }) => {
      const t0 = performance.now();
      let bar = progressBar('', false);
      const { opts } = runOpts({ ...f, progress: false }, 'reproduce');
      const result = await reproduce({
        ...opts,
        size: f.size ?? (f.full ? 'full' : 'quick'),
        onPart: (name) => {
          bar.stop();
          process.stderr.write(`rfa reproduce: ${name}\n`);
          bar = progressBar(name, f.progress);
        },
        onProgress: (p) => bar.update(p.done, p.total),
      });
      bar.stop();
      const dir = await writeReport(f.out, result);
      const held = result.claims.filter((c) => c.held).length;
      console.log(`rfa reproduce (${result.size}): ${held} of ${result.claims.length} claims held, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      for (const c of result.claims) console.log(`  ${c.held ? 'held    ' : 'NOT HELD'}  ${c.source}: ${c.claim}\n            ${c.measured}`);
      console.log(`report: ${dir}/index.html (and README.md)`);
    });
}
