// The one memory layout of a WASM engine: where each buffer lives in the kernel instance's linear
// memory and how many bytes the whole arena takes. WasmEngine allocates from it and validation
// (checkWasmFits) sizes runs with it, so the two cannot drift apart. Pure arithmetic on numbers
// (doubles, exact below 2^53): offsets beyond 2 GiB are fine here and in the kernels (usize).
import { ConfigError } from '../errors.js';

/** Linear memory of a wasm32 instance: 65536 pages of 64 KiB. */
export const WASM_MAX_BYTES = 4 * 1024 * 1024 * 1024;
/** An upper bound on the kernels' static data (heap_base()); a test checks the built modules stay below it. */
export const HEAP_BASE_MAX = 64 * 1024;
/** Per-step loss (f64) and accuracy (f32) buffers hold this many steps per kernel call. */
export const STEP_BUFFER = 4096;
/** The evaluation forward pass runs over at most max(n, this many) rows at a time. */
export const EVAL_ROWS = 1024;
/** Bytes of a thread team's control block (assembly/threads.ts CTRL_BYTES). */
export const CTRL_BYTES = 512;

/** Round up to the arena's 16-byte alignment (f32x4 loads), without 32-bit bit operations. */
export function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

export interface EngineSizes {
  n: number;
  d: number;
  m: number;
  nTest: number;
}

/** Byte offsets of every buffer of a WasmEngine, and `end`, the first byte past the arena. */
export interface EngineLayout {
  /** X (n, d) f32 */ x: number;
  /** y (n) ±1 as f32 */ y: number;
  /** Wt (d, m) f32, W packed transposed */ wt: number;
  /** a (m) f32 */ a: number;
  /** Z (rows, m) f32, rows = max(n, min(nTest, EVAL_ROWS)) */ z: number;
  /** f (rows) f32 */ f: number;
  /** c (n) f32 */ c: number;
  /** G (d, m) f32 */ g: number;
  /** X_test (nTest, d) f32 */ xTest: number;
  /** per-step losses (STEP_BUFFER) f64 */ loss: number;
  /** per-step accuracies (STEP_BUFFER) f32 */ acc: number;
  /** two checkpoints of Wt (d, m) f32 each */ ckpt: [number, number];
  /** per-sample loss terms (n) f64, summed in order by a team's thread 0 */ terms: number;
  /** a thread team's control block (CTRL_BYTES, 64-byte aligned) */ ctrl: number;
  /** rows of Z and f */ rows: number;
  end: number;
}

/** A bump allocator of byte offsets from `base`: 16-byte aligned buffers, 64-byte aligned ones, the end. */
function bump(base: number): { take(bytes: number): number; take64(bytes: number): number; end(): number } {
  let top = align16(base);
  const take = (bytes: number): number => {
    const p = top;
    top = align16(p + bytes);
    return p;
  };
  const take64 = (bytes: number): number => {
    top = Math.ceil(top / 64) * 64;
    return take(bytes);
  };
  return { take, take64, end: () => top };
}

/** The layout of an engine of these sizes whose arena starts at byte `base` (heap_base()). */
export function engineLayout({ n, d, m, nTest }: EngineSizes, base: number): EngineLayout {
  const { take, take64, end } = bump(base);
  const rows = Math.max(n, Math.min(nTest, EVAL_ROWS));
  const x = take(4 * n * d);
  const y = take(4 * n);
  const wt = take(4 * d * m);
  const a = take(4 * m);
  const z = take(4 * rows * m);
  const f = take(4 * rows);
  const c = take(4 * n);
  const g = take(4 * d * m);
  const xTest = take(4 * nTest * d);
  const loss = take(8 * STEP_BUFFER);
  const acc = take(4 * STEP_BUFFER);
  const ckpt: [number, number] = [take(4 * d * m), take(4 * d * m)];
  const terms = take(8 * n);
  const ctrl = take64(CTRL_BYTES);
  return { x, y, wt, a, z, f, c, g, xTest, loss, acc, ckpt, terms, ctrl, rows, end: end() };
}

/** Test rows taken at a time when a kernel-space engine computes X_test·Xᵀ and X_test·W(0)ᵀ once. */
export const TEST_BLOCK = 256;

/** Byte offsets of every buffer of a kernel-space (dual) WASM engine, and `end`. */
export interface DualLayout {
  /** X (n, d) f32 */ x: number;
  /** Xᵀ packed (d, n) f32: for K and for forming W */ xt: number;
  /** y (n) */ y: number;
  /** W(0)ᵀ packed (d, m) */ w0t: number;
  /** a (m) */ a: number;
  /** K = X·Xᵀ (n, n) */ kmat: number;
  /** Ct = Cᵀ (n, m), W = W(0) + C·X */ ct: number;
  /** Z0 = X·W(0)ᵀ (n, m) */ z0: number;
  /** Z (rows, m), rows = max(n, min(nTest, EVAL_ROWS)) */ z: number;
  /** f (rows) */ f: number;
  /** c (n) */ c: number;
  /** Kt = X_test·Xᵀ (nTest, n) */ kt: number;
  /** Zt0 = X_test·W(0)ᵀ (nTest, m) */ zt0: number;
  /** a block of test inputs (min(nTest, TEST_BLOCK), d), to build Kt and Zt0 */ testBlock: number;
  /** W formed on request, packed (d, m) */ wt: number;
  /** per-step losses (STEP_BUFFER) f64 */ loss: number;
  /** per-step accuracies (STEP_BUFFER) f32 */ acc: number;
  /** two checkpoints of Ct (n, m) */ ckpt: [number, number];
  /** per-sample loss terms (n) f64 */ terms: number;
  /** a thread team's control block */ ctrl: number;
  rows: number;
  end: number;
}

/** The layout of a kernel-space engine of these sizes whose arena starts at byte `base`. */
export function dualLayout({ n, d, m, nTest }: EngineSizes, base: number): DualLayout {
  const { take, take64, end } = bump(base);
  const rows = Math.max(n, Math.min(nTest, EVAL_ROWS));
  const x = take(4 * n * d);
  const xt = take(4 * d * n);
  const y = take(4 * n);
  const w0t = take(4 * d * m);
  const a = take(4 * m);
  const kmat = take(4 * n * n);
  const ct = take(4 * n * m);
  const z0 = take(4 * n * m);
  const z = take(4 * rows * m);
  const f = take(4 * rows);
  const c = take(4 * n);
  const kt = take(4 * nTest * n);
  const zt0 = take(4 * nTest * m);
  const testBlock = take(4 * Math.min(nTest, TEST_BLOCK) * d);
  const wt = take(4 * d * m);
  const loss = take(8 * STEP_BUFFER);
  const acc = take(4 * STEP_BUFFER);
  const ckpt: [number, number] = [take(4 * n * m), take(4 * n * m)];
  const terms = take(8 * n);
  const ctrl = take64(CTRL_BYTES);
  return { x, xt, y, w0t, a, kmat, ct, z0, z, f, c, kt, zt0, testBlock, wt, loss, acc, ckpt, terms, ctrl, rows, end: end() };
}

/** The two ways of running the same descent: on W (primal) or on C with W = W(0) + C·X (kernel space). */
export type StepPath = 'primal' | 'kernel';

/** Bytes of linear memory a run of these sizes needs on a WASM backend (an upper bound over heap_base). */
export function engineBytes(sizes: EngineSizes, path: StepPath = 'primal'): number {
  return (path === 'kernel' ? dualLayout(sizes, HEAP_BASE_MAX) : engineLayout(sizes, HEAP_BASE_MAX)).end;
}

/** Refuse, before any work, a run whose WASM arena would not fit in 4 GiB of linear memory. */
export function checkWasmFits(sizes: EngineSizes, path: StepPath = 'primal'): void {
  const bytes = engineBytes(sizes, path);
  if (bytes > WASM_MAX_BYTES) {
    const { n, d, m, nTest } = sizes;
    throw new ConfigError(
      'data.n, data.d, data.nTest, model.m',
      { n, d, nTest, m },
      `sizes whose WASM arena fits in the 4 GiB of a wasm32 memory: this one needs ${(bytes / 2 ** 30).toFixed(2)} GiB ` +
        (path === 'kernel'
          ? `on the kernel-space path (4 bytes × (2·n·d + 2·m·d + n² + 4·n·m + nTest·(n + m) + ...)); `
          : `(4 bytes × (n·d + nTest·d + 4·m·d + rows·m + ...), rows = max(n, min(nTest, ${EVAL_ROWS}))); `) +
        "use fewer samples or neurons, or the 'js' backend",
    );
  }
}
