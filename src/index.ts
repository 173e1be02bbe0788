// rfa: random feature amplification in two-layer ReLU networks (Frei, Chatterji, Bartlett 2023).
// The entry for Node and bundlers that do not target browsers: the browser entry plus the float64
// 'js' backend's engines, loaded now so that trainSync can run them.
import * as jsEngines from './train/js_engines.js';
import { provideJsEngines } from './train/train.js';

provideJsEngines(jsEngines);

export * from './browser.js';
