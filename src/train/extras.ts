// What the trainer needs only for the options few runs use, loaded apart (the Node entry imports it;
// train() in a page when a run uses one), so a page that uses none does not carry it: checkpoints and
// resuming (the checks that a checkpoint belongs to the run, the fingerprint of a run's inputs), and
// given data and W(0) (their checks).
//
// It imports nothing but types: what it uses of the rest of rfa comes in `kit`, from train.ts. A lazily
// imported module that imports shared modules (config.ts, errors.ts) makes bundlers that do not split
// (esbuild's IIFE) wrap those in lazy initializers; with package.json declaring them free of side
// effects, esbuild then dropped their initialization from a page that imported them through the 'rfa'
// barrel without calling train (the live page broke: resolveConfig saw its defaults undefined). The
// declaration is gone (test/bundlers.test.ts checks every export alone); the kit keeps this chunk
// independent of how bundlers treat shared modules.
import type { RfaConfig, RfaConfigInput } from '../config.js';
import type { XorProblem } from '../data.js';
import type { TrainCheckpoint } from './checkpoint.js';
import type { Backend, Engine, StepPath } from './engine.js';
import type { ExtrasKit, TrainOptions } from './train.js';

export function makeExtras(kit: ExtrasKit) {
  const { canonical, checkRange, isPlainObject, MAX_COUNT, RANGES, resolveConfig, checkDataset, ConfigError, fingerprint } = kit;

  /** A resumed run keeps the checkpoint's path (a path asked for must be that one). */
  function resumePath(ck: TrainCheckpoint, asked: TrainOptions['path']): StepPath {
    if (ck.path !== 'primal' && ck.path !== 'kernel') throw new ConfigError('resume.path', ck.path, '"primal" or "kernel"');
    if (asked !== undefined && asked !== 'auto' && asked !== ck.path) throw new ConfigError('path', asked, `the checkpoint's path "${ck.path}" (or "auto") when resuming`);
    return ck.path;
  }

  /** A checkpoint can continue only the run it was taken from: the same config, backend, path, evaluation steps and kept arrays. */
  function checkResume(ck: TrainCheckpoint, run: { config: RfaConfig; backend: Backend; path: StepPath; evalSteps: number[]; keep: boolean; keepAcc: boolean }): void {
    const a = canonical(ck.config), b = canonical(run.config);
    if (a !== b) {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      throw new ConfigError('resume.config', `${a.slice(Math.max(0, i - 30), i + 30)}`, `the config of this run (they differ here: ${b.slice(Math.max(0, i - 30), i + 30)})`);
    }
    if (ck.backend !== run.backend) throw new ConfigError('resume.backend', ck.backend, `the backend of this run, "${run.backend}" (bits differ between backends; pass backend: "${ck.backend}")`);
    if (canonical(ck.evalSteps) !== canonical(run.evalSteps)) throw new ConfigError('resume.evalSteps', `${ck.evalSteps.length} steps`, `this run's evaluation steps (${run.evalSteps.length} steps; pass the evalAt the checkpointed run had)`);
    if (!Number.isInteger(ck.step) || ck.step < 0 || ck.step > run.config.train.steps) throw new ConfigError('resume.step', ck.step, `an integer in [0, ${run.config.train.steps}]`);
    if ((ck.losses !== null) !== run.keep) throw new ConfigError('keepLosses', run.keep, `${ck.losses !== null} as in the checkpointed run`);
    if ((ck.trainAccs !== null) !== run.keepAcc) throw new ConfigError('keepAccuracy', run.keepAcc, `${ck.trainAccs !== null} as in the checkpointed run`);
    const missing = run.evalSteps.find((e) => e < ck.step && !ck.history.some((r) => r.step === e));
    if (missing !== undefined) throw new ConfigError('resume.history', `no record at step ${missing}`, `a record at every evaluation step before step ${ck.step}`);
  }

  /** A fingerprint of what a run samples (or is given): data and W(0). A resumed run must have the same. */
  function inputsFingerprint(problem: XorProblem, w0: Float32Array): string {
    const { train, test } = problem;
    return fingerprint([train.x, train.y, test.x, test.y, w0].filter((v): v is NonNullable<typeof v> => v != null) as ArrayBufferView[]);
  }

  /** The engine a checkpoint resumes: its state has the size of this run's, and the inputs are the checkpoint's. Returns their fingerprint. */
  function checkResumedEngine(ck: TrainCheckpoint, engine: Engine, problem: XorProblem, w0: Float32Array): string {
    if (ck.state.length !== engine.state().length) throw new ConfigError('resume.state', `${ck.state.length} values`, `${engine.state().length} values (this run's ${engine.path} state)`);
    const here = inputsFingerprint(problem, w0);
    if (ck.inputs !== here) throw new ConfigError('resume.inputs', ck.inputs, `the fingerprint of this run's data and W(0), ${here} (the checkpoint was taken with other data or another W(0))`);
    return here;
  }

  /** The checkpoint option: { everySteps?, everySeconds?, save }. */
  function checkCheckpointOptions(c: unknown): void {
    if (!isPlainObject(c)) throw new ConfigError('checkpoint', c, 'an object { everySteps?, everySeconds?, save }');
    for (const k of Object.keys(c)) if (!['everySteps', 'everySeconds', 'save'].includes(k)) throw new ConfigError(`checkpoint.${k}`, c[k], 'not set: checkpoint has everySteps, everySeconds, save');
    if (typeof c.save !== 'function') throw new ConfigError('checkpoint.save', c.save, 'a function that takes a TrainCheckpoint');
    if (c.everySteps !== undefined) checkRange('checkpoint.everySteps', c.everySteps, { integer: true, min: 1, max: MAX_COUNT });
    if (c.everySeconds !== undefined) checkRange('checkpoint.everySeconds', c.everySeconds, { min: 0, max: 1e9, minOpen: true });
  }

  /** The resume option is a checkpoint object (its fields are checked against the run by checkResume). */
  function checkCheckpointShape(r: unknown): void {
    if (!isPlainObject(r) || !isPlainObject(r.config) || typeof r.step !== 'number' || !ArrayBuffer.isView(r.state) || !Array.isArray(r.history) || !Array.isArray(r.evalSteps)) {
      throw new ConfigError('resume', r, 'a TrainCheckpoint (from a checkpoint save, or decodeCheckpoint / loadCheckpoint)');
    }
  }

  // ---- given data and W(0) ----

  /** Reads an own field of a plain object, or undefined (for the sizes a config may state). */
  function stated(input: unknown, section: string, key: string): unknown {
    if (!isPlainObject(input)) return undefined;
    const sec = Object.prototype.hasOwnProperty.call(input, section) ? input[section] : undefined;
    return isPlainObject(sec) && Object.prototype.hasOwnProperty.call(sec, key) ? sec[key] : undefined;
  }

  function givenConfig(input: RfaConfigInput | RfaConfig, given: NonNullable<TrainOptions['data']>): RfaConfig {
    if (!isPlainObject(given)) throw new ConfigError('data', given, 'an object { train, test?, means? }');
    // the inputs' finiteness is checked once, when the engine takes its copy (build)
    checkDataset(given.train, 'data.train', 1, { inputs: false });
    const test = given.test ?? null;
    if (test !== null) {
      checkDataset(test, 'data.test', 0, { inputs: false });
      if (test.d !== given.train.d) throw new ConfigError('data.test.d', test.d, `the training set's dimension ${given.train.d}`);
    }
    if (given.means !== undefined) {
      const { mu1, mu2, muNorm } = given.means;
      for (const [k, v] of [['mu1', mu1], ['mu2', mu2]] as const) {
        if (!v || typeof v.length !== 'number' || v.length !== given.train.d || !Array.prototype.every.call(v, Number.isFinite)) {
          throw new ConfigError(`data.means.${k}`, v, `a unit vector of d = ${given.train.d} finite numbers`);
        }
      }
      checkRange('data.means.muNorm', muNorm, RANGES['data.muNorm']);
      let n1 = 0, n2 = 0, dot = 0;
      for (let k = 0; k < given.train.d; k++) {
        n1 += mu1[k]! ** 2;
        n2 += mu2[k]! ** 2;
        dot += mu1[k]! * mu2[k]!;
      }
      if (Math.abs(n1 - 1) > 1e-6 || Math.abs(n2 - 1) > 1e-6 || Math.abs(dot) > 1e-6) {
        throw new ConfigError('data.means', { normMu1: Math.sqrt(n1), normMu2: Math.sqrt(n2), dot }, 'two orthonormal vectors µ1, µ2 (unit norm, ⟨µ1, µ2⟩ = 0, within 1e-6)');
      }
    }
    const sizes = { n: given.train.n, d: given.train.d, nTest: test?.n ?? 0 };
    const what = { n: "the given data's sample count", d: "the given data's dimension", nTest: "the given test set's size (0 without one)" };
    for (const k of ['n', 'd', 'nTest'] as const) {
      const v = stated(input, 'data', k);
      if (v !== undefined && v !== sizes[k]) throw new ConfigError(`data.${k}`, v, `equal to ${what[k]} ${sizes[k]}, or left out`);
    }
    return resolveConfig(input, sizes);
  }

  /** W(0) given by the caller: m·d finite numbers (within the float32 range), as a Float32Array. */
  function checkInit(init: ArrayLike<number>, m: number, d: number): Float32Array {
    if (init === null || typeof init !== 'object' || typeof init.length !== 'number') throw new ConfigError('init', init, `an array of m·d = ${m}·${d} weights`);
    if (init.length !== m * d) throw new ConfigError('init', `length ${init.length}`, `m·d = ${m}·${d} = ${m * d} weights`);
    if (!ArrayBuffer.isView(init)) {
      for (let i = 0; i < init.length; i++) {
        if (typeof init[i] !== 'number') throw new ConfigError(`init[${Math.floor(i / d)}][${i % d}]`, init[i], 'a number');
      }
    } else if (init instanceof BigInt64Array || init instanceof BigUint64Array) {
      throw new ConfigError('init', init, 'an array of numbers (not BigInt)');
    }
    const w0 = Float32Array.from(init);
    for (let i = 0; i < w0.length; i++) {
      if (!Number.isFinite(w0[i]!)) throw new ConfigError(`init[${Math.floor(i / d)}][${i % d}]`, init[i], 'a finite number (within the float32 range)');
    }
    return w0;
  }

  return { resumePath, checkResume, inputsFingerprint, checkResumedEngine, checkCheckpointOptions, checkCheckpointShape, givenConfig, checkInit };
}
