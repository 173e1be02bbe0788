// The live page: controls → trainInWorker (the run, its sampling, evaluation and instruments all in a
// Worker) → progress records → canvas drawings. The main thread only draws, at most once a frame.
import { init, resolveConfig, secondLayer, writeNpy, type EvalRecord, type Progress, type RfaConfigInput, type TrainResult } from '../src/browser.js';
import type { NeuronPicture, PlanePicture } from '../src/metrics/record.js';
import { trainInWorker } from '../src/worker/index.js';

// ---- settings, presets, the URL -----------------------------------------------------------------

interface Settings {
  d: number; n: number; nTest: number; noise: 'exact' | 'independent' | 'none'; eta: number; sigma: number; muNorm: number;
  m: number; alpha: number; omegaInit: number; steps: number; seed: number;
}
const FIELDS = ['d', 'n', 'nTest', 'noise', 'eta', 'sigma', 'muNorm', 'm', 'alpha', 'omegaInit', 'steps', 'seed'] as const;

/** Settings of a preset, with the config's defaults filled in (σ = d^-0.6, ω = √(0.01/(m·d)), ...). */
function preset(input: RfaConfigInput): Settings {
  const c = resolveConfig(input);
  const noise = c.data.noise;
  return {
    d: c.data.d, n: c.data.n, nTest: c.data.nTest, noise: noise.mode === 'independent' || noise.mode === 'none' ? noise.mode : 'exact',
    eta: 'eta' in noise && typeof noise.eta === 'number' ? noise.eta : 0.15, sigma: c.data.sigma, muNorm: c.data.muNorm,
    m: c.model.m, alpha: c.train.alpha, omegaInit: c.model.omegaInit, steps: c.train.steps, seed: c.seed,
  };
}

const PRESETS: Record<string, { label: string; input: RfaConfigInput }> = {
  'appendix-e': { label: 'Appendix E (n = 200, d = 1000, T = 3)', input: { data: { n: 200, d: 1000, nTest: 2000 }, train: { steps: 3 } } },
  figure1: { label: 'Figure 1 (d = 2, n = 5000, T = 3000)', input: { data: { n: 5000, d: 2, nTest: 2000, sigma: 0.15 }, train: { steps: 3000 } } },
  'figure2-low': { label: 'Figure 2, low-dimensional (n = 400, d = 20)', input: { data: { n: 400, d: 20, nTest: 2000 }, train: { steps: 1_000_000 } } },
  'figure2-high': { label: 'Figure 2, high-dimensional (n = 50, d = 1000)', input: { data: { n: 50, d: 1000, nTest: 2000 }, train: { steps: 100_000 } } },
  benign: {
    label: 'd ≫ n: benign overfitting (n = 200, d = 40000)',
    input: { data: { n: 200, d: 40000, nTest: 500, sigma: 1, muNorm: 25 }, model: { omegaInit: 1e-7 }, train: { alpha: 0.001, steps: 100 } },
  },
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function readForm(): Settings {
  const s = {} as Record<string, unknown>;
  for (const f of FIELDS) {
    const el = $<HTMLInputElement | HTMLSelectElement>(f);
    s[f] = f === 'noise' ? el.value : Number(el.value);
  }
  return s as unknown as Settings;
}

function writeForm(s: Settings): void {
  for (const f of FIELDS) $<HTMLInputElement | HTMLSelectElement>(f).value = String(s[f]);
}

function toConfig(s: Settings): RfaConfigInput {
  const noise = s.noise === 'none' ? { mode: 'none' as const } : { mode: s.noise, eta: s.eta };
  return {
    seed: s.seed,
    data: { n: s.n, d: s.d, nTest: s.nTest, sigma: s.sigma, muNorm: s.muNorm, noise },
    model: { m: s.m, omegaInit: s.omegaInit },
    train: { alpha: s.alpha, steps: s.steps },
  };
}

function fromUrl(): Settings | null {
  const q = new URLSearchParams(location.search);
  const p = q.get('preset');
  let s: Settings | null = p && PRESETS[p] ? preset(PRESETS[p].input) : null;
  for (const f of FIELDS) {
    const v = q.get(f);
    if (v === null) continue;
    s ??= preset(PRESETS['appendix-e']!.input);
    (s as unknown as Record<string, unknown>)[f] = f === 'noise' ? v : Number(v);
  }
  return s;
}

function shareUrl(s: Settings): string {
  const q = new URLSearchParams();
  for (const f of FIELDS) q.set(f, String(s[f]));
  return `${location.origin}${location.pathname}?${q}`;
}

// ---- drawing ------------------------------------------------------------------------------------

const BLUE = '#1f5fa8', RED = '#c0392b', GREY = '#888';
const regions = Object.assign(document.createElement('canvas'), { width: 72, height: 72 });
const pointsLayer = { plane: null as PlanePicture | null, canvas: Object.assign(document.createElement('canvas'), { width: 420, height: 420 }) };

function ctx2d(id: string): CanvasRenderingContext2D {
  return $<HTMLCanvasElement>(id).getContext('2d')!;
}

function frame(c: CanvasRenderingContext2D, title: string): { w: number; h: number; pad: number } {
  const { width: w, height: h } = c.canvas;
  c.clearRect(0, 0, w, h);
  c.fillStyle = '#222';
  c.font = '12px Helvetica, Arial, sans-serif';
  c.fillText(title, 8, 14);
  return { w, h, pad: 36 };
}

/** The training points and the network's sign on the (µ1, µ2) plane (from the neurons' projections). */
function drawPlane(plane: PlanePicture | null, pic: NeuronPicture | null, a: Float32Array | null): void {
  const c = ctx2d('plane');
  const { w, h, pad } = frame(c, 'training set and decision regions');
  if (!plane) return;
  let lim = 1e-12;
  for (let i = 0; i < plane.u.length; i++) lim = Math.max(lim, Math.abs(plane.u[i]!), Math.abs(plane.v[i]!));
  lim *= 1.15;
  const X = (u: number) => pad + ((u + lim) / (2 * lim)) * (w - 2 * pad);
  const Y = (v: number) => h - pad - ((v + lim) / (2 * lim)) * (h - 2 * pad);
  if (pic && a) {
    // the sign of f on a G×G grid, into an image drawn scaled: one putImageData, not G² fills
    const G = 72;
    const p1 = Float64Array.from(pic.mu1), p2 = Float64Array.from(pic.mu2);
    const img = new ImageData(G, G);
    for (let gi = 0; gi < G; gi++) {
      const u = -lim + ((gi + 0.5) / G) * 2 * lim;
      for (let gj = 0; gj < G; gj++) {
        const v = -lim + ((gj + 0.5) / G) * 2 * lim;
        let f = 0;
        for (let j = 0; j < a.length; j++) {
          const z = u * p1[j]! + v * p2[j]!;
          if (z > 0) f += a[j]! * z;
        }
        const o = 4 * ((G - 1 - gj) * G + gi);
        if (f > 0) { img.data[o] = 31; img.data[o + 1] = 95; img.data[o + 2] = 168; img.data[o + 3] = 34; }
        else if (f < 0) { img.data[o] = 192; img.data[o + 1] = 57; img.data[o + 2] = 43; img.data[o + 3] = 34; }
      }
    }
    regions.getContext('2d')!.putImageData(img, 0, 0);
    c.imageSmoothingEnabled = false;
    c.drawImage(regions, pad, pad, w - 2 * pad, h - 2 * pad);
  }
  // the points change once a run: drawn once into a layer of their own, then copied each frame
  if (pointsLayer.plane !== plane) {
    pointsLayer.plane = plane;
    const pc = pointsLayer.canvas.getContext('2d')!;
    pc.clearRect(0, 0, w, h);
    for (const [label, color] of [[1, BLUE], [-1, RED]] as const) {
      pc.fillStyle = pc.strokeStyle = color;
      pc.lineWidth = 1.5;
      pc.beginPath();
      for (let i = 0; i < plane.u.length; i++) {
        if (plane.y[i] !== label || !plane.flipped[i]) continue;
        const x = X(plane.u[i]!), y = Y(plane.v[i]!);
        pc.moveTo(x - 3, y - 3); pc.lineTo(x + 3, y + 3); pc.moveTo(x + 3, y - 3); pc.lineTo(x - 3, y + 3);
      }
      pc.stroke();
      for (let i = 0; i < plane.u.length; i++) {
        if (plane.y[i] !== label || plane.flipped[i]) continue;
        pc.fillRect(X(plane.u[i]!) - 1.2, Y(plane.v[i]!) - 1.2, 2.4, 2.4);
      }
    }
  }
  c.drawImage(pointsLayer.canvas, 0, 0);
  c.fillStyle = GREY;
  c.fillText('⟨x, µ1⟩ →', w - pad - 60, h - 8);
  c.save(); c.translate(12, pad + 60); c.rotate(-Math.PI / 2); c.fillText('⟨x, µ2⟩ →', 0, 0); c.restore();
}

const SERIES: [keyof EvalRecord, string, string][] = [
  ['trainAcc', 'train, all', '#222'], ['trainAccClean', 'train, clean', BLUE], ['trainAccFlipped', 'train, flipped', RED], ['testAcc', 'test', '#2a9d5b'],
];

function drawAccuracy(history: EvalRecord[], T: number): void {
  const c = ctx2d('accuracy');
  const { w, h, pad } = frame(c, 'accuracy');
  const lx = (s: number) => Math.log10(s + 1);
  const X = (s: number) => pad + (lx(s) / Math.max(1e-9, lx(T))) * (w - 2 * pad);
  const Y = (v: number) => h - pad - v * (h - 2 * pad);
  c.strokeStyle = '#eee';
  c.fillStyle = GREY;
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    c.beginPath(); c.moveTo(pad, Y(v)); c.lineTo(w - pad, Y(v)); c.stroke();
    c.fillText(v.toFixed(2), 4, Y(v) + 4);
  }
  for (let k = 0; 10 ** k <= T + 1; k++) c.fillText(k === 0 ? '0' : `1e${k}`, X(10 ** k - 1) - 6, h - pad + 14);
  c.fillText('step (log)', w - pad - 50, h - 6);
  SERIES.forEach(([key, label, color], i) => {
    c.strokeStyle = c.fillStyle = color;
    c.lineWidth = 1.6;
    c.beginPath();
    let started = false;
    for (const r of history) {
      const v = r[key] as number | null;
      if (v === null || v === undefined) continue;
      if (!started) { c.moveTo(X(r.step), Y(v)); started = true; } else c.lineTo(X(r.step), Y(v));
    }
    c.stroke();
    c.fillText(label, w - pad - 90, pad + 4 + 14 * i);
  });
}

function drawNeurons(pic: NeuronPicture | null, a: Float32Array | null): void {
  const c = ctx2d('neurons');
  const { w, h, pad } = frame(c, 'neurons (⟨w_j, µ1⟩, ⟨w_j, µ2⟩)');
  if (!pic || !a) return;
  const lim = 1.1 * Math.max(1e-12, ...pic.mu1.map(Math.abs), ...pic.mu2.map(Math.abs));
  const X = (u: number) => pad + ((u + lim) / (2 * lim)) * (w - 2 * pad);
  const Y = (v: number) => h - pad - ((v + lim) / (2 * lim)) * (h - 2 * pad);
  c.strokeStyle = '#ddd';
  c.beginPath(); c.moveTo(X(0), pad); c.lineTo(X(0), h - pad); c.moveTo(pad, Y(0)); c.lineTo(w - pad, Y(0)); c.stroke();
  for (let j = 0; j < pic.mu1.length; j++) {
    c.fillStyle = a[j]! > 0 ? BLUE : a[j]! < 0 ? RED : GREY;
    c.beginPath();
    c.arc(X(pic.mu1[j]!), Y(pic.mu2[j]!), 2.2, 0, 2 * Math.PI);
    c.fill();
  }
  c.fillStyle = GREY;
  c.fillText(`scale ±${lim.toExponential(1)}`, w - pad - 80, h - 8);
}

function drawHistogram(pic: NeuronPicture | null, d: number): void {
  const c = ctx2d('histogram');
  const { w, h, pad } = frame(c, 'normalized correlations');
  if (!pic) return;
  const B = 40, counts = new Array<number>(B).fill(0);
  for (let j = 0; j < pic.corr1.length; j++) {
    const v = Math.max(Math.abs(pic.corr1[j]!), Math.abs(pic.corr2[j]!));
    counts[Math.min(B - 1, Math.floor(v * B))]!++;
  }
  const top = Math.max(1, ...counts);
  const bw = (w - 2 * pad) / B;
  c.fillStyle = BLUE;
  counts.forEach((k, i) => c.fillRect(pad + i * bw, h - pad - (k / top) * (h - 2 * pad), bw - 1, (k / top) * (h - 2 * pad)));
  c.fillStyle = GREY;
  for (const v of [0, 0.5, 1]) c.fillText(String(v), pad + v * (w - 2 * pad) - 4, h - pad + 14);
  const inv = 1 / Math.sqrt(d);
  c.strokeStyle = RED;
  c.beginPath(); c.moveTo(pad + inv * (w - 2 * pad), pad); c.lineTo(pad + inv * (w - 2 * pad), h - pad); c.stroke();
  c.fillStyle = RED;
  c.fillText('1/√d', pad + inv * (w - 2 * pad) + 3, pad + 10);
}

// ---- the run ------------------------------------------------------------------------------------

interface Live {
  settings: Settings;
  a: Float32Array;
  history: EvalRecord[];
  plane: PlanePicture | null;
  neurons: NeuronPicture | null;
  last: Progress | null;
  speed: { step: number; t: number; rate: number };
  result: TrainResult | null;
}
let live: Live | null = null;
let controller: AbortController | null = null;
/** the threaded build, given once (cross-origin isolated pages only) */
let threadedBuild: Promise<void> | null = null;
let drawQueued = false;

function yes(b: boolean | undefined): string {
  return b ? '<span class="ok">holds</span>' : '<span class="bad">does not hold</span>';
}

// Each panel is redrawn when its data changed, a few per animation frame: whatever a frame does not
// fit in about 8 ms waits for the next, so no task on this thread runs long.
type Panel = 'plane' | 'accuracy' | 'neurons' | 'histogram' | 'checks';
const dirty = new Set<Panel>(['plane', 'accuracy', 'neurons', 'histogram', 'checks']);
const FRAME_BUDGET_MS = 8;

function drawPanel(panel: Panel, L: Live | null): void {
  const s = L?.settings;
  if (panel === 'plane') drawPlane(L?.plane ?? null, L?.neurons ?? null, L?.a ?? null);
  else if (panel === 'accuracy') drawAccuracy(L?.history ?? [], s?.steps ?? 1);
  else if (panel === 'neurons') drawNeurons(L?.neurons ?? null, L?.a ?? null);
  else if (panel === 'histogram') drawHistogram(L?.neurons ?? null, s?.d ?? 1);
  else if (L) drawChecks(L);
}

const HEAVY = new Set<Panel>(['plane', 'neurons', 'histogram']);
/** Heavy panels are redrawn at most every 150 ms (about as fast as the eye follows). */
const HEAVY_EVERY_MS = 150;
let lastHeavy = -Infinity;

function draw(): void {
  drawQueued = false;
  const t0 = performance.now();
  for (const panel of [...dirty]) {
    if (HEAVY.has(panel) && live && controller && t0 - lastHeavy < HEAVY_EVERY_MS) continue;
    if (HEAVY.has(panel)) lastHeavy = t0;
    dirty.delete(panel);
    drawPanel(panel, live);
    if (performance.now() - t0 > FRAME_BUDGET_MS) break;
  }
  if (dirty.size > 0) {
    if ([...dirty].every((p) => HEAVY.has(p))) setTimeout(queueDraw, HEAVY_EVERY_MS);
    else queueDraw();
  }
}

function drawChecks(L: Live): void {
  const { history, settings: s, last } = L;
  const rec = history.at(-1);
  const extra = rec?.extra as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  $('c-step').textContent = last ? `${last.step} of ${last.steps}` : '–';
  if (extra?.theorem1 && rec) {
    const t = extra.theorem1;
    const err = t.testError === null ? '' : `; test error ${(100 * t.testError).toFixed(1)}% against η = ${(100 * (s.noise === 'none' ? 0 : s.eta)).toFixed(1)}%`;
    $('c-theorem1').innerHTML = `step ${rec.step}: clean points all right ${yes(t.cleanAllRight)}, flipped all wrong ${yes(t.flippedAllWrong)}${err}`;
  }
  if (extra?.condition9) $('c-cond9').innerHTML = `${yes(extra.condition9.holds)} (${(100 * extra.condition9.fraction).toFixed(1)}% of ∪J_µ)`;
  if (extra?.condition10) $('c-cond10').innerHTML = `${yes(extra.condition10.holds)} (${(100 * extra.condition10.fraction).toFixed(1)}%)`;
  if (last) $('c-backend').textContent = `${last.backend} (${last.path === 'kernel' ? 'kernel-space path' : 'primal path'}, ${last.threads} thread${last.threads > 1 ? 's' : ''})`;
  $('c-speed').textContent = L.speed.rate > 0 ? `${L.speed.rate.toFixed(L.speed.rate < 10 ? 2 : 0)} steps/s` : '–';
}

function queueDraw(): void {
  if (!drawQueued) {
    drawQueued = true;
    requestAnimationFrame(draw);
  }
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('train').disabled = running;
  $<HTMLButtonElement>('stop').disabled = !running;
  $<HTMLButtonElement>('download').disabled = running || !live?.result;
}

async function run(): Promise<void> {
  const s = readForm();
  $('error').textContent = '';
  const config = toConfig(s);
  try {
    resolveConfig(config); // a mistake shows now, naming the field
  } catch (e) {
    $('error').textContent = (e as Error).message;
    return;
  }
  history.replaceState(null, '', shareUrl(s));
  controller = new AbortController();
  live = { settings: s, a: secondLayer(s.m), history: [], plane: null, neurons: null, last: null, speed: { step: 0, t: performance.now(), rate: 0 }, result: null };
  setRunning(true);
  for (const panel of ['plane', 'accuracy', 'neurons', 'histogram', 'checks'] as const) dirty.add(panel);
  queueDraw();
  $('status').textContent = 'sampling and starting…';
  const evalAt = s.steps <= 200 ? { every: 1 } : { log: 80 };
  const t0 = performance.now();
  try {
    // both cores when the page is cross-origin isolated (npm run web serves it so): the threaded build
    // sits beside the page; elsewhere (a plain static host, file://) runs take one thread
    if (self.crossOriginIsolated && !threadedBuild) threadedBuild = init({ wasm: { 'simd-mt': 'rfa-simd-mt.wasm' } }).catch(() => {});
    await threadedBuild;
    const pending = trainInWorker(config, {
      evalAt,
      keepLosses: false,
      instruments: { paper: true, neurons: true, plane: true },
      signal: controller.signal,
      onProgress: (p) => {
        const L = live!;
        L.last = p;
        const now = performance.now();
        if (now - L.speed.t > 250) {
          L.speed = { step: p.step, t: now, rate: (p.step - L.speed.step) / ((now - L.speed.t) / 1000) };
        }
        dirty.add('checks');
        if (p.record) {
          L.history.push(p.record);
          dirty.add('accuracy');
          const extra = p.record.extra as { neurons?: NeuronPicture; plane?: PlanePicture } | undefined;
          if (extra?.neurons) {
            L.neurons = extra.neurons;
            dirty.add('plane').add('neurons').add('histogram');
          }
          if (extra?.plane) L.plane = extra.plane;
        }
        $('status').textContent = `training: step ${p.step} of ${p.steps}`;
        queueDraw();
      },
    });
    const result = await pending;
    live.result = result;
    if (live.speed.rate === 0) live.speed.rate = s.steps / ((performance.now() - t0) / 1000);
    $('status').textContent = `done: ${result.steps} steps in ${(result.timeMs / 1000).toFixed(2)} s on ${result.backend}, ${result.threads} thread${result.threads > 1 ? 's' : ''}`;
  } catch (e) {
    const err = e as Error;
    if (err.name === 'AbortError') $('status').textContent = `stopped at step ${(err as Error & { step: number }).step}`;
    else {
      $('status').textContent = 'failed';
      $('error').textContent = `${err.name}: ${err.message}`;
    }
  } finally {
    controller = null;
    setRunning(false);
    for (const panel of ['plane', 'accuracy', 'neurons', 'histogram', 'checks'] as const) dirty.add(panel);
    queueDraw();
  }
}

function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function downloadRun(): void {
  const r = live?.result;
  if (!r) return;
  download('rfa-config.json', JSON.stringify(r.config, null, 1), 'application/json');
  download('rfa-history.json', JSON.stringify(r.history), 'application/json');
  const m = r.config.model.m, d = r.config.data.d;
  download('rfa-weights.npy', writeNpy(r.weights, [m, d]) as BlobPart, 'application/octet-stream');
}

// ---- start --------------------------------------------------------------------------------------

const select = $<HTMLSelectElement>('preset');
for (const [key, p] of Object.entries(PRESETS)) select.add(new Option(p.label, key));
select.add(new Option('custom', 'custom'));
const initial = fromUrl();
if (initial) {
  select.value = new URLSearchParams(location.search).get('preset') ?? 'custom';
  writeForm(initial);
} else {
  select.value = 'appendix-e';
  writeForm(preset(PRESETS['appendix-e']!.input));
}
select.addEventListener('change', () => {
  const p = PRESETS[select.value];
  if (p) writeForm(preset(p.input));
});
$('controls').addEventListener('input', (e) => { if (e.target !== select) select.value = 'custom'; });
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void run();
});
$('stop').addEventListener('click', () => controller?.abort());
$('download').addEventListener('click', downloadRun);
$('share').addEventListener('click', () => {
  const url = shareUrl(readForm());
  history.replaceState(null, '', url);
  void navigator.clipboard?.writeText(url).catch(() => {});
  $('status').textContent = 'the address bar now holds these settings';
});
// warm the drawing code at load (fonts, canvases, the JIT on the decision-region loop) so that the first
// frames of a run are as quick as the rest, then show the empty frames
{
  const m = 400, rnd = (k: number) => Array.from({ length: m }, (_, j) => Math.sin(j * 12.9898 + k) * 0.01);
  const pic: NeuronPicture = { mu1: rnd(1), mu2: rnd(2), corr1: rnd(3), corr2: rnd(4) };
  const plane: PlanePicture = { u: rnd(5), v: rnd(6), y: rnd(7).map(Math.sign), flipped: rnd(8).map((v) => v > 0.009), stride: 1 };
  for (let k = 0; k < 3; k++) {
    drawPlane(plane, pic, secondLayer(m));
    drawNeurons(pic, secondLayer(m));
    drawHistogram(pic, 100);
  }
}
draw(); // the empty frames
(window as unknown as { rfaPage: unknown }).rfaPage = { ready: true };
