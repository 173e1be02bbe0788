// Driving Debian's Chromium (never a downloaded browser) with playwright-core, and serving folders
// on localhost, for the browser tests. .ci/run installs chromium; where it is missing (a developer's
// machine) the browser tests are skipped with a note, never silently passed.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = new URL('..', import.meta.url).pathname;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.map': 'application/json',
};

/** Serve `dir` on 127.0.0.1 (a static host: files only, correct types); `headers` are added to every response. */
export async function serve(dir: string, headers: Record<string, string> = {}): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(dir, path);
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...headers });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the browser's keep-alive connections would hold close() open
    }),
  };
}

/** A fresh headless Chromium with its own profile folder. */
export async function launch(extraArgs: string[] = []): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'rfa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      '--disable-sync', '--disable-quic', ...extraArgs],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Open `url` and wait for the page to set window.__rfa (its result, or { error }); console errors are collected. */
export async function pageResult(page: Page, url: string, timeoutMs = 60_000): Promise<Record<string, unknown> & { errors: string[] }> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  // polled with evaluate (waitForFunction's polling stalled here in headless Chromium)
  const t0 = Date.now();
  for (;;) {
    const result = await page.evaluate(() => (window as unknown as { __rfa?: Record<string, unknown> }).__rfa);
    if (result !== undefined) return { ...result, errors };
    if (Date.now() - t0 > timeoutMs) return { error: `no result after ${timeoutMs} ms`, errors };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * An installed copy of the package as npm would lay it out (package.json's "files" only) under
 * `base`/node_modules/rfa (default base: build/browser-test), its dependencies (not its optional peers)
 * linked beside it; apps go in folders next to it.
 */
export function installedPackage(base = join(ROOT, 'build', 'browser-test')): string {
  const pkgDir = join(base, 'node_modules', 'rfa');
  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; dependencies: Record<string, string> };
  cpSync(join(ROOT, 'package.json'), join(pkgDir, 'package.json'));
  for (const entry of pkg.files) {
    if (entry.includes('*')) {
      const [folder, pattern] = [dirname(entry), entry.slice(dirname(entry).length + 1)];
      const suffix = pattern.replace('*', '');
      mkdirSync(join(pkgDir, folder), { recursive: true });
      for (const f of readdir(join(ROOT, folder))) if (f.endsWith(suffix)) cpSync(join(ROOT, folder, f), join(pkgDir, folder, f));
    } else if (existsSync(join(ROOT, entry))) {
      cpSync(join(ROOT, entry), join(pkgDir, entry), { recursive: true });
    }
  }
  for (const dep of Object.keys(pkg.dependencies)) {
    const link = join(base, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(join(ROOT, 'node_modules', dep), link);
  }
  return base;
}

function readdir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
