// The live page (web/): `node scripts/web.mjs build` writes web-dist/, a static folder that works from
// any static host (index.html, app.js with the kernels and the worker inlined, style.css, and the threaded
// build, used when the page is served cross-origin isolated);
// `node scripts/web.mjs serve [port]` builds it and serves it on localhost, printing the address.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'web-dist');

async function buildPage() {
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'web', 'main.ts')],
    bundle: true,
    // a classic script, not a module: the page then also works opened from disk (file://), where
    // browsers refuse module scripts; it has no imports left once bundled
    format: 'iife',
    define: { 'import.meta.url': 'undefined' }, // (the threaded build is given to init() by URL: web/main.ts)
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outfile: join(OUT, 'app.js'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(ROOT, 'web', f), join(OUT, f));
  // the threaded build: used when the page is cross-origin isolated (as `serve` serves it) for both cores
  copyFileSync(join(ROOT, 'build', 'rfa-simd-mt.wasm'), join(OUT, 'rfa-simd-mt.wasm'));
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
// cross-origin isolated (SharedArrayBuffer), so runs can take both cores
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

function serve(port) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(OUT, path);
    if (!file.startsWith(OUT)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...ISOLATED });
    res.end(readFileSync(file));
  });
  server.on('error', (e) => {
    console.error(`rfa web: cannot listen on port ${port}: ${e.message} (give another: npm run web -- PORT)`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`rfa web: the live page is at http://127.0.0.1:${server.address().port}/ (Ctrl-C stops)`);
  });
}

const [what, portArg] = process.argv.slice(2);
if (what === 'build') {
  await buildPage();
  console.log(`rfa web: wrote ${OUT}`);
} else if (what === 'serve') {
  await buildPage();
  const port = portArg === undefined ? Number(process.env.PORT ?? 5180) : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`rfa web: the port must be an integer in [0, 65535], got ${portArg}`);
    process.exit(1);
  }
  serve(port);
} else {
  console.error(`usage: node scripts/web.mjs build|serve [port], got ${what}`);
  process.exit(1);
}
