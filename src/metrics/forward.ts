// Pre-activations Z = X·Wᵀ and outputs f = φ(Z)·a for arbitrary inputs and weights, in WASM: the
// O(n·m·d) part of the instruments (Condition 9, Proposition 2, decision boundaries).
import { Arena, packTransposed } from '../wasm/arena.js';
import { compileKernelsSync, instantiateKernels, simdSupportedSync, type WasmBackend } from '../wasm/loader.js';

function backendOrAuto(b?: WasmBackend): WasmBackend {
  return b ?? (simdSupportedSync() ? 'simd' : 'scalar');
}

/** Z = X·Wᵀ, (n, m) f32, with X (n, d) and W (m, d) row-major. */
export function preactivations(x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, m: number, backend?: WasmBackend): Float32Array {
  const A = new Arena(instantiateKernels(compileKernelsSync(backendOrAuto(backend))));
  const px = A.alloc(4 * n * d), pw = A.alloc(4 * d * m), pz = A.alloc(4 * n * m);
  A.f32(px, n * d).set(x);
  packTransposed(w, m, d, A.f32(pw, d * m));
  A.kernels.gemm_xwt(px, pw, pz, n, d, m);
  return A.f32(pz, n * m).slice();
}

/** f(x_i) = Σ_j a_j φ(⟨w_j, x_i⟩) for each row of X. */
export function networkOutputs(x: ArrayLike<number>, n: number, d: number, w: ArrayLike<number>, a: Float32Array, backend?: WasmBackend): Float32Array {
  const m = a.length;
  const A = new Arena(instantiateKernels(compileKernelsSync(backendOrAuto(backend))));
  const px = A.alloc(4 * n * d), pw = A.alloc(4 * d * m), pz = A.alloc(4 * n * m), pa = A.alloc(4 * m), pf = A.alloc(4 * n);
  A.f32(px, n * d).set(x);
  A.f32(pa, m).set(a);
  packTransposed(w, m, d, A.f32(pw, d * m));
  A.kernels.predict(px, pw, pa, pz, pf, n, d, m);
  return A.f32(pf, n).slice();
}
