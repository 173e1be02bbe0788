// `rfa train`: one run from flags (and an optional --config file), with its summary, NDJSON records
// streamed as they are made (--json), and its outputs (--save-weights, --history) written together
// at the end. Everything is checked before training starts: the config, every input file, and every
// output path.
import { Option, type Command } from 'commander';
import { DEFAULT_ETA, isPlainObject, noiseRate, RANGES, type RfaConfigInput } from '../config.js';
import { datasetFromArrays, type XorDataset } from '../data.js';
import { ConfigError } from '../errors.js';
import { npyToFloat32, npyToLabels, writeNpy } from '../npy.js';
import { checkOutputFiles, readJsonFile, readNpyFile, writeOutputs } from '../node/files.js';
import { progressBar } from '../node/progress.js';
import { train, type TrainOptions, type TrainResult } from '../train/train.js';
import type { Backend, StepPath } from '../train/engine.js';
import type { EvalSchedule } from '../train/schedule.js';
import { backendOption, fieldParser, helpPointer, listParser, parseEvalAt, pct, rangeParser, seedOption, threadsOption } from './options.js';
import { loadCheckpoint, saveCheckpoint } from '../node/checkpoint.js';
import type { Session } from './session.js';

export interface TrainFlags {
  config?: string;
  seed?: number; n?: number; d?: number; nTest?: number; sigma?: number; muNorm?: number; mu?: string; law?: string;
  noise?: string; eta?: number; rates?: number[]; strategy?: string; cluster?: number;
  m?: number; omegaInit?: number; dphi0?: number; alpha?: number; steps?: number;
  evalAt?: EvalSchedule; data?: string; labels?: string; testData?: string; testLabels?: string; init?: string;
  saveWeights?: string; history?: string; json?: boolean; backend: Backend | 'auto'; path: StepPath | 'auto'; threads: number | 'auto'; progress?: boolean;
  maxSeconds?: number; checkpoint?: string; checkpointEvery?: number; checkpointSeconds?: number; resume?: string;
}

/** The flags that shape sampled data: none of them applies to --data. */
const SAMPLING_FLAGS = [['nTest', '--n-test'], ['sigma', '--sigma'], ['muNorm', '--mu-norm'], ['mu', '--mu'], ['law', '--law'],
  ['noise', '--noise'], ['eta', '--eta'], ['rates', '--rates'], ['strategy', '--strategy'], ['cluster', '--cluster']] as const;

/** The noise spec the flags ask for, on top of the config file's; a noise flag that does not apply is refused. */
function noiseFromFlags(f: TrainFlags, prev: Record<string, unknown>): Record<string, unknown> | undefined {
  if (f.noise === undefined && f.eta === undefined && f.rates === undefined && f.strategy === undefined && f.cluster === undefined) return undefined;
  const mode = f.noise ?? (typeof prev.mode === 'string' ? prev.mode : 'exact');
  const same = mode === prev.mode; // the file's other noise fields belong to its mode only
  const was = `the noise mode is "${mode}"`;
  if (f.eta !== undefined && mode !== 'independent' && mode !== 'exact' && mode !== 'adversarial') {
    throw new ConfigError('--eta', f.eta, `given only with --noise independent, exact or adversarial (${was})`);
  }
  if (f.rates !== undefined && mode !== 'per-cluster') throw new ConfigError('--rates', f.rates.join(','), `given only with --noise per-cluster (${was})`);
  if (f.strategy !== undefined && mode !== 'adversarial') throw new ConfigError('--strategy', f.strategy, `given only with --noise adversarial (${was})`);
  const spec: Record<string, unknown> = { mode };
  if (mode === 'per-cluster') spec.rates = f.rates ?? (same ? prev.rates : undefined);
  else if (mode !== 'none') spec.eta = f.eta ?? (same && prev.eta !== undefined ? prev.eta : DEFAULT_ETA);
  // strategy and cluster left out take resolveConfig's defaults ("closest"; cluster 0)
  const strategy = mode === 'adversarial' ? f.strategy ?? (same ? prev.strategy : undefined) ?? 'closest' : undefined;
  if (mode === 'adversarial' && (f.strategy !== undefined || (same && prev.strategy !== undefined))) spec.strategy = strategy;
  if (f.cluster !== undefined && strategy !== 'one-cluster') {
    throw new ConfigError('--cluster', f.cluster, `given only with --noise adversarial --strategy one-cluster (${mode === 'adversarial' ? `the strategy is "${String(strategy)}"` : was})`);
  }
  if (strategy === 'one-cluster') {
    const cluster = f.cluster ?? (same ? prev.cluster : undefined);
    if (cluster !== undefined) spec.cluster = cluster;
  }
  return spec;
}

/** Merge a --config object and the flags (flags win) into a config input; the object is not changed. */
export function configFromFlags(f: TrainFlags, base: Record<string, unknown> = {}): RfaConfigInput {
  const section = (k: string): Record<string, unknown> => {
    const v = base[k];
    if (v === undefined) return {};
    if (!isPlainObject(v)) throw new ConfigError(`--config: ${k}`, v, 'an object');
    return { ...v };
  };
  const data = section('data'), model = section('model'), trn = section('train');
  const cfg: Record<string, unknown> = { ...base, data, model, train: trn };
  const set = (o: Record<string, unknown>, k: string, v: unknown) => {
    if (v !== undefined) o[k] = v;
  };
  set(cfg, 'seed', f.seed);
  set(data, 'n', f.n); set(data, 'd', f.d); set(data, 'nTest', f.nTest);
  set(data, 'sigma', f.sigma); set(data, 'muNorm', f.muNorm); set(data, 'mu', f.mu); set(data, 'law', f.law);
  const prevNoise = data.noise === undefined ? {} : isPlainObject(data.noise) ? data.noise : null;
  if (prevNoise === null) throw new ConfigError('--config: data.noise', data.noise, 'an object');
  set(data, 'noise', noiseFromFlags(f, prevNoise));
  set(model, 'm', f.m); set(model, 'omegaInit', f.omegaInit); set(model, 'dphi0', f.dphi0);
  set(trn, 'alpha', f.alpha); set(trn, 'steps', f.steps);
  return cfg as RfaConfigInput;
}

/** A labelled set from two .npy files: n and d come from X. */
async function readSet(xFlag: string, xPath: string, yFlag: string, yPath: string, field: string): Promise<XorDataset> {
  const xa = await readNpyFile(xPath, xFlag);
  const x = npyToFloat32(xa, xFlag, 2);
  const [n, d] = xa.shape as [number, number];
  const y = npyToLabels(await readNpyFile(yPath, yFlag), yFlag);
  if (y.length !== n) throw new ConfigError(yFlag, `${y.length} labels`, `one label per row of ${xFlag} (${n})`);
  return datasetFromArrays(x, y, n, d, field);
}

/** Both flags of a pair or neither. */
function pair(a: [string, unknown], b: [string, unknown]): boolean {
  if ((a[1] === undefined) !== (b[1] === undefined)) {
    const [given, missing] = a[1] === undefined ? [b, a] : [a, b];
    throw new ConfigError(missing[0], undefined, `given together with ${given[0]}`);
  }
  return a[1] !== undefined;
}

/** A flag that states a size the files fix must agree with them. */
function agree(flag: string, v: number | undefined, actual: number, source: string): void {
  if (v !== undefined && v !== actual) throw new ConfigError(flag, v, `equal to ${source} (${actual}), or left out`);
}

/** Read the input files and fold what they fix (n, d from --data, m from --init) into the run. */
async function inputsFromFiles(f: TrainFlags, input: RfaConfigInput, opts: TrainOptions): Promise<RfaConfigInput> {
  const cfg = input as { data: Record<string, unknown>; model: Record<string, unknown> };
  if (pair(['--data', f.data], ['--labels', f.labels])) {
    for (const [key, flag] of SAMPLING_FLAGS) {
      if (f[key] !== undefined) throw new ConfigError(flag, f[key], 'left out with --data: it shapes sampled data, and --data gives the data itself');
    }
    const trainSet = await readSet('--data', f.data!, '--labels', f.labels!, 'data.train');
    agree('--n', f.n, trainSet.n, 'the rows of --data');
    agree('--d', f.d, trainSet.d, 'the columns of --data');
    let test: XorDataset | null = null;
    if (pair(['--test-data', f.testData], ['--test-labels', f.testLabels])) {
      test = await readSet('--test-data', f.testData!, '--test-labels', f.testLabels!, 'data.test');
      agree('--test-data', test.d, trainSet.d, 'the columns of --data');
    }
    opts.data = { train: trainSet, test };
    // a --config file's n and d are checked against the data by train(); its sampling fields describe
    // data that is not drawn: refused, as the flags are
    for (const k of ['nTest', 'sigma', 'muNorm', 'mu', 'law', 'noise']) {
      if (cfg.data[k] !== undefined) throw new ConfigError(`--config: data.${k}`, cfg.data[k], 'left out with --data: it shapes sampled data, and --data gives the data itself');
    }
  } else if (f.testData !== undefined || f.testLabels !== undefined) {
    throw new ConfigError(f.testData !== undefined ? '--test-data' : '--test-labels', f.testData ?? f.testLabels, 'given with --data and --labels (sampled runs draw their own test set)');
  }
  if (f.init !== undefined) {
    if (f.omegaInit !== undefined) throw new ConfigError('--omega-init', f.omegaInit, 'left out with --init (W(0) is given, not drawn)');
    if (cfg.model.omegaInit !== undefined) throw new ConfigError('--config: model.omegaInit', cfg.model.omegaInit, 'left out with --init (W(0) is given, not drawn)');
    const wa = await readNpyFile(f.init, '--init');
    const w = npyToFloat32(wa, '--init', 2);
    const [m, d] = wa.shape as [number, number];
    agree('--m', f.m, m, 'the rows of --init');
    const dNow = opts.data?.train.d ?? (typeof cfg.data.d === 'number' ? cfg.data.d : undefined);
    if (dNow !== undefined) agree('--init', d, dNow, opts.data ? 'the columns of --data' : 'data.d');
    else cfg.data.d = d;
    const mFile = cfg.model.m;
    if (mFile !== undefined && mFile !== m) throw new ConfigError('--init', `shape (${m}, ${d})`, `m = model.m of --config (${String(mFile)}) rows`);
    cfg.model.m = m;
    opts.init = w;
  }
  return input;
}

/** The files a run read its data and W(0) from: the config's sampling fields (and ω_init) did not apply to them. */
export interface RunInputs { data?: string; labels?: string; testData?: string; testLabels?: string; init?: string }

export function summaryLines(r: TrainResult, inputs: RunInputs = {}): string[] {
  const c = r.config;
  const last = r.history[r.history.length - 1]!;
  const first = r.history[0]!;
  const s2 = c.data.sigma ** 2;
  const data = inputs.data
    ? `--data ${inputs.data}, n = ${c.data.n}, d = ${c.data.d}`
    : `XOR clusters, n = ${c.data.n}, d = ${c.data.d}, σ² = ${s2 === 0 ? 0 : s2.toPrecision(3)}, noise ${c.data.noise.mode} η = ${noiseRate(c.data.noise)}`;
  const test = last.testAcc === null
    ? `none (${inputs.data ? 'no test set: give --test-data and --test-labels' : 'n_test = 0'})`
    : `noisy labels ${pct(last.testAcc)}   clean labels ${pct(last.testAccClean)}   (n_test = ${r.problem.test.n})`;
  const atEnd = last.step === c.train.steps ? 'T' : `t = ${last.step}`;
  const stopped = r.stopped
    ? [`  STOPPED EARLY at step ${r.stopped.step} of ${c.train.steps} (${r.stopped.reason === 'maxSeconds' ? '--max-seconds' : 'aborted'}); the last evaluation, below, is at step ${last.step}`]
    : [];
  return [
    `rfa: two-layer ReLU network, m = ${c.model.m}, on ${data}`,
    ...stopped,
    `  ${inputs.init ? `W(0) from --init ${inputs.init}` : `ω_init = ${c.model.omegaInit.toPrecision(3)}`}, α = ${c.train.alpha}, T = ${c.train.steps} steps, seed ${c.seed}`,
    r.problem.train.flipped
      ? `  train accuracy   clean points ${pct(last.trainAccClean)}   flipped points ${pct(last.trainAccFlipped)}   all ${pct(last.trainAcc)}`
      : `  train accuracy   ${pct(last.trainAcc)} (which labels are flipped is unknown for given data)`,
    `  test accuracy    ${test}`,
    `  loss             ${first.loss.toFixed(6)} at t = 0  →  ${last.loss.toFixed(6)} at ${atEnd}`,
    `  ‖W‖_F            ${first.weightNorm.toPrecision(4)} at t = 0  →  ${last.weightNorm.toPrecision(4)} at ${atEnd}`,
    `  backend ${r.backend}, ${r.path === 'kernel' ? 'kernel-space path' : 'primal path'}, ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${(r.timeMs / 1000).toFixed(3)} s`,
  ];
}

async function runTrain(f: TrainFlags, session: Session): Promise<void> {
  // 1. everything in: the config, the input files
  const resume = f.resume === undefined ? undefined : loadCheckpoint(f.resume);
  // resuming: the checkpoint's config, evaluation steps and backend unless given (a given one that differs is refused by name)
  const base = f.config === undefined ? (resume ? { ...resume.config } : {}) : await readJsonFile(f.config, '--config');
  if (!isPlainObject(base)) throw new ConfigError('--config', f.config, 'a JSON object { seed, data, model, train }');
  const opts: TrainOptions = { backend: f.backend === 'auto' && resume ? resume.backend : f.backend, path: f.path, threads: f.threads, signal: session.signal };
  if (f.evalAt) opts.evalAt = f.evalAt;
  else if (resume) opts.evalAt = resume.evalSteps;
  if (resume) opts.resume = resume;
  if (f.maxSeconds !== undefined) opts.maxSeconds = f.maxSeconds;
  // continuing a checkpointed run keeps checkpointing to its file unless told otherwise
  if (f.checkpoint === undefined && f.resume !== undefined) f.checkpoint = f.resume;
  if (f.checkpoint === undefined && (f.checkpointEvery !== undefined || f.checkpointSeconds !== undefined)) {
    throw new ConfigError(f.checkpointEvery !== undefined ? '--checkpoint-every' : '--checkpoint-seconds', f.checkpointEvery ?? f.checkpointSeconds, 'given with --checkpoint FILE');
  }
  const input = await inputsFromFiles(f, configFromFlags(f, base), opts);
  // 2. every output path, before any work
  const outputs = checkOutputFiles([
    ...(f.saveWeights !== undefined ? [{ flag: '--save-weights', path: f.saveWeights }] : []),
    ...(f.history !== undefined ? [{ flag: '--history', path: f.history }] : []),
    ...(f.checkpoint !== undefined ? [{ flag: '--checkpoint', path: f.checkpoint }] : []),
  ]);
  if (f.checkpoint !== undefined) {
    const file = f.checkpoint;
    opts.checkpoint = {
      ...(f.checkpointEvery !== undefined ? { everySteps: f.checkpointEvery } : {}),
      // by default every 5 minutes (and when stopped early)
      ...(f.checkpointSeconds !== undefined ? { everySeconds: f.checkpointSeconds } : f.checkpointEvery === undefined ? { everySeconds: 300 } : {}),
      save: (c) => saveCheckpoint(file, c),
    };
  }
  // 3. the run (train() checks the config, sizes and schedule before sampling anything)
  const bar = progressBar('train', f.progress !== false && !f.json);
  const unregister = session.onCleanup(() => bar.stop());
  opts.onProgress = (p) => {
    bar.update(p.step, p.steps, p.loss);
    if (f.json && p.record) session.out(JSON.stringify({ type: 'eval', ...p.record }) + '\n');
  };
  let result: TrainResult;
  try {
    result = await train(input, opts);
  } finally {
    bar.stop();
    unregister();
  }
  // 4. the outputs, all or none
  // with given files, the config's sampling fields (and ω_init with --init) were not used: say which files were
  const inputs: RunInputs = {};
  for (const k of ['data', 'labels', 'testData', 'testLabels', 'init'] as const) if (f[k] !== undefined) inputs[k] = f[k];
  const given = Object.keys(inputs).length > 0 ? { inputs } : {};
  const content = (flag: string): string | Uint8Array =>
    flag === '--save-weights'
      ? writeNpy(result.weights, [result.config.model.m, result.config.data.d])
      : JSON.stringify({ config: result.config, ...given, backend: result.backend, path: result.path, threads: result.threads, steps: result.steps, stopped: result.stopped, timeMs: result.timeMs, history: result.history }, null, 1);
  await writeOutputs(outputs.filter((t) => t.flag !== '--checkpoint').map((target) => ({ target, data: content(target.flag) })));
  if (f.json) {
    session.out(JSON.stringify({ type: 'summary', backend: result.backend, path: result.path, threads: result.threads, steps: result.steps, stopped: result.stopped, timeMs: result.timeMs, config: result.config, ...given, final: result.history.at(-1) }) + '\n');
  } else {
    session.out(summaryLines(result, inputs).join('\n') + '\n');
  }
}

export function registerTrainCommand(program: Command, session: Session): void {
  const cmd = program.command('train').description('train one network and print a summary (or NDJSON with --json)');
  helpPointer(cmd)
    .option('--config <file.json>', 'read the config from a JSON file ({ seed, data, model, train }); flags override it')
    .addOption(seedOption())
    .option('--n <int>', 'training samples (data.n); default 200', fieldParser('--n', 'data.n'))
    .option('--d <int>', 'input dimension (data.d); default 1000', fieldParser('--d', 'data.d'))
    .option('--n-test <int>', 'test samples (data.nTest); default 6000', fieldParser('--n-test', 'data.nTest'))
    .option('--sigma <x>', 'within-cluster std σ (data.sigma); default d^-0.6, i.e. σ² = 1/d^1.2', fieldParser('--sigma', 'data.sigma'))
    .option('--mu-norm <x>', 'signal strength ‖µ‖ (data.muNorm); default 1', fieldParser('--mu-norm', 'data.muNorm'))
    .addOption(new Option('--mu <kind>', 'µ1, µ2 = e1, e2 or a random orthonormal pair (data.mu); default canonical').choices(['canonical', 'random']))
    .addOption(new Option('--law <law>', 'cluster law P_clust (data.law); default gaussian').choices(['gaussian', 'uniform', 'laplace']))
    .addOption(new Option('--noise <mode>', 'label noise mode (data.noise.mode); default exact').choices(['none', 'independent', 'exact', 'per-cluster', 'adversarial']))
    .option('--eta <x>', 'noise rate η (data.noise.eta), with --noise independent, exact or adversarial; default 0.15', fieldParser('--eta', 'data.noise.eta'))
    .option('--rates <r0,r1,r2,r3>', 'per-cluster flip rates for +µ1,−µ1,+µ2,−µ2 (with --noise per-cluster)', listParser('--rates', RANGES['data.noise.rates']))
    .addOption(new Option('--strategy <s>', 'adversarial flips (with --noise adversarial): closest to the boundary, or one cluster').choices(['closest', 'one-cluster']))
    .option('--cluster <k>', 'cluster 0..3 (with --strategy one-cluster)', fieldParser('--cluster', 'data.noise.cluster'))
    .option('--m <int>', 'hidden neurons (model.m); default 400', fieldParser('--m', 'model.m'))
    .option('--omega-init <x>', 'init scale ω_init (model.omegaInit); default √(0.01/(m·d))', fieldParser('--omega-init', 'model.omegaInit'))
    .option('--dphi0 <x>', "ReLU subgradient φ'(0) in [0, 1] (model.dphi0); default 0", fieldParser('--dphi0', 'model.dphi0'))
    .option('--alpha <x>', 'step size α (train.alpha); default 0.1', fieldParser('--alpha', 'train.alpha'))
    .option('--steps <int>', 'GD steps T (train.steps); default 1 + ⌊1/(4α)⌋', fieldParser('--steps', 'train.steps'))
    .option('--eval-at <spec>', 'evaluation steps: log:K (about K log-spaced), every:K, or a comma list (0 and T always)', parseEvalAt)
    .addOption(backendOption())
    .addOption(threadsOption())
    .addOption(new Option('--path <p>', 'GD on W (primal) or on C with W = W(0) + C·X (kernel, exact, cheaper when d > n); auto takes the one with fewer flops').choices(['auto', 'primal', 'kernel']).default('auto'))
    .option('--no-progress', 'no progress bar on stderr')
    .option('--data <X.npy>', 'training inputs (n, d) float32/float64 instead of sampled ones (needs --labels); n and d come from it')
    .option('--labels <y.npy>', 'training labels (n,) of ±1, int8/int32/float')
    .option('--test-data <X.npy>', 'test inputs (with --data); without them no test accuracy is reported')
    .option('--test-labels <y.npy>', 'test labels (with --test-data)')
    .option('--init <W.npy>', 'initial weights W(0) (m, d) instead of the seeded init; m comes from it')
    .option('--save-weights <W.npy>', 'write the final weights W(T) (m, d) float32 (float64 with --backend js)')
    .option('--history <file.json>', 'write the config and evaluation history as JSON')
    .option('--json', 'print NDJSON to stdout: one record per evaluation step as it is made, then a summary')
    .option('--max-seconds <s>', 'stop after about this many seconds and report the run so far (marked as stopped early)', rangeParser('--max-seconds', { min: 0, max: 1e9, minOpen: true }))
    .option('--checkpoint <file.ckpt>', "save the run's full state to this file (atomically): every --checkpoint-every steps or --checkpoint-seconds seconds (default every 300 s), and when stopped early")
    .option('--checkpoint-every <int>', 'checkpoint every this many steps', rangeParser('--checkpoint-every', { integer: true, min: 1, max: 2 ** 31 - 1 }))
    .option('--checkpoint-seconds <s>', 'checkpoint every this many seconds', rangeParser('--checkpoint-seconds', { min: 0, max: 1e9, minOpen: true }))
    .option('--resume <file.ckpt>', "continue the run a checkpoint holds (its config, evaluation steps and backend unless given; checkpoints go on to that file unless --checkpoint names another): the same results as an uninterrupted run")
    .action(async (f: TrainFlags) => runTrain(f, session));
}
