// The opt-in relaxed build (f32x4.relaxed_madd in the products): refused by name where the engine has
// no relaxed SIMD (Node 20 without its flag); with the flag, its products match a float64 reference on
// ragged shapes within the float32 tolerance of the default build, and a run lands where the default
// build's run lands. Node 20 runs it only behind --experimental-wasm-relaxed-simd, so the checks with
// the flag run in a child process on the built package (npm test builds first).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, trainSync } from '../src/index.js';
import { relaxedSimdSupportedSync } from '../src/wasm/loader.js';

const FLAG = '--experimental-wasm-relaxed-simd';

function node(args: string[], input?: string) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', input, cwd: process.cwd() });
}

describe('relaxed backend', () => {
  it.skipIf(relaxedSimdSupportedSync())('is refused by name where the engine has no relaxed SIMD', () => {
    expect(() => trainSync({ data: { n: 20, d: 4 }, model: { m: 8 }, train: { steps: 2 } }, { backend: 'relaxed' })).toThrow(ConfigError);
    expect(() => trainSync({ data: { n: 20, d: 4 }, model: { m: 8 }, train: { steps: 2 } }, { backend: 'relaxed' })).toThrow(/backend.*relaxed SIMD.*experimental-wasm-relaxed-simd/);
  });

  it('with the flag: gemm_xwt and grad_xtd match float64 on ragged shapes (relative 1e-5)', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const K = new WebAssembly.Instance(new WebAssembly.Module(readFileSync('build/rfa-relaxed.wasm')), { env: { abort() { throw new Error('abort'); } } }).exports;
      let s = 7; const r = () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; };
      let worst = 0;
      for (const [n, d, m] of [[7, 5, 13], [9, 33, 17], [16, 300, 40], [5, 1, 3], [33, 70, 9]]) {
        let top = K.heap_base() + 64;
        const al = (b) => { const p = top; top = (top + b + 15) & ~15; return p; };
        const x = al(4 * n * d), wt = al(4 * d * m), z = al(4 * n * m), dm = al(4 * n * m), g = al(4 * d * m);
        const need = Math.ceil(top / 65536) - K.memory.buffer.byteLength / 65536; if (need > 0) K.memory.grow(need);
        const F = (p, l) => new Float32Array(K.memory.buffer, p, l);
        F(x, n * d).forEach((_, i, A) => (A[i] = r())); F(wt, d * m).forEach((_, i, A) => (A[i] = r())); F(dm, n * m).forEach((_, i, A) => (A[i] = r()));
        K.gemm_xwt(x, wt, z, n, d, m);
        K.grad_xtd(x, dm, g, n, d, m, 1);
        const X = F(x, n * d), W = F(wt, d * m), Z = F(z, n * m), D = F(dm, n * m), G = F(g, d * m);
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
          let e = 0, a = 0; for (let k = 0; k < d; k++) { e += X[i * d + k] * W[k * m + j]; a += Math.abs(X[i * d + k] * W[k * m + j]); }
          worst = Math.max(worst, Math.abs(Z[i * m + j] - e) / (a + 1e-30));
        }
        for (let k = 0; k < d; k++) for (let j = 0; j < m; j++) {
          let e = 0, a = 0; for (let i = 0; i < n; i++) { e += X[i * d + k] * D[i * m + j]; a += Math.abs(X[i * d + k] * D[i * m + j]); }
          worst = Math.max(worst, Math.abs(G[k * m + j] - e) / (a + 1e-30));
        }
      }
      console.log(JSON.stringify({ worst }));`;
    const r = node([FLAG, '--input-type=module', '-'], script);
    expect(r.status, r.stderr).toBe(0);
    const { worst } = JSON.parse(r.stdout) as { worst: number };
    // each output is a sum of at most 300 terms: within (terms · 2⁻²⁴) of the sum of magnitudes
    expect(worst).toBeLessThan(1e-5);
  });

  it('with the flag: a run on the relaxed backend lands where the simd run lands', () => {
    const args = ['train', '--n', '200', '--d', '30', '--m', '64', '--steps', '400', '--seed', '3', '--json', '--no-progress', '--threads', '1'];
    const relaxed = node([FLAG, 'dist/cli/main.js', ...args, '--backend', 'relaxed']);
    const simd = node(['dist/cli/main.js', ...args, '--backend', 'simd']);
    expect(relaxed.status, relaxed.stderr).toBe(0);
    expect(simd.status, simd.stderr).toBe(0);
    const summary = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { backend: string; final: { loss: number; trainAcc: number; testAcc: number } };
    const a = summary(relaxed.stdout), b = summary(simd.stdout);
    expect(a.backend).toBe('relaxed');
    expect(Math.abs(a.final.loss - b.final.loss)).toBeLessThan(1e-4);
    expect(Math.abs(a.final.testAcc - b.final.testAcc)).toBeLessThan(0.01);
  });
});
