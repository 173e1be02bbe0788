// `import { train } from 'rfa'` unchanged, from an installed copy of the package, through every
// bundler a web developer may use — esbuild (ESM and IIFE), Vite (dev server and build), webpack,
// Rollup — and from the CDN-style static file dist/rfa.min.js in a <script type="module"> and in a
// module Web Worker: each page trains 100 steps in real Chromium, with no server or bundler
// configuration, and reports its backend and accuracy. Also: the size budget of a page's bundle.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, installedPackage, launch, pageResult, serve } from './browser_helpers.js';

const CONFIG = "{ seed: 3, data: { n: 200, d: 50, nTest: 400 }, train: { steps: 100 } }";
// the app: no top-level await (the IIFE format has none), the result on window.__rfa
// (and the metrics, on the run's backend: the test accuracy recomputed from networkOutputs is the run's)
const MAIN = `import { train, networkOutputs } from 'rfa';
async function main() {
  const r = await train(${CONFIG});
  const last = r.history[r.history.length - 1];
  const t = r.problem.test;
  const f = networkOutputs(t.x, t.n, t.d, r.weights, r.a, r.backend);
  let right = 0;
  for (let i = 0; i < t.n; i++) if (f[i] * t.y[i] > 0) right++;
  window.__rfa = { backend: r.backend, steps: r.steps, trainAcc: last.trainAcc, testAccClean: last.testAccClean, metricsAgree: right / t.n === last.testAcc };
}
main().catch((e) => { window.__rfa = { error: String((e && e.stack) || e) }; });
`;
const html = (script: string) => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rfa</title></head><body>${script}</body></html>`;

function expectTrained(r: Record<string, unknown> & { errors: string[] }) {
  expect(r.error, String(r.error)).toBeUndefined();
  expect(r.errors).toEqual([]);
  expect(r.backend).toBe('simd');
  expect(r.steps).toBe(100);
  expect(r.testAccClean as number).toBeGreaterThan(0.9);
  if ('metricsAgree' in r) expect(r.metricsAgree, 'networkOutputs in the page gives the run\'s test accuracy').toBe(true);
}

describe.skipIf(!haveChromium)('rfa in a page, through each bundler (Chromium)', () => {
  let base = '';
  let browser: Awaited<ReturnType<typeof launch>>;
  const app = (name: string) => {
    const dir = join(base, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.js'), MAIN);
    return dir;
  };
  async function open(dir: string, path = '') {
    const server = await serve(dir);
    const page = await browser.context.newPage();
    try {
      return await pageResult(page, server.url + path);
    } finally {
      await page.close();
      await server.close();
    }
  }

  beforeAll(async () => {
    base = installedPackage();
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it.each(['esm', 'iife'] as const)('esbuild, %s format', async (format) => {
    const { build } = await import('esbuild');
    const dir = app(`esbuild-${format}`);
    await build({ entryPoints: [join(dir, 'main.js')], bundle: true, format, platform: 'browser', minify: true, outfile: join(dir, 'dist', 'app.js'), logLevel: 'silent' });
    writeFileSync(join(dir, 'dist', 'index.html'), html(`<script ${format === 'esm' ? 'type="module" ' : ''}src="app.js"></script>`));
    expectTrained(await open(join(dir, 'dist')));
  }, 60_000);

  it('Vite build', async () => {
    const { build } = await import('vite');
    const dir = app('vite-build');
    writeFileSync(join(dir, 'index.html'), html('<script type="module" src="/main.js"></script>'));
    await build({ root: dir, logLevel: 'silent', configFile: false, build: { outDir: join(dir, 'dist') } });
    expectTrained(await open(join(dir, 'dist')));
  }, 60_000);

  it('Vite dev server', async () => {
    const { createServer } = await import('vite');
    const dir = app('vite-dev');
    writeFileSync(join(dir, 'index.html'), html('<script type="module" src="/main.js"></script>'));
    const server = await createServer({ root: dir, logLevel: 'silent', configFile: false, server: { port: 0, host: '127.0.0.1' }, cacheDir: join(dir, '.vite') });
    await server.listen();
    const page = await browser.context.newPage();
    try {
      expectTrained(await pageResult(page, server.resolvedUrls!.local[0]!));
    } finally {
      await page.close();
      await server.close();
    }
  }, 90_000);

  it('webpack', async () => {
    const { default: webpack } = await import('webpack');
    const dir = app('webpack');
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
      webpack({ mode: 'production', context: dir, entry: './main.js', target: 'web', output: { path: join(dir, 'dist'), filename: 'app.js' } },
        (err, s) => (err || !s ? reject(err) : resolve(s)));
    });
    expect(stats.hasErrors(), stats.toString('errors-only')).toBe(false);
    writeFileSync(join(dir, 'dist', 'index.html'), html('<script src="app.js"></script>'));
    expectTrained(await open(join(dir, 'dist')));
  }, 90_000);

  it('Rollup', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const dir = app('rollup');
    const bundle = await rollup({ input: join(dir, 'main.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
    await bundle.write({ dir: join(dir, 'dist'), format: 'es' });
    await bundle.close();
    writeFileSync(join(dir, 'dist', 'index.html'), html('<script type="module" src="main.js"></script>'));
    expectTrained(await open(join(dir, 'dist')));
  }, 60_000);

  it('trainInWorker from rfa/worker (esbuild): the run goes to a Worker made from the inlined code; abort works', async () => {
    const { build } = await import('esbuild');
    const dir = app('worker-api');
    writeFileSync(join(dir, 'main.js'), `import { trainInWorker } from 'rfa/worker';
async function main() {
  let records = 0;
  const r = await trainInWorker(${CONFIG}, { evalAt: { every: 25 }, instruments: { paper: true, neurons: true }, onProgress: (p) => { if (p.record) records++; } });
  const last = r.history[r.history.length - 1];
  const ac = new AbortController();
  const big = trainInWorker({ seed: 1, data: { n: 2000, d: 200, nTest: 0 }, train: { steps: 100000 } }, { signal: ac.signal, onProgress: (p) => { if (p.step > 0) ac.abort(); } });
  const t0 = performance.now();
  const aborted = await big.then(() => 'finished', (e) => e.name);
  window.__rfa = { backend: r.backend, steps: r.steps, trainAcc: last.trainAcc, testAccClean: last.testAccClean, records,
    theorem1: !!last.extra.theorem1, neurons: last.extra.neurons.mu1.length, aborted, abortMs: performance.now() - t0 };
}
main().catch((e) => { window.__rfa = { error: String((e && e.stack) || e) }; });
`);
    await build({ entryPoints: [join(dir, 'main.js')], bundle: true, format: 'esm', platform: 'browser', minify: true, outfile: join(dir, 'dist', 'app.js'), logLevel: 'silent' });
    writeFileSync(join(dir, 'dist', 'index.html'), html('<script type="module" src="app.js"></script>'));
    const r = await open(join(dir, 'dist'));
    expectTrained(r);
    expect(r.records).toBe(5);
    expect(r.theorem1).toBe(true);
    expect(r.neurons).toBe(400);
    expect(r.aborted).toBe('AbortError');
  }, 60_000);

  it('the CDN-style file dist/rfa.min.js from a <script type="module">, no bundler', async () => {
    const dir = app('cdn');
    cpSync(join(base, 'node_modules', 'rfa', 'dist', 'rfa.min.js'), join(dir, 'rfa.min.js'));
    writeFileSync(join(dir, 'main.js'), MAIN.replace("from 'rfa'", "from './rfa.min.js'"));
    writeFileSync(join(dir, 'index.html'), html('<script type="module" src="main.js"></script>'));
    expectTrained(await open(dir));
  }, 60_000);

  it('the same file in a module Web Worker', async () => {
    const dir = app('worker');
    cpSync(join(base, 'node_modules', 'rfa', 'dist', 'rfa.min.js'), join(dir, 'rfa.min.js'));
    writeFileSync(join(dir, 'worker.js'), `import { train } from './rfa.min.js';
train(${CONFIG}).then((r) => {
  const last = r.history[r.history.length - 1];
  postMessage({ backend: r.backend, steps: r.steps, trainAcc: last.trainAcc, testAccClean: last.testAccClean });
}, (e) => postMessage({ error: String((e && e.stack) || e) }));
`);
    writeFileSync(join(dir, 'index.html'), html(`<script type="module">
const w = new Worker('worker.js', { type: 'module' });
w.onmessage = (e) => { window.__rfa = e.data; };
w.onerror = (e) => { window.__rfa = { error: e.message }; };
</script>`));
    expectTrained(await open(dir));
  }, 60_000);
});

describe('lazily loaded parts in a bundle that does not split (esbuild IIFE)', () => {
  it('every export of the browser entry, imported alone through the barrel, is defined', async () => {
    // package.json once declared every module but index.js free of side effects; esbuild then dropped the
    // initializers of modules it had wrapped for the lazily imported js engines: ConfigError, AbortError,
    // Rng, STREAMS, reluRef, ... were undefined in a page that imported one of them without train()
    const { build } = await import('esbuild');
    const base = installedPackage();
    const names = Object.keys(await import(join(base, 'node_modules', 'rfa', 'dist', 'browser.js')));
    expect(names.length).toBeGreaterThan(30);
    const g = globalThis as { __out?: unknown };
    const undefinedOnes: string[] = [];
    for (const n of names) {
      const r = await build({ stdin: { contents: `import { ${n} } from 'rfa'; globalThis.__out = ${n};`, resolveDir: base }, bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent' });
      g.__out = undefined;
      new Function(r.outputFiles[0]!.text)();
      if (g.__out === undefined) undefinedOnes.push(n);
    }
    expect(undefinedOnes).toEqual([]);
  }, 60_000);

  it("a page that imports only resolveConfig from the barrel, and one whose train() loads the rarer options' code (given data, checkpoints)", async () => {
    const { build } = await import('esbuild');
    const base = installedPackage();
    const bundle = async (contents: string) => {
      const r = await build({ stdin: { contents, resolveDir: base }, bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent' });
      return r.outputFiles[0]!.text;
    };
    // (esbuild wraps modules shared with a lazily imported one in initializers and, through the 'rfa'
    // barrel, dropped config.ts's when train() was tree-shaken away: resolveConfig saw undefined defaults)
    const only = await bundle("import { resolveConfig } from 'rfa'; globalThis.__out = resolveConfig({ seed: 3 }).model.m;");
    const g = globalThis as { __out?: unknown; __done?: Promise<unknown> };
    new Function(only)();
    expect(g.__out).toBe(400);
    const lazy = await bundle(`import { train, sampleProblem, resolveConfig } from 'rfa';
const cfg = resolveConfig({ seed: 1, data: { n: 40, d: 10, nTest: 20 }, model: { m: 8 }, train: { steps: 30 } });
const p = sampleProblem(cfg);
const saved = [];
globalThis.__done = train(cfg, { data: { train: p.train, test: p.test }, checkpoint: { everySteps: 10, save: (c) => saved.push(c.step) } })
  .then((r) => ({ steps: r.steps, saved, acc: r.history.at(-1).trainAcc }));`);
    new Function(lazy)();
    const r = (await g.__done) as { steps: number; saved: number[]; acc: number };
    expect(r.steps).toBe(30);
    expect(r.saved).toEqual([10, 20]);
    expect(r.acc).toBeGreaterThan(0.5);
  });
});

describe('the size of a page that trains and measures', () => {
  it('train plus the metrics: ≤ 60 KB minified, binaries included (esbuild, ESM, split as pages load it)', async () => {
    const { build } = await import('esbuild');
    const base = installedPackage();
    const r = await build({
      stdin: { contents: "import { train } from 'rfa'; import * as metrics from 'rfa/metrics'; console.log(train, metrics);", resolveDir: base },
      bundle: true, format: 'esm', platform: 'browser', minify: true, splitting: true, outdir: join(base, 'size'), write: false,
      metafile: true, logLevel: 'silent',
    });
    // what the page loads before it can train: the entry and the chunks it imports statically (the
    // float64 'js' backend is a chunk loaded only when a run asks for it)
    const outputs = r.metafile.outputs;
    const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined)!;
    const loaded = new Set<string>();
    const visit = (k: string) => {
      if (loaded.has(k)) return;
      loaded.add(k);
      for (const imp of outputs[k]!.imports) if (imp.kind === 'import-statement') visit(imp.path);
    };
    visit(entry);
    const bytes = [...loaded].reduce((s, k) => s + outputs[k]!.bytes, 0);
    const inputs = [...loaded].flatMap((k) => Object.keys(outputs[k]!.inputs));
    expect(inputs.some((i) => i.includes('rfa-inline')), 'the simd and scalar builds are inlined').toBe(true);
    expect(inputs.some((i) => i.includes('js_engine')), 'the float64 engines are not loaded up front').toBe(false);
    expect(inputs.some((i) => i.includes('wasm/team')), 'nor the thread team').toBe(false);
    expect(bytes).toBeLessThanOrEqual(60 * 1024);
    console.log(`page bundle of train + metrics: ${(bytes / 1024).toFixed(1)} KB minified (${loaded.size} files)`);
  });
});

describe.skipIf(!haveChromium)('init: kernels served by the page (Chromium)', () => {
  it('a URL (streamed), a Response, bytes and a compiled Module each replace the inlined build', async () => {
    const base = installedPackage();
    const dir = join(base, 'init');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'wasm'), { recursive: true });
    cpSync(join(base, 'node_modules', 'rfa', 'dist', 'rfa.min.js'), join(dir, 'rfa.min.js'));
    for (const b of ['simd', 'scalar']) cpSync(join(base, 'node_modules', 'rfa', 'build', `rfa-${b}.wasm`), join(dir, 'wasm', `rfa-${b}.wasm`));
    writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><script type="module">
import { init, train, compileKernels } from './rfa.min.js';
const cfg = ${CONFIG};
const out = {};
try {
  await init({ wasm: new URL('wasm/rfa-simd.wasm', location.href) });
  out.url = (await train(cfg)).history.at(-1).testAccClean;
  await init({ wasm: { simd: fetch('wasm/rfa-simd.wasm') } });
  out.response = (await train(cfg)).history.at(-1).testAccClean;
  await init({ wasm: { scalar: await (await fetch('wasm/rfa-scalar.wasm')).arrayBuffer() } });
  out.bytes = (await train(cfg, { backend: 'scalar' })).history.at(-1).testAccClean;
  const given = await WebAssembly.compileStreaming(fetch('wasm/rfa-simd.wasm'));
  await init({ wasm: { simd: given } });
  out.module = (await train(cfg)).history.at(-1).testAccClean;
  out.sameModule = (await compileKernels('simd')) === given;
  try { await init({ wasm: 'wasm/missing.wasm' }); } catch (e) { out.missing = String(e.message); }
  try { await init({ wasm: { simdd: new Uint8Array(0) } }); } catch (e) { out.badKey = String(e.message); }
} catch (e) { out.error = String(e && e.stack || e); }
window.__rfa = out;
</script></body></html>`);
    const server = await serve(dir);
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      const r = await pageResult(page, server.url);
      expect(r.error, String(r.error)).toBeUndefined();
      for (const k of ['url', 'response', 'bytes', 'module']) expect(r[k], k).toBeGreaterThan(0.9);
      expect(r.sameModule, 'the module given is the one used').toBe(true);
      expect(server.requests.filter((u) => u === '/wasm/rfa-simd.wasm').length, 'the URL and the Response were fetched').toBe(3);
      expect(server.requests).toContain('/wasm/rfa-scalar.wasm');
      expect(r.missing).toMatch(/HTTP 404/);
      expect(r.badKey).toMatch(/wasm\.simdd is not a build/);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 90_000);
});
