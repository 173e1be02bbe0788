// Vega-Lite specs rendered to SVG with vega's headless renderer: no canvas, no DOM, so it runs in
// Node as it is; the same specs render in a browser with vega-embed.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type VlSpec = TopLevelSpec;

export async function renderSvg(spec: VlSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
