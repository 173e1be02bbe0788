// Thread teams for Node and for the training worker's bundle (both hosts: worker_threads, or Web
// Workers inside a Worker of a cross-origin isolated page): ./team.ts. Page bundles get
// ./threads.browser.ts instead (package.json "browser"), which loads ./team.ts only when a run asks for
// threads.
export { coreCount, engineKernels, loadThreads, pooledWorkers, prepareTeam, releaseWorkers, threadsUnavailable, sharedMemory, ThreadTeam } from './team.js';
export type { TeamStart, ThreadedExports } from './team.js';
