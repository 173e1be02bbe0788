// Checkpoint files: written whole or not at all (a temporary in the same folder, flushed, renamed over
// the old one, the folder flushed), so a crash while saving leaves the previous checkpoint intact;
// read back with every check decodeCheckpoint makes (cut short, corrupt, not a checkpoint).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, CheckpointError, type TrainCheckpoint } from '../train/checkpoint.js';

/** The most a checkpoint file may hold (W of the largest run WASM memory can train, and its losses). */
export const MAX_CHECKPOINT_BYTES = 6 * 2 ** 30;

/** Write a checkpoint to `path` atomically and durably (synchronous: it is called between pieces of a run). */
export function saveCheckpoint(path: string, checkpoint: TrainCheckpoint): void {
  const bytes = encodeCheckpoint(checkpoint);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.rfa-tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    const err = new Error(`could not save the checkpoint ${path}: ${(e as Error).message} (the previous checkpoint, if any, is intact)`);
    (err as Error & { code?: unknown }).code = (e as { code?: unknown }).code;
    throw err;
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // a folder that cannot be opened for reading (some filesystems): the rename is still atomic
  }
}

/** Read a checkpoint file; a CheckpointError when it is missing, unreadable, cut short or corrupt. */
export function loadCheckpoint(path: string): TrainCheckpoint {
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('it is not a regular file');
    if (st.size > MAX_CHECKPOINT_BYTES) throw new Error(`it holds ${st.size} bytes, more than any checkpoint (${MAX_CHECKPOINT_BYTES})`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(path, (e as Error).message);
  }
  return decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
