// Both cores in a page (Chromium): a team of Web Workers runs inside a Worker (trainInWorker's, or the
// page's own) of a cross-origin isolated page (COOP/COEP headers: SharedArrayBuffer), on the threaded
// build given to init(); the same bits as one thread on both paths. Where a team cannot run — a
// page's main thread, a page that is not isolated, no threaded build, trainSync — 'auto' runs one thread
// and an explicit count is refused with the reason. Everything from an installed copy of the package
// (a page bundled by esbuild; the CDN file dist/rfa.min.js in the page's own Worker; build/rfa-simd-mt.wasm served).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, installedPackage, launch, pageResult, serve } from './browser_helpers.js';

const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

// two runs per path, 1 and 2 threads, compared bit for bit in the page
const COMPARE = `
const same = (a, b) => {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};
async function pair(run, cfg, path) {
  const one = await run(cfg, { threads: 1, path, keepLosses: true });
  const two = await run(cfg, { threads: 2, path, keepLosses: true });
  return {
    threads: [one.threads, two.threads], path: [one.path, two.path],
    sameWeights: same(one.weights, two.weights), sameLosses: same(one.losses, two.losses),
    sameHistory: JSON.stringify(one.history) === JSON.stringify(two.history), trainAcc: two.history.at(-1).trainAcc,
  };
}
const errorOf = (p) => p.then(() => null, (e) => ({ name: e.name, field: e.field, message: e.message }));
// primal: d < n; kernel: d > n; a step of (200, 50, 400) costs 16 MFLOP, so 'auto' takes every core
const PRIMAL = { seed: 5, data: { n: 103, d: 20, nTest: 50 }, model: { m: 37 }, train: { steps: 60 } };
const KERNEL = { seed: 6, data: { n: 40, d: 300, nTest: 30 }, model: { m: 50 }, train: { steps: 60 } };
const BIG = { seed: 7, data: { n: 200, d: 50, nTest: 100 }, train: { steps: 20 } };
`;

const html = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>rfa threads</title></head><body><script type="module">${script}</script></body></html>`;

describe.skipIf(!haveChromium)('threads in a page (Chromium, Web Workers on a shared memory)', () => {
  let dir = '';
  let browser: Awaited<ReturnType<typeof launch>>;
  async function open(file: string, headers: Record<string, string>) {
    const server = await serve(dir, headers);
    const page = await browser.context.newPage();
    try {
      return await pageResult(page, server.url + file, 120_000);
    } finally {
      await page.close();
      await server.close();
    }
  }

  beforeAll(async () => {
    const base = installedPackage();
    dir = join(base, 'threads');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pkg = join(base, 'node_modules', 'rfa');
    cpSync(join(pkg, 'dist', 'rfa.min.js'), join(dir, 'rfa.min.js'));
    cpSync(join(pkg, 'build', 'rfa-simd-mt.wasm'), join(dir, 'rfa-simd-mt.wasm'));
    // trainInWorker from the page's main thread: the page bundled by esbuild from the installed package
    writeFileSync(join(dir, 'main.js'), `
import { init, train } from 'rfa';
import { trainInWorker } from 'rfa/worker';
${COMPARE}
async function main() {
  const out = { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency };
  if (!location.search.includes('no-mt')) await init({ wasm: { 'simd-mt': 'rfa-simd-mt.wasm' } });
  out.auto = (await trainInWorker(BIG, {})).threads;
  out.asked = await errorOf(trainInWorker(PRIMAL, { threads: 2 }));
  if (!out.asked) {
    out.primal = await pair(trainInWorker, PRIMAL, 'primal');
    out.kernel = await pair(trainInWorker, KERNEL, 'kernel');
  }
  out.mainThread = await errorOf(train(PRIMAL, { threads: 2 }));
  out.mainThreadAuto = (await train(BIG, {})).threads;
  window.__rfa = out;
}
main().catch((e) => { window.__rfa = { error: String((e && e.stack) || e) }; });
`);
    const { build } = await import('esbuild');
    await build({ entryPoints: [join(dir, 'main.js')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'page.js'), logLevel: 'warning' });
    writeFileSync(join(dir, 'index.html'), html("import './page.js';"));
    // the page's own module Worker calling train() and trainSync() directly
    writeFileSync(join(dir, 'worker.js'), `
import { init, train, trainSync } from './rfa.min.js';
${COMPARE}
async function main() {
  await init({ wasm: { 'simd-mt': 'rfa-simd-mt.wasm' } });
  const out = { primal: await pair(train, PRIMAL, 'primal'), kernel: await pair(train, KERNEL, 'kernel') };
  out.auto = (await train(BIG, {})).threads;
  out.cores = navigator.hardwareConcurrency;
  out.sync = await errorOf(Promise.resolve().then(() => trainSync(PRIMAL, { threads: 2 })));
  out.syncAuto = trainSync(BIG, {}).threads;
  // concurrent runs, each with its team
  const both = await Promise.all([train(PRIMAL, { threads: 2 }), train(PRIMAL, { threads: 2 })]);
  out.concurrent = both.map((r) => r.threads);
  out.concurrentSame = same(both[0].weights, both[1].weights);
  // an abort while the team's Workers start: AbortError at once, and the next team runs
  const ac = new AbortController();
  const aborted = errorOf(train(BIG, { threads: 2, signal: ac.signal }));
  setTimeout(() => ac.abort(), 1);
  out.abort = await aborted;
  out.afterAbort = (await train(PRIMAL, { threads: 2 })).threads;
  postMessage(out);
}
main().catch((e) => postMessage({ error: String((e && e.stack) || e) }));
`);
    // a Worker running many teams in a row (each run's shared memory must be let go: an idle kernel
    // Worker never collects it, and Chromium ran out of WebAssembly memory after ~120 runs)
    writeFileSync(join(dir, 'many.js'), `
import { init, train } from './rfa.min.js';
const cfg = { seed: 3, data: { n: 30, d: 10, nTest: 5 }, model: { m: 8 }, train: { steps: 5 } };
async function main() {
  await init({ wasm: { 'simd-mt': 'rfa-simd-mt.wasm' } });
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < 200; i++) if ((await train(cfg, { threads: 2 })).threads === 2) ok++;
  postMessage({ ok, msPerRun: (performance.now() - t0) / 200, after: (await train(cfg, { threads: 1 })).threads });
}
main().catch((e) => postMessage({ error: String((e && e.stack) || e) }));
`);
    // where a team cannot start after all: a CSP without blob: workers, or the wrong module given as the threaded build
    writeFileSync(join(dir, 'cannot.js'), `
import { init, train } from './rfa.min.js';
const errorOf = (p) => p.then(() => null, (e) => ({ name: e.name, field: e.field, message: e.message }));
const cfg = { seed: 7, data: { n: 200, d: 50, nTest: 100 }, train: { steps: 5 } };
async function main() {
  const wrong = new URL(location.href).searchParams.get('wrong') !== null;
  await init({ wasm: { 'simd-mt': wrong ? 'rfa-simd.wasm' : 'rfa-simd-mt.wasm' } });
  postMessage({ auto: (await train(cfg, {})).threads, asked: await errorOf(train(cfg, { threads: 2 })) });
}
main().catch((e) => postMessage({ error: String((e && e.stack) || e) }));
`);
    cpSync(join(pkg, 'build', 'rfa-simd.wasm'), join(dir, 'rfa-simd.wasm'));
    writeFileSync(join(dir, 'own.html'), html(`
const q = new URLSearchParams(location.search);
const w = new Worker((q.get('w') ?? 'worker.js') + (q.has('wrong') ? '?wrong' : ''), { type: 'module' });
w.onmessage = (e) => { window.__rfa = e.data; };
w.onerror = (e) => { window.__rfa = { error: e.message }; };
`));
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  const expectSameBits = (r: Record<string, unknown>, which: 'primal' | 'kernel') => {
    const p = r[which] as Record<string, unknown>;
    expect(p.threads).toEqual([1, 2]);
    expect(p.path).toEqual([which, which]);
    expect(p.sameWeights, `${which}: W on 2 threads = W on 1`).toBe(true);
    expect(p.sameLosses, `${which}: the per-step losses`).toBe(true);
    expect(p.sameHistory, `${which}: the evaluation records`).toBe(true);
    expect(p.trainAcc as number).toBeGreaterThan(0.5);
  };

  /** A page that ran teams: no error, the bits of one thread on both paths, and auto on every core (up to the step's 8). */
  const expectTeams = (r: Record<string, unknown> & { errors: string[] }) => {
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.errors).toEqual([]);
    expectSameBits(r, 'primal');
    expectSameBits(r, 'kernel');
    expect(r.auto).toBe(Math.min(r.cores as number, 8));
  };

  it('trainInWorker in a cross-origin isolated page: 2 threads give the bits of 1 on both paths; auto takes every core', async () => {
    const r = await open('index.html', ISOLATED);
    expectTeams(r);
    expect(r.isolated).toBe(true);
    expect(r.asked).toBeNull();
    // the page's main thread may not block: one thread for auto, a named refusal for 2
    expect(r.mainThreadAuto).toBe(1);
    expect(r.mainThread).toMatchObject({ name: 'ConfigError', field: 'threads' });
    expect((r.mainThread as { message: string }).message).toContain("main thread");
  }, 180_000);

  it("the page's own Worker: train() runs teams (two at once too, and after an abort); trainSync runs one thread and refuses 2 by name", async () => {
    const r = await open('own.html', ISOLATED);
    expectTeams(r);
    expect(r.syncAuto).toBe(1);
    expect(r.sync).toMatchObject({ name: 'ConfigError', field: 'threads' });
    expect((r.sync as { message: string }).message).toContain('trainSync');
    expect(r.concurrent).toEqual([2, 2]);
    expect(r.concurrentSame).toBe(true);
    expect(r.abort).toMatchObject({ name: 'AbortError' });
    expect(r.afterAbort).toBe(2);
  }, 180_000);

  it('a Worker runs 200 teams in a row (each run lets its shared memory go), then one thread', async () => {
    const r = await open('own.html?w=many.js', ISOLATED);
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.ok).toBe(200);
    expect(r.after).toBe(1);
    console.log(`200 tiny runs on 2 threads in a page's Worker: ${(r.msPerRun as number).toFixed(1)} ms a run (each starts its kernel Worker)`);
  }, 180_000);

  // where a team cannot run: 'auto' runs one thread, and threads: 2 is a ConfigError whose message says why
  it.each([
    ['a CSP that forbids blob: workers', 'own.html?w=cannot.js', { ...ISOLATED, 'content-security-policy': "worker-src 'self'" }, 'Content-Security-Policy'],
    ['a module given as the threaded build that is not it', 'own.html?w=cannot.js&wrong', ISOLATED, "not rfa's threaded build"],
    ['a page that is not cross-origin isolated', 'index.html', {}, 'Cross-Origin-Embedder-Policy'],
    ['an isolated page that did not give the threaded build', 'index.html?no-mt', ISOLATED, "'simd-mt'"],
  ] as const)('%s: auto runs one thread, threads: 2 is refused saying why', async (_what, file, headers, reason) => {
    const r = await open(file, headers);
    expect(r.error, String(r.error)).toBeUndefined();
    if (file === 'index.html') expect(r.isolated).toBe(false);
    expect(r.auto).toBe(1);
    expect(r.asked).toMatchObject({ name: 'ConfigError', field: 'threads' });
    expect((r.asked as { message: string }).message).toContain(reason);
  }, 120_000);
});
