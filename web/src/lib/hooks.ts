import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api.js';

/** State of one API read. */
export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads `path` (GET) whenever it changes, optionally every `refreshMs`; `null` skips loading. */
export function useApi<T>(path: string | null, refreshMs?: number): ApiState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how reload() asks for a fresh load
  useEffect(() => {
    if (path === null) return;
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { signal: ctrl.signal }).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error: unknown) => {
        if (ctrl.signal.aborted) return;
        setState((s) => ({ data: s.data, error: error instanceof Error ? error : new Error(String(error)), loading: false }));
      },
    );
    return () => ctrl.abort();
  }, [path, tick]);
  useEffect(() => {
    if (!refreshMs || path === null) return;
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, refreshMs);
    return () => clearInterval(id);
  }, [refreshMs, path, reload]);
  return { ...state, reload };
}

/** Whether an error means the route is not offered by this server (the page shows an empty state instead). */
export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.unavailable;
}

/** Runs `fn` every `ms` while the page is visible. */
export function useInterval(fn: () => void, ms: number | null): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (ms === null) return;
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') ref.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** A value persisted in localStorage. */
export function useStored<T extends string>(key: string, initial: T): [T, (v: T) => void] {
  const [v, setV] = useState<T>(() => (localStorage.getItem(key) as T | null) ?? initial);
  const set = useCallback(
    (nv: T) => {
      localStorage.setItem(key, nv);
      setV(nv);
    },
    [key],
  );
  return [v, set];
}
