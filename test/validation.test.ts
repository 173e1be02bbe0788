// One test per validation error: each throws a ConfigError naming the field and the value,
// and leaves the caller's data untouched.
import { describe, expect, it } from 'vitest';
import { AbortError, ConfigError, datasetFromArrays, readNpy, resolveConfig, sampleProblem, train, trainSync, writeNpy, type RfaConfigInput } from '../src/index.js';
import { expectBitEqual } from './helpers.js';

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
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 } }, { backend: 'gpu' as never })).toThrow(/backend must be one of "auto", "simd", "scalar", "relaxed", "js", got "gpu"/);
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

describe('nothing slips through as a default', () => {
  const refusedWith = (input: unknown, field: string, message: RegExp) => {
    let err: unknown;
    try {
      resolveConfig(input as RfaConfigInput);
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(input)).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
    expect((err as Error).message).toMatch(message);
  };

  it('null is refused, never read as "the default"', () => {
    refusedWith({ data: null }, 'data', /a plain object, got null/);
    refusedWith({ data: { n: null } }, 'data.n', /an integer in \[1, \d+\], got null/);
    refusedWith({ seed: null }, 'seed', /got null/);
    refusedWith({ model: { omegaInit: null } }, 'model.omegaInit', /got null/);
    refusedWith({ data: { noise: null } }, 'data.noise', /a plain object, got null/);
    refusedWith({ data: { mu: null } }, 'data.mu', /got null/);
    refusedWith({ data: { noise: { mode: 'adversarial', eta: 0.1, strategy: null } } }, 'data.noise.strategy', /got null/);
    refusedWith(null, 'config', /a plain object/);
  });

  it('a sparse array is refused at its hole', () => {
    // eslint-disable-next-line no-sparse-arrays
    refusedWith({ data: { noise: { mode: 'per-cluster', rates: [0.1, , 0.1, 0.1] } } }, 'data.noise.rates[1]', /got undefined/);
  });

  it('fields inherited from a prototype are refused, even through a polluted Object.prototype', () => {
    refusedWith({ data: Object.create({ n: 5 }) }, 'data', /a plain object/);
    refusedWith(Object.assign(Object.create({ seed: 3 }), {}), 'config', /a plain object/);
    const proto = Object.prototype as Record<string, unknown>;
    proto.steps = 7;
    try {
      refusedWith({ train: { alpha: 0.1 } }, 'train.steps', /an own field of the config object \(this one is inherited/);
    } finally {
      delete proto.steps;
    }
  });

  it('non-plain objects (a Map, a typed array, a class instance) are refused', () => {
    refusedWith({ data: new Map() }, 'data', /a plain object/);
    refusedWith({ model: new Float32Array(3) }, 'model', /a plain object/);
    class Cfg { seed = 1; }
    refusedWith(new Cfg(), 'config', /a plain object/);
  });

  it('m = 1 is refused: its only neuron would have a = 0', () => {
    refusedWith({ model: { m: 1 } }, 'model.m', /an integer in \[2, \d+\], got 1/);
  });

  it('an evaluation schedule too long to hold is refused before anything runs', () => {
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 }, train: { steps: 100_000_000 } }, { evalAt: { every: 1 } }))
      .toThrow(/evalAt.every must be at least 101 so that a run of 100000000 steps records at most 1000000 evaluations, got 1/);
    expect(() => trainSync({ data: { n: 4, d: 2, nTest: 0 }, train: { steps: 5 } }, { evalAt: { every: 1, log: 3 } as never }))
      .toThrow(/evalAt must be an array of steps/);
  });
});

describe('data given to train is checked once, with the field named', () => {
  const cfg = { data: { n: 3, d: 2, nTest: 0 }, model: { m: 4 }, train: { steps: 2 } };
  const good = () => datasetFromArrays(new Float32Array([1, 0, 0, 1, -1, 0]), [1, -1, 1], 3, 2);
  const rejects = (data: unknown, message: RegExp) => expect(() => trainSync(cfg, { data: data as never })).toThrow(message);

  it('short or long x, labels other than ±1, NaN inputs, inconsistent flags', () => {
    rejects({ train: { ...good(), x: new Float32Array(5) } }, /data.train.x must be n·d = 3·2 = 6 values, got "length 5"/);
    rejects({ train: { ...good(), x: new Float32Array(7) } }, /data.train.x must be n·d = 3·2 = 6 values, got "length 7"/);
    rejects({ train: { ...good(), y: Int8Array.from([1, 0, 1]) } }, /data.train.y\[1\] must be \+1 or −1, got 0/);
    rejects({ train: { ...good(), y: Int8Array.from([1, 2, 1]) } }, /data.train.y\[1\] must be \+1 or −1, got 2/);
    rejects({ train: { ...good(), x: Float32Array.from([1, 0, NaN, 1, -1, 0]) } }, /data.train.x\[1\]\[0\] must be a finite number, got NaN/);
    rejects({ train: { ...good(), x: [1, 0, 0, 1, -1, 0] } }, /data.train.x must be a Float32Array/);
    rejects({ train: { ...good(), cleanY: Int8Array.from([1, 1, 1]), flipped: Uint8Array.from([0, 0, 0]) } }, /data.train.flipped\[1\] must be 1 exactly when y\[1\] ≠ cleanY\[1\], got 0/);
    rejects({ train: good(), test: { ...good(), d: 3, x: new Float32Array(9) } }, /data.test.d must be the training set's dimension 2, got 3/);
    expect(() => datasetFromArrays([1, 2, 3, 4], [1, 257], 2, 2)).toThrow(/data.y\[1\] must be \+1 or −1, got 257/);
  });

  it('sizes come from the data; a config stating other sizes is refused', () => {
    const r = trainSync({ model: { m: 4 }, train: { steps: 2 } }, { data: { train: good() } });
    expect(r.config.data).toMatchObject({ n: 3, d: 2, nTest: 0 });
    expect(r.history.at(-1)!.testAcc).toBe(null); // no test set unless one is given
    expect(() => trainSync({ data: { d: 5 }, model: { m: 4 } }, { data: { train: good() } })).toThrow(/data.d must be equal to the given data's dimension 2, or left out, got 5/);
    expect(() => trainSync({ data: { nTest: 100 }, model: { m: 4 } }, { data: { train: good() } })).toThrow(/data.nTest must be equal to the given test set's size \(0 without one\)/);
  });

  it('an adversarial budget that does not fit the test set names the test set', () => {
    // seed 6: the 2000 training points fit the budget, the 20 test points do not
    const c = resolveConfig({ seed: 6, data: { n: 2000, d: 5, nTest: 20, noise: { mode: 'adversarial', eta: 0.2, strategy: 'one-cluster', cluster: 0 } } });
    expect(() => sampleProblem(c)).toThrow(/⌊eta·data.nTest⌋ = 4 flips fit in cluster 0, which drew [0-3] of the 20 samples of the test set \(data.nTest = 20\)/);
  });

  it('init of the wrong kind is refused', () => {
    expect(() => trainSync(cfg, { data: { train: good() }, init: null as never })).toThrow(/init must be an array of m·d = 4·2 weights, got null/);
    expect(() => trainSync(cfg, { data: { train: good() }, init: new Float64Array(8).fill(1e39) })).toThrow(/init\[0\]\[0\] must be a finite number \(within the float32 range\), got 1e\+39/);
  });

  it('an already-aborted signal throws at once, before any data is sampled', async () => {
    // sampling this config would throw a ConfigError (the budget does not fit cluster 0): the abort comes first
    const c = { data: { n: 40, d: 5, nTest: 0, noise: { mode: 'adversarial', eta: 0.5, strategy: 'one-cluster', cluster: 0 } } } as const;
    const signal = AbortSignal.abort();
    expect(() => trainSync(c, { signal })).toThrow(AbortError);
    await expect(train(c, { signal })).rejects.toBeInstanceOf(AbortError);
    expect(() => trainSync(c)).toThrow(ConfigError);
  });
});

describe('.npy headers are read strictly', () => {
  const withHeader = (h: string) => {
    const body = new Uint8Array(8);
    const header = h + ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
    const out = new Uint8Array(10 + header.length + body.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
    return out;
  };
  it('reads a valid header, refuses a repeated key (NumPy would take the last), unknown and missing keys', () => {
    expect(readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")).shape).toEqual([2]);
    expect(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (1,), }"), 'X'))
      .toThrow(/X must be a .npy header that is a dict of descr, fortran_order and shape \(the key 'shape' appears twice\)/);
    expect(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"), 'X')).toThrow(/unknown key 'extra'/);
    expect(() => readNpy(withHeader("{'descr': '<f4', 'shape': (2,)}"), 'X')).toThrow(/the key 'fortran_order' is missing/);
    expect(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk"), 'X')).toThrow(/text after the closing/);
  });
});

describe('a run is fixed when train is called', () => {
  it('changing the config or the options after the call does not change the run', async () => {
    const cfg = { seed: 0, data: { n: 50, d: 20, nTest: 100 }, model: { m: 8 }, train: { steps: 3 } };
    const runs = [];
    for (let s = 0; s < 3; s++) {
      cfg.seed = s;
      runs.push(train(cfg));
    }
    expect((await Promise.all(runs)).map((r) => r.config.seed)).toEqual([0, 1, 2]);
    const o: { backend: 'js' | 'simd'; evalAt: number[] } = { backend: 'js', evalAt: [1] };
    const p = train({ ...cfg, seed: 0 }, o);
    o.backend = 'simd';
    o.evalAt.push(2, 3);
    const r = await p;
    expect(r.backend).toBe('js');
    expect(r.history.map((h) => h.step)).toEqual([0, 1, 3]);
  });

  it('options of the wrong kind are refused before any work', () => {
    const c = { data: { n: 4, d: 2, nTest: 0 } };
    expect(() => trainSync(c, null as never)).toThrow(/options must be a plain object of train options, got null/);
    expect(() => trainSync(c, { onProgress: 5 as never })).toThrow(/onProgress must be a function, got 5/);
    expect(() => trainSync(c, { instrument: 'x' as never })).toThrow(/instrument must be a function/);
    expect(() => trainSync(c, { signal: {} as never })).toThrow(/signal must be an AbortSignal/);
    expect(() => trainSync({ ...c, model: { m: 2 } }, { init: Array(4).fill('1') as never })).toThrow(/init\[0\]\[0\] must be a number, got "1"/);
  });

  it('a revoked Proxy, a getter that throws, a deep object: a ConfigError, never another exception', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => resolveConfig(proxy)).toThrow(ConfigError);
    const getter = { get seed(): number { throw new Error('boom'); } };
    expect(() => resolveConfig(getter as never)).toThrow(/config must be a plain object that can be read \(reading it threw Error: boom\)/);
    let deep: object = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(() => resolveConfig({ data: deep } as never)).toThrow(/data.a must be one of the known fields .* got an object with keys a/);
    expect(() => datasetFromArrays(null as never, [1], 1, 2)).toThrow(/data.x must be an array or typed array of numbers, got null/);
    expect(() => datasetFromArrays([1, 2], new BigInt64Array(1) as never, 1, 2)).toThrow(/data.y must be an array of numbers \(not BigInt\)/);
  });

  it('error messages stay on one line of printable text, whatever the input', () => {
    let err: Error | undefined;
    try {
      resolveConfig({ data: { '\u001b[2J\u001b[31mboom\nx': 1 } } as never);
    } catch (e) {
      err = e as Error;
    }
    expect(err!.message).toMatch(/^data\.\\u001b\[2J\\u001b\[31mboom\\nx must be one of the known fields/);
    expect(err!.message).not.toMatch(/[\u0000-\u001f]/);
    try {
      resolveConfig({ seed: 'x'.repeat(1e6) } as never);
    } catch (e) {
      err = e as Error;
    }
    expect(err!.message.length).toBeLessThan(200);
    expect(err!.message).toMatch(/…" \(1000000 characters\)$/);
  });

  it('cancelling works while the data is being sampled, before any step', async () => {
    const ctl = new AbortController();
    let progress = 0;
    const p = train({ data: { n: 3000, d: 2000, nTest: 0 }, model: { m: 8 } }, { signal: ctl.signal, onProgress: () => void progress++ });
    setImmediate(() => ctl.abort()); // the first pause comes within the sampling
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).step).toBe(0);
    expect(progress).toBe(0); // not even the record at step 0 was made
  });
});

describe('what a second attack found in the library', () => {
  const cfg = { data: { n: 3, d: 2, nTest: 0 }, model: { m: 4 }, train: { steps: 2 } };
  const good = () => datasetFromArrays(new Float32Array([1, 0, 0, 1, -1, 0]), [1, -1, 1], 3, 2);

  it('labels changed after train is called do not reach the run; inputs made invalid are refused when it starts', async () => {
    const ref = await train(cfg, { data: { train: good() }, keepLosses: true });
    const ds = good();
    const p = train(cfg, { data: { train: ds }, keepLosses: true });
    ds.y.fill(127);
    expectBitEqual((await p).losses, ref.losses, 'losses, labels changed after the call');
    const ds2 = good();
    const p2 = train(cfg, { data: { train: ds2 } });
    ds2.x[1] = NaN;
    await expect(p2).rejects.toThrow(/data.train.x\[0\]\[1\] must be a finite number, got NaN/);
  });

  it('unknown options, wrong types and options that throw are ConfigErrors', () => {
    const c = { data: { n: 4, d: 2, nTest: 0 } };
    expect(() => trainSync(c, { bakcend: 'js' } as never)).toThrow(/bakcend must be one of the train options .* — unknown option, got "js"/);
    expect(() => trainSync(c, { keepLosses: 'no' } as never)).toThrow(/keepLosses must be true or false, got "no"/);
    expect(() => trainSync(c, { keepAccuracy: 1 } as never)).toThrow(/keepAccuracy must be true or false, got 1/);
    const throwing = { get backend(): string { throw new Error('bk'); } };
    expect(() => trainSync(c, throwing as never)).toThrow(/options must be an object that can be read \(reading it threw Error: bk\)/);
    expect(() => trainSync({ ...c, train: { steps: 1 } }, { instrument: () => 42 as never })).toThrow(/instrument must be a function that returns an object \(or undefined\), got 42/);
  });

  it('means that are not orthonormal are refused', () => {
    const ds = datasetFromArrays(new Float32Array(9), [1, -1, 1], 3, 3);
    expect(() => trainSync({ model: { m: 4 } }, { data: { train: ds, means: { mu1: Float64Array.from([5, 5, 5]), mu2: Float64Array.from([0, 1, 0]), muNorm: 1 } } }))
      .toThrow(/data.means must be two orthonormal vectors µ1, µ2/);
  });

  it('.npy and datasets of the wrong kind are ConfigErrors', () => {
    expect(() => readNpy(null as never, 'X')).toThrow(/X must be the bytes of a .npy file \(a Uint8Array\), got null/);
    expect(() => writeNpy([1, 2] as never, [2])).toThrow(/data must be a typed array NumPy can read/);
    expect(() => writeNpy(new Float32Array(2), '22' as never)).toThrow(/shape must be an array of non-negative integers, got "22"/);
    expect(() => writeNpy(new Float32Array(0), [0, -5])).toThrow(/shape must be an array of non-negative integers/);
    expect(() => datasetFromArrays([1n, 2n] as never, [1], 1, 2)).toThrow(/data.x\[0\] must be a number, got 1n/);
    expect(() => datasetFromArrays({ length: (2 ** 31 - 1) ** 2 } as never, [1], 2 ** 31 - 1, 2 ** 31 - 1)).toThrow(/data.n × data.d must be at most 2147483647 values/);
  });
});
