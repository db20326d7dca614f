import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from a module URL that may point at a `.ts` source (tests, `tsx`)
 * or a compiled `.js` file (production); TypeScript sources get the tsx loader.
 */
export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  // Node 20 does not apply loader hooks from `--import tsx` to a worker's entry module, so a tiny
  // bootstrap registers tsx inside the worker and then imports the TypeScript module.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** Resolves a sibling module of `base` with the same extension as `base` (.ts in source, .js when built). */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
