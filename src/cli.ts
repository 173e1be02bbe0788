#!/usr/bin/env node
// The rfa command line: a thin shell over the API (src/index.ts).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { noiseRate, resolveConfig, type NoiseSpec, type RfaConfig, type RfaConfigInput } from './config.js';
import { datasetFromArrays } from './data.js';
import { ConfigError } from './errors.js';
import { npyToFloat32, npyToLabels } from './npy.js';
import { readJsonFile, readNpyFile, writeFileAtomic, writeNpyFile } from './node/files.js';
import { train, type EvalRecord, type TrainOptions, type TrainResult } from './train/train.js';
import type { EvalSchedule } from './train/schedule.js';
import { registerExperimentCommands } from './cli_experiments.js';
import { progressBar } from './node/progress.js';

const num = (flag: string) => (v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || Number.isNaN(x)) throw new InvalidArgumentError(`${flag} must be a number, got "${v}"`);
  return x;
};

export function parseEvalAt(v: string): EvalSchedule {
  const m = /^(log|every):(\d+)$/.exec(v);
  if (m) return m[1] === 'log' ? { log: Number(m[2]) } : { every: Number(m[2]) };
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (parts.some((p) => !Number.isInteger(p))) throw new InvalidArgumentError(`--eval-at must be log:K, every:K or a comma list of steps, got "${v}"`);
  return parts;
}

interface TrainFlags {
  config?: string;
  seed?: number; n?: number; d?: number; nTest?: number; sigma?: number; muNorm?: number; mu?: string; law?: string;
  noise?: string; eta?: number; rates?: string; strategy?: string; cluster?: number;
  m?: number; omegaInit?: number; dphi0?: number; alpha?: number; steps?: number;
  evalAt?: EvalSchedule; data?: string; labels?: string; init?: string; saveWeights?: string; history?: string;
  json?: boolean; backend?: string; progress?: boolean;
}

/** Merge --config file and flags (flags win) into a config input. */
export function configFromFlags(f: TrainFlags): RfaConfigInput {
  const base = (f.config ? readJsonFile(f.config, '--config') : {}) as RfaConfigInput;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new ConfigError('--config', f.config, 'a JSON object');
  const cfg: RfaConfigInput = { ...base, data: { ...base.data }, model: { ...base.model }, train: { ...base.train } };
  const set = <T extends object>(o: T, k: keyof T, v: unknown) => {
    if (v !== undefined) (o as Record<string, unknown>)[k as string] = v;
  };
  set(cfg, 'seed', f.seed);
  set(cfg.data!, 'n', f.n); set(cfg.data!, 'd', f.d); set(cfg.data!, 'nTest', f.nTest);
  set(cfg.data!, 'sigma', f.sigma); set(cfg.data!, 'muNorm', f.muNorm); set(cfg.data!, 'mu', f.mu); set(cfg.data!, 'law', f.law);
  if (f.noise !== undefined || f.eta !== undefined || f.rates !== undefined || f.strategy !== undefined || f.cluster !== undefined) {
    const prev = (cfg.data!.noise ?? {}) as Record<string, unknown>;
    const mode = f.noise ?? (prev.mode as string | undefined) ?? 'exact';
    const spec: Record<string, unknown> = { mode };
    if (mode === 'per-cluster') spec.rates = f.rates !== undefined ? f.rates.split(',').map(Number) : prev.rates;
    else if (mode !== 'none') spec.eta = f.eta ?? prev.eta ?? 0.15;
    if (mode === 'adversarial') {
      spec.strategy = f.strategy ?? prev.strategy ?? 'closest';
      if (spec.strategy === 'one-cluster') spec.cluster = f.cluster ?? prev.cluster ?? 0;
    }
    cfg.data!.noise = spec as NoiseSpec;
  }
  set(cfg.model!, 'm', f.m); set(cfg.model!, 'omegaInit', f.omegaInit); set(cfg.model!, 'dphi0', f.dphi0);
  set(cfg.train!, 'alpha', f.alpha); set(cfg.train!, 'steps', f.steps);
  return cfg;
}

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(2)}%`);

export function summaryLines(r: TrainResult): string[] {
  const c = r.config;
  const last = r.history[r.history.length - 1]!;
  const first = r.history[0]!;
  return [
    `rfa: two-layer ReLU network, m = ${c.model.m}, on XOR clusters, n = ${c.data.n}, d = ${c.data.d}, ` +
      `σ² = ${c.data.sigma ** 2 === 0 ? 0 : (c.data.sigma ** 2).toPrecision(3)}, noise ${c.data.noise.mode} η = ${noiseRate(c.data.noise)}`,
    `  ω_init = ${c.model.omegaInit.toPrecision(3)}, α = ${c.train.alpha}, T = ${r.steps} steps, seed ${c.seed}`,
    `  train accuracy   clean points ${pct(last.trainAccClean)}   flipped points ${pct(last.trainAccFlipped)}   all ${pct(last.trainAcc)}`,
    `  test accuracy    noisy labels ${pct(last.testAcc)}   clean labels ${pct(last.testAccClean)}   (n_test = ${c.data.nTest})`,
    `  loss             ${first.loss.toFixed(6)} at t = 0  →  ${last.loss.toFixed(6)} at T`,
    `  ‖W‖_F            ${first.weightNorm.toPrecision(4)} at t = 0  →  ${last.weightNorm.toPrecision(4)} at T`,
    `  backend ${r.backend}, ${(r.timeMs / 1000).toFixed(3)} s`,
  ];
}

async function runTrain(f: TrainFlags): Promise<void> {
  const input = configFromFlags(f);
  let config: RfaConfig;
  const opts: TrainOptions = { backend: f.backend as TrainOptions['backend'] };
  if (f.evalAt) opts.evalAt = f.evalAt;
  if ((f.data === undefined) !== (f.labels === undefined)) throw new ConfigError(f.data ? '--labels' : '--data', undefined, 'given together with ' + (f.data ? '--data' : '--labels'));
  if (f.data && f.labels) {
    const xa = readNpyFile(f.data, '--data');
    const x = npyToFloat32(xa, '--data', 2);
    const [n, d] = xa.shape as [number, number];
    const y = npyToLabels(readNpyFile(f.labels, '--labels'), '--labels');
    input.data = { ...input.data, n, d };
    opts.data = { train: datasetFromArrays(x, y, n, d) };
  }
  config = resolveConfig(input);
  if (f.init) {
    const wa = readNpyFile(f.init, '--init');
    const w = npyToFloat32(wa, '--init', 2);
    if (wa.shape[0] !== config.model.m || wa.shape[1] !== config.data.d) {
      throw new ConfigError('--init', `shape (${wa.shape.join(', ')})`, `shape (m, d) = (${config.model.m}, ${config.data.d})`);
    }
    opts.init = w;
  }
  const bar = progressBar('train', f.progress !== false && !f.json);
  opts.onProgress = (p) => bar.update(p.step, p.steps, p.loss);
  const emit = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
  let result: TrainResult;
  try {
    result = await train(config, opts);
  } finally {
    bar.stop();
  }
  if (f.saveWeights) writeNpyFile(f.saveWeights, result.weights, [config.model.m, config.data.d]);
  if (f.history) writeFileAtomic(f.history, JSON.stringify({ config: result.config, backend: result.backend, timeMs: result.timeMs, history: result.history }, null, 1));
  if (f.json) {
    for (const h of result.history) emit({ type: 'eval', ...h });
    emit({ type: 'summary', backend: result.backend, timeMs: result.timeMs, config: result.config, final: result.history.at(-1) as EvalRecord });
  } else {
    for (const l of summaryLines(result)) console.log(l);
  }
}

export function addTrainFlags(cmd: Command): Command {
  return cmd
    .option('--config <file.json>', 'read the config from a JSON file ({ seed, data, model, train }); flags override it')
    .option('--seed <int>', 'random seed (data, init, noise); default 0', num('--seed'))
    .option('--n <int>', 'training samples (data.n); default 200', num('--n'))
    .option('--d <int>', 'input dimension (data.d); default 1000', num('--d'))
    .option('--n-test <int>', 'test samples (data.nTest); default 6000', num('--n-test'))
    .option('--sigma <x>', 'within-cluster std σ (data.sigma); default d^-0.6, i.e. σ² = 1/d^1.2', num('--sigma'))
    .option('--mu-norm <x>', 'signal strength ‖µ‖ (data.muNorm); default 1', num('--mu-norm'))
    .addOption(new Option('--mu <kind>', 'µ1, µ2 = e1, e2 or a random orthonormal pair (data.mu)').choices(['canonical', 'random']))
    .addOption(new Option('--law <law>', 'cluster law P_clust (data.law); default gaussian').choices(['gaussian', 'uniform', 'laplace']))
    .addOption(new Option('--noise <mode>', 'label noise mode (data.noise.mode); default exact').choices(['none', 'independent', 'exact', 'per-cluster', 'adversarial']))
    .option('--eta <x>', 'noise rate η (data.noise.eta); default 0.15', num('--eta'))
    .option('--rates <r0,r1,r2,r3>', 'per-cluster flip rates for +µ1,−µ1,+µ2,−µ2 (with --noise per-cluster)')
    .addOption(new Option('--strategy <s>', 'adversarial flips: closest to the boundary, or one cluster').choices(['closest', 'one-cluster']))
    .option('--cluster <k>', 'cluster 0..3 for --strategy one-cluster', num('--cluster'))
    .option('--m <int>', 'hidden neurons (model.m); default 400', num('--m'))
    .option('--omega-init <x>', 'init scale ω_init (model.omegaInit); default √(0.01/(m·d))', num('--omega-init'))
    .option('--dphi0 <x>', "ReLU subgradient φ'(0) in [0, 1] (model.dphi0); default 0", num('--dphi0'))
    .option('--alpha <x>', 'step size α (train.alpha); default 0.1', num('--alpha'))
    .option('--steps <int>', 'GD steps T (train.steps); default 1 + ⌊1/(4α)⌋', num('--steps'))
    .option('--eval-at <spec>', 'evaluation steps: log:K, every:K, or a comma list (0 and T always)', parseEvalAt)
    .addOption(new Option('--backend <b>', 'kernels: auto (SIMD if supported), simd, scalar, js (float64 reference)').choices(['auto', 'simd', 'scalar', 'js']).default('auto'))
    .option('--no-progress', 'no progress bar on stderr');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('rfa')
    .description(
      'Random feature amplification (Frei, Chatterji, Bartlett, JMLR 2023): train two-layer ReLU networks by\n' +
        'gradient descent on noisy XOR clusters with SIMD WebAssembly kernels, and reproduce the paper.',
    )
    .showHelpAfterError();
  addTrainFlags(program.command('train').description('train one network and print a summary (or NDJSON with --json)'))
    .option('--data <X.npy>', 'training inputs (n, d) float32/float64 instead of sampling them (needs --labels)')
    .option('--labels <y.npy>', 'training labels (n,) of ±1, int8/int32/float')
    .option('--init <W.npy>', 'initial weights W(0) (m, d) instead of the seeded init')
    .option('--save-weights <W.npy>', 'write the final weights W(T) (m, d) float32 (float64 with --backend js)')
    .option('--history <file.json>', 'write the config and evaluation history as JSON')
    .option('--json', 'print NDJSON records to stdout (one per evaluation step, then a summary)')
    .action(async (f: TrainFlags) => runTrain(f));
  registerExperimentCommands(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`rfa: ${err.name === 'Error' ? '' : err.name + ': '}${err.message}\n`);
    process.exitCode = 1;
  }
}

function invokedAsScript(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (invokedAsScript()) void main();
