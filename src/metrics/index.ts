// Instruments for every claim of the paper, and the baselines.
export * from './instruments.js';
export * from './baselines.js';
export * from './forward.js';
export * from './record.js';
