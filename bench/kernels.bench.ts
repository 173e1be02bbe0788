// Kernel and whole-step benchmarks (tinybench). For each shape (n, d, m): every kernel and the
// whole GD step for the simd and scalar builds, the float64 'js' reference step and a naive
// plain-JS step, reported as GFLOP/s (4·n·d·m flops per step, 2·n·d·m per product) with ratios
// measured in the same run, and the fraction of this machine's probed f32x4 multiply-add ceiling.
// Inputs are rotated between two copies so a timing is not a cache artefact of one buffer.
// Usage: npm run bench [-- --quick] [-- --json out.json]
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import {
  Arena, compileKernelsSync, instantiateKernels, Rng, secondLayer, type KernelExports, type WasmBackend,
} from '../src/index.js';
import { JsEngine } from '../src/train/js_engine.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const SHAPES: [number, number, number][] = [[200, 10, 400], [2000, 50, 400], [100, 2000, 400], [2000, 2000, 400]];

interface Row { shape: string; impl: string; kernel: string; ms: number; gflops: number | null; samples: number }
const rows: Row[] = [];

function rand(len: number, seed: number, scale: number): Float32Array {
  const r = new Rng(seed, 'aux');
  return Float32Array.from({ length: len }, () => scale * r.normal());
}

/** Time fn with tinybench; few iterations for slow tasks. */
async function time(name: string, fn: () => void, estMs: number): Promise<{ ms: number; samples: number }> {
  const iterations = estMs > 2000 ? 2 : estMs > 200 ? 4 : estMs > 20 ? 16 : 64;
  const bench = new Bench({ time: QUICK ? 50 : 300, iterations: QUICK ? Math.min(iterations, 4) : iterations, warmupIterations: estMs > 200 ? 1 : 8, warmupTime: 0 });
  bench.add(name, fn);
  await bench.run();
  const res = bench.tasks[0]!.result as { latency?: { mean: number; samples?: number[] }; totalTime?: number; runtime?: string };
  const lat = res.latency!;
  return { ms: lat.mean, samples: (bench.tasks[0]!.runs ?? 0) as number };
}

function estimate(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

async function measure(shape: string, impl: string, kernel: string, flops: number | null, fn: () => void): Promise<void> {
  const est = estimate(fn);
  const { ms, samples } = await time(`${impl} ${kernel} ${shape}`, fn, est);
  rows.push({ shape, impl, kernel, ms, gflops: flops === null ? null : flops / (ms * 1e6), samples });
  process.stderr.write(`  ${shape} ${impl.padEnd(7)} ${kernel.padEnd(14)} ${ms.toFixed(3).padStart(10)} ms${flops ? `  ${(flops / (ms * 1e6)).toFixed(2)} GFLOP/s` : ''}\n`);
}

async function wasmSuite(backend: WasmBackend, n: number, d: number, m: number): Promise<void> {
  const shape = `(${n}, ${d}, ${m})`;
  const k: KernelExports = instantiateKernels(compileKernelsSync(backend));
  const A = new Arena(k);
  const put = (a: Float32Array) => { const p = A.alloc(4 * a.length); A.f32(p, a.length).set(a); return p; };
  const copies = [0, 1].map((c) => ({
    x: put(rand(n * d, 10 + c, 1)), wt: put(rand(d * m, 20 + c, 0.05)),
  }));
  const y = put(Float32Array.from(rand(n, 3, 1), (v) => (v >= 0 ? 1 : -1)));
  const a = put(secondLayer(m));
  const z = A.alloc(4 * n * m), f = A.alloc(4 * n), c = A.alloc(4 * n), g = A.alloc(4 * d * m), loss = A.alloc(8 * 16);
  let r = 0;
  const next = () => copies[(r = 1 - r)]!;
  const nm = n * m, ndm = n * d * m;
  k.gemm_xwt(copies[0]!.x, copies[0]!.wt, z, n, d, m);
  await measure(shape, backend, 'gemm_xwt', 2 * ndm, () => { const s = next(); k.gemm_xwt(s.x, s.wt, z, n, d, m); });
  await measure(shape, backend, 'output+loss', null, () => { k.network_output(z, a, f, n, m); k.logistic_loss_grad(f, y, 0, c, n); });
  const zcopy = A.f32(z, nm).slice();
  // the ReLU subgradient mask and the per-sample logistic-loss derivatives on their own (the step fuses
  // them into relu_backward and logistic_loss_grad; these are the standalone kernels)
  const mask = A.alloc(4 * nm);
  await measure(shape, backend, 'relu_mask', null, () => { k.relu_mask(z, mask, nm, 0); });
  await measure(shape, backend, 'logistic_eval', null, () => { k.logistic_eval(f, 0, c, n); });
  await measure(shape, backend, 'relu_backward', null, () => { A.f32(z, nm).set(zcopy); k.relu_backward(z, c, a, n, m, 0); });
  await measure(shape, backend, 'grad_xtd', 2 * ndm, () => { const s = next(); k.grad_xtd(s.x, z, g, n, d, m, 1); });
  await measure(shape, backend, 'step', 4 * ndm, () => { const s = next(); k.gd_steps(s.x, y, s.wt, a, z, f, c, g, n, d, m, 1e-6, 0, 1, loss, 0); });
}

function naiveJsStep(n: number, d: number, m: number) {
  const X = rand(n * d, 10, 1), W = rand(m * d, 20, 0.05), Y = Float32Array.from(rand(n, 3, 1), (v) => (v >= 0 ? 1 : -1));
  const a = secondLayer(m), Z = new Float32Array(n * m), G = new Float32Array(m * d), c = new Float32Array(n);
  return () => {
    // what a plain JS user writes: dot products, then the gradient as a sum of outer products
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X[i * d + k]! * W[j * d + k]!;
      Z[i * m + j] = s;
    }
    for (let i = 0; i < n; i++) {
      let fi = 0;
      for (let j = 0; j < m; j++) fi += a[j]! * Math.max(0, Z[i * m + j]!);
      c[i] = (-Y[i]! / (1 + Math.exp(Y[i]! * fi))) / n;
    }
    G.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      const v = Z[i * m + j]! > 0 ? c[i]! * a[j]! : 0;
      for (let k = 0; k < d; k++) G[j * d + k]! += v * X[i * d + k]!;
    }
    for (let q = 0; q < W.length; q++) W[q]! -= 1e-6 * G[q]!;
  };
}

async function probe(backend: WasmBackend): Promise<number> {
  const k = instantiateKernels(compileKernelsSync(backend));
  const iters = 20_000_000;
  k.probe_ceiling(1000, 1);
  let best = 0;
  for (let rep = 0; rep < 10; rep++) {
    const t0 = performance.now();
    k.probe_ceiling(iters, rep);
    const ms = performance.now() - t0;
    best = Math.max(best, (iters * k.probe_flops_per_iter()) / (ms * 1e6));
  }
  return best;
}

async function main(): Promise<void> {
  // the ceiling is probed before and after the kernels and the higher reading kept: on a shared VM the
  // clock can dip for a while, and a probe that lands in a dip would understate the ceiling
  let ceiling = await probe('simd');
  let scalarCeiling = await probe('scalar');
  process.stderr.write(`probed f32 multiply-add ceiling: SIMD ${ceiling.toFixed(2)} GFLOP/s, scalar ${scalarCeiling.toFixed(2)} GFLOP/s (one core)\n`);
  for (const [n, d, m] of QUICK ? SHAPES.slice(0, 2) : SHAPES) {
    const shape = `(${n}, ${d}, ${m})`;
    for (const b of ['simd', 'scalar'] as const) await wasmSuite(b, n, d, m);
    const x = rand(n * d, 10, 1);
    const yv = Int8Array.from(rand(n, 3, 1), (v) => (v >= 0 ? 1 : -1));
    const js = new JsEngine({ train: { n, d, x, y: yv, cleanY: null, cluster: null, flipped: null }, test: null, w: rand(m * d, 20, 0.05), a: secondLayer(m), alpha: 1e-6, dphi0: 0 });
    const lossBuf = new Float64Array(1);
    await measure(shape, 'js', 'step', 4 * n * d * m, () => js.steps(1, lossBuf));
    await measure(shape, 'naive', 'step', 4 * n * d * m, naiveJsStep(n, d, m));
  }
  ceiling = Math.max(ceiling, await probe('simd'));
  scalarCeiling = Math.max(scalarCeiling, await probe('scalar'));
  const over = rows.filter((r) => r.gflops !== null && r.gflops > ceiling);
  if (over.length) process.stderr.write(`warning: ${over.length} timings exceed the probed ceiling: this machine's speed varied during the run; rerun for a clean table\n`);
  // the table
  const get = (shape: string, impl: string, kernel: string) => rows.find((r) => r.shape === shape && r.impl === impl && r.kernel === kernel);
  const lines: string[] = [];
  lines.push(`Probed f32 multiply-add ceiling (one core): SIMD ${ceiling.toFixed(2)} GFLOP/s, scalar ${scalarCeiling.toFixed(2)} GFLOP/s.`, '');
  lines.push('| shape (n, d, m) | impl | kernel | ms | GFLOP/s | % of SIMD ceiling | vs scalar | vs js f64 | vs naive JS |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const sc = get(r.shape, 'scalar', r.kernel), js = get(r.shape, 'js', r.kernel), nv = get(r.shape, 'naive', r.kernel);
    const ratio = (o: Row | undefined) => (o && o !== r ? `${(o.ms / r.ms).toFixed(2)}×` : '');
    lines.push(`| ${r.shape} | ${r.impl} | ${r.kernel} | ${r.ms.toFixed(3)} | ${r.gflops === null ? '' : r.gflops.toFixed(2)} | ${r.gflops === null ? '' : ((100 * r.gflops) / ceiling).toFixed(0) + '%'} | ${ratio(sc)} | ${ratio(js)} | ${ratio(nv)} |`);
  }
  console.log(lines.join('\n'));
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), node: process.version, ceiling, scalarCeiling, rows }, null, 1));
}

await main();
