// Re-exports only: one kernel per file.
export { heap_base } from "./memory";
export { gemm_xwt } from "./gemm_xwt";
export { relu, relu_mask, relu_backward } from "./relu_mask";
export { network_output, logistic_loss_grad, logistic_eval, count_correct } from "./logistic";
export { grad_xtd, grad_xtd_rows } from "./grad_xtd";
export { all_finite } from "./finite";
export { sgd_update } from "./update";
export { gd_steps, predict } from "./step";
export { gd_steps_dual } from "./step_dual";
export { add_f32 } from "./add";
export { probe_ceiling, probe_flops_per_iter } from "./probe_ceiling";
