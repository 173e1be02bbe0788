// Whole runs: backends against the float64 reference, reproducibility, schedules, cancellation,
// and what happens when the loss stops being finite.
import { describe, expect, it } from 'vitest';
import {
  AbortError, NonFiniteLossError, NonFiniteWeightsError, checkWasmFits, datasetFromArrays, engineBytes, engineLayout, frobeniusNorm,
  initWeights, resolveEvalSteps, sampleProblem, resolveConfig, train, trainSync, type Arena, type Engine, type EngineLayout,
  type EvalRecord, type TrainResult,
} from '../src/index.js';
import { HEAP_BASE_MAX } from '../src/wasm/layout.js';
import { expectBitEqual, expectClose } from './helpers.js';

const small = { seed: 7, data: { n: 60, d: 40, nTest: 500 }, model: { m: 24 }, train: { alpha: 0.1, steps: 25 } };

describe('a 25-step run', () => {
  const ref = trainSync(small, { backend: 'js', evalAt: { every: 5 } });
  const runs: Record<string, TrainResult> = {
    simd: trainSync(small, { backend: 'simd', evalAt: { every: 5 } }),
    scalar: trainSync(small, { backend: 'scalar', evalAt: { every: 5 } }),
  };

  it.each(['simd', 'scalar'])('%s stays within f32 tolerance of the float64 reference', (b) => {
    const r = runs[b]!;
    // W(25): each step adds an O(α) f32-rounded update; 25 steps of n·d-term sums
    expectClose(r.weights, ref.weights, 1e-6, 1e-4, `${b} W(25) vs float64`);
    expectClose(r.losses, ref.losses, 1e-7, 1e-6, `${b} per-step loss vs float64`);
    expect(r.history.map((h) => h.step)).toEqual([0, 5, 10, 15, 20, 25]);
    r.history.forEach((h, i) => {
      const g = ref.history[i]!;
      expect(h.trainAcc).toBe(g.trainAcc);
      expect(h.testAcc).toBe(g.testAcc);
      expect(h.weightNorm).toBeCloseTo(g.weightNorm, 5);
    });
  });

  it('SIMD and scalar give the same bits (same summation order by design)', () => {
    expectBitEqual(runs.simd!.weights, runs.scalar!.weights, 'W(25)');
    expectBitEqual(runs.simd!.losses, runs.scalar!.losses, 'losses');
  });

  it.each(['simd', 'scalar', 'js'] as const)('%s: the same seed gives the same bits twice', (b) => {
    const again = trainSync(small, { backend: b });
    const first = b === 'js' ? ref : runs[b]!;
    expectBitEqual(again.weights, first.weights, `${b} W(25)`);
    expectBitEqual(again.losses, first.losses, `${b} losses`);
  });

  it('a different seed gives different data and weights', () => {
    const other = trainSync({ ...small, seed: 8 }, { backend: 'simd' });
    expect(other.weights[0]).not.toBe(runs.simd!.weights[0]);
  });

  it('the loss decreases and the record holds every field', () => {
    const h = runs.simd!.history;
    expect(h.at(-1)!.loss).toBeLessThan(h[0]!.loss);
    for (const rec of h) {
      for (const k of ['loss', 'trainAcc', 'trainAccClean', 'trainAccFlipped', 'testAcc', 'testAccClean', 'weightNorm'] as const) {
        expect(Number.isFinite(rec[k] as number), `${k} at step ${rec.step}`).toBe(true);
      }
    }
    expect(h.at(-1)!.weightNorm).toBeCloseTo(frobeniusNorm(runs.simd!.weights), 10);
  });

  it('returns copies, never views into WASM memory', () => {
    const r = runs.simd!;
    expect(r.weights.buffer).not.toBeInstanceOf(WebAssembly.Memory);
    expect(r.weights.buffer.byteLength).toBe(r.weights.byteLength);
  });
});

describe('defaults and schedules', () => {
  it('T defaults to 1 + ⌊1/(4α)⌋ and the paper defaults are filled', () => {
    const c = resolveConfig({ train: { alpha: 0.1 } });
    expect(c.train.steps).toBe(3);
    expect(resolveConfig({ train: { alpha: 0.01 } }).train.steps).toBe(26);
    expect(c.model.m).toBe(400);
    expect(c.data.sigma ** 2).toBeCloseTo(Math.pow(c.data.d, -1.2), 12);
    expect(c.model.omegaInit ** 2).toBeCloseTo(0.01 / (400 * c.data.d), 15);
    expect(c.data.nTest).toBe(6000);
    expect(c.data.noise).toEqual({ mode: 'exact', eta: 0.15 });
  });

  it('log-spaced, every-k and explicit evaluation steps', () => {
    expect(resolveEvalSteps(undefined, 10)).toEqual([0, 10]);
    expect(resolveEvalSteps([3, 1, 3], 10)).toEqual([0, 1, 3, 10]);
    expect(resolveEvalSteps({ every: 4 }, 10)).toEqual([0, 4, 8, 10]);
    const log = resolveEvalSteps({ log: 7 }, 1000000);
    expect(log[0]).toBe(0);
    expect(log.at(-1)).toBe(1000000);
    expect(log).toContain(1);
    expect(log).toContain(1000);
    expect(log.length).toBe(8);
  });

  it('records only at the requested steps, even for long runs', () => {
    const r = trainSync({ ...small, train: { steps: 3000 } }, { evalAt: { log: 5 } });
    expect(r.history.map((h) => h.step)).toEqual(resolveEvalSteps({ log: 5 }, 3000));
    expect(r.losses.length).toBe(3000);
  });

  it('keeps the per-step training accuracy, computed in WASM, equal to the float64 record where recorded', () => {
    for (const backend of ['simd', 'scalar', 'js'] as const) {
      const r = trainSync(small, { backend, keepAccuracy: true, evalAt: { every: 1 } });
      expect(r.trainAccs.length).toBe(25);
      for (let t = 0; t < 25; t++) expect(r.trainAccs[t], `${backend} step ${t}`).toBeCloseTo(r.history[t]!.trainAcc, 6);
    }
    expect(trainSync(small).trainAccs.length).toBe(0);
  });

  it('instruments attach their output to each record', () => {
    const r = trainSync(small, { evalAt: [1], instrument: (c) => ({ norm0: frobeniusNorm(c.initialWeights), step: c.step }) });
    expect(r.history.map((h) => h.extra?.step)).toEqual([0, 1, 25]);
  });
});

describe('the paper default at small scale', () => {
  it('Theorem 1 at T: clean points right, flipped points wrong, test accuracy ≈ 1 − η', () => {
    for (const seed of [1, 2, 3]) {
      const r = trainSync({ seed, data: { n: 100, d: 800, nTest: 2000 } });
      const last = r.history.at(-1)!;
      expect(last.trainAccClean, `seed ${seed}`).toBe(1);
      expect(last.trainAccFlipped, `seed ${seed}`).toBe(0);
      expect(Math.abs(last.testAcc! - 0.85), `seed ${seed}`).toBeLessThan(0.03);
    }
  });
});

describe('starting from given data and weights', () => {
  it('uses the given W(0) and data exactly', () => {
    const c = resolveConfig(small);
    const p = sampleProblem(c);
    const w0 = initWeights(24, 40, 0.05, 99);
    const r = trainSync(c, { data: { train: p.train, test: p.test }, init: w0 });
    expectBitEqual(r.initialWeights, w0, 'W(0)');
    const r2 = trainSync(c, { data: { train: p.train, test: p.test }, init: w0 });
    expectBitEqual(r.weights, r2.weights, 'W(T)');
  });
});

describe('async training', () => {
  it('reports progress and gives the same bits as the synchronous form', async () => {
    const seen: number[] = [];
    const r = await train({ ...small, data: { ...small.data, n: 400, d: 200 }, model: { m: 100 }, train: { steps: 40 } }, {
      onProgress: (p) => seen.push(p.step),
    });
    const s = trainSync({ ...small, data: { ...small.data, n: 400, d: 200 }, model: { m: 100 }, train: { steps: 40 } });
    expect(seen.at(-1)).toBe(40);
    expect(seen.length).toBeGreaterThan(1);
    expectBitEqual(r.weights, s.weights, 'async vs sync W(T)');
  });

  it('stops with an AbortError when the signal fires', async () => {
    const ctl = new AbortController();
    const p = train({ ...small, data: { ...small.data, n: 400, d: 200 }, model: { m: 100 }, train: { steps: 100000 } }, {
      signal: ctl.signal,
      onProgress: (q) => { if (q.step > 20) ctl.abort(); },
    });
    await expect(p).rejects.toBeInstanceOf(AbortError);
  });
});

describe('a loss that stops being finite', () => {
  // f32 overflows within a step or two here; the float64 reference cannot be pushed past its range
  // with in-range config values (the gradient is bounded, so W grows only linearly).
  it.each(['simd', 'scalar'] as const)('%s: stops with the step and keeps the last finite weights', (backend) => {
    const cfg = { seed: 2, data: { n: 30, d: 10, nTest: 10, muNorm: 1e17 }, model: { m: 8, omegaInit: 1 }, train: { alpha: 1e18, steps: 50 } };
    let err: NonFiniteLossError | undefined;
    try {
      trainSync(cfg, { backend });
    } catch (e) {
      err = e as NonFiniteLossError;
    }
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err!.message).toMatch(/at step \d+/);
    expect(err!.step).toBeGreaterThan(0);
    const w = err!.lastFiniteWeights!;
    expect(w.length).toBe(80);
    expect(Array.from(w).every(Number.isFinite)).toBe(true);
    // those weights are exactly W(step − 1) of a run stopped there
    if (err!.step >= 1) {
      const shorter = trainSync({ ...cfg, train: { ...cfg.train, steps: err!.step - 1 } }, { backend, keepLosses: false });
      expectBitEqual(shorter.weights, w, 'last finite weights');
    }
    // the same when every step is its own chunk (the failure is then caught at a chunk boundary)
    let err2: NonFiniteLossError | undefined;
    try {
      trainSync(cfg, { backend, evalAt: { every: 1 } });
    } catch (e) {
      err2 = e as NonFiniteLossError;
    }
    expect(err2!.step).toBe(err!.step);
    expectBitEqual(err2!.lastFiniteWeights!, w, 'last finite weights, one step per chunk');
    // and when a chunk boundary falls between the bad update and the step that sees it (no record there):
    // the weights come from the checkpoint of the chunk before
    let err3: NonFiniteLossError | undefined;
    try {
      trainSync(cfg, { backend, chunkSteps: 1 });
    } catch (e) {
      err3 = e as NonFiniteLossError;
    }
    expect(err3!.step).toBe(err!.step);
    expectBitEqual(err3!.lastFiniteWeights!, w, 'last finite weights, from the previous checkpoint');
  });
});

describe('weights that stop being finite', () => {
  // all labels +1 and huge inputs: one update sends a weight to ±∞ while the loss can stay finite
  const cfg = { seed: 1, data: { n: 40, d: 30, nTest: 0, muNorm: 1e10 }, model: { m: 16 }, train: { alpha: 1e30, steps: 10 } };
  const p = sampleProblem(resolveConfig(cfg));
  const data = { train: datasetFromArrays(p.train.x, new Int8Array(40).fill(1), 40, 30) };
  it.each(['simd', 'scalar'] as const)('%s: stop with NonFiniteWeightsError, the step and W(step − 1) exactly', (backend) => {
    const errs = [{}, { chunkSteps: 1 }, { evalAt: { every: 1 } }, { chunkMs: 1e-6 }].map((extra) => {
      try {
        trainSync(cfg, { backend, data, ...extra });
      } catch (e) {
        return e as NonFiniteWeightsError;
      }
      return null;
    });
    for (const err of errs) {
      expect(err).toBeInstanceOf(NonFiniteWeightsError);
      expect(err!.step).toBe(1);
      expect(err!.message).toMatch(/the weights stopped being finite .* at step 1; the last finite weights \(step 0\)/);
      expectBitEqual(err!.lastFiniteWeights!, errs[0]!.lastFiniteWeights!, 'W(0) from each chunking');
    }
    expectBitEqual(errs[0]!.lastFiniteWeights!, initWeights(16, 30, resolveConfig(cfg).model.omegaInit, 1), 'W(0)');
  });

  it('a loss that is not finite at step 0 says so, with no "step -1"', () => {
    const x = new Float32Array(60).fill(3e38);
    let err: NonFiniteLossError | undefined;
    try {
      trainSync({ model: { m: 40, omegaInit: 1 }, train: { steps: 2 } }, { data: { train: datasetFromArrays(x, new Int8Array(20).fill(-1).map((v, i) => (i % 2 ? 1 : v)), 20, 3) } });
    } catch (e) {
      err = e as NonFiniteLossError;
    }
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err!.step).toBe(0);
    expect(err!.lastFiniteWeights).toBe(null);
    expect(err!.message).toMatch(/at step 0: the initial weights W\(0\) and the data give no finite loss/);
    expect(err!.message).not.toMatch(/step -1/);
  });
});

describe('pieces of work sized by time', () => {
  const cfg = { seed: 3, data: { n: 90, d: 70, nTest: 300 }, model: { m: 36 }, train: { alpha: 0.2, steps: 12 } };
  it.each(['simd', 'scalar', 'js'] as const)('%s: steps cut into pieces give the bits of whole steps', (backend) => {
    const whole = trainSync(cfg, { backend, keepAccuracy: true, evalAt: { every: 4 } });
    const cut = trainSync(cfg, { backend, keepAccuracy: true, evalAt: { every: 4 }, chunkMs: 1e-6 });
    expectBitEqual(cut.weights, whole.weights, `${backend} W(T)`);
    expectBitEqual(cut.losses, whole.losses, `${backend} losses`);
    expectBitEqual(cut.trainAccs, whole.trainAccs, `${backend} per-step accuracy`);
    expect(cut.history).toEqual(whole.history);
  });

  it.each(['primal', 'kernel'] as const)('%s: one step in pieces yields between them and changes W only at its end', (path) => {
    const shape = { seed: 3, data: { n: 150, d: 170, nTest: 0 }, model: { m: 36 }, train: { alpha: 0.2, steps: 3 } };
    for (const backend of ['simd', 'js'] as const) {
      const r = trainSync(shape, { backend, path, keepLosses: true });
      const engines: Engine[] = [];
      trainSync({ ...shape, train: { ...shape.train, steps: 0 } }, { backend, path, instrument: (c) => void engines.push(c.engine) });
      const e = engines[0]!;
      expect(e.path).toBe(path);
      const w0 = e.weights();
      const loss = new Float64Array(1);
      const gen = e.stepInPieces(loss, undefined, 1); // the smallest pieces: 64 rows, 16 columns
      let yields = 0;
      for (let s = gen.next(); !s.done; s = gen.next()) {
        yields++;
        expectBitEqual(e.weights(), w0, `${backend}: W during the step`);
      }
      expect(yields).toBeGreaterThanOrEqual(Math.ceil(150 / 64));
      expect(loss[0]).toBe(r.losses[0]);
      e.setWeights(w0);
      const again = new Float64Array(1);
      e.steps(1, again);
      const viaSteps = e.weights();
      e.setWeights(w0);
      for (const _ of e.stepInPieces(loss, undefined, 1e15)) { /* one piece */ }
      expectBitEqual(e.weights(), viaSteps, `${backend}: pieces vs steps(1)`);
    }
  });

  it('a run can be cancelled inside a step: the abort names the step reached', async () => {
    const big = { seed: 1, data: { n: 300, d: 400, nTest: 0 }, model: { m: 64 }, train: { steps: 1 } };
    const ctl = new AbortController();
    let records = 0;
    const p = train(big, { signal: ctl.signal, chunkMs: 1e-3, onProgress: (q) => {
      if (q.record) records++;
      if (q.record?.step === 0) setImmediate(() => ctl.abort()); // fires at the first yield inside step 0
    } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).step).toBe(0);
    expect(records).toBe(1);
  });

  it('progress carries each evaluation record as it is made', async () => {
    const seen: EvalRecord[] = [];
    const r = await train(small, { evalAt: { every: 5 }, onProgress: (q) => { if (q.record) seen.push(q.record); } });
    expect(seen).toEqual(r.history);
  });
});

describe('the WASM memory layout is one function, used by the engine and by validation', () => {
  it.each([[1, 2, 2, 0], [200, 1000, 400, 6000], [37, 13, 11, 2000], [3, 5, 7, 1]])('n=%i d=%i m=%i nTest=%i', (n, d, m, nTest) => {
    const engines: Engine[] = [];
    trainSync({ data: { n, d, nTest }, model: { m }, train: { steps: 0 } }, { backend: 'simd', instrument: (c) => void engines.push(c.engine) });
    const e = engines[0] as unknown as { arena: Arena; p: EngineLayout };
    const base = e.arena.kernels.heap_base();
    expect(base).toBeLessThanOrEqual(HEAP_BASE_MAX);
    expect(e.arena.size).toBe(engineLayout({ n, d, m, nTest }, base).end);
    expect(e.p).toEqual(engineLayout({ n, d, m, nTest }, base));
    expect(engineBytes({ n, d, m, nTest })).toBeGreaterThanOrEqual(e.arena.size);
    expect(engineBytes({ n, d, m, nTest }) - e.arena.size).toBeLessThanOrEqual(HEAP_BASE_MAX);
  });

  it('a run over 4 GiB is refused before anything is sampled, naming the sizes; the js backend takes it', () => {
    const cfg = { data: { n: 4, d: 1000, nTest: 0 }, model: { m: 280000 }, train: { steps: 0 } };
    expect(() => trainSync(cfg, { backend: 'simd' })).toThrow(/data.n, data.d, data.nTest, model.m must be sizes whose WASM arena fits in the 4 GiB of a wasm32 memory: this one needs 4.18 GiB (.*); use fewer samples or neurons, or the .js. backend, got {"n":4,"d":1000,"nTest":0,"m":280000}/);
    expect(checkWasmFits({ n: 30000, d: 2, m: 18000, nTest: 0 })).toBeUndefined();
  });
});
