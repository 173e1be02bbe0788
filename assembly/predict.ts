import { gemm_xwt } from "./gemm_xwt";
import { network_output } from "./network_output";

// Forward pass only: f (rows) = φ(X·Wᵀ)·a for `rows` samples, using Z (rows, m) as scratch.
export function predict(x: usize, wt: usize, a: usize, z: usize, f: usize, rows: i32, d: i32, m: i32): void {
  assert(rows >= 0 && d >= 0 && m >= 0, "predict: negative size");
  gemm_xwt(x, wt, z, rows, d, m);
  network_output(z, a, f, rows, m);
}
