import type { Effects, HostProfile } from './fleet.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const GIB = 1024 ** 3;

/** One injected incident: where, when, what it does, and what a good monitor should say. */
export interface Scenario {
  name: string;
  description: string;
  /** Host names it affects. */
  hosts: string[];
  /** Start and end of the scored window, simulated ms. */
  start: number;
  end: number;
  /**
   * When its effects begin, if earlier than `start`: a routine pattern of the host that is already in the
   * pre-filled history (log rotation), scored from `start` only.
   */
  activeFrom?: number;
  /** Whether a user should be alerted. */
  expected: boolean;
  /** A metric name the explanation should mention when caught (substring match), e.g. `cpu`. */
  metricHint: string;
  effects(host: HostProfile, t: number): Effects | undefined;
}

/** Scenario names, in the order they are scheduled: the slow ones first, as a trend takes hours to show. */
export const SCENARIO_NAMES = [
  'memory_leak',
  'disk_fill',
  'cpu_spike',
  'crypto_miner',
  'log_rotation',
  'network_saturation',
  'latency_degradation',
  'host_down',
  'noisy_neighbour',
] as const;

/** A scenario's name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

function ramp(t: number, start: number, end: number): number {
  return Math.max(0, Math.min(1, (t - start) / Math.max(1, end - start)));
}

/**
 * Builds the scenario library for a fleet, scheduled one after another from `liveStart`, each on its own
 * hosts (the first hosts of the fleet stay healthy so false alerts can be counted on them). Needs ≥ 12 hosts.
 */
export function buildScenarios(hosts: readonly HostProfile[], liveStart: number, only?: readonly string[]): Scenario[] {
  if (hosts.length < 12) throw new Error('the scenario library needs at least 12 hosts');
  const pick = (i: number) => (hosts[hosts.length - 1 - i] as HostProfile).name;
  const at = (i: number) => liveStart + 10 * MIN + i * 25 * MIN;
  const list: Scenario[] = [
    {
      name: 'memory_leak',
      description: 'a process leaks memory steadily until the host would run out within hours',
      hosts: [pick(0)],
      start: at(0),
      end: Number.POSITIVE_INFINITY,
      expected: true,
      metricHint: 'mem',
      effects: (h, t) => ({ memoryBytes: h.memTotal * 0.55 * ramp(t, at(0), at(0) + 3 * HOUR) }),
    },
    {
      name: 'disk_fill',
      description: 'a runaway log fills /var at 8 GiB an hour',
      hosts: [pick(1)],
      start: at(1),
      end: Number.POSITIVE_INFINITY,
      expected: true,
      metricHint: 'filesystem',
      effects: (_h, t) => ({ varBytes: (8 * GIB * Math.max(0, t - at(1))) / HOUR }),
    },
    {
      name: 'cpu_spike',
      description: 'a stress test pins the CPU at ~95% for 15 minutes',
      hosts: [pick(2)],
      start: at(2),
      end: at(2) + 15 * MIN,
      expected: true,
      metricHint: 'cpu',
      effects: () => ({ cpu: 0.9 }),
    },
    {
      name: 'crypto_miner',
      description: 'a miner takes 60% of the CPU, steady, around the clock from now on',
      hosts: [pick(3)],
      start: at(3),
      end: Number.POSITIVE_INFINITY,
      expected: true,
      metricHint: 'cpu',
      effects: () => ({ cpu: 0.6 }),
    },
    {
      name: 'log_rotation',
      description:
        'a chatty service whose logs grow 2 GiB and are rotated every 30 minutes, as they always have been: a sawtooth that must not alert',
      hosts: [pick(4)],
      start: at(4),
      end: Number.POSITIVE_INFINITY,
      activeFrom: Number.NEGATIVE_INFINITY,
      expected: false,
      metricHint: 'filesystem',
      effects: (_h, t) => ({ varBytes: (2 * GIB * (((t % (30 * MIN)) + 30 * MIN) % (30 * MIN))) / (30 * MIN) }),
    },
    {
      name: 'network_saturation',
      description: 'a backup saturates the network at 12× the normal rate for 20 minutes',
      hosts: [pick(5)],
      start: at(5),
      end: at(5) + 20 * MIN,
      expected: true,
      metricHint: 'network',
      effects: () => ({ netFactor: 12 }),
    },
    {
      name: 'latency_degradation',
      description: 'the health probe slows from ~60 ms to ~600 ms for 20 minutes',
      hosts: [pick(6)],
      start: at(6),
      end: at(6) + 20 * MIN,
      expected: true,
      metricHint: 'probe',
      effects: () => ({ probeSeconds: 0.55 }),
    },
    {
      name: 'host_down',
      description: 'the host stops answering (no data) for 15 minutes',
      hosts: [pick(7)],
      start: at(7),
      end: at(7) + 15 * MIN,
      expected: true,
      metricHint: '',
      effects: () => ({ down: true }),
    },
    {
      name: 'noisy_neighbour',
      description: 'three hosts on one hypervisor lose 35% of their CPU to steal at the same moment',
      hosts: [pick(8), pick(9), pick(10)],
      start: at(8),
      end: at(8) + 20 * MIN,
      expected: true,
      metricHint: 'cpu',
      effects: () => ({ steal: 0.35 }),
    },
  ];
  return only ? list.filter((s) => only.includes(s.name)) : list;
}

/** Combines the effects of every scenario active on a host at time t. */
export function effectsAt(scenarios: readonly Scenario[], host: HostProfile, t: number): Effects | undefined {
  let out: Effects | undefined;
  for (const s of scenarios) {
    if (t < (s.activeFrom ?? s.start) || t >= s.end || !s.hosts.includes(host.name)) continue;
    const e = s.effects(host, t);
    if (!e) continue;
    out ??= {};
    if (e.cpu) out.cpu = (out.cpu ?? 0) + e.cpu;
    if (e.steal) out.steal = (out.steal ?? 0) + e.steal;
    if (e.memoryBytes) out.memoryBytes = (out.memoryBytes ?? 0) + e.memoryBytes;
    if (e.varBytes) out.varBytes = (out.varBytes ?? 0) + e.varBytes;
    if (e.netFactor) out.netFactor = (out.netFactor ?? 1) * e.netFactor;
    if (e.probeSeconds) out.probeSeconds = (out.probeSeconds ?? 0) + e.probeSeconds;
    if (e.down) out.down = true;
  }
  return out;
}
