// A training engine holds one model and its data and runs whole GD steps. Two paths, each on every
// backend: the primal path on W (WasmEngine: the 'simd' and 'scalar' kernel builds, f32; JsEngine:
// the float64 reference) and the kernel-space path on C with W = W(0) + C·X, exact and cheaper
// when d > n (DualWasmEngine, DualJsEngine).
import type { XorDataset } from '../data.js';
import type { StepPath } from '../wasm/layout.js';

export type { StepPath } from '../wasm/layout.js';

/** Pieces of a step smaller than this re-read W (forward) or Z and X (gradient) too often to run at full speed. */
export const MIN_PIECE_ROWS = 64;
export const MIN_PIECE_COLS = 16;

/**
 * 'simd' and 'scalar': two builds of the kernels with the same bits; 'relaxed': the SIMD build with
 * f32x4.relaxed_madd in the products (opt-in: its rounding depends on the engine); 'js': float64.
 */
export type Backend = 'simd' | 'scalar' | 'relaxed' | 'js';
export const BACKENDS: readonly Backend[] = ['simd', 'scalar', 'relaxed', 'js'];

export interface EngineInit {
  train: XorDataset;
  test: XorDataset | null;
  /** W (m, d) row-major */
  w: ArrayLike<number>;
  /** a (m) */
  a: Float32Array;
  alpha: number;
  dphi0: number;
}

/** A thread team for a WASM engine: the threaded build, and how many threads (this one included). */
export interface EngineThreads {
  module: WebAssembly.Module;
  size: number;
  /** what prepareTeam set aside for this team (browsers: its shared memory and armed Web Workers) */
  start?: unknown;
}

export interface Engine {
  readonly backend: Backend;
  /** threads the steps run on (the same bits on any number) */
  readonly threads: number;
  /** Release what the engine holds outside the JS heap (its thread team's workers). Idempotent. */
  dispose(): void;
  /**
   * One-time work the engine does before its first step (the kernel-space path's products), cut into
   * pieces of about `rows` input rows and yielding between them, so a run can be cancelled during it.
   * Optional: an engine without it has none; one that has it runs it to its end when first used.
   */
  prepare?(rows: number): Generator<void, void, void>;
  readonly path: StepPath;
  readonly m: number;
  readonly d: number;
  /** training samples */
  readonly n: number;
  /** flops of one GD step on this path */
  readonly stepFlops: number;
  /** flops of the network output of one more input row (an evaluation) */
  readonly rowFlops: number;
  /**
   * Run up to k GD steps. lossOut[s] receives L̂(W(t + s)) for each step attempted, and accOut[s]
   * (when given) the training accuracy on the observed labels at W(t + s). Returns the
   * number of updates applied: k, or s < k when L̂(W(t + s)) was not finite (W is then W(t + s)).
   */
  steps(k: number, lossOut: Float64Array, accOut?: Float32Array): number;
  /**
   * One GD step cut into pieces of about `budget` flops each (never smaller than MIN_PIECE_ROWS rows or
   * MIN_PIECE_COLS columns), yielding between them. The same bits as steps(1); W changes only at the
   * end, so a caller that stops between pieces still holds W(t). Returns 1, or 0 when the risk was not
   * finite (lossOut[0], accOut[0] as for steps).
   */
  stepInPieces(lossOut: Float64Array, accOut: Float32Array | undefined, budget: number): Generator<void, number, void>;
  /** ‖W‖_F of the current weights (without forming W on the kernel-space path). */
  weightNorm(): number;
  /** Whether every weight is finite (no NaN, no ±∞). */
  weightsFinite(): boolean;
  /** Save the current weights into checkpoint slot 0 or 1 (cheap: a copy inside the engine's own memory). */
  checkpoint(slot: 0 | 1): void;
  /** Restore the weights saved in a checkpoint slot. */
  rollback(slot: 0 | 1): void;
  /**
   * A copy of what the steps evolve, for a checkpoint file: W (m, d) row-major on the primal path, C
   * in the engine's own layout on the kernel-space path. setState puts back what state() gave (on an
   * engine of the same backend, path and sizes).
   */
  state(): Float32Array | Float64Array;
  setState(s: Float32Array | Float64Array): void;
  /** A copy of W, (m, d) row-major. */
  weights(): Float32Array | Float64Array;
  setWeights(w: ArrayLike<number>): void;
  /** Network outputs f(x_i) for rows [start, start + count) of the training or the test set (default: all; a copy). */
  outputs(which: 'train' | 'test', start?: number, count?: number): Float32Array | Float64Array;
  /** Hidden pre-activations Z = X·Wᵀ (rows, m) for the given set (a copy). */
  preactivations(which: 'train' | 'test'): Float32Array | Float64Array;
}
