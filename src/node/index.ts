// Node-only helpers: atomic file writes, .npy files, experiment and report writers.
export * from './files.js';
export * from './report.js';
export * from './progress.js';
export * from './checkpoint.js';
export * from './ndjson.js';
