/** Units a chart or a cell can format values in. */
export type Unit = 'percent' | 'bytes' | 'bytes/s' | 'ops/s' | 'seconds' | 'count' | 'ratio' | 'none';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function trim(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1');
}

/** Formats a number of bytes with binary prefixes, e.g. 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${n < 0 ? '-' : ''}${trim(v, v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${BYTE_UNITS[i]}`;
}

/** Formats a plain number with SI suffixes (k, M, G) and at most 3 significant digits. */
export function formatSI(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a === 0) return '0';
  if (a >= 1e9) return `${trim(n / 1e9, 2)}G`;
  if (a >= 1e6) return `${trim(n / 1e6, 2)}M`;
  if (a >= 1e4) return `${trim(n / 1e3, 1)}k`;
  if (a >= 100) return trim(n, 0);
  if (a >= 1) return trim(n, 2);
  return trim(n, 3);
}

/** Formats a value in a unit, e.g. (42.123, 'percent') → "42.1%". */
export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'percent':
      return `${trim(v, Math.abs(v) >= 10 ? 0 : 1)}%`;
    case 'ratio':
      return `${trim(v * 100, 1)}%`;
    case 'bytes':
      return formatBytes(v);
    case 'bytes/s':
      return `${formatBytes(v)}/s`;
    case 'ops/s':
      return `${formatSI(v)}/s`;
    case 'seconds':
      return formatDuration(v * 1000);
    default:
      return formatSI(v);
  }
}

/** Formats a duration in ms compactly: "45 s", "12 min", "3.5 h", "12 d". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${trim(a / 1000, a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${sign}${Math.round(a / 60_000)} min`;
  if (a < 86_400_000) return `${sign}${trim(a / 3_600_000, 1)} h`;
  return `${sign}${trim(a / 86_400_000, 1)} d`;
}

/** "3 min ago" / "in 2 h" relative to `now`. */
export function formatAgo(t: number, now = Date.now()): string {
  const d = now - t;
  if (Math.abs(d) < 5000) return 'just now';
  return d >= 0 ? `${formatDuration(d)} ago` : `in ${formatDuration(-d)}`;
}

/** Local date and time "2026-11-22 14:03:05". */
export function formatTime(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A series' labels as a PromQL-like selector: `node_load1{host="a"}`. */
export function formatSeries(labels: Record<string, string>): string {
  const { __name__: name = '', ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ');
  return inner.length > 0 ? `${name}{${inner}}` : name;
}

/** Parses "15m", "6h", "7d", "90d" into ms; null when not a duration. */
export function parseRange(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(s.trim());
  if (!m) return null;
  const mult = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * mult;
}
