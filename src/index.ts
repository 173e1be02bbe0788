// rfa: random feature amplification in two-layer ReLU networks (Frei, Chatterji, Bartlett 2023).
// The entry for Node and bundlers that do not target browsers: the browser entry plus the float64
// 'js' backend's engines and the code of the rarer train options, loaded now so that trainSync can use them.
import * as jsEngines from './train/js_engines.js';
import { makeExtras } from './train/extras.js';
import { provideExtras, provideJsEngines } from './train/train.js';

provideJsEngines(jsEngines);
provideExtras(makeExtras);

export * from './browser.js';
