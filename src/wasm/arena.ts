// One arena per model in a kernel instance's linear memory, laid out once by TypeScript
// (like tfjs-backend-wasm's register step): the kernels only ever see byte offsets into it.
// Views are made on demand, so a memory.grow (which detaches the old buffer) never leaves a
// stale view behind.
import type { KernelExports } from './loader.js';

const PAGE = 65536;

export class Arena {
  readonly kernels: KernelExports;
  private top: number;

  constructor(kernels: KernelExports) {
    this.kernels = kernels;
    this.top = align(kernels.heap_base() >>> 0);
  }

  /** Reserve `bytes` (16-byte aligned) and return the offset; grows memory as needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = align(ptr + Math.max(bytes, 0));
    const mem = this.kernels.memory;
    const need = Math.ceil(this.top / PAGE) - mem.buffer.byteLength / PAGE;
    if (need > 0) {
      try {
        mem.grow(need);
      } catch (e) {
        throw new RangeError(`could not grow WASM memory to ${(this.top / 2 ** 20).toFixed(1)} MiB: ${(e as Error).message}`);
      }
    }
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

function align(p: number): number {
  return (p + 15) & ~15;
}

/** Pack W (m, d) row-major into Wt (d, m) row-major, the layout the kernels use. */
export function packTransposed(w: ArrayLike<number>, m: number, d: number, out: Float32Array): void {
  for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) out[k * m + j] = w[j * d + k]!;
}

/** Unpack Wt (d, m) into a fresh W (m, d). */
export function unpackTransposed(wt: ArrayLike<number>, m: number, d: number): Float32Array {
  const w = new Float32Array(m * d);
  for (let k = 0; k < d; k++) for (let j = 0; j < m; j++) w[j * d + k] = wt[k * m + j]!;
  return w;
}
