import { type LabelMatcher, type Labels, matchesAll, parseSelector } from '../core/index.js';
import { type CronSchedule, lastStart, parseCron } from './cron.js';

/** Tenant marker for objects from the configuration file: they apply to every tenant. */
export const ALL_TENANTS = '*';

/** A silence: mutes notifications about matching alerts between `startsAt` and `endsAt`. */
export interface Silence {
  id: string;
  tenant: string;
  match: string;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  source: 'config' | 'api';
}

/** A recurring maintenance window: each cron match (UTC) starts a window of `duration` ms. */
export interface MaintenanceWindow {
  id: string;
  tenant: string;
  schedule: string;
  duration: number;
  match: string;
  comment: string;
  source: 'config' | 'api';
}

interface CompiledWindow {
  w: MaintenanceWindow;
  cron: CronSchedule;
  matchers: LabelMatcher[];
  /** Minute of the last evaluation and the window start it found (per-minute cache: detection asks often). */
  cacheMinute: number;
  cacheStart: number | null;
}

/** Matches alerts and series against silences and maintenance windows. */
export class MuteIndex {
  private silences: Array<{ s: Silence; matchers: LabelMatcher[] }> = [];
  private windows: CompiledWindow[] = [];

  /** Replaces the silences and windows (on start, reload and API edits). */
  set(silences: readonly Silence[], windows: readonly MaintenanceWindow[]): void {
    this.silences = silences.map((s) => ({ s, matchers: parseSelector(s.match || '{}') }));
    this.windows = windows.map((w) => ({
      w,
      cron: parseCron(w.schedule),
      matchers: parseSelector(w.match || '{}'),
      cacheMinute: Number.NaN,
      cacheStart: null,
    }));
  }

  /** The silence muting `labels` of `tenant` at `t`, or null. */
  silenced(tenant: string, labels: Labels, t: number): Silence | null {
    for (const { s, matchers } of this.silences) {
      if (s.tenant !== ALL_TENANTS && s.tenant !== tenant) continue;
      if (t < s.startsAt || t >= s.endsAt) continue;
      if (matchesAll(labels, matchers)) return s;
    }
    return null;
  }

  /** The maintenance window covering `labels` of `tenant` at `t` with its current start, or null. */
  maintenance(tenant: string, labels: Labels, t: number): { window: MaintenanceWindow; start: number; end: number } | null {
    const minute = Math.floor(t / 60_000);
    for (const c of this.windows) {
      if (c.w.tenant !== ALL_TENANTS && c.w.tenant !== tenant) continue;
      if (!matchesAll(labels, c.matchers)) continue;
      if (c.cacheMinute !== minute) {
        c.cacheMinute = minute;
        c.cacheStart = lastStart(c.cron, t, c.w.duration);
      }
      const start = c.cacheStart;
      if (start !== null && t >= start && t < start + c.w.duration) return { window: c.w, start, end: start + c.w.duration };
    }
    return null;
  }

  /** True when notifications about `labels` are muted at `t` (by a silence or a maintenance window). */
  muted(tenant: string, labels: Labels, t: number): boolean {
    return this.silenced(tenant, labels, t) !== null || this.maintenance(tenant, labels, t) !== null;
  }
}
