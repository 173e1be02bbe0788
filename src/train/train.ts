// The trainer: config → data → network → WASM (or float64) engine → evaluation records.
// One generator drives both forms: trainSync runs it straight through, train() awaits a macrotask
// between chunks so progress can be shown and an AbortSignal honoured. A chunk runs whole GD steps
// inside WASM (gd_steps), with no JS per step, up to the next evaluation step.
import { resolveConfig, type RfaConfig, type RfaConfigInput } from '../config.js';
import { AbortError, ConfigError, NonFiniteLossError } from '../errors.js';
import { sampleProblem, type XorDataset, type XorMeans, type XorProblem } from '../data.js';
import { frobeniusNorm, initWeights, secondLayer } from '../model.js';
import { logisticLossRef } from '../reference.js';
import { compileKernels, compileKernelsSync, simdSupported, simdSupportedSync } from '../wasm/loader.js';
import { BACKENDS, type Backend, type Engine, type EngineInit } from './engine.js';
import { JsEngine } from './js_engine.js';
import { WasmEngine } from './wasm_engine.js';
import { resolveEvalSteps, type EvalSchedule } from './schedule.js';

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
  loss: number;
  elapsedMs: number;
}

/** What an instrument sees at an evaluation step. */
export interface EvalContext {
  step: number;
  config: RfaConfig;
  problem: XorProblem;
  a: Float32Array;
  /** W(0), (m, d) */
  initialWeights: Float32Array;
  /** W(step), (m, d), a copy */
  weights: Float32Array | Float64Array;
  engine: Engine;
}

export interface TrainOptions {
  /** 'auto' (default): SIMD when the engine supports it, else scalar */
  backend?: Backend | 'auto';
  evalAt?: EvalSchedule;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** start from given data instead of sampling it from the config (e.g. loaded from .npy) */
  data?: { train: XorDataset; test?: XorDataset | null; means?: XorMeans };
  /** start from given weights W(0), (m, d) row-major, instead of the seeded initialization */
  init?: ArrayLike<number>;
  /** a compiled kernel module (browsers, or a custom build) */
  wasmModule?: WebAssembly.Module;
  /** called at each evaluation step; what it returns is stored as the record's `extra` */
  instrument?: (ctx: EvalContext) => Record<string, unknown> | undefined;
  /** keep the per-step losses (default: when train.steps ≤ 10⁷) */
  keepLosses?: boolean;
  /** at most this many steps per WASM call between progress reports and yields (default: about 10⁹ flops' worth) */
  chunkSteps?: number;
  /** also keep the training accuracy of every step, computed inside the WASM step (default false) */
  keepAccuracy?: boolean;
}

export interface TrainResult {
  config: RfaConfig;
  backend: Backend;
  /** steps run (= config.train.steps) */
  steps: number;
  history: EvalRecord[];
  /** losses[t] = L̂(W(t)) for t < steps (empty when keepLosses is false) */
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

/** About this many flops per chunk between yields and checkpoints (some tens of ms). */
const CHUNK_FLOPS = 1e9;

function resolveBackend(b: TrainOptions['backend'], simd: boolean): Backend {
  if (b === undefined || b === 'auto') return simd ? 'simd' : 'scalar';
  if (!BACKENDS.includes(b)) throw new ConfigError('backend', b, `one of "auto", ${BACKENDS.map((x) => `"${x}"`).join(', ')}`);
  if (b === 'simd' && !simd) throw new ConfigError('backend', b, 'a backend this engine supports: it has no WebAssembly SIMD ("scalar" or "js")');
  return b;
}

function prepare(input: RfaConfigInput | RfaConfig, opts: TrainOptions) {
  const config = resolveConfig(input as RfaConfigInput);
  const d = config.data.d;
  const m = config.model.m;
  let problem: XorProblem;
  if (opts.data) {
    const { train, test, means } = opts.data;
    if (train.d !== d) throw new ConfigError('data.d', d, `equal to the given data's dimension ${train.d}`);
    if (train.n !== config.data.n) throw new ConfigError('data.n', config.data.n, `equal to the given data's sample count ${train.n}`);
    const sampled = test === undefined || means === undefined ? sampleProblem({ ...config, data: { ...config.data, n: 0 } }) : null;
    problem = {
      mu1: means?.mu1 ?? sampled!.mu1,
      mu2: means?.mu2 ?? sampled!.mu2,
      muNorm: means?.muNorm ?? sampled!.muNorm,
      train,
      test: test === undefined ? sampled!.test : test ?? emptySet(d),
    };
  } else {
    problem = sampleProblem(config);
  }
  let w0: Float32Array;
  if (opts.init) {
    if (opts.init.length !== m * d) throw new ConfigError('init', `length ${opts.init.length}`, `m·d = ${m}·${d} = ${m * d} weights`);
    w0 = Float32Array.from(opts.init);
    for (let i = 0; i < w0.length; i++) {
      if (!Number.isFinite(w0[i]!)) throw new ConfigError(`init[${Math.floor(i / d)}][${i % d}]`, opts.init[i], 'a finite number');
    }
  } else {
    w0 = initWeights(m, d, config.model.omegaInit, config.seed);
  }
  const a = secondLayer(m);
  const init: EngineInit = {
    train: problem.train,
    test: problem.test.n > 0 ? problem.test : null,
    w: w0,
    a,
    alpha: config.train.alpha,
    dphi0: config.model.dphi0,
  };
  const evalSteps = resolveEvalSteps(opts.evalAt, config.train.steps);
  return { config, problem, w0, a, init, evalSteps };
}

function emptySet(d: number): XorDataset {
  return { n: 0, d, x: new Float32Array(0), y: new Int8Array(0), cleanY: null, cluster: null, flipped: null };
}

function makeEngine(backend: Backend, init: EngineInit, module: WebAssembly.Module | undefined): Engine {
  if (backend === 'js') return new JsEngine(init);
  return new WasmEngine(module ?? compileKernelsSync(backend), backend, init);
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

export function evaluate(engine: Engine, problem: XorProblem, step: number, weights = engine.weights()): EvalRecord {
  const { train, test } = problem;
  const f = engine.outputs('train');
  let loss = 0;
  for (let i = 0; i < train.n; i++) loss += logisticLossRef(train.y[i]! * f[i]!);
  loss /= train.n;
  const flipped = train.flipped;
  const ft = test.n > 0 ? engine.outputs('test') : null;
  return {
    step,
    loss,
    trainAcc: accuracy(f, train.y)!,
    trainAccClean: flipped ? accuracy(f, train.y, (i) => flipped[i] === 0) : null,
    trainAccFlipped: flipped ? accuracy(f, train.y, (i) => flipped[i] === 1) : null,
    testAcc: ft ? accuracy(ft, test.y) : null,
    testAccClean: ft && test.cleanY ? accuracy(ft, test.cleanY) : null,
    weightNorm: frobeniusNorm(weights),
  };
}

function* run(
  config: RfaConfig, problem: XorProblem, engine: Engine, w0: Float32Array, a: Float32Array,
  evalSteps: number[], opts: TrainOptions,
): Generator<void, TrainResult, void> {
  const start = performance.now();
  const T = config.train.steps;
  const { n, d } = config.data;
  const m = config.model.m;
  const keep = opts.keepLosses ?? T <= MAX_AUTO_LOSSES;
  if (keep && T > MAX_KEPT_LOSSES) {
    throw new ConfigError('keepLosses', true, `false for runs longer than ${MAX_KEPT_LOSSES} steps (train.steps is ${T}; the per-step losses would not fit in memory)`);
  }
  const losses = new Float64Array(keep ? T : 0);
  const buf = new Float64Array(4096);
  const keepAcc = opts.keepAccuracy === true;
  if (keepAcc && T > MAX_KEPT_LOSSES) throw new ConfigError('keepAccuracy', true, `false for runs longer than ${MAX_KEPT_LOSSES} steps (train.steps is ${T})`);
  const trainAccs = new Float32Array(keepAcc ? T : 0);
  const accBuf = keepAcc ? new Float32Array(4096) : undefined;
  if (opts.chunkSteps !== undefined && (!Number.isInteger(opts.chunkSteps) || opts.chunkSteps < 1)) {
    throw new ConfigError('chunkSteps', opts.chunkSteps, 'an integer ≥ 1');
  }
  const perChunk = opts.chunkSteps ?? Math.max(1, Math.floor(CHUNK_FLOPS / (4 * n * d * m)));
  const history: EvalRecord[] = [];
  // two checkpoints (the starts of this chunk and the one before), so the weights before a
  // non-finite loss can be recomputed exactly; they live in the engine's memory, so keeping them
  // costs one memcpy of W per chunk and no allocation
  const ckptStep: [number, number] = [-1, -1];
  let slot: 0 | 1 = 1;
  let t = 0;
  let lastLoss = NaN;

  const record = (step: number): void => {
    const weights = engine.weights(); // one unpack of W per record, shared with the instrument
    const rec = evaluate(engine, problem, step, weights);
    if (opts.instrument) {
      const extra = opts.instrument({ step, config, problem, a, initialWeights: w0, weights, engine });
      if (extra) rec.extra = extra;
    }
    history.push(rec);
  };

  const fail = (tf: number, loss: number): never => {
    let last: Float32Array | Float64Array | null = null;
    if (tf >= 1) {
      // the latest checkpoint at or before step tf − 1
      const s: 0 | 1 = ckptStep[slot] <= tf - 1 ? slot : slot === 0 ? 1 : 0;
      if (ckptStep[s]! >= 0 && ckptStep[s]! <= tf - 1) {
        engine.rollback(s);
        const k = tf - 1 - ckptStep[s]!;
        engine.steps(k, new Float64Array(Math.max(1, k)));
        last = engine.weights();
      }
    }
    throw new NonFiniteLossError(tf, loss, last);
  };

  for (const e of evalSteps) {
    while (t < e) {
      if (opts.signal?.aborted) throw new AbortError(t);
      const k = Math.min(e - t, perChunk, buf.length);
      slot = slot === 0 ? 1 : 0;
      engine.checkpoint(slot);
      ckptStep[slot] = t;
      const done = engine.steps(k, buf, accBuf);
      if (keep) losses.set(buf.subarray(0, done), t);
      if (accBuf) trainAccs.set(accBuf.subarray(0, done), t);
      if (done < k) fail(t + done, buf[done]!);
      t += done;
      lastLoss = buf[done - 1]!;
      opts.onProgress?.({ step: t, steps: T, loss: lastLoss, elapsedMs: performance.now() - start });
      yield;
    }
    record(e);
    const last = history[history.length - 1]!;
    if (!Number.isFinite(last.loss)) fail(e, last.loss);
  }
  return {
    config,
    backend: engine.backend,
    steps: T,
    history,
    losses,
    trainAccs,
    weights: engine.weights(),
    initialWeights: w0,
    a,
    problem,
    timeMs: performance.now() - start,
  };
}

/** Train synchronously (Node, or any host where the kernels can be compiled synchronously). */
export function trainSync(input: RfaConfigInput | RfaConfig, opts: TrainOptions = {}): TrainResult {
  const backend = resolveBackend(opts.backend, simdSupportedSync());
  const { config, problem, w0, a, init, evalSteps } = prepare(input, opts);
  const engine = makeEngine(backend, init, opts.wasmModule);
  const gen = run(config, problem, engine, w0, a, evalSteps, opts);
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
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

/** Train asynchronously: yields to the event loop between chunks; cancel with opts.signal. */
export async function train(input: RfaConfigInput | RfaConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const backend = resolveBackend(opts.backend, await simdSupported());
  const { config, problem, w0, a, init, evalSteps } = prepare(input, opts);
  const module = backend === 'js' ? undefined : opts.wasmModule ?? (await compileKernels(backend));
  const engine = makeEngine(backend, init, module);
  const gen = run(config, problem, engine, w0, a, evalSteps, opts);
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
    await nextTask();
  }
}
