import { type ReactNode, useEffect, useState } from 'react';

/** A code-split module that can be fetched ahead of rendering and read synchronously once it has arrived. */
export interface Loader<M> {
  /** The module, when it has arrived. */
  get(): M | undefined;
  /** Starts fetching (once) and resolves with the module. */
  load(): Promise<M>;
}

/** Wraps a dynamic `import()` as a Loader. */
export function loader<M>(importer: () => Promise<M>): Loader<M> {
  let mod: M | undefined;
  let pending: Promise<M> | undefined;
  return {
    get: () => mod,
    load: () => {
      pending ??= importer().then((m) => {
        mod = m;
        return m;
      });
      return pending;
    },
  };
}

/**
 * Renders a page from a code-split module: at once when the module is already there (the app fetches the
 * current page's chunk while it checks the session), else after a short "Loading…". Unlike `React.lazy`
 * under `<Suspense>`, revealing the page is never held back by React's fallback throttle (300 ms).
 * Give each page its own `key`, so the state of one never carries over to another.
 */
export function Deferred<M>({ from, render }: { from: Loader<M>; render: (m: M) => ReactNode }) {
  const [mod, setMod] = useState<M | undefined>(from.get);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (mod !== undefined) return;
    let live = true;
    from.load().then(
      (m) => live && setMod(() => m),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [from, mod]);
  if (error) return <p className="error">This page could not be loaded ({error}); reload to try again.</p>;
  return mod === undefined ? <p className="empty">Loading…</p> : render(mod);
}
