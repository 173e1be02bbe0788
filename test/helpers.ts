// Shared test helpers: seeded inputs, a kernel harness over one arena, mixed-tolerance checks
// that print the seed, shape, index and both values on failure.
import { expect } from 'vitest';
import { Arena, compileKernelsSync, instantiateKernels, Rng, type KernelExports, type WasmBackend } from '../src/index.js';
import type { KernelBuild } from '../src/wasm/loader.js';

export const WASM_BACKENDS: WasmBackend[] = ['simd', 'scalar'];
/** The builds the kernel tests run: the two backends' and the debug build, whose assert()s check each kernel's preconditions. */
export const KERNEL_BUILDS: KernelBuild[] = ['simd', 'scalar', 'debug'];

export function randomF32(len: number, seed: number, scale = 1, stream = 0): Float32Array {
  const r = new Rng(seed, stream);
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = scale * r.normal();
  return out;
}

/** A fresh kernel instance with helpers to place arrays and read them back. */
export class Harness {
  readonly k: KernelExports;
  readonly arena: Arena;
  constructor(backend: KernelBuild) {
    this.k = instantiateKernels(compileKernelsSync(backend));
    this.arena = new Arena(this.k);
  }
  put(data: ArrayLike<number>): number {
    const p = this.arena.alloc(4 * Math.max(1, data.length));
    this.arena.f32(p, data.length).set(data);
    return p;
  }
  zeros(len: number): number {
    const p = this.arena.alloc(4 * Math.max(1, len));
    this.arena.f32(p, len).fill(0);
    return p;
  }
  get(p: number, len: number): Float32Array {
    return this.arena.f32(p, len).slice();
  }
}

/** |got − ref| ≤ atol + rtol·|ref| elementwise, with a message naming everything. */
export function expectClose(
  got: ArrayLike<number>, ref: ArrayLike<number>, atol: number, rtol: number, what: string,
): void {
  expect(got.length, `${what}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!, r = ref[i]!;
    const ok = Math.abs(g - r) <= atol + rtol * Math.abs(r) || (Number.isNaN(g) && Number.isNaN(r));
    if (!ok) {
      expect.fail(`${what}: index ${i}: got ${g}, reference ${r}, |diff| ${Math.abs(g - r)} > atol ${atol} + rtol ${rtol}·|ref|`);
    }
  }
}

export function expectBitEqual(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${what}: index ${i}: ${a[i]} vs ${b[i]} (not bit-identical)`);
  }
}

/**
 * The shape grid (n, d, m): 1×1, below/at/above the SIMD width and the 4×8 tile, primes, paper shapes,
 * and shapes with several row blocks in grad_xtd (blocks of min(256, max(16, 2^17/m)) rows).
 */
export const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 3, 2], [2, 2, 3], [3, 5, 7], [4, 4, 4], [4, 4, 8], [5, 3, 9], [4, 1, 12],
  [7, 2, 16], [8, 8, 8], [9, 6, 17], [13, 17, 11], [17, 31, 33], [31, 7, 5], [64, 50, 40],
  [200, 10, 400], [101, 97, 403], [23, 2000, 19], [517, 7, 33], [41, 5, 9001],
];
