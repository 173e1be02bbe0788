// An append-only NDJSON file that survives a crash at any moment: each record is one line written by one
// write() and flushed to disk (fsync) before the next, so a crash leaves every completed line intact and
// at most a torn last line, which reading drops and the next writer cuts off before appending. Errors
// (a full disk, an unwritable folder) are NdjsonErrors naming the file; lines already written stay.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, readFileSync, statSync, writeSync } from 'node:fs';

/** A results file that cannot be read or appended to; the lines written before are intact. */
export class NdjsonError extends Error {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'NdjsonError';
    this.path = path;
  }
}

export interface NdjsonRead<T> {
  records: T[];
  /** bytes of a torn last line (a record cut by a crash), dropped; 0 when the file ends cleanly */
  tornBytes: number;
}

/** Every complete record of `path` (none when the file does not exist); a torn last line is dropped. */
export function readNdjson<T = unknown>(path: string): NdjsonRead<T> {
  if (!existsSync(path)) return { records: [], tornBytes: 0 };
  // a device or a FIFO could be read for ever (/dev/zero): results live in regular files
  if (!statSync(path).isFile()) throw new NdjsonError(path, `${path} is not a regular file (results are read from regular files only)`);
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const records: T[] = [];
  let lineNo = 0;
  for (const line of text.slice(0, end).split('\n')) {
    lineNo++;
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      throw new NdjsonError(path, `${path}: line ${lineNo} is not JSON, and it is not the last line (a torn last line is dropped; this one was written whole): the file was changed by something other than rfa`);
    }
  }
  return { records, tornBytes: Buffer.byteLength(text.slice(end)) };
}

/** An NDJSON file open for appending, its torn last line (if any) cut off first. */
export class NdjsonWriter {
  readonly path: string;
  private fd: number;
  /** bytes of a torn last line cut off when it was opened */
  readonly cutBytes: number;

  constructor(path: string) {
    this.path = path;
    try {
      this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    } catch (e) {
      throw new NdjsonError(path, `cannot open ${path} for appending results: ${(e as Error).message}`, e);
    }
    this.cutBytes = this.cutTornTail();
  }

  /** Cut a last line that has no newline (a record a crash interrupted) so the next line starts clean. */
  private cutTornTail(): number {
    const size = fstatSync(this.fd).size;
    if (size === 0) return 0;
    const chunk = Buffer.alloc(Math.min(size, 1 << 16));
    let pos = size;
    // read backwards until a newline is found (or the start)
    while (pos > 0) {
      const len = Math.min(chunk.length, pos);
      pos -= len;
      readSync(this.fd, chunk, 0, len, pos);
      const nl = chunk.subarray(0, len).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = pos + nl + 1;
        if (keep < size) ftruncateSync(this.fd, keep);
        return size - keep;
      }
    }
    ftruncateSync(this.fd, 0);
    return size;
  }

  /** Append one record as one line, on disk (fsync) when this returns. */
  append(record: unknown): void {
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    const at = fstatSync(this.fd).size;
    try {
      let done = 0;
      while (done < line.length) done += writeSync(this.fd, line, done, line.length - done, at + done);
      fsyncSync(this.fd);
    } catch (e) {
      // leave no part of this record behind: the lines before it are intact
      try {
        ftruncateSync(this.fd, at);
      } catch {
        // the next writer cuts the torn tail
      }
      throw new NdjsonError(this.path, `cannot append a result to ${this.path}: ${(e as Error).message} (the results written before are intact)`, e);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
