import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from a module URL that may point at a `.ts` source (tests, `tsx`)
 * or a compiled `.js` file (production); TypeScript sources get the tsx loader.
 */
export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const isTs = moduleUrl.pathname.endsWith('.ts');
  const execArgv = isTs ? [...(options.execArgv ?? []), '--import', 'tsx'] : options.execArgv;
  return new Worker(moduleUrl, { ...options, ...(execArgv ? { execArgv } : {}) });
}

/** Resolves a sibling module of `base` with the same extension as `base` (.ts in source, .js when built). */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
