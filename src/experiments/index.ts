// Experiments: each composes runs and returns its data and a Vega-Lite spec; renderSvg draws it.
export * from './common.js';
export * from './figure1.js';
export * from './figure2.js';
export * from './amplification.js';
export * from './sweeps.js';
export * from './reproduce.js';
export { renderSvg, type VlSpec } from '../plot/render.js';
export * from '../plot/specs.js';
