import type { FastifyInstance } from 'fastify';
import { type Clock, type LabelMatcher, type Labels, systemClock } from '../../core/index.js';
import type { Querier } from '../../tsdb/index.js';

/** One host as the fleet overview shows it; percentages are 0–100, null when the host does not report the inputs. */
export interface HostSummary {
  host: string;
  hostId: string | null;
  /** The host's own labels (those of its host-wide series, without `__name__`). */
  labels: Labels;
  /** Newest sample of the host's core series (Unix ms), null when none. */
  lastSeen: number | null;
  /** `down` when nothing arrived for longer than the staleness window; `learning` while every model of the host still learns. */
  status: 'up' | 'down' | 'learning';
  /** Busy share of all CPUs over the last `cpuWindowMs` (from `node_cpu_seconds_total`). */
  cpuPct: number | null;
  /** 1 − MemAvailable / MemTotal. */
  memPct: number | null;
  /** The fullest real filesystem: 1 − avail / size, and its mount point. */
  diskPct: number | null;
  diskMount: string | null;
  load1: number | null;
}

/** Options of the fleet summary. */
export interface HostSummaryOptions {
  /** A host is `down` when its newest sample is older than this (ms). Default 2 min. */
  staleAfterMs?: number;
  /** Window over which CPU use is measured (ms). Default 2 min. */
  cpuWindowMs?: number;
}

/** The learning state of one series' model, as detection lists it (`GET /api/v1/models`). */
export interface ModelLearning {
  labels: Labels;
  learning: boolean;
}

/** What the host routes need. */
export interface HostRouteDeps extends HostSummaryOptions {
  querier: Querier;
  clock?: Clock;
  /** Detection's models of a tenant; without it no host is reported as `learning`. */
  models?: (tenant: string) => Promise<readonly ModelLearning[]>;
}

const PSEUDO_FS = /^(tmpfs|devtmpfs|overlay|squashfs|ramfs|nsfs|proc|sysfs|cgroup2?|autofs|fuse\..*)$/;
const CORE_NAMES = [
  'node_memory_MemAvailable_bytes',
  'node_memory_MemTotal_bytes',
  'node_filesystem_avail_bytes',
  'node_filesystem_size_bytes',
  'node_load1',
];
const HOST_SET: LabelMatcher = { name: 'host', op: '=~', value: '.+' };
/** Labels that describe one series of a host rather than the host. */
const SERIES_LABELS = new Set(['__name__', 'cpu', 'mode', 'mountpoint', 'device', 'fstype']);

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Acc {
  labels: Labels | null;
  lastSeen: number | null;
  memAvail?: number;
  memTotal?: number;
  fsAvail: Map<string, number>;
  fsSize: Map<string, number>;
  load1: number | null;
  cpuIdle: number;
  cpuAll: number;
}

/**
 * Summarises every host of a tenant from the store: labels, last seen, up/down by staleness, current CPU %,
 * memory % and worst disk %. Reads the newest samples of a few node_exporter series and the last
 * `cpuWindowMs` of `node_cpu_seconds_total`; never the whole history.
 */
export async function summarizeHosts(
  querier: Querier,
  tenant: string,
  now: number,
  opts: HostSummaryOptions = {},
  models: readonly ModelLearning[] = [],
): Promise<HostSummary[]> {
  const staleAfterMs = opts.staleAfterMs ?? 120_000;
  const cpuWindowMs = opts.cpuWindowMs ?? 120_000;
  const names = await querier.labelValues(tenant, 'host');
  const acc = new Map<string, Acc>();
  const get = (h: string): Acc => {
    let a = acc.get(h);
    if (!a) {
      a = { labels: null, lastSeen: null, fsAvail: new Map(), fsSize: new Map(), load1: null, cpuIdle: 0, cpuAll: 0 };
      acc.set(h, a);
    }
    return a;
  };
  for (const h of names) get(h);

  const [latest, cpu] = await Promise.all([
    querier.latest(tenant, [{ name: '__name__', op: '=~', value: CORE_NAMES.join('|') }, HOST_SET], now),
    querier.select(tenant, [{ name: '__name__', op: '=', value: 'node_cpu_seconds_total' }, HOST_SET], now - cpuWindowMs, now),
  ]);
  for (const s of latest) {
    const a = get(s.labels.host!);
    if (a.lastSeen === null || s.t > a.lastSeen) a.lastSeen = s.t;
    const name = s.labels.__name__;
    if (name === 'node_memory_MemAvailable_bytes') a.memAvail = s.v;
    else if (name === 'node_memory_MemTotal_bytes') {
      a.memTotal = s.v;
      a.labels ??= s.labels;
    } else if (name === 'node_load1') {
      a.load1 = s.v;
      a.labels = s.labels;
    } else if (!PSEUDO_FS.test(s.labels.fstype ?? '')) {
      const mount = s.labels.mountpoint ?? s.labels.device ?? '';
      (name === 'node_filesystem_avail_bytes' ? a.fsAvail : a.fsSize).set(mount, s.v);
    }
  }
  for (const s of cpu) {
    const n = s.values.length;
    if (n < 2) continue;
    const a = get(s.labels.host!);
    const lastT = s.timestamps[n - 1]!;
    if (a.lastSeen === null || lastT > a.lastSeen) a.lastSeen = lastT;
    // Counter increase over the window, tolerating resets as rate() does.
    let inc = 0;
    for (let i = 1; i < n; i++) {
      const d = s.values[i]! - s.values[i - 1]!;
      inc += d >= 0 ? d : s.values[i]!;
    }
    a.cpuAll += inc;
    if (s.labels.mode === 'idle') a.cpuIdle += inc;
  }

  // Hosts without any core series: their newest sample of anything, in one query.
  const quiet = [...acc.entries()].filter(([, a]) => a.lastSeen === null).map(([h]) => h);
  if (quiet.length > 0) {
    const rest = await querier.latest(tenant, [{ name: 'host', op: '=~', value: quiet.map(escapeRegex).join('|') }], now);
    for (const s of rest) {
      const a = get(s.labels.host!);
      if (a.lastSeen === null || s.t > a.lastSeen) a.lastSeen = s.t;
      a.labels ??= s.labels;
    }
  }

  // A host learns while it has models and none of them is done learning.
  const learning = new Map<string, boolean>();
  for (const m of models) {
    const h = m.labels.host;
    if (h !== undefined) learning.set(h, (learning.get(h) ?? true) && m.learning);
  }

  const out: HostSummary[] = [];
  for (const [host, a] of acc) {
    let diskPct: number | null = null;
    let diskMount: string | null = null;
    for (const [mount, size] of a.fsSize) {
      const avail = a.fsAvail.get(mount);
      if (avail === undefined || !(size > 0)) continue;
      const pct = 100 * (1 - avail / size);
      if (diskPct === null || pct > diskPct) {
        diskPct = pct;
        diskMount = mount;
      }
    }
    const labels: Labels = {};
    for (const [k, v] of Object.entries(a.labels ?? { host })) if (!SERIES_LABELS.has(k)) labels[k] = v;
    out.push({
      host,
      hostId: labels.host_id ?? null,
      labels,
      lastSeen: a.lastSeen,
      status: a.lastSeen === null || now - a.lastSeen > staleAfterMs ? 'down' : learning.get(host) === true ? 'learning' : 'up',
      cpuPct: a.cpuAll > 0 ? Math.max(0, Math.min(100, 100 * (1 - a.cpuIdle / a.cpuAll))) : null,
      memPct: a.memAvail !== undefined && a.memTotal !== undefined && a.memTotal > 0 ? 100 * (1 - a.memAvail / a.memTotal) : null,
      diskPct,
      diskMount,
      load1: a.load1,
    });
  }
  return out.sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : 0));
}

/** `GET /api/v1/hosts` → `{ hosts: HostSummary[], now, staleAfterMs }`: the fleet summary of the caller's tenant. */
export function registerHostRoutes(app: FastifyInstance, deps: HostRouteDeps): void {
  const clock = deps.clock ?? systemClock;
  const staleAfterMs = deps.staleAfterMs ?? 120_000;
  app.get('/api/v1/hosts', { config: { auth: 'read' } }, async (req) => {
    const now = clock.now();
    const hosts = await summarizeHosts(deps.querier, req.tenant, now, {
      staleAfterMs,
      ...(deps.cpuWindowMs !== undefined ? { cpuWindowMs: deps.cpuWindowMs } : {}),
    });
    return { hosts, now, staleAfterMs };
  });
}
