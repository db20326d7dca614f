import { useEffect, useState } from 'react';

const listeners = new Set<() => void>();

/** Navigates inside the app without reloading (history API; the server answers every path with the app). */
export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const fn of listeners) fn();
}

window.addEventListener('popstate', () => {
  for (const fn of listeners) fn();
});

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Replaces one query parameter of the current URL (undefined removes it). */
export function setQueryParam(name: string, value: string | undefined): void {
  const q = new URLSearchParams(location.search);
  if (value === undefined || value === '') q.delete(name);
  else q.set(name, value);
  const s = q.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, true);
}
