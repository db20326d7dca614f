import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from a module URL that may point at a `.ts` source (tests, `tsx`) or a compiled `.js`
 * file (production). On Node 20 `--import tsx` in a worker's execArgv does not apply to the worker's own entry
 * module, so a TypeScript entry is started through a tiny bootstrap that registers tsx and then imports it.
 */
export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const api = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Resolves a sibling module of `base` with the same extension as `base` (.ts in source, .js when built). */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
