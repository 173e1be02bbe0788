// The trainer: config → data → network → WASM (or float64) engine → evaluation records.
// One generator drives both forms: trainSync runs it straight through, train() awaits a macrotask
// between chunks so progress can be shown and an AbortSignal honoured. A chunk runs whole GD steps
// inside WASM (gd_steps), with no JS per step, up to the next evaluation step.
import { canonical, checkRange, isPlainObject, MAX_COUNT, RANGES, resolveConfig, type RfaConfig, type RfaConfigInput } from '../config.js';
import { AbortError, ConfigError, NonFiniteLossError, NonFiniteWeightsError } from '../errors.js';
import { checkDataset, sampleMeans, sampleProblemSteps, type XorDataset, type XorMeans, type XorProblem } from '../data.js';
import { initWeightsSteps, secondLayer } from '../model.js';
import { logisticLossRef } from '../reference.js';
import { compileKernels, compileKernelsSync, relaxedSimdSupportedSync, simdSupportedSync, type WasmBackend } from '../wasm/loader.js';
import { provideNormalsModule } from '../wasm/normals.js';
import { coreCount, loadThreads, prepareTeam, releaseWorkers, threadsUnavailable, type TeamStart } from '../wasm/threads.js';
import { checkWasmFits, engineBytes, STEP_BUFFER, WASM_MAX_BYTES } from '../wasm/layout.js';
import { BACKENDS, MIN_PIECE_ROWS, type Backend, type Engine, type EngineInit, type StepPath } from './engine.js';
import { DualWasmEngine } from './dual_engine.js';
import { WasmEngine } from './wasm_engine.js';
import { resolveEvalSteps, type EvalSchedule } from './schedule.js';
import { fingerprint, type TrainCheckpoint } from './checkpoint.js';

type JsEngines = typeof import('./js_engines.js');
let jsEngines: JsEngines | null = null;
/** Make the float64 engines (the 'js' backend) available to trainSync; the Node entry does this on import. */
export function provideJsEngines(engines: JsEngines): void {
  jsEngines = engines;
}
/** What extras.ts uses of the rest of rfa (it imports nothing itself but types: see its header). */
const KIT = { canonical, checkRange, isPlainObject, MAX_COUNT, RANGES, resolveConfig, checkDataset, ConfigError, fingerprint };
export type ExtrasKit = typeof KIT;
type Extras = ReturnType<typeof import('./extras.js').makeExtras>;
let extras: Extras | null = null;
/**
 * Make the options few runs use (checkpoint, resume, data, init) available to trainSync; the Node entry
 * does this on import, train() when a run asks for one of them. A page that uses none does not load them.
 */
export function provideExtras(make: typeof import('./extras.js').makeExtras): void {
  extras ??= make(KIT);
}
function extrasLoaded(field: 'resume' | 'checkpoint' | 'data' | 'init'): Extras {
  if (!extras) throw new ConfigError(field, 'given', 'loaded first: in a page, the code of this option comes with the first train() that uses it (trainSync cannot load it)');
  return extras;
}
function jsEnginesLoaded(): JsEngines {
  if (!jsEngines) {
    throw new ConfigError('backend', 'js', "loaded first: in a page the float64 engines come with the first train() that asks for them (trainSync cannot load them)");
  }
  return jsEngines;
}

export interface EvalRecord {
  step: number;
  /** L̂(W(step)) on the observed training labels */
  loss: number;
  /** training accuracy on observed labels, over all points, clean points (y = ỹ) and flipped points */
  trainAcc: number;
  trainAccClean: number | null;
  trainAccFlipped: number | null;
  /** test accuracy against the noisy labels and against the clean labels */
  testAcc: number | null;
  testAccClean: number | null;
  /** ‖W(step)‖_F */
  weightNorm: number;
  /** whatever the caller's instruments recorded at this step */
  extra?: Record<string, unknown>;
}

export interface Progress {
  step: number;
  steps: number;
  /** L̂ at the last step run (NaN before the first) */
  loss: number;
  elapsedMs: number;
  /** the backend, path and threads the run is on */
  backend: Backend;
  path: StepPath;
  threads: number;
  /** the evaluation record made at this step, when one was (so a page can draw it as training runs) */
  record?: EvalRecord;
}

/** What an instrument sees at an evaluation step. */
export interface EvalContext {
  step: number;
  config: RfaConfig;
  problem: XorProblem;
  a: Float32Array;
  /** W(0), (m, d) */
  initialWeights: Float32Array;
  /** the run's evaluation steps (this step is one of them) */
  evalSteps: readonly number[];
  /** W(step), (m, d), a copy, formed when first read (on the kernel-space path W is not kept) */
  readonly weights: Float32Array | Float64Array;
  engine: Engine;
}

export interface TrainOptions {
  /** 'auto' (default): SIMD when the engine supports it, else scalar */
  backend?: Backend | 'auto';
  /**
   * 'primal' runs GD on W; 'kernel' runs the same GD on C with W = W(0) + C·X (exact; 2·n²·m flops a
   * step instead of 4·n·d·m, so far cheaper when d > n). 'auto' (default) takes the one with fewer
   * flops for the whole run (steps, evaluations, and the kernel path's one-time products).
   */
  path?: StepPath | 'auto';
  evalAt?: EvalSchedule;
  /** called after each piece of work and after each evaluation record (with `record`) */
  onProgress?: (p: Progress) => void;
  /** cancels the run between pieces of work (tens of milliseconds apart): AbortError */
  signal?: AbortSignal;
  /**
   * Train on given data instead of sampling it from the config (e.g. loaded from .npy). n, d and
   * nTest then come from the data (a config that sets them otherwise is refused); the test set is
   * `test` when given, else there is none. means default to the config's µ1, µ2.
   */
  data?: { train: XorDataset; test?: XorDataset | null; means?: XorMeans };
  /** start from given weights W(0), (m, d) row-major, instead of the seeded initialization */
  init?: ArrayLike<number>;
  /** a compiled kernel module (browsers, or a custom build) */
  wasmModule?: WebAssembly.Module;
  /**
   * Threads this run's steps and evaluations use: the same bits on any number (each output is
   * computed whole by one thread). 'auto' (default) takes every core when the steps are big enough
   * to gain from it, on the simd backend where worker_threads exist (Node), else 1.
   */
  threads?: number | 'auto';
  /** called at each evaluation step; what it returns is stored as the record's `extra` */
  instrument?: (ctx: EvalContext) => Record<string, unknown> | undefined;
  /** keep the per-step losses (default: when train.steps ≤ 10⁷) */
  keepLosses?: boolean;
  /** also keep the training accuracy of every step, computed inside the WASM step (default false) */
  keepAccuracy?: boolean;
  /** a fixed number of steps per uninterrupted piece of work (default: sized by time, chunkMs) */
  chunkSteps?: number;
  /** about how long one uninterrupted piece of work lasts, in ms (default 20); a step longer than
   *  this is itself cut into pieces (the same bits), so cancelling is prompt at any size */
  chunkMs?: number;
  /**
   * Stop after about this many seconds (counted from the call; checked between pieces of work) and
   * return what the run has: the history so far and W at the step reached, with `stopped` set.
   */
  maxSeconds?: number;
  /**
   * Save the run's full state every `everySteps` steps and/or every `everySeconds` seconds (at the next
   * piece boundary), and when it stops early: `save` receives a TrainCheckpoint (encodeCheckpoint makes
   * it bytes; rfa/node's saveCheckpoint writes it to a file atomically).
   */
  checkpoint?: CheckpointOptions;
  /** Continue the run a checkpoint holds: the same config, evaluation steps and backend; the result is the same bits as an uninterrupted run's. */
  resume?: TrainCheckpoint;
}

export interface CheckpointOptions {
  everySteps?: number;
  everySeconds?: number;
  save: (checkpoint: TrainCheckpoint) => void;
}

export interface TrainResult {
  config: RfaConfig;
  backend: Backend;
  /** the path the steps ran on */
  path: StepPath;
  /** threads the steps ran on */
  threads: number;
  /** steps run: config.train.steps, or fewer when the run was stopped early (see `stopped`) */
  steps: number;
  /**
   * null for a run that ran all its steps; else why it stopped early ('signal': aborted, the result is
   * on the AbortError; 'maxSeconds': the time limit) and at which step (= steps).
   */
  stopped: { reason: 'signal' | 'maxSeconds'; step: number } | null;
  history: EvalRecord[];
  /** losses[t] = L̂(W(t)) for t < steps (empty when keepLosses is false); a resumed run has the checkpoint's too */
  losses: Float64Array;
  /** trainAccs[t] = training accuracy on the observed labels at W(t), t < steps (empty unless keepAccuracy) */
  trainAccs: Float32Array;
  /** W(T), (m, d) row-major; Float64Array from the 'js' backend */
  weights: Float32Array | Float64Array;
  initialWeights: Float32Array;
  a: Float32Array;
  problem: XorProblem;
  timeMs: number;
}

/** Per-step losses are kept by default up to this many steps, and never beyond MAX_KEPT_LOSSES. */
const MAX_AUTO_LOSSES = 1e7;
const MAX_KEPT_LOSSES = 2 ** 27;
const DEFAULT_CHUNK_MS = 20;
/** A first guess of each backend's speed (flops per ms) until a piece of work has been timed. */
const GUESS_RATE: Record<Backend, number> = { simd: 2e7, scalar: 3e6, relaxed: 2e7, js: 5e5 };

function resolveBackend(b: TrainOptions['backend'], simd: boolean): Backend {
  if (b === undefined || b === 'auto') return simd ? 'simd' : 'scalar';
  if (!BACKENDS.includes(b)) throw new ConfigError('backend', b, `one of "auto", ${BACKENDS.map((x) => `"${x}"`).join(', ')}`);
  if (b === 'simd' && !simd) throw new ConfigError('backend', b, 'a backend this engine supports: it has no WebAssembly SIMD ("scalar" or "js")');
  if (b === 'relaxed' && !relaxedSimdSupportedSync()) {
    throw new ConfigError('backend', b, 'a backend this engine supports: it has no relaxed SIMD ("simd"; Node 20 needs --experimental-wasm-relaxed-simd)');
  }
  return b;
}


/**
 * The run's config. With given data, n, d and nTest come from the data and must not disagree (the
 * fields that shape sampled data are unused then, as model.omegaInit is with a given W(0); a resolved
 * config states them all, so they are not refused here: the command line refuses them when typed).
 */
function runConfig(input: RfaConfigInput | RfaConfig, given: TrainOptions['data']): RfaConfig {
  return given === undefined ? resolveConfig(input) : extrasLoaded('data').givenConfig(input, given);
}

/**
 * The options as they are when train is called, checked: later changes by the caller (or a getter
 * that answers differently the second time) cannot alter a run that has started.
 */
const OPTION_KEYS = ['backend', 'path', 'threads', 'evalAt', 'onProgress', 'signal', 'data', 'init', 'wasmModule', 'instrument', 'keepLosses', 'keepAccuracy', 'chunkSteps', 'chunkMs', 'maxSeconds', 'checkpoint', 'resume'];

function snapshot(opts: unknown): TrainOptions {
  if (opts === undefined) return {};
  try {
    return takeOptions(opts);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('options', opts, `an object that can be read (reading it threw ${(e as Error)?.name}: ${(e as Error)?.message})`);
  }
}

function takeOptions(opts: unknown): TrainOptions {
  if (!isPlainObject(opts)) throw new ConfigError('options', opts, 'a plain object of train options');
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.includes(k)) throw new ConfigError(k, opts[k], `one of the train options (${OPTION_KEYS.join(', ')}) — unknown option`);
  const o = { ...(opts as TrainOptions) };
  for (const k of ['onProgress', 'instrument'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new ConfigError(k, o[k], 'a function');
  }
  for (const k of ['keepLosses', 'keepAccuracy'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new ConfigError(k, o[k], 'true or false');
  }
  if (o.signal !== undefined) {
    const isSignal = typeof AbortSignal === 'function' ? o.signal instanceof AbortSignal : typeof (o.signal as { aborted?: unknown }).aborted === 'boolean';
    if (!isSignal) throw new ConfigError('signal', o.signal, 'an AbortSignal');
  }
  if (o.wasmModule !== undefined && !(o.wasmModule instanceof WebAssembly.Module)) throw new ConfigError('wasmModule', o.wasmModule, 'a WebAssembly.Module');
  if (o.evalAt !== undefined && Array.isArray(o.evalAt)) o.evalAt = [...(o.evalAt as number[])];
  if (o.maxSeconds !== undefined) checkRange('maxSeconds', o.maxSeconds, { min: 0, max: 1e9, minOpen: true });
  // checked when the run is planned (resume.ts, loaded when a run asks for checkpoints)
  if (isPlainObject(o.checkpoint)) o.checkpoint = { ...(o.checkpoint as CheckpointOptions) };
  if (o.data !== undefined) {
    if (!isPlainObject(o.data)) throw new ConfigError('data', o.data, 'an object { train, test?, means? }');
    const { train, test, means } = o.data;
    // the dataset's fields are read once; its labels and flags (n values each) are copied, so a change
    // to them after the call cannot reach the run; x is checked again when the engine takes its copy
    const copy = (ds: XorDataset | null | undefined) => {
      if (ds === null || ds === undefined || typeof ds !== 'object') return ds;
      const arr = <T>(a: T): T => (ArrayBuffer.isView(a) ? ((a as unknown as Int8Array).slice() as unknown as T) : a);
      return { n: ds.n, d: ds.d, x: ds.x, y: arr(ds.y), cleanY: arr(ds.cleanY), cluster: arr(ds.cluster), flipped: arr(ds.flipped) };
    };
    o.data = { train: copy(train) as XorDataset, test: copy(test), ...(means === undefined ? {} : { means: { ...means } }) };
  }
  return o;
}

/** Everything checked before any work: config, backend, memory, schedule, options, data, init. */
function plan(input: RfaConfigInput | RfaConfig, opts: TrainOptions, simd: boolean, sync: boolean) {
  if (opts.signal?.aborted) throw new AbortError(0);
  const backend = resolveBackend(opts.backend, simd);
  const config = runConfig(input, opts.data);
  const { n, d, nTest } = config.data;
  const m = config.model.m;
  const T = config.train.steps;
  const evalSteps = resolveEvalSteps(opts.evalAt, T);
  const keep = opts.keepLosses ?? T <= MAX_AUTO_LOSSES;
  if (keep && T > MAX_KEPT_LOSSES) {
    throw new ConfigError('keepLosses', true, `false for runs longer than ${MAX_KEPT_LOSSES} steps (train.steps is ${T}; the per-step losses would not fit in memory)`);
  }
  const keepAcc = opts.keepAccuracy === true;
  if (keepAcc && T > MAX_KEPT_LOSSES) throw new ConfigError('keepAccuracy', true, `false for runs longer than ${MAX_KEPT_LOSSES} steps (train.steps is ${T})`);
  if (opts.chunkSteps !== undefined) checkRange('chunkSteps', opts.chunkSteps, { integer: true, min: 1, max: 2 ** 31 - 1 });
  const chunkMs = opts.chunkMs === undefined ? DEFAULT_CHUNK_MS : checkRange('chunkMs', opts.chunkMs, { min: 0, max: 1e9, minOpen: true });
  const w0 = opts.init === undefined ? null : extrasLoaded('init').checkInit(opts.init, m, d);
  if (opts.checkpoint) extrasLoaded('checkpoint').checkCheckpointOptions(opts.checkpoint);
  const R = opts.resume ? extrasLoaded('resume') : null;
  if (R) R.checkCheckpointShape(opts.resume);
  const path = R ? R.resumePath(opts.resume!, opts.path) : choosePath(opts.path, backend, config, evalSteps.length);
  if (R) R.checkResume(opts.resume!, { config, backend, path, evalSteps, keep, keepAcc });
  if (backend !== 'js') checkWasmFits({ n, d, m, nTest }, path);
  const threads = chooseThreads(opts.threads, backend, path === 'kernel' ? 2 * n * n * m : 4 * n * d * m, opts.wasmModule !== undefined, sync);
  // what the team needs set aside before the steps (a browser's armed Web Workers: train() does it)
  const team: { start: TeamStart | null } = { start: null };
  return { backend, path, threads, team, config, evalSteps, keep, keepAcc, chunkMs, w0 };
}
type Plan = ReturnType<typeof plan>;

/** Thrown inside the generator to stop it where it is (a signal or the time limit): caught where it can end with what it has. */
const STOP = Symbol('stop');

/** How the driver asks the generator to stop ('signal'), and the time limit. */
interface Control {
  stop: 'signal' | null;
  deadline: number;
}

/**
 * The path a run takes: as asked, or the one with fewer flops over the whole run. The kernel-space
 * path pays once for X·Xᵀ, X·W(0)ᵀ, X_test·Xᵀ, X_test·W(0)ᵀ and forming W(T), then 2·n²·m a step and
 * 2·(n + n_test)·n·m + 2·n²·m an evaluation; the primal path 4·n·d·m a step and 2·(n + n_test)·d·m an evaluation.
 */
export function choosePath(asked: TrainOptions['path'], backend: Backend, config: RfaConfig, evaluations: number): StepPath {
  if (asked !== undefined && asked !== 'auto' && asked !== 'primal' && asked !== 'kernel') throw new ConfigError('path', asked, 'one of "auto", "primal", "kernel"');
  const { n, d, nTest } = config.data;
  const m = config.model.m;
  const T = config.train.steps;
  const kernelFits = n * n <= MAX_COUNT && nTest * n <= MAX_COUNT && (backend === 'js' || engineBytes({ n, d, m, nTest }, 'kernel') <= WASM_MAX_BYTES);
  if (asked === 'kernel') {
    if (n * n > MAX_COUNT) throw new ConfigError('path', asked, `"primal" for n = ${n} (the kernel-space path holds X·Xᵀ, n² values)`);
    return 'kernel';
  }
  if (asked === 'primal' || !kernelFits) return 'primal';
  const primal = T * 4 * n * d * m + evaluations * 2 * (n + nTest) * d * m;
  const kernel = 2 * n * d * (n + m) + 2 * nTest * d * (n + m) + 2 * m * n * d + T * 2 * n * n * m + evaluations * (2 * (n + nTest) * n * m + 2 * n * n * m);
  return kernel < primal ? 'kernel' : 'primal';
}

/** A step needs about this many flops per thread before a second thread pays for its two barriers a step. */
export const MIN_FLOPS_PER_THREAD = 2e6;

/**
 * Threads for a run whose steps cost `stepFlops`: 'auto' gives every core when each thread gets at
 * least MIN_FLOPS_PER_THREAD a step (simd backend, rfa's own kernels, a host that can run a team:
 * Node, or a Worker of a cross-origin isolated page given the threaded build, asynchronous train()
 * there), else 1; a number is checked and used as given (more threads than cores is allowed, and slow).
 */
export function chooseThreads(asked: number | 'auto' | undefined, backend: Backend, stepFlops: number, ownModule = false, sync = false): number {
  if (asked === undefined || asked === 'auto') {
    // the count first: a run that would take one thread anyway does not look for the threaded build
    const t = Math.min(coreCount(), Math.floor(stepFlops / MIN_FLOPS_PER_THREAD));
    return t > 1 && backend === 'simd' && !ownModule && threadsUnavailable(sync) === null ? t : 1;
  }
  const t = checkRange('threads', asked, { integer: true, min: 1, max: 256 });
  if (t === 1) return t;
  if (backend !== 'simd') throw new ConfigError('threads', asked, `1 on the ${backend} backend (threads run the simd build)`);
  if (ownModule) throw new ConfigError('threads', asked, "1 with wasmModule (a team runs rfa's own threaded build, not the module given)");
  const why = threadsUnavailable(sync);
  if (why) throw new ConfigError('threads', asked, `1 ${why}`);
  return t;
}

/** What build() makes: the data, W(0), a and the engine. */
interface Built {
  problem: XorProblem;
  w0: Float32Array;
  a: Float32Array;
  engine: Engine;
}

/**
 * Sample (or take) the data and W(0), and build the engine; yields while sampling and while the
 * engine does its one-time work, so it can be cancelled.
 */
function* build(p: Plan, opts: TrainOptions, module: WebAssembly.Module | undefined, ctl: Control): Generator<Yield, Built, void> {
  // a signal during sampling and the one-time products stops at once (nothing to keep yet); the time
  // limit lets them finish and is next looked at after the first piece of steps
  const onSignal = () => {
    if (ctl.stop) throw STOP;
  };
  const { config } = p;
  const { d } = config.data;
  const m = config.model.m;
  let problem: XorProblem;
  if (opts.data) {
    // the inputs are checked now that the run starts (the caller may have changed x since train was called)
    checkDataset(opts.data.train, 'data.train');
    if (opts.data.test) checkDataset(opts.data.test, 'data.test', 0);
    const means = opts.data.means ?? sampleMeans(config);
    problem = { mu1: means.mu1, mu2: means.mu2, muNorm: means.muNorm, train: opts.data.train, test: opts.data.test ?? emptySet(d) };
  } else {
    problem = yield* mapYield(sampleProblemSteps(config), 0, onSignal);
  }
  const w0 = p.w0 ?? (yield* mapYield(initWeightsSteps(m, d, config.model.omegaInit, config.seed), 0, onSignal));
  const a = secondLayer(m);
  const init: EngineInit = {
    train: problem.train,
    test: problem.test.n > 0 ? problem.test : null,
    w: w0,
    a,
    alpha: config.train.alpha,
    dphi0: config.model.dphi0,
  };
  const wasm = () => module ?? compileKernelsSync(p.backend as WasmBackend);
  const threads = p.threads > 1 ? { module: compileKernelsSync('simd-mt'), size: p.threads, start: p.team.start } : undefined;
  const engine: Engine = p.path === 'kernel'
    ? (p.backend === 'js' ? new (jsEnginesLoaded().DualJsEngine)(init) : new DualWasmEngine(wasm(), p.backend, init, threads))
    : (p.backend === 'js' ? new (jsEnginesLoaded().JsEngine)(init) : new WasmEngine(wasm(), p.backend, init, threads));
  if (engine.prepare) {
    // the one-time products in pieces of about chunkMs/2 at a first guess of the speed (a row of them
    // costs 2·d·(n + m) flops), so cancelling is prompt during them too (half: a busy machine runs
    // them at half the guess or less, and they are not timed as they go)
    const rowFlops = 2 * d * (problem.train.n + m);
    const rows = Math.max(1, Math.floor((p.chunkMs * GUESS_RATE[p.backend] * engine.threads) / 2 / rowFlops));
    let prepared = false;
    try {
      yield* mapYield(engine.prepare(rows), 0, onSignal);
      prepared = true;
    } finally {
      if (!prepared) engine.dispose(); // cancelled or failed during the products: release the team
    }
  }
  return { problem, w0, a, engine };
}

function emptySet(d: number): XorDataset {
  return { n: 0, d, x: new Float32Array(0), y: new Int8Array(0), cleanY: null, cluster: null, flipped: null };
}

/** Accuracy of sign(f) against labels over the points where `pick` is true (null if none). */
function accuracy(f: ArrayLike<number>, y: ArrayLike<number>, pick?: (i: number) => boolean): number | null {
  let right = 0, count = 0;
  for (let i = 0; i < f.length; i++) {
    if (pick && !pick(i)) continue;
    count++;
    if (y[i]! * f[i]! > 0) right++;
  }
  return count === 0 ? null : right / count;
}

/** The evaluation record of outputs already computed (f on the training set, ft on the test set). */
function recordOf(problem: XorProblem, step: number, f: ArrayLike<number>, ft: ArrayLike<number> | null, weightNorm: number): EvalRecord {
  const { train, test } = problem;
  let loss = 0;
  for (let i = 0; i < train.n; i++) loss += logisticLossRef(train.y[i]! * f[i]!);
  loss /= train.n;
  const flipped = train.flipped;
  return {
    step,
    loss,
    trainAcc: accuracy(f, train.y)!,
    trainAccClean: flipped ? accuracy(f, train.y, (i) => flipped[i] === 0) : null,
    trainAccFlipped: flipped ? accuracy(f, train.y, (i) => flipped[i] === 1) : null,
    testAcc: ft ? accuracy(ft, test.y) : null,
    testAccClean: ft && test.cleanY ? accuracy(ft, test.cleanY) : null,
    weightNorm,
  };
}

/** The evaluation record of an engine's current weights, in one go. */
export function evaluate(engine: Engine, problem: XorProblem, step: number): EvalRecord {
  return recordOf(problem, step, engine.outputs('train'), problem.test.n > 0 ? engine.outputs('test') : null, engine.weightNorm());
}

/** What the generator yields to its driver: the step reached, so an abort can name it. */
type Yield = number;


/** Run a generator's pieces, adding the time spent in them (not in the pauses between) to busy.ms. */
function* timedPieces<Y, T>(g: Generator<Y, T, void>, busy: { ms: number }): Generator<Y, T, void> {
  for (;;) {
    const t0 = performance.now();
    const r = g.next();
    busy.ms += performance.now() - t0;
    if (r.done) return r.value;
    yield r.value;
  }
}

/** A generator of pauses, each reported as `value`; `check` runs when the driver resumes it (it may throw STOP). */
function* mapYield<T>(g: Generator<void, T, void>, value: Yield, check?: () => void): Generator<Yield, T, void> {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    yield value;
    if (check) {
      try {
        check();
      } catch (e) {
        g.return(undefined as never);
        throw e;
      }
    }
  }
}

/** Outputs on a whole set, `rows` at a time, yielding between blocks. */
function* outputsInPieces(engine: Engine, which: 'train' | 'test', total: number, rows: number, step: number, check: () => void): Generator<Yield, Float64Array, void> {
  const out = new Float64Array(total);
  for (let r = 0; r < total; r += rows) {
    out.set(engine.outputs(which, r, Math.min(rows, total - r)), r);
    if (r + rows < total) {
      yield step;
      check();
    }
  }
  return out;
}

/** The run: its result, or null when a signal stopped it before its first step (nothing to keep). */
function* run(p: Plan, opts: TrainOptions, module: WebAssembly.Module | undefined, ctl: Control): Generator<Yield, TrainResult | null, void> {
  const start = performance.now();
  let built: Built;
  try {
    built = yield* build(p, opts, module, ctl);
  } catch (e) {
    if (e === STOP) return null;
    throw e;
  }
  try {
    return yield* steps(p, opts, built, start, ctl);
  } finally {
    built.engine.dispose();
  }
}

function* steps(p: Plan, opts: TrainOptions, built: Built, start: number, ctl: Control): Generator<Yield, TrainResult, void> {
  const { problem, w0, a, engine } = built;
  const { config, evalSteps, keep, keepAcc, chunkMs } = p;
  const T = config.train.steps;
  const { n } = config.data;
  const losses = new Float64Array(keep ? T : 0);
  const buf = new Float64Array(STEP_BUFFER);
  const trainAccs = new Float32Array(keepAcc ? T : 0);
  const accBuf = keepAcc ? new Float32Array(STEP_BUFFER) : undefined;
  const history: EvalRecord[] = [];
  let stopped: TrainResult['stopped'] = null;
  const check = () => {
    const reason = ctl.stop ?? (performance.now() >= ctl.deadline ? 'maxSeconds' : null);
    if (reason) {
      stopped = { reason, step: t };
      throw STOP;
    }
  };
  // checkpoints to the caller: every K steps (chunks end there) and/or every S seconds, and on an early stop
  const ck = opts.checkpoint;
  let inputs: string | null = null;
  let nextCkStep = ck?.everySteps ?? Infinity;
  let lastCkTime = performance.now();
  let lastCkStep = -1;
  const saveCheckpoint = () => {
    if (!ck || t === lastCkStep) return;
    inputs ??= extrasLoaded('checkpoint').inputsFingerprint(problem, w0);
    ck.save({
      version: 1, config, backend: engine.backend, path: engine.path, step: t, evalSteps: [...evalSteps],
      history: history.slice(), losses: keep ? losses.slice(0, t) : null, trainAccs: keepAcc ? trainAccs.slice(0, t) : null,
      state: engine.state(), inputs,
    });
    lastCkStep = t;
    lastCkTime = performance.now();
  };
  const maybeCheckpoint = () => {
    if (!ck || t >= T) return;
    const due = t >= nextCkStep || (ck.everySeconds !== undefined && performance.now() - lastCkTime >= 1000 * ck.everySeconds);
    if (ck.everySteps) while (nextCkStep <= t) nextCkStep += ck.everySteps;
    if (due) saveCheckpoint();
  };
  const stepFlops = engine.stepFlops;
  // flops per ms, measured on this run's pieces of work (an average weighted to the recent)
  let rate = GUESS_RATE[engine.backend];
  const budget = () => chunkMs * rate;
  const timed = (flops: number, ms: number) => {
    if (ms > 0.5) rate = 0.5 * rate + 0.5 * (flops / ms);
  };
  // two checkpoints (the starts of this chunk and the one before), so the weights before a
  // non-finite step can be recomputed exactly; they live in the engine's memory (one memcpy)
  const ckptStep: [number, number] = [-1, -1];
  let slot: 0 | 1 = 1;
  let t = 0;
  let lastLoss = NaN;
  const resume = opts.resume;
  if (resume) {
    inputs = extrasLoaded('resume').checkResumedEngine(resume, engine, problem, w0);
    engine.setState(resume.state);
    t = resume.step;
    history.push(...resume.history);
    if (keep) losses.set(resume.losses!);
    if (keepAcc) trainAccs.set(resume.trainAccs!);
    if (t > 0) lastLoss = keep ? losses[t - 1]! : NaN;
    lastCkStep = t;
    if (ck?.everySteps) while (nextCkStep <= t) nextCkStep += ck.everySteps;
  }
  const recorded = new Set(history.map((r) => r.step));
  const progress = (record?: EvalRecord) => {
    const pr: Progress = { step: t, steps: T, loss: lastLoss, elapsedMs: performance.now() - start, backend: engine.backend, path: engine.path, threads: engine.threads };
    if (record) pr.record = record;
    opts.onProgress?.(pr);
  };

  // W(target) from the latest checkpoint at or before it, or false if none
  const restore = (target: number): boolean => {
    const other: 0 | 1 = slot === 0 ? 1 : 0;
    const s = ckptStep[slot] >= 0 && ckptStep[slot] <= target ? slot : ckptStep[other] >= 0 && ckptStep[other] <= target ? other : null;
    if (s === null) return false;
    engine.rollback(s);
    const k = target - ckptStep[s];
    if (k > 0) engine.steps(k, new Float64Array(k));
    return true;
  };
  const fail = (kind: 'loss' | 'weights', tf: number, loss: number): never => {
    const last = tf >= 1 && restore(tf - 1) ? engine.weights() : null;
    throw kind === 'loss' ? new NonFiniteLossError(tf, loss, last) : new NonFiniteWeightsError(tf, last);
  };
  // a chunk of k steps from step t0 failed somewhere: replay it one step at a time to find the first bad step
  // (a chunk of one step needs no replay: the loss failed at t0, or else W(t0 + 1) is not finite)
  const locate = (t0: number, k: number, done: number, loss: number): never => {
    if (k === 1) return done === 0 ? fail('loss', t0, loss) : fail('weights', t0 + 1, NaN);
    engine.rollback(slot);
    const one = new Float64Array(1);
    for (let s = t0; s <= t0 + k; s++) {
      if (s > t0 && !engine.weightsFinite()) fail('weights', s, NaN);
      if (s < t0 + k && engine.steps(1, one) === 0) fail('loss', s, one[0]!);
    }
    throw new Error(`rfa: the replay of steps ${t0} to ${t0 + k} did not fail as the chunk did (please report this)`);
  };

  function* record(step: number): Generator<Yield, void, void> {
    const rows = (count: number) => Math.min(count, Math.max(MIN_PIECE_ROWS, Math.floor(budget() / engine.rowFlops)));
    const busy = { ms: 0 };
    const f = yield* timedPieces(outputsInPieces(engine, 'train', n, rows(n), step, check), busy);
    const ft = problem.test.n > 0 ? yield* timedPieces(outputsInPieces(engine, 'test', problem.test.n, rows(problem.test.n), step, check), busy) : null;
    timed((n + problem.test.n) * engine.rowFlops, busy.ms);
    const rec = recordOf(problem, step, f, ft, engine.weightNorm());
    if (opts.instrument) {
      let weights: Float32Array | Float64Array | null = null; // formed once, if the instrument reads it
      const ctx: EvalContext = {
        step, config, problem, a, initialWeights: w0, engine, evalSteps,
        get weights() {
          return (weights ??= engine.weights());
        },
      };
      const extra = opts.instrument(ctx);
      if (extra !== undefined && (typeof extra !== 'object' || extra === null)) throw new ConfigError('instrument', extra, 'a function that returns an object (or undefined)');
      if (extra) rec.extra = extra;
    }
    history.push(rec);
    if (!Number.isFinite(rec.loss)) fail('loss', step, rec.loss);
    progress(rec);
  }

  try {
    for (const e of evalSteps) {
      if (recorded.has(e)) continue; // a resumed run's records so far
      while (t < e) {
        slot = slot === 0 ? 1 : 0;
        engine.checkpoint(slot);
        ckptStep[slot] = t;
        let k: number, done: number;
        if (opts.chunkSteps === undefined && stepFlops > 1.5 * budget()) {
          // one step is longer than a piece of work: cut it (same bits), yielding between pieces
          k = 1;
          const busy = { ms: 0 };
          done = yield* timedPieces(mapYield(engine.stepInPieces(buf, accBuf, budget()), t, check), busy);
          timed(stepFlops, busy.ms);
        } else {
          const per = opts.chunkSteps ?? Math.max(1, Math.floor(budget() / stepFlops));
          k = Math.min(e - t, per, STEP_BUFFER, nextCkStep - t);
          const t0 = performance.now();
          done = engine.steps(k, buf, accBuf);
          timed(done * stepFlops, performance.now() - t0);
        }
        if (keep) losses.set(buf.subarray(0, done), t);
        if (accBuf) trainAccs.set(accBuf.subarray(0, done), t);
        if (done < k || !engine.weightsFinite()) locate(t, k, done, buf[done]!);
        t += done;
        lastLoss = buf[done - 1]!;
        progress();
        if (t < e) maybeCheckpoint();
        yield t;
        if (t < e) check(); // at an evaluation step, its record is made first
      }
      yield* record(e);
      maybeCheckpoint();
      if (e < T) {
        yield t;
        check();
      }
    }
  } catch (err) {
    if (err !== STOP) throw err;
    saveCheckpoint(); // a checkpoint of where it stopped, when checkpoints are asked for
  }
  return {
    config,
    backend: engine.backend,
    path: engine.path,
    threads: engine.threads,
    steps: t,
    stopped,
    history,
    losses: stopped && keep ? losses.slice(0, t) : losses,
    trainAccs: stopped && keepAcc ? trainAccs.slice(0, t) : trainAccs,
    weights: engine.weights(),
    initialWeights: w0,
    a,
    problem,
    timeMs: performance.now() - start,
  };
}

/** The run's result: a complete one, or one stopped by its time limit; a run stopped by its signal is an AbortError holding what it had. */
function finish(result: TrainResult | null, step: number): TrainResult {
  if (result === null || result.stopped?.reason === 'signal') throw new AbortError(result?.steps ?? step, 'training', result);
  return result;
}

function control(opts: TrainOptions): Control {
  return { stop: null, deadline: opts.maxSeconds === undefined ? Infinity : performance.now() + 1000 * opts.maxSeconds };
}

/** Run a training generator to its end, honouring the signal at each of its pauses. */
function drive(gen: Generator<Yield, TrainResult | null, void>, signal: AbortSignal | undefined, ctl: Control): TrainResult {
  let step = 0;
  for (;;) {
    const r = gen.next();
    if (r.done) return finish(r.value, step);
    step = r.value;
    if (signal?.aborted) ctl.stop = 'signal';
  }
}

/** Train synchronously (Node, or any host where the kernels can be compiled synchronously). */
export function trainSync(input: RfaConfigInput | RfaConfig, opts?: TrainOptions): TrainResult {
  const o = snapshot(opts);
  const ctl = control(o);
  const p = plan(input, o, simdSupportedSync(), true);
  if (o.wasmModule) provideNormalsModule(o.wasmModule);
  return drive(run(p, o, o.wasmModule, ctl), o.signal, ctl);
}

/** Yield to the event loop: setImmediate in Node (setTimeout(0) is clamped to ≥ 1 ms), else a MessageChannel task. */
const nextTask: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((resolve) => setImmediate(resolve))
    : typeof MessageChannel === 'function'
      ? () => new Promise((resolve) => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            ch.port1.close();
            resolve();
          };
          ch.port2.postMessage(0);
        })
      : () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Train asynchronously: yields to the event loop between pieces of work (sampling included); cancel
 * with opts.signal. The config and options are read and checked when train is called.
 */
export async function train(input: RfaConfigInput | RfaConfig, opts?: TrainOptions): Promise<TrainResult> {
  const o = snapshot(opts);
  const ctl = control(o);
  if ((o.resume || o.checkpoint || o.data || o.init) && !extras) provideExtras((await import('./extras.js')).makeExtras);
  // a run that asks for threads by number gets the reasons of a refusal (in a page: from the team code)
  if (typeof o.threads === 'number' && o.threads > 1) await loadThreads();
  const p = plan(input, o, simdSupportedSync(), false);
  const module = p.backend === 'js' ? undefined : o.wasmModule ?? (await compileKernels(p.backend));
  // a team's workers (Web Workers in a browser) start now, while this thread is free to let them
  if (p.threads > 1) {
    const start = await prepareTeam(p.threads - 1, () => compileKernels('simd-mt'), o.threads, o.signal);
    if (start) p.team.start = start;
    else p.threads = 1; // 'auto', where a team cannot start after all
  }
  try {
    if (p.backend === 'js') jsEngines ??= await import('./js_engines.js');
    // the normal sampler runs in a kernel build too: the run's own when given, else the inlined scalar one
    if (module) provideNormalsModule(module);
    if (o.signal?.aborted) throw new AbortError(0);
    const gen = run(p, o, module, ctl);
    let step = 0;
    for (;;) {
      const r = gen.next();
      if (r.done) return finish(r.value, step);
      step = r.value;
      await nextTask();
      if (o.signal?.aborted) ctl.stop = 'signal';
    }
  } finally {
    releaseWorkers(p.team.start); // those the run did not take (cancelled or failed before its team started)
  }
}
