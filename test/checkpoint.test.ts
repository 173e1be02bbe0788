// Checkpoints and early stops: a run resumed from any checkpoint gives the bits of an uninterrupted
// run (each backend, each path, instruments included); a run stopped by its time limit or its signal
// ends with what it has; a checkpoint that is cut short, corrupt, or of another run is refused by name.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbortError, CheckpointError, ConfigError, decodeCheckpoint, encodeCheckpoint, namedInstrument, sampleProblem, resolveConfig, train, trainSync,
  type TrainCheckpoint, type TrainResult,
} from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node/index.js';
import { expectBitEqual } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rfa-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { seed: 11, data: { n: 40, d: 60, nTest: 200 }, model: { m: 32 }, train: { alpha: 0.2, steps: 300 } };
const evalAt = { every: 50 };
/** a fresh instrument for each run, as a sweep worker makes (one instance may serve several runs too: tested below) */
const inst = () => namedInstrument({ paper: true, neurons: true, plane: true }, base)!;

function sameRun(a: TrainResult, b: TrainResult, what: string): void {
  expect(a.steps, what).toBe(b.steps);
  expect(a.stopped, what).toEqual(b.stopped);
  expectBitEqual(a.weights, b.weights, `${what}: W`);
  expectBitEqual(a.losses, b.losses, `${what}: losses`);
  expectBitEqual(a.trainAccs, b.trainAccs, `${what}: training accuracies`);
  expect(a.history, `${what}: history`).toEqual(b.history);
}

describe.each([
  ['simd', 'primal'], ['simd', 'kernel'], ['scalar', 'primal'], ['scalar', 'kernel'], ['js', 'primal'], ['js', 'kernel'],
] as const)('%s backend, %s path', (backend, path) => {
  const opts = { backend, path, evalAt, keepAccuracy: true } as const;
  const whole = trainSync(base, { ...opts, instrument: inst() });
  const saved: TrainCheckpoint[] = [];
  const withCkpt = trainSync(base, { ...opts, instrument: inst(), checkpoint: { everySteps: 70, save: (c) => saved.push(decodeCheckpoint(encodeCheckpoint(c))) } });

  it('checkpointing does not change the run, and saves every 70 steps', () => {
    sameRun(withCkpt, whole, 'with checkpoints');
    expect(saved.map((c) => c.step)).toEqual([70, 140, 210, 280]);
    for (const c of saved) {
      expect(c.backend).toBe(backend);
      expect(c.path).toBe(path);
      expect(c.history.map((r) => r.step)).toEqual([0, 50, 100, 150, 200, 250].filter((s) => s <= c.step));
      expect(c.losses!.length).toBe(c.step);
    }
  });

  it('a run resumed from each checkpoint (through its bytes) is bit-identical to the uninterrupted one', () => {
    for (const c of saved) sameRun(trainSync(base, { ...opts, instrument: inst(), resume: c }), whole, `resumed from step ${c.step}`);
  });

  it('one instrument serving several runs (and a resumed one) gives each the records a fresh one gives', () => {
    const shared = inst();
    sameRun(trainSync(base, { ...opts, instrument: shared }), whole, 'first run of a shared instrument');
    sameRun(trainSync(base, { ...opts, instrument: shared, resume: saved[2]! }), whole, 'a resumed run on it');
    sameRun(trainSync(base, { ...opts, instrument: shared }), whole, 'a third run on it');
  });
});

describe('stopping early ends with what the run has', () => {
  const long = { ...base, train: { alpha: 0.2, steps: 5_000_000 } };

  it('maxSeconds: the history so far, W at the step reached, the losses so far, marked stopped', () => {
    const t0 = performance.now();
    const r = trainSync(long, { evalAt: { every: 1000 }, maxSeconds: 0.3 });
    const took = performance.now() - t0;
    expect(took).toBeLessThan(5000); // about 0.3 s; a hang would not end
    expect(r.stopped).toEqual({ reason: 'maxSeconds', step: r.steps });
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThan(long.train.steps);
    expect(r.losses.length).toBe(r.steps);
    expect(r.history.every((h) => h.step <= r.steps)).toBe(true);
    expect(r.history.length).toBe(Math.floor(r.steps / 1000) + 1);
    // W is W(steps): the same as a run of exactly that many steps
    const exact = trainSync({ ...long, train: { ...long.train, steps: r.steps } }, { evalAt: [0] });
    expectBitEqual(r.weights, exact.weights, 'W at the step reached');
    expectBitEqual(r.losses, exact.losses, 'losses so far');
  });

  it('maxSeconds is checked: 0 and negative are refused by name', () => {
    expect(() => trainSync(base, { maxSeconds: 0 })).toThrow(/maxSeconds/);
    expect(() => trainSync(base, { maxSeconds: -1 })).toThrow(ConfigError);
  });

  it('an aborted run rejects with AbortError holding the run so far, and saves a checkpoint that resumes to the same bits', async () => {
    const cfg = { ...base, train: { alpha: 0.2, steps: 60_000 } };
    const ck: TrainCheckpoint[] = [];
    const ac = new AbortController();
    const p = train(cfg, {
      evalAt: { every: 5000 }, chunkSteps: 500, signal: ac.signal,
      checkpoint: { everySeconds: 1e6, save: (c) => ck.push(c) },
      onProgress: (pr) => { if (pr.step >= 20_000) ac.abort(); },
    });
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    const a = err as AbortError;
    expect(a.result).not.toBeNull();
    expect(a.result!.stopped).toEqual({ reason: 'signal', step: a.step });
    expect(a.step).toBeGreaterThanOrEqual(20_000);
    expect(a.result!.history.at(-1)!.step).toBeLessThanOrEqual(a.step);
    expect(ck.length).toBe(1);
    expect(ck[0]!.step).toBe(a.step);
    const whole = trainSync(cfg, { evalAt: { every: 5000 } });
    sameRun(trainSync(cfg, { evalAt: { every: 5000 }, resume: ck[0]! }), whole, 'resumed after abort');
  });

  it('an abort before the first step rejects with AbortError and no result', async () => {
    const ac = new AbortController();
    const p = train({ ...base, data: { n: 200, d: 20000, nTest: 2000 } }, { signal: ac.signal });
    ac.abort();
    const err = (await p.catch((e: unknown) => e)) as AbortError;
    expect(err).toBeInstanceOf(AbortError);
    expect(err.result).toBeNull();
  });
});

describe('checkpoint files', () => {
  const saved: TrainCheckpoint[] = [];
  trainSync(base, { evalAt, instrument: inst(), checkpoint: { everySteps: 100, save: (c) => saved.push(c) } });
  const file = join(dir, 'run.ckpt');
  saveCheckpoint(file, saved[1]!);
  const bytes = readFileSync(file);

  it('round-trip through a file, typed arrays and non-finite numbers in the history included', () => {
    const c = loadCheckpoint(file);
    expect(c.step).toBe(200);
    expect(c.history).toEqual(saved[1]!.history);
    const weird = { ...saved[1]!, history: [{ ...saved[1]!.history[0]!, extra: { a: new Float32Array([1.5, NaN]), b: -Infinity, c: NaN } }] };
    const back = decodeCheckpoint(encodeCheckpoint(weird as TrainCheckpoint));
    expect(back.history).toEqual(weird.history);
    expect(back.history[0]!.extra?.a).toBeInstanceOf(Float32Array);
  });

  it('a file cut short at any of many lengths is a CheckpointError naming the file', () => {
    for (const len of [0, 7, 16, 40, Math.floor(bytes.length / 2), bytes.length - 17, bytes.length - 1]) {
      const f = join(dir, `cut-${len}.ckpt`);
      writeFileSync(f, bytes.subarray(0, len));
      expect(() => loadCheckpoint(f), `cut at ${len}`).toThrow(CheckpointError);
      expect(() => loadCheckpoint(f)).toThrow(f);
    }
  });

  it('any changed byte is found (header, arrays, trailer)', () => {
    for (const at of [3, 7, 9, 20, 200, bytes.length - 100, bytes.length - 20, bytes.length - 3]) {
      const b = Uint8Array.from(bytes);
      b[at] = b[at]! ^ 0x10;
      expect(() => decodeCheckpoint(b, 'x.ckpt'), `byte ${at}`).toThrow(CheckpointError);
    }
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"not":"a checkpoint"}'.padEnd(64)))).toThrow(/RFACKPT/);
    const v2 = Uint8Array.from(bytes);
    v2[7] = 2;
    expect(() => decodeCheckpoint(v2)).toThrow(/version 2/);
  });

  it('a missing file or a folder is a CheckpointError', () => {
    expect(() => loadCheckpoint(join(dir, 'nope.ckpt'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(dir)).toThrow(/not a regular file/);
  });

  it('a failed save names the file and leaves the previous checkpoint intact', () => {
    const keep = join(dir, 'keep.ckpt');
    saveCheckpoint(keep, saved[0]!);
    const before = readFileSync(keep);
    expect(() => saveCheckpoint(join(dir, 'no-such-folder', 'x.ckpt'), saved[1]!)).toThrow(/could not save the checkpoint .*x\.ckpt/);
    // a full disk: /dev/full as the folder's temporary is not possible, so a checkpoint over a folder stands in
    expect(() => saveCheckpoint(dir, saved[1]!)).toThrow(/could not save the checkpoint/);
    expect(readFileSync(keep)).toEqual(before);
    expect(loadCheckpoint(keep).step).toBe(100);
  });

  it('a checkpoint of another run is refused by name: config, backend, path, evaluation steps, data', () => {
    const c = saved[1]!;
    expect(() => trainSync({ ...base, seed: 12 }, { evalAt, resume: c })).toThrow(/resume\.config/);
    expect(() => trainSync(base, { evalAt, backend: 'scalar', resume: c })).toThrow(/resume\.backend/);
    expect(() => trainSync(base, { evalAt: { every: 25 }, resume: c })).toThrow(/resume\.evalSteps/);
    expect(() => trainSync(base, { evalAt, path: c.path === 'primal' ? 'kernel' : 'primal', resume: c })).toThrow(/path/);
    expect(() => trainSync(base, { evalAt, keepLosses: false, resume: c })).toThrow(/keepLosses/);
    // the same config on other data: the fingerprint of the inputs differs
    const cfg = resolveConfig(base);
    const other = sampleProblem({ ...cfg, seed: 99 });
    expect(() => trainSync(base, { evalAt, data: { train: other.train, test: other.test }, resume: c })).toThrow(/resume\.inputs/);
    expect(() => trainSync(base, { resume: { nope: 1 } as never })).toThrow(/resume must be a TrainCheckpoint/);
  });
});
