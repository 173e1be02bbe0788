// One arena per model in a kernel instance's linear memory, laid out once by TypeScript
// (like tfjs-backend-wasm's register step): the kernels only ever see byte offsets into it.
// Views are made on demand, so a memory.grow (which detaches the old buffer) never leaves a
// stale view behind.
import type { KernelExports } from './loader.js';
import { align16, WASM_MAX_BYTES } from './layout.js';

const PAGE = 65536;

export class Arena {
  readonly kernels: KernelExports;
  private top: number;

  constructor(kernels: KernelExports) {
    this.kernels = kernels;
    this.top = align16(kernels.heap_base() >>> 0);
  }

  /** Free everything allocated (memory keeps its size; views made before are stale). */
  reset(): void {
    this.top = align16(this.kernels.heap_base() >>> 0);
  }

  /** Reserve `bytes` (16-byte aligned) and return the offset; grows memory as needed, up to 4 GiB. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const top = align16(ptr + Math.max(bytes, 0));
    if (top > WASM_MAX_BYTES) {
      throw new RangeError(`a WASM arena of ${(top / 2 ** 30).toFixed(2)} GiB does not fit in the 4 GiB of a wasm32 memory`);
    }
    const mem = this.kernels.memory;
    const need = Math.ceil(top / PAGE) - mem.buffer.byteLength / PAGE;
    if (need > 0) {
      try {
        mem.grow(need);
      } catch (e) {
        throw new RangeError(`could not grow WASM memory to ${(top / 2 ** 20).toFixed(1)} MiB: ${(e as Error).message}`);
      }
    }
    this.top = top;
    return ptr;
  }

  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, len);
  }

  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, ptr, len);
  }

  /** Bytes in use. */
  get size(): number {
    return this.top;
  }
}

/** Transposes run in square tiles of this side, so both the reads and the writes stay in cache. */
const TILE = 64;

/**
 * Pack W (m, d) row-major into Wt (d, m) row-major, the layout the kernels use; rows `from` ≤ j < `to`
 * of W only when given (so a large pack can be done in pieces).
 */
export function packTransposed(w: ArrayLike<number>, m: number, d: number, out: Float32Array, from = 0, to = m): void {
  for (let j0 = from; j0 < to; j0 += TILE) {
    const j1 = Math.min(to, j0 + TILE);
    for (let k0 = 0; k0 < d; k0 += TILE) {
      const k1 = Math.min(d, k0 + TILE);
      for (let j = j0; j < j1; j++) for (let k = k0; k < k1; k++) out[k * m + j] = w[j * d + k]!;
    }
  }
}

/** Unpack Wt (d, m) into a fresh W (m, d). */
export function unpackTransposed(wt: ArrayLike<number>, m: number, d: number): Float32Array {
  const w = new Float32Array(m * d);
  for (let k0 = 0; k0 < d; k0 += TILE) {
    const k1 = Math.min(d, k0 + TILE);
    for (let j0 = 0; j0 < m; j0 += TILE) {
      const j1 = Math.min(m, j0 + TILE);
      for (let k = k0; k < k1; k++) for (let j = j0; j < j1; j++) w[j * d + k] = wt[k * m + j]!;
    }
  }
  return w;
}
