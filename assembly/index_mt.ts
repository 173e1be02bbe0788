// The threaded build (rfa-simd-mt.wasm): every kernel of the single-thread builds, and the team.
export * from "./index";
export { mt_worker, mt_kill, mt_stop, mt_gd_steps, mt_gd_steps_dual, mt_predict, mt_grad_xtd_rows, mt_gemm_add } from "./threads";
