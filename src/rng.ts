// Seeded random numbers. Every random draw in rfa comes from an Rng made from an explicit seed and
// a named stream, so a run is a pure function of (config, seed) and each stream is independent:
// adding a draw to one stream never shifts another. The state is plain numbers (serializable).
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

type Gen = ReturnType<typeof xoroshiro128plus>;

/** Named streams: each is the seed's generator advanced by (index + 1) jumps of 2^64 draws. */
export const STREAMS = { mu: 0, train: 1, test: 2, init: 3, baseline: 4, aux: 5 } as const;
export type StreamName = keyof typeof STREAMS;

export interface RngState {
  gen: number[];
  spare: number | null;
}

export class Rng {
  private gen: Gen;
  private spare: number | null = null;

  constructor(seed: number, stream: StreamName | number = 0) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${String(seed)}`);
    }
    this.gen = xoroshiro128plus(seed | 0);
    const jumps = (typeof stream === 'number' ? stream : STREAMS[stream]) + 1;
    for (let i = 0; i < jumps; i++) this.gen.jump();
  }

  static fromState(state: RngState): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    r.gen = xoroshiro128plusFromState(state.gen);
    r.spare = state.spare;
    return r;
  }

  state(): RngState {
    return { gen: [...this.gen.getState()], spare: this.spare };
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.gen.next() >>> 5; // 27 bits
    const lo = this.gen.next() >>> 6; // 26 bits
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

  /** A standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniformPositive()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * `count` standard normal draws into out[0, count): exactly the values (and the state after) of
   * `count` calls of normal(), about 1.4× faster (the generator's state in locals, no call per draw).
   */
  normals(out: Float64Array, count: number): void {
    let i = 0;
    if (count > 0 && this.spare !== null) {
      out[0] = this.spare;
      this.spare = null;
      i = 1;
    }
    if (i >= count) return;
    let [s01, s00, s11, s10] = this.gen.getState() as [number, number, number, number];
    // xoroshiro128+ as pure-rand steps it (32-bit halves), then uniform() on two outputs
    const next = (): number => {
      const out = (s00 + s10) | 0;
      const a0 = s10 ^ s00, a1 = s11 ^ s01;
      const x00 = s00, x01 = s01;
      s00 = (x00 << 24) ^ (x01 >>> 8) ^ a0 ^ (a0 << 16);
      s01 = (x01 << 24) ^ (x00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
      s10 = (a1 << 5) ^ (a0 >>> 27);
      s11 = (a0 << 5) ^ (a1 >>> 27);
      return out;
    };
    const uniform = (): number => {
      const hi = next() >>> 5;
      const lo = next() >>> 6;
      return (hi * 67108864 + lo) / 9007199254740992;
    };
    for (; i < count; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - uniform()));
      const theta = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(theta);
      const second = r * Math.sin(theta);
      if (i + 1 < count) out[i + 1] = second;
      else this.spare = second;
    }
    this.gen = xoroshiro128plusFromState([s01, s00, s11, s10]);
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
