// Seeded random numbers. Every random draw in rfa comes from an Rng made from an explicit seed and
// a named stream, so a run is a pure function of (config, seed) and each stream is independent:
// adding a draw to one stream never shifts another. The state is plain numbers (serializable).
import { fillNormals } from './wasm/normals.js';

/** Named streams: each is the seed's generator advanced by (index + 1) jumps of 2^64 draws. */
export const STREAMS = { mu: 0, train: 1, test: 2, init: 3, baseline: 4, aux: 5 } as const;
export type StreamName = keyof typeof STREAMS;

/** xoroshiro128+'s jump polynomial (2^64 steps), as 32-bit words in the order they are applied. */
const JUMP = [3639956645, 3750757012, 1261568508, 386426335];

/** The generator's state: xoroshiro128+'s words (s0 high, s0 low, s1 high, s1 low; pure-rand's order). */
export interface RngState {
  gen: number[];
}

export class Rng {
  /** xoroshiro128+ state as 32-bit words in memory order: s0 low, s0 high, s1 low, s1 high. */
  private s = new Int32Array(4);
  private one = new Float64Array(1);

  constructor(seed: number, stream: StreamName | number = 0) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${String(seed)}`);
    }
    // pure-rand's xoroshiro128plus(seed) state, then the stream's jumps: the streams of rfa 0.1
    this.setState([-1, ~seed, seed | 0, 0]);
    const jumps = (typeof stream === 'number' ? stream : STREAMS[stream]) + 1;
    for (let i = 0; i < jumps; i++) this.jump();
  }

  static fromState(state: RngState): Rng {
    const g = (state as { gen?: unknown } | null)?.gen;
    if (!Array.isArray(g) || g.length !== 4 || !g.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 32) || g.every((v) => (v | 0) === 0)) {
      throw new RangeError(`an Rng state is { gen: four 32-bit integers, not all 0 }, got ${JSON.stringify(state)}`);
    }
    const r = Object.create(Rng.prototype) as Rng;
    r.s = new Int32Array(4);
    r.one = new Float64Array(1);
    r.setState(g as number[]);
    return r;
  }

  /** Advance the state by 2^64 steps (xoroshiro128+'s jump, as pure-rand computes it). */
  private jump(): void {
    const s = this.s;
    let n00 = 0, n01 = 0, n10 = 0, n11 = 0;
    for (const word of JUMP) {
      for (let mask = 1; mask; mask <<= 1) {
        if (word & mask) {
          n00 ^= s[0]!;
          n01 ^= s[1]!;
          n10 ^= s[2]!;
          n11 ^= s[3]!;
        }
        this.next32();
      }
    }
    s[0] = n00;
    s[1] = n01;
    s[2] = n10;
    s[3] = n11;
  }

  private setState(g: readonly number[]): void {
    const [s01, s00, s11, s10] = g as [number, number, number, number];
    this.s[0] = s00 | 0;
    this.s[1] = s01 | 0;
    this.s[2] = s10 | 0;
    this.s[3] = s11 | 0;
  }

  state(): RngState {
    const s = this.s;
    return { gen: [s[1]!, s[0]!, s[3]!, s[2]!] };
  }

  /** The low 32 bits of the next xoroshiro128+ output (what pure-rand's next() gives). */
  private next32(): number {
    const s = this.s;
    const s00 = s[0]!, s01 = s[1]!, s10 = s[2]!, s11 = s[3]!;
    const out = (s00 + s10) | 0;
    const a0 = s10 ^ s00, a1 = s11 ^ s01;
    s[0] = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    s[1] = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s[2] = (a1 << 5) ^ (a0 >>> 27);
    s[3] = (a0 << 5) ^ (a1 >>> 27);
    return out;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.next32() >>> 5; // 27 bits
    const lo = this.next32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in (0, 1]. */
  uniformPositive(): number {
    return 1 - this.uniform();
  }

  /** A uniform integer in [0, k). */
  int(k: number): number {
    return Math.floor(this.uniform() * k);
  }

  /** A standard normal draw (the ziggurat of assembly/normals.ts; docs/computation.md §Random numbers). */
  normal(): number {
    fillNormals(this.s, this.one, 0, 1);
    return this.one[0]!;
  }

  /**
   * `count` standard normal draws into out[0, count): exactly the values (and the state after) of
   * `count` calls of normal(), drawn by the WASM ziggurat in blocks (about 10 ns a draw).
   */
  normals(out: Float64Array, count: number): void {
    fillNormals(this.s, out, 0, count);
  }

  /** A Laplace draw with mean 0 and scale b (variance 2b²). */
  laplace(b: number): number {
    let u = this.uniform() - 0.5;
    while (u === -0.5) u = this.uniform() - 0.5; // log(0) would be −∞
    return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }

  /** k distinct indices from [0, n), in random order (partial Fisher–Yates). */
  sampleIndices(n: number, k: number): Uint32Array {
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    return idx.slice(0, k);
  }
}

/** How many random draws the sampling generators make between yields: some milliseconds' worth. */
export const DRAWS_PER_YIELD = 1 << 17;

/** Run a generator that only yields to let its caller breathe, to its end; its result. */
export function runToEnd<T>(g: Generator<unknown, T, void>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}
