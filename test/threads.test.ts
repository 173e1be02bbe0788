// One run on a team of threads (the threaded SIMD build on a shared memory, worker_threads): the same
// bits as one thread on every path, shape and piece of work, including the risk, accuracies,
// evaluations, the non-finite stop and a step cut into pieces; workers come back for the next run
// after a run ends, fails or is cancelled; bad `threads` values are refused by name.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AbortError, ConfigError, NonFiniteLossError, paperInstrument, train, trainSync } from '../src/index.js';
import { chooseThreads } from '../src/train/train.js';
import { DualWasmEngine } from '../src/train/dual_engine.js';
import { compileKernelsSync } from '../src/wasm/loader.js';
import { coreCount, pooledWorkers } from '../src/wasm/threads.js';
import { initWeights, resolveConfig, sampleProblem, secondLayer } from '../src/index.js';
import { expectBitEqual } from './helpers.js';

const shapes = [
  // d < 16·T: G split by columns (m = 37 leaves a column tail; n = 103 a row tail)
  { name: 'small d, ragged', seed: 11, data: { n: 103, d: 6, nTest: 50 }, model: { m: 37 }, train: { alpha: 0.3, steps: 120 } },
  // d ≥ 16·T: G split by rows (d = 70 is not a multiple of 4)
  { name: 'larger d', seed: 12, data: { n: 64, d: 70, nTest: 30 }, model: { m: 48 }, train: { alpha: 0.3, steps: 120 } },
  // more samples than a row share of 4, fewer than threads × 4
  { name: 'tiny n', seed: 13, data: { n: 6, d: 20, nTest: 10 }, model: { m: 9 }, train: { alpha: 0.3, steps: 60 } },
];

describe.each(shapes)('threads give the bits of one thread: $name', ({ name: _n, ...cfg }) => {
  for (const path of ['primal', 'kernel'] as const) {
    it(`${path} path, 2 and 3 threads`, () => {
      // a fresh instrument per run (paperInstrument records Lemmas 3 and 4 once, at its first call)
      const opts = () => ({ backend: 'simd' as const, path, evalAt: { every: 40 }, keepAccuracy: true, instrument: paperInstrument(cfg).instrument });
      const one = trainSync(cfg, { ...opts(), threads: 1 });
      expect(one.threads).toBe(1);
      for (const threads of [2, 3]) {
        const many = trainSync(cfg, { ...opts(), threads });
        expect(many.threads).toBe(threads);
        expect(many.path).toBe(path);
        expectBitEqual(many.losses, one.losses, `losses, ${threads} threads`);
        expectBitEqual(many.trainAccs, one.trainAccs, `per-step accuracy, ${threads} threads`);
        expectBitEqual(many.weights, one.weights, `W(T), ${threads} threads`);
        expect(JSON.stringify(many.history)).toBe(JSON.stringify(one.history));
      }
    });
  }
});

describe('threads and the rest of a run', () => {
  const cfg = { seed: 21, data: { n: 90, d: 40, nTest: 40 }, model: { m: 33 }, train: { alpha: 0.3, steps: 40 } };

  it('a step cut into pieces (tiny chunkMs) on 2 threads gives the bits of whole steps on 1', () => {
    for (const path of ['primal', 'kernel'] as const) {
      const one = trainSync(cfg, { backend: 'simd', path, threads: 1, evalAt: [0, 40] });
      const pieces = trainSync(cfg, { backend: 'simd', path, threads: 2, chunkMs: 1e-6, evalAt: [0, 40] });
      expectBitEqual(pieces.losses, one.losses, `${path} losses`);
      expectBitEqual(pieces.weights, one.weights, `${path} W(T)`);
    }
  });

  it('a non-finite loss stops at the same step with the same last weights', () => {
    const blowUp = { seed: 2, data: { n: 30, d: 100, nTest: 10, muNorm: 1e17 }, model: { m: 8, omegaInit: 1 }, train: { alpha: 1e18, steps: 50 } };
    const fail = (threads: number, path: 'primal' | 'kernel') => {
      try {
        trainSync(blowUp, { backend: 'simd', path, threads });
      } catch (e) {
        return e as NonFiniteLossError;
      }
      throw new Error('expected the run to stop');
    };
    for (const path of ['primal', 'kernel'] as const) {
      const a = fail(1, path), b = fail(2, path);
      expect(b).toBeInstanceOf(NonFiniteLossError);
      expect(b.step).toBe(a.step);
      expectBitEqual(b.lastFiniteWeights!, a.lastFiniteWeights!, `${path} last weights`);
    }
  });

  it('workers come back after a cancelled run, and the next run still matches', async () => {
    const big = { seed: 22, data: { n: 400, d: 300, nTest: 0 }, model: { m: 64 }, train: { alpha: 0.1, steps: 100000 } };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(train(big, { backend: 'simd', path: 'primal', threads: 2, signal: ac.signal, evalAt: [] })).rejects.toBeInstanceOf(AbortError);
    const one = trainSync(cfg, { backend: 'simd', threads: 1 });
    const two = await train(cfg, { backend: 'simd', threads: 2 });
    expectBitEqual(two.weights, one.weights, 'W(T) after a cancelled run');
  });

  it('refuses bad thread counts by name', () => {
    for (const bad of [0, -1, 1.5, NaN, 257, '2', null]) {
      expect(() => trainSync(cfg, { threads: bad as never })).toThrow(/threads/);
    }
    expect(() => trainSync(cfg, { backend: 'scalar', threads: 2 })).toThrow(ConfigError);
    expect(() => trainSync(cfg, { backend: 'js', threads: 2 })).toThrow(/threads.*js backend/);
  });

  it("'auto' takes one thread for small steps and every core for big ones", () => {
    expect(chooseThreads('auto', 'simd', 1e5)).toBe(1);
    expect(chooseThreads(undefined, 'js', 1e12)).toBe(1);
    expect(chooseThreads('auto', 'scalar', 1e12)).toBe(1);
    expect(chooseThreads('auto', 'simd', 1e12)).toBeGreaterThanOrEqual(1);
    expect(trainSync(cfg, { backend: 'simd' }).threads).toBe(1);
  });
});

describe('threads around the edges', () => {
  const cfg = { seed: 31, data: { n: 60, d: 50, nTest: 20 }, model: { m: 40 }, train: { alpha: 0.2, steps: 20 } };

  it('a caller\'s own wasmModule runs on one thread (auto), and more threads with it are refused', () => {
    const simd = compileKernelsSync('simd');
    expect(chooseThreads('auto', 'simd', 1e12, true)).toBe(1);
    expect(() => trainSync(cfg, { backend: 'simd', wasmModule: simd, threads: 2 })).toThrow(/threads.*wasmModule/);
    expect(trainSync(cfg, { backend: 'simd', wasmModule: simd }).threads).toBe(1);
  });

  it('the pool keeps at most one idle worker per core after many concurrent teams', async () => {
    await Promise.all(Array.from({ length: 6 }, () => train(cfg, { backend: 'simd', threads: 2 })));
    expect(pooledWorkers()).toBeLessThanOrEqual(coreCount());
  });

  it('the kernel-space products run in pieces (the same bits as in one go) and a cancel during them releases the team', async () => {
    const config = resolveConfig(cfg);
    const problem = sampleProblem(config);
    const init = { train: problem.train, test: problem.test, w: initWeights(40, 50, config.model.omegaInit, 31), a: secondLayer(40), alpha: 0.2, dphi0: 0 };
    const simd = compileKernelsSync('simd');
    const whole = new DualWasmEngine(simd, 'simd', init);
    const cut = new DualWasmEngine(simd, 'simd', init, { module: compileKernelsSync('simd-mt'), size: 2 });
    let pieces = 0;
    for (const _ of cut.prepare(7)) pieces++;
    expect(pieces).toBeGreaterThanOrEqual(Math.ceil(60 / 7) + Math.ceil(20 / 7));
    expectBitEqual(cut.outputs('test'), whole.outputs('test'), 'test outputs after a cut setup');
    expectBitEqual(cut.outputs('train'), whole.outputs('train'), 'train outputs after a cut setup');
    cut.dispose();
    // a run cancelled while its products are being computed stops there (step 0, the products not
    // finished) and gives its workers back
    const before = pooledWorkers();
    const ac = new AbortController();
    const orig = DualWasmEngine.prototype.prepare;
    let piecesDone = 0;
    let finished = false;
    DualWasmEngine.prototype.prepare = function* (this: DualWasmEngine, rows: number) {
      for (const _ of orig.call(this, rows)) {
        if (++piecesDone === 2) ac.abort();
        yield;
      }
      finished = true;
    };
    try {
      const big = { seed: 32, data: { n: 300, d: 3000, nTest: 300 }, model: { m: 64 }, train: { alpha: 0.1, steps: 10 } };
      const run = train(big, { backend: 'simd', path: 'kernel', threads: 2, signal: ac.signal, chunkMs: 1 });
      await expect(run).rejects.toMatchObject({ name: 'AbortError', step: 0 });
    } finally {
      DualWasmEngine.prototype.prepare = orig;
    }
    expect(piecesDone).toBe(2);
    expect(finished).toBe(false);
    expect(pooledWorkers()).toBeGreaterThanOrEqual(Math.min(before + 1, coreCount()));
  });
});

describe('a team from any kind of main module', () => {
  it('works when the main module is an ES module given to node -e (eval\'d worker code is then ESM too)', () => {
    const root = new URL('..', import.meta.url).pathname;
    const code = `import { trainSync } from '${root}dist/index.js';
import { trainInWorker } from '${root}dist/worker/index.js';
const c = { seed: 1, data: { n: 100, d: 50, nTest: 20 }, train: { steps: 20 } };
const a = trainSync(c, { threads: 2 });
const b = await trainInWorker(c, { threads: 2 });
console.log(JSON.stringify([a.threads, b.threads, a.losses.at(-1) === b.losses.at(-1)]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.signal, 'no hang').toBeNull();
    expect(JSON.parse(r.stdout)).toEqual([2, 2, true]);
  });
});
