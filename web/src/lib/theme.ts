import { useEffect, useState } from 'react';

/** Okabe–Ito colours: distinguishable with the common forms of colour blindness. */
export const PALETTE = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#F0E442', '#999999'] as const;

/** Colours with a meaning; always paired with text or shape so colour is never the only cue. */
export const COLORS = {
  up: '#009E73',
  down: '#D55E00',
  learning: '#56B4E9',
  critical: '#D55E00',
  warning: '#E69F00',
  info: '#0072B2',
  normal: '#8a94a6',
  band: 'rgba(86, 180, 233, 0.18)',
  forecast: '#CC79A7',
  forecastBand: 'rgba(204, 121, 167, 0.18)',
} as const;

/** Viridis stops (perceptually uniform, colour-blind safe) for heatmaps, from low to high. */
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

function hex(c: string): [number, number, number] {
  return [Number.parseInt(c.slice(1, 3), 16), Number.parseInt(c.slice(3, 5), 16), Number.parseInt(c.slice(5, 7), 16)];
}

/** Colour of a value in [0, 1] on the viridis scale. */
export function viridis(x: number): string {
  const f = Math.max(0, Math.min(1, x)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(f));
  const a = hex(VIRIDIS[i]!);
  const b = hex(VIRIDIS[i + 1]!);
  const k = f - i;
  return `rgb(${Math.round(a[0] + (b[0] - a[0]) * k)},${Math.round(a[1] + (b[1] - a[1]) * k)},${Math.round(a[2] + (b[2] - a[2]) * k)})`;
}

/** The page theme. */
export type Theme = 'dark' | 'light';

const varCache = new Map<string, string>();

/** Reads a CSS custom property of the document, cached per theme (getComputedStyle forces a style recalculation). */
export function cssVar(name: string): string {
  let v = varCache.get(name);
  if (v === undefined) {
    v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    varCache.set(name, v);
  }
  return v;
}

const themeListeners = new Set<(t: Theme) => void>();

/** Applies a theme to the document and remembers it. */
export function setTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
  varCache.clear();
  localStorage.setItem('vigil-theme', t);
  for (const fn of themeListeners) fn(t);
}

/** The saved theme, else the system preference. */
export function initialTheme(): Theme {
  const saved = localStorage.getItem('vigil-theme');
  if (saved === 'dark' || saved === 'light') return saved;
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** The current theme; re-renders when it changes (charts redraw their canvas colours). */
export function useTheme(): Theme {
  const [t, setT] = useState<Theme>((document.documentElement.dataset.theme as Theme | undefined) ?? 'dark');
  useEffect(() => {
    themeListeners.add(setT);
    return () => {
      themeListeners.delete(setT);
    };
  }, []);
  return t;
}
