// Pre-activations Z = X·Wᵀ and outputs f = φ(Z)·a for arbitrary inputs and weights: the O(n·m·d)
// part of the instruments (Condition 9, Proposition 2, decision boundaries). They run on the kernels
// a training run uses — the same loader, the same builds (inlined, or given to init()), the same
// backend when given the run's `result.backend` ('js': the float64 reference) — so a page computes
// its metrics exactly as its runs do. One kernel instance per backend is kept and reused.
import { gemmXwtRef, networkOutputRef } from '../reference.js';
import type { Backend } from '../train/engine.js';
import { Arena, packTransposed } from '../wasm/arena.js';
import { compileKernelsSync, instantiateKernels, simdSupportedSync, type WasmBackend } from '../wasm/loader.js';

const arenas = new Map<WebAssembly.Module, Arena>();

/** What 'auto' picks on this host, as train does: simd when supported, else scalar. */
function resolve(backend: Backend | 'auto' | undefined): Backend {
  return backend === undefined || backend === 'auto' ? (simdSupportedSync() ? 'simd' : 'scalar') : backend;
}

/** The backend's kernel instance, emptied, holding X (n, d) and packed W (m, d), with Z (n, m) scratch. */
function placed(x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, m: number, backend: WasmBackend) {
  const module = compileKernelsSync(backend);
  let A = arenas.get(module);
  if (!A) {
    A = new Arena(instantiateKernels(module));
    arenas.set(module, A);
  }
  A.reset();
  const p = { x: A.alloc(4 * n * d), w: A.alloc(4 * d * m), z: A.alloc(4 * n * m) };
  A.f32(p.x, n * d).set(x);
  packTransposed(w, m, d, A.f32(p.w, d * m));
  return { A, p };
}

function checkSizes(what: string, x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, m: number): void {
  for (const [k, v] of [['n', n], ['d', d], ['m', m]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what}: ${k} must be a non-negative integer, got ${String(v)}`);
  }
  if (x.length !== n * d) throw new RangeError(`${what}: x has ${x.length} values, not n·d = ${n * d}`);
  if (w.length !== m * d) throw new RangeError(`${what}: w has ${w.length} values, not m·d = ${m * d}`);
}

/**
 * Z = X·Wᵀ, (n, m), with X (n, d) and W (m, d) row-major: f32 from a WASM backend, f64 from 'js'.
 * `backend`: the run's (`result.backend`) to compute as it did; default what 'auto' picks here.
 */
export function preactivations(
  x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, m: number, backend?: Backend | 'auto',
): Float32Array | Float64Array {
  checkSizes('preactivations', x, n, d, w, m);
  const b = resolve(backend);
  if (b === 'js') return gemmXwtRef(x, w, n, d, m);
  const { A, p } = placed(x, n, d, w, m, b);
  A.kernels.gemm_xwt(p.x, p.w, p.z, n, d, m);
  return A.f32(p.z, n * m).slice();
}

/** f(x_i) = Σ_j a_j φ(⟨w_j, x_i⟩) for each row of X (f32 from a WASM backend, f64 from 'js'). */
export function networkOutputs(
  x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, a: ArrayLike<number>, backend?: Backend | 'auto',
): Float32Array | Float64Array {
  const m = a.length;
  checkSizes('networkOutputs', x, n, d, w, m);
  const b = resolve(backend);
  if (b === 'js') return networkOutputRef(gemmXwtRef(x, w, n, d, m), a, n, m);
  const { A, p } = placed(x, n, d, w, m, b);
  const pa = A.alloc(4 * m), pf = A.alloc(4 * n);
  A.f32(pa, m).set(a);
  A.kernels.predict(p.x, p.w, pa, p.z, pf, n, d, m);
  return A.f32(pf, n).slice();
}
