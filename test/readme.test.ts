// Every code block of the README works as written: each TypeScript block type-checks against the
// built package (imported by its name, 'rfa') and runs; each `npx rfa ...` line parses (commands,
// flags, choices and values), with the command's action replaced by a no-op.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { Session } from '../src/cli/session.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = (lang: string) => [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('README code blocks', () => {
  const ts = blocks('ts');
  // inside the package, so that `import ... from 'rfa'` resolves to the build by the package's own name
  const dir = join(ROOT, 'build', 'readme');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = ts.map((code, i) => {
    const file = join(dir, `block-${i + 1}.ts`);
    writeFileSync(file, code);
    return file;
  });

  it('has TypeScript blocks', () => {
    expect(ts.length).toBeGreaterThanOrEqual(2);
  });

  it('every TypeScript block type-checks (strict) against the package', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--lib', 'es2022,dom', '--types', 'node', '--skipLibCheck', ...files], { encoding: 'utf8', cwd: ROOT });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(ts.map((_, i) => i + 1))('TypeScript block %i runs', (i) => {
    const js = transformSync(ts[i - 1]!, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
    const file = join(dir, `block-${i}.mjs`);
    writeFileSync(file, js);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  const commands = blocks('sh').flatMap((b) => b.split('\n')).map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l.startsWith('npx rfa '));
  it('has command lines', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
  });

  it.each(commands)('%s parses', async (line) => {
    const args = line.replace(/\s*[|>].*$/, '').split(/\s+/).slice(2);
    const session = new Session();
    try {
      const program = buildProgram(session);
      let ran = '';
      const all = (c: typeof program): (typeof program)[] => [c, ...c.commands.flatMap(all)];
      for (const c of all(program).slice(1)) {
        c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
        // a command with subcommands (rfa sweep) keeps its dispatch; every leaf does nothing but say it ran
        if (c.commands.length === 0) c.action(() => { ran = c.name(); });
      }
      try {
        await program.parseAsync(args, { from: 'user' });
      } catch (e) {
        if (!(e instanceof CommanderError && e.code === 'commander.helpDisplayed')) throw e;
        ran = 'help';
      }
      expect(ran).not.toBe('');
    } finally {
      session.close();
    }
  });
});
