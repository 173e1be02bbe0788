// rfa: random feature amplification in two-layer ReLU networks (Frei, Chatterji, Bartlett 2023).
// The browser entry (package.json maps 'rfa' here for bundlers that target browsers): everything of
// ./index.ts but the float64 'js' backend's engines, which train() imports when a run asks for them
// (a chunk of its own in bundlers that split), so a page that never uses them does not carry them.
export * from './config.js';
export * from './errors.js';
export * from './rng.js';
export * from './data.js';
export * from './model.js';
export * from './reference.js';
export * from './npy.js';
export { train, trainSync, evaluate } from './train/train.js';
export type { CheckpointOptions, EvalRecord, EvalContext, Progress, TrainOptions, TrainResult } from './train/train.js';
export { encodeCheckpoint, decodeCheckpoint, fingerprint, CheckpointError, CHECKPOINT_VERSION } from './train/checkpoint.js';
export type { TrainCheckpoint } from './train/checkpoint.js';
export { BACKENDS } from './train/engine.js';
export type { Backend, Engine, EngineInit } from './train/engine.js';
export { resolveEvalSteps, logSpacedSteps, MAX_EVAL_STEPS } from './train/schedule.js';
export type { EvalSchedule } from './train/schedule.js';
export {
  compileKernels, compileKernelsSync, instantiateKernels, simdSupported, simdSupportedSync, defaultWasmUrl, init,
} from './wasm/loader.js';
export type { InitSources, KernelBuild, KernelExports, WasmBackend, WasmSource } from './wasm/loader.js';
export { Arena, packTransposed, unpackTransposed } from './wasm/arena.js';
export { engineLayout, engineBytes, checkWasmFits, WASM_MAX_BYTES } from './wasm/layout.js';
export type { EngineLayout, EngineSizes } from './wasm/layout.js';
export * from './metrics/index.js';
