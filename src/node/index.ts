// Node-only helpers: atomic file writes, .npy files, experiment and report writers.
export * from './files.js';
export * from './report.js';
export * from './progress.js';
export * from './checkpoint.js';
export * from './ndjson.js';
// Sweeps (Node: a worker-thread pool and files)
export { runSweep, readResults, SWEEP_FILE, type SweepOptions, type SweepProgress, type SweepOutcome } from '../sweep/runner.js';
export { mergeSweeps, type MergeOutcome } from '../sweep/merge.js';
export { resolveShard, resultsFileName, type Shard } from '../sweep/shard.js';
export { parseSweep, expandSweep, sweepHash, MAX_SWEEP_RUNS, type SweepSpec, type SweepRun } from '../sweep/spec.js';
export { summarize, type RunLine, type RunSummary, type RunTiming } from '../sweep/summary.js';
export { sweepCells, sweepPlotSpec, sweptFields, SWEEP_METRICS, type SweepCell, type SweepMetric } from '../sweep/plot.js';
export { SWEEP_PRESETS } from '../sweep/presets.js';
