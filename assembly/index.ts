// Re-exports only: one kernel per file.
export { heap_base } from "./memory";
export { gemm_xwt } from "./gemm_xwt";
export { relu_mask } from "./relu_mask";
export { relu_backward } from "./relu_backward";
export { network_output } from "./network_output";
export { logistic_loss_grad, logistic_terms, logistic_eval } from "./logistic";
export { count_correct } from "./count_correct";
export { sum_f64 } from "./sum_f64";
export { grad_xtd, grad_xtd_rows, grad_xtd_block } from "./grad_xtd";
export { all_finite } from "./finite";
export { sgd_update } from "./update";
export { gd_steps } from "./step";
export { predict } from "./predict";
export { gd_steps_dual } from "./step_dual";
export { add_f32 } from "./add";
export { probe_ceiling, probe_flops_per_iter } from "./probe_ceiling";
export { normal_tables, normals_f64 } from "./normals";
