// The browser build of ./threads.ts (package.json "browser" maps one to the other): a team needs
// Node's worker_threads, which a page does not have, so every run there uses one thread and none of
// the Node team code is bundled. (Web Workers over a cross-origin-isolated page's shared memory are
// the way to both cores in a page; not wired yet.)
import { instantiateKernels, type KernelExports } from './loader.js';
import type { ThreadTeam } from './threads.js';

export type { ThreadTeam, ThreadedExports } from './threads.js';

/** Cores the page may use (navigator.hardwareConcurrency; 1 where that cannot be known). */
export function coreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** A page runs no team. */
export function threadsSupported(): boolean {
  return false;
}

export function pooledWorkers(): number {
  return 0;
}

/** An engine's kernels: its own instance of `module` (one thread). */
export function engineKernels(
  module: WebAssembly.Module,
  threads?: { module: WebAssembly.Module; size: number },
): { kernels: KernelExports; startTeam(ctrl: number): ThreadTeam | null } {
  if (threads && threads.size > 1) throw new Error('a team of threads needs Node worker_threads: in a page runs use one thread');
  return { kernels: instantiateKernels(module), startTeam: () => null };
}
