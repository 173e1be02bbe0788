// Node-only file input and output that never loses anything.
//
// - Every output path is checked before any work (checkOutputFiles): not empty, not a folder, its
//   folder exists and is writable, no two outputs name the same file.
// - A regular file (or a new one) is replaced atomically: the bytes go to a temporary in the same
//   folder, `.<name>.<pid>.rfa-tmp` (a long name is shortened and given a hash of the whole, so two
//   outputs never share one), which is renamed over it. A symlink is followed and its target
//   replaced. Anything else (a device such as /dev/null or /dev/stdout, a FIFO) is written through,
//   as Unix tools do, never replaced.
// - The outputs of one run are one transaction (writeOutputs): every temporary is written and
//   flushed first, then the write-through targets get their bytes, then a journal
//   `.rfa-commit.<pid>.json` listing the renames is written (in each folder involved); only then are
//   the temporaries renamed; then the journals go. A process killed at any moment leaves either the
//   old files or, once the journals exist, a commit that the next write to those paths completes
//   (recoverOutputs): never new weights beside an old history.
// - Recovery touches only what rfa made: journals and temporaries owned by this user, named as rfa
//   names them, for the paths being written, of processes that are gone. It never follows a journal
//   outside that pattern.
// - Temporaries of this process are removed on error, and by removeTemporaries() (the CLI calls it
//   on SIGINT, SIGTERM and SIGHUP). Writes that may block (a FIFO with no reader) and reads of
//   inputs run off the main thread, so a signal is always handled at once.
import {
  accessSync, chmodSync, closeSync, constants, existsSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync,
  realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync, type Stats,
} from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { readNpy, writeNpy, type NpyArray, type NpyData } from '../npy.js';

/** A write that failed after the checks passed (a full disk, a folder removed meanwhile): names the flag and path. */
export class OutputError extends Error {
  readonly flag: string;
  readonly path: string;
  constructor(flag: string, path: string, cause: unknown, committed = false) {
    super(`${flag}: could not write ${path}: ${(cause as Error)?.message ?? String(cause)}; ` +
      (committed ? 'the other files of this run were written; the next write to these paths completes the commit'
        : 'no file was replaced (earlier files are intact)'));
    this.name = 'OutputError';
    this.flag = flag;
    this.path = path;
  }
}

/** An output file, checked: where its bytes go and how. */
export interface OutputTarget {
  /** the flag or field that named it, for messages (e.g. '--save-weights') */
  flag: string;
  /** the path as given */
  path: string;
  /** the file the bytes go to: absolute, symlinks followed, folder canonical */
  real: string;
  /** 'replace': a regular or new file, replaced atomically; 'through': a device or FIFO, written in place */
  mode: 'replace' | 'through';
  /** for /dev/stdout, /dev/fd/N and the like: the open file descriptor the bytes are written to */
  fd?: number;
}

// ---- temporaries and recovery ---------------------------------------------------------------------

const TMP_SUFFIX = '.rfa-tmp';
const JOURNAL = /^\.rfa-commit\.(\d+)\.json(\.part)?$/;
/** A name longer than this (in bytes) is shortened in its temporary's name. */
const NAME_KEEP = 150;

/** Paths this process is writing and must remove if it stops. */
const active = new Set<string>();

/** FNV-1a, 32 bits, as 8 hex digits: tells apart two long names that begin alike. */
function hash8(s: string): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The part of a file name its temporaries carry: the name, or its start and a hash of the whole. */
function stem(name: string): string {
  if (Buffer.byteLength(name) <= NAME_KEEP) return name;
  let cut = '';
  for (const ch of name) {
    if (Buffer.byteLength(cut + ch) > 100) break;
    cut += ch;
  }
  return `${cut}~${hash8(name)}`;
}

/** The temporary of `real` for process `pid` (same folder, so the rename is atomic). */
export function temporaryFor(real: string, pid = process.pid): string {
  return join(dirname(real), `.${stem(basename(real))}.${pid}${TMP_SUFFIX}`);
}

// ---- locks: two runs writing the same files take turns --------------------------------------------

const LOCK_SUFFIX = '.rfa-lock';
/** Locks this process holds, each by one operation (a write may run while another one of this process waits). */
const held = new Map<string, symbol>();
/** How long a run waits for another run's lock on the same file before it gives up. */
const LOCK_WAIT_MS = 60_000;

/** The lock of an output file: held while its new contents are staged and committed. */
function lockFor(real: string): string {
  return join(dirname(real), `.${stem(basename(real))}${LOCK_SUFFIX}`);
}

/** Whether the process that took a lock has ended (a lock it had no time to fill counts once it is 10 s old). */
function lockOwnerGone(lock: string): boolean {
  try {
    const [pid, started] = readFileSync(lock, 'utf8').split(' ');
    if (!pid || !/^\d+$/.test(pid)) return Date.now() - lstatSync(lock).mtimeMs > 10_000;
    return processGone(Number(pid), started || null);
  } catch {
    return false;
  }
}

/**
 * Create `lock` holding this process's pid and start time, or fail with EEXIST. The contents are written
 * to this process's temporary of `real` and hard-linked to the lock's name, so a lock never exists empty:
 * a lock created with open('wx') and then written was left empty by a SIGKILL between the two, and an
 * empty lock must be presumed live for a while (its owner may be about to write it), which left it
 * behind the next run's recovery. Where the filesystem has no hard links, open('wx') and a write.
 */
function createLock(lock: string, real: string): void {
  const content = `${process.pid} ${SELF_START ?? ''}`;
  const tmp = temporaryFor(real); // not in use: a write stages it only once it holds the lock
  active.add(tmp);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, lock);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    }
  } finally {
    rmSync(tmp, { force: true });
    active.delete(tmp);
  }
  const fd = openSync(lock, 'wx');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/** Take the locks of these files (in one order, so two runs cannot deadlock), waiting for a running holder. */
async function acquire(targets: readonly OutputTarget[], owner: symbol): Promise<void> {
  const byLock = new Map(targets.map((t) => [lockFor(t.real), t]));
  for (const lock of [...byLock.keys()].sort()) {
    const who = byLock.get(lock)!;
    if (held.get(lock) === owner) continue;
    const until = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (held.has(lock)) {
        await new Promise((r) => setTimeout(r, 5)); // another write of this process holds it
        continue;
      }
      try {
        createLock(lock, who.real);
        active.add(lock);
        held.set(lock, owner);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new OutputError(who.flag, who.path, e);
      }
      if (ownFile(lock) && lockOwnerGone(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > until) throw new OutputError(who.flag, who.path, new Error(`another process holds ${lock} (remove it if no rfa is running)`));
      await new Promise((r) => setTimeout(r, 20)); // another run is committing the same file: wait for it
    }
  }
}

function release(locks: Iterable<string>, owner: symbol): void {
  for (const lock of locks) {
    if (held.get(lock) !== owner) continue;
    held.delete(lock);
    active.delete(lock);
    rmSync(lock, { force: true });
  }
}

/** How many commits this process has made (the CLI says whether a stopped run wrote anything). */
let commits = 0;
export function commitsMade(): number {
  return commits;
}

/** Remove every temporary this process has open (for signal handlers); never throws. */
export function removeTemporaries(): void {
  for (const p of active) {
    try {
      rmSync(p, { force: true });
    } catch {
      // best effort: the next write to this path removes it
    }
  }
  active.clear();
}

/** A process's state and start time (field 22 of /proc/<pid>/stat, ticks since boot); null without /proc. */
function procStat(pid: number): { state: string; start: string } | null | 'none' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return existsSync('/proc/self/stat') ? 'none' : null; // 'none': Linux, and no such process
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, start: f[19]! };
}

/** This process's start time, recorded in its journals and locks: a later process given the same pid differs. */
const SELF_START = (() => {
  const st = procStat(process.pid);
  return st && st !== 'none' ? st.start : null;
})();

/**
 * Whether process `pid` (started at `started`, when known) has ended. A pid reused by another
 * process (another start time), a zombie, and this very pid of an earlier process in a container
 * all count as ended.
 */
function processGone(pid: number, started: string | null = null): boolean {
  if (pid === process.pid) return started !== null && SELF_START !== null && started !== SELF_START;
  const st = procStat(pid);
  if (st === 'none') return true;
  if (st !== null) return st.state === 'Z' || (started !== null && st.start !== started);
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** A temporary of process `pid` is stale when that process has ended, or when it is this pid's but not this process's. */
function staleTemporary(path: string, pid: number): boolean {
  return pid === process.pid ? !active.has(path) : processGone(pid);
}

const uid = typeof process.getuid === 'function' ? process.getuid() : null;

/** A regular file (not a link, FIFO or device) owned by this user: the only kind recovery reads, renames or removes. */
function ownFile(p: string): boolean {
  try {
    const st = lstatSync(p);
    return st.isFile() && (uid === null || st.uid === uid);
  } catch {
    return false;
  }
}

interface Journal { pairs: [string, string][]; journals: string[]; started: string | null }

/** A journal is rfa's only if every pair is a target and its own temporary of that pid, and its journals sit beside them. */
function validJournal(j: unknown, pid: number, path: string): j is Journal {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return false;
  if (Object.keys(j).some((k) => k !== 'pairs' && k !== 'journals' && k !== 'started')) return false;
  const { pairs, journals, started } = j as Partial<Journal>;
  if (!Array.isArray(pairs) || !Array.isArray(journals) || pairs.length === 0 || !journals.includes(path)) return false;
  if (started !== undefined && started !== null && typeof started !== 'string') return false;
  const dirs = new Set<string>();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return false;
    if (!isAbsolute(pair[1]) || pair[0] !== temporaryFor(pair[1], pid)) return false;
    dirs.add(dirname(pair[1]));
  }
  const expected = [...dirs].map((d) => join(d, `.rfa-commit.${pid}.json`)).sort();
  return journals.length === expected.length && [...journals].sort().every((p, i) => p === expected[i]);
}

/** Finish or undo the commit a journal of a dead process describes, if it concerns one of `targets`. */
function recoverJournal(path: string, pid: number, targets: Set<string>): void {
  if (!ownFile(path)) return;
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return; // written atomically: an unreadable journal is not one of ours; leave it alone
  }
  if (!validJournal(j, pid, path) || !j.pairs.some(([, real]) => targets.has(real))) return;
  if (!processGone(pid, j.started ?? null)) return; // this pid's own, still running
  // renames start only once every journal exists: then roll forward, else nothing was renamed
  const committed = j.journals.every(ownFile);
  for (const [tmp, real] of j.pairs) {
    if (!ownFile(tmp)) continue;
    if (committed) renameSync(tmp, real);
    else rmSync(tmp, { force: true });
  }
  for (const p of j.journals) if (ownFile(p)) rmSync(p, { force: true });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Complete or undo what a killed rfa process left for these paths: commits that wrote one of them
 * are finished when all their journals are there, else undone; its temporaries of these paths (and the `.name.<pid>.<ms>.tmp`
 * of rfa versions before 0.2) are removed. Only files owned by this user, named as rfa names them,
 * of processes that are gone, are touched.
 */
export function recoverOutputs(paths: Iterable<string>): void {
  const byDir = new Map<string, Set<string>>();
  const targets = new Set<string>();
  for (const p of paths) {
    targets.add(p);
    const d = dirname(p);
    if (!byDir.has(d)) byDir.set(d, new Set());
    byDir.get(d)!.add(basename(p));
  }
  for (const [dir, bases] of byDir) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const each = (fn: (name: string) => void) => {
      for (const name of names) {
        try {
          fn(name);
        } catch {
          // best effort, entry by entry: what cannot be cleaned now is left for the next write
        }
      }
    };
    each((name) => {
      const j = JOURNAL.exec(name);
      if (!j) return;
      if (!j[2]) recoverJournal(join(dir, name), Number(j[1]), targets);
      else if (staleTemporary(join(dir, name), Number(j[1])) && ownFile(join(dir, name))) rmSync(join(dir, name), { force: true });
    });
    const stale = [...bases].flatMap((b) => [
      new RegExp(`^\\.${escapeRe(stem(b))}\\.(\\d+)\\.rfa-tmp$`),
      new RegExp(`^\\.${escapeRe(b)}\\.(\\d+)\\.\\d{13}\\.tmp$`),
    ]);
    each((name) => {
      for (const re of stale) {
        const m = re.exec(name);
        if (m && staleTemporary(join(dir, name), Number(m[1])) && ownFile(join(dir, name))) rmSync(join(dir, name), { force: true });
      }
      if ([...bases].some((b) => name === `.${stem(b)}${LOCK_SUFFIX}`) && ownFile(join(dir, name)) && lockOwnerGone(join(dir, name))) {
        rmSync(join(dir, name), { force: true });
      }
    });
  }
}

/** In an output folder, rfa's own working files (temporaries, journals, locks), owned by this user; with `stale`, only those of ended processes. */
function leftovers(dir: string, names: string[], stale = true): string[] {
  return names.filter((n) => {
    if (!ownFile(join(dir, n))) return false;
    if (n.endsWith(LOCK_SUFFIX)) return !stale || lockOwnerGone(join(dir, n));
    const m = /^\..+\.(\d+)\.rfa-tmp$/.exec(n) ?? JOURNAL.exec(n);
    return m !== null && (!stale || staleTemporary(join(dir, n), Number(m[1])));
  });
}

/** Finish or undo what a killed rfa left in an accepted output folder, and remove its other leftovers. */
function cleanLeftovers(dir: string, names: string[]): void {
  const found = leftovers(dir, names);
  if (found.length === 0) return;
  const tmpTargets = found.flatMap((n) => {
    const m = /^\.(.+)\.(\d+)\.rfa-tmp$/.exec(n);
    return m ? [join(dir, m[1]!)] : [];
  });
  recoverOutputs([join(dir, OUTPUT_MARKER), ...names.map((n) => join(dir, n)), ...tmpTargets]);
  for (const n of leftovers(dir, readdirSync(dir))) rmSync(join(dir, n), { force: true }); // shortened names, orphan journals
}

// ---- checks ------------------------------------------------------------------------------------

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/** The folder a new or replaced file goes in must exist and be writable; returns its canonical path. */
function checkFolderOf(flag: string, path: string, dir: string): string {
  let st: Stats;
  try {
    st = statSync(dir);
  } catch {
    throw new ConfigError(flag, path, `a path in an existing folder (${dir} does not exist; create it first)`);
  }
  if (!st.isDirectory()) throw new ConfigError(flag, path, `a path in a folder (${dir} is not a folder)`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(flag, path, `a path in a folder you can write to (${dir} is not writable)`);
  }
  return realpathSync.native(dir);
}

/** `path` made absolute without collapsing `..` by hand: the system resolves `link/..` as the link's parent. */
const absolute = (path: string) => (isAbsolute(path) ? path : `${process.cwd()}/${path}`);

/** A path that names an open file of a process (/dev/stdout, /dev/fd/3, /proc/self/fd/1): always written through. */
/** This process's file descriptor a path names (/dev/stdout is 1, /dev/fd/3 is 3), or null. */
function fdOf(path: string): number | null {
  if (path === '/dev/stdin') return 0;
  if (path === '/dev/stdout') return 1;
  if (path === '/dev/stderr') return 2;
  const m = /^\/(?:dev\/fd|proc\/(?:self|\d+)\/fd)\/(\d+)$/.exec(path);
  if (!m || (path.startsWith('/proc/') && !path.startsWith('/proc/self/') && !path.startsWith(`/proc/${process.pid}/`))) return null;
  return Number(m[1]);
}

/** Check one output path before any work; see the module header for what is allowed. */
export function checkOutputFile(flag: string, path: unknown): OutputTarget {
  if (typeof path !== 'string' || path.length === 0) throw new ConfigError(flag, path, 'a non-empty path');
  if (path.includes('\0')) throw new ConfigError(flag, path, 'a path without NUL characters');
  if (path.endsWith('/')) throw new ConfigError(flag, path, 'a file path (it ends with /, which names a folder)');
  const given = absolute(path);
  const fd = fdOf(given);
  if (fd !== null) {
    // an open descriptor (stdout may be a pipe, a socket or a file): written to as it is, never reopened
    if (fd === 0) throw new ConfigError(flag, path, 'an output (it names the standard input)');
    try {
      fstatSync(fd);
    } catch {
      throw new ConfigError(flag, path, `an open file descriptor (${fd} is not open)`);
    }
    return { flag, path, real: given, mode: 'through', fd };
  }
  // follow the links of the last component ourselves, trusting only links of this user (or root):
  // a link another user planted in a shared folder must not make rfa replace the file it names
  let real = given;
  for (let hops = 0; ; hops++) {
    let l: Stats | null;
    try {
      l = lstatOrNull(real);
    } catch (e) {
      throw new ConfigError(flag, path, `a path rfa can write (${(e as Error).message})`);
    }
    if (!l?.isSymbolicLink()) break;
    if (hops >= 40) throw new ConfigError(flag, path, 'a path without a symlink loop');
    if (uid !== null && l.uid !== uid && l.uid !== 0) throw new ConfigError(flag, path, `a path without another user's symlink (${real} belongs to user ${l.uid}; rfa does not follow it)`);
    const link = readlinkSync(real);
    real = isAbsolute(link) ? link : `${dirname(real)}/${link}`;
  }
  if (fdOf(real) !== null) return checkOutputFile(flag, real); // a link to /dev/stdout and the like
  if (/^\/(proc|sys)\//.test(real)) throw new ConfigError(flag, path, 'a file outside /proc and /sys');
  const st = lstatOrNull(real);
  if (st) {
    if (st.isDirectory()) throw new ConfigError(flag, path, 'a file path, not a folder');
    if (st.isSocket()) throw new ConfigError(flag, path, 'a regular file, a device or a FIFO (it is a socket)');
    try {
      accessSync(real, constants.W_OK);
    } catch {
      throw new ConfigError(flag, path, `a file you can write to (${path} is read-only)`);
    }
    if (!st.isFile()) return { flag, path, real, mode: 'through' }; // a device or a FIFO: written in place
  }
  const dir = checkFolderOf(flag, path, dirname(real));
  return { flag, path, real: join(dir, basename(real)), mode: 'replace' };
}

/**
 * Check every output of a run before any work, and that no two of them name the same file (two
 * write-through targets may: /dev/null twice is harmless). Then recover what a killed run left at
 * those paths.
 */
export function checkOutputFiles(outputs: readonly { flag: string; path: unknown }[]): OutputTarget[] {
  const targets = outputs.map((o) => checkOutputFile(o.flag, o.path));
  const seen = new Map<string, OutputTarget>();
  for (const t of targets) {
    let key = t.real;
    try {
      const st = statSync(t.real);
      key = `${st.dev}:${st.ino}`; // hard links and /dev/fd aliases name one file
    } catch {
      // a new file: its path is its identity
    }
    const other = seen.get(key) ?? (t.mode === 'replace' ? seen.get(temporaryFor(t.real)) : undefined);
    if (other && !(other.mode === 'through' && t.mode === 'through')) {
      throw new ConfigError(t.flag, t.path, `a different file from ${other.flag} (${other.path}): both would write ${t.real}`);
    }
    seen.set(key, t);
    if (t.mode === 'replace') seen.set(temporaryFor(t.real), t); // a crafted short name may shorten like a long one
  }
  recoverOutputs(targets.filter((t) => t.mode === 'replace').map((t) => t.real));
  return targets;
}

// ---- writing -------------------------------------------------------------------------------------

/** Write bytes to a new file and flush them to the disk before returning. */
function writeDurable(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'wx');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write the outputs of one run as one transaction (see the module header): every file to replace is
 * staged in its temporary, then the write-through targets (devices, FIFOs) get their bytes, then the
 * journals, then the renames. A failure before the renames names the flag and path and replaces
 * nothing. Targets must come from checkOutputFiles. Each file's lock is held meanwhile (`owner`
 * lets a caller that holds some of them already, such as writeIntoFolder, pass them on).
 */
export async function writeOutputs(items: readonly { target: OutputTarget; data: string | Uint8Array }[], owner: symbol = Symbol('write')): Promise<void> {
  const replace = items.filter((i) => i.target.mode === 'replace').map((i) => i.target);
  const mine = replace.map((t) => lockFor(t.real)).filter((l) => held.get(l) !== owner);
  try {
    await acquire(replace, owner);
    await commitLocked(items);
  } finally {
    release(mine, owner);
  }
}

async function commitLocked(items: readonly { target: OutputTarget; data: string | Uint8Array }[]): Promise<void> {
  const staged: { tmp: string; target: OutputTarget }[] = [];
  let journals: string[] = [];
  let current: OutputTarget | undefined;
  try {
    recoverOutputs(items.filter((i) => i.target.mode === 'replace').map((i) => i.target.real)); // under the locks
    for (const { target, data } of items) {
      if (target.mode !== 'replace') continue;
      current = target;
      const tmp = temporaryFor(target.real);
      rmSync(tmp, { force: true }); // this process's own, from an earlier failed write
      active.add(tmp);
      staged.push({ tmp, target });
      writeDurable(tmp, data);
      try {
        chmodSync(tmp, statSync(target.real).mode & 0o7777); // keep the replaced file's permissions
      } catch {
        // a new file: the umask decides, as for any new file
      }
    }
    for (const { target, data } of items) {
      if (target.mode !== 'through') continue;
      current = target;
      if (target.fd !== undefined) await writeToFd(target.fd, data);
      else await writeFile(target.real, data); // off the main thread: a FIFO with no reader does not block signals
    }
    current = undefined;
    // a pause before the commit: a signal that came during the synchronous work above is handled now,
    // and the run ends with nothing replaced. Signals are read in the event loop's poll phase; two
    // turns of the check phase always have a poll phase between them (one turn, or a timer, may not)
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    if (staged.length > 1) journals = writeJournals(staged);
  } catch (e) {
    for (const j of journals) rmSync(j, { force: true }); // journals first: without them nothing rolls forward
    for (const s of staged) {
      rmSync(s.tmp, { force: true });
      active.delete(s.tmp);
    }
    const t = current ?? staged[0]?.target ?? items[0]!.target;
    throw new OutputError(t.flag, t.path, e);
  }
  // the commit point: from here on the new files win, even if this process dies or a rename fails
  // (the journals and temporaries then stay for recovery, so no cleanup of this process may remove them)
  for (const s of staged) active.delete(s.tmp);
  for (const j of journals) active.delete(j);
  commits++;
  for (const s of staged) {
    try {
      renameSync(s.tmp, s.target.real);
    } catch (e) {
      throw new OutputError(s.target.flag, s.target.path, e, true);
    }
  }
  syncFolders(staged.map((s) => dirname(s.target.real)));
  for (const j of journals) rmSync(j, { force: true });
}

/** Flush the folders' entries (the renames) to the disk, so the commit also survives a power loss. */
function syncFolders(dirs: string[]): void {
  for (const d of new Set(dirs)) {
    try {
      const fd = openSync(d, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // some file systems cannot fsync a folder; the renames are still atomic
    }
  }
}

/** Write to an open descriptor: stdout and stderr through their streams (so the order with other output holds). */
async function writeToFd(fd: number, data: string | Uint8Array): Promise<void> {
  const stream = fd === 1 ? process.stdout : fd === 2 ? process.stderr : null;
  if (stream) {
    await new Promise<void>((resolve, reject) => stream.write(data, (e) => (e ? reject(e) : resolve())));
    return;
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      await new Promise((r) => setTimeout(r, 5)); // a non-blocking pipe that is full: wait for its reader
    }
  }
}

/** One journal per folder involved, each listing every rename and every journal; written atomically. */
function writeJournals(staged: { tmp: string; target: OutputTarget }[]): string[] {
  const dirs = [...new Set(staged.map((s) => dirname(s.tmp)))];
  const journals = dirs.map((d) => join(d, `.rfa-commit.${process.pid}.json`));
  const body = JSON.stringify({ pairs: staged.map((s) => [s.tmp, s.target.real]), journals, started: SELF_START } satisfies Journal);
  for (const j of journals) {
    const part = `${j}.part`;
    rmSync(part, { force: true });
    active.add(part);
    active.add(j);
    writeDurable(part, body);
    renameSync(part, j);
    active.delete(part);
  }
  return journals;
}

/** Write one file atomically (a temporary, then a rename), after the checks of checkOutputFile. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, flag = path): Promise<void> {
  await writeOutputs([{ target: checkOutputFiles([{ flag, path }])[0]!, data }]);
}

export async function writeNpyFile(path: string, data: NpyData, shape: readonly number[], flag = path): Promise<void> {
  await writeFileAtomic(path, writeNpy(data, shape), flag);
}

// ---- output folders (--out) ------------------------------------------------------------------------

/** The marker file an rfa output folder holds: which files rfa wrote there. */
export const OUTPUT_MARKER = '.rfa-output.json';
/** Names of files rfa writes in an output folder: plain names, no path. */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface Marker { tool: 'rfa'; files: string[] }

/** An output folder, checked: new, empty, or one rfa wrote before (it holds OUTPUT_MARKER). */
export interface OutputFolder {
  flag: string;
  path: string;
  /** absolute, canonical */
  real: string;
  exists: boolean;
  /** the files rfa wrote there before (from its marker) */
  files: string[];
}

function readMarker(dir: string): Marker | null {
  const p = join(dir, OUTPUT_MARKER);
  if (!ownFile(p)) return null; // a FIFO, a link or another user's file is not a marker
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Marker;
    if (m.tool === 'rfa' && Array.isArray(m.files) && m.files.every((f) => typeof f === 'string' && PLAIN_NAME.test(f))) return m;
  } catch {
    // not ours
  }
  return null;
}

/**
 * Check an output folder before any work: it must be new (its parent exists and is writable, and a
 * folder can be made there), empty, or a folder rfa wrote (it holds OUTPUT_MARKER). With `replace`
 * (a report, which replaces rfa's files there), it must hold nothing but rfa's files. Anything else
 * is refused, naming it.
 */
export function checkOutputFolder(
  flag: string, path: unknown, { replace = false, names = [] }: { replace?: boolean; names?: readonly string[] } = {},
): OutputFolder {
  if (typeof path !== 'string' || path.length === 0) throw new ConfigError(flag, path, 'a non-empty folder path');
  if (path.includes('\0')) throw new ConfigError(flag, path, 'a path without NUL characters');
  const abs = absolute(path);
  let st: Stats | null;
  try {
    st = statSync(abs); // follows a symlink to a folder
  } catch {
    st = null;
  }
  if (st === null) {
    if (lstatOrNull(abs)) throw new ConfigError(flag, path, 'a folder path (it is a dangling symlink)');
    const parent = checkFolderOf(flag, path, dirname(abs));
    const real = join(parent, basename(abs));
    try {
      mkdirSync(real); // prove a folder can be made here (not so in /proc), then leave no trace
      rmdirSync(real);
    } catch (e) {
      throw new ConfigError(flag, path, `a folder rfa can create (${(e as Error).message})`);
    }
    return { flag, path, real, exists: false, files: [] };
  }
  if (!st.isDirectory()) throw new ConfigError(flag, path, 'a folder for rfa to write into (it is a file; rfa never replaces a file with a folder)');
  const real = realpathSync.native(abs);
  try {
    accessSync(real, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(flag, path, 'a folder you can write to');
  }
  const all = readdirSync(real);
  const working = new Set(leftovers(real, all, false)); // rfa's temporaries, journals, locks: a run's, or a killed run's
  const entries = all.filter((e) => !working.has(e));
  if (entries.length === 0) {
    cleanLeftovers(real, all);
    return { flag, path, real, exists: true, files: [] };
  }
  const marker = readMarker(real);
  if (!marker) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
    throw new ConfigError(flag, path,
      `a new or empty folder, or one rfa wrote before (holding ${OUTPUT_MARKER}): it holds ${shown}, which rfa did not write, so rfa will not write there`);
  }
  const foreign = entries.filter((e) => e !== OUTPUT_MARKER && !marker.files.includes(e));
  if (replace && foreign.length > 0) {
    throw new ConfigError(flag, path,
      `a folder rfa may replace: it holds ${foreign.slice(0, 3).join(', ')}, which rfa did not write (move it, or choose another folder)`);
  }
  const clash = names.filter((n) => foreign.includes(n));
  if (clash.length > 0) throw new ConfigError(flag, path, `a folder where ${clash[0]} is rfa's own: that file exists and rfa did not write it`);
  // a file rfa wrote there must still be a file of this user's: a link or a folder in its place is not followed
  for (const n of [...names, OUTPUT_MARKER]) {
    if (entries.includes(n) && !ownFile(join(real, n))) {
      throw new ConfigError(flag, path, `a folder whose ${n} is a file rfa wrote (it is now a link, a folder or another user's file)`);
    }
  }
  cleanLeftovers(real, all);
  return { flag, path, real, exists: true, files: marker.files };
}

/**
 * Write files into an output folder as one transaction with its marker: the folder is checked
 * again, made if new (its own permissions are kept if not), and a file of the same name that rfa
 * did not write is refused. Experiments add to what is there; with `replace` (a report) rfa's other
 * files there are removed once the new ones are in. Returns the paths written.
 */
export async function writeIntoFolder(
  folderIn: OutputFolder, files: readonly { name: string; data: string | Uint8Array }[], { replace = false }: { replace?: boolean } = {},
): Promise<string[]> {
  for (const f of files) if (!PLAIN_NAME.test(f.name)) throw new ConfigError('file name', f.name, 'a plain file name');
  const names = files.map((f) => f.name);
  let folder = checkOutputFolder(folderIn.flag, folderIn.path, { replace, names });
  if (!folder.exists) {
    try {
      mkdirSync(folder.real);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new OutputError(folder.flag, folder.path, e); // EEXIST: another run made it
    }
  }
  // the marker's lock is held from reading the folder to writing the new marker: two runs adding to one
  // folder at once each keep the other's files in the marker
  const markerPath = join(folder.real, OUTPUT_MARKER);
  const markerLock = lockFor(markerPath);
  const owner = Symbol('folder');
  await acquire([{ flag: folder.flag, path: folder.path, real: markerPath, mode: 'replace' }], owner);
  try {
    folder = checkOutputFolder(folderIn.flag, folderIn.path, { replace, names });
    // the marker lists the old files too until they are gone, so a kill in between leaves none unaccounted for
    const all = [...new Set([...folder.files, ...names])];
    const marker = (list: string[]) => JSON.stringify({ tool: 'rfa', files: list } satisfies Marker, null, 1) + '\n';
    const targets = checkOutputFiles([...names, OUTPUT_MARKER].map((n) => ({ flag: folder.flag, path: join(folder.real, n) })));
    await writeOutputs(targets.map((target, i) => ({ target, data: i < files.length ? files[i]!.data : marker(all) })), owner);
    if (replace && all.length > names.length) {
      for (const old of folder.files) if (!names.includes(old) && ownFile(join(folder.real, old))) rmSync(join(folder.real, old), { force: true });
      await writeOutputs(checkOutputFiles([{ flag: folder.flag, path: markerPath }]).map((target) => ({ target, data: marker(names) })), owner);
    }
  } finally {
    release([markerLock], owner);
  }
  return names.map((n) => join(folder.path, n));
}

// ---- reading ---------------------------------------------------------------------------------------

/** The most an input file may hold: a .npy beyond the 4 GiB of WASM memory could not be trained on. */
export const MAX_NPY_BYTES = 4 * 2 ** 30 + 2 ** 20;
/** The most a --config file may hold. */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/**
 * Read an input file: a regular file, or a pipe (`--data <(python make.py)`, a FIFO), never more
 * than `limit` bytes. A device such as /dev/zero, which never ends, is refused instead of filling the
 * memory. The reads run off the main thread, so a FIFO that nobody writes does not block Ctrl-C.
 */
export async function readInput(path: string, what: string, kind: string, limit: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new ConfigError(what, path, `a readable ${kind} (${(e as Error).message})`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ConfigError(what, path, `a readable ${kind} (it is a folder)`);
    if (st.isCharacterDevice() || st.isBlockDevice()) throw new ConfigError(what, path, `a ${kind} in a regular file or a pipe (it is a device)`);
    if (st.isFile() && st.size > limit) throw new ConfigError(what, path, `a ${kind} of at most ${limit} bytes (it holds ${st.size})`);
    const parts: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(Math.min(1 << 24, limit + 1)); // one buffer, reused: a pipe gives 64 KiB a read
    for (;;) {
      let got: number;
      try {
        ({ bytesRead: got } = await fh.read(buf, 0, Math.min(buf.length, limit + 1 - total), null));
      } catch (e) {
        throw new ConfigError(what, path, `a readable ${kind} (${(e as Error).message})`);
      }
      if (got === 0) break;
      parts.push(buf.slice(0, got));
      total += got;
      if (total > limit) throw new ConfigError(what, path, `a ${kind} of at most ${limit} bytes (it goes on beyond that)`);
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  } finally {
    await fh.close();
  }
}

export async function readNpyFile(path: string, what: string): Promise<NpyArray> {
  return readNpy(await readInput(path, what, '.npy file', MAX_NPY_BYTES), `${what} (${path})`);
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = new TextDecoder('utf-8').decode(await readInput(path, what, 'JSON file', MAX_JSON_BYTES));
  return parseJsonStrict(text, what, path);
}

/**
 * JSON.parse, refusing an object with a repeated key (JSON.parse silently keeps the last value, as
 * NumPy does with .npy headers; both are refused here).
 */
export function parseJsonStrict(text: string, what: string, path: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(what, path, `valid JSON (${(e as Error).message})`);
  }
  const dup = repeatedKey(text);
  if (dup !== null) throw new ConfigError(what, path, `JSON without a repeated key (${JSON.stringify(dup)} appears twice in one object)`);
  return value;
}

/** The first key repeated within one object of a valid JSON text, or null. */
function repeatedKey(text: string): string | null {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1]!;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') expectKey = stack[stack.length - 1] !== null && stack.length > 0;
  }
  return null;
}
