// Output files and folders (src/node/files.ts): checked before any work, replaced atomically or
// written through, written as one transaction, never touching what rfa did not write, and
// recoverable after a kill (journals and stale temporaries of dead processes).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';
import {
  checkOutputFile, checkOutputFiles, checkOutputFolder, OUTPUT_MARKER, OutputError, parseJsonStrict, recoverOutputs, removeTemporaries, temporaryFor,
  writeIntoFolder, writeOutputs,
} from '../src/node/files.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'rfa-files-'));
/** A pid that is certainly not running: a child that has exited. */
const deadPid = (() => {
  const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(out);
})();

function refused(fn: () => unknown, field: string, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).field).toBe(field);
  expect((err as Error).message).toMatch(message);
}

describe('output paths are checked before any work', () => {
  it('refuses an empty path, a folder, a missing folder, a file as folder, and two outputs naming one file', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'f'), 'x');
    refused(() => checkOutputFile('--save-weights', ''), '--save-weights', /a non-empty path/);
    refused(() => checkOutputFile('--save-weights', dir), '--save-weights', /a file path, not a folder/);
    refused(() => checkOutputFile('--history', join(dir, 'no/such/h.json')), '--history', /an existing folder .* does not exist/);
    refused(() => checkOutputFile('--history', join(dir, 'f', 'h.json')), '--history', /is not a folder|does not exist/);
    refused(() => checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'o') }, { flag: '--history', path: join(dir, 'o') }]),
      '--history', /a different file from --save-weights/);
    // the same file through a symlink or a relative path is the same file
    symlinkSync(join(dir, 'f'), join(dir, 'alias'));
    refused(() => checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'f') }, { flag: '--history', path: join(dir, 'alias') }]),
      '--history', /a different file/);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('x'); // nothing touched
  });

  it('a device is written through and never replaced; a FIFO too', async () => {
    const [t] = checkOutputFiles([{ flag: '--save-weights', path: '/dev/null' }]);
    expect(t!.mode).toBe('through');
    const before = statSync('/dev/null');
    await writeOutputs([{ target: t!, data: new Uint8Array(1000) }]);
    const after = lstatSync('/dev/null');
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
    const dir = fresh();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const [f] = checkOutputFiles([{ flag: '--history', path: join(dir, 'pipe') }]);
    expect(f!.mode).toBe('through');
  });

  it('a symlink is followed: its target is replaced and the link stays a link', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'target.json'), 'old');
    symlinkSync('target.json', join(dir, 'link.json'));
    const [t] = checkOutputFiles([{ flag: '--history', path: join(dir, 'link.json') }]);
    await writeOutputs([{ target: t!, data: 'new' }]);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'target.json'), 'utf8')).toBe('new');
    // a dangling link creates its target
    symlinkSync('made.json', join(dir, 'dangling.json'));
    const [d] = checkOutputFiles([{ flag: '--history', path: join(dir, 'dangling.json') }]);
    await writeOutputs([{ target: d!, data: 'made' }]);
    expect(readFileSync(join(dir, 'made.json'), 'utf8')).toBe('made');
  });

  it('a replaced file keeps its permissions; no temporary is left', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'W.npy'), 'old');
    chmodSync(join(dir, 'W.npy'), 0o640);
    const [t] = checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }]);
    await writeOutputs([{ target: t!, data: 'new' }]);
    expect(statSync(join(dir, 'W.npy')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['W.npy']);
  });
});

describe('one transaction for the outputs of a run', () => {
  it('a failure names the flag and the path, and leaves every old file as it was', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'W.npy'), 'old weights');
    writeFileSync(join(dir, 'b', 'h.json'), 'old history');
    const targets = checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }, { flag: '--history', path: join(dir, 'b', 'h.json') }]);
    rmSync(join(dir, 'b'), { recursive: true }); // the folder goes away between the check and the write
    let err: unknown;
    try {
      await writeOutputs([{ target: targets[0]!, data: 'new weights' }, { target: targets[1]!, data: 'new history' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).flag).toBe('--history');
    expect((err as Error).message).toMatch(/--history: could not write .*h\.json: .*no file was replaced/);
    expect(readFileSync(join(dir, 'W.npy'), 'utf8')).toBe('old weights');
    expect(readdirSync(dir)).toEqual(['W.npy']);
  });

  it('recovery rolls a commit forward when all its journals exist, and back otherwise', () => {
    const dir = fresh();
    const w = join(dir, 'W.npy'), h = join(dir, 'h.json');
    writeFileSync(w, 'old w');
    writeFileSync(h, 'old h');
    const name = (p: string) => join(dir, `.${p.split('/').at(-1)}.${deadPid}.rfa-tmp`);
    const journal = join(dir, `.rfa-commit.${deadPid}.json`);
    // killed after the journal and the first rename: roll forward
    writeFileSync(name(h), 'new h');
    writeFileSync(w, 'new w');
    writeFileSync(journal, JSON.stringify({ pairs: [[name(w), w], [name(h), h]], journals: [journal] }));
    recoverOutputs([w]);
    expect([readFileSync(w, 'utf8'), readFileSync(h, 'utf8')]).toEqual(['new w', 'new h']);
    expect(readdirSync(dir).sort()).toEqual(['W.npy', 'h.json']);
    // killed before every journal existed (one of two folders): nothing was renamed, undo
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(name(w), 'newer w');
    writeFileSync(journal, JSON.stringify({ pairs: [[name(w), w], [join(other, `.x.${deadPid}.rfa-tmp`), join(other, 'x')]], journals: [journal, join(other, `.rfa-commit.${deadPid}.json`)] }));
    recoverOutputs([w]);
    expect(readFileSync(w, 'utf8')).toBe('new w');
    expect(readdirSync(dir).sort()).toEqual(['W.npy', 'h.json', 'other']);
  });

  it('the next write to a folder removes stale temporaries of dead processes, old names included, and no live one', () => {
    const dir = fresh();
    const stale = [`.W.npy.${deadPid}.rfa-tmp`, `.W.npy.${deadPid}.1732900000000.tmp`, `.rfa-commit.${deadPid}.json.part`];
    for (const s of stale) writeFileSync(join(dir, s), 'partial');
    const live = `.W.npy.${process.ppid}.rfa-tmp`; // a running process's (the test runner's): not stale
    writeFileSync(join(dir, live), 'in progress');
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }]);
    expect(readdirSync(dir).sort()).toEqual([live, 'keep.txt'].sort());
    expect(temporaryFor(join(dir, 'W.npy'), process.ppid)).toBe(join(dir, live));
  });
});

describe('output folders never lose what rfa did not write', () => {
  it('a new or empty folder is fine; a folder holding other files, a file, or a folder inside a file is refused', () => {
    const dir = fresh();
    expect(checkOutputFolder('--out', join(dir, 'new')).exists).toBe(false);
    mkdirSync(join(dir, 'empty'));
    expect(checkOutputFolder('--out', join(dir, 'empty')).exists).toBe(true);
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'keep.txt'), 'keep');
    refused(() => checkOutputFolder('--out', join(dir, 'mine')), '--out', /holds keep.txt, which rfa did not write/);
    writeFileSync(join(dir, 'afile.txt'), 'a file');
    refused(() => checkOutputFolder('--out', join(dir, 'afile.txt')), '--out', /it is a file/);
    refused(() => checkOutputFolder('--out', join(dir, 'afile.txt', 'sub')), '--out', /not a folder/);
    refused(() => checkOutputFolder('--out', join(dir, 'no', 'such')), '--out', /does not exist/);
    expect(readFileSync(join(dir, 'mine', 'keep.txt'), 'utf8')).toBe('keep');
    expect(readFileSync(join(dir, 'afile.txt'), 'utf8')).toBe('a file');
  });

  it('experiments add their files to an rfa folder and leave everything else in it alone', async () => {
    const dir = join(fresh(), 'out');
    await writeIntoFolder(checkOutputFolder('--out', dir), [{ name: 'figure1.json', data: '1' }, { name: 'figure1.svg', data: '<svg/>' }]);
    writeFileSync(join(dir, 'notes.txt'), 'my notes');
    await writeIntoFolder(checkOutputFolder('--out', dir), [{ name: 'figure2.json', data: '2' }, { name: 'figure1.json', data: '1b' }]);
    expect(readdirSync(dir).sort()).toEqual([OUTPUT_MARKER, 'figure1.json', 'figure1.svg', 'figure2.json', 'notes.txt']);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my notes');
    expect(readFileSync(join(dir, 'figure1.json'), 'utf8')).toBe('1b');
    expect(JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')).files.sort()).toEqual(['figure1.json', 'figure1.svg', 'figure2.json']);
    // a file of the same name rfa did not write is never overwritten
    writeFileSync(join(dir, 'figure3.json'), 'theirs');
    await expect(writeIntoFolder(checkOutputFolder('--out', dir), [{ name: 'figure3.json', data: '3' }])).rejects.toThrow(/figure3.json is rfa's own: that file exists and rfa did not write it/);
    expect(readFileSync(join(dir, 'figure3.json'), 'utf8')).toBe('theirs');
  });

  it('a report replaces rfa’s files of an earlier report, only where nothing else is', async () => {
    const dir = join(fresh(), 'report');
    await writeIntoFolder(checkOutputFolder('--out', dir, { replace: true }), [{ name: 'README.md', data: 'first' }, { name: 'old.svg', data: 'x' }], { replace: true });
    await writeIntoFolder(checkOutputFolder('--out', dir, { replace: true }), [{ name: 'README.md', data: 'second' }], { replace: true });
    expect(readdirSync(dir).sort()).toEqual([OUTPUT_MARKER, 'README.md']);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('second');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    refused(() => checkOutputFolder('--out', dir, { replace: true }), '--out', /holds notes.txt, which rfa did not write/);
    expect(readdirSync(join(dir, '..')).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('an existing empty folder (even the working folder) is written into, never replaced: same inode, same permissions', async () => {
    const dir = join(fresh(), 'private');
    mkdirSync(dir, { mode: 0o700 });
    const ino = statSync(dir).ino;
    await writeIntoFolder(checkOutputFolder('--out', dir, { replace: true }), [{ name: 'README.md', data: 'r' }], { replace: true });
    expect(statSync(dir).ino).toBe(ino);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('a folder that cannot be made is refused before the work; a FIFO is no marker', () => {
    refused(() => checkOutputFolder('--out', '/proc/rfa-out'), '--out', /a folder rfa can create/);
    const dir = fresh();
    execFileSync('mkfifo', [join(dir, OUTPUT_MARKER)]);
    refused(() => checkOutputFolder('--out', dir), '--out', /which rfa did not write/);
  });

  it('leftovers of a killed write into a new folder do not make it look foreign', () => {
    const dir = fresh();
    writeFileSync(join(dir, `.figure1.json.${deadPid}.rfa-tmp`), 'partial');
    expect(checkOutputFolder('--out', dir).exists).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('what an attacker or an accident could make recovery do', () => {
  it('a planted journal naming files outside rfa’s temporaries is never followed', async () => {
    const root = fresh();
    mkdirSync(join(root, 'home'));
    mkdirSync(join(root, 'shared'));
    writeFileSync(join(root, 'home', '.bashrc'), 'original');
    writeFileSync(join(root, 'shared', 'evil'), 'echo pwned');
    const journal = join(root, 'shared', `.rfa-commit.${deadPid}.json`);
    writeFileSync(journal, JSON.stringify({ pairs: [[join(root, 'shared', 'evil'), join(root, 'home', '.bashrc')]], journals: [journal] }));
    await writeOutputs(checkOutputFiles([{ flag: '--save-weights', path: join(root, 'shared', 'W.npy') }]).map((target) => ({ target, data: 'w' })));
    expect(readFileSync(join(root, 'home', '.bashrc'), 'utf8')).toBe('original');
    expect(readFileSync(join(root, 'shared', 'evil'), 'utf8')).toBe('echo pwned');
    // a symlink or FIFO in a journal's place is not read either
    execFileSync('mkfifo', [join(root, `.rfa-commit.${deadPid}.json`)]);
    checkOutputFiles([{ flag: '--history', path: join(root, 'h.json') }]); // returns: the FIFO is not opened
  });

  it('two long names that begin alike get different temporaries, and both files are written', async () => {
    const dir = fresh();
    const L = 'a'.repeat(200);
    writeFileSync(join(dir, `${L}W.npy`), 'old W');
    writeFileSync(join(dir, `${L}H.json`), 'old H');
    expect(temporaryFor(join(dir, `${L}W.npy`))).not.toBe(temporaryFor(join(dir, `${L}H.json`)));
    const t = checkOutputFiles([{ flag: '--save-weights', path: join(dir, `${L}W.npy`) }, { flag: '--history', path: join(dir, `${L}H.json`) }]);
    await writeOutputs([{ target: t[0]!, data: 'new W' }, { target: t[1]!, data: 'new H' }]);
    expect(readFileSync(join(dir, `${L}W.npy`), 'utf8')).toBe('new W');
    expect(readFileSync(join(dir, `${L}H.json`), 'utf8')).toBe('new H');
    expect(readdirSync(dir).length).toBe(2);
  });

  it('files of the user that look like temporaries, but not of the paths written, are left alone', () => {
    const dir = fresh();
    const theirs = ['.thesis.2023.11.tmp', `.draft.v2.${deadPid}.1704067200000.tmp`, `.other.${deadPid}.rfa-tmp`];
    for (const f of theirs) writeFileSync(join(dir, f), 'precious');
    checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }]);
    checkOutputFolder('--out', join(dir, 'figs'));
    expect(readdirSync(dir).sort()).toEqual(theirs.sort());
  });

  it('path quirks: a trailing slash, a symlinked folder then .., two write-through targets', () => {
    const dir = fresh();
    refused(() => checkOutputFile('--save-weights', join(dir, 'W.npy/')), '--save-weights', /ends with \//);
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    symlinkSync(join(dir, 'a', 'b'), join(dir, 'lnk'));
    expect(checkOutputFile('--history', `${dir}/lnk/../h.json`).real).toBe(join(realpathSync(dir), 'a', 'h.json'));
    expect(checkOutputFiles([{ flag: '--save-weights', path: '/dev/null' }, { flag: '--history', path: '/dev/null' }])).toHaveLength(2);
  });

  it('JSON with a repeated key is refused, naming the key', () => {
    expect(() => parseJsonStrict('{"seed": 1, "data": {"n": 3, "n": 4}}', '--config', 'c.json')).toThrow(/--config must be JSON without a repeated key \("n" appears twice in one object\)/);
    expect(parseJsonStrict('{"a": [{"k": 1}, {"k": 2}], "b": "\\"k\\""}', '--config', 'c.json')).toEqual({ a: [{ k: 1 }, { k: 2 }], b: '"k"' });
  });
});

describe('what a read-through review found', () => {
  it('/dev/stdout and /dev/fd/N are written through, whatever stdout is (a pipe here)', () => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [cli, 'train', '--n', '30', '--d', '10', '--m', '8', '--n-test', '20', '--history', '/dev/stdout', '--save-weights', '/dev/null'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\{\n "config"/);
    expect(r.stdout).toMatch(/rfa: two-layer ReLU network/);
    expect(checkOutputFile('--history', '/dev/stdout').mode).toBe('through');
  });

  it('a rename that fails after the commit point leaves the commit for recovery to finish', async () => {
    const dir = fresh();
    const w = join(dir, 'W.npy'), h = join(dir, 'h.json');
    writeFileSync(w, 'old w');
    writeFileSync(h, 'old h');
    const targets = checkOutputFiles([{ flag: '--save-weights', path: w }, { flag: '--history', path: h }]);
    rmSync(h);
    mkdirSync(h); // the history's place is taken by a folder with something in it: its rename must fail
    writeFileSync(join(h, 'x'), 'x');
    const err = await writeOutputs([{ target: targets[0]!, data: 'new w' }, { target: targets[1]!, data: 'new h' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toMatch(/--history: .* the next write to these paths completes the commit/);
    removeTemporaries(); // what the CLI does as it exits: it must not undo a started commit
    expect(readdirSync(dir).sort()).toEqual(['.h.json.' + process.pid + '.rfa-tmp', `.rfa-commit.${process.pid}.json`, 'W.npy', 'h.json'].sort());
    rmSync(h, { recursive: true });
    // the next run (another process: this pid must look gone, so the check is made as if by it)
    const child = spawnSync(process.execPath, ['--input-type=module', '-e',
      `import { checkOutputFiles } from ${JSON.stringify(new URL('../dist/node/files.js', import.meta.url).href)}; checkOutputFiles([{ flag: 'h', path: ${JSON.stringify(h)} }]);`], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    // this process is alive, so its commit is not touched by a run in it; the child recovers it only once we are gone:
    // instead, replay what the child does after our exit by renaming with a dead pid's names
    expect(readFileSync(w, 'utf8')).toBe('new w');
  });

  it('the names an experiment will write are checked up front; a refused folder is left exactly as it was', () => {
    const dir = join(fresh(), 'out');
    mkdirSync(dir);
    writeFileSync(join(dir, OUTPUT_MARKER), JSON.stringify({ tool: 'rfa', files: ['figure2.json'] }));
    writeFileSync(join(dir, 'figure1.svg'), 'the user’s own');
    refused(() => checkOutputFolder('--out', dir, { names: ['figure1.json', 'figure1.svg'] }), '--out', /figure1.svg is rfa's own: that file exists and rfa did not write it/);
    const foreign = join(fresh(), 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'n');
    writeFileSync(join(foreign, `.notes.txt.${deadPid}.rfa-tmp`), 'looks like ours');
    refused(() => checkOutputFolder('--out', foreign), '--out', /which rfa did not write/);
    expect(readdirSync(foreign).sort()).toEqual([`.notes.txt.${deadPid}.rfa-tmp`, 'notes.txt']);
  });

  it('a stale journal of other paths is left alone', () => {
    const dir = fresh();
    const other = join(dir, 'other.json');
    writeFileSync(other, 'edited by the user since');
    const tmp = join(dir, `.other.json.${deadPid}.rfa-tmp`);
    writeFileSync(tmp, 'weeks-old output');
    const journal = join(dir, `.rfa-commit.${deadPid}.json`);
    writeFileSync(journal, JSON.stringify({ pairs: [[tmp, other]], journals: [journal] }));
    checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }]);
    expect(readFileSync(other, 'utf8')).toBe('edited by the user since');
    checkOutputFiles([{ flag: '--history', path: other }]); // a write to that path finishes it
    expect(readFileSync(other, 'utf8')).toBe('weeks-old output');
  });
});

describe('what a second attack found', () => {
  const isRoot = process.getuid?.() === 0;

  it.runIf(isRoot)('a symlink another user planted is never followed (as the kernel’s protected_symlinks would)', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'notes.txt'), 'precious');
    symlinkSync(join(dir, 'notes.txt'), join(dir, 'W.npy'));
    lchownSync(join(dir, 'W.npy'), 65534, 65534);
    refused(() => checkOutputFiles([{ flag: '--save-weights', path: join(dir, 'W.npy') }]), '--save-weights', /another user's symlink .* belongs to user 65534; rfa does not follow it/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('precious');
  });

  it('standard input is no output; an output appended to by the shell stays appended to', () => {
    refused(() => checkOutputFile('--history', '/dev/stdin'), '--history', /an output \(it names the standard input\)/);
    const dir = fresh();
    writeFileSync(join(dir, 'log.txt'), 'log start\n');
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const r = spawnSync('sh', ['-c', `${process.execPath} ${cli} train --n 20 --d 5 --m 4 --n-test 0 --history /dev/stdout >> ${join(dir, 'log.txt')}`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const log = readFileSync(join(dir, 'log.txt'), 'utf8');
    expect(log.startsWith('log start\n{\n "config"')).toBe(true);
    expect(log).toMatch(/rfa: two-layer ReLU network/); // the summary after it, not lost to a replaced file
  });

  it('journals: one that does not list itself, has unknown keys, or is of a live process is not followed', () => {
    const dir = fresh();
    const target = join(dir, 'target'), w = join(dir, 'W.npy');
    const plant = (pid: number, body: object) => {
      writeFileSync(target, 'theirs');
      writeFileSync(join(dir, `.target.${pid}.rfa-tmp`), 'planted');
      writeFileSync(join(dir, `.rfa-commit.${pid}.json`), JSON.stringify(body));
    };
    const pair = (pid: number) => [[join(dir, `.target.${pid}.rfa-tmp`), target], [join(dir, `.W.npy.${pid}.rfa-tmp`), w]];
    const copied = join(fresh(), `.rfa-commit.${deadPid}.json`); // a journal copied from another folder names that folder's
    plant(deadPid, { pairs: pair(deadPid), journals: [copied] });
    checkOutputFiles([{ flag: '--save-weights', path: w }]);
    expect(readFileSync(target, 'utf8')).toBe('theirs');
    plant(deadPid, { pairs: pair(deadPid), journals: [join(dir, `.rfa-commit.${deadPid}.json`)], extra: 1 });
    checkOutputFiles([{ flag: '--save-weights', path: w }]);
    expect(readFileSync(target, 'utf8')).toBe('theirs');
    // a journal of a running process (the test runner) with its own start time is left to it
    rmSync(join(dir, `.rfa-commit.${deadPid}.json`));
    plant(process.ppid, { pairs: pair(process.ppid), journals: [join(dir, `.rfa-commit.${process.ppid}.json`)], started: null });
    checkOutputFiles([{ flag: '--save-weights', path: w }]);
    expect(readFileSync(target, 'utf8')).toBe('theirs');
    // ... but one recorded with another start time belongs to an earlier process that had this pid: finished
    writeFileSync(join(dir, `.rfa-commit.${process.ppid}.json`), JSON.stringify({ pairs: pair(process.ppid), journals: [join(dir, `.rfa-commit.${process.ppid}.json`)], started: 'another-start' }));
    checkOutputFiles([{ flag: '--save-weights', path: w }]);
    expect(readFileSync(target, 'utf8')).toBe('planted');
  });

  it('a short name crafted to shorten like a long one is refused with it in one run', () => {
    const dir = fresh();
    const long = `${'w'.repeat(200)}.npy`;
    const short = basename(temporaryFor(join(dir, long))).slice(1).replace(new RegExp(`\\.${process.pid}\\.rfa-tmp$`), '');
    expect(temporaryFor(join(dir, short))).toBe(temporaryFor(join(dir, long)));
    refused(() => checkOutputFiles([{ flag: '--save-weights', path: join(dir, long) }, { flag: '--history', path: join(dir, short) }]), '--history', /a different file from --save-weights/);
  });

  it('a listed file turned into a folder or a link is refused up front; two experiments into one folder at once keep both', async () => {
    const dir = join(fresh(), 'out');
    await writeIntoFolder(checkOutputFolder('--out', dir), [{ name: 'figure1.svg', data: '<svg/>' }]);
    rmSync(join(dir, 'figure1.svg'));
    mkdirSync(join(dir, 'figure1.svg'));
    refused(() => checkOutputFolder('--out', dir, { names: ['figure1.svg'] }), '--out', /whose figure1.svg is a file rfa wrote \(it is now a link, a folder/);
    rmSync(join(dir, 'figure1.svg'), { recursive: true });
    symlinkSync('/etc/hostname', join(dir, 'figure1.svg'));
    refused(() => checkOutputFolder('--out', dir, { names: ['figure1.svg'] }), '--out', /whose figure1.svg is a file rfa wrote/);
    rmSync(join(dir, 'figure1.svg'));
    await Promise.all([
      writeIntoFolder(checkOutputFolder('--out', dir), [{ name: 'a.json', data: 'a' }]),
      writeIntoFolder(checkOutputFolder('--out', dir), [{ name: 'b.json', data: 'b' }]),
    ]);
    expect(JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')).files.sort()).toEqual(['a.json', 'b.json', 'figure1.svg']);
    expect(readdirSync(dir).sort()).toEqual([OUTPUT_MARKER, 'a.json', 'b.json']);
  });
});
