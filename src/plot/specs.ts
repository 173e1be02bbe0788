// Vega-Lite specs for every figure: pure functions from measured data to a spec.

/** A Vega-Lite specification as plain JSON (vega-lite's TopLevelSpec; vega-lite checks it when rendering). */
export type VlSpec = { $schema?: string } & Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ccc' }, axis: { grid: true, gridColor: '#eee' } } };

export interface PlanePoint { u: number; v: number; label: number; flipped: boolean }
/** A run of grid cells with the same predicted sign: [u, u2] × [v, v2]. */
export interface GridCell { u: number; u2: number; v: number; v2: number; pred: number }

/** Figure 1: training points in the (µ1, µ2) plane (flipped ones as crosses) over the learned decision regions. */
export function figure1Spec(points: PlanePoint[], grid: GridCell[], step: number, title: string): VlSpec {
  const lo = Math.min(...grid.map((g) => Math.min(g.u, g.v))), hi = Math.max(...grid.map((g) => Math.max(g.u2, g.v2)));
  const axis = (t: string) => ({ title: t, scale: { domain: [lo, hi], nice: false, zero: false } });
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: `decision regions of sgn f(x) after ${step} steps, and training points; + marks a flipped label` },
    width: 420,
    height: 420,
    layer: [
      {
        data: { values: grid.map((g) => ({ ...g, region: g.pred > 0 ? 'f > 0 (predict +1)' : 'f ≤ 0 (predict −1)' })) },
        mark: { type: 'rect', opacity: 0.35 },
        encoding: {
          x: { field: 'u', type: 'quantitative', ...axis('⟨x, µ1⟩') },
          x2: { field: 'u2' },
          y: { field: 'v', type: 'quantitative', ...axis('⟨x, µ2⟩') },
          y2: { field: 'v2' },
          color: { field: 'region', type: 'nominal', scale: { range: ['#d6604d', '#4393c3'], domain: ['f > 0 (predict +1)', 'f ≤ 0 (predict −1)'] }, title: 'network' },
        },
      },
      {
        data: { values: points.map((p) => ({ ...p, labelName: p.label > 0 ? 'y = +1' : 'y = −1', kind: p.flipped ? 'flipped' : 'clean' })) },
        mark: { type: 'point', filled: true, size: 14 },
        encoding: {
          x: { field: 'u', type: 'quantitative' },
          y: { field: 'v', type: 'quantitative' },
          fill: { field: 'labelName', type: 'nominal', scale: { domain: ['y = +1', 'y = −1'], range: ['#b2182b', '#2166ac'] }, title: 'observed label' },
          shape: { field: 'kind', type: 'nominal', scale: { domain: ['clean', 'flipped'], range: ['circle', 'cross'] }, title: 'point' },
          size: { condition: { test: "datum.kind === 'flipped'", value: 40 }, value: 12 },
          opacity: { value: 0.8 },
        },
      },
    ],
    resolve: { scale: { color: 'independent', fill: 'independent' } },
    ...FONT,
  } as VlSpec;
}

export interface CurvePoint { panel: string; step: number; series: string; accuracy: number }

/** Figure 2: accuracies against the step on a log axis, one panel per regime. */
export function figure2Spec(points: CurvePoint[], title: string): VlSpec {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: '15% of training labels flipped; dashed line: 85%, the best possible test accuracy' },
    data: { values: points.filter((p) => p.step >= 1) },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: [...new Set(points.map((p) => p.panel))], header: { labelFontSize: 13 } } },
    spec: {
      width: 360,
      height: 260,
      layer: [
        {
          mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
          encoding: {
            x: { field: 'step', type: 'quantitative', scale: { type: 'log' }, title: 'gradient-descent step t' },
            y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
            color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 260, orient: 'bottom', columns: 2 }, scale: { domain: ['train (all)', 'train (clean points)', 'train (flipped points)', 'test (noisy labels)'], range: ['#555', '#1b9e77', '#d95f02', '#7570b3'] } },
          },
        },
        { mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { datum: 0.85 } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
    ...FONT,
  } as VlSpec;
}

export interface HistRow { setting: string; time: string; group: string; correlation: number }
export interface FractionRow { setting: string; step: number; condition: string; fraction: number }

/**
 * Amplification: histograms of the normalized correlations at t = 0, 1, T per group (one row per
 * setting), and Conditions 9/10 over time.
 */
export function amplificationSpec(hist: HistRow[], fractions: FractionRow[], d: number): VlSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Random feature amplification', subtitle: `⟨w_j/‖w_j‖, µ⟩ for the neurons of each set J_µ, with their own direction µ; d = ${d}, 1/√d = ${(1 / Math.sqrt(d)).toFixed(3)}` },
    vconcat: [
      {
        data: { values: hist },
        facet: {
          row: { field: 'setting', type: 'nominal', title: null, header: { labelAngle: -90, labelLimit: 260, labelFontSize: 12 } },
          column: { field: 'time', type: 'ordinal', title: null, sort: { field: 'order' } },
        },
        spec: {
          width: 220,
          height: 150,
          mark: { type: 'bar', opacity: 0.75 },
          encoding: {
            x: { field: 'correlation', type: 'quantitative', bin: { extent: [-0.2, 1], step: 0.025 }, title: 'normalized correlation with own µ' },
            y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'neurons' },
            color: { field: 'group', type: 'nominal', title: 'set' },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
      {
        data: { values: fractions.filter((f) => f.step >= 1) },
        width: 560,
        height: 200,
        title: 'Fraction of neurons in ∪J_µ satisfying Condition 9 (alignment) and Condition 10 (almost-orthogonality)',
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', scale: { type: 'log', nice: false }, title: 'step t' },
          y: { field: 'fraction', type: 'quantitative', scale: { domain: [0, 1] }, title: 'fraction of neurons' },
          color: { field: 'condition', type: 'nominal', title: null, legend: { labelLimit: 300 } },
          strokeDash: { field: 'setting', type: 'nominal', title: null, legend: { labelLimit: 300, symbolType: 'stroke', symbolStrokeWidth: 2 } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    ...FONT,
  } as VlSpec;
}

export interface SweepRow { x: number; y: number; seed: number; series: string }

/** Scatter of per-seed values with a mean line and an optional reference line y = x. */
export function sweepSpec(rows: SweepRow[], opts: { title: string; subtitle: string; xTitle: string; yTitle: string; logX?: boolean; logY?: boolean; identity?: boolean; refY?: number }): VlSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: opts.xTitle, scale: opts.logX ? { type: 'log' as const } : { zero: false } };
  const y = { field: 'y', type: 'quantitative' as const, title: opts.yTitle, scale: opts.logY ? { type: 'log' as const } : {} };
  const layers: unknown[] = [
    { mark: { type: 'point', opacity: 0.6 }, encoding: { x, y, color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 420 } } } },
    { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { ...y, aggregate: 'mean' }, color: { field: 'series', type: 'nominal' } } },
  ];
  if (opts.identity) {
    const xs = rows.map((r) => r.x);
    const lo = Math.min(...xs), hi = Math.max(...xs);
    layers.push({ data: { values: [{ x: lo, y: lo, series: 'y = η' }, { x: hi, y: hi, series: 'y = η' }] }, mark: { type: 'line', strokeDash: [5, 4], color: '#444' }, encoding: { x, y } });
  }
  if (opts.refY !== undefined) layers.push({ mark: { type: 'rule', strokeDash: [5, 4], color: '#444' }, encoding: { y: { datum: opts.refY } } });
  return {
    $schema: SCHEMA,
    title: { text: opts.title, subtitle: opts.subtitle },
    width: 440,
    height: 300,
    data: { values: rows },
    layer: layers,
    ...FONT,
  } as VlSpec;
}
