// One CLI invocation's life: an AbortSignal for its work, cleanups to run however it ends (the
// progress bar gives the cursor back, temporaries are removed), and the Unix manners:
//   Ctrl-C (SIGINT), SIGTERM and SIGHUP end it by that signal (status 130, 143, 129) after cleaning up;
//   nothing half-written is left;
//   a closed stdout (`rfa train --json | head -2`) ends the run quietly with the status of a process
//   killed by SIGPIPE (141), as `yes | head` does, instead of an EPIPE stack trace.
import { commitsMade, removeTemporaries } from '../node/files.js';

export class Session {
  readonly controller = new AbortController();
  private readonly cleanups = new Set<() => void>();
  private stdoutClosed = false;
  private readonly handlers: [string, (...a: unknown[]) => void][] = [];

  constructor() {
    this.on(process, 'SIGINT', () => this.stop(130, 'interrupted', 'SIGINT'));
    this.on(process, 'SIGTERM', () => this.stop(143, 'terminated', 'SIGTERM'));
    this.on(process, 'SIGHUP', () => this.stop(129, 'its terminal closed', 'SIGHUP'));
    this.on(process.stdout, 'error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') this.stop(141, null);
      else this.stop(1, `cannot write to stdout: ${(e as Error).message}`);
    });
  }

  private on(target: NodeJS.EventEmitter, event: string, fn: (...a: unknown[]) => void): void {
    target.on(event, fn);
    this.handlers.push([event, fn]);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Run `fn` however the command ends (normally, by an error or by a signal); returns an unregister. */
  onCleanup(fn: () => void): () => void {
    this.cleanups.add(fn);
    return () => this.cleanups.delete(fn);
  }

  /** Write to stdout unless its reader has gone. */
  out(text: string): void {
    if (!this.stdoutClosed) process.stdout.write(text);
  }

  /** Run the cleanups and remove temporaries (idempotent). */
  cleanup(): void {
    for (const fn of [...this.cleanups]) {
      try {
        fn();
      } catch {
        // a cleanup must not hide the reason the command stops
      }
    }
    this.cleanups.clear();
    removeTemporaries();
  }

  /**
   * Stop now: cleanups, a one-line reason on stderr, then end as Unix tools do: killed by the same
   * signal (the shell sees 128 + its number, and a script's loop stops), else with `code`. Dying by
   * the signal also ends a process whose worker thread is blocked (a FIFO nobody opens), which
   * process.exit would wait for forever.
   */
  private stop(code: number, reason: string | null, signal?: NodeJS.Signals): void {
    if (code === 141) this.stdoutClosed = true;
    this.controller.abort();
    this.cleanup();
    if (reason) {
      const kept = commitsMade() === 0 ? 'no output of this run was written' : 'the files it wrote before are complete; nothing is half-written';
      process.stderr.write(`\nrfa: ${reason}; ${kept}\n`);
    }
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code);
  }

  /** Detach the signal handlers (the command is over); a late EPIPE on stdout still ends quietly. */
  close(): void {
    for (const [event, fn] of this.handlers) if (event !== 'error') process.off(event, fn);
    this.cleanup();
  }
}
