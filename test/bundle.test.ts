// The core must stay free of Node built-ins and of the DOM (the browser issue builds on it):
// bundling it for the browser must succeed and leave no node: import behind.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle of the core', () => {
  it.each(['src/index.ts', 'src/experiments/index.ts'])('%s bundles for the browser with no Node built-in', async (entry) => {
    const r = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    const code = r.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["']node:/);
  });
});
