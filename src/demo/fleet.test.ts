import { describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';
import { buildScenarios, effectsAt } from './scenarios.js';
import { scoreDemo } from './scorecard.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 16, 0, 0, 0); // a Monday

function cpuUtil(f: Fleet, host: string, t0: number, minutes: number, effects?: Parameters<Fleet['sample']>[1]): number {
  let idle0 = 0;
  let idle1 = 0;
  for (let m = 0; m <= minutes; m++) {
    const out = f.sample(t0 + m * 60_000, effects);
    const idle = out.filter((s) => s.labels.host === host && s.labels.mode === 'idle').reduce((a, s) => a + (s.values[0] ?? 0), 0);
    if (m === 0) idle0 = idle;
    idle1 = idle;
  }
  const cpus = 2;
  return 1 - (idle1 - idle0) / (minutes * 60 * cpus);
}

describe('Fleet', () => {
  it('produces node_exporter-named series per host with monotonically increasing counters', () => {
    const f = new Fleet({ hosts: 3, seed: 1 });
    const a = f.sample(T0);
    const b = f.sample(T0 + 10_000);
    expect(a.length).toBe(b.length);
    const names = new Set(a.map((s) => s.labels.__name__));
    for (const n of [
      'node_cpu_seconds_total',
      'node_memory_MemAvailable_bytes',
      'node_filesystem_avail_bytes',
      'node_network_receive_bytes_total',
      'node_load1',
    ])
      expect(names).toContain(n);
    for (let i = 0; i < a.length; i++) {
      if (a[i]!.labels.__name__!.endsWith('_total')) expect(b[i]!.values[0]!).toBeGreaterThanOrEqual(a[i]!.values[0]!);
      expect(b[i]!.labels.host).toMatch(/^[a-z]+-\d\d$/);
    }
  });

  it('has a daily rhythm: busier in the afternoon than at night', () => {
    const f = new Fleet({ hosts: 1, seed: 3 });
    const host = f.hosts[0]!.name;
    const night = cpuUtil(f, host, T0 + 3 * HOUR, 30);
    const day = cpuUtil(f, host, T0 + 14 * HOUR, 30);
    expect(day).toBeGreaterThan(night * 1.3);
  });

  it('applies scenario effects only to their hosts and times', () => {
    const f = new Fleet({ hosts: 12, seed: 5 });
    const scenarios = buildScenarios(f.hosts, T0, ['cpu_spike']);
    const spike = scenarios[0]!;
    const victim = spike.hosts[0]!;
    const effects = (h: (typeof f.hosts)[number]) => effectsAt(scenarios, h, spike.start + 60_000);
    expect(cpuUtil(f, victim, spike.start, 5, (h) => effectsAt(scenarios, h, spike.start + 60_000))).toBeGreaterThan(0.85);
    expect(effects(f.hosts[0]!)).toBeUndefined();
    expect(effectsAt(scenarios, f.hosts.find((h) => h.name === victim)!, spike.end + 1)).toBeUndefined();
  });

  it('drops a down host from the output', () => {
    const f = new Fleet({ hosts: 12, seed: 5 });
    const [down] = buildScenarios(f.hosts, T0, ['host_down']);
    const out = f.sample(down!.start + 1000, (h) => effectsAt([down!], h, down!.start + 1000));
    expect(out.some((s) => s.labels.host === down!.hosts[0])).toBe(false);
  });
});

describe('scoreDemo', () => {
  it('counts caught scenarios, delays, explanations and false alerts', () => {
    const f = new Fleet({ hosts: 12, seed: 5 });
    const scenarios = buildScenarios(f.hosts, T0, ['cpu_spike', 'log_rotation']);
    const [spike, rotation] = scenarios as [(typeof scenarios)[0], (typeof scenarios)[0]];
    const card = scoreDemo(
      scenarios,
      [
        { t: spike.start + 90_000, hosts: spike.hosts, text: `CPU anomaly on ${spike.hosts[0]}: node_cpu_seconds_total` },
        { t: rotation.start + 60 * 60_000, hosts: rotation.hosts, text: `disk on ${rotation.hosts[0]}` },
        { t: T0 + 1000, hosts: [f.hosts[0]!.name], text: 'noise' },
      ],
      T0 + 10 * HOUR,
    );
    expect(card.scenarios).toEqual([
      { name: 'cpu_spike', expected: true, caught: true, delay_s: 90, explanation: expect.stringContaining('CPU'), explanation_ok: true },
      { name: 'log_rotation', expected: false, caught: true, delay_s: 3600, explanation: expect.any(String), explanation_ok: null },
    ]);
    expect(card.false_alerts).toBe(2);
    expect(card.history_alerts).toBe(0);
  });

  it('counts alerts about the pre-filled history apart from the live false alerts', () => {
    const f = new Fleet({ hosts: 12, seed: 5 });
    const scenarios = buildScenarios(f.hosts, T0, ['cpu_spike']);
    const alerts = [
      { t: T0 - 5 * HOUR, hosts: [f.hosts[0]!.name], text: 'a deploy yesterday' },
      { t: T0 + HOUR, hosts: [f.hosts[0]!.name], text: 'noise' },
    ];
    const card = scoreDemo(scenarios, alerts, T0 + 10 * HOUR, T0);
    expect(card.false_alerts).toBe(1);
    expect(card.history_alerts).toBe(1);
  });
});
