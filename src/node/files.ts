// Node-only file output that never loses anything.
//
// - Every output path is checked before any work (checkOutputFiles): not empty, not a folder, its
//   folder exists and is writable, no two outputs name the same file.
// - A regular file (or a new one) is replaced atomically: the bytes go to a temporary in the same
//   folder, `.<name>.<pid>.rfa-tmp`, which is renamed over it. A symlink is followed and its target
//   replaced. Anything else (a device such as /dev/null or /dev/stdout, a FIFO) is written through,
//   as Unix tools do, never replaced.
// - The outputs of one run are one transaction (writeOutputs): every temporary is written and
//   flushed first; then a journal `.rfa-commit.<pid>.json` listing them is written (in each folder
//   involved); only then are they renamed; then the journals go. A process killed at any moment
//   leaves either the old files or, once the journals exist, a commit that the next write to that
//   folder completes (recoverOutputs): never new weights beside an old history.
// - Temporaries of this process are removed on error, and by removeTemporaries() (the CLI calls it
//   on SIGINT and SIGTERM); those of a dead process are removed by the next write to their folder.
import {
  closeSync, constants, existsSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync,
  realpathSync, renameSync, rmSync, statSync, writeFileSync, writeSync, accessSync, chmodSync, type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { readNpy, writeNpy, type NpyArray, type NpyData } from '../npy.js';

/** A write that failed after the checks passed (a full disk, a folder removed meanwhile): names the flag and path. */
export class OutputError extends Error {
  readonly flag: string;
  readonly path: string;
  constructor(flag: string, path: string, cause: unknown, committed = false) {
    super(`${flag}: could not write ${path}: ${(cause as Error)?.message ?? String(cause)}; ` +
      (committed ? 'the other files of this run were written; the next write to this folder completes the commit'
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
}

// ---- temporaries and recovery ---------------------------------------------------------------------

const TMP_SUFFIX = '.rfa-tmp';
const OLD_SUFFIX = '.rfa-old';
const JOURNAL = /^\.rfa-commit\.(\d+)\.json(\.part)?$/;
/** this version's temporaries and old folders, and the `.name.<pid>.<ms>.tmp` of earlier versions */
const STALE = [/^\..+\.(\d+)\.rfa-tmp$/, /^\..+\.(\d+)\.\d+\.tmp$/];
const STALE_OLD = /^\.(.+)\.(\d+)\.rfa-old$/;

/** Paths (files or folders) this process is writing and must remove if it stops. */
const active = new Set<string>();

/** The temporary for `real` (same folder, so the rename is atomic); long names are cut to stay under NAME_MAX. */
export function temporaryFor(real: string, suffix = TMP_SUFFIX): string {
  const name = suffix === TMP_SUFFIX ? basename(real).slice(0, 180) : basename(real);
  return join(dirname(real), `.${name}.${process.pid}${suffix}`);
}

/** Remove every temporary this process has open (for SIGINT/SIGTERM handlers); never throws. */
export function removeTemporaries(): void {
  for (const p of active) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort: the next write to this folder removes it
    }
  }
  active.clear();
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Journal { pairs: [string, string][]; journals: string[] }

/** Finish or undo the commit a journal describes (its process is dead). */
function recoverJournal(path: string): void {
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
    if (!Array.isArray(j.pairs) || !Array.isArray(j.journals)) throw new Error('not a journal');
  } catch {
    rmSync(path, { force: true }); // written atomically, so unreadable means not ours
    return;
  }
  // renames start only once every journal exists: then roll forward, else nothing was renamed
  const committed = j.journals.every((p) => existsSync(p));
  for (const [tmp, real] of j.pairs) {
    if (!existsSync(tmp)) continue;
    if (committed) renameSync(tmp, real);
    else rmSync(tmp, { force: true });
  }
  for (const p of j.journals) rmSync(p, { force: true });
}

/**
 * Complete or undo what a killed rfa process left in these folders: commits whose journals are all
 * there are finished, the rest undone; temporaries of dead processes are removed; a report folder
 * moved aside (`.name.<pid>.rfa-old`) is put back when its replacement never arrived.
 */
export function recoverOutputs(dirs: Iterable<string>): void {
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    // best effort, entry by entry: what cannot be cleaned now is left for the next write
    const each = (fn: (name: string) => void) => {
      for (const name of names) {
        try {
          fn(name);
        } catch {
          // e.g. a folder of another user's: not ours to clean
        }
      }
    };
    each((name) => {
      const j = JOURNAL.exec(name);
      if (j && !pidAlive(Number(j[1]))) {
        if (j[2]) rmSync(join(dir, name), { force: true });
        else recoverJournal(join(dir, name));
      }
    });
    each((name) => {
      const old = STALE_OLD.exec(name);
      if (old && !pidAlive(Number(old[2]))) {
        const target = join(dir, old[1]!);
        if (existsSync(target)) rmSync(join(dir, name), { recursive: true, force: true });
        else renameSync(join(dir, name), target);
        return;
      }
      for (const re of STALE) {
        const m = re.exec(name);
        if (m && !pidAlive(Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
      }
    });
  }
}

// ---- checks ------------------------------------------------------------------------------------

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return null;
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
  return realpathSync(dir);
}

/** Check one output path before any work; see the module header for what is allowed. */
export function checkOutputFile(flag: string, path: unknown): OutputTarget {
  if (typeof path !== 'string' || path.length === 0) throw new ConfigError(flag, path, 'a non-empty path');
  if (path.includes('\0')) throw new ConfigError(flag, path, 'a path without NUL characters');
  let real = resolve(path);
  for (let hops = 0; ; hops++) {
    let st: Stats | null;
    try {
      st = lstatOrNull(real);
    } catch (e) {
      throw new ConfigError(flag, path, `a path rfa can write (${(e as Error).message})`);
    }
    if (st === null) break; // a new file
    if (st.isSymbolicLink()) {
      if (hops >= 40) throw new ConfigError(flag, path, 'a path without a symlink loop');
      real = resolve(dirname(real), readlinkSync(real));
      continue;
    }
    if (st.isDirectory()) throw new ConfigError(flag, path, 'a file path, not a folder');
    if (st.isSocket()) throw new ConfigError(flag, path, 'a regular file, a device or a FIFO (it is a socket)');
    try {
      accessSync(real, constants.W_OK);
    } catch {
      throw new ConfigError(flag, path, `a file you can write to (${real} is read-only)`);
    }
    if (!st.isFile()) return { flag, path, real, mode: 'through' };
    break;
  }
  const dir = checkFolderOf(flag, path, dirname(real));
  return { flag, path, real: join(dir, basename(real)), mode: 'replace' };
}

/** Check every output of a run before any work, and that no two of them name the same file. */
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
    const other = seen.get(key);
    if (other) throw new ConfigError(t.flag, t.path, `a different file from ${other.flag} (${other.path}): both would write ${t.real}`);
    seen.set(key, t);
  }
  recoverOutputs(targets.filter((t) => t.mode === 'replace').map((t) => dirname(t.real)));
  return targets;
}

// ---- writing -------------------------------------------------------------------------------------

/** Write bytes to a new file and flush them to the disk before returning. */
function writeDurable(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'w');
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
 * nothing; targets must come from checkOutputFiles.
 */
export function writeOutputs(items: readonly { target: OutputTarget; data: string | Uint8Array }[]): void {
  const staged: { tmp: string; target: OutputTarget }[] = [];
  let journals: string[] = [];
  let current: OutputTarget | undefined;
  try {
    for (const { target, data } of items) {
      if (target.mode !== 'replace') continue;
      current = target;
      const tmp = temporaryFor(target.real);
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
      writeFileSync(target.real, data);
    }
    current = undefined;
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
  // the commit point: from here on the new files win, even if this process dies
  for (const s of staged) {
    try {
      renameSync(s.tmp, s.target.real);
    } catch (e) {
      throw new OutputError(s.target.flag, s.target.path, e, true);
    }
    active.delete(s.tmp);
  }
  for (const j of journals) rmSync(j, { force: true });
}

/** One journal per folder involved, each listing every rename and every journal; written atomically. */
function writeJournals(staged: { tmp: string; target: OutputTarget }[]): string[] {
  const dirs = [...new Set(staged.map((s) => dirname(s.tmp)))];
  const journals = dirs.map((d) => join(d, `.rfa-commit.${process.pid}.json`));
  const body = JSON.stringify({ pairs: staged.map((s) => [s.tmp, s.target.real]), journals } satisfies Journal);
  for (const j of journals) {
    const part = `${j}.part`;
    active.add(part);
    writeDurable(part, body);
    renameSync(part, j);
    active.delete(part);
  }
  return journals;
}

/** Write one file atomically (a temporary, then a rename), after the checks of checkOutputFile. */
export function writeFileAtomic(path: string, data: string | Uint8Array, flag = path): void {
  writeOutputs([{ target: checkOutputFiles([{ flag, path }])[0]!, data }]);
}

export function writeNpyFile(path: string, data: NpyData, shape: readonly number[], flag = path): void {
  writeFileAtomic(path, writeNpy(data, shape), flag);
}

// ---- output folders (--out) ------------------------------------------------------------------------

/** The marker file an rfa output folder holds: which files rfa wrote there. */
export const OUTPUT_MARKER = '.rfa-output.json';

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
  try {
    const m = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')) as Marker;
    if (m.tool === 'rfa' && Array.isArray(m.files) && m.files.every((f) => typeof f === 'string' && !f.includes('/'))) return m;
  } catch {
    // no marker, or not ours
  }
  return null;
}

/**
 * Check an output folder before any work: it must be new (its parent exists and is writable),
 * empty, or a folder rfa wrote (it holds OUTPUT_MARKER). Anything else is refused, naming it.
 */
export function checkOutputFolder(flag: string, path: unknown, { replace = false }: { replace?: boolean } = {}): OutputFolder {
  if (typeof path !== 'string' || path.length === 0) throw new ConfigError(flag, path, 'a non-empty folder path');
  if (path.includes('\0')) throw new ConfigError(flag, path, 'a path without NUL characters');
  const abs = resolve(path);
  const parent = checkFolderOf(flag, path, dirname(abs));
  recoverOutputs([parent]);
  const real = join(parent, basename(abs));
  let st: Stats | null;
  try {
    st = statSync(real); // follows a symlink to a folder
  } catch {
    st = null;
  }
  if (st === null) {
    if (lstatOrNull(real)) throw new ConfigError(flag, path, 'a folder path (it is a dangling symlink)');
    return { flag, path, real, exists: false, files: [] };
  }
  if (!st.isDirectory()) throw new ConfigError(flag, path, 'a folder for rfa to write into (it is a file; rfa never replaces a file with a folder)');
  const target = realpathSync(real);
  const entries = readdirSync(target);
  if (entries.length === 0) return { flag, path, real: target, exists: true, files: [] };
  const marker = readMarker(target);
  if (!marker) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
    throw new ConfigError(flag, path,
      `a new or empty folder, or one rfa wrote before (holding ${OUTPUT_MARKER}): it holds ${shown}, which rfa did not write, so rfa will not write there`);
  }
  try {
    accessSync(target, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(flag, path, 'a folder you can write to');
  }
  recoverOutputs([target]);
  if (replace) {
    // the whole folder will be replaced: everything in it must be rfa's own
    const extra = readdirSync(target).filter((e) => e !== OUTPUT_MARKER && !marker.files.includes(e));
    if (extra.length > 0) {
      throw new ConfigError(flag, path,
        `a folder rfa may replace: it holds ${extra.slice(0, 3).join(', ')}, which rfa did not write (move it, or choose another folder)`);
    }
  }
  return { flag, path, real: target, exists: true, files: marker.files };
}

/**
 * Add files to an output folder (the experiment commands): the folder is checked again, created if
 * new, and the files and the updated marker are written as one transaction. A file of the same name
 * that rfa did not write is refused.
 */
export function writeIntoFolder(folderIn: OutputFolder, files: readonly { name: string; data: string | Uint8Array }[]): string[] {
  const folder = checkOutputFolder(folderIn.flag, folderIn.path);
  if (!folder.exists) {
    try {
      mkdirSync(folder.real);
    } catch (e) {
      throw new OutputError(folder.flag, folder.path, e);
    }
  }
  for (const f of files) {
    const p = join(folder.real, f.name);
    if (!folder.files.includes(f.name) && lstatOrNull(p)) {
      throw new ConfigError(folder.flag, folder.path, `a folder where ${f.name} is rfa's own: that file exists and rfa did not write it`);
    }
  }
  const names = [...new Set([...folder.files, ...files.map((f) => f.name)])];
  const marker: Marker = { tool: 'rfa', files: names };
  const targets = checkOutputFiles([...files.map((f) => ({ flag: folder.flag, path: join(folder.real, f.name) })), { flag: folder.flag, path: join(folder.real, OUTPUT_MARKER) }]);
  writeOutputs(targets.map((target, i) => ({ target, data: i < files.length ? files[i]!.data : JSON.stringify(marker, null, 1) + '\n' })));
  return files.map((f) => join(folder.path, f.name));
}

/**
 * Write a whole folder (the report) and put it in place at once: `fill` writes into a temporary
 * folder beside it and returns the names it wrote; the marker is added; then the folder replaces
 * the target, which must still be new, empty, or an rfa folder holding only files rfa wrote.
 */
export async function writeFolder(folderIn: OutputFolder, fill: (dir: string) => Promise<string[]>): Promise<string> {
  const first = checkOutputFolder(folderIn.flag, folderIn.path, { replace: true });
  const tmp = temporaryFor(first.real);
  rmSync(tmp, { recursive: true, force: true });
  active.add(tmp);
  try {
    mkdirSync(tmp);
    const names = await fill(tmp);
    writeFileSync(join(tmp, OUTPUT_MARKER), JSON.stringify({ tool: 'rfa', files: names } satisfies Marker, null, 1) + '\n');
    const folder = checkOutputFolder(folderIn.flag, folderIn.path, { replace: true }); // again: it may have changed meanwhile
    if (folder.exists && folder.files.length > 0) {
      const old = temporaryFor(folder.real, OLD_SUFFIX);
      active.add(old);
      renameSync(folder.real, old); // a kill here is undone by recoverOutputs (the old folder comes back)
      renameSync(tmp, folder.real);
      rmSync(old, { recursive: true, force: true });
      active.delete(old);
    } else {
      renameSync(tmp, folder.real); // onto a new path, or over an empty folder
    }
    active.delete(tmp);
    return folder.real;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    active.delete(tmp);
    if (e instanceof ConfigError) throw e;
    throw new OutputError(folderIn.flag, folderIn.path, e);
  }
}

// ---- reading ---------------------------------------------------------------------------------------

/** The most an input file may hold: a .npy beyond the 4 GiB of WASM memory could not be trained on. */
export const MAX_NPY_BYTES = 4 * 2 ** 30 + 2 ** 20;
/** The most a --config file may hold. */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/**
 * Read an input file: a regular file, or a pipe (`--data <(python make.py)`), never more than `limit`
 * bytes. A device such as /dev/zero, which never ends, is refused instead of filling the memory.
 */
export function readInput(path: string, what: string, kind: string, limit: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ConfigError(what, path, `a readable ${kind} (${(e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ConfigError(what, path, `a readable ${kind} (it is a folder)`);
    if (st.isCharacterDevice() || st.isBlockDevice()) throw new ConfigError(what, path, `a ${kind} in a regular file or a pipe (it is a device)`);
    if (st.isFile() && st.size > limit) throw new ConfigError(what, path, `a ${kind} of at most ${limit} bytes (it holds ${st.size})`);
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(Math.min(1 << 24, limit + 1 - total));
      let got: number;
      try {
        got = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue; // a non-blocking pipe with nothing yet
        throw new ConfigError(what, path, `a readable ${kind} (${(e as Error).message})`);
      }
      if (got === 0) break;
      parts.push(buf.subarray(0, got));
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
    closeSync(fd);
  }
}

export function readNpyFile(path: string, what: string): NpyArray {
  return readNpy(readInput(path, what, '.npy file', MAX_NPY_BYTES), `${what} (${path})`);
}

export function readJsonFile(path: string, what: string): unknown {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(readInput(path, what, 'JSON file', MAX_JSON_BYTES));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(what, path, `valid JSON (${(e as Error).message})`);
  }
}
