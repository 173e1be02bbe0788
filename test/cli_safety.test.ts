// The CLI as a Unix tool and as an attacker would use it: nothing lost, every bad input refused
// before work starts with the flag named, records streamed, a closed pipe and Ctrl-C handled.
// Each case was observed failing on the main of 2026-11-29 (issue 6).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readNpy, resolveConfig, sampleProblem, trainSync, writeNpy } from '../src/index.js';
import { checkNode, MIN_NODE } from '../src/cli/program.js';

const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const run = (args: string[], cwd?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
const fresh = () => mkdtempSync(join(tmpdir(), 'rfa-cli-safe-'));
const small = ['--n', '40', '--d', '30', '--m', '16', '--n-test', '50', '--seed', '5'];
/** A run long enough that it is certainly still going when the test acts on it. */
const long = ['train', '--n', '200', '--d', '100', '--m', '64', '--n-test', '0', '--steps', '100000000', '--eval-at', 'every:1000', '--no-progress'];

/** Exit status 1, a message matching `message` on stderr, and no experiment or training started. */
function refusedUpFront(args: string[], message: RegExp, cwd?: string) {
  const r = run(args, cwd);
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/rfa reproduce: theorem|Error\n\s+at /); // no part ran, no stack trace
  expect(r.stdout).toBe('');
  return r;
}

describe('--out never removes or replaces what rfa did not write', () => {
  it('a folder holding a file of the user is refused before any experiment runs, and kept', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'keep.txt'), 'mine');
    for (const cmd of [['reproduce', '--size', 'tiny'], ['figure1', '--n', '100', '--steps', '5'], ['noise-sweep', '--etas', '0.1', '--seeds', '1']]) {
      refusedUpFront([...cmd, '--out', join(dir, 'out')], /--out must be a new or empty folder, or one rfa wrote before .* it holds keep.txt, which rfa did not write/);
    }
    expect(readdirSync(join(dir, 'out'))).toEqual(['keep.txt']);
  });

  it('--out . in a project folder is refused; .git and src stay', () => {
    const dir = fresh();
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'main.ts'), 'code');
    refusedUpFront(['reproduce', '--size', 'tiny', '--out', '.'], /--out must be a new or empty folder/, dir);
    expect(readdirSync(dir).sort()).toEqual(['.git', 'src']);
    expect(readFileSync(join(dir, 'src', 'main.ts'), 'utf8')).toBe('code');
  });

  it('--out naming a file is refused and the file kept', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'afile.txt'), 'text');
    refusedUpFront(['reproduce', '--size', 'tiny', '--out', join(dir, 'afile.txt')], /--out must be a folder for rfa to write into \(it is a file/);
    expect(readFileSync(join(dir, 'afile.txt'), 'utf8')).toBe('text');
  });

  it('a previous report is replaced, and experiments add to an rfa folder beside the user’s notes', () => {
    const dir = fresh();
    const out = join(dir, 'rfa-out');
    expect(run(['figure1', '--n', '200', '--steps', '5', '--grid', '20', '--out', out]).status).toBe(1); // unknown flag: nothing written
    expect(existsSync(out)).toBe(false);
    expect(run(['figure1', '--n', '200', '--steps', '5', '--out', out]).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(run(['init-sweep', '--scales', '0.1', '--seeds', '1', '--out', out]).status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.rfa-output.json', 'figure1.json', 'figure1.svg', 'figure1.vl.json',
      'init-sweep.json', 'init-sweep.svg', 'init-sweep.vl.json', 'notes.txt']);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('--save-weights and --history', () => {
  it('write through a device and a FIFO, never replacing the node; follow a symlink to its target', async () => {
    const dir = fresh();
    const ino = statSync('/dev/null').ino;
    expect(run(['train', ...small, '--save-weights', '/dev/null']).status).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(statSync('/dev/null').ino).toBe(ino);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const reader = new Promise<Buffer>((resolve) => {
      const cat = spawn('cat', [join(dir, 'fifo')]);
      const parts: Buffer[] = [];
      cat.stdout.on('data', (b: Buffer) => parts.push(b));
      cat.on('close', () => resolve(Buffer.concat(parts)));
    });
    const child = spawn(process.execPath, [CLI, 'train', ...small, '--save-weights', join(dir, 'fifo')]);
    const status = await new Promise((resolve) => child.on('exit', resolve));
    expect(status).toBe(0);
    const bytes = await reader;
    expect(readNpy(new Uint8Array(bytes)).shape).toEqual([16, 30]);
    expect(lstatSync(join(dir, 'fifo')).isFIFO()).toBe(true);
    writeFileSync(join(dir, 'real.json'), 'old');
    symlinkSync('real.json', join(dir, 'link.json'));
    expect(run(['train', ...small, '--history', join(dir, 'link.json')]).status).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'real.json'), 'utf8')).history.at(-1).step).toBe(3);
  });

  it('are checked before training: same path twice, a folder, a missing folder, an empty path', () => {
    const dir = fresh();
    const steps = ['--steps', '100000000'];
    refusedUpFront(['train', ...small, ...steps, '--save-weights', join(dir, 'o'), '--history', join(dir, 'o')], /--history must be a different file from --save-weights/);
    refusedUpFront(['train', ...small, ...steps, '--save-weights', dir], /--save-weights must be a file path, not a folder/);
    refusedUpFront(['train', ...small, ...steps, '--history', join(dir, 'nope', 'h.json')], /--history must be a path in an existing folder .*nope does not exist/);
    refusedUpFront(['train', ...small, ...steps, '--save-weights', ''], /--save-weights must be a non-empty path/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a write that fails anyway names the flag and path, and replaces nothing', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'W.npy'), 'old weights');
    const r = run(['train', ...small, '--save-weights', join(dir, 'W.npy'), '--history', '/dev/full']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/OutputError: --history: could not write \/dev\/full: ENOSPC.*no file was replaced/);
    expect(readFileSync(join(dir, 'W.npy'), 'utf8')).toBe('old weights');
    expect(readdirSync(dir)).toEqual(['W.npy']);
  });

  it('weights that become ±∞ stop the run with an error, and no weights file', () => {
    const dir = fresh();
    const c = resolveConfig({ seed: 1, data: { n: 40, d: 30, nTest: 0, muNorm: 1e10 } });
    writeFileSync(join(dir, 'X.npy'), writeNpy(sampleProblem(c).train.x, [40, 30]));
    writeFileSync(join(dir, 'ones.npy'), writeNpy(new Int8Array(40).fill(1), [40]));
    const r = run(['train', '--data', join(dir, 'X.npy'), '--labels', join(dir, 'ones.npy'), '--m', '16', '--alpha', '1e30', '--steps', '10',
      '--save-weights', join(dir, 'W.npy')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/NonFiniteWeightsError: the weights stopped being finite .* at step 1/);
    expect(existsSync(join(dir, 'W.npy'))).toBe(false);
  });
});

describe('every bad input refused up front, with the flag named', () => {
  it.each([
    [['train', '--rates', '0.1,0.1,0.1,0.1'], /--rates must be given only with --noise per-cluster \(the noise mode is "exact"\)/],
    [['train', '--noise', 'adversarial', '--cluster', '2'], /--cluster must be given only with --noise adversarial --strategy one-cluster \(the strategy is "closest"\)/],
    [['train', '--noise', 'adversarial', '--strategy', 'closest', '--cluster', '2'], /--cluster must be given only with --noise adversarial --strategy one-cluster/],
    [['train', '--cluster', '9'], /--cluster must be an integer in \[0, 3\], got 9/],
    [['train', '--cluster', '1'], /--cluster must be given only with --noise adversarial --strategy one-cluster \(the noise mode is "exact"\)/],
    [['train', '--noise', 'none', '--eta', '0.1'], /--eta must be given only with --noise independent, exact or adversarial \(the noise mode is "none"\)/],
    [['train', '--strategy', 'closest'], /--strategy must be given only with --noise adversarial/],
    [['train', '--m', '1'], /--m must be an integer in \[2, 2147483647\], got 1$/m],
    [['train', '--steps', '100000000', '--eval-at', 'every:1'], /evalAt.every must be at least 101 .* at most 1000000 evaluations/],
    [['train', '--eval-at', '1,,2'], /--eval-at must be log:K, every:K or a comma list of steps/],
    [['train', '--seed', '1.5'], /--seed must be an integer in \[0, 4294967295\], got 1.5/],
    [['figure1', '--seed', '1.5'], /--seed must be an integer in \[0, 4294967295\], got 1.5/],
    [['train', '--n', '0x10'], /--n must be an integer in \[1, 2147483647\], got "0x10"/],
    [['noise-sweep', '--etas', '0.9'], /--etas must be a finite number in \[0, 0.5\], got 0.9/],
    [['noise-sweep', '--etas', ''], /--etas must be a comma list of numbers/],
    [['init-sweep', '--scales', '-1,0'], /--scales \(item 1\) must be a finite number in \(0, 1000000\], got -1/],
    [['train', '--n', '30000', '--d', '1000', '--m', '40000', '--n-test', '0'], /data.n × data.d|model.m × data.d|sizes whose WASM arena fits/],
  ])('%j', (args, message) => {
    refusedUpFront(args as string[], message);
  });

  it('a flag error prints the error and one line pointing to --help, not the whole help', () => {
    const r = run(['train', '--bogus']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(["error: unknown option '--bogus'", '(rfa train --help lists every flag)']);
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('engines.node and the loader agree: Node 20.16+ (process.getBuiltinModule)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.join('.')}.0`);
    expect(checkNode('20.15.1')).toMatch(/rfa needs Node 20.16 or newer \(process.getBuiltinModule\); this is Node 20.15.1/);
    expect(checkNode('20.16.0')).toBe(null);
    expect(checkNode('22.1.0')).toBe(null);
  });
});

describe('what the attack of the first fix found', () => {
  it('--out . in an empty folder writes into it and keeps the folder itself', () => {
    const dir = fresh();
    const ino = statSync(dir).ino;
    const r = run(['figure1', '--n', '200', '--steps', '5', '--out', '.'], dir);
    expect(r.status).toBe(0);
    expect(statSync(dir).ino).toBe(ino);
    expect(readdirSync(dir)).toContain('figure1.svg');
  });

  it.each([
    [['figure1', '--out', '/proc/rfa-out'], /--out must be a folder rfa can create/],
    [['reproduce', '--full', '--size', 'tiny'], /--full must be left out with --size tiny/],
    [['train', '--n', '-0'], /--n must be an integer in \[1, 2147483647\], got "-0"/],
    [['train', '--alpha', '1e-400'], /--alpha must be a finite number in \(0, 1e\+30\], got "1e-400"/],
  ])('%j is refused up front', (args, message) => {
    refusedUpFront(args as string[], message);
  });

  it('a --config with a repeated key, or with sampling fields beside --data, is refused', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'dup.json'), '{"seed": 1, "seed": 2}');
    refusedUpFront(['train', '--config', join(dir, 'dup.json')], /--config must be JSON without a repeated key \("seed" appears twice in one object\)/);
    const c = resolveConfig({ seed: 2, data: { n: 20, d: 5, nTest: 0 } });
    writeFileSync(join(dir, 'X.npy'), writeNpy(sampleProblem(c).train.x, [20, 5]));
    writeFileSync(join(dir, 'y.npy'), writeNpy(sampleProblem(c).train.y, [20]));
    writeFileSync(join(dir, 'c.json'), '{"data": {"nTest": -5}}');
    refusedUpFront(['train', '--config', join(dir, 'c.json'), '--data', join(dir, 'X.npy'), '--labels', join(dir, 'y.npy')], /--config: data.nTest must be left out with --data/);
    writeFileSync(join(dir, 'big.npy'), writeNpy(Float64Array.from({ length: 100 }, (_, i) => (i === 7 ? 1e300 : 0)), [20, 5]));
    refusedUpFront(['train', '--data', join(dir, 'big.npy'), '--labels', join(dir, 'y.npy')], /--data\[flat 7\] must be a number within the float32 range \(\|x\| ≤ 3.4e38\), got 1e\+300/);
  });

  it.each([['an output FIFO nobody reads', 'out'], ['an input FIFO nobody writes', 'in']] as const)('Ctrl-C while waiting on %s exits 130 and keeps nothing', async (_name, which) => {
    const dir = fresh();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const args = which === 'out'
      ? ['train', ...small, '--json', '--save-weights', 'W.npy', '--history', 'fifo']
      : ['train', '--config', 'fifo', '--json'];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void child.kill('SIGKILL'));
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(shellStatus({ code, signal }))));
    if (which === 'out') await new Promise<void>((resolve) => child.stdout.once('data', () => resolve())); // training has begun
    await new Promise((r) => setTimeout(r, 700)); // long enough to be blocked on the FIFO (not a pass/fail timer)
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toMatch(/rfa: interrupted/);
    expect(readdirSync(dir)).toEqual(['fifo']);
  });
});

describe('--data means the user’s data', () => {
  const dir = fresh();
  const c = resolveConfig({ seed: 9, data: { n: 60, d: 37, nTest: 80 } });
  const p = sampleProblem(c);
  writeFileSync(join(dir, 'X.npy'), writeNpy(p.train.x, [60, 37]));
  writeFileSync(join(dir, 'y.npy'), writeNpy(p.train.y, [60]));
  writeFileSync(join(dir, 'Xt.npy'), writeNpy(p.test.x, [80, 37]));
  writeFileSync(join(dir, 'yt.npy'), writeNpy(p.test.y, [80]));
  const w0 = Float32Array.from({ length: 50 * 37 }, (_, i) => Math.cos(i) * 0.01);
  writeFileSync(join(dir, 'W0.npy'), writeNpy(w0, [50, 37]));
  const data = ['--data', join(dir, 'X.npy'), '--labels', join(dir, 'y.npy')];

  it('n and d come from X, m from W0; no test accuracy without a test set', () => {
    const r = run(['train', ...data, '--init', join(dir, 'W0.npy'), '--json']);
    expect(r.stderr).toBe('');
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.config.data).toMatchObject({ n: 60, d: 37, nTest: 0 });
    expect(summary.config.model.m).toBe(50);
    expect(summary.final.testAcc).toBe(null);
    const api = trainSync({ seed: 0, model: { m: 50 } }, { data: { train: { ...p.train, cleanY: null, cluster: null, flipped: null } }, init: w0 });
    expect(summary.final.loss).toBe(api.history.at(-1)!.loss);
    const text = run(['train', ...data]);
    expect(text.stdout).toMatch(/test accuracy\s+none \(no test set: give --test-data and --test-labels\)/);
    expect(text.stdout).not.toMatch(/n_test = 6000/);
  });

  it('evaluates on --test-data/--test-labels when given', () => {
    const r = run(['train', ...data, '--test-data', join(dir, 'Xt.npy'), '--test-labels', join(dir, 'yt.npy'), '--json']);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.config.data.nTest).toBe(80);
    const api = trainSync({ seed: 0 }, { data: { train: { ...p.train, cleanY: null, cluster: null, flipped: null }, test: { ...p.test, cleanY: null, cluster: null, flipped: null } } });
    expect(summary.final.testAcc).toBe(api.history.at(-1)!.testAcc);
  });

  it('flags that disagree with the files, or do not apply to them, are refused', () => {
    refusedUpFront(['train', ...data, '--n', '59'], /--n must be equal to the rows of --data \(60\), or left out, got 59/);
    refusedUpFront(['train', ...data, '--d', '36'], /--d must be equal to the columns of --data \(37\)/);
    refusedUpFront(['train', ...data, '--init', join(dir, 'W0.npy'), '--m', '49'], /--m must be equal to the rows of --init \(50\)/);
    refusedUpFront(['train', '--init', join(dir, 'W0.npy'), '--d', '30'], /--init must be equal to data.d \(30\), or left out, got 37/);
    refusedUpFront(['train', ...data, '--eta', '0.2'], /--eta must be left out with --data/);
    refusedUpFront(['train', ...data, '--n-test', '100'], /--n-test must be left out with --data/);
    refusedUpFront(['train', '--init', join(dir, 'W0.npy'), '--omega-init', '0.1'], /--omega-init must be left out with --init/);
    refusedUpFront(['train', '--test-data', join(dir, 'Xt.npy'), '--test-labels', join(dir, 'yt.npy')], /--test-data must be given with --data and --labels/);
    refusedUpFront(['train', '--data', join(dir, 'X.npy'), '--labels', join(dir, 'yt.npy')], /--labels must be one label per row of --data \(60\), got "80 labels"/);
  });

  it('an input that is a device is refused instead of read forever; a pipe is read', () => {
    refusedUpFront(['train', '--data', '/dev/zero', '--labels', join(dir, 'y.npy')], /--data must be a .npy file in a regular file or a pipe \(it is a device\), got "\/dev\/zero"/);
    refusedUpFront(['train', '--config', '/dev/zero'], /--config must be a JSON file in a regular file or a pipe/);
    refusedUpFront(['train', '--config', dir], /--config must be a readable JSON file \(it is a folder\)/);
    const r = spawnSync('sh', ['-c', `cat ${join(dir, 'X.npy')} | ${process.execPath} ${CLI} train --data /dev/stdin --labels ${join(dir, 'y.npy')} --history ${join(dir, 'h.json')}`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const h = JSON.parse(readFileSync(join(dir, 'h.json'), 'utf8'));
    expect(h.inputs).toEqual({ data: '/dev/stdin', labels: join(dir, 'y.npy') }); // the sampling fields of h.config did not apply
  });

  it('--init alone fixes m (and d) for sampled data', () => {
    const r = run(['train', '--init', join(dir, 'W0.npy'), '--n', '30', '--n-test', '10', '--json']);
    expect(r.stderr).toBe('');
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.config.model.m).toBe(50);
    expect(summary.config.data.d).toBe(37);
  });
});

/** The status a shell reports for a child: its exit code, or 128 + the number of the signal that ended it. */
function shellStatus(end: { code: number | null; signal: string | null }): number {
  return end.code ?? 128 + (os.constants.signals as Record<string, number>)[end.signal!]!;
}

/** Spawn the CLI and resolve once `lines` lines of stdout have arrived, with the child still running. */
function startAndRead(args: string[], lines: number, cwd?: string) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  onTestFinished(() => void child.kill('SIGKILL'));
  const ready = new Promise<string[]>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const got = out.split('\n').filter((l) => l.length > 0);
      if (got.length >= lines) resolve(got.slice(0, lines));
    });
    void exited.then(() => reject(new Error(`exited before ${lines} lines: ${err}`)));
  });
  return { child, ready, exited, stderr: () => err };
}

describe('a CLI that behaves like a Unix tool', () => {
  it('--json streams each record as it is made; a reader that stops (| head -2) ends it quietly', async () => {
    const { child, ready, exited, stderr } = startAndRead([...long, '--json'], 2);
    const lines = await ready;
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([0, 1000]); // two records while the run goes on
    child.stdout.destroy(); // what `head -2` does after its second line
    const end = await exited;
    expect(end.code).toBe(141); // the status of a process killed by SIGPIPE, as `yes | head` gives
    expect(stderr()).toBe('');
  });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s ends the run at once: status %i, no output, no temporary', async (sig, status) => {
    const dir = fresh();
    writeFileSync(join(dir, 'W.npy'), 'old');
    const { child, ready, exited, stderr } = startAndRead([...long, '--json', '--save-weights', 'W.npy', '--history', 'h.json'], 1, dir);
    await ready;
    child.kill(sig);
    const end = await exited;
    expect(shellStatus(end)).toBe(status); // it dies by the signal, as Unix tools do: the shell sees 128 + n
    expect(stderr()).toMatch(/rfa: (interrupted|terminated); no output of this run was written/);
    expect(readdirSync(dir)).toEqual(['W.npy']);
    expect(readFileSync(join(dir, 'W.npy'), 'utf8')).toBe('old');
  });

  it('Ctrl-C on a terminal gives the cursor back (the progress bar hides it)', async () => {
    const hasScript = spawnSync('script', ['--version']).status === 0;
    if (!hasScript) return; // util-linux's script gives the child a terminal; Debian has it
    // a seed no other test uses marks this run, so that it can be found and stopped whatever happens
    const args = [...long.filter((a) => a !== '--no-progress'), '--seed', '918273'];
    const child = spawn('script', ['-qfec', `exec ${process.execPath} ${CLI} ${args.join(' ')}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
    onTestFinished(() => {
      child.kill('SIGKILL');
      spawnSync('pkill', ['-KILL', '-f', 'seed 918273']);
    });
    let out = '';
    child.stdin.on('error', () => {}); // the terminal may be gone when the test ends
    const sent = new Promise<void>((resolve) => {
      let done = false;
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString('latin1');
        if (!done && out.includes('\x1b[?25l') && /step \d+\//.test(out)) {
          done = true;
          child.stdin.write('\x03'); // Ctrl-C, as typed
          resolve();
        }
      });
    });
    await sent;
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(out.lastIndexOf('\x1b[?25l'));
  });
});
