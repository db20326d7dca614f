const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;

/** Parses a Prometheus-style duration such as `5s`, `1h30m`, `15d` into milliseconds; null when invalid. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(PART_RE)) {
    if (m.index !== consumed) return null;
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    consumed += m[0].length;
  }
  return consumed === s.length ? total : null;
}

/** Formats milliseconds as a short human duration: `5h 40m`, `2d 3h`, `45s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const neg = ms < 0;
  let rest = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m && d === 0) parts.push(`${m}m`);
  if (s && d === 0 && h === 0) parts.push(`${s}s`);
  return (neg ? '-' : '') + (parts.length ? parts.join(' ') : '0s');
}
