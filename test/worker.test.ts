// trainInWorker in Node (worker_threads): the result of train, bit for bit; progress with every
// evaluation record and its named instruments as they are made; cancelling (cooperative, and by
// stopping a worker that does not answer); errors rebuilt as their classes with their fields.
import { describe, expect, it } from 'vitest';
import { AbortError, ConfigError, NonFiniteLossError, trainSync, type Progress } from '../src/index.js';
import { trainInWorker } from '../src/worker/index.js';
import { expectBitEqual } from './helpers.js';

const cfg = { seed: 3, data: { n: 120, d: 40, nTest: 300 }, model: { m: 30 }, train: { steps: 60 } };

describe('trainInWorker (Node worker_threads)', () => {
  it('gives the result train gives, bit for bit, with progress and instruments as they are made', async () => {
    const seen: Progress[] = [];
    const r = await trainInWorker(cfg, { evalAt: { every: 20 }, threads: 1, instruments: { paper: true, neurons: true }, onProgress: (p) => seen.push(p) });
    const s = trainSync(cfg, { evalAt: { every: 20 }, threads: 1 });
    expect(r.backend).toBe(s.backend);
    expectBitEqual(r.weights, s.weights, 'W(T)');
    expectBitEqual(r.losses, s.losses, 'losses');
    expectBitEqual(r.problem.train.x, s.problem.train.x, 'the sampled data');
    expect(r.history.map((h) => [h.step, h.loss, h.testAcc])).toEqual(s.history.map((h) => [h.step, h.loss, h.testAcc]));
    // every record reached onProgress, in order, carrying the instruments asked for
    const records = seen.filter((p) => p.record).map((p) => p.record!);
    expect(records.map((x) => x.step)).toEqual([0, 20, 40, 60]);
    const extra = records.at(-1)!.extra as Record<string, unknown>;
    expect(Object.keys(extra)).toEqual(expect.arrayContaining(['theorem1', 'condition9', 'condition10', 'neurons']));
    const neurons = extra.neurons as { mu1: number[]; corr1: number[] };
    expect(neurons.mu1).toHaveLength(30);
    expect(Math.max(...neurons.corr1.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(seen.map((p) => p.step)).toEqual([...seen.map((p) => p.step)].sort((a, b) => a - b));
  });

  it('the neuron picture is the projections of W(T) on µ1 and µ2', async () => {
    const r = await trainInWorker(cfg, { evalAt: [60], instruments: { neurons: true } });
    const { mu1 } = r.problem;
    const pic = r.history.at(-1)!.extra!.neurons as { mu1: number[] };
    const d = cfg.data.d;
    for (const j of [0, 7, 29]) {
      let s = 0;
      for (let k = 0; k < d; k++) s += r.weights[j * d + k]! * mu1[k]!;
      expect(pic.mu1[j]).toBeCloseTo(s, 10);
    }
  });

  it('cancelling rejects with AbortError at the step reached; a worker that does not answer is stopped', async () => {
    const big = { seed: 1, data: { n: 1000, d: 1000, nTest: 0 }, train: { steps: 100000 } };
    const ac = new AbortController();
    let first = -1;
    const run = trainInWorker(big, { signal: ac.signal, threads: 1, onProgress: (p) => { if (p.step > 0 && first < 0) { first = p.step; ac.abort(); } } });
    const e = await run.then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AbortError);
    expect((e as AbortError).step).toBeGreaterThanOrEqual(first);
    // one piece of ~2·10⁵ steps at (100, 10, 40) cannot be interrupted from inside: the worker is terminated
    const ac2 = new AbortController();
    const slow = trainInWorker({ seed: 1, data: { n: 100, d: 10, nTest: 0 }, model: { m: 40 }, train: { steps: 400000 } },
      { signal: ac2.signal, threads: 1, chunkSteps: 400000, evalAt: [] });
    setTimeout(() => ac2.abort(), 300);
    const t0 = Date.now();
    await expect(slow).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - t0).toBeLessThan(1500); // the piece alone takes several seconds
    await expect(trainInWorker(cfg, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  }, 30_000);

  it('errors come back as their classes, with their fields', async () => {
    const ce = await trainInWorker({ data: { n: -1 } }).catch((e: unknown) => e);
    expect(ce).toBeInstanceOf(ConfigError);
    expect((ce as ConfigError).field).toBe('data.n');
    const bad = { seed: 2, data: { n: 30, d: 100, nTest: 10, muNorm: 1e17 }, model: { m: 8, omegaInit: 1 }, train: { alpha: 1e18, steps: 50 } };
    const nf = await trainInWorker(bad, { path: 'primal' }).catch((e: unknown) => e);
    const local = (() => { try { trainSync(bad, { path: 'primal' }); } catch (e) { return e as NonFiniteLossError; } return null; })()!;
    expect(nf).toBeInstanceOf(NonFiniteLossError);
    expect((nf as NonFiniteLossError).step).toBe(local.step);
    expectBitEqual((nf as NonFiniteLossError).lastFiniteWeights!, local.lastFiniteWeights!, 'lastFiniteWeights');
    expect((nf as Error).message).toBe(local.message);
    await expect(trainInWorker(cfg, { instrument: () => ({}) } as never)).rejects.toThrow(/instrument must be given as instruments/);
    await expect(trainInWorker(cfg, { instruments: { paper: true, bogus: true } as never })).rejects.toThrow(/instruments\.bogus/);
    await expect(trainInWorker(cfg, { evalAt: [() => 1] as never })).rejects.toThrow(/structured clone/);
    const boom = new Error('boom from onProgress');
    await expect(trainInWorker(cfg, { onProgress: () => { throw boom; } })).rejects.toBe(boom);
  });
});
