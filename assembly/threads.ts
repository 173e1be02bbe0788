// Both cores on one run: a team of T threads (the caller, thread 0, and T − 1 workers) shares one
// linear memory and runs each job's share of the work between barriers. Built only in the
// threaded target (rfa-simd-mt.wasm: --enable simd,threads, imported shared memory); the
// single-thread builds never compile this file.
//
// Every job gives the same bits as the single-thread kernels: work is split only where each
// output is computed whole by one thread, in the order one thread computes it —
//   rows of Z, f, ℓ', D (each row of the forward and of the loss is independent),
//   rows k or columns j of G (each G[k][j] is one sum over i in order),
//   rows of W, Ct (elementwise updates);
// the risk, a sum over the samples, is summed by thread 0 in sample order from per-sample terms.
//
// The control block (CTRL_BYTES at a 64-byte aligned address, zeroed before first use):
//   GEN      job generation: workers wait for it to change (bumped once per job)
//   BCOUNT   threads arrived at the current barrier
//   BGEN     barrier generation (bumped when the last thread arrives)
//   DEAD     set by a worker that trapped: the other threads stop waiting and the job traps too
//   THREADS  T, KIND the job, BAD a step's non-finite flag, RESULT the job's result, ARGS its arguments
//   ALIVE    (272, used by TypeScript only) workers that have joined the team: thread 0 waits for them,
//            with a time limit, before the first job, so a worker that cannot start is an error, not a hang
import { gemm_xwt } from "./gemm_xwt";
import { network_output } from "./network_output";
import { logistic_terms } from "./logistic";
import { count_correct } from "./count_correct";
import { sum_f64 } from "./sum_f64";
import { relu_backward } from "./relu_backward";
import { grad_xtd_block } from "./grad_xtd";
import { sgd_update } from "./update";
import { add_f32 } from "./add";

export const CTRL_BYTES: i32 = 512;
const GEN: usize = 0;
const BCOUNT: usize = 64;
const BGEN: usize = 128;
const DEAD: usize = 192;
const THREADS: usize = 256;
const KIND: usize = 260;
const BAD: usize = 264;
const RESULT: usize = 268;
const ARGS: usize = 320;

const JOB_STOP: i32 = 0;
const JOB_STEPS: i32 = 1;
const JOB_STEPS_DUAL: i32 = 2;
const JOB_PREDICT: i32 = 3;
const JOB_GRAD_ROWS: i32 = 4;
const JOB_GEMM_ADD: i32 = 5;

/** Spins (atomic loads, some hundreds of µs) before a waiting thread sleeps: the waits inside a step stay off the futex. */
const SPIN: i32 = 1 << 18;

// @ts-ignore: decorator
@inline function argI(ctrl: usize, k: i32): i32 {
  return load<i32>(ctrl + ARGS + (<usize>k << 2));
}
// @ts-ignore: decorator
@inline function argF(ctrl: usize, k: i32): f32 {
  return load<f32>(ctrl + ARGS + (<usize>k << 2));
}
// @ts-ignore: decorator
@inline function argP(ctrl: usize, k: i32): usize {
  return <usize>load<u32>(ctrl + ARGS + (<usize>k << 2));
}

/** The start of thread t's share of [0, total), in whole units of `unit` (the last share takes the rest). */
// @ts-ignore: decorator
@inline function share(total: i32, t: i32, T: i32, unit: i32): i32 {
  const units = (total + unit - 1) / unit;
  return min<i32>(total, <i32>((<i64>units * t) / T) * unit);
}

/**
 * Wait until the i32 at p differs from `seen`: spin, then sleep; trap if a worker died.
 * Workers sleep in memory.atomic.wait until notified (100 ms at most, then look at DEAD again).
 * Thread 0 only naps, 50 µs at a time between spins. Observed on Node 20 (V8 11.3) with dynamic
 * tiering: while thread 0 sleeps long in memory.atomic.wait, a worker running a function of the
 * shared module for the first time makes no progress and the team deadlocks (not with
 * --no-wasm-dynamic-tiering, not while thread 0 spins or naps). The naps also give the core away
 * when the machine is busier than the team (a pure spin made two threads 20× slower than one there;
 * with naps, 2.7× slower: give threads: 1 when runs share the cores).
 */
function waitChange(ctrl: usize, p: usize, seen: i32, sleep: bool): void {
  let spins = 0;
  while (atomic.load<i32>(p) == seen) {
    if (atomic.load<i32>(ctrl + DEAD) != 0) unreachable();
    if (++spins > SPIN) {
      if (sleep) atomic.wait<i32>(p, seen, 100_000_000);
      else {
        atomic.wait<i32>(p, seen, 50_000);
        spins = SPIN >> 1;
      }
    }
  }
}

/** All T threads meet here; none leaves before the last arrives (everything written before is visible after). */
function barrier(ctrl: usize, t: i32): void {
  const T = load<i32>(ctrl + THREADS);
  const gen = atomic.load<i32>(ctrl + BGEN);
  if (atomic.add<i32>(ctrl + BCOUNT, 1) == T - 1) {
    atomic.store<i32>(ctrl + BCOUNT, 0);
    atomic.add<i32>(ctrl + BGEN, 1);
    atomic.notify(ctrl + BGEN, T);
  } else {
    waitChange(ctrl, ctrl + BGEN, gen, t != 0);
  }
}

/** A worker: run every job published on ctrl as thread `tid` until a STOP job; `seen` is GEN when it joined. */
export function mt_worker(ctrl: usize, tid: i32, seen: i32): void {
  while (true) {
    waitChange(ctrl, ctrl + GEN, seen, true);
    seen = atomic.load<i32>(ctrl + GEN);
    const kind = load<i32>(ctrl + KIND);
    if (kind == JOB_STOP) return;
    run(ctrl, kind, tid);
    barrier(ctrl, tid);
  }
}

/** Mark the team dead (a worker trapped): every thread waiting on ctrl traps instead of waiting forever. */
export function mt_kill(ctrl: usize): void {
  atomic.store<i32>(ctrl + DEAD, 1);
  atomic.notify(ctrl + BGEN);
  atomic.notify(ctrl + GEN);
}

/** Thread 0: publish a job (its arguments already in ARGS), run its share, wait for the others; the job's result. */
function publish(ctrl: usize, kind: i32, T: i32): i32 {
  assert(T >= 1 && (ctrl & 63) == 0, "threads: bad team size or control block");
  if (atomic.load<i32>(ctrl + DEAD) != 0) unreachable();
  store<i32>(ctrl + THREADS, T);
  store<i32>(ctrl + KIND, kind);
  store<i32>(ctrl + BAD, 0);
  store<i32>(ctrl + RESULT, 0);
  if (kind != JOB_STOP) atomic.store<i32>(ctrl + BCOUNT, 0);
  atomic.add<i32>(ctrl + GEN, 1);
  atomic.notify(ctrl + GEN, T);
  if (kind == JOB_STOP) return 0;
  run(ctrl, kind, 0);
  barrier(ctrl, 0);
  return load<i32>(ctrl + RESULT);
}

/** End every worker's loop (they return from mt_worker). */
export function mt_stop(ctrl: usize, T: i32): void {
  publish(ctrl, JOB_STOP, T);
}

function run(ctrl: usize, kind: i32, t: i32): void {
  if (kind == JOB_STEPS) steps(ctrl, t);
  else if (kind == JOB_STEPS_DUAL) stepsDual(ctrl, t);
  else if (kind == JOB_PREDICT) predictRows(ctrl, t);
  else if (kind == JOB_GRAD_ROWS) gradRows(ctrl, t);
  else if (kind == JOB_GEMM_ADD) gemmAddRows(ctrl, t);
}

// ---- gd_steps on T threads: the same arguments as gd_steps, plus terms (n f64) ----

export function mt_gd_steps(
  ctrl: usize, T: i32,
  x: usize, y: usize, wt: usize, a: usize,
  z: usize, f: usize, c: usize, g: usize, terms: usize,
  n: i32, d: i32, m: i32, alpha: f32, dphi0: f32,
  steps: i32, loss: usize, acc: usize,
): i32 {
  const p = ctrl + ARGS;
  store<u32>(p, <u32>x); store<u32>(p, <u32>y, 4); store<u32>(p, <u32>wt, 8); store<u32>(p, <u32>a, 12);
  store<u32>(p, <u32>z, 16); store<u32>(p, <u32>f, 20); store<u32>(p, <u32>c, 24); store<u32>(p, <u32>g, 28);
  store<u32>(p, <u32>terms, 32); store<i32>(p, n, 36); store<i32>(p, d, 40); store<i32>(p, m, 44);
  store<f32>(p, alpha, 48); store<f32>(p, dphi0, 52); store<i32>(p, steps, 56);
  store<u32>(p, <u32>loss, 60); store<u32>(p, <u32>acc, 64);
  return publish(ctrl, JOB_STEPS, T);
}

/** Rows i0..i0+rows of a step after their Z: f, the loss terms and ℓ' (BAD set if a term is not finite), D over Z. */
function lossRows(ctrl: usize, zr: usize, a: usize, f: usize, y: usize, terms: usize, c: usize, i0: i32, rows: i32, m: i32, invN: f64, dphi0: f32): void {
  network_output(zr, a, f + (<usize>i0 << 2), rows, m);
  if (!logistic_terms(f + (<usize>i0 << 2), y + (<usize>i0 << 2), terms + (<usize>i0 << 3), c + (<usize>i0 << 2), rows, invN)) store<i32>(ctrl + BAD, 1);
  relu_backward(zr, c + (<usize>i0 << 2), a, rows, m, dphi0);
}

/** After the rows' barrier: thread 0 records the risk and accuracy of step s; true when the step must stop. */
function record(ctrl: usize, t: i32, s: i32, f: usize, y: usize, terms: usize, n: i32, loss: usize, acc: usize): bool {
  const bad = load<i32>(ctrl + BAD) != 0;
  if (t == 0) {
    const risk = sum_f64(terms, n) * (1.0 / <f64>n);
    store<f64>(loss + (<usize>s << 3), risk);
    if (acc != 0) store<f32>(acc + (<usize>s << 2), <f32>count_correct(f, y, n) / <f32>n);
    if (bad) store<i32>(ctrl + RESULT, s);
  }
  return bad;
}

function steps(ctrl: usize, t: i32): void {
  const T = load<i32>(ctrl + THREADS);
  const x = argP(ctrl, 0), y = argP(ctrl, 1), wt = argP(ctrl, 2), a = argP(ctrl, 3);
  const z = argP(ctrl, 4), f = argP(ctrl, 5), c = argP(ctrl, 6), g = argP(ctrl, 7), terms = argP(ctrl, 8);
  const n = argI(ctrl, 9), d = argI(ctrl, 10), m = argI(ctrl, 11);
  const alpha = argF(ctrl, 12), dphi0 = argF(ctrl, 13), count = argI(ctrl, 14);
  const loss = argP(ctrl, 15), acc = argP(ctrl, 16);
  const strideX = (<usize>d) << 2, strideM = (<usize>m) << 2;
  const invN: f64 = 1.0 / <f64>n;
  // rows of the forward pass and the loss
  const i0 = share(n, t, T, 4), i1 = share(n, t + 1, T, 4);
  // the gradient and the update: rows k of G when there are enough of them, else columns j
  const byRows = d >= 16 * T;
  const k0 = byRows ? share(d, t, T, 4) : 0, k1 = byRows ? share(d, t + 1, T, 4) : d;
  const j0 = byRows ? 0 : share(m, t, T, 8), j1 = byRows ? m : share(m, t + 1, T, 8);
  for (let s = 0; s < count; s++) {
    if (i1 > i0) {
      const rows = i1 - i0;
      const zr = z + <usize>i0 * strideM;
      gemm_xwt(x + <usize>i0 * strideX, wt, zr, rows, d, m);
      lossRows(ctrl, zr, a, f, y, terms, c, i0, rows, m, invN, dphi0);
    }
    barrier(ctrl, t);
    if (record(ctrl, t, s, f, y, terms, n, loss, acc)) return;
    if (k1 > k0 && j1 > j0) {
      grad_xtd_block(x, z, g, n, d, k0, k1, j0, j1, m, 1);
      if (byRows) sgd_update(wt + <usize>k0 * strideM, g + <usize>k0 * strideM, (k1 - k0) * m, alpha);
      else for (let k = 0; k < d; k++) {
        const o = <usize>k * strideM + (<usize>j0 << 2);
        sgd_update(wt + o, g + o, j1 - j0, alpha);
      }
    }
    barrier(ctrl, t);
  }
  if (t == 0) store<i32>(ctrl + RESULT, count);
}

// ---- gd_steps_dual on T threads: the same arguments as gd_steps_dual, plus terms (n f64) ----

export function mt_gd_steps_dual(
  ctrl: usize, T: i32,
  kmat: usize, ct: usize, z0: usize, y: usize, a: usize,
  z: usize, f: usize, c: usize, terms: usize,
  n: i32, m: i32, alpha: f32, dphi0: f32,
  steps: i32, loss: usize, acc: usize,
): i32 {
  const p = ctrl + ARGS;
  store<u32>(p, <u32>kmat); store<u32>(p, <u32>ct, 4); store<u32>(p, <u32>z0, 8); store<u32>(p, <u32>y, 12);
  store<u32>(p, <u32>a, 16); store<u32>(p, <u32>z, 20); store<u32>(p, <u32>f, 24); store<u32>(p, <u32>c, 28);
  store<u32>(p, <u32>terms, 32); store<i32>(p, n, 36); store<i32>(p, m, 40);
  store<f32>(p, alpha, 44); store<f32>(p, dphi0, 48); store<i32>(p, steps, 52);
  store<u32>(p, <u32>loss, 56); store<u32>(p, <u32>acc, 60);
  return publish(ctrl, JOB_STEPS_DUAL, T);
}

function stepsDual(ctrl: usize, t: i32): void {
  const T = load<i32>(ctrl + THREADS);
  const kmat = argP(ctrl, 0), ct = argP(ctrl, 1), z0 = argP(ctrl, 2), y = argP(ctrl, 3);
  const a = argP(ctrl, 4), z = argP(ctrl, 5), f = argP(ctrl, 6), c = argP(ctrl, 7), terms = argP(ctrl, 8);
  const n = argI(ctrl, 9), m = argI(ctrl, 10);
  const alpha = argF(ctrl, 11), dphi0 = argF(ctrl, 12), count = argI(ctrl, 13);
  const loss = argP(ctrl, 14), acc = argP(ctrl, 15);
  const strideN = (<usize>n) << 2, strideM = (<usize>m) << 2;
  const invN: f64 = 1.0 / <f64>n;
  const i0 = share(n, t, T, 4), i1 = share(n, t + 1, T, 4);
  const rows = i1 - i0;
  const zr = z + <usize>i0 * strideM;
  for (let s = 0; s < count; s++) {
    if (rows > 0) {
      gemm_xwt(kmat + <usize>i0 * strideN, ct, zr, rows, n, m);
      add_f32(zr, z0 + <usize>i0 * strideM, rows * m);
      lossRows(ctrl, zr, a, f, y, terms, c, i0, rows, m, invN, dphi0);
    }
    barrier(ctrl, t);
    if (record(ctrl, t, s, f, y, terms, n, loss, acc)) return;
    if (rows > 0) sgd_update(ct + <usize>i0 * strideM, zr, rows * m, alpha);
    barrier(ctrl, t);
  }
  if (t == 0) store<i32>(ctrl + RESULT, count);
}

// ---- pieces of work (evaluation, and the pieces a long step is cut into) ----

/** predict over `rows` rows on T threads: f = φ(X·Wᵀ)·a, Z (rows, m) as scratch. */
export function mt_predict(ctrl: usize, T: i32, x: usize, wt: usize, a: usize, z: usize, f: usize, rows: i32, d: i32, m: i32): void {
  const p = ctrl + ARGS;
  store<u32>(p, <u32>x); store<u32>(p, <u32>wt, 4); store<u32>(p, <u32>a, 8); store<u32>(p, <u32>z, 12);
  store<u32>(p, <u32>f, 16); store<i32>(p, rows, 20); store<i32>(p, d, 24); store<i32>(p, m, 28);
  publish(ctrl, JOB_PREDICT, T);
}

function predictRows(ctrl: usize, t: i32): void {
  const T = load<i32>(ctrl + THREADS);
  const x = argP(ctrl, 0), wt = argP(ctrl, 1), a = argP(ctrl, 2), z = argP(ctrl, 3), f = argP(ctrl, 4);
  const rows = argI(ctrl, 5), d = argI(ctrl, 6), m = argI(ctrl, 7);
  const i0 = share(rows, t, T, 4), i1 = share(rows, t + 1, T, 4);
  if (i1 <= i0) return;
  const zr = z + <usize>i0 * ((<usize>m) << 2);
  gemm_xwt(x + <usize>i0 * ((<usize>d) << 2), wt, zr, i1 - i0, d, m);
  network_output(zr, a, f + (<usize>i0 << 2), i1 - i0, m);
}

/** grad_xtd_rows on T threads: rows k0 ≤ k < k1 of G, split among the threads. */
export function mt_grad_xtd_rows(ctrl: usize, T: i32, x: usize, dm: usize, g: usize, n: i32, d: i32, k0: i32, k1: i32, m: i32, scale: f32): void {
  const p = ctrl + ARGS;
  store<u32>(p, <u32>x); store<u32>(p, <u32>dm, 4); store<u32>(p, <u32>g, 8); store<i32>(p, n, 12);
  store<i32>(p, d, 16); store<i32>(p, k0, 20); store<i32>(p, k1, 24); store<i32>(p, m, 28); store<f32>(p, scale, 32);
  publish(ctrl, JOB_GRAD_ROWS, T);
}

function gradRows(ctrl: usize, t: i32): void {
  const T = load<i32>(ctrl + THREADS);
  const x = argP(ctrl, 0), dm = argP(ctrl, 1), g = argP(ctrl, 2);
  const n = argI(ctrl, 3), d = argI(ctrl, 4), k0 = argI(ctrl, 5), k1 = argI(ctrl, 6), m = argI(ctrl, 7);
  const scale = argF(ctrl, 8);
  const byRows = k1 - k0 >= 16 * T;
  const a0 = byRows ? k0 + share(k1 - k0, t, T, 4) : k0, a1 = byRows ? k0 + share(k1 - k0, t + 1, T, 4) : k1;
  const j0 = byRows ? 0 : share(m, t, T, 8), j1 = byRows ? m : share(m, t + 1, T, 8);
  if (a1 > a0 && j1 > j0) grad_xtd_block(x, dm, g, n, d, a0, a1, j0, j1, m, scale);
}

/** Z = X·Wᵀ + Z0 over `rows` rows on T threads (the kernel-space forward: X = K rows, W = Ct, d = n). */
export function mt_gemm_add(ctrl: usize, T: i32, x: usize, wt: usize, z: usize, z0: usize, rows: i32, d: i32, m: i32): void {
  const p = ctrl + ARGS;
  store<u32>(p, <u32>x); store<u32>(p, <u32>wt, 4); store<u32>(p, <u32>z, 8); store<u32>(p, <u32>z0, 12);
  store<i32>(p, rows, 16); store<i32>(p, d, 20); store<i32>(p, m, 24);
  publish(ctrl, JOB_GEMM_ADD, T);
}

function gemmAddRows(ctrl: usize, t: i32): void {
  const T = load<i32>(ctrl + THREADS);
  const x = argP(ctrl, 0), wt = argP(ctrl, 1), z = argP(ctrl, 2), z0 = argP(ctrl, 3);
  const rows = argI(ctrl, 4), d = argI(ctrl, 5), m = argI(ctrl, 6);
  const i0 = share(rows, t, T, 4), i1 = share(rows, t + 1, T, 4);
  if (i1 <= i0) return;
  const strideM = (<usize>m) << 2;
  gemm_xwt(x + <usize>i0 * ((<usize>d) << 2), wt, z + <usize>i0 * strideM, i1 - i0, d, m);
  if (z0 != 0) add_f32(z + <usize>i0 * strideM, z0 + <usize>i0 * strideM, (i1 - i0) * m);
}
