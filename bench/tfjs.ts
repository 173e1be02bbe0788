// TensorFlow.js's wasm backend at its best on the same GD step, for bench/compare.ts: explicit
// transposes (matMul's transpose flags are about 10× slower in tfjs-backend-wasm 4.22: 110 ms against
// 10 ms for X·Wᵀ at (100, 2000, 400)), so W is kept as Wᵀ and Xᵀ is formed once; no tf.valueAndGrad
// (autograd is slower still); one tf.tidy per step; float32. The SIMD build of the backend on one thread (the same
// footing as the peers' one thread); its threaded build is not used (it needs a worker setup in Node).
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

let ready: Promise<void> | null = null;

/** Load the wasm backend (SIMD, one thread) once. */
export function tfjsReady(): Promise<void> {
  ready ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + '/';
    setWasmPaths(dist);
    setThreadsCount(1);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return ready;
}

/**
 * ms per full-batch GD step on (n, d, m): Z = X·Wᵀ, f = relu(Z)·a, c = ℓ'(y·f)·y/n, D = (c·aᵀ) ⊙ 1[Z > 0],
 * Gᵀ = Xᵀ·D, Wᵀ ← Wᵀ − α·Gᵀ. The best of 3 timings of as many steps as fit in about `budget` ms.
 */
export async function tfjsMsPerStep(x: Float32Array, y: Float32Array, w0: Float32Array, a: Float32Array, n: number, d: number, m: number, budget: number): Promise<number> {
  await tfjsReady();
  const X = tf.tensor2d(x, [n, d]);
  const Xt = tf.transpose(X); // (d, n), once
  const Y = tf.tensor2d(y, [n, 1]);
  const A = tf.tensor2d(a, [1, m]);
  const Acol = tf.tensor2d(a, [m, 1]);
  const Wt = tf.variable(tf.transpose(tf.tensor2d(w0, [m, d]))); // (d, m)
  const alpha = tf.scalar(1e-6);
  const invN = tf.scalar(1 / n);
  const step = () => {
    tf.tidy(() => {
      const z = tf.matMul(X, Wt); // (n, m)
      const f = tf.matMul(tf.relu(z), Acol); // (n, 1)
      const margin = tf.mul(Y, f);
      const dl = tf.neg(tf.sigmoid(tf.neg(margin))); // ℓ'(t) = −1/(1 + e^t)
      const c = tf.mul(tf.mul(dl, Y), invN); // (n, 1)
      const dm = tf.mul(tf.mul(c, A), tf.step(z)); // (n, m)
      const gt = tf.matMul(Xt, dm); // (d, m) = Gᵀ
      Wt.assign(tf.sub(Wt, tf.mul(alpha, gt)));
    });
  };
  const run = (k: number) => {
    for (let i = 0; i < k; i++) step();
    Wt.dataSync(); // wait for the last step
  };
  run(2); // warm up
  let t0 = performance.now();
  run(1);
  const one = Math.max(performance.now() - t0, 1e-3);
  const k = Math.max(1, Math.min(2000, Math.floor(budget / 3 / one)));
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    t0 = performance.now();
    run(k);
    best = Math.min(best, (performance.now() - t0) / k);
  }
  tf.dispose([X, Xt, Y, A, Acol, Wt, alpha, invN]);
  return best;
}
