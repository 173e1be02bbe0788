// Pre-activations Z = X·Wᵀ and outputs f = φ(Z)·a for arbitrary inputs and weights, in WASM: the
// O(n·m·d) part of the instruments (Condition 9, Proposition 2, decision boundaries).
import { Arena, packTransposed } from '../wasm/arena.js';
import { compileKernelsSync, instantiateKernels, simdSupportedSync, type WasmBackend } from '../wasm/loader.js';

/** A fresh kernel instance holding X (n, d) and packed W (m, d), with Z (n, m) scratch. */
function placed(x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, m: number, backend?: WasmBackend) {
  const A = new Arena(instantiateKernels(compileKernelsSync(backend ?? (simdSupportedSync() ? 'simd' : 'scalar'))));
  const p = { x: A.alloc(4 * n * d), w: A.alloc(4 * d * m), z: A.alloc(4 * n * m) };
  A.f32(p.x, n * d).set(x);
  packTransposed(w, m, d, A.f32(p.w, d * m));
  return { A, p };
}

/** Z = X·Wᵀ, (n, m) f32, with X (n, d) and W (m, d) row-major. */
export function preactivations(x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, m: number, backend?: WasmBackend): Float32Array {
  const { A, p } = placed(x, n, d, w, m, backend);
  A.kernels.gemm_xwt(p.x, p.w, p.z, n, d, m);
  return A.f32(p.z, n * m).slice();
}

/** f(x_i) = Σ_j a_j φ(⟨w_j, x_i⟩) for each row of X. */
export function networkOutputs(x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, a: Float32Array, backend?: WasmBackend): Float32Array {
  const m = a.length;
  const { A, p } = placed(x, n, d, w, m, backend);
  const pa = A.alloc(4 * m), pf = A.alloc(4 * n);
  A.f32(pa, m).set(a);
  A.kernels.predict(p.x, p.w, pa, p.z, pf, n, d, m);
  return A.f32(pf, n).slice();
}
