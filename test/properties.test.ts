// Property-based tests (fast-check, fixed seeds, bounded runs): whatever the input, resolveConfig
// returns a config within every range or throws a ConfigError, and readNpy of a mutated valid file
// reads it consistently or throws a ConfigError — never another exception, never a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, RANGES, readNpy, resolveConfig, writeNpy, type NpyData, type RfaConfig } from '../src/index.js';

/** Values a config field might be given by mistake or by an attacker. */
const weird = fc.oneof(
  fc.constantFrom(null, undefined, NaN, Infinity, -Infinity, 0, -0, -1, 1, 2, 1.5, 1e30, 1e31, 2 ** 31, 2 ** 53, -(2 ** 53), '', '1', 'gaussian', 'exact', true, false),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.array(fc.oneof(fc.double({ min: 0, max: 1 }), fc.constant(undefined)), { maxLength: 6 }),
  fc.sparseArray(fc.double({ min: 0, max: 0.5 }), { maxLength: 5 }),
  fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }),
);

const KEYS = {
  top: ['seed', 'data', 'model', 'train'],
  data: ['n', 'd', 'nTest', 'sigma', 'muNorm', 'mu', 'law', 'noise'],
  noise: ['mode', 'eta', 'rates', 'strategy', 'cluster'],
  model: ['m', 'omegaInit', 'dphi0'],
  train: ['alpha', 'steps'],
} as const;

/** Objects with the config's own keys (and some others), holding weird or plausible values. */
const section = (keys: readonly string[], value: fc.Arbitrary<unknown>) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 4 })), value, { maxKeys: keys.length + 1 });
const plausible = fc.oneof(weird, fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 0.6, noNaN: true }));
const noise = fc.oneof(
  section(KEYS.noise, fc.oneof(fc.constantFrom('none', 'independent', 'exact', 'per-cluster', 'adversarial', 'closest', 'one-cluster'), plausible)),
  weird,
);
const config = fc.oneof(
  fc.anything(),
  fc.record({
    seed: plausible,
    data: fc.oneof(section(KEYS.data.filter((k) => k !== 'noise'), plausible).chain((d) => noise.map((nz) => ({ ...d, noise: nz }))), weird),
    model: fc.oneof(section(KEYS.model, plausible), weird),
    train: fc.oneof(section(KEYS.train, plausible), weird),
  }, { requiredKeys: [] }),
);

function within(c: RfaConfig): void {
  const fields: [keyof typeof RANGES, number][] = [
    ['seed', c.seed], ['data.n', c.data.n], ['data.d', c.data.d], ['data.nTest', c.data.nTest], ['data.sigma', c.data.sigma],
    ['data.muNorm', c.data.muNorm], ['model.m', c.model.m], ['model.omegaInit', c.model.omegaInit], ['model.dphi0', c.model.dphi0],
    ['train.alpha', c.train.alpha], ['train.steps', c.train.steps],
  ];
  for (const [f, v] of fields) {
    const r = RANGES[f] as { integer?: boolean; min: number; max: number; minOpen?: boolean };
    expect(Number.isFinite(v), f).toBe(true);
    if (r.integer) expect(Number.isInteger(v), f).toBe(true);
    expect(r.minOpen ? v > r.min : v >= r.min, f).toBe(true);
    expect(v <= r.max, f).toBe(true);
  }
  const nz = c.data.noise as { mode: string; eta?: number; rates?: number[]; cluster?: number };
  if (nz.eta !== undefined) expect(nz.eta >= 0 && nz.eta <= 0.5, 'eta').toBe(true);
  if (nz.mode === 'per-cluster') {
    expect(nz.rates!.length).toBe(4);
    for (let k = 0; k < 4; k++) expect(k in nz.rates! && nz.rates![k]! >= 0 && nz.rates![k]! <= 0.5, `rates[${k}]`).toBe(true);
  }
  if (nz.cluster !== undefined) expect([0, 1, 2, 3]).toContain(nz.cluster);
}

describe('resolveConfig on any input', () => {
  it('returns a config within every range, or throws a ConfigError', () => {
    let accepted = 0, refused = 0;
    fc.assert(
      fc.property(config, (input) => {
        let c: RfaConfig;
        try {
          c = resolveConfig(input as never);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.message.startsWith(e.field)).toBe(true);
          refused++;
          return;
        }
        accepted++;
        within(c);
        expect(resolveConfig(c)).toEqual(c); // a resolved config resolves to itself
      }),
      { seed: 20261129, numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(10); // the generator reaches valid configs too
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('readNpy on mutated valid files', () => {
  const dtypes = ['f4', 'f8', 'i1', 'i4'] as const;
  const valid = fc.record({
    dtype: fc.constantFrom(...dtypes),
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 }),
  }).map(({ dtype, shape }) => {
    const count = shape.reduce((p, s) => p * s, 1);
    const data: NpyData = dtype === 'f4' ? new Float32Array(count) : dtype === 'f8' ? new Float64Array(count) : dtype === 'i1' ? new Int8Array(count) : new Int32Array(count);
    for (let i = 0; i < count; i++) data[i] = (i % 7) - 3;
    return writeNpy(data, shape);
  });
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom("'shape': (2,), ", ' ', ',', '}', "'descr': '<f8', ", '(', '99999999999999999999', '\n', '\x00') }),
    fc.record({ kind: fc.constant('header' as const), from: fc.constantFrom('<f4', '<f8', '|i1', '<i4', 'False', '(', ')', ',', "'"), to: fc.constantFrom('>f4', '<c8', 'True', '', '((', '-1', '"', "''", '1.5') }),
  );
  type Mutation = { kind: string; at?: number; byte?: number; text?: string; from?: string; to?: string };
  const apply = (bytes: Uint8Array, m: Mutation): Uint8Array => {
    const at = (m.at ?? 0) % (bytes.length + 1);
    switch (m.kind) {
      case 'flip': {
        const out = bytes.slice();
        if (out.length > 0) out[at % out.length] = m.byte!;
        return out;
      }
      case 'truncate':
        return bytes.slice(0, at);
      case 'insert': {
        const ins = Uint8Array.from(m.text!, (c) => c.charCodeAt(0));
        const out = new Uint8Array(bytes.length + ins.length);
        out.set(bytes.subarray(0, at));
        out.set(ins, at);
        out.set(bytes.subarray(at), at + ins.length);
        return out;
      }
      default: {
        const text = new TextDecoder('latin1').decode(bytes).replace(m.from!, m.to!);
        return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
      }
    }
  };

  it('reads a mutated file consistently or throws a ConfigError', () => {
    let read = 0, refused = 0;
    fc.assert(
      fc.property(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }), (bytes, muts) => {
        const file = muts.reduce((b, m) => apply(b, m), bytes);
        try {
          const a = readNpy(file, 'X.npy');
          read++;
          expect(a.shape.every((s) => Number.isSafeInteger(s) && s >= 0)).toBe(true);
          expect(a.data.length).toBe(a.shape.reduce((p, s) => p * s, 1));
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.field).toBe('X.npy');
          refused++;
        }
      }),
      { seed: 20261129, numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(500);
  });
});
