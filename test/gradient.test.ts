// The gradient against central finite differences of the float64 loss, and the WASM gradient
// (one step of gd_steps) against the float64 gradient.
import { describe, expect, it } from 'vitest';
import { riskGradRef, riskRef, secondLayer, trainSync } from '../src/index.js';
import { randomF32 } from './helpers.js';

describe('∇L̂ against finite differences of the float64 loss', () => {
  it.each([[5, 3, 4], [12, 7, 6], [9, 11, 5]])('(n, d, m) = (%i, %i, %i), every entry', (n, d, m) => {
    const seed = n * d * m;
    const x = Float64Array.from(randomF32(n * d, seed, 1, 0));
    const y = Float64Array.from(randomF32(n, seed, 1, 1), (v) => (v >= 0 ? 1 : -1));
    const w = Float64Array.from(randomF32(m * d, seed, 0.7, 2));
    const a = Float64Array.from(secondLayer(m));
    const g = riskGradRef(x, y, w, a, n, d, m, 0);
    const h = 1e-6;
    for (let i = 0; i < w.length; i++) {
      // skip entries whose neuron has a pre-activation within 2h·‖x‖ of the ReLU kink
      const j = Math.floor(i / d);
      let nearKink = false;
      for (let s = 0; s < n; s++) {
        let z = 0, nx = 0;
        for (let k = 0; k < d; k++) { z += w[j * d + k]! * x[s * d + k]!; nx += x[s * d + k]! ** 2; }
        if (Math.abs(z) < 4 * h * Math.sqrt(nx)) nearKink = true;
      }
      if (nearKink) continue;
      const wp = w.slice(), wm = w.slice();
      wp[i]! += h; wm[i]! -= h;
      const fd = (riskRef(x, y, wp, a, n, d, m) - riskRef(x, y, wm, a, n, d, m)) / (2 * h);
      expect(Math.abs(fd - g[i]!), `seed ${seed} entry ${i}: fd ${fd} vs grad ${g[i]}`).toBeLessThanOrEqual(1e-7 + 1e-5 * Math.abs(g[i]!));
    }
  });
});

describe('one WASM step moves W by −α∇L̂ (f32 tolerance)', () => {
  it.each(['simd', 'scalar'] as const)('%s', (backend) => {
    const config = { seed: 3, data: { n: 37, d: 13, nTest: 0 }, model: { m: 10, omegaInit: 0.3 }, train: { alpha: 0.5, steps: 1 } };
    const r = trainSync(config, { backend });
    const { train } = r.problem;
    const g = riskGradRef(train.x, train.y, r.initialWeights, r.a, 37, 13, 10, 0);
    for (let i = 0; i < g.length; i++) {
      const step = (r.initialWeights[i]! - r.weights[i]!) / 0.5;
      expect(Math.abs(step - g[i]!), `entry ${i}`).toBeLessThanOrEqual(2e-6 + 1e-4 * Math.abs(g[i]!));
    }
  });
});
