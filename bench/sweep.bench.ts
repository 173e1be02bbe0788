// How the sweep pool scales: the same sweeps (24 runs, the shape of a quick (η, seed) map; tiny runs of
// about 60 ms and small ones of about 0.3 s) on 1 worker and on one per core, each into a fresh folder,
// timed by tinybench in one process. Reports the time ratio (goal on this 2-core machine: 2 workers ≤ 0.6× of 1) and
// writes bench/results/sweep.md. Usage: npm run bench:sweep
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { runSweep } from '../src/sweep/runner.js';

const SIZES = [
  { label: 'tiny runs', steps: 400, note: 'about 60 ms a run' },
  { label: 'small runs', steps: 2000, note: 'about 0.3 s a run' },
];
const sweepOf = (steps: number) => ({
  name: 'pool scaling bench',
  base: { data: { n: 100, d: 200, nTest: 500, noise: { mode: 'exact', eta: 0.15 } }, model: { m: 100 }, train: { steps } },
  grid: { 'data.noise.eta': [0.05, 0.1, 0.15, 0.2, 0.25, 0.3] },
  seeds: { from: 0, count: 4 },
  evalAt: { log: 8 },
});
const root = mkdtempSync(join(tmpdir(), 'rfa-bench-sweep-'));
let k = 0;
const cores = availableParallelism();
const workerCounts = [...new Set([1, 2, cores])];
const bench = new Bench({ time: 0, iterations: 3, warmup: true, warmupIterations: 1 });
const name = (label: string, w: number) => `${label}, ${w} worker${w === 1 ? '' : 's'}`;
for (const size of SIZES) {
  for (const w of workerCounts) {
    bench.add(name(size.label, w), async () => {
      const o = await runSweep(sweepOf(size.steps), { out: join(root, `run-${k++}`), workers: w });
      if (o.done !== 24 || o.failed !== 0) throw new Error(`the sweep did not finish: ${JSON.stringify(o)}`);
    });
  }
}
await bench.run();
rmSync(root, { recursive: true, force: true });

const ms = (n: string) => (bench.tasks.find((t) => t.name === n)!.result as { latency?: { mean: number } }).latency!.mean;
const lines = [
  `# Sweep pool scaling`,
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} (${arch()}, ${cores} cores), Node ${process.versions.node}.`,
  'Sweeps of 24 runs (n = 100, d = 200, m = 100, 500 test points; 6 noise rates × 4 seeds), each sweep into a fresh folder, the whole',
  'sweep timed (pool start, every run, every line written); mean of 3 timed sweeps after one warm-up (tinybench).',
  'Goal on a 2-core machine: 2 workers take at most 0.6× the time of 1.',
  '',
  '| sweep | workers | ms per sweep | × time of 1 worker | runs per second |',
  '|---|---:|---:|---:|---:|',
  ...SIZES.flatMap((size) => workerCounts.map((w) => {
    const t = ms(name(size.label, w));
    return `| ${size.label} (${size.steps} steps, ${size.note}) | ${w} | ${t.toFixed(0)} | ${(t / ms(name(size.label, 1))).toFixed(3)} | ${(24_000 / t).toFixed(1)} |`;
  })),
  '',
];
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', 'sweep.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
