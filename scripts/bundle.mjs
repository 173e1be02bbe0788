// Browser bundles shipped in dist/ (after tsc): dist/rfa.min.js, the whole browser entry as one
// minified ES module with the simd and scalar kernels inlined, for a plain <script type="module">
// from a CDN or any static host (no bundler, no import map).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/browser.js'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  minify: true,
  target: 'es2022',
  outfile: 'dist/rfa.min.js',
  legalComments: 'none',
  logLevel: 'warning',
});
