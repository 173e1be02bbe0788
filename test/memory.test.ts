// Beyond 2 GiB of WASM memory: the arena's offsets are 64-bit safe (no 32-bit `&`) and the kernels
// treat pointers as unsigned, so a run placed above 2^31 gives the same bits as one placed low, up to
// the 4 GiB a wasm32 memory holds. Pages never touched are never committed, so this is cheap.
import { describe, expect, it } from 'vitest';
import { Arena, compileKernelsSync, instantiateKernels, packTransposed, type WasmBackend } from '../src/index.js';
import { expectBitEqual, randomF32 } from './helpers.js';

const n = 37, d = 29, m = 21, steps = 5;
const x = randomF32(n * d, 1);
const y = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
const w = randomF32(m * d, 2, 0.1);
const a = Float32Array.from({ length: m }, (_, j) => (j < m / 2 ? 1 : -1) / Math.sqrt(m));

/** Train `steps` GD steps with every buffer placed after `spacer` bytes; return W, losses, outputs and a finiteness flag. */
function runAt(backend: WasmBackend, spacer: number) {
  const arena = new Arena(instantiateKernels(compileKernelsSync(backend)));
  if (spacer > 0) arena.alloc(spacer);
  const p = {
    x: arena.alloc(4 * n * d), y: arena.alloc(4 * n), wt: arena.alloc(4 * d * m), a: arena.alloc(4 * m), z: arena.alloc(4 * n * m),
    f: arena.alloc(4 * n), c: arena.alloc(4 * n), g: arena.alloc(4 * d * m), loss: arena.alloc(8 * steps), acc: arena.alloc(4 * steps),
  };
  arena.f32(p.x, n * d).set(x);
  arena.f32(p.y, n).set(y);
  arena.f32(p.a, m).set(a);
  packTransposed(w, m, d, arena.f32(p.wt, d * m));
  const K = arena.kernels;
  expect(K.gd_steps(p.x, p.y, p.wt, p.a, p.z, p.f, p.c, p.g, n, d, m, 0.5, 0, steps, p.loss, p.acc)).toBe(steps);
  K.predict(p.x, p.wt, p.a, p.z, p.f, n, d, m);
  K.grad_xtd_rows(p.x, p.z, p.g, n, d, 3, 17, m, 1);
  return {
    first: p.x,
    wt: arena.f32(p.wt, d * m).slice(),
    loss: arena.f64(p.loss, steps).slice(),
    acc: arena.f32(p.acc, steps).slice(),
    f: arena.f32(p.f, n).slice(),
    g: arena.f32(p.g, d * m).slice(),
    finite: K.all_finite(p.wt, d * m),
    bytes: arena.kernels.memory.buffer.byteLength,
  };
}

describe('WASM memory beyond 2 GiB', () => {
  it.each(['simd', 'scalar'] as const)('%s: a run placed above 2^31 (and one straddling it) gives the bits of one placed low', (backend) => {
    const low = runAt(backend, 0);
    for (const spacer of [2 ** 31 + 4096, 2 ** 31 - 2000, 3.5 * 2 ** 30]) {
      const high = runAt(backend, spacer);
      expect(high.first).toBeGreaterThan(spacer);
      expect(high.bytes).toBeGreaterThan(2 ** 31);
      expectBitEqual(high.wt, low.wt, `W after ${steps} steps at offset ${spacer}`);
      expectBitEqual(high.loss, low.loss, `losses at offset ${spacer}`);
      expectBitEqual(high.acc, low.acc, `accuracies at offset ${spacer}`);
      expectBitEqual(high.f, low.f, `outputs at offset ${spacer}`);
      expectBitEqual(high.g, low.g, `gradient rows at offset ${spacer}`);
      expect(high.finite).toBe(1);
    }
  });

  it('the arena refuses to pass 4 GiB with a clear error and can reach it exactly', () => {
    const arena = new Arena(instantiateKernels(compileKernelsSync('simd')));
    expect(() => arena.alloc(4 * 2 ** 30)).toThrow(/a WASM arena of 4.00 GiB does not fit in the 4 GiB of a wasm32 memory/);
    arena.alloc(4 * 2 ** 30 - arena.size - 16);
    expect(arena.kernels.memory.buffer.byteLength).toBe(4 * 2 ** 30);
  });
});
