// Where this package's files are, for the builds that are not inlined (relaxed, threaded, debug): next
// to dist/ in Node, found from import.meta.url. Its browser twin (./here.browser.ts, mapped by
// package.json "browser") knows no such place: a page gives those builds with init(), and bundles made
// for browsers carry no import.meta (which esbuild's IIFE output would warn about).

/** The URL of `path` relative to the package's dist/wasm/ folder, or null where that is unknown. */
export function packageUrl(path: string): URL | null {
  try {
    return new URL(path, import.meta.url);
  } catch {
    return null; // a bundle without import.meta
  }
}
