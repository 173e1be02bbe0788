// Vega-Lite specs rendered to SVG with vega's headless renderer: no canvas, no DOM, so it runs in
// Node as it is; the same specs render in a browser with vega-embed. vega and vega-lite are optional
// peer dependencies (30 MB that only the report needs): they are imported here, when a figure is first
// rendered, and a clear error says how to install them when they are missing.
import type { TopLevelSpec } from 'vega-lite';
import type { VlSpec } from './specs.js';

export type { VlSpec } from './specs.js';

/** vega and vega-lite could not be loaded: the SVG figures need them. */
export class RendererMissingError extends Error {
  constructor(cause: unknown) {
    super('drawing the figures as SVG needs the optional packages vega and vega-lite: ' +
      'npm install vega@^6.2.0 vega-lite@^6.4.3 (the JSON results and the Vega-Lite specs need nothing more)', { cause });
    this.name = 'RendererMissingError';
  }
}

type Renderer = { vega: typeof import('vega'); compile: typeof import('vega-lite').compile };
let renderer: Promise<Renderer> | null = null;

/** Load vega and vega-lite (once); RendererMissingError when they are not installed. */
export function loadRenderer(): Promise<Renderer> {
  renderer ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vl]) => ({ vega, compile: vl.compile }),
    (e: unknown) => {
      renderer = null;
      throw new RendererMissingError(e);
    },
  );
  return renderer;
}

export async function renderSvg(spec: VlSpec): Promise<string> {
  const { vega, compile } = await loadRenderer();
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
