// One writer per results file: two `rfa sweep run` processes appending to the same runs*.ndjson would
// each write at the end it last saw and overwrite each other's lines (the same command run twice by
// mistake, an array index given twice). A lock file beside it (`<file>.lock`: pid, host, start) is
// made with O_EXCL and kept fresh (its time touched every 10 s). It is stale, and taken over, when
// its process is gone on this host, or when it has not been touched for a minute (a process killed on
// another node of a shared filesystem, such as a requeued array task).
import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';

const TOUCH_MS = 10_000;
const STALE_MS = 60_000;

interface Holder { pid: number; host: string; started: string }

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // a lock of this very pid left by an earlier process (containers reuse pids)
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export interface WriterLock {
  release(): void;
}

const held = new Set<() => void>();
/**
 * Release every lock this process holds: for a command that dies by a signal (the CLI re-raises it
 * after its cleanups, and 'exit' handlers do not run then).
 */
export function releaseLocks(): void {
  for (const release of [...held]) release();
}

/** How old an empty lock must be to be taken over. */
const EMPTY_STALE_MS = 2_000;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/** Take the lock of `file` for this process, or a ConfigError naming the holder. */
export function lockResults(file: string, flag = '--out'): WriterLock {
  const path = `${file}.lock`;
  const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST' || attempt > 3) throw new ConfigError(flag, file, `a results file this process can lock (${path}: ${(e as Error).message})`);
    }
    let holder: Holder | null = null;
    let age = 0;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      holder = null; // being written, or unreadable: stale unless fresh
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // gone meanwhile: try again
      }
    }
    // an empty lock is one whose writer was killed between creating and writing it (a live one writes it
    // at once): stale after a moment, not after a minute
    const empty = holder === null && sizeOf(path) === 0;
    const stale = age > (empty ? EMPTY_STALE_MS : STALE_MS) || (holder !== null && holder.host === me.host && !alive(holder.pid));
    if (!stale) {
      throw new ConfigError(flag, file, `a results file no other process is writing: ${holder ? `pid ${holder.pid} on ${holder.host} (since ${holder.started})` : 'another process'} holds ${path}; ` +
        'run each shard once (--shard I/N writes a file of its own), or wait for it to end (a lock not refreshed for a minute is taken over)');
    }
    rmSync(path, { force: true });
  }
  const timer = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // the folder went away: the next append fails and says so
    }
  }, TOUCH_MS);
  timer.unref();
  let released = false;
  const onExit = () => release();
  const release = () => {
    if (released) return;
    released = true;
    held.delete(release);
    clearInterval(timer);
    process.off('exit', onExit);
    try {
      const held = JSON.parse(readFileSync(path, 'utf8')) as Holder;
      if (held.pid === me.pid && held.started === me.started) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);
  held.add(release);
  return { release };
}
