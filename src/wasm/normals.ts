// The normal sampler: one small instance of a kernel build (any build: normals_f64 is plain scalar
// code and gives the same bits in each), shared by every Rng of the process. It holds the ziggurat's
// tables, a 16-byte generator state and an output block; Rng copies its state in and out around
// each call, so the instance itself keeps nothing between calls.
import { Arena } from './arena.js';
import { compileKernelsSync, instantiateKernels, type KernelExports } from './loader.js';

/** Normals drawn per kernel call (64 KiB of f64): bounds the instance's memory. */
const BLOCK = 8192;
const TABLE_BYTES = 256 * 24;

interface Sampler {
  kernels: KernelExports;
  tables: number;
  state: number;
  out: number;
}

let sampler: Sampler | null = null;

function make(module: WebAssembly.Module): Sampler {
  const arena = new Arena(instantiateKernels(module));
  const tables = arena.alloc(TABLE_BYTES);
  const state = arena.alloc(16);
  const out = arena.alloc(BLOCK * 8);
  arena.kernels.normal_tables(tables);
  return { kernels: arena.kernels, tables, state, out };
}

/**
 * Use this compiled kernel module (any build but the threaded one) for normal draws, unless a sampler
 * exists already. train() passes the module it runs, so a page that gives its own module needs no other.
 */
export function provideNormalsModule(module: WebAssembly.Module): void {
  if (!sampler) sampler = make(module);
}

function ready(): Sampler {
  sampler ??= make(compileKernelsSync('scalar'));
  return sampler;
}

/**
 * `count` standard normal draws into out[start, start + count), advancing the xoroshiro128+ state
 * `s` (s0 low, s0 high, s1 low, s1 high as 32-bit words, the order of the u64s in memory).
 */
export function fillNormals(s: Int32Array, out: Float64Array, start: number, count: number): void {
  const { kernels, tables, state, out: block } = ready();
  let words = new Int32Array(kernels.memory.buffer, state, 4);
  words.set(s);
  for (let done = 0; done < count; ) {
    const c = Math.min(BLOCK, count - done);
    kernels.normals_f64(state, tables, block, c);
    out.set(new Float64Array(kernels.memory.buffer, block, c), start + done);
    done += c;
  }
  words = new Int32Array(kernels.memory.buffer, state, 4);
  s.set(words);
}
