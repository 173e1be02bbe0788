// The float64 reference engines of the 'js' backend, one module so that browsers load them only
// when a run asks for them (train() imports it then; the Node entry imports it up front).
export { JsEngine } from './js_engine.js';
export { DualJsEngine } from './js_dual_engine.js';
