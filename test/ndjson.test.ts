// The sweep's results file (issue 9): append-only NDJSON that a crash at any moment leaves readable —
// every completed line intact, a torn last line dropped on read and cut before the next append — and a
// write that fails (a full disk, here /dev/full) is an error that leaves the earlier lines intact.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NdjsonError, NdjsonWriter, readNdjson } from '../src/node/ndjson.js';

const dir = mkdtempSync(join(tmpdir(), 'rfa-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crash-safe NDJSON results', () => {
  it('appends records a line each and reads them back; a missing file reads as empty', () => {
    const p = join(dir, 'a.ndjson');
    expect(readNdjson(p)).toEqual({ records: [], tornBytes: 0 });
    const w = new NdjsonWriter(p);
    w.append({ id: 'a', x: 1 });
    w.append({ id: 'b', s: 'line\nbreak' });
    w.close();
    expect(readFileSync(p, 'utf8').split('\n')).toHaveLength(3);
    expect(readNdjson(p)).toEqual({ records: [{ id: 'a', x: 1 }, { id: 'b', s: 'line\nbreak' }], tornBytes: 0 });
  });

  it('a torn last line is dropped on read and cut before the next append', () => {
    const p = join(dir, 'torn.ndjson');
    writeFileSync(p, '{"id":"a"}\n{"id":"b"}\n{"id":"c","half');
    expect(readNdjson(p)).toEqual({ records: [{ id: 'a' }, { id: 'b' }], tornBytes: 15 });
    const w = new NdjsonWriter(p);
    expect(w.cutBytes).toBe(15);
    w.append({ id: 'c' });
    w.close();
    expect(readFileSync(p, 'utf8')).toBe('{"id":"a"}\n{"id":"b"}\n{"id":"c"}\n');
    // a file that is only a torn line
    const q = join(dir, 'only.ndjson');
    writeFileSync(q, '{"id":');
    expect(readNdjson(q).records).toEqual([]);
    const w2 = new NdjsonWriter(q);
    w2.append({ id: 'z' });
    w2.close();
    expect(readFileSync(q, 'utf8')).toBe('{"id":"z"}\n');
  });

  it('a bad line that is not the last is an error, not silently skipped', () => {
    const p = join(dir, 'bad.ndjson');
    writeFileSync(p, '{"id":"a"}\nnot json\n{"id":"b"}\n');
    expect(() => readNdjson(p)).toThrow(/line 2 is not JSON/);
  });

  it('SIGKILL during appends leaves only whole lines (and at most one torn tail, dropped and cut)', async () => {
    const p = join(dir, 'kill.ndjson');
    const runner = join(dir, 'writer.mjs');
    writeFileSync(runner, `import { NdjsonWriter } from ${JSON.stringify(new URL('../dist/node/ndjson.js', import.meta.url).pathname)};
const w = new NdjsonWriter(${JSON.stringify(p)});
for (let i = 0; ; i++) w.append({ i, pad: 'x'.repeat(1000 + (i % 7) * 300) });
`);
    const size = () => (existsSync(p) ? statSync(p).size : 0);
    let total = 0;
    for (let k = 0; k < 4; k++) {
      // killed once it has appended a while (a growing file), at a moment that differs each time: however
      // slow the machine, never before it started writing
      const child = spawn(process.execPath, [runner], { stdio: 'ignore' });
      const from = size();
      while (size() < from + 20_000 * (k + 1) && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGKILL');
      const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect(signal).toBe('SIGKILL');
      const { records } = readNdjson<{ i: number; pad: string }>(p);
      expect(records.length).toBeGreaterThan(total); // each writer cut any torn tail and appended after it
      for (const rec of records) expect(rec.pad).toHaveLength(1000 + (rec.i % 7) * 300);
      total = records.length;
    }
  }, 60_000);

  it('a write that fails (a full disk) is an NdjsonError and the earlier lines stay', () => {
    if (!existsSync('/dev/full')) return;
    const w = new NdjsonWriter('/dev/full');
    expect(() => w.append({ id: 'x' })).toThrow(NdjsonError);
    w.close();
    // an unwritable folder
    const ro = join(dir, 'ro');
    appendFileSync(join(dir, 'x'), '');
    rmSync(ro, { recursive: true, force: true });
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    if (process.getuid?.() !== 0) expect(() => new NdjsonWriter(join(ro, 'r.ndjson'))).toThrow(/cannot open .* for appending results/);
  });

  it('a results file that is a device is refused, never read for ever', () => {
    expect(() => readNdjson('/dev/zero')).toThrow(/is not a regular file/);
  });
});
