// Instruments against hand-made cases where the answer is known: weights built to satisfy or to
// break each condition.
import { describe, expect, it } from 'vitest';
import {
  assumptions, condition10, condition9, featureChange, lemma14, lemma3, lemma4Sets, normalizedCorrelations,
  stats, theorem1,
} from '../src/metrics/instruments.js';
import { makeMeans, resolveConfig, Rng, secondLayer, theoryConfig, trainSync, type XorDataset } from '../src/index.js';
import { preactivations, networkOutputs } from '../src/metrics/forward.js';
import { gemmXwtRef, networkOutputRef } from '../src/reference.js';
import { expectBitEqual, expectClose, randomF32 } from './helpers.js';

const d = 4, m = 4;
const means = makeMeans(d, 'canonical', new Rng(0, 'mu'));
const a = secondLayer(m); // +½, +½, −½, −½

describe('Lemma 3', () => {
  it('holds when every ‖w_j‖ is within [½ω√d, (3/2)ω√d] and breaks when one is not', () => {
    const omega = 0.1; // ω√d = 0.2
    const w = new Float32Array(m * d);
    for (let j = 0; j < m; j++) w[j * d + j] = 0.2; // ‖w_j‖ = 0.2
    expect(lemma3(w, m, d, omega)).toMatchObject({ holds: true, lower: 0.1, upper: expect.closeTo(0.3, 12) });
    w[0] = 0.05;
    const r = lemma3(w, m, d, omega);
    expect(r.holds).toBe(false);
    expect(r.minNorm).toBeCloseTo(0.05, 7);
  });
});

describe('Lemma 4 and the correlations', () => {
  // neuron 0 (a > 0) points at +µ1, neuron 1 (a > 0) at −µ1, neuron 2 (a < 0) at +µ2, neuron 3 (a < 0) at e3 only
  const w0 = Float32Array.from([1, 0, 0.1, 0, -1, 0, 0.1, 0, 0, 1, 0.1, 0, 0, 0, 1, 0]);
  it('normalized correlations are ⟨w/‖w‖, µ⟩', () => {
    const c = normalizedCorrelations(w0, m, d, means);
    expect(c.mu1[0]).toBeCloseTo(1 / Math.hypot(1, 0.1), 6);
    expect(c.mu1[1]).toBeCloseTo(-1 / Math.hypot(1, 0.1), 6);
    expect(c.mu2[2]).toBeCloseTo(1 / Math.hypot(1, 0.1), 6);
    expect(c.mu1[3]).toBe(0);
  });
  it('puts each neuron in the set its sign and direction allow', () => {
    const s = lemma4Sets(w0, a, m, d, means, 2);
    expect(s.sets.map((x) => Array.from(x))).toEqual([[0], [1], [2], []]);
    expect(s.threshold).toBeCloseTo(1 / (6 * 2), 12);
    expect(s.bound).toBe(0.25);
    expect(s.holds).toBe(false); // J−µ2 is empty
  });
});

describe('Condition 9', () => {
  const sets = lemma4Sets(Float32Array.from([1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0]), a, m, d, means, 2);
  const cluster = Uint8Array.from([0, 1, 2, 3]); // one sample per cluster
  it('holds when each J_µ neuron fires on cluster µ and not on −µ', () => {
    // Z (n = 4, m = 4): neuron g fires on sample g only
    const z = Float32Array.from([1, -1, 0.3, -2, -1, 1, -5, 2, 0.5, 0.5, 1, -1, 9, 9, -1, 1]);
    const r = condition9(z, 4, m, sets, cluster);
    expect(r).toMatchObject({ holds: true, fraction: 1, neurons: 4, worst: 0 });
  });
  it('breaks when a neuron fires on the opposite cluster, or is silent on its own', () => {
    const z = Float32Array.from([1, -1, 0, 0, 0.2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]); // neuron 0 fires on sample 1 (−µ1)
    const r = condition9(z, 4, m, sets, cluster);
    expect(r.holds).toBe(false);
    expect(r.fraction).toBe(0.75);
    expect(r.worst).toBe(1 / 8);
    const z0 = Float32Array.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]); // z = 0 exactly: φ'(0) decides
    expect(condition9(z0, 4, m, sets, cluster, 0).holds).toBe(false);
    // with φ'(0) = 1 a zero pre-activation counts as firing: every neuron now also fires on its opposite cluster
    expect(condition9(z0, 4, m, sets, cluster, 1).fraction).toBe(0);
  });
});

describe('Condition 10 and Lemma 14', () => {
  const sets = lemma4Sets(Float32Array.from([1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0]), a, m, d, means, 2);
  it('Condition 10 compares |⟨w_j, µ⊥⟩| with 3α|a_j|', () => {
    const alpha = 0.1; // 3α|a| = 0.15
    const w = Float32Array.from([1, 0.1, 0, 0, -1, -0.149, 0, 0, 0.14, 1, 0, 0, -0.1, -1, 0, 0]);
    const ok = condition10(w, a, m, d, sets, means, alpha);
    expect(ok.holds).toBe(true);
    expect(ok.worst).toBeCloseTo(0.149 / 0.15, 5);
    w[1] = 0.2;
    const bad = condition10(w, a, m, d, sets, means, alpha);
    expect(bad.holds).toBe(false);
    expect(bad.fraction).toBe(0.75);
    expect(bad.worst).toBeCloseTo(0.2 / 0.15, 5);
  });
  it('Lemma 14 compares ‖w_j(t)‖ with 2|a_j|αt and ‖W‖_F with 2αt', () => {
    const w = new Float32Array(m * d);
    for (let j = 0; j < m; j++) w[j * d] = 0.09; // 2|a|αt = 2·½·0.1·1 = 0.1
    expect(lemma14(w, a, m, d, 0.1, 1)).toMatchObject({ holds: true, maxNeuronRatio: expect.closeTo(0.9, 6), frobenius: expect.closeTo(0.18, 6), frobeniusBound: 0.2 });
    w[0] = 0.11;
    expect(lemma14(w, a, m, d, 0.1, 1).holds).toBe(false);
    expect(lemma14(w, a, m, d, 0.1, 2).holds).toBe(true);
  });
});

describe('Proposition 2, Theorem 1, stats', () => {
  it('feature change is ‖φ(z_T) − φ(z_0)‖/‖φ(z_0)‖ per sample', () => {
    const z0 = Float32Array.from([3, 4, -1, 1, 0, 0]); // rows of m = 2
    const zT = Float32Array.from([3, 4, 1, 1, 5, -5]);
    const r = featureChange(z0, zT, 3, 2, 0.5, 8); // ω√(md) = 0.5·4 = 2
    expect(Array.from(r.perSample)).toEqual([0, 1, Infinity]);
    expect(r.min).toBe(0);
    expect(r.omegaSqrtMd).toBe(2);
  });
  it('Theorem 1 reads clean and flipped points and the test error', () => {
    const train: XorDataset = { n: 4, d: 1, x: new Float32Array(4), y: Int8Array.from([1, 1, -1, -1]), cleanY: Int8Array.from([1, -1, -1, 1]), cluster: Uint8Array.from([0, 2, 2, 0]), flipped: Uint8Array.from([0, 1, 0, 1]) };
    const cfg = resolveConfig({ data: { n: 4, d: 2, noise: { mode: 'exact', eta: 0.5 } } });
    const good = theorem1([2, -1, -3, 0.5], train, [1, -1], { ...train, n: 2, y: Int8Array.from([1, 1]), cleanY: Int8Array.from([1, -1]) }, cfg);
    expect(good).toMatchObject({ cleanAllRight: true, flippedAllWrong: true, cleanTrainAcc: 1, flippedTrainAcc: 0, testError: 0.5, testErrorClean: 0, eta: 0.5 });
    expect(good.marginsClean).toMatchObject({ min: 2, max: 3 });
    expect(good.marginsFlipped).toMatchObject({ min: -1, max: -0.5 });
    const bad = theorem1([2, 1, -3, 0.5], train, null, null, cfg);
    expect(bad.flippedAllWrong).toBe(false);
    expect(bad.testError).toBe(null);
  });
  it('stats of a small sample', () => {
    expect(stats([3, 1, 2, 10])).toEqual({ count: 4, min: 1, max: 10, mean: 4, median: 2.5 });
  });
});

describe('assumptions (A1)–(A7)', () => {
  it('computes the largest C of each assumption from its formula', () => {
    const c = resolveConfig({ data: { n: 100, d: 1000, sigma: 0.01, noise: { mode: 'exact', eta: 0.05 } }, model: { m: 400, omegaInit: 1e-5 }, train: { alpha: 0.2 } });
    const r = assumptions(c, 0.1);
    const by = Object.fromEntries(r.items.map((i) => [i.id, i.largestC]));
    expect(by.A1).toBeCloseTo(1000 / Math.max(Math.log(1000) ** 2, Math.log(4000)), 10);
    expect(by.A2).toBeCloseTo(1 / (0.01 * Math.sqrt(1000)), 10);
    expect(by.A3).toBeCloseTo(100 / Math.log(4000), 10);
    expect(by.A4).toBeCloseTo(20, 10);
    expect(by.A5).toBeCloseTo(400 / Math.log(10), 10);
    expect(by.A6).toBeCloseTo((1 / (1e-10 * 400 * 1000)) ** 0.25, 8);
    expect(by.A7).toBeCloseTo(25, 10);
    expect(r.largestC).toBeCloseTo(Math.min(...Object.values(by)), 12);
  });
  it('the theory config meets all seven with C = 10; Appendix E values do not', () => {
    const t = assumptions(theoryConfig(10), 0.1);
    expect(t.largestC).toBeGreaterThan(10 - 1e-9);
    expect(t.holdsForSomeC).toBe(true);
    const e = assumptions(resolveConfig({}), 0.1);
    expect(e.holdsForSomeC).toBe(false);
    expect(e.a7LowerOk).toBe(false);
  });
});

describe('WASM forward for instruments', () => {
  it('preactivations and outputs match the float64 reference', () => {
    const [n, dd, mm] = [37, 13, 10];
    const x = randomF32(n * dd, 1), w = randomF32(mm * dd, 2, 0.3), aa = secondLayer(mm);
    expectClose(preactivations(x, n, dd, w, mm), gemmXwtRef(x, w, n, dd, mm), 1e-5, 1e-5, 'Z');
    expectClose(networkOutputs(x, n, dd, w, aa), networkOutputRef(gemmXwtRef(x, w, n, dd, mm), aa, n, mm), 1e-5, 1e-5, 'f');
  });

  it("runs on the backend it is given — the run's — with one reused instance per build; 'js' is the float64 reference", () => {
    const [n, dd, mm] = [21, 70, 12];
    const x = randomF32(n * dd, 3), w = randomF32(mm * dd, 4, 0.3), aa = secondLayer(mm);
    const simd = networkOutputs(x, n, dd, w, aa, 'simd'), scalar = networkOutputs(x, n, dd, w, aa, 'scalar');
    expect(simd).toBeInstanceOf(Float32Array);
    expectBitEqual(scalar, simd, 'scalar vs simd outputs'); // the two builds give the same bits
    const js = networkOutputs(x, n, dd, w, aa, 'js');
    expect(js).toBeInstanceOf(Float64Array);
    expectBitEqual(js, networkOutputRef(gemmXwtRef(x, w, n, dd, mm), aa, n, mm), 'js is the reference');
    expectBitEqual(preactivations(x, n, dd, w, mm, 'js'), gemmXwtRef(x, w, n, dd, mm), 'Z on js');
    // a bigger call, then a smaller one on the same instance: no stale data
    const big = randomF32(400 * dd, 5);
    networkOutputs(big, 400, dd, w, aa, 'simd');
    expectBitEqual(networkOutputs(x, n, dd, w, aa, 'simd'), simd, 'after reuse');
    // the outputs a run computes itself (engine) and the metrics' forward agree bit for bit
    const r = trainSync({ seed: 2, data: { n: 30, d: 40, nTest: 50 }, model: { m: 16 }, train: { steps: 20 } }, { backend: 'scalar', path: 'primal', threads: 1 });
    const f = networkOutputs(r.problem.train.x, 30, 40, r.weights, r.a, r.backend);
    expect(r.history.at(-1)!.trainAcc).toBe(f.filter((v, i) => v * r.problem.train.y[i]! > 0).length / 30);
    expect(() => networkOutputs(x, n, dd + 1, w, aa)).toThrow(/networkOutputs: x has 1470 values, not n·d = 1491/);
  });
});

describe('paperInstrument records every instrument in the history', () => {
  it('matches the stand-alone instruments at each recorded step', async () => {
    const { paperInstrument } = await import('../src/metrics/record.js');
    const { featureChange: fcFn } = await import('../src/metrics/instruments.js');
    const { trainSync: ts } = await import('../src/index.js');
    const config = theoryConfig(10, { seed: 2, n: 80, d: 300, nTest: 500 });
    const inst = paperInstrument(config);
    const r = ts(config, { instrument: inst.instrument, evalAt: [1], path: 'primal' }); // exact against primal-path weights
    const recs = r.history.map((h) => h.extra as Record<string, any>);
    expect(r.history.map((h) => h.step)).toEqual([0, 1, 2]);
    expect(recs[0]!.lemma3.holds).toBe(true);
    expect(recs[0]!.lemma4.sizes).toHaveLength(4);
    expect(recs[1]!.lemma3).toBeUndefined();
    expect(recs[0]!.lemma14).toBe(null);
    expect(recs[0]!.featureChange.min).toBe(0);
    const tr = r.problem.train;
    const fc = fcFn(preactivations(tr.x, tr.n, 300, r.initialWeights, 400), preactivations(tr.x, tr.n, 300, r.weights, 400), tr.n, 400, config.model.omegaInit, 300);
    expect(recs[2]!.featureChange.min).toBe(fc.min);
    const t1 = theorem1(networkOutputs(tr.x, tr.n, 300, r.weights, r.a), tr, networkOutputs(r.problem.test.x, 500, 300, r.weights, r.a), r.problem.test, config);
    expect(recs[2]!.theorem1.cleanAllRight).toBe(t1.cleanAllRight);
    expect(recs[2]!.theorem1.testError).toBe(t1.testError);
    expect(recs[2]!.theorem1.minMarginClean).toBeCloseTo(t1.marginsClean.min, 6);
    expect(recs[2]!.condition9.fraction).toBeGreaterThan(0.9);
  });
});
