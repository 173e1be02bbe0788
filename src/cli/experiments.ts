// The experiment commands: each runs an experiment from src/experiments and writes its JSON, SVG
// and Vega-Lite spec into an rfa output folder; `reproduce` runs them all and writes the report
// folder. The --out folder is checked before anything runs: new, empty, or one rfa wrote.
import { Option, type Command } from 'commander';
import { RANGES } from '../config.js';
import { ConfigError } from '../errors.js';
import { amplification } from '../experiments/amplification.js';
import { experimentFileNames, SEEDS_RANGE, type RunOptions } from '../experiments/common.js';
import { figure1 } from '../experiments/figure1.js';
import { figure2 } from '../experiments/figure2.js';
import { reproduce } from '../experiments/reproduce.js';
import { initSweep, noiseSweep, SCALE_RANGE } from '../experiments/sweeps.js';
import { checkOutputFolder, type OutputFolder } from '../node/files.js';
import { progressBar } from '../node/progress.js';
import { loadRenderer, type VlSpec } from '../plot/render.js';
import type { Backend } from '../train/engine.js';
import { backendOption, fieldParser, helpPointer, listParser, rangeParser, seedOption } from './options.js';
import type { Session } from './session.js';

interface Common { out: string; seed: number; backend: Backend | 'auto'; progress: boolean }


function command(program: Command, name: string, description: string, defaultOut: string): Command {
  return helpPointer(program.command(name).description(description))
    .option('--out <dir>', 'output folder: new, empty, or one rfa wrote before (nothing else in it is touched)', defaultOut)
    .addOption(seedOption(0))
    .addOption(backendOption())
    .option('--no-progress', 'no progress bar on stderr');
}

/** Check --out (and that no file of the user's has the names the experiment will write), then run with a progress bar and the session's signal. */
async function runWith<T>(f: Common, session: Session, label: string, run: (o: RunOptions, folder: OutputFolder) => Promise<T>): Promise<T> {
  const folder = checkOutputFolder('--out', f.out, { names: experimentFileNames(label) });
  await loadRenderer(); // before any run: a missing optional vega is said now, not after the computing
  const bar = progressBar(label, f.progress);
  const unregister = session.onCleanup(() => bar.stop());
  try {
    return await run({ seed: f.seed, backend: f.backend, signal: session.signal, onProgress: (p) => bar.update(p.done, p.total) }, folder);
  } finally {
    bar.stop();
    unregister();
  }
}

async function single(f: Common, session: Session, name: string, run: (o: RunOptions) => Promise<{ spec: VlSpec }>): Promise<void> {
  let folder!: OutputFolder;
  const result = await runWith(f, session, name, (o, out) => {
    folder = out;
    return run(o);
  });
  const { writeExperiment } = await import('../node/report.js'); // vega loads only when a figure is drawn
  const files = await writeExperiment(folder, name, result);
  session.out(`${name}: wrote ${files.join(', ')}\n`);
}

export function registerExperimentCommands(program: Command, session: Session): void {
  command(program, 'figure1', 'Figure 1: the learned decision boundary with 15% flipped labels (d = 2, n = 5000, T = 3000)', 'rfa-out')
    .option('--n <int>', 'training samples', fieldParser('--n', 'data.n'), 5000)
    .option('--d <int>', 'dimension (d > 2 is drawn in the (µ1, µ2) plane)', fieldParser('--d', 'data.d'), 2)
    .option('--steps <int>', 'GD steps', fieldParser('--steps', 'train.steps'), 3000)
    .action(async (f: Common & { n: number; d: number; steps: number }) => single(f, session, 'figure1', (o) => figure1({ ...o, n: f.n, d: f.d, steps: f.steps })));

  command(program, 'figure2', 'Figure 2: accuracy over 10⁵+ steps in the low- and high-dimensional regimes', 'rfa-out')
    .option('--full', 'the full size (10⁶ and 10⁵ steps) instead of the quick one')
    .action(async (f: Common & { full?: boolean }) => single(f, session, 'figure2', (o) => figure2({ ...o, size: f.full ? 'full' : 'quick' })));

  command(program, 'amplification', 'correlation histograms at t = 0, 1, T per neuron set, Conditions 9/10 over time', 'rfa-out')
    .option('--steps <int>', 'how far past T to track the conditions', fieldParser('--steps', 'train.steps'), 300)
    .action(async (f: Common & { steps: number }) => single(f, session, 'amplification', (o) => amplification({ ...o, steps: f.steps })));

  command(program, 'noise-sweep', 'test error against the noise rate η, several seeds each', 'rfa-out')
    .option('--etas <list>', 'noise rates, each in [0, 0.5]', listParser('--etas', RANGES['data.noise.eta']))
    .option('--seeds <int>', 'seeds per η', rangeParser('--seeds', SEEDS_RANGE), 3)
    .action(async (f: Common & { etas?: number[]; seeds: number }) => single(f, session, 'noise-sweep', (o) => noiseSweep({ ...o, etas: f.etas, seeds: f.seeds })));

  command(program, 'init-sweep', "Proposition 2's feature change against ω_init·√(m·d)", 'rfa-out')
    .option('--scales <list>', 'values of ω_init·√(m·d), each > 0', listParser('--scales', SCALE_RANGE))
    .option('--seeds <int>', 'seeds per scale', rangeParser('--seeds', SEEDS_RANGE), 2)
    .action(async (f: Common & { scales?: number[]; seeds: number }) => single(f, session, 'init-sweep', (o) => initSweep({ ...o, scales: f.scales, seeds: f.seeds })));

  command(program, 'reproduce', 'run every experiment and write one report folder (index.html, README.md, SVG, JSON)', 'rfa-report')
    .option('--full', 'the full size (Figure 2 at 10⁶ and 10⁵ steps, more seeds); the default finishes in a few minutes')
    .addOption(new Option('--size <size>', 'quick (default), full, or tiny (a seconds-long smoke test of the pipeline)').choices(['tiny', 'quick', 'full']))
    .action(async (f: Common & { full?: boolean; size?: 'tiny' | 'quick' | 'full' }) => {
      const t0 = performance.now();
      if (f.full && f.size !== undefined && f.size !== 'full') throw new ConfigError('--full', true, `left out with --size ${f.size} (they ask for different sizes)`);
      const folder = checkOutputFolder('--out', f.out, { replace: true });
      await loadRenderer(); // before any run: a missing optional vega is said now, not after the computing
      let bar = progressBar('', false);
      const unregister = session.onCleanup(() => bar.stop());
      let result;
      try {
        result = await reproduce({
          seed: f.seed,
          backend: f.backend,
          signal: session.signal,
          size: f.size ?? (f.full ? 'full' : 'quick'),
          onPart: (name) => {
            bar.stop();
            process.stderr.write(`rfa reproduce: ${name}\n`);
            bar = progressBar(name, f.progress);
          },
          onProgress: (p) => bar.update(p.done, p.total),
        });
      } finally {
        bar.stop();
        unregister();
      }
      const { writeReport } = await import('../node/report.js');
      const dir = await writeReport(folder, result);
      const held = result.claims.filter((c) => c.held).length;
      const lines = [`rfa reproduce (${result.size}): ${held} of ${result.claims.length} claims held, ${((performance.now() - t0) / 1000).toFixed(1)} s`];
      for (const c of result.claims) lines.push(`  ${c.held ? 'held    ' : 'NOT HELD'}  ${c.source}: ${c.claim}\n            ${c.measured}`);
      lines.push(`report: ${dir}/index.html (and README.md)`);
      session.out(lines.join('\n') + '\n');
    });
}
