// The browser twin of ./here.ts (package.json "browser"): a page has no package folder to read builds
// from; the opt-in builds come from init().

/** Always null in a page. */
export function packageUrl(_path: string): URL | null {
  return null;
}
