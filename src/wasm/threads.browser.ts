// The browser build of ./threads.ts (package.json "browser" maps one to the other): thread teams run in a
// Worker of a cross-origin isolated page, on Web Workers, and their code (./team.ts) is loaded only when
// a run asks for more than one thread, so a page's bundle stays small.
import { instantiateKernels, type KernelExports } from './loader.js';
import type { TeamStart, ThreadTeam } from './team.js';

export type { TeamStart, ThreadTeam, ThreadedExports } from './team.js';

let team: typeof import('./team.js') | null = null;

/** Cores the page may use (navigator.hardwareConcurrency; 1 where that cannot be known). */
export function coreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * Why a team cannot run here (null when it may). Until train() has loaded the team code (it does when
 * a run asks for threads by number) only whether this is a Worker of a cross-origin isolated page that
 * can start Workers (train() finds out whether the threaded build was given); trainSync runs one thread
 * in a browser.
 */
export function threadsUnavailable(sync = false): string | null {
  if (team) return team.threadsUnavailable(sync);
  if (sync) return 'in trainSync in a browser (teams need train(), in a Worker of a cross-origin isolated page)';
  const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown; document?: unknown; Worker?: unknown };
  // (whether the threaded build was given is known once train() tries to compile it: prepareTeam)
  return g.document === undefined && g.WorkerGlobalScope !== undefined && g.crossOriginIsolated === true && typeof g.Worker === 'function' ? null : 'in this page';
}

/** Load the team code (train() does when a run asks for threads by number, so its refusals give their reasons). */
export async function loadThreads(): Promise<void> {
  team ??= await import('./team.js');
}

/** Load the team code and set aside what one run's team needs: Web Workers armed on its memory (train() does, before its steps). */
export async function prepareTeam(
  workers: number, module: () => Promise<WebAssembly.Module>, asked: unknown, signal?: AbortSignal,
): Promise<TeamStart | null> {
  await loadThreads();
  return team!.prepareTeam(workers, module, asked, signal);
}

/** Workers a run set aside and did not use: ended (a browser keeps no idle kernel Workers). */
export function releaseWorkers(start: TeamStart | null): void {
  team?.releaseWorkers(start);
}

export function pooledWorkers(): number {
  return team?.pooledWorkers() ?? 0;
}

/** An engine's kernels: its own instance of `module`, or a team's on a shared memory once prepareTeam has run. */
export function engineKernels(
  module: WebAssembly.Module,
  threads?: { module: WebAssembly.Module; size: number; start?: unknown },
): { kernels: KernelExports; startTeam(ctrl: number): ThreadTeam | null } {
  if (!threads || threads.size <= 1) return { kernels: instantiateKernels(module), startTeam: () => null };
  if (!team) throw new Error('rfa: use train() for threads');
  return team.engineKernels(module, threads);
}
