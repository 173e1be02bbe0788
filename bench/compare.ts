// Where rfa stands against its peers: the same full-batch GD step, in one run, on this machine.
// rfa: each path (primal; kernel space), SIMD build, on one thread and on a team of two (the threaded
// build; the same bits), timed on its engines (steps only, the setup of each path reported apart). NumPy and PyTorch: bench/peers.py through /usr/bin/python3,
// one thread each (OpenBLAS/OMP/MKL), skipped with a line when absent. Writes bench/results/compare.md.
// Usage: npm run bench:compare [-- --quick]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { compileKernelsSync, initWeights, resolveConfig, sampleProblem, secondLayer } from '../src/index.js';
import { DualWasmEngine } from '../src/train/dual_engine.js';
import type { Engine, EngineInit } from '../src/train/engine.js';
import { WasmEngine } from '../src/train/wasm_engine.js';
import { coreCount } from '../src/wasm/threads.js';
import { tfjsMsPerStep } from './tfjs.js';

const QUICK = process.argv.includes('--quick');
const SHAPES: [number, number, number][] = QUICK
  ? [[200, 10, 400], [100, 2000, 400]]
  : [[200, 10, 400], [400, 20, 400], [50, 1000, 400], [100, 2000, 400], [2000, 2000, 400], [200, 40000, 400]];

/** ms per step: the best of 3 timings of as many steps as fit in about `budget` ms. */
function msPerStep(engine: Engine, budget: number): number {
  const loss = new Float64Array(4096);
  engine.steps(1, loss); // warm up
  const t0 = performance.now();
  engine.steps(1, loss);
  const one = Math.max(performance.now() - t0, 1e-3);
  const k = Math.max(1, Math.min(4096, Math.floor(budget / 3 / one)));
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    engine.steps(k, loss);
    best = Math.min(best, (performance.now() - t) / k);
  }
  return best;
}

interface Row { shape: string; impl: string; ms: number | null; setupMs?: number; note?: string }
const rows: Row[] = [];
const simd = compileKernelsSync('simd');
const team = coreCount() >= 2 ? { module: compileKernelsSync('simd-mt'), size: 2 } : undefined;

for (const [n, d, m] of SHAPES) {
  const shape = `(${n}, ${d}, ${m})`;
  const config = resolveConfig({ seed: 0, data: { n, d, nTest: 0 }, model: { m }, train: { alpha: 1e-6 } });
  const problem = sampleProblem(config);
  const init: EngineInit = { train: problem.train, test: null, w: initWeights(m, d, config.model.omegaInit, 0), a: secondLayer(m), alpha: 1e-6, dphi0: 0 };
  const makers: [string, () => Engine][] = [
    ['rfa primal', () => new WasmEngine(simd, 'simd', init)],
    ['rfa kernel', () => new DualWasmEngine(simd, 'simd', init)],
  ];
  if (team) {
    makers.push(['rfa primal 2T', () => new WasmEngine(simd, 'simd', init, team)]);
    makers.push(['rfa kernel 2T', () => new DualWasmEngine(simd, 'simd', init, team)]);
  }
  for (const [impl, make] of makers) {
    const t0 = performance.now();
    const engine = make();
    // the kernel-space path's one-time products (X·Xᵀ, X·W(0)ᵀ) run in engine.prepare: count them as setup
    if (engine.prepare) for (const _ of engine.prepare(Infinity));
    const setupMs = performance.now() - t0;
    const ms = msPerStep(engine, QUICK ? 600 : 1500);
    engine.dispose();
    rows.push({ shape, impl, ms, setupMs });
    process.stderr.write(`${shape} ${impl.padEnd(11)} ${ms.toFixed(3).padStart(10)} ms/step  (setup ${setupMs.toFixed(0)} ms)\n`);
  }
  try {
    const y = Float32Array.from(problem.train.y);
    const ms = await tfjsMsPerStep(problem.train.x, y, Float32Array.from(init.w), init.a, n, d, m, QUICK ? 600 : 1500);
    rows.push({ shape, impl: 'tfjs wasm', ms });
    process.stderr.write(`${shape} ${'tfjs wasm'.padEnd(11)} ${ms.toFixed(3).padStart(10)} ms/step\n`);
  } catch (e) {
    if (!rows.some((r) => r.impl === 'tfjs wasm' && r.note)) rows.push({ shape: '*', impl: 'tfjs wasm', ms: null, note: `skipped: ${(e as Error).message}` });
  }
}

// the peers, in one python process (one thread each)
const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
delete env.OPENBLAS_CORETYPE; // let OpenBLAS pick this CPU's own kernels
delete env.OPENBLAS_L2_SIZE;
const py = spawnSync('/usr/bin/python3', ['bench/peers.py', ...SHAPES.map((s) => s.join(','))], { encoding: 'utf8', env }); // run from the project folder (npm run)
if (py.error || py.status !== 0) {
  rows.push({ shape: '*', impl: 'numpy, pytorch', ms: null, note: `skipped: /usr/bin/python3 did not run (${py.error?.message ?? py.stderr.trim().split('\n').at(-1)})` });
} else {
  for (const line of py.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { peer: string; n?: number; d?: number; m?: number; ms?: number; skipped?: string };
    if (r.skipped) rows.push({ shape: '*', impl: r.peer, ms: null, note: `skipped: ${r.skipped}` });
    else rows.push({ shape: `(${r.n}, ${r.d}, ${r.m})`, impl: r.peer, ms: r.ms! });
    if (!r.skipped) process.stderr.write(`(${r.n}, ${r.d}, ${r.m}) ${r.peer.padEnd(11)} ${r.ms!.toFixed(3).padStart(10)} ms/step\n`);
  }
}

// the table: ms per step of each, and each peer's time over rfa's best path (> 1: rfa is faster)
const impls = ['rfa primal', 'rfa kernel', 'rfa primal 2T', 'rfa kernel 2T', 'numpy', 'pytorch', 'tfjs wasm'];
const get = (shape: string, impl: string) => rows.find((r) => r.shape === shape && r.impl === impl)?.ms ?? null;
const fmt = (x: number | null) => (x === null ? '—' : x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0));
const lines = [
  '# rfa against NumPy, PyTorch and TensorFlow.js: one GD step',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:compare\` on ${cpus()[0]?.model ?? 'an unknown CPU'} (${arch()}, ${cpus().length} cores), ` +
    `Node ${process.versions.node}. ms per step (steps only: each path's one-time setup is not included); 2T: a team of two threads ` +
    "(the same bits as one). Ratios are the peer's time over rfa's faster path, on one thread (1T) or two (2T): above 1, rfa is faster. " +
    'Float32 everywhere; NumPy and PyTorch on one OpenBLAS/OMP thread, without autograd; TensorFlow.js 4.22 (tfjs wasm) on its ' +
    'SIMD wasm backend, one thread, at its best (explicit transposes, no autograd; bench/tfjs.ts; it turns its threaded wasm build off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue 3830), so one thread is its best here, and TF.js / rfa 2T sets that against rfa on both cores).',
  '',
  `| shape (n, d, m) | ${impls.join(' | ')} | NumPy / rfa 1T | PyTorch / rfa 1T | TF.js / rfa 1T | NumPy / rfa 2T | PyTorch / rfa 2T | TF.js / rfa 2T |`,
  `|---|${impls.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|`,
];
for (const [n, d, m] of SHAPES) {
  const shape = `(${n}, ${d}, ${m})`;
  const best1 = Math.min(...['rfa primal', 'rfa kernel'].map((i) => get(shape, i) ?? Infinity));
  const best2 = Math.min(...['rfa primal 2T', 'rfa kernel 2T'].map((i) => get(shape, i) ?? Infinity));
  const ratio = (p: string, best: number) => (get(shape, p) === null || !Number.isFinite(best) ? '—' : `${(get(shape, p)! / best).toFixed(2)}×`);
  lines.push(`| ${shape} | ${impls.map((i) => fmt(get(shape, i))).join(' | ')} | ${ratio('numpy', best1)} | ${ratio('pytorch', best1)} | ${ratio('tfjs wasm', best1)} | ${ratio('numpy', best2)} | ${ratio('pytorch', best2)} | ${ratio('tfjs wasm', best2)} |`);
}
lines.push('', ...rows.filter((r) => r.note).map((r) => `- ${r.impl}: ${r.note}`));
lines.push('', 'Setup of each rfa path (ms, once per run): ' + rows.filter((r) => r.setupMs !== undefined).map((r) => `${r.shape} ${r.impl} ${r.setupMs!.toFixed(0)}`).join('; ') + '.', '');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/compare.md', lines.join('\n'));
process.stdout.write(lines.join('\n') + '\n');
