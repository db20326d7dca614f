/** A parsed five-field cron schedule (minute hour day-of-month month day-of-week), evaluated in UTC. */
export interface CronSchedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domAny: boolean;
  dowAny: boolean;
}

const FIELDS: Array<[min: number, max: number, label: string]> = [
  [0, 59, 'minute'],
  [0, 23, 'hour'],
  [1, 31, 'day of month'],
  [1, 12, 'month'],
  [0, 7, 'day of week'],
];

const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

function parseField(text: string, min: number, max: number, label: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (m === null) throw new Error(`cron ${label}: cannot parse "${part}"`);
    let lo = min;
    let hi = max;
    if (m[1] !== '*') {
      const [a, b] = (m[1] as string).split('-').map(Number) as [number, number | undefined];
      lo = a;
      hi = b ?? (m[2] === undefined ? a : max);
    }
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (lo < min || hi > max || lo > hi || step < 1) throw new Error(`cron ${label}: "${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses `m h dom mon dow` (numbers, `*`, ranges, steps, lists; `@hourly`/`@daily`/`@weekly`/`@monthly`); throws on error. */
export function parseCron(text: string): CronSchedule {
  const expanded = MACROS[text.trim()] ?? text.trim();
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron schedule "${text}" must have 5 fields: minute hour day-of-month month day-of-week`);
  const sets = parts.map((p, i) => {
    const [min, max, label] = FIELDS[i] as [number, number, string];
    return parseField(p, min, max, label);
  });
  const dow = sets[4] as Set<number>;
  if (dow.has(7)) dow.add(0);
  return {
    minute: sets[0] as Set<number>,
    hour: sets[1] as Set<number>,
    dom: sets[2] as Set<number>,
    month: sets[3] as Set<number>,
    dow,
    domAny: parts[2] === '*',
    dowAny: parts[4] === '*',
  };
}

/** True when the UTC minute containing `t` matches the schedule (classic cron: day-of-month OR day-of-week when both are set). */
export function cronMatches(c: CronSchedule, t: number): boolean {
  const d = new Date(t);
  if (!c.minute.has(d.getUTCMinutes()) || !c.hour.has(d.getUTCHours()) || !c.month.has(d.getUTCMonth() + 1)) return false;
  const domOk = c.dom.has(d.getUTCDate());
  const dowOk = c.dow.has(d.getUTCDay());
  if (c.domAny && c.dowAny) return true;
  if (c.domAny) return dowOk;
  if (c.dowAny) return domOk;
  return domOk || dowOk;
}

/** The latest scheduled start in `(t - lookback, t]`, or null; minute resolution. */
export function lastStart(c: CronSchedule, t: number, lookback: number): number | null {
  const first = Math.floor(t / 60_000) * 60_000;
  for (let m = first; m > t - lookback; m -= 60_000) if (cronMatches(c, m)) return m;
  return null;
}
