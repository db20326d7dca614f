import type { SeriesSamples } from '../core/index.js';
import { hashNoise, Rng } from './random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GIB = 1024 ** 3;

/** What a scenario may change on one host at one moment; every field is optional and additive unless noted. */
export interface Effects {
  /** Added CPU utilisation (0–1 of the host), e.g. a stress test. */
  cpu?: number;
  /** Added steal share (noisy neighbour). */
  steal?: number;
  /** Added bytes of memory in use. */
  memoryBytes?: number;
  /** Added bytes used on /var. */
  varBytes?: number;
  /** Multiplier of network traffic. */
  netFactor?: number;
  /** Added probe latency, seconds. */
  probeSeconds?: number;
  /** The host sends nothing (down). */
  down?: boolean;
}

/** A simulated host's fixed character. */
export interface HostProfile {
  name: string;
  id: number;
  role: 'web' | 'api' | 'db' | 'worker' | 'cache';
  cores: number;
  memTotal: number;
  rootSize: number;
  varSize: number;
  /** Mean CPU utilisation. */
  cpuBase: number;
  /** Daily swing as a fraction of the base. */
  diurnal: number;
  /** Base network rate, bytes/s. */
  netBase: number;
  /** /var log growth, bytes per hour, rotated daily at 03:00. */
  logGrowth: number;
  /** Minute of the hour the host's cron job runs (workers). */
  cronMinute: number;
  /** Hour of day of the daily deploy. */
  deployHour: number;
}

interface HostState {
  p: HostProfile;
  cpu: Record<string, number>;
  rx: number;
  tx: number;
  read: number;
  written: number;
  rootUsed: number;
  varUsed: number;
  lastT: number;
}

const ROLES: HostProfile['role'][] = ['web', 'web', 'api', 'api', 'db', 'worker', 'cache'];
const MODES = ['user', 'system', 'iowait', 'steal', 'idle'] as const;

/** Options of a simulated fleet. */
export interface FleetOptions {
  hosts: number;
  seed?: number;
  /** Labels on every series (e.g. `{ demo: 'true' }`). */
  labels?: Record<string, string>;
}

/**
 * A fleet of simulated hosts whose metrics have the names and behaviour of the Vigil agent's (node_exporter
 * names, counters as counters): daily and weekly rhythms, noise, hourly cron jobs, daily deploys and log
 * rotation. `sample(t, effects)` advances every host to time `t` and returns one sample per series.
 */
export class Fleet {
  readonly hosts: HostProfile[];
  private readonly state: HostState[];
  private readonly labels: Record<string, string>;

  constructor(opts: FleetOptions) {
    const rng = new Rng(opts.seed ?? 42);
    this.labels = opts.labels ?? {};
    this.hosts = [];
    for (let i = 0; i < opts.hosts; i++) {
      const role = ROLES[i % ROLES.length] as HostProfile['role'];
      const cores = [2, 4, 8][Math.floor(rng.next() * 3)] as number;
      this.hosts.push({
        name: `${role}-${String(i + 1).padStart(2, '0')}`,
        id: i + 1,
        role,
        cores,
        memTotal: cores * 4 * GIB,
        rootSize: 50 * GIB,
        varSize: 100 * GIB,
        cpuBase: role === 'db' ? rng.range(0.25, 0.4) : role === 'cache' ? rng.range(0.08, 0.15) : rng.range(0.12, 0.3),
        diurnal: role === 'worker' ? rng.range(0.1, 0.2) : rng.range(0.4, 0.7),
        netBase: rng.range(2e5, 5e6),
        logGrowth: rng.range(50e6, 300e6),
        cronMinute: Math.floor(rng.range(0, 55)),
        deployHour: Math.floor(rng.range(10, 17)),
      });
    }
    this.state = this.hosts.map((p) => ({
      p,
      cpu: Object.fromEntries(MODES.map((m) => [m, 1e6 * rng.next()])),
      rx: 1e12 * rng.next(),
      tx: 1e12 * rng.next(),
      read: 1e11 * rng.next(),
      written: 1e11 * rng.next(),
      rootUsed: p.rootSize * rng.range(0.3, 0.6),
      varUsed: p.varSize * rng.range(0.2, 0.4),
      lastT: Number.NaN,
    }));
  }

  /** The CPU utilisation a healthy host has at time t (0–1), before scenario effects. */
  static normalCpu(p: HostProfile, t: number): number {
    const hourOfDay = (t % DAY) / HOUR;
    const day = Math.floor(t / DAY + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
    const weekend = day === 0 || day === 6;
    const daily = Math.sin(((hourOfDay - 8) / 24) * 2 * Math.PI); // peaks at 14:00, below zero from 20:00 to 08:00
    // Weekends are quieter in the daytime only: nights look alike, so no step appears at midnight.
    const quieter = weekend && p.role !== 'worker' ? 0.5 * Math.max(0, daily) : 0;
    let u = p.cpuBase * (1 + p.diurnal * (daily - quieter));
    const minute = Math.floor((t % HOUR) / 60_000);
    if (p.role === 'worker' && minute >= p.cronMinute && minute < p.cronMinute + 3) u += 0.2;
    if (hourOfDay >= p.deployHour && hourOfDay < p.deployHour + 2 / 60) u += 0.08;
    return u;
  }

  /** Advances every host to `t` (ms, increasing) and returns its samples; `effects(host)` gives scenario changes. */
  sample(t: number, effects: (host: HostProfile) => Effects | undefined = () => undefined): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    for (const s of this.state) {
      const e = effects(s.p) ?? {};
      const dt = Number.isNaN(s.lastT) ? 0 : (t - s.lastT) / 1000;
      s.lastT = t;
      if (e.down) continue;
      this.sampleHost(s, t, dt, e, out);
    }
    return out;
  }

  private sampleHost(s: HostState, t: number, dt: number, e: Effects, out: SeriesSamples[]): void {
    const p = s.p;
    const n = (k: number) => hashNoise(p.id * 131 + k, Math.floor(t / 1000)) - 0.5;
    const u = Math.min(0.99, Math.max(0.01, Fleet.normalCpu(p, t) * (1 + 0.25 * n(1)) + (e.cpu ?? 0)));
    const steal = Math.min(0.5, 0.002 + (e.steal ?? 0) * (1 + 0.1 * n(2)));
    const busy = Math.min(0.99, u + steal);
    const shares: Record<(typeof MODES)[number], number> = {
      user: u * 0.7,
      system: u * 0.22,
      iowait: u * 0.08,
      steal,
      idle: Math.max(0, 1 - busy),
    };
    for (const m of MODES) (s.cpu as Record<string, number>)[m] = (s.cpu[m] ?? 0) + shares[m] * dt * p.cores;
    const hourOfDay = (t % DAY) / HOUR;
    const traffic = (0.6 + 0.4 * Math.sin(((hourOfDay - 8) / 24) * 2 * Math.PI)) * (e.netFactor ?? 1) * (1 + 0.2 * n(3));
    s.rx += p.netBase * traffic * dt;
    s.tx += p.netBase * 0.6 * traffic * dt;
    s.read += 2e6 * (0.5 + u) * dt * (1 + 0.3 * n(4));
    s.written += 4e6 * (0.5 + u) * dt * (1 + 0.3 * n(5));
    s.rootUsed += 1e3 * dt;
    // Logs grow all day and logrotate compresses them at 03:00.
    const sinceRotate = (((t - 3 * HOUR) % DAY) + DAY) % DAY;
    const varUsed = s.varUsed + (p.logGrowth * sinceRotate) / HOUR + (e.varBytes ?? 0);
    const memUsed = p.memTotal * (0.35 + 0.05 * Math.sin(((hourOfDay - 8) / 24) * 2 * Math.PI) + 0.01 * n(6)) + (e.memoryBytes ?? 0);
    const memAvail = Math.max(64 * 1024 ** 2, p.memTotal - memUsed);
    const probe = 0.045 + 0.01 * Math.abs(n(7)) + 0.02 * u + (e.probeSeconds ?? 0);

    const base = { ...this.labels, host: p.name, host_id: `sim-${p.id}`, role: p.role };
    const push = (name: string, v: number, extra: Record<string, string> = {}) =>
      out.push({ labels: { __name__: name, ...base, ...extra }, timestamps: [t], values: [v] });
    const cores = Math.min(p.cores, 2);
    for (let c = 0; c < cores; c++) {
      for (const m of MODES) push('node_cpu_seconds_total', ((s.cpu[m] ?? 0) / p.cores) * (1 + c * 0.01), { cpu: String(c), mode: m });
    }
    push('node_load1', busy * p.cores * (1 + 0.15 * n(8)));
    push('node_memory_MemTotal_bytes', p.memTotal);
    push('node_memory_MemAvailable_bytes', memAvail);
    push('node_filesystem_size_bytes', p.rootSize, { mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' });
    push('node_filesystem_avail_bytes', Math.max(0, p.rootSize - s.rootUsed), { mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' });
    push('node_filesystem_size_bytes', p.varSize, { mountpoint: '/var', device: '/dev/sdb1', fstype: 'ext4' });
    push('node_filesystem_avail_bytes', Math.max(0, p.varSize - varUsed), { mountpoint: '/var', device: '/dev/sdb1', fstype: 'ext4' });
    push('node_network_receive_bytes_total', s.rx, { device: 'eth0' });
    push('node_network_transmit_bytes_total', s.tx, { device: 'eth0' });
    push('node_disk_read_bytes_total', s.read, { device: 'sda' });
    push('node_disk_written_bytes_total', s.written, { device: 'sda' });
    push('vigil_probe_duration_seconds', probe, { probe: 'api-health', kind: 'http', target: `https://${p.name}.internal/health` });
  }
}
