// The rfa command line: a thin shell over the API. buildProgram() assembles the commands; runCli()
// runs one invocation with its Session (signals, a closed stdout, cleanups) and turns every error
// into one line on stderr and an exit status: 0 done, 1 an error, 130 Ctrl-C, 143 SIGTERM, 141 stdout closed.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, NonFiniteError, printable } from '../errors.js';
import { registerExperimentCommands } from './experiments.js';
import { Session } from './session.js';
import { registerTrainCommand } from './train.js';
import { registerSweepCommands } from './sweep.js';

/** rfa needs process.getBuiltinModule (Node 20.16) to load its kernels without importing node:fs in the core. */
export const MIN_NODE = [20, 16] as const;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(session: Session): Command {
  const program = new Command();
  program
    .name('rfa')
    .description(
      'Random feature amplification (Frei, Chatterji, Bartlett, JMLR 2023): train two-layer ReLU networks by\n' +
        'gradient descent on noisy XOR clusters with SIMD WebAssembly kernels, and reproduce the paper.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of rfa')
    .showHelpAfterError('(rfa --help lists every command)')
    .exitOverride();
  registerTrainCommand(program, session);
  registerExperimentCommands(program, session);
  registerSweepCommands(program, session);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride();
  return program;
}

/** The Node version is new enough (20.16+), else a clear message. */
export function checkNode(version = process.versions.node): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return null;
  return `rfa needs Node ${MIN_NODE.join('.')} or newer (process.getBuiltinModule); this is Node ${version}`;
}

/** Run one invocation; resolves to the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const old = checkNode();
  if (old) {
    process.stderr.write(`rfa: ${old}\n`);
    return 1;
  }
  try {
    process.cwd();
  } catch {
    process.stderr.write('rfa: the working folder no longer exists; cd to a folder first\n');
    return 1;
  }
  const session = new Session();
  try {
    await buildProgram(session).parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed the message (and the pointer to --help); help and --version exit 0
      return e.exitCode;
    }
    const err = e as Error;
    if (argv.includes('--json')) {
      // for machines: the error as one JSON line on stderr, with its fields (field, value, allowed, step, path)
      const fields: Record<string, unknown> = {};
      for (const k of ['field', 'allowed', 'step', 'path', 'source']) {
        const v = (err as unknown as Record<string, unknown>)[k];
        if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
      }
      process.stderr.write(`${JSON.stringify({ type: 'error', name: err.name ?? 'Error', message: String(err.message), ...fields })}\n`);
      return 1;
    }
    process.stderr.write(`rfa: ${err.name && err.name !== 'Error' ? err.name + ': ' : ''}${printable(String(err.message), 2000)}\n`);
    if (e instanceof ConfigError) {
      const words = argv.slice(2).filter((a) => !a.startsWith('-'));
      const cmd = words[0] === 'sweep' && ['run', 'merge', 'plot', 'preset'].includes(words[1] ?? '') ? `sweep ${words[1]}` : words[0];
      process.stderr.write(`(rfa ${cmd ? cmd + ' ' : ''}--help lists every flag)\n`);
    } else if (e instanceof NonFiniteError) {
      process.stderr.write('(the command line keeps no weights of a failed run; train() in the library returns them on the error)\n');
    }
    return 1;
  } finally {
    session.close();
  }
}
