// Node-only file helpers. Writes are atomic: a temporary file in the same folder, then a rename,
// so a crash or a full disk never leaves a half-written result behind.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { readNpy, writeNpy, type NpyArray, type NpyData } from '../npy.js';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function readNpyFile(path: string, what: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ConfigError(what, path, `a readable .npy file (${(e as Error).message})`);
  }
  return readNpy(bytes, `${what} (${path})`);
}

export function writeNpyFile(path: string, data: NpyData, shape: readonly number[]): void {
  writeFileAtomic(path, writeNpy(data, shape));
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(what, path, `a readable JSON file (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(what, path, `valid JSON (${(e as Error).message})`);
  }
}
