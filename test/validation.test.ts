// One test per validation error: each throws a ConfigError naming the field and the value,
// and leaves the caller's data untouched.
import { describe, expect, it } from 'vitest';
import { ConfigError, datasetFromArrays, resolveConfig, sampleProblem, trainSync, type RfaConfigInput } from '../src/index.js';

const cases: [string, RfaConfigInput, string, RegExp][] = [
  ['seed not an integer', { seed: 1.5 }, 'seed', /integer in \[0, 4294967295\], got 1.5/],
  ['seed negative', { seed: -1 }, 'seed', /got -1/],
  ['n zero', { data: { n: 0 } }, 'data.n', /data.n must be an integer in \[1, \d+\], got 0/],
  ['d below 2', { data: { d: 1 } }, 'data.d', /got 1/],
  ['nTest fractional', { data: { nTest: 2.5 } }, 'data.nTest', /got 2.5/],
  ['sigma NaN', { data: { sigma: NaN } }, 'data.sigma', /finite number .* got NaN/],
  ['sigma negative', { data: { sigma: -0.1 } }, 'data.sigma', /got -0.1/],
  ['muNorm zero', { data: { muNorm: 0 } }, 'data.muNorm', /\(0, 1e\+30\], got 0/],
  ['mu unknown', { data: { mu: 'diagonal' as never } }, 'data.mu', /one of "canonical", "random", got "diagonal"/],
  ['law unknown', { data: { law: 'cauchy' as never } }, 'data.law', /got "cauchy"/],
  ['noise mode unknown', { data: { noise: { mode: 'flip' } as never } }, 'data.noise.mode', /got "flip"/],
  ['eta above 1/2', { data: { noise: { mode: 'exact', eta: 0.6 } } }, 'data.noise.eta', /\[0, 0.5\], got 0.6/],
  ['eta infinite', { data: { noise: { mode: 'independent', eta: Infinity } } }, 'data.noise.eta', /got Infinity/],
  ['rates wrong length', { data: { noise: { mode: 'per-cluster', rates: [0.1, 0.2] as never } } }, 'data.noise.rates', /4 flip probabilities/],
  ['a rate out of range', { data: { noise: { mode: 'per-cluster', rates: [0.1, 0.2, 0.9, 0] } } }, 'data.noise.rates[2]', /got 0.9/],
  ['strategy unknown', { data: { noise: { mode: 'adversarial', eta: 0.1, strategy: 'worst' as never } } }, 'data.noise.strategy', /got "worst"/],
  ['cluster out of range', { data: { noise: { mode: 'adversarial', eta: 0.1, strategy: 'one-cluster', cluster: 4 } } }, 'data.noise.cluster', /\[0, 3\], got 4/],
  ['m zero', { model: { m: 0 } }, 'model.m', /got 0/],
  ['omegaInit zero', { model: { omegaInit: 0 } }, 'model.omegaInit', /got 0/],
  ['dphi0 above 1', { model: { dphi0: 2 } }, 'model.dphi0', /\[0, 1\], got 2/],
  ['alpha negative', { train: { alpha: -0.1 } }, 'train.alpha', /got -0.1/],
  ['steps negative', { train: { steps: -1 } }, 'train.steps', /got -1/],
  ['unknown top-level field', { sead: 1 } as never, 'sead', /unknown field/],
  ['unknown data field', { data: { dim: 3 } } as never, 'data.dim', /unknown field/],
  ['data not an object', { data: 5 } as never, 'data', /a plain object, got 5/],
  ['too large for WASM memory', { data: { n: 200000, d: 20000 } }, 'data.n × data.d', /at most 2147483647 elements/],
];

describe('config validation', () => {
  it.each(cases)('%s', (_name, input, field, message) => {
    const copy = structuredClone(input);
    let err: unknown;
    try {
      resolveConfig(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).message.startsWith(field)).toBe(true);
    expect(input).toEqual(copy); // untouched
  });

  it('an adversarial one-cluster budget larger than the cluster is refused with the counts', () => {
    const c = resolveConfig({ data: { n: 40, d: 5, nTest: 0, noise: { mode: 'adversarial', eta: 0.5, strategy: 'one-cluster', cluster: 1 } } });
    expect(() => sampleProblem(c)).toThrow(/data.noise.eta must be small enough that ⌊eta·data.n⌋ = 20 flips fit in cluster 1, which drew \d+ of the 40 samples of the training set/);
  });
});

describe('input validation', () => {
  it('non-finite training inputs are refused with the row and column', () => {
    const x = new Float32Array(6).fill(1);
    x[4] = NaN;
    expect(() => datasetFromArrays(x, [1, -1, 1], 3, 2)).toThrow(/data.x\[2\]\[0\] must be a finite number, got NaN/);
    expect(x[4]).toBeNaN(); // untouched
  });

  it('labels other than ±1 are refused', () => {
    expect(() => datasetFromArrays(new Float32Array(4), [1, 0], 2, 2)).toThrow(/data.y\[1\] must be \+1 or −1, got 0/);
  });

  it('shape mismatches are refused', () => {
    expect(() => datasetFromArrays(new Float32Array(5), [1, 1], 2, 2)).toThrow(/data.x must be n·d = 2·2 = 4 values, got "length 5"/);
  });

  it('initial weights of the wrong length or with NaN are refused, the caller’s array untouched', () => {
    const cfg = { data: { n: 10, d: 3, nTest: 0 }, model: { m: 4 } };
    expect(() => trainSync(cfg, { init: new Float32Array(11) })).toThrow(/init must be m·d = 4·3 = 12 weights/);
    const w = new Float32Array(12).fill(0.1);
    w[7] = Infinity;
    expect(() => trainSync(cfg, { init: w })).toThrow(/init\[2\]\[1\] must be a finite number \(within the float32 range\), got Infinity/);
    expect(w[7]).toBe(Infinity);
  });

  it('an unknown backend is refused', () => {
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 } }, { backend: 'gpu' as never })).toThrow(/backend must be one of "auto", "simd", "scalar", "js", got "gpu"/);
  });

  it('evaluation steps outside [0, T] are refused', () => {
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 }, train: { steps: 5 } }, { evalAt: [2, 9] })).toThrow(/evalAt\[1\] must be an integer step in \[0, 5\], got 9/);
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 } }, { evalAt: { every: 0 } })).toThrow(/evalAt.every must be an integer ≥ 1, got 0/);
  });

  it('keeping per-step losses of a run too long to hold them is refused up front', () => {
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 }, train: { steps: 2 ** 28 } }, { keepLosses: true })).toThrow(/keepLosses must be false for runs longer than 134217728 steps/);
  });

  it('given data of another size than the config is refused', () => {
    const x = new Float32Array(6);
    const ds = datasetFromArrays(x, [1, -1, 1], 3, 2);
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 } }, { data: { train: ds } })).toThrow(/data.n must be equal to the given data's sample count 3, or left out, got 4/);
  });
});
