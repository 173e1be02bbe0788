// Plots of a sweep's results: a heat map over two swept config fields, or a line over one,
// of a measure of each run's summary averaged over seeds.
import { ConfigError } from '../errors.js';
import type { VlSpec } from '../plot/specs.js';
import { summarize, type RunLine, type RunSummary } from './summary.js';

export const SWEEP_METRICS = ['excessError', 'testError', 'testErrorClean', 'flippedFitted', 'cleanFitted', 'fitStep'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

const TITLES: Record<SweepMetric, string> = {
  excessError: 'test error − η',
  testError: 'test error (noisy labels)',
  testErrorClean: 'test error (clean labels)',
  flippedFitted: 'fraction of flipped points fitted',
  cleanFitted: 'fraction of clean points fitted',
  fitStep: 'step at which half the flipped points are fitted',
};

export interface SweepCell {
  x: number | string;
  y: number | string | null;
  /** mean over the seeds that have a value (fitStep: over the runs where it happened) */
  value: number | null;
  runs: number;
  /** runs with a value (fitStep: where the flipped points came to be fitted) */
  counted: number;
  failed: number;
}

function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const k of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

/** The swept fields of a set of lines: config paths (of the grid points) whose value differs between runs. */
export function sweptFields(lines: readonly RunLine[]): string[] {
  const paths = new Set<string>();
  for (const l of lines) for (const p of Object.keys(l.point)) paths.add(p);
  return [...paths].filter((p) => new Set(lines.map((l) => JSON.stringify(at(l.config, p)))).size > 1);
}

/** Cells of the plot: the metric averaged over seeds at each (x, y). */
export function sweepCells(lines: readonly RunLine[], metric: SweepMetric, x: string, y: string | null): SweepCell[] {
  const cells = new Map<string, SweepCell & { sum: number }>();
  for (const l of lines) {
    const xv = at(l.config, x), yv = y === null ? null : at(l.config, y);
    if (xv === undefined) throw new ConfigError('--x', x, 'a config field of the runs (such as data.n)');
    if (yv === undefined) throw new ConfigError('--y', y, 'a config field of the runs (such as data.d)');
    const key = JSON.stringify([xv, yv]);
    let c = cells.get(key);
    if (!c) {
      c = { x: typeof xv === 'number' ? xv : JSON.stringify(xv), y: yv === null ? null : typeof yv === 'number' ? yv : JSON.stringify(yv), value: null, runs: 0, counted: 0, failed: 0, sum: 0 };
      cells.set(key, c);
    }
    c.runs++;
    if (l.status !== 'ok' || !l.summary) {
      c.failed++;
      continue;
    }
    // from the history when the line has it, so a plot follows the current definitions of the measures
    const summary = l.history ? summarize(l.config, l.history) : (l.summary as RunSummary);
    const v = summary[metric];
    if (typeof v === 'number' && Number.isFinite(v)) {
      c.sum += v;
      c.counted++;
    }
  }
  return [...cells.values()].map(({ sum, ...c }) => ({ ...c, value: c.counted > 0 ? sum / c.counted : null }));
}

export function sweepPlotSpec(cells: readonly SweepCell[], o: { metric: SweepMetric; x: string; y: string | null; title: string; pooled?: string[] }): VlSpec {
  const metricTitle = TITLES[o.metric];
  const numeric = (k: 'x' | 'y') => cells.every((c) => typeof c[k] === 'number');
  const positive = (k: 'x' | 'y') => numeric(k) && cells.every((c) => (c[k] as number) > 0);
  const spread = (k: 'x' | 'y') => {
    const v = cells.map((c) => c[k] as number).filter((z) => z > 0);
    return v.length > 0 && Math.max(...v) / Math.min(...v) >= 20;
  };
  const values = cells.map((c) => ({ ...c, label: c.value === null ? '—' : Math.abs(c.value) >= 100 ? c.value.toFixed(0) : c.value.toFixed(3) }));
  const subtitle = `mean over seeds${o.pooled?.length ? ` and ${o.pooled.join(', ')}` : ''}; ${cells.reduce((s, c) => s + c.runs, 0)} runs${cells.some((c) => c.failed) ? `, ${cells.reduce((s, c) => s + c.failed, 0)} failed (left out)` : ''}`;
  if (o.y !== null) {
    const sortAxis = (k: 'x' | 'y') => (numeric(k) ? [...new Set(cells.map((c) => c[k] as number))].sort((a, b) => a - b) : undefined);
    const diverging = o.metric === 'excessError';
    const maxAbs = Math.max(1e-9, ...cells.map((c) => Math.abs(c.value ?? 0)));
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: o.title, subtitle: `${metricTitle}, ${subtitle}` },
      data: { values },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: o.x, sort: sortAxis('x') },
        y: { field: 'y', type: 'ordinal', title: o.y, sort: sortAxis('y') ? [...sortAxis('y')!].reverse() : undefined },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: {
              field: 'value', type: 'quantitative', title: metricTitle,
              // symmetric about 0, so 0 is the neutral colour whatever the sign of the values
              scale: diverging ? { scheme: 'redblue', reverse: true, domain: [-maxAbs, maxAbs] } : { scheme: 'viridis' },
            },
            tooltip: [{ field: 'x', title: o.x }, { field: 'y', title: o.y }, { field: 'value', title: metricTitle }, { field: 'runs' }, { field: 'counted' }, { field: 'failed' }],
          },
        },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'label' }, color: { value: 'black' } } },
      ],
      width: { step: 48 },
      height: { step: 32 },
      config: { font: 'Helvetica, Arial, sans-serif', axis: { grid: false } },
    };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: `${metricTitle}, ${subtitle}` },
    data: { values: values.filter((c) => c.value !== null) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: numeric('x') ? 'quantitative' : 'ordinal', title: o.x, ...(positive('x') && spread('x') ? { scale: { type: 'log' } } : {}) },
      y: { field: 'value', type: 'quantitative', title: metricTitle },
      tooltip: [{ field: 'x', title: o.x }, { field: 'value', title: metricTitle }, { field: 'runs' }, { field: 'counted' }],
    },
    width: 480,
    height: 300,
    config: { font: 'Helvetica, Arial, sans-serif', axis: { grid: true, gridColor: '#eee' } },
  };
}
