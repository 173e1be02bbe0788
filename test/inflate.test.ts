// The inlined builds' inflater against zlib: stored, fixed and dynamic blocks, levels 0..9, sizes with
// long repeats and incompressible data; corrupt or truncated input is an Error, never wrong bytes.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflateRaw } from '../src/wasm/inflate.js';
import { Rng } from '../src/rng.js';

function sample(kind: string, n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 'random') b[i] = Math.floor(r.uniform() * 256);
    else if (kind === 'text') b[i] = 97 + Math.floor(r.uniform() * 6);
    else if (kind === 'runs') b[i] = i % 1000 < 900 ? 7 : Math.floor(r.uniform() * 256);
    else b[i] = (i * 31 + (i >> 7)) & 0xff; // long-period pattern: many distant matches
  }
  return b;
}

describe('inflateRaw', () => {
  it.each(['random', 'text', 'runs', 'pattern'])('%s data at every zlib level and several sizes equals the input', (kind) => {
    for (const n of [0, 1, 2, 258, 1000, 40_000, 70_000]) {
      const data = sample(kind, n, n + 1);
      for (let level = 0; level <= 9; level += 3) {
        const z = deflateRawSync(data, { level });
        expect(Buffer.from(inflateRaw(z, n)).equals(Buffer.from(data)), `${kind}, n = ${n}, level ${level}`).toBe(true);
      }
      // zlib's fixed-Huffman strategy
      const fixed = deflateRawSync(data, { strategy: 4 });
      expect(Buffer.from(inflateRaw(fixed, n)).equals(Buffer.from(data)), `${kind}, n = ${n}, fixed`).toBe(true);
    }
  });

  it('truncated, corrupted or wrongly sized input is an Error', () => {
    const data = sample('text', 20_000, 3);
    const z = deflateRawSync(data);
    expect(() => inflateRaw(z.subarray(0, z.length >> 1), data.length)).toThrow(/corrupt/);
    expect(() => inflateRaw(z, data.length - 1)).toThrow(/corrupt/);
    expect(() => inflateRaw(z, data.length + 1)).toThrow(/corrupt/);
    let caught = 0;
    for (let at = 0; at < z.length; at += 97) {
      const bad = Uint8Array.from(z);
      bad[at]! ^= 0x5a;
      try {
        const out = inflateRaw(bad, data.length);
        // a change that still decodes to the right size must not pass silently as the original
        if (!Buffer.from(out).equals(Buffer.from(data))) caught++;
      } catch {
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(0);
  });
});
